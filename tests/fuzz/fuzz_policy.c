/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: policy_parse_day, policy_format_day and policy_iso_minus on the input as an ISO date. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "policy.h"

#define CANARY	8

/* Offsets the callers use (a day, a week, retention), and both signs. */
static const long secs[] = { 0, 1, -1, 59, 3600, 86399, 86400, -86400,
    7 * 86400, 400L * 86400, 2147483647L, -2147483647L };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char fmt[16], back[16], small[16 + CANARY], a[64], b[64], zero[64];
	size_t i, j;
	long day, d2;
	char *s;

	if ((s = fuzz_str(data, size)) == NULL)
		return 0;
	policy_format_day(s, fmt, sizeof(fmt));
	if (policy_parse_day(s, &day) == 0) {
		/* policy_day_iso is the inverse; format_day agrees with it. */
		policy_day_iso(day, back, sizeof(back));
		FUZZ_CHECK(policy_parse_day(back, &d2) == 0 && d2 == day);
		FUZZ_CHECK(strlen(back) == 10 && strlen(fmt) == 10);
		FUZZ_CHECK(memcmp(fmt, back + 8, 2) == 0 && fmt[2] == '/');
		FUZZ_CHECK(memcmp(fmt + 3, back + 5, 2) == 0 && fmt[5] == '/');
		FUZZ_CHECK(memcmp(fmt + 6, back, 4) == 0);
	} else
		FUZZ_CHECK(fmt[0] == '\0');
	for (i = 0; i < 16; i++) {
		memset(small, 0xA5, sizeof(small));
		policy_format_day(s, small, i);
		FUZZ_CHECK(i == 0 || strncmp(small, fmt, i - 1) == 0);
		FUZZ_CHECK(i == 0 || fuzz_terminated(small, i));
		for (j = i; j < sizeof(small); j++)
			FUZZ_CHECK(small[j] == (char)0xA5);
	}
	policy_iso_minus(s, 0, zero, sizeof(zero));
	for (i = 0; i < nitems(secs); i++) {
		policy_iso_minus(s, secs[i], a, sizeof(a));
		FUZZ_CHECK(fuzz_terminated(a, sizeof(a)));
		if (policy_parse_day(s, &day) != 0) {
			/* Unparsable input is copied. */
			FUZZ_CHECK(strncmp(a, s, sizeof(a) - 1) == 0);
			continue;
		}
		/* Moving back and forth again lands where no move did. */
		if (policy_parse_day(a, &d2) == 0) {
			policy_iso_minus(a, -secs[i], b, sizeof(b));
			FUZZ_CHECK(strcmp(b, zero) == 0);
		}
	}
	free(s);
	return 0;
}
