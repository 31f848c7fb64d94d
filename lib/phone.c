/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Vietnamese phone-number normalisation to E.164; short-code and alphanumeric sender detection. No I/O. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "phone.h"

#define DIGITS_MAX	20

/* The 2018 renumbering of 11-digit mobile numbers: 01xx -> 0yy. */
static const struct legacy_prefix {
	const char	*old;	/* after the trunk 0 */
	const char	*now;
} legacy[] = {
	{ "162", "32" }, { "163", "33" }, { "164", "34" }, { "165", "35" },
	{ "166", "36" }, { "167", "37" }, { "168", "38" }, { "169", "39" },
	{ "120", "70" }, { "121", "79" }, { "122", "77" }, { "126", "76" },
	{ "128", "78" },
	{ "123", "83" }, { "124", "84" }, { "125", "85" }, { "127", "81" },
	{ "129", "82" },
	{ "186", "56" }, { "188", "58" },
	{ "199", "59" },
};

/* a, b and c one after another into out (size outsz), cut short like snprintf. */
static void
join(char *out, size_t outsz, const char *a, const char *b, const char *c)
{
	size_t n = dz_strlcpy(out, a, outsz);

	if (n < outsz)
		n += dz_strlcpy(out + n, b, outsz - n);
	if (n < outsz)
		dz_strlcpy(out + n, c, outsz - n);
}

/*
 * Classify a Vietnamese national significant number (no 84, no trunk 0)
 * and write "+84..." to out.
 */
static enum phone_kind
vn_number(const char *nsn, char *out, size_t outsz)
{
	size_t len = strlen(nsn), i;

	if (len == 9 && strchr("35789", nsn[0]) != NULL) {
		join(out, outsz, "+84", nsn, "");
		return PHONE_VN_MOBILE;
	}
	if (len == 10 && nsn[0] == '2') {
		join(out, outsz, "+84", nsn, "");
		return PHONE_VN_FIXED;
	}
	for (i = 0; len == 10 && i < nitems(legacy); i++) {
		if (strncmp(nsn, legacy[i].old, 3) == 0) {
			join(out, outsz, "+84", legacy[i].now, nsn + 3);
			return PHONE_VN_MOBILE;
		}
	}
	return PHONE_INVALID;
}

/* +CC... or 00CC... digits other than 84. */
static enum phone_kind
international(const char *d, char *out, size_t outsz)
{
	size_t len = strlen(d);

	if (strncmp(d, "84", 2) == 0) {
		d += 2;
		/* "+84 (0) 91..." */
		if (d[0] == '0')
			d++;
		return vn_number(d, out, outsz);
	}
	if (len < 8 || len > 15 || d[0] == '0')
		return PHONE_INVALID;
	join(out, outsz, "+", d, "");
	return PHONE_FOREIGN;
}

/* Digits without a leading + or 00. */
static enum phone_kind
national(const char *d, char *out, size_t outsz)
{
	size_t len = strlen(d);

	if ((strncmp(d, "1800", 4) == 0 || strncmp(d, "1900", 4) == 0) &&
	    (len == 8 || len == 10)) {
		dz_strlcpy(out, d, outsz);
		return PHONE_SHORTCODE;
	}
	if (len >= 3 && len <= 6) {
		dz_strlcpy(out, d, outsz);
		return PHONE_SHORTCODE;
	}
	if (d[0] == '0')
		return vn_number(d + 1, out, outsz);
	/* 84 + 9 or 10 digits; a bare 9-digit number may start with 84. */
	if (strncmp(d, "84", 2) == 0 && len >= 11)
		return international(d, out, outsz);
	return vn_number(d, out, outsz);
}

/* A no-break space (UTF-8 C2 A0), as numbers pasted from documents carry. */
static bool
is_nbsp(const char *p)
{
	return (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0;
}

/* Copy s into buf without surrounding white space; returns its length. */
static size_t
trim(const char *s, char *buf, size_t bufsz)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (bufsz > 0) {
		memcpy(buf, s, len < bufsz ? len : bufsz - 1);
		buf[len < bufsz ? len : bufsz - 1] = '\0';
	}
	return len;
}

/* true if s holds a letter; any non-ASCII character but NBSP counts as one. */
static bool
has_letters(const char *s)
{
	for (; *s != '\0'; s++) {
		if (is_nbsp(s))
			s++;
		else if (isalpha((unsigned char)*s) ||
		    (unsigned char)*s >= 0x80)
			return true;
	}
	return false;
}

/*
 * Collect the digits of s into d, and whether a '+' came before them
 * ("(+84) 912..."); false on any other character.
 */
static bool
collect_digits(const char *s, char *d, bool *plus)
{
	size_t n = 0;

	for (*plus = false; *s != '\0'; s++) {
		if (*s == '+' && n == 0 && !*plus)
			*plus = true;
		else if (isdigit((unsigned char)*s)) {
			if (n == DIGITS_MAX)
				return false;
			d[n++] = *s;
		} else if (is_nbsp(s))
			s++;
		else if (strchr(" .-()", *s) == NULL)
			return false;
	}
	d[n] = '\0';
	return n > 0;
}

enum phone_kind
phone_normalize(const char *in, char *out, size_t outsz)
{
	char t[PHONE_BUFSZ * 2], d[DIGITS_MAX + 1];
	enum phone_kind k;
	size_t len;
	bool plus;

	if (outsz == 0)
		return PHONE_INVALID;
	out[0] = '\0';
	if (in == NULL || (len = trim(in, t, sizeof(t))) == 0)
		return PHONE_INVALID;
	if (has_letters(t)) {
		dz_strlcpy(out, t, outsz);
		return PHONE_ALPHANUMERIC;
	}
	if (len >= sizeof(t) || !collect_digits(t, d, &plus))
		return PHONE_INVALID;
	if (plus)
		k = international(d, out, outsz);
	else if (strncmp(d, "00", 2) == 0)
		k = international(d + 2, out, outsz);
	else
		k = national(d, out, outsz);
	if (k == PHONE_INVALID)
		out[0] = '\0';
	return k;
}

bool
phone_kind_is_replyable(enum phone_kind k)
{
	return k == PHONE_VN_MOBILE || k == PHONE_FOREIGN;
}

const char *
phone_mask(const char *number, char *buf, size_t bufsz)
{
	const char *p;
	char last[5];
	size_t n = 0;

	if (number == NULL)
		number = "";
	last[4] = '\0';
	/* The last four digits, collected right to left. */
	for (p = number + strlen(number); p > number && n < 4; p--)
		if (isdigit((unsigned char)p[-1]))
			last[3 - n++] = p[-1];
	if (bufsz > 0)
		join(buf, bufsz, "...", last + 4 - n, "");
	return buf;
}
