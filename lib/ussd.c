/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A prepaid SIM's main balance and validity date read from the operator's USSD answer; text only. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "policy.h"
#include "text.h"
#include "ussd.h"

#define DIGITS_MAX	15	/* digits an amount may have */
#define YEAR_MIN	2000
#define YEAR_MAX	2099

static const char *const default_balance_keys[] = {
	"TKC", "TK CHINH", "TAI KHOAN CHINH", "TAI KHOAN GOC", "TK GOC", "GOC",
	NULL,
};

static const char *const default_validity_keys[] = {
	"HSD", "HAN SU DUNG", "HAN SD", "HET HAN", NULL,
};

/* The words that may stand between an amount and the keyword after it. */
static const char *const links[] = { " TRONG ", " O ", " TAI " };

/* Currency units, longest first, as folded. */
static const char *const units[] = { "DONG", "VND", "D" };

/* A list of keywords, folded. */
struct keys {
	char	k[USSD_KEYS_MAX][USSD_KEY_MAX];
	size_t	len[USSD_KEYS_MAX];
	size_t	n;
};

/* What an amount or a date at a place is. */
enum found {
	FOUND_NONE,	/* none here: not money, not a date */
	FOUND_OK,
	FOUND_BAD,	/* money or a date, but unreadable */
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Digits at s. */
static size_t
ndigits(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	return n;
}

/* true if t[i] ends a clause (rules in ussd.h). */
static bool
is_boundary(const char *t, size_t i)
{
	char c = t[i];

	if (c == '\n')
		return !(i > 0 && (t[i - 1] == ':' || t[i - 1] == '='));
	if (c == ';' || c == '|' || c == '!')
		return true;
	if (c == '.' || c == ',')
		return !(i > 0 && is_digit(t[i - 1]) && is_digit(t[i + 1]));
	return false;
}

/* true if a word may start at t[i]: i is 0 or follows no letter or digit. */
static bool
word_start(const char *t, size_t i)
{
	return i == 0 || !is_alnum(t[i - 1]);
}

/* Fold a list of keywords (NULL: def) into ks; what names the list in errors. */
static int
load_keys(const char *const *in, const char *const *def, const char *what,
    struct keys *ks, struct dz_err *err)
{
	size_t i, n;

	if (in == NULL)
		in = def;
	for (i = 0; in[i] != NULL; i++) {
		if (i == USSD_KEYS_MAX)
			return dz_err_set(err, DZ_EUSAGE, "more than %d %s "
			    "keywords", USSD_KEYS_MAX, what);
		n = text_fold_upper(in[i], ks->k[i], sizeof(ks->k[i]));
		if (n == 0 || n >= sizeof(ks->k[i]))
			return dz_err_set(err, DZ_EUSAGE, "%s keyword %zu is "
			    "%s", what, i + 1, n == 0 ? "empty" : "too long");
		ks->len[i] = n;
	}
	if (i == 0)
		return dz_err_set(err, DZ_EUSAGE, "no %s keywords", what);
	ks->n = i;
	return 0;
}

/* Upper-case s in place; white space runs made one space or line break; trimmed. */
static void
normalize(char *s)
{
	size_t i, n = 0;
	char gap = '\0';

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			if (n > 0 && gap != '\n')
				gap = s[i] == '\n' ? '\n' : ' ';
			continue;
		}
		if (gap != '\0')
			s[n++] = gap;
		gap = '\0';
		s[n++] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') :
		    s[i];
	}
	s[n] = '\0';
}

/* Length of the longest keyword of ks at t[i] (a whole word), or 0. */
static size_t
match_key(const char *t, size_t i, const struct keys *ks)
{
	size_t j, best = 0;

	if (!word_start(t, i))
		return 0;
	for (j = 0; j < ks->n; j++)
		if (ks->len[j] > best &&
		    strncmp(t + i, ks->k[j], ks->len[j]) == 0 &&
		    !is_alnum(t[i + ks->len[j]]))
			best = ks->len[j];
	return best;
}

/* Add n digits at s to *v, counting them in *nd. */
static void
add_digits(const char *s, size_t n, long long *v, size_t *nd)
{
	size_t i;

	for (i = 0; i < n; i++, (*nd)++)
		if (*nd < DIGITS_MAX)
			*v = *v * 10 + (s[i] - '0');
}

/*
 * The number at t[i] (a digit) by the grouping rules of ussd.h: *v and
 * *end (past it) set; FOUND_BAD if it cannot be money (decimals, bad
 * groups, too many digits), *end then past its digits and separators.
 */
