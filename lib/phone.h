/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Vietnamese phone-number normalisation to E.164; short-code and alphanumeric sender detection. No I/O. */
#ifndef DZ_PHONE_H
#define DZ_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#define PHONE_BUFSZ	32

enum phone_kind {
	PHONE_INVALID,		/* empty, or digits that make no number */
	PHONE_VN_MOBILE,	/* +84 then 9 digits, mobile prefix 3x/5x/7x/8x/9x */
	PHONE_VN_FIXED,		/* +84 2xx landline (10 digits after 84) */
	PHONE_FOREIGN,		/* +CC... other than 84, 8-15 digits */
	PHONE_SHORTCODE,	/* 3-6 digits, e.g. 1900xxxx service numbers are 8: see phone.c */
	PHONE_ALPHANUMERIC,	/* sender name such as "VIETTEL" or "MobiFone" */
};

/*
 * Normalise a number as a clerk typed it or as the network delivered it:
 * spaces, dots, dashes, parentheses dropped; "+84", "84", "0084", "0" or
 * nothing (9 digits) as prefix; the legacy 11-digit mobile prefixes of the
 * 2018 renumbering (0162->032 ... 0199->059) mapped to today's; 1800/1900
 * service numbers are PHONE_SHORTCODE. For VN numbers out receives
 * "+84" and the national significant number; for foreign numbers "+" and
 * the digits; for short codes the digits; for alphanumeric senders the
 * trimmed input; for invalid input the empty string.
 * outsz should be PHONE_BUFSZ.
 */
enum phone_kind	phone_normalize(const char *in, char *out, size_t outsz);

/* true if a reply may be sent to this kind (VN mobile or foreign); never to short codes or alphanumeric senders. */
bool	phone_kind_is_replyable(enum phone_kind k);

/* "...4567" (last 4 digits) for logs above debug level. */
const char *phone_mask(const char *number, char *buf, size_t bufsz);

#endif
