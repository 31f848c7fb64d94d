/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTF-8 text: Vietnamese folding, GSM-7 tests, SMS segment counting. No I/O. */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "text.h"

#define CP_INVALID	TEXT_CP_INVALID
#define ELLIPSIS	"..."
#define CUT_LOOKBACK	20	/* code points searched back for a space */
#define REPLACEMENT	"\xEF\xBF\xBD"	/* U+FFFD, for what is not UTF-8 */

/* Replacement of each code point in [lo, hi], before the letter tables. */
static const struct fold_range {
	uint32_t	 lo, hi;
	const char	*s;
} fold_ranges[] = {
	{ 0x0080, 0x009F, " " },	/* C1 controls */
	{ 0x00A0, 0x00A0, " " },	/* NBSP */
	{ 0x00A1, 0x00A1, "!" },
	{ 0x00AB, 0x00AB, "\"" },
	{ 0x00AD, 0x00AD, "" },		/* soft hyphen */
	{ 0x00B7, 0x00B7, "." },
	{ 0x00BB, 0x00BB, "\"" },
	{ 0x00BF, 0x00BF, "?" },
	{ 0x00C6, 0x00C6, "AE" },
	{ 0x00DE, 0x00DE, "TH" },
	{ 0x00DF, 0x00DF, "ss" },
	{ 0x00E6, 0x00E6, "ae" },
	{ 0x00FE, 0x00FE, "th" },
	{ 0x0132, 0x0132, "IJ" },
	{ 0x0133, 0x0133, "ij" },
	{ 0x0152, 0x0152, "OE" },
	{ 0x0153, 0x0153, "oe" },
	{ 0x01A0, 0x01A0, "O" },	/* Ơ */
	{ 0x01A1, 0x01A1, "o" },	/* ơ */
	{ 0x01AF, 0x01AF, "U" },	/* Ư */
	{ 0x01B0, 0x01B0, "u" },	/* ư */
	/* Combining marks: decomposed Vietnamese ("Unicode tổ hợp") input. */
	{ 0x0300, 0x036F, "" },
	{ 0x2000, 0x200A, " " },	/* typographic spaces */
	{ 0x200B, 0x200D, "" },		/* zero-width space and joiners */
	{ 0x2010, 0x2015, "-" },	/* hyphens, en and em dash */
	{ 0x2018, 0x201B, "'" },	/* single curly quotes */
	{ 0x201C, 0x201F, "\"" },	/* double curly quotes */
	{ 0x2022, 0x2022, "*" },
	{ 0x2026, 0x2026, ELLIPSIS },
	{ 0x202F, 0x202F, " " },
	{ 0x20AC, 0x20AC, "EUR" },
	{ 0x2212, 0x2212, "-" },
	{ 0x3000, 0x3000, " " },
	{ 0xFEFF, 0xFEFF, "" },		/* byte-order mark */
};

/* Base letters of U+00C0..U+00FF and U+0100..U+017F ('?': in fold_ranges). */
static const char latin1_fold[] =
    "AAAAAA?CEEEEIIIIDNOOOOOxOUUUUY??"
    "aaaaaa?ceeeeiiiidnooooo/ouuuuy?y";
static const char latin_ext_a_fold[] =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGg"
    "GgGgHhHhIiIiIiIiIi??JjKkkLlLlLlL"
    "lLlNnNnNnnNnOoOoOo??RrRrRrSsSsSs"
    "SsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/*
 * U+1EA0..U+1EF9 (Vietnamese vowels with tone marks) come in upper/lower
 * pairs; one base letter per pair: ạ ả ấ ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ, ẹ ẻ ẽ ế ề ể ễ ệ,
 * ỉ ị, ọ ỏ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ, ụ ủ ứ ừ ử ữ ự, ỳ ỵ ỷ ỹ.
 */
static const char viet_fold[] =
    "AAAAAAAAAAAAEEEEEEEEIIOOOOOOOOOOOOUUUUUUUYYYY";

/*
 * GSM 03.38 default alphabet in septet order. Slot 0x1B is the escape to
 * the extension table; 0 there never matches since strings hold no NUL.
 */
