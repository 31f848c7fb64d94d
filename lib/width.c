/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Terminal column width of UTF-8 text, decoded without the locale. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "text.h"
#include "width.h"

#define CP_INVALID	TEXT_CP_INVALID
#define REPLACEMENT	"\xEF\xBF\xBD"	/* U+FFFD */
#define ELLIPSIS	"\xE2\x80\xA6"	/* U+2026 */
#define ELLIPSIS_LEN	3

struct range {
	uint32_t	lo, hi;
};

static const struct range combining[] = {
	{ 0x0300, 0x036F }, { 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF },
	{ 0x20D0, 0x20FF }, { 0xFE20, 0xFE2F },
};

static const struct range zero_width[] = {
	{ 0x200B, 0x200F }, { 0x2060, 0x2060 }, { 0xFEFF, 0xFEFF },
};

/* East Asian Wide/Fullwidth, the usual emoji blocks; U+303F is narrow. */
static const struct range wide[] = {
	{ 0x1100, 0x115F }, { 0x2E80, 0x303E }, { 0x3040, 0xA4CF },
	{ 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE30, 0xFE4F },
	{ 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x1F300, 0x1F64F },
	{ 0x1F900, 0x1F9FF }, { 0x20000, 0x3FFFD },
};

/* A base character with the combining marks that follow it. */
struct cluster {
	size_t	inlen;	/* bytes of the input */
	size_t	outlen;	/* bytes once controls and invalid bytes are replaced */
	size_t	width;	/* columns once replaced */
};

static bool
in_ranges(uint32_t cp, const struct range *r, size_t n)
{
	size_t i;

	/* The tables are short enough that a binary search buys nothing. */
	for (i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return true;
	return false;
}

static bool
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static bool
is_combining(uint32_t cp)
{
	return cp != CP_INVALID && in_ranges(cp, combining, nitems(combining));
}

static size_t
cp_width(uint32_t cp)
{
	if (cp == CP_INVALID)
		return 1;
	if (is_control(cp) || in_ranges(cp, combining, nitems(combining)) ||
	    in_ranges(cp, zero_width, nitems(zero_width)))
		return 0;
	if (in_ranges(cp, wide, nitems(wide)))
		return 2;
	return 1;
}

/*
 * The bytes the code point cp (n bytes at s) becomes in fitted output,
 * written to out unless it is NULL. Controls become a space so that a
 * table row stays one line.
 */
static size_t
put_cp(const char *s, size_t n, uint32_t cp, char *out)
{
	if (cp == CP_INVALID) {
		s = REPLACEMENT;
		n = sizeof(REPLACEMENT) - 1;
	} else if (is_control(cp)) {
		s = " ";
		n = 1;
	}
	if (out != NULL)
		memcpy(out, s, n);
	return n;
}

/*
 * Measure the cluster at s (*s != '\0') into c and, if out is not NULL,
 * write its fitted form there. Marks stay with their base so that a cut
 * never strands an accent of decomposed Vietnamese (e + U+0301).
 */
static void
cluster_get(const char *s, struct cluster *c, char *out)
{
	uint32_t cp;
	size_t n;

	n = text_utf8_next(s, &cp);
	c->width = is_control(cp) ? 1 : cp_width(cp);
	c->outlen = put_cp(s, n, cp, out);
	c->inlen = n;
	while (s[c->inlen] != '\0') {
		n = text_utf8_next(s + c->inlen, &cp);
		if (!is_combining(cp))
			break;
		c->outlen += put_cp(s + c->inlen, n, cp,
		    out != NULL ? out + c->outlen : NULL);
		c->inlen += n;
	}
}

size_t
width_of(const char *s)
{
	uint32_t cp;
	size_t w = 0;

	while (*s != '\0') {
		s += text_utf8_next(s, &cp);
		w += cp_width(cp);
	}
	return w;
}

size_t
width_fit(const char *s, size_t cols, char *out, size_t outsz)
{
	struct cluster c;
	size_t w = 0, n = 0, keep_w = 0, keep_n = 0;
	bool can_cut;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	if (cols == 0)
		return 0;
	can_cut = outsz > ELLIPSIS_LEN;
	while (*s != '\0') {
		cluster_get(s, &c, NULL);
		if (w + c.width > cols || n + c.outlen >= outsz) {
			if (can_cut) {
				memcpy(out + keep_n, ELLIPSIS, ELLIPSIS_LEN);
				n = keep_n + ELLIPSIS_LEN;
				w = keep_w + 1;
			}
			break;
		}
		cluster_get(s, &c, out + n);
		s += c.inlen;
		n += c.outlen;
		w += c.width;
		/*
		 * Remember the last point that leaves room for "…", since
		 * whether a cut is needed is known only further on.
		 */
		if (w < cols && n + ELLIPSIS_LEN < outsz) {
			keep_w = w;
			keep_n = n;
		}
	}
	out[n] = '\0';
	return w;
}

static void
put_spaces(FILE *f, size_t n)
{
	while (n-- > 0)
		putc(' ', f);
}

void
width_pad(FILE *f, const char *s, size_t cols, bool right)
{
	char buf[WIDTH_PAD_MAX];
	size_t w;

	w = width_fit(s, cols, buf, sizeof(buf));
	if (right)
		put_spaces(f, cols - w);
	fputs(buf, f);
	if (!right)
		put_spaces(f, cols - w);
}

size_t
width_char_count(const char *s)
{
	return text_utf8_len(s);
}
