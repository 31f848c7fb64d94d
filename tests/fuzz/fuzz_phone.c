/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: phone_normalize into buffers of several sizes, phone_mask, phone_kind_is_replyable. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "phone.h"

#define CANARY	16

static const size_t sizes[] = { PHONE_BUFSZ, 16, 13, 12, 8, 4, 1, 0 };

/* The shape phone.h gives each kind, from a full-size buffer. */
static void
check_shape(enum phone_kind k, const char *n)
{
	size_t len = strlen(n);

	FUZZ_CHECK((k == PHONE_INVALID) == (len == 0));
	if (k == PHONE_VN_MOBILE || k == PHONE_VN_FIXED || k == PHONE_FOREIGN) {
		FUZZ_CHECK(n[0] == '+');
		FUZZ_CHECK(strspn(n + 1, "0123456789") == len - 1);
		FUZZ_CHECK((strncmp(n, "+84", 3) == 0) == (k != PHONE_FOREIGN));
	}
	if (k == PHONE_VN_MOBILE)
		FUZZ_CHECK(len == 12);
	if (k == PHONE_VN_FIXED)
		FUZZ_CHECK(len == 13 && n[3] == '2');
	if (k == PHONE_FOREIGN)
		FUZZ_CHECK(len >= 9 && len <= 16);
	if (k == PHONE_SHORTCODE)
		FUZZ_CHECK(strspn(n, "0123456789") == len);
	FUZZ_CHECK(phone_kind_is_replyable(k) ==
	    (k == PHONE_VN_MOBILE || k == PHONE_FOREIGN));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char full[PHONE_BUFSZ], again[PHONE_BUFSZ], buf[PHONE_BUFSZ + CANARY];
	enum phone_kind k;
	size_t i, j;
	char *s;

	if ((s = fuzz_str(data, size)) == NULL)
		return 0;
	k = phone_normalize(s, full, sizeof(full));
	FUZZ_CHECK(k >= PHONE_INVALID && k <= PHONE_ALPHANUMERIC);
	FUZZ_CHECK(fuzz_terminated(full, sizeof(full)));
	check_shape(k, full);
	/* E.164 is a fixed point: normalising it again changes nothing. */
	if (k == PHONE_VN_MOBILE || k == PHONE_VN_FIXED || k == PHONE_FOREIGN) {
		FUZZ_CHECK(phone_normalize(full, again, sizeof(again)) == k);
		FUZZ_CHECK(strcmp(again, full) == 0);
	}
	/* A short buffer cuts the text, never the kind; nothing past it. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(buf, 0xA5, sizeof(buf));
		FUZZ_CHECK(phone_normalize(s, buf, sizes[i]) ==
		    (sizes[i] == 0 ? PHONE_INVALID : k));
		FUZZ_CHECK(sizes[i] == 0 || fuzz_terminated(buf, sizes[i]));
		for (j = sizes[i]; j < sizeof(buf); j++)
			FUZZ_CHECK(buf[j] == (char)0xA5);
	}
	for (i = 0; i <= 12; i++) {
		memset(buf, 0xA5, sizeof(buf));
		FUZZ_CHECK(phone_mask(s, buf, i) == buf);
		FUZZ_CHECK(i == 0 || fuzz_terminated(buf, i));
		FUZZ_CHECK(buf[i] == (char)0xA5);
	}
	phone_mask(full, buf, sizeof(buf));
	FUZZ_CHECK(strncmp(buf, "...", 3) == 0 && strlen(buf) <= 7);
	free(s);
	return 0;
}
