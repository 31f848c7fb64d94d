/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the numbers-file parser, line by line (numbers_line) and as a stream (numbers_read). */
#define _POSIX_C_SOURCE 200809L	/* fmemopen */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "numbers.h"

struct seen {
	int	lineno, calls, stop;
};

/* numbers_read's callback: entries and bad lines only, in line order. */
static int
seen_cb(void *arg, int lineno, enum numbers_kind k, const char *number,
    const char *why)
{
	struct seen *sn = arg;

	FUZZ_CHECK(lineno > sn->lineno);
	if (k == NUMBERS_ENTRY)
		FUZZ_CHECK(why[0] == '\0' && strlen(number) < NUMBERS_BUFSZ);
	else
		FUZZ_CHECK(k == NUMBERS_BAD && number[0] == '\0' &&
		    strncmp(why, "line ", 5) == 0);
	sn->lineno = lineno;
	return ++sn->calls == sn->stop ? 42 : 0;
}

/* Each line of data through numbers_line, into out and why of these sizes. */
static void
by_line(const uint8_t *data, size_t size, struct numbers_parser *p,
    size_t outsz, size_t whysz)
{
	char out[NUMBERS_BUFSZ], why[NUMBERS_WHYSZ];
	const uint8_t *nl;
	size_t len;
	int k, n;

	numbers_init(p);
	for (n = 1; size > 0; n++, data += len, size -= len) {
		nl = memchr(data, '\n', size);
		len = nl != NULL ? (size_t)(nl - data) : size;
		k = numbers_line(p, (const char *)data, len, out, outsz, why,
		    whysz, NULL);
		len += nl != NULL;
		FUZZ_CHECK(p->lineno == n);
		FUZZ_CHECK((k == -1) == (p->format == NUMBERS_UNUSABLE));
		if (k == -1)
			continue;
		FUZZ_CHECK(fuzz_terminated(out, outsz));
		FUZZ_CHECK(fuzz_terminated(why, whysz));
		FUZZ_CHECK(k == NUMBERS_ENTRY || out[0] == '\0');
		FUZZ_CHECK(whysz == 1 ||
		    (k == NUMBERS_BAD) == (why[0] != '\0'));
		FUZZ_CHECK(p->entries + p->skipped + p->bad == n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct numbers_parser lp, sp, tp;
	struct seen sn = { 0, 0, 0 };
	const uint8_t *cr;
	struct dz_err err;
	FILE *f;
	int rc;

	if (size == 0)
		return 0;
	by_line(data, size, &tp, 1 + data[0] % NUMBERS_BUFSZ,
	    1 + data[size - 1] % NUMBERS_WHYSZ);
	by_line(data, size, &lp, NUMBERS_BUFSZ, NUMBERS_WHYSZ);
	/* fmemopen wants a void *; mode "r" never writes through it. */
	if ((f = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		abort();
	/* Stop early on some inputs, to cover the callback's way out. */
	sn.stop = data[0] % 8;
	numbers_init(&sp);
	rc = numbers_read(f, &sp, seen_cb, &sn, &err);
	fclose(f);
	FUZZ_CHECK(rc == 0 || rc == -1 || (rc == 42 && sn.calls == sn.stop));
	if (rc == 42)
		return 0;
	FUZZ_CHECK((rc == -1) == (sp.format == NUMBERS_UNUSABLE));
	FUZZ_CHECK(rc == 0 || err.cls == DZ_EUSAGE);
	FUZZ_CHECK(sn.calls == sp.entries + sp.bad);
	/* A lone CR ends a line for numbers_read only: else both read alike. */
	for (cr = data; cr < data + size; cr++)
		if (*cr == '\r' && cr + 1 < data + size && cr[1] != '\n')
			return 0;
	FUZZ_CHECK(sp.format == lp.format && sp.entries == lp.entries);
	FUZZ_CHECK(sp.bad == lp.bad && sp.skipped == lp.skipped);
	return 0;
}