static enum found
read_number(const char *t, size_t i, long long *v, size_t *end)
{
	size_t j, n, n1, nd = 0;
	char c, sep = '\0';

	*v = 0;
	n1 = ndigits(t + i);
	add_digits(t + i, n1, v, &nd);
	/* Thousands groups, only after a first group of 1 to 3 digits. */
	for (j = i + n1; n1 <= 3; j += 4) {
		c = t[j];
		if ((c != '.' && c != ',' && c != ' ') ||
		    (sep != '\0' && c != sep) || !is_digit(t[j + 1]))
			break;
		if (ndigits(t + j + 1) != 3) {
			if (c == sep && c != ' ')
				goto bad;	/* "1.234.56" */
			break;			/* a decimal part, or a space ends it */
		}
		sep = c;
		add_digits(t + j + 1, 3, v, &nd);
	}
	c = t[j];
	if ((c == '.' || c == ',') && c != sep && is_digit(t[j + 1])) {
		n = ndigits(t + j + 1);
		if (n > 2 || strspn(t + j + 1, "0") < n)
			goto bad;		/* "12,5", "12345.678" */
		j += 1 + n;
	}
	*end = j;
	if (((c = t[j]) == '.' || c == ',') && is_digit(t[j + 1]))
		goto bad;			/* "1.234,00.5" */
	return nd > DIGITS_MAX ? FOUND_BAD : FOUND_OK;
bad:
	for (j = i; is_digit(t[j]) || ((t[j] == '.' || t[j] == ',') &&
	    is_digit(t[j + 1])); j++)
		;
	*end = j;
	return FOUND_BAD;
}

/* Length of the currency unit at t[i], with one space before it; 0 if none. */
static size_t
unit_len(const char *t, size_t i)
{
	size_t j, k = t[i] == ' ' ? 1 : 0, n;

	for (j = 0; j < nitems(units); j++) {
		n = strlen(units[j]);
		if (strncmp(t + i + k, units[j], n) == 0 &&
		    !is_alnum(t[i + k + n]))
			return k + n;
	}
	return 0;
}

/* The amount at t[i] (a digit starting a word); *end past its number or unit. */
static enum found
amount_at(const char *t, size_t i, long long *v, size_t *end)
{
	enum found r;
	size_t u;

	r = read_number(t, i, v, end);
	if ((u = unit_len(t, *end)) == 0)
		return FOUND_NONE;
	*end += u;
	if (r == FOUND_OK && i > 0 && t[i - 1] == '-' && word_start(t, i - 1))
		*v = -*v;
	return r;
}

/* The first amount from t[from] to the end of its clause (or t[to]). */
static enum found
first_amount(const char *t, size_t from, size_t to, long long *v,
    size_t *end)
{
	enum found r;
	size_t i;

	for (i = from; i < to && t[i] != '\0'; i++) {
		if (is_boundary(t, i))
			return FOUND_NONE;
		if (!is_digit(t[i]) || !word_start(t, i))
			continue;
		if ((r = amount_at(t, i, v, end)) != FOUND_NONE)
			return r;
		i = *end - 1;
	}
	return FOUND_NONE;
}

/* Where the clause holding t[i] starts. */
static size_t
clause_start(const char *t, size_t i)
{
	while (i > 0 && !is_boundary(t, i - 1))
		i--;
	return i;
}

/* "<amount> TRONG <keyword>": the amount before the keyword at t[key], *end past it. */
static bool
amount_before(const char *t, size_t key, long long *v, size_t *end)
{
	size_t i, e, j, n;
	long long a;
	enum found r, last = FOUND_NONE;

	for (i = clause_start(t, key);
	    (r = first_amount(t, i, key, &a, &e)) != FOUND_NONE; i = e) {
		last = r;
		*end = e;
		*v = a;
	}
	if (last != FOUND_OK)
		return false;
	for (j = 0; j < nitems(links); j++) {
		n = strlen(links[j]);
		if (*end + n == key && strncmp(t + *end, links[j], n) == 0)
			return true;
	}
	return false;
}

/* Where the main balance was read. */
struct hit {
	size_t	key_end;	/* past its keyword */
	size_t	amount_end;	/* past its amount */
};

/* Find the main balance. */
static bool
find_balance(const char *t, const struct keys *ks, long long *v,
    struct hit *h)
{
	size_t i, n;

	for (i = 0; t[i] != '\0'; i++) {
		if ((n = match_key(t, i, ks)) == 0)
			continue;
		h->key_end = i + n;
		switch (first_amount(t, i + n, SIZE_MAX, v, &h->amount_end)) {
		case FOUND_OK:
			return true;
		case FOUND_NONE:
			if (amount_before(t, i, v, &h->amount_end))
				return true;
			break;
		case FOUND_BAD:
			break;
		}
		i += n - 1;
	}
	return false;
}

/* true if the clause before t[key] holds an amount other than the balance. */
static bool
other_amount_before(const char *t, size_t key, const struct hit *h)
{
	size_t i, end;
	long long a;

	for (i = clause_start(t, key);
	    first_amount(t, i, key, &a, &end) != FOUND_NONE; i = end)
		if (end != h->amount_end)
			return true;
	return false;
}

