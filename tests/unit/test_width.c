/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/width.c: display width, fitting and padding of UTF-8. */
#define _POSIX_C_SOURCE 200809L	/* open_memstream */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "width.h"

#define R	"\xEF\xBF\xBD"	/* U+FFFD */
#define ELL	"\xE2\x80\xA6"	/* U+2026 */

/* Code points at the edges of each table, and their widths. */
static const struct {
	uint32_t	cp;
	size_t		width;
} cp_cases[] = {
	{ 0x41, 1 }, { 0x1F, 0 }, { 0x7F, 0 }, { 0x80, 0 }, { 0x9F, 0 },
	{ 0xA0, 1 }, { 0x1EBF, 1 }, { 0x2026, 1 },
	{ 0x0300, 0 }, { 0x036F, 0 }, { 0x0370, 1 }, { 0x1AB0, 0 },
	{ 0x1AFF, 0 }, { 0x1DC0, 0 }, { 0x1DFF, 0 }, { 0x20D0, 0 },
	{ 0x20FF, 0 }, { 0xFE20, 0 }, { 0xFE2F, 0 },
	{ 0x200A, 1 }, { 0x200B, 0 }, { 0x200F, 0 }, { 0x2010, 1 },
	{ 0x2060, 0 }, { 0xFEFF, 0 },
	{ 0x10FF, 1 }, { 0x1100, 2 }, { 0x115F, 2 }, { 0x1160, 1 },
	{ 0x2E7F, 1 }, { 0x2E80, 2 }, { 0x303E, 2 }, { 0x303F, 1 },
	{ 0x3040, 2 }, { 0x6F22, 2 }, { 0xA4CF, 2 }, { 0xA4D0, 1 },
	{ 0xAC00, 2 }, { 0xD7A3, 2 }, { 0xD7A4, 1 }, { 0xF900, 2 },
	{ 0xFAFF, 2 }, { 0xFE30, 2 }, { 0xFE4F, 2 }, { 0xFE50, 1 },
	{ 0xFF00, 2 }, { 0xFF60, 2 }, { 0xFF61, 1 }, { 0xFFE0, 2 },
	{ 0xFFE6, 2 }, { 0xFFE7, 1 }, { 0x1F2FF, 1 }, { 0x1F300, 2 },
	{ 0x1F64F, 2 }, { 0x1F650, 1 }, { 0x1F900, 2 }, { 0x1F9FF, 2 },
	{ 0x1FA00, 1 }, { 0x20000, 2 }, { 0x3FFFD, 2 }, { 0x3FFFE, 1 },
};

static const struct {
	const char	*in;
	size_t		 width;
	size_t		 chars;
} str_cases[] = {
	{ "", 0, 0 },
	{ "hello", 5, 5 },
	{ "Kết quả hồ sơ", 13, 13 },
	{ "e\xCC\x81", 1, 2 },
	{ "u\xCC\x9B\xCC\x81", 1, 3 },		/* ứ decomposed */
	{ "\xCC\x81", 0, 1 },			/* mark without base */
	{ "漢字", 4, 2 },
	{ "ok😀", 4, 3 },
	{ "a\tb\n", 2, 4 },
	{ "\xFF", 1, 1 },
	{ "a\xC0\xAF", 3, 3 },			/* overlong */
	{ "a\xE1\xBB", 3, 3 },			/* truncated */
	{ "\xED\xA0\x80", 3, 3 },		/* surrogate */
	{ "\xF4\x90\x80\x80", 4, 4 },		/* > U+10FFFF */
};

static const struct {
	const char	*in;
	size_t		 cols;
	const char	*want;
	size_t		 width;
} fit_cases[] = {
	{ "hello", 10, "hello", 5 },
	{ "hello", 5, "hello", 5 },
	{ "hello", 4, "hel" ELL, 4 },
	{ "hello", 1, ELL, 1 },
	{ "hello", 0, "", 0 },
	{ "", 3, "", 0 },
	{ "Kết quả hồ sơ", 13, "Kết quả hồ sơ", 13 },
	{ "Kết quả hồ sơ", 12, "Kết quả hồ " ELL, 12 },
	{ "Kết quả hồ sơ", 4, "Kết" ELL, 4 },
	{ "Ke\xCC\x81t", 3, "Ke\xCC\x81t", 3 },
	{ "Ke\xCC\x81t", 2, "K" ELL, 2 },
	{ "xu\xCC\x9B\xCC\x81ng", 3, "xu\xCC\x9B\xCC\x81" ELL, 3 },
	{ "\xCC\x81" "a", 1, "\xCC\x81" "a", 1 },
	{ "漢字", 4, "漢字", 4 },
	{ "漢字", 3, "漢" ELL, 3 },
	{ "漢字", 2, ELL, 1 },
	{ "a漢字", 3, "a" ELL, 2 },		/* 字 would overflow */
	{ "ab漢", 3, "ab" ELL, 3 },
	{ "ab漢", 4, "ab漢", 4 },
	{ "ok😀!", 4, "ok" ELL, 3 },
	{ "a\xE2\x80\x8B" "b", 2, "a\xE2\x80\x8B" "b", 2 },
	{ "a\tb\nc\r", 10, "a b c ", 6 },
	{ "x\x7fy\xC2\x85z", 10, "x y z", 5 },
	{ "a\nb", 2, "a" ELL, 2 },
	{ "\xFF", 5, R, 1 },
	{ "a\xC0\xAF" "b", 10, "a" R R "b", 4 },
	{ "\xE1\xBB", 1, ELL, 1 },
};

