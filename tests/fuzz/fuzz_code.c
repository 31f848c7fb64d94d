/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: code_find with every cap from 0 to 8, code_is_canonical on the text and on each find. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "fuzz.h"

#define MAXM	8

/* A match must be what code.h promises for its kind. */
static void
check_match(const struct code_match *m)
{
	struct code_match again[2];

	FUZZ_CHECK(fuzz_terminated(m->code, CODE_BUFSZ));
	switch (m->kind) {
	case CODE_VALID:
		FUZZ_CHECK(code_is_canonical(m->code));
		/* The canonical form is found in itself, unchanged. */
		FUZZ_CHECK(code_find(m->code, again, 2) == 1);
		FUZZ_CHECK(strcmp(again[0].code, m->code) == 0);
		break;
	case CODE_BAD_DATE:
		FUZZ_CHECK(strlen(m->code) == CODE_LEN);
		FUZZ_CHECK(!code_is_canonical(m->code));
		break;
	case CODE_PROCEDURE:
		FUZZ_CHECK(!code_is_canonical(m->code));
		break;
	default:
		FUZZ_CHECK(!"unknown code kind");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct code_match all[MAXM], m[MAXM + 1];
	char *s;
	int max, n, total, i;

	if ((s = fuzz_str(data, size)) == NULL)
		return 0;
	total = code_find(s, all, MAXM);
	FUZZ_CHECK(total >= 0);
	for (i = 0; i < total && i < MAXM; i++)
		check_match(&all[i]);
	/* The total does not depend on the cap, nor the matches kept. */
	for (max = 0; max < MAXM; max++) {
		memset(m, 0xA5, sizeof(m));
		n = code_find(s, m, max);
		FUZZ_CHECK(n == total);
		for (i = 0; i < max && i < n; i++)
			FUZZ_CHECK(m[i].kind == all[i].kind &&
			    strcmp(m[i].code, all[i].code) == 0);
		/* Nothing written past the cap. */
		FUZZ_CHECK(m[max].code[0] == (char)0xA5);
	}
	if (code_is_canonical(s))
		FUZZ_CHECK(total == 1 && strcmp(all[0].code, s) == 0);
	free(s);
	return 0;
}