/* Check y-m-d and set out's validity: FOUND_OK or FOUND_BAD. */
static enum found
set_day(int y, int m, int d, struct ussd_balance *out)
{
	char iso[32];
	long day;

	if (y < YEAR_MIN || y > YEAR_MAX)
		return FOUND_BAD;
	snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
	if (policy_parse_day(iso, &day) == -1)
		return FOUND_BAD;
	out->has_validity = true;
	out->validity_day = day;
	dz_strlcpy(out->validity, iso, sizeof(out->validity));
	return FOUND_OK;
}

/* The field of n digits at s, as a number (n <= 4). */
static int
field(const char *s, size_t n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* The date at t[i] (a digit starting a word); *end past its first field at least. */
static enum found
date_at(const char *t, size_t i, struct ussd_balance *out, size_t *end)
{
	size_t n1, n2, n3, j;
	char sep;
	int a, b, c;

	n1 = ndigits(t + i);
	*end = i + n1;
	sep = t[i + n1];
	if ((n1 > 2 && n1 != 4) || (sep != '/' && sep != '-' && sep != '.'))
		return FOUND_NONE;
	n2 = ndigits(t + i + n1 + 1);
	j = i + n1 + 1 + n2;
	if (n2 < 1 || n2 > 2 || t[j] != sep)
		return FOUND_NONE;
	n3 = ndigits(t + j + 1);
	if (n1 == 4 ? (n3 < 1 || n3 > 2) : (n3 != 2 && n3 != 4))
		return FOUND_NONE;
	if (is_alnum(t[j + 1 + n3]) || (t[j + 1 + n3] == sep &&
	    is_digit(t[j + 2 + n3])))
		return FOUND_NONE;
	*end = j + 1 + n3;
	a = field(t + i, n1);
	b = field(t + i + n1 + 1, n2);
	c = field(t + j + 1, n3);
	if (n1 == 4)
		return set_day(a, b, c, out);
	return set_day(n3 == 2 ? 2000 + c : c, b, a, out);
}

/* The first date from t[from] to the end of its clause. */
static enum found
first_date(const char *t, size_t from, struct ussd_balance *out)
{
	enum found r;
	size_t i, end;

	for (i = from; t[i] != '\0'; i++) {
		if (is_boundary(t, i))
			return FOUND_NONE;
		if (!is_digit(t[i]) || !word_start(t, i))
			continue;
		if ((r = date_at(t, i, out, &end)) != FOUND_NONE)
			return r;
		i = end - 1;
	}
	return FOUND_NONE;
}

/* Find the validity after the balance's keyword; out's validity is set if found. */
static void
find_validity(const char *t, const struct hit *h, const struct keys *ks,
    struct ussd_balance *out)
{
	size_t i, n;

	for (i = h->key_end; t[i] != '\0'; i++) {
		if ((n = match_key(t, i, ks)) == 0)
			continue;
		if (!other_amount_before(t, i, h) &&
		    first_date(t, i + n, out) == FOUND_OK)
			return;
		i += n - 1;
	}
}

int
ussd_parse_balance(const char *text, const char *const *balance_keys,
    const char *const *validity_keys, struct ussd_balance *out,
    struct dz_err *err)
{
	struct keys bk, vk;
	char t[USSD_TEXT_MAX + 1];
	struct hit h;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (text == NULL || out == NULL)
		return dz_err_set(err, DZ_EUSAGE, "ussd_parse_balance: %s is "
		    "NULL", text == NULL ? "text" : "out");
	if (load_keys(balance_keys, default_balance_keys, "balance", &bk,
	    err) == -1 || load_keys(validity_keys, default_validity_keys,
	    "validity", &vk, err) == -1)
		return -1;
	if (text_fold_ascii(text, t, sizeof(t)) >= sizeof(t))
		return dz_err_set(err, DZ_EUSAGE, "USSD answer longer than "
		    "%d bytes", USSD_TEXT_MAX);
	normalize(t);
	if (!find_balance(t, &bk, &out->balance, &h)) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	out->has_balance = true;
	find_validity(t, &h, &vk, out);
	return 1;
}

void
ussd_format_vnd(long long v, char *out, size_t outsz)
{
	char digits[32], buf[USSD_VND_BUFSZ];
	unsigned long long u;
	size_t i, n, k = 0;

	if (outsz == 0)
		return;
	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	n = (size_t)snprintf(digits, sizeof(digits), "%llu", u);
	if (v < 0)
		buf[k++] = '-';
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[k++] = '.';
		buf[k++] = digits[i];
	}
	memcpy(buf + k, " \xC4\x91", 4);
	dz_strlcpy(out, buf, outsz);
}