/* Sentences swept over every width: precomposed, decomposed, mixed. */
static const char *sentences[] = {
	"Hồ sơ của bạn đã được giải quyết",
	"Ho\xCC\x82\xCC\x80 so\xCC\x9B ba\xCC\xA3n đa\xCC\x83 xong",
	"Mã 漢字 ok😀 đã",
};

static size_t
enc(uint32_t cp, char *b)
{
	if (cp < 0x80)
		return b[0] = (char)cp, 1;
	if (cp < 0x800)
		return b[0] = (char)(0xC0 | cp >> 6),
		    b[1] = (char)(0x80 | (cp & 0x3F)), 2;
	if (cp < 0x10000)
		return b[0] = (char)(0xE0 | cp >> 12),
		    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		    b[2] = (char)(0x80 | (cp & 0x3F)), 3;
	b[0] = (char)(0xF0 | cp >> 18);
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Independent strict validator, so width.c's decoder is not its own judge. */
static bool
utf8_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;
	size_t i, n;

	while (*u != 0) {
		n = *u < 0x80 ? 1 : *u < 0xC2 ? 0 : *u < 0xE0 ? 2 :
		    *u < 0xF0 ? 3 : *u < 0xF5 ? 4 : 0;
		if (n == 0)
			return false;
		c = n == 1 ? *u : *u & (0x7F >> n);
		for (i = 1; i < n; i++) {
			if ((u[i] & 0xC0) != 0x80)
				return false;
			c = c << 6 | (u[i] & 0x3F);
		}
		if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
		    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return false;
		u += n;
	}
	return true;
}

/* The test sentences only use combining marks from U+0300-036F. */
static bool
is_mark(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return u[0] == 0xCC || (u[0] == 0xCD && u[1] <= 0xAF);
}

/* Bytes of the character at p with its marks; *w gets its width. */
static size_t
cluster_len(const char *p, size_t *w)
{
	unsigned char c = (unsigned char)p[0];
	char one[8] = { 0 };
	size_t n;

	n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	memcpy(one, p, n);
	*w = width_of(one);
	while (is_mark(p + n))
		n += 2;
	return n;
}

static bool
ends_with_ell(const char *s)
{
	size_t n = strlen(s);

	return n >= 3 && strcmp(s + n - 3, ELL) == 0;
}

static void
test_width_of(void)
{
	char b[8];
	size_t i;

	for (i = 0; i < nitems(cp_cases); i++) {
		b[enc(cp_cases[i].cp, b)] = '\0';
		if (width_of(b) != cp_cases[i].width)
			fprintf(stderr, "U+%04X\n", (unsigned)cp_cases[i].cp);
		CHECK_INT(width_of(b), cp_cases[i].width);
		CHECK_INT(width_char_count(b), 1);
	}
	for (i = 0; i < nitems(str_cases); i++) {
		CHECK_INT(width_of(str_cases[i].in), str_cases[i].width);
		CHECK_INT(width_char_count(str_cases[i].in),
		    str_cases[i].chars);
	}
}

static void
test_fit_table(void)
{
	char out[256];
	size_t i;

	for (i = 0; i < nitems(fit_cases); i++) {
		CHECK_INT(width_fit(fit_cases[i].in, fit_cases[i].cols, out,
		    sizeof(out)), fit_cases[i].width);
		CHECK_STR(out, fit_cases[i].want);
	}
	/* outsz 0 leaves out alone. */
	strcpy(out, "x");
	CHECK_INT(width_fit("abc", 5, out, 0), 0);
	CHECK_STR(out, "x");
}

