/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: ussd_parse_balance with the default and custom keyword lists, ussd_format_vnd. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "policy.h"
#include "ussd.h"

#define CANARY	8

/* Lists as a configuration gives them, with and without diacritics. */
static const char *const bal[] = { "Số dư", "TKC", "tai khoan chinh", NULL };
static const char *const val[] = { "ngày hết hạn", "HSD", NULL };

/* ussd.h's contract for out, whatever r is. */
static void
check(int r, const struct ussd_balance *b)
{
	long day;

	FUZZ_CHECK(r >= -1 && r <= 1);
	FUZZ_CHECK(fuzz_terminated(b->validity, sizeof(b->validity)));
	FUZZ_CHECK(b->has_balance == (r == 1));
	if (r != 1)
		FUZZ_CHECK(b->balance == 0 && !b->has_validity);
	/* More than 15 digits is unreadable. */
	FUZZ_CHECK(b->balance > -1000000000000000LL &&
	    b->balance < 1000000000000000LL);
	FUZZ_CHECK(b->has_validity == (b->validity[0] != '\0'));
	if (!b->has_validity) {
		FUZZ_CHECK(b->validity_day == 0);
		return;
	}
	/* Years 2000 to 2099 only. */
	FUZZ_CHECK(strlen(b->validity) == 10);
	FUZZ_CHECK(strncmp(b->validity, "20", 2) == 0);
	FUZZ_CHECK(policy_parse_day(b->validity, &day) == 0);
	FUZZ_CHECK(day == b->validity_day);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *keys[] = { NULL, NULL };
	char vnd[USSD_VND_BUFSZ], small[USSD_VND_BUFSZ + CANARY], again[64];
	char *s, *nl;
	struct ussd_balance b, b2;
	struct dz_err err;
	long long v = 0;
	size_t i, j;
	int r;

	if ((s = fuzz_str(data, size)) == NULL)
		return 0;
	check(r = ussd_parse_balance(s, NULL, NULL, &b, &err), &b);
	if (r == 1) {
		/* What we print for staff reads back as the same balance. */
		ussd_format_vnd(b.balance, vnd, sizeof(vnd));
		snprintf(again, sizeof(again), "TKC %s", vnd);
		r = ussd_parse_balance(again, NULL, NULL, &b2, NULL);
		FUZZ_CHECK(r == 1);
		FUZZ_CHECK(b2.balance == b.balance);
	}
	check(ussd_parse_balance(s, bal, val, &b, NULL), &b);
	/* The first line as the only keyword of both lists, bad ones too. */
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		keys[0] = s;
		check(ussd_parse_balance(nl + 1, keys, keys, &b, &err), &b);
	}
	memcpy(&v, data, size < sizeof(v) ? size : sizeof(v));
	ussd_format_vnd(v, vnd, sizeof(vnd));
	FUZZ_CHECK(strlen(vnd) < sizeof(vnd));
	FUZZ_CHECK(strlen(vnd) > 3);
	FUZZ_CHECK(strcmp(vnd + strlen(vnd) - 3, " đ") == 0);
	for (i = 0; i <= USSD_VND_BUFSZ; i++) {
		memset(small, 0xA5, sizeof(small));
		ussd_format_vnd(v, small, i);
		for (j = i; j < sizeof(small); j++)
			FUZZ_CHECK(small[j] == (char)0xA5);
		FUZZ_CHECK(i == 0 || strncmp(small, vnd, i - 1) == 0);
		FUZZ_CHECK(i == 0 || fuzz_terminated(small, i));
	}
	free(s);
	return 0;
}