static const uint16_t gsm7_basic[128] = {
	'@', 0x00A3, '$', 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	0x00F2, 0x00C7, '\n', 0x00D8, 0x00F8, '\r', 0x00C5, 0x00E5,
	0x0394, '_', 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	0x03A3, 0x0398, 0x039E, 0, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	' ', '!', '"', '#', 0x00A4, '%', '&', '\'',
	'(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7',
	'8', '9', ':', ';', '<', '=', '>', '?',
	0x00A1, 'A', 'B', 'C', 'D', 'E', 'F', 'G',
	'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
	'X', 'Y', 'Z', 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
	'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
	'x', 'y', 'z', 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* Extension table characters: ESC + one septet each. */
static const uint16_t gsm7_ext[] = {
	'^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC,
};

/* Greedy split of a text into parts, as Gammu does it. */
struct pack {
	size_t	units;	/* septets or UCS-2 units in total */
	size_t	fill;	/* units in the last multipart part */
	int	parts;	/* multipart parts so far */
};

size_t
text_utf8_next(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c, min;
	size_t i, n;

	*cp = CP_INVALID;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		n = 2, c = u[0] & 0x1F, min = 0x80;
	} else if ((u[0] & 0xF0) == 0xE0) {
		n = 3, c = u[0] & 0x0F, min = 0x800;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		n = 4, c = u[0] & 0x07, min = 0x10000;
	} else
		return 1;
	for (i = 1; i < n; i++) {
		/* Also stops at the terminating NUL. */
		if ((u[i] & 0xC0) != 0x80)
			return 1;
		c = (c << 6) | (u[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 1;
	*cp = c;
	return n;
}

bool
text_utf8_valid(const char *s)
{
	uint32_t cp;

	while (*s != '\0') {
		s += text_utf8_next(s, &cp);
		if (cp == CP_INVALID)
			return false;
	}
	return true;
}

size_t
text_utf8_len(const char *s)
{
	uint32_t cp;
	size_t n;

	for (n = 0; *s != '\0'; n++)
		s += text_utf8_next(s, &cp);
	return n;
}

size_t
text_utf8_repair(const char *in, char *out, size_t outsz)
{
	const unsigned char *u;
	const char *c;
	uint32_t cp;
	size_t n = 0, w = 0, k, len;

	while (*in != '\0') {
		u = (const unsigned char *)in;
		c = in;
		len = k = text_utf8_next(in, &cp);
		if (cp == CP_INVALID) {
			/*
			 * Gammu writes a lone UTF-16 surrogate as the three
			 * bytes of its value (ED A0..BF 80..BF): one character.
			 */
			if (u[0] == 0xED && (u[1] & 0xE0) == 0xA0 &&
			    (u[2] & 0xC0) == 0x80)
				k = 3;
			c = REPLACEMENT;
			len = sizeof(REPLACEMENT) - 1;
		}
		in += k;
		/* Never half a character: once one does not fit, none does. */
		if (w == n && n + len < outsz) {
			memcpy(out + w, c, len);
			w += len;
		}
		n += len;
	}
	if (outsz > 0)
		out[w] = '\0';
	return n;
}

/* ASCII replacement for one code point; buf (2 bytes) holds one letter. */
static const char *
fold_cp(uint32_t cp, char *buf)
{
	size_t i;
	int c;

	if (cp == '\n')
		return "\n";
	if (cp < 0x20 || cp == 0x7F)
		return " ";
	/* The letters of a Vietnamese text first: no range matches them. */
	c = '?';
	if (cp < 0x80)
		c = (int)cp;
	else if (cp >= 0x1EA0 && cp <= 0x1EF9) {
		c = viet_fold[(cp - 0x1EA0) / 2];
		if (cp & 1)
			c = tolower(c);
	} else if (cp >= 0x00C0 && cp <= 0x00FF)
		c = latin1_fold[cp - 0x00C0];
	else if (cp >= 0x0100 && cp <= 0x017F)
		c = latin_ext_a_fold[cp - 0x0100];
	if (c == '?') {
		/* fold_ranges is in code point order. */
		for (i = 0; i < nitems(fold_ranges) && cp >= fold_ranges[i].lo; i++)
			if (cp <= fold_ranges[i].hi)
				return fold_ranges[i].s;
		if (cp >= 0xFF01 && cp <= 0xFF5E)
			c = (int)(cp - 0xFEE0);	/* full-width ASCII */
	}
	buf[0] = (char)c;
	buf[1] = '\0';
	return buf;
}

static void
put(char *out, size_t outsz, size_t *n, char c)
{
	if (*n + 1 < outsz)
		out[*n] = c;
	(*n)++;
}

/* text_fold_ascii, and with upper set text_fold_upper. */
static size_t
fold(const char *in, char *out, size_t outsz, bool upper)
{
	const char *r;
	char buf[2];
	uint32_t cp;
	size_t n = 0;
	bool space = false;

	while (*in != '\0') {
		if ((unsigned char)*in >= 0x20 && (unsigned char)*in < 0x7F) {
			/* Printable ASCII, most of a reply: itself, not decoded. */
			if (!upper) {
				put(out, outsz, &n, *in++);
				continue;
			}
			buf[0] = *in++;
			buf[1] = '\0';
			r = buf;
		} else {
			in += text_utf8_next(in, &cp);
			r = cp == CP_INVALID ? "?" : fold_cp(cp, buf);
		}
		for (; *r != '\0'; r++) {
			if (!upper)
				put(out, outsz, &n, *r);
			else if (*r == ' ' || *r == '\n')
				space = n > 0;
			else {
				if (space)
					put(out, outsz, &n, ' ');
				space = false;
				put(out, outsz, &n,
				    (char)toupper((unsigned char)*r));
			}
		}
	}
	if (outsz > 0)
		out[n < outsz ? n : outsz - 1] = '\0';
	return n;
}

size_t
text_fold_ascii(const char *in, char *out, size_t outsz)
{
	return fold(in, out, outsz, false);
}

size_t
text_fold_upper(const char *in, char *out, size_t outsz)
{
	return fold(in, out, outsz, true);
}

/* Septets for one code point: 1, 2 (extension table), or 0 if not GSM-7. */
static size_t
gsm7_cost_slow(uint32_t cp)
{
	size_t i;

	for (i = 0; i < nitems(gsm7_basic); i++)
		if (gsm7_basic[i] == cp)
			return 1;
	for (i = 0; i < nitems(gsm7_ext); i++)
		if (gsm7_ext[i] == cp)
			return 2;
	return 0;
}

/*
 * The same, ASCII from a table (a reply is nearly all ASCII: the search
 * was 300 instructions a character). Made from the two tables above by
 * gsm7_cost_slow; test_text checks it against them character by character.
 */
static const unsigned char gsm7_ascii[128] = {
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0,
};

static size_t
gsm7_cost(uint32_t cp)
{
	return cp < 128 ? gsm7_ascii[cp] : gsm7_cost_slow(cp);
}

/* Units one code point takes; what is not GSM-7 counts as its '?'. */
static size_t
unit_cost(uint32_t cp, bool ucs2)
{
	size_t c;

	if (ucs2)
		return cp != CP_INVALID && cp > 0xFFFF ? 2 : 1;
	c = gsm7_cost(cp);
	return c == 0 ? 1 : c;
}

bool
text_is_gsm7(const char *utf8)
{
	uint32_t cp;

	while (*utf8 != '\0') {
		utf8 += text_utf8_next(utf8, &cp);
		if (gsm7_cost(cp) == 0)
			return false;
	}
	return true;
}

static size_t
count_units(const char *utf8, bool ucs2)
{
	uint32_t cp;
	size_t n = 0;

	while (*utf8 != '\0') {
		utf8 += text_utf8_next(utf8, &cp);
		n += unit_cost(cp, ucs2);
	}
	return n;
}

size_t
text_gsm7_septets(const char *utf8)
{
	return count_units(utf8, false);
}

size_t
text_ucs2_units(const char *utf8)
{
	return count_units(utf8, true);
}

/*
 * An escape pair or a surrogate pair is never split across two parts
 * (Gammu's splitter keeps them whole), so a part may hold one unit less.
 */
static void
pack_add(struct pack *p, size_t cost, bool ucs2)
{
	size_t multi = ucs2 ? TEXT_UCS2_MULTI : TEXT_GSM7_MULTI;

	p->units += cost;
	if (p->fill + cost > multi) {
		p->parts++;
		p->fill = 0;
	}
	p->fill += cost;
}

static int
pack_parts(const struct pack *p, bool ucs2)
{
	return p->units <= (ucs2 ? TEXT_UCS2_SINGLE : TEXT_GSM7_SINGLE) ?
	    1 : p->parts;
}

int
text_sms_parts(const char *utf8, bool ucs2)
{
	struct pack p = { .parts = 1 };
	uint32_t cp;

	while (*utf8 != '\0') {
		utf8 += text_utf8_next(utf8, &cp);
		pack_add(&p, unit_cost(cp, ucs2), ucs2);
	}
	return pack_parts(&p, ucs2);
}

/*
 * Copy in to out, invalid UTF-8 replaced by '?', whole code points only.
 * Returns the length of the full copy.
 */
static size_t
copy_valid(const char *in, char *out, size_t outsz)
{
	uint32_t cp;
	size_t n = 0, used, len;

	while (*in != '\0') {
		used = text_utf8_next(in, &cp);
		len = cp == CP_INVALID ? 1 : used;
		if (n + len < outsz)
			memcpy(out + n, cp == CP_INVALID ? "?" : in, len);
		else if (n < outsz)
			out[n] = '\0';	/* no partial code point */
		n += len;
		in += used;
	}
	if (n < outsz)
		out[n] = '\0';
	return n;
}

/* true if the text packed so far, followed by "...", fits max_parts. */
static bool
fits_with_ellipsis(const struct pack *p, bool ucs2, int max_parts)
{
	struct pack q = *p;
	size_t i;

	for (i = 0; i < strlen(ELLIPSIS); i++)
		pack_add(&q, 1, ucs2);
	return pack_parts(&q, ucs2) <= max_parts;
}

/* Where to cut: at a space within CUT_LOOKBACK code points if any. */
static size_t
cut_at_space(const char *s, size_t cut)
{
	size_t i = cut;
	int k;

	if (s[cut] == ' ' || s[cut] == '\n')
		return cut;
	for (k = 0; k < CUT_LOOKBACK && i > 0; k++) {
		do
			i--;
		while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80);
		if (s[i] == ' ' || s[i] == '\n')
			return i;
	}
	return cut;
}

/* Cut s (which needs more than max_parts) so that s + "..." fits max_parts. */
static int
truncate_sms(char *s, size_t outsz, bool ucs2, int max_parts)
{
	struct pack p = { .parts = 1 };
	uint32_t cp;
	size_t off = 0, cut = 0, used;

	while (s[off] != '\0') {
		used = text_utf8_next(s + off, &cp);
		pack_add(&p, unit_cost(cp, ucs2), ucs2);
		if (!fits_with_ellipsis(&p, ucs2, max_parts))
			break;
		off += used;
		cut = off;
	}
	cut = cut_at_space(s, cut);
	while (cut > 0 && strchr(" \n,;:-", s[cut - 1]) != NULL)
		cut--;
	if (cut + sizeof(ELLIPSIS) > outsz)
		return -1;
	memcpy(s + cut, ELLIPSIS, sizeof(ELLIPSIS));
	return text_sms_parts(s, ucs2);
}

int
text_prepare_sms(const char *in, enum text_charset cs, int max_parts,
    char *out, size_t outsz, bool *ucs2)
{
	size_t full;
	char *p;
	int parts;

	*ucs2 = false;
	if (outsz == 0)
		return -1;
	if (max_parts < 1)
		max_parts = 1;
	if (cs == TEXT_ASCII) {
		full = text_fold_ascii(in, out, outsz);
		for (p = out; (p = strchr(p, '`')) != NULL; p++)
			*p = '\'';
	} else {
		full = copy_valid(in, out, outsz);
		*ucs2 = cs == TEXT_UNICODE || !text_is_gsm7(out);
	}
	parts = text_sms_parts(out, *ucs2);
	if (parts <= max_parts)
		return full < outsz ? parts : -1;
	/* Only the kept prefix matters, so a cut-off copy is fine here. */
	return truncate_sms(out, outsz, *ucs2, max_parts);
}

int64_t
text_fingerprint(const char *in, bool keep_digits)
{
	char folded[2048];	/* longer texts: their first 2,047 folded bytes */
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	bool digits = false;
	const char *p;

	text_fold_upper(in, folded, sizeof(folded));
	for (p = folded; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (!keep_digits && digits)
				continue;
			digits = true;
			h = (h ^ (unsigned char)(keep_digits ? *p : '0')) *
			    1099511628211ULL;
		} else if (*p >= 'A' && *p <= 'Z') {
			digits = false;
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		}
	}
	return (int64_t)h;
}