/* Every cols from 0 to width + 2: valid, fits, cut only when needed. */
static void
sweep_cols(const char *s)
{
	char out[256];
	size_t cols, w, total = width_of(s), p, nw;

	for (cols = 0; cols <= total + 2; cols++) {
		w = width_fit(s, cols, out, sizeof(out));
		CHECK(utf8_ok(out));
		CHECK_INT(width_of(out), w);
		CHECK(w <= cols);
		if (cols == 0) {
			CHECK_STR(out, "");
			continue;
		}
		if (cols >= total) {
			CHECK_STR(out, s);
			continue;
		}
		CHECK(ends_with_ell(out));
		p = strlen(out) - 3;
		CHECK(memcmp(out, s, p) == 0);
		CHECK(!is_mark(s + p));
		/* Longest: the next character would not fit before "…". */
		cluster_len(s + p, &nw);
		CHECK(w - 1 + nw + 1 > cols);
	}
}

/* Every outsz from 1 to strlen + 2: cut on character boundaries. */
static void
sweep_outsz(const char *s)
{
	char out[256];
	size_t len = strlen(s), sz, w, p, nw;

	for (sz = 1; sz <= len + 2; sz++) {
		w = width_fit(s, 1000, out, sz);
		CHECK(strlen(out) < sz);
		CHECK(utf8_ok(out));
		CHECK_INT(width_of(out), w);
		if (sz > len) {
			CHECK_STR(out, s);
			continue;
		}
		if (sz <= 3) {
			/* No room for "…": the plain prefix that fits. */
			p = strlen(out);
			CHECK(memcmp(out, s, p) == 0);
			CHECK(p + cluster_len(s + p, &nw) >= sz);
			continue;
		}
		CHECK(ends_with_ell(out));
		p = strlen(out) - 3;
		CHECK(memcmp(out, s, p) == 0);
		CHECK(!is_mark(s + p));
		CHECK(p + cluster_len(s + p, &nw) + 3 >= sz);
	}
}

static void
test_fit_sweep(void)
{
	char out[16];
	size_t i;

	for (i = 0; i < nitems(sentences); i++) {
		sweep_cols(sentences[i]);
		sweep_outsz(sentences[i]);
	}
	/* Decomposed ứ (5 bytes) goes whole or not at all, never u + horn. */
	CHECK_INT(width_fit("xu\xCC\x9B\xCC\x81y", 10, out, 5), 2);
	CHECK_STR(out, "x" ELL);
	CHECK_INT(width_fit("xu\xCC\x9B\xCC\x81y", 10, out, 7), 2);
	CHECK_STR(out, "x" ELL);
	CHECK_INT(width_fit("xu\xCC\x9B\xCC\x81y", 10, out, 8), 3);
	CHECK_STR(out, "xu\xCC\x9B\xCC\x81y");
	CHECK_INT(width_fit("Kết quả", 10, out, 8), 3);
	CHECK_STR(out, "Kế" ELL);
	CHECK_INT(width_fit("Kết quả", 10, out, 3), 1);
	CHECK_STR(out, "K");
	CHECK_INT(width_fit("Kết quả", 10, out, 1), 0);
	CHECK_STR(out, "");
	CHECK_INT(width_fit("\xFF\xFF", 10, out, 6), 1);
	CHECK_STR(out, ELL);
}

/* width_pad's output as a string (static buffer). */
static const char *
pad(const char *s, size_t cols, bool right)
{
	static char res[4096];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK((f = open_memstream(&buf, &len)) != NULL);
	width_pad(f, s, cols, right);
	CHECK(fclose(f) == 0);
	CHECK(len < sizeof(res));
	memcpy(res, buf, len + 1);
	free(buf);
	return res;
}

static void
test_pad(void)
{
	static char big[2048];
	size_t i, cols;

	CHECK_STR(pad("Kết", 6, false), "Kết   ");
	CHECK_STR(pad("Kết", 6, true), "   Kết");
	CHECK_STR(pad("漢字漢", 5, false), "漢字" ELL);
	CHECK_STR(pad("漢字漢", 4, false), "漢" ELL " ");
	CHECK_STR(pad("漢字漢", 4, true), " 漢" ELL);
	CHECK_STR(pad("a\nb", 3, false), "a b");
	CHECK_STR(pad("x", 0, false), "");
	CHECK_STR(pad("", 3, true), "   ");
	for (i = 0; i < nitems(sentences); i++)
		for (cols = 0; cols <= width_of(sentences[i]) + 2; cols++) {
			CHECK_INT(width_of(pad(sentences[i], cols, false)),
			    cols);
			CHECK_INT(width_of(pad(sentences[i], cols, true)),
			    cols);
		}
	/* A cell longer than WIDTH_PAD_MAX bytes is cut but still padded. */
	for (i = 0; i < 600; i++)
		strcat(big, "ệ");
	CHECK_INT(width_of(pad(big, 700, false)), 700);
	CHECK(utf8_ok(pad(big, 700, true)));
}

int
main(void)
{
	test_width_of();
	test_fit_table();
	test_fit_sweep();
	test_pad();
	CHECK_DONE();
}
