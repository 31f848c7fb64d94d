/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: text.h (UTF-8, repair, folding, GSM-7, parts, SMS preparation) and width.h (width, fit, pad). */
#define _POSIX_C_SOURCE 200809L	/* open_memstream */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "text.h"
#include "width.h"

#define BIG	16384	/* more than folding a 4 KiB input needs */

/* Ascending sizes: about "…" (3 bytes) and one GSM-7 part (161). */
static const size_t sizes[] = { 1, 2, 3, 4, 7, 16, 161, BIG };
static char	out[BIG + 8], small[16 + 8];

/* Folding is snprintf-like: a short buffer keeps a prefix of the result. */
static void
check_fold(size_t (*fold)(const char *, char *, size_t), const char *s)
{
	size_t n, i, k;

	n = fold(s, out, sizeof(out));
	FUZZ_CHECK(n < sizeof(out) && strlen(out) == n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK((out[i] >= 0x20 && out[i] < 0x7F) || out[i] == '\n');
	for (i = 0; (k = sizes[i]) <= 16; i++) {
		memset(small, 0xA5, sizeof(small));
		FUZZ_CHECK(fold(s, small, k) == n && small[k] == (char)0xA5);
		FUZZ_CHECK(strlen(small) < k);
		FUZZ_CHECK(strncmp(small, out, strlen(small)) == 0);
	}
}

/* text_utf8_repair: valid UTF-8, snprintf-like, cut between characters. */
static void
check_repair(const char *s)
{
	size_t n, i, k;

	n = text_utf8_repair(s, out, sizeof(out));
	FUZZ_CHECK(n < sizeof(out) && strlen(out) == n && text_utf8_valid(out));
	FUZZ_CHECK(text_utf8_valid(s) ? strcmp(out, s) == 0 : n > 0);
	for (i = 0; (k = sizes[i]) <= 16; i++) {
		memset(small, 0xA5, sizeof(small));
		FUZZ_CHECK(text_utf8_repair(s, small, k) == n &&
		    small[k] == (char)0xA5);
		FUZZ_CHECK(strlen(small) < k && text_utf8_valid(small));
		FUZZ_CHECK(strncmp(small, out, strlen(small)) == 0);
	}
}

/* width_fit's promises (width.h), into outsz bytes of a canaried buffer. */
static void
check_fit(const char *s, size_t cols, size_t outsz)
{
	size_t w, i;

	memset(out, 0xA5, outsz + 8);
	w = width_fit(s, cols, out, outsz);
	FUZZ_CHECK(w <= cols && out[outsz] == (char)0xA5);
	FUZZ_CHECK(fuzz_terminated(out, outsz) && width_of(out) == w);
	FUZZ_CHECK(text_utf8_valid(out));
	for (i = 0; out[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7F);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum text_charset cs[] = {
	    TEXT_ASCII, TEXT_AUTO, TEXT_UNICODE };
	size_t i, memsz, sz;
	char *s, *mem;
	int max, parts;
	bool ucs2;
	FILE *f;

	if (size == 0 || (s = fuzz_str(data + 1, size - 1)) == NULL)
		return 0;
	max = 1 + data[0] % 4;
	FUZZ_CHECK(text_utf8_len(s) <= strlen(s));
	FUZZ_CHECK(width_char_count(s) == text_utf8_len(s));
	FUZZ_CHECK(text_ucs2_units(s) >= text_utf8_len(s));
	FUZZ_CHECK(!text_is_gsm7(s) ||
	    text_gsm7_septets(s) >= text_utf8_len(s));
	FUZZ_CHECK(text_sms_parts(s, false) >= 1);
	FUZZ_CHECK(text_sms_parts(s, true) >= 1);
	check_fold(text_fold_ascii, s);
	check_fold(text_fold_upper, s);
	/* The loop check's fingerprint: whatever the bytes, a value, no crash. */
	(void)text_fingerprint(s, false);
	(void)text_fingerprint(s, true);
	check_repair(s);
	/* Each charset into BIG, 161, 16 and 7 bytes: room, one part, too short. */
	for (i = 0; i < 4 * nitems(cs); i++) {
		sz = sizes[nitems(sizes) - 1 - i / 3];
		parts = text_prepare_sms(s, cs[i % 3], max, out, sz, &ucs2);
		FUZZ_CHECK(parts == -1 || (parts >= 1 && parts <= max));
		if (parts == -1)
			continue;
		FUZZ_CHECK(strlen(out) < sz);
		FUZZ_CHECK(text_sms_parts(out, ucs2) == parts);
		FUZZ_CHECK(cs[i % 3] != TEXT_ASCII ||
		    (!ucs2 && text_is_gsm7(out)));
		FUZZ_CHECK(cs[i % 3] != TEXT_UNICODE || ucs2);
	}
	FUZZ_CHECK(width_of(s) <= 2 * width_char_count(s));
	for (i = 0; i <= 80; i++)
		check_fit(s, i, sizes[i % nitems(sizes)]);
	small[0] = (char)0xA5;
	(void)width_fit(s, 80, small, 0);
	FUZZ_CHECK(small[0] == (char)0xA5);
	/* Padded to exactly cols columns, on one line, whatever s holds. */
	if ((f = open_memstream(&mem, &memsz)) == NULL)
		abort();
	width_pad(f, s, data[0] % 81, data[0] & 0x80);
	FUZZ_CHECK(fclose(f) == 0);
	FUZZ_CHECK(width_of(mem) == data[0] % 81u && text_utf8_valid(mem));
	FUZZ_CHECK(strchr(mem, '\n') == NULL);
	free(mem);
	free(s);
	return 0;
}
