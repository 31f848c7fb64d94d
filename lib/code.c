/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dossier-code recognition in sloppy citizen text, and the canonical form. No I/O. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "code.h"
#include "text.h"

#define SEP_MAX		4	/* longest separator run, e.g. " - " */
#define SCAN_MAX	4096	/* folded text searched; the rest is ignored */

/*
 * Group patterns: a digit d takes exactly d digits, 'L' one letter, '.' a
 * run of separators (possibly empty), 'S' the 1-4 digit daily sequence,
 * 'P' the 1-3 digit head of a procedure code.
 */
#define PAT_DOSSIER	"3.2.2.L2.6.S"
#define PAT_PROCEDURE	"P.6.3.2.2.L2"

struct found {
	size_t			start;	/* offsets in the folded text */
	size_t			end;
	struct code_match	m;
};

static bool
is_sep(char c)
{
	return c != '\0' && strchr(" .,-_/", c) != NULL;
}

/* A digit, or the letter O typed for zero. */
static bool
is_digit(char c)
{
	return isdigit((unsigned char)c) || c == 'O';
}

static bool
is_alnum(char c)
{
	return isalnum((unsigned char)c);
}

/* Take up to max digits at s[i] into dig (O read as 0); returns how many. */
static size_t
take_digits(const char *s, size_t i, size_t max, char *dig)
{
	size_t n;

	for (n = 0; n < max && is_digit(s[i + n]); n++)
		dig[n] = s[i + n] == 'O' ? '0' : s[i + n];
	return n;
}

/*
 * Match pat at s[i], appending the digits and letters of the groups to dig
 * (the sequence zero-padded to 4). Returns the end offset, or 0.
 */
static size_t
match(const char *s, size_t i, const char *pat, char *dig)
{
	size_t n, end;

	for (; *pat != '\0'; pat++) {
		switch (*pat) {
		case '.':
			for (n = 0; n < SEP_MAX && is_sep(s[i]); n++)
				i++;
			break;
		case 'L':
			if (!isupper((unsigned char)s[i]))
				return 0;
			*dig++ = s[i++];
			break;
		case 'S':
			/* Take 5 so that a 5-digit number is refused. */
			n = take_digits(s, i, 5, dig + 4);
			if (n == 0 || n > 4)
				return 0;
			memset(dig, '0', 4 - n);
			memmove(dig + 4 - n, dig + 4, n);
			return i + n;
		case 'P':
			/* Backtrack: without separators its length is unknown. */
			for (n = 1; n <= 3 && is_digit(s[i + n - 1]); n++)
				if ((end = match(s, i + n, pat + 1, dig)) != 0)
					return end;
			return 0;
		default:
			n = (size_t)(*pat - '0');
			if (take_digits(s, i, n, dig) != n)
				return 0;
			dig += n;
			i += n;
			break;
		}
	}
	return i;
}

/* true if d holds YYMMDD of a real date in 2000-2099. */
static bool
date_valid(const char *d)
{
	static const int mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int yy, mm, dd;

	yy = (d[0] - '0') * 10 + (d[1] - '0');
	mm = (d[2] - '0') * 10 + (d[3] - '0');
	dd = (d[4] - '0') * 10 + (d[5] - '0');
	if (mm < 1 || mm > 12 || dd < 1 || dd > mdays[mm - 1])
		return false;
	/* Every year 2000-2099 divisible by 4 is a leap year. */
	return !(mm == 2 && dd == 29 && yy % 4 != 0);
}

/*
 * The 20 characters PAT_DOSSIER collects (VVV ZZ YY M XX YYMMDD SSSS) as
 * "VVV.ZZ.YY.MXX-YYMMDD-SSSS" (26 bytes with the NUL, within CODE_BUFSZ).
 */
static void
canonical(const char *dig, char *out)
{
	static const unsigned char len[] = { 3, 2, 2, 3, 6, 4 };
	static const char sep[] = "...--";
	size_t i;

	for (i = 0; i < sizeof(len); i++) {
		memcpy(out, dig, len[i]);
		out += len[i];
		dig += len[i];
		*out++ = sep[i];	/* the last one is sep's NUL */
	}
}

/* Match a code at s[i] into f; false if none starts there. */
static bool
match_at(const char *s, size_t i, struct found *f)
{
	char dig[32];
	size_t end, len;

	memset(f, 0, sizeof(*f));
	f->start = i;
	if ((end = match(s, i, PAT_PROCEDURE, dig)) != 0 && !is_alnum(s[end])) {
		f->end = end;
		len = end - i < CODE_BUFSZ ? end - i : CODE_BUFSZ - 1;
		memcpy(f->m.code, s + i, len);
		f->m.kind = CODE_PROCEDURE;
		return true;
	}
	if ((end = match(s, i, PAT_DOSSIER, dig)) == 0 || is_alnum(s[end]))
		return false;
	f->end = end;
	canonical(dig, f->m.code);
	f->m.kind = date_valid(dig + 10) ? CODE_VALID : CODE_BAD_DATE;
	return true;
}

/*
 * Next code at or after *pos in the folded text s; *pos moves past it.
 * A code starts on a digit (or O) that does not follow a letter or digit.
 */
static bool
next_code(const char *s, size_t *pos, struct found *f)
{
	size_t i;

	for (i = *pos; s[i] != '\0'; i++) {
		if (!is_digit(s[i]) || (i > 0 && is_alnum(s[i - 1])))
			continue;
		if (match_at(s, i, f)) {
			*pos = f->end;
			return true;
		}
	}
	*pos = i;
	return false;
}

/* true if the same code was found before offset limit. */
static bool
seen_before(const char *s, size_t limit, const char *code)
{
	struct found f;
	size_t pos = 0;

	while (next_code(s, &pos, &f) && f.start < limit)
		if (strcmp(f.m.code, code) == 0)
			return true;
	return false;
}

int
code_find(const char *text, struct code_match *out, int max)
{
	char s[SCAN_MAX];
	char *sp;
	struct found f;
	size_t pos = 0;
	int n = 0;

	if (text == NULL)
		return 0;
	if (text_fold_upper(text, s, sizeof(s)) >= sizeof(s)) {
		/* Drop the last, possibly cut, word. */
		if ((sp = strrchr(s, ' ')) != NULL)
			*sp = '\0';
		else
			s[0] = '\0';
	}
	while (next_code(s, &pos, &f)) {
		if (seen_before(s, f.start, f.m.code))
			continue;
		if (n < max)
			out[n] = f.m;
		n++;
	}
	return n;
}

bool
code_is_canonical(const char *s)
{
	static const char shape[] = "DDD.DD.DD.LDD-DDDDDD-DDDD";
	size_t i;

	if (strlen(s) != CODE_LEN)
		return false;
	for (i = 0; i < CODE_LEN; i++) {
		if (shape[i] == 'D' && !isdigit((unsigned char)s[i]))
			return false;
		if (shape[i] == 'L' && !isupper((unsigned char)s[i]))
			return false;
		if (shape[i] != 'D' && shape[i] != 'L' && shape[i] != s[i])
			return false;
	}
	return date_valid(s + 14);
}
