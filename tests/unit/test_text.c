/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/text.c: UTF-8, folding, GSM-7, parts, SMS preparation. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "text.h"

struct fold_case {
	const char	*in;
	const char	*want;
};

/* Every precomposed Vietnamese letter: base, huyền, sắc, hỏi, ngã, nặng. */
static const struct fold_case viet_letters[] = {
	{ "aàáảãạ", "aaaaaa" },
	{ "AÀÁẢÃẠ", "AAAAAA" },
	{ "ăằắẳẵặ", "aaaaaa" },
	{ "ĂẰẮẲẴẶ", "AAAAAA" },
	{ "âầấẩẫậ", "aaaaaa" },
	{ "ÂẦẤẨẪẬ", "AAAAAA" },
	{ "eèéẻẽẹ", "eeeeee" },
	{ "EÈÉẺẼẸ", "EEEEEE" },
	{ "êềếểễệ", "eeeeee" },
	{ "ÊỀẾỂỄỆ", "EEEEEE" },
	{ "iìíỉĩị", "iiiiii" },
	{ "IÌÍỈĨỊ", "IIIIII" },
	{ "oòóỏõọ", "oooooo" },
	{ "OÒÓỎÕỌ", "OOOOOO" },
	{ "ôồốổỗộ", "oooooo" },
	{ "ÔỒỐỔỖỘ", "OOOOOO" },
	{ "ơờớởỡợ", "oooooo" },
	{ "ƠỜỚỞỠỢ", "OOOOOO" },
	{ "uùúủũụ", "uuuuuu" },
	{ "UÙÚỦŨỤ", "UUUUUU" },
	{ "ưừứửữự", "uuuuuu" },
	{ "ƯỪỨỬỮỰ", "UUUUUU" },
	{ "yỳýỷỹỵ", "yyyyyy" },
	{ "YỲÝỶỸỴ", "YYYYYY" },
	{ "đĐ", "dD" },
};

static const struct fold_case fold_cases[] = {
	{ "Đường Lê Lợi", "Duong Le Loi" },
	{ "Hồ sơ của bạn đã được giải quyết",
	    "Ho so cua ban da duoc giai quyet" },
	/* Decomposed input: u + horn + acute, a + breve + grave. */
	{ "Tra cu\xCC\x9B\xCC\x81u", "Tra cuu" },
	{ "Ha\xCC\x86\xCC\x80ng", "Hang" },
	{ "\xE2\x80\x9CHồ sơ\xE2\x80\x9D \xE2\x80\x93 xong\xE2\x80\xA6",
	    "\"Ho so\" - xong..." },
	{ "it\xE2\x80\x99s \xE2\x80\x94 ok", "it's - ok" },
	{ "a\xC2\xA0" "b", "a b" },
	{ "Ærø Straße naïve café Ñandú", "AEro Strasse naive cafe Nandu" },
	{ "Ça ø Å ÿ Ø", "Ca o A y O" },
	{ "x\ty\r\nz", "x y \nz" },
	{ "€5", "EUR5" },
	{ "ok 😀", "ok ?" },
	{ "\xFF", "?" },
	{ "\xC0\xAF", "??" },			/* overlong */
	{ "\xED\xA0\x80", "???" },		/* surrogate */
	{ "\xEF\xBC\xA1\xEF\xBC\x91", "A1" },	/* full-width */
	{ "\xEF\xBB\xBFHS", "HS" },		/* BOM */
	/* Œ, U+3000, U+2212, a soft hyphen, U+202F; ½ has no letter. */
	{ "\xC5\x92uvre\xE3\x80\x80x \xE2\x88\x92" "1 \xC2\xAD" "a\xE2\x80\xAF" "b \xC2\xBD",
	    "OEuvre x -1 a b ?" },
	{ "", "" },
};

static const struct fold_case upper_cases[] = {
	{ "  tra   cứu\n\thồ sơ  ", "TRA CUU HO SO" },
	{ "Hướng dẫn", "HUONG DAN" },
	{ "đăng ký", "DANG KY" },
	{ "\n\n \t", "" },
	{ "hs\xC2\xA0" "000.00.12.h39", "HS 000.00.12.H39" },
	{ "a\r\nb", "A B" },
};

static const struct {
	const char	*in;
	bool		 valid;
	size_t		 len;
} utf8_cases[] = {
	{ "", true, 0 },
	{ "Việt", true, 4 },
	{ "😀", true, 1 },
	{ "\x80", false, 1 },
	{ "\xC3", false, 1 },
	{ "\xC0\x80", false, 2 },
	{ "\xED\xA0\x80", false, 3 },
	{ "\xF4\x90\x80\x80", false, 4 },
	{ "\xF4\x8F\xBF\xBF", true, 1 },
	{ "a\xE1\xBB", false, 3 },
	{ "\xFF\xFE", false, 2 },
};

static const struct {
	const char	*in;
	bool		 gsm7;
	size_t		 septets;
	size_t		 units;
} gsm_cases[] = {
	{ "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./", true, 47, 47 },
	{ "0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§", true, 48, 48 },
	{ "¿abcdefghijklmnopqrstuvwxyzäöñüà", true, 32, 32 },
	{ "^{}\\[~]|€", true, 18, 9 },
	{ "a€b", true, 4, 3 },
	{ "", true, 0, 0 },
	{ "`", false, 1, 1 },
	{ "\t", false, 1, 1 },
	{ "đ", false, 1, 1 },
	{ "á", false, 1, 1 },
	{ "ç", false, 1, 1 },
	{ "Việt Nam", false, 8, 8 },
	{ "a😀b", false, 3, 4 },
	{ "\xFF", false, 1, 1 },
};

static char big[4096];

/* Append n copies of the UTF-8 string c to big. */
static void
append(const char *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		strcat(big, c);
}

/* big = n copies of c, then tail. */
static const char *
rep(const char *c, size_t n, const char *tail)
{
	big[0] = '\0';
	append(c, n);
	append(tail, 1);
	return big;
}

static const struct {
	const char	*c;
	size_t		 n;
	const char	*tail;
	bool		 ucs2;
	int		 parts;
} parts_cases[] = {
	{ "a", 0, "", false, 1 },
	{ "a", 160, "", false, 1 },
	{ "a", 161, "", false, 2 },
	{ "a", 153 * 2, "", false, 2 },
	{ "a", 153 * 2 + 1, "", false, 3 },
	{ "€", 80, "", false, 1 },		/* 160 septets */
	{ "€", 80, "a", false, 2 },
	{ "a", 159, "^", false, 2 },
	{ "a", 152, "€", false, 1 },
	{ "ệ", 70, "", true, 1 },
	{ "ệ", 71, "", true, 2 },
	{ "ệ", 67 * 2, "", true, 2 },
	{ "ệ", 67 * 2 + 1, "", true, 3 },
	{ "a", 70, "", true, 1 },
	{ "😀", 35, "", true, 1 },
	{ "😀", 36, "", true, 2 },
	{ "😀", 67, "", true, 3 },	/* 33 pairs per part */
};

static void
test_fold(void)
{
	char buf[256];
	char one[8];
	size_t i;
	unsigned cp;

	for (i = 0; i < nitems(viet_letters); i++) {
		CHECK_INT(text_fold_ascii(viet_letters[i].in, buf, sizeof(buf)),
		    strlen(viet_letters[i].want));
		CHECK_STR(buf, viet_letters[i].want);
	}
	for (i = 0; i < nitems(fold_cases); i++) {
		text_fold_ascii(fold_cases[i].in, buf, sizeof(buf));
		CHECK_STR(buf, fold_cases[i].want);
	}
	for (i = 0; i < nitems(upper_cases); i++) {
		CHECK_INT(text_fold_upper(upper_cases[i].in, buf, sizeof(buf)),
		    strlen(upper_cases[i].want));
		CHECK_STR(buf, upper_cases[i].want);
	}
	/* The whole Latin Extended Additional Vietnamese range. */
	for (cp = 0x1EA0; cp <= 0x1EF9; cp++) {
		one[0] = (char)(0xE0 | (cp >> 12));
		one[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		one[2] = (char)(0x80 | (cp & 0x3F));
		one[3] = '\0';
		CHECK_INT(text_fold_ascii(one, buf, sizeof(buf)), 1);
		CHECK(strchr((cp & 1) ? "aeiouy" : "AEIOUY", buf[0]) != NULL);
	}
	/* snprintf-like truncation. */
	CHECK_INT(text_fold_ascii("Việt Nam", buf, 4), 8);
	CHECK_STR(buf, "Vie");
	CHECK_INT(text_fold_upper("  ab  cd ", buf, 3), 5);
	CHECK_STR(buf, "AB");
	CHECK_INT(text_fold_ascii("x", buf, 1), 1);
	CHECK_STR(buf, "");
}

static void
test_utf8_gsm(void)
{
	size_t i;

	for (i = 0; i < nitems(utf8_cases); i++) {
		CHECK_INT(text_utf8_valid(utf8_cases[i].in),
		    utf8_cases[i].valid);
		CHECK_INT(text_utf8_len(utf8_cases[i].in), utf8_cases[i].len);
	}
	for (i = 0; i < nitems(gsm_cases); i++) {
		CHECK_INT(text_is_gsm7(gsm_cases[i].in), gsm_cases[i].gsm7);
		CHECK_INT(text_gsm7_septets(gsm_cases[i].in),
		    gsm_cases[i].septets);
		CHECK_INT(text_ucs2_units(gsm_cases[i].in), gsm_cases[i].units);
	}
	for (i = 0; i < nitems(parts_cases); i++) {
		rep(parts_cases[i].c, parts_cases[i].n, parts_cases[i].tail);
		CHECK_INT(text_sms_parts(big, parts_cases[i].ucs2),
		    parts_cases[i].parts);
	}
	/* 152 + 2 + 152 septets: the escape pair moves to part 2. */
	rep("a", 152, "€");
	append("a", 152);
	CHECK_INT(text_gsm7_septets(big), 306);
	CHECK_INT(text_sms_parts(big, false), 3);
	rep("a", 152, "€");
	append("a", 151);
	CHECK_INT(text_sms_parts(big, false), 2);
	/* 66 + 2 + 66 units: the surrogate pair moves to part 2. */
	rep("ệ", 66, "😀");
	append("ệ", 66);
	CHECK_INT(text_ucs2_units(big), 134);
	CHECK_INT(text_sms_parts(big, true), 3);
}

/* Texts as Gammu hands them over, repaired to UTF-8. */
static const struct fold_case repair_cases[] = {
	{ "", "" },
	{ "Hồ sơ 😀", "Hồ sơ 😀" },
	/* A lone high, a lone low surrogate: one U+FFFD each. */
	{ "HD\xED\xA0\x80 x", "HD\xEF\xBF\xBD x" },
	{ "0003\xED\xB0\x80", "0003\xEF\xBF\xBD" },
	/* A surrogate pair encoded separately (CESU-8): two. */
	{ "\xED\xA0\xBD\xED\xB8\x80", "\xEF\xBF\xBD\xEF\xBF\xBD" },
	/* Stray continuation, bad lead bytes, overlong, truncated. */
	{ "a\x80" "b\xFF\xC0\xAF" "c\xE1\xBB", "a\xEF\xBF\xBD" "b\xEF\xBF\xBD"
	    "\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD" },
	{ "\xED", "\xEF\xBF\xBD" },
	{ "\xED\xA0", "\xEF\xBF\xBD\xEF\xBF\xBD" },
};

static void
test_repair(void)
{
	char buf[64];
	size_t i;

	for (i = 0; i < nitems(repair_cases); i++) {
		CHECK_INT(text_utf8_repair(repair_cases[i].in, buf, sizeof(buf)),
		    strlen(repair_cases[i].want));
		CHECK_STR(buf, repair_cases[i].want);
		CHECK(text_utf8_valid(buf));
	}
	/* Cut at the last whole character that fits, never inside one. */
	CHECK_INT(text_utf8_repair("abệ", buf, 5), 5);
	CHECK_STR(buf, "ab");
	CHECK_INT(text_utf8_repair("abệ", buf, 6), 5);
	CHECK_STR(buf, "abệ");
	/* Once one character does not fit, a shorter one after it is not added. */
	CHECK_INT(text_utf8_repair("a😀b", buf, 4), 6);
	CHECK_STR(buf, "a");
	CHECK_INT(text_utf8_repair("x\xED\xA0\x80", buf, 3), 4);
	CHECK_STR(buf, "x");
	CHECK_INT(text_utf8_repair("x", buf, 1), 1);
	CHECK_STR(buf, "");
	CHECK_INT(text_utf8_repair("x", NULL, 0), 1);
}

static void
test_prepare_charsets(void)
{
	char out[1024];
	bool ucs2;

	CHECK_INT(text_prepare_sms("Hồ sơ `123` đã xong [OK]", TEXT_ASCII, 1,
	    out, sizeof(out), &ucs2), 1);
	CHECK_STR(out, "Ho so '123' da xong [OK]");
	CHECK_INT(ucs2, false);
	CHECK(text_is_gsm7(out));

	CHECK_INT(text_prepare_sms("Hello {x} €", TEXT_AUTO, 1, out,
	    sizeof(out), &ucs2), 1);
	CHECK_STR(out, "Hello {x} €");
	CHECK_INT(ucs2, false);

	CHECK_INT(text_prepare_sms("Hồ sơ đã xong", TEXT_AUTO, 1, out,
	    sizeof(out), &ucs2), 1);
	CHECK_STR(out, "Hồ sơ đã xong");
	CHECK_INT(ucs2, true);

	CHECK_INT(text_prepare_sms("plain", TEXT_UNICODE, 1, out, sizeof(out),
	    &ucs2), 1);
	CHECK_STR(out, "plain");
	CHECK_INT(ucs2, true);

	CHECK_INT(text_prepare_sms("bad \xFF byte", TEXT_AUTO, 1, out,
	    sizeof(out), &ucs2), 1);
	CHECK_STR(out, "bad ? byte");
	CHECK_INT(ucs2, false);

	CHECK_INT(text_prepare_sms("", TEXT_AUTO, 1, out, sizeof(out), &ucs2),
	    1);
	CHECK_STR(out, "");

	/* Too small for the text, which needs no cut: -1. */
	CHECK_INT(text_prepare_sms("0123456789", TEXT_ASCII, 1, out, 10, &ucs2),
	    -1);
	CHECK_INT(text_prepare_sms("0123456789", TEXT_ASCII, 1, out, 11, &ucs2),
	    1);
	CHECK_INT(text_prepare_sms("Việt", TEXT_AUTO, 1, out, 5, &ucs2), -1);
}

/* out ends in "...", needs exactly parts parts, and kept at least min units. */
static void
check_cut(const char *out, bool ucs2, int parts, size_t min)
{
	size_t len = strlen(out);

	CHECK(len > 3 && strcmp(out + len - 3, "...") == 0);
	CHECK(out[len - 4] != ' ');
	CHECK(text_utf8_valid(out));
	CHECK_INT(text_sms_parts(out, ucs2), parts);
	CHECK(ucs2 ? text_ucs2_units(out) >= min :
	    text_gsm7_septets(out) >= min);
}

static void
test_prepare_truncate(void)
{
	char out[2048];
	bool ucs2;

	/* No space: cut exactly at the capacity. */
	CHECK_INT(text_prepare_sms(rep("x", 500, ""), TEXT_ASCII, 1, out,
	    sizeof(out), &ucs2), 1);
	CHECK_INT(strlen(out), 160);
	check_cut(out, false, 1, 160);
	CHECK_INT(text_prepare_sms(big, TEXT_ASCII, 2, out, sizeof(out), &ucs2),
	    2);
	CHECK_INT(strlen(out), 306);
	CHECK_INT(text_prepare_sms(big, TEXT_AUTO, 3, out, sizeof(out), &ucs2),
	    3);
	CHECK_INT(strlen(out), 459);
	CHECK_INT(text_prepare_sms(big, TEXT_UNICODE, 1, out, sizeof(out),
	    &ucs2), 1);
	CHECK_INT(strlen(out), 70);

	/* Words: cut at a space, within the last 20 characters. */
	CHECK_INT(text_prepare_sms(rep("Hồ sơ đã xong ", 60, ""), TEXT_ASCII,
	    2, out, sizeof(out), &ucs2), 2);
	CHECK_INT(ucs2, false);
	check_cut(out, false, 2, 306 - 20);
	CHECK_INT(text_prepare_sms(big, TEXT_AUTO, 2, out, sizeof(out), &ucs2),
	    2);
	CHECK_INT(ucs2, true);
	check_cut(out, true, 2, 134 - 20);
	CHECK_INT(text_prepare_sms(big, TEXT_UNICODE, 1, out, sizeof(out),
	    &ucs2), 1);
	check_cut(out, true, 1, 70 - 20);

	/* Extension characters and astral code points never overflow. */
	CHECK_INT(text_prepare_sms(rep("€", 400, ""), TEXT_AUTO, 2, out,
	    sizeof(out), &ucs2), 2);
	CHECK_INT(ucs2, false);
	check_cut(out, false, 2, 300);
	CHECK_INT(text_prepare_sms(rep("😀", 200, ""), TEXT_AUTO, 2, out,
	    sizeof(out), &ucs2), 2);
	check_cut(out, true, 2, 130);

	/* A long input needs only the kept prefix to fit in out. */
	CHECK_INT(text_prepare_sms(rep("y", 3000, ""), TEXT_ASCII, 1, out, 200,
	    &ucs2), 1);
	CHECK_INT(strlen(out), 160);
	CHECK_INT(text_prepare_sms(big, TEXT_AUTO, 2, out, 200, &ucs2), -1);
	CHECK_INT(text_prepare_sms(big, TEXT_AUTO, 0, out, sizeof(out), &ucs2),
	    1);
}

/* The same for an auto-responder's repeats, different for different codes. */
static void
test_fingerprint(void)
{
	int64_t a = text_fingerprint("Tôi đang bận, sẽ gọi lại lúc 10:42.", false);

	CHECK(a == text_fingerprint("TOI DANG BAN SE GOI LAI LUC 9:05", false));
	CHECK(a == text_fingerprint("toi dang ban, se goi lai luc 10:43!!", false));
	CHECK(a != text_fingerprint("toi dang ban, se goi lai luc 10:43", true));
	CHECK(a != text_fingerprint("toi dang ban, se goi lai sau", false));
	CHECK(text_fingerprint("HS 000.00.12.H39-240824-0001", true) ==
	    text_fingerprint("hs 0000012h392408240001", true));
	CHECK(text_fingerprint("HS 000.00.12.H39-240824-0001", true) !=
	    text_fingerprint("HS 000.00.12.H39-240824-0002", true));
	/* Digits collapsed: "a1b" is not "ab". */
	CHECK(text_fingerprint("a1b", false) != text_fingerprint("ab", false));
	CHECK(text_fingerprint("a1b", false) == text_fingerprint("a123b", false));
	CHECK(text_fingerprint("", false) == text_fingerprint(" ,.;", false));
}

/* Every ASCII character against GSM 03.38: the basic set, the extension table, neither. */
static void
test_gsm7_ascii(void)
{
	static const char basic[] = "@$\n\r _!\"#%&'()*+,-./0123456789:;<=>?"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	static const char ext[] = "^{}\\[~]|";
	char one[2] = { 0, 0 };
	int c;

	for (c = 1; c < 128; c++) {
		one[0] = (char)c;
		if (strchr(basic, c) != NULL) {
			CHECK(text_is_gsm7(one));
			CHECK_INT((int)text_gsm7_septets(one), 1);
		} else if (strchr(ext, c) != NULL) {
			CHECK(text_is_gsm7(one));
			CHECK_INT((int)text_gsm7_septets(one), 2);
		} else {
			if (text_is_gsm7(one))
				fprintf(stderr, "0x%02x taken as GSM-7\n", c);
			CHECK(!text_is_gsm7(one));
		}
	}
}

int
main(void)
{
	test_fingerprint();
	test_fold();
	test_utf8_gsm();
	test_repair();
	test_prepare_charsets();
	test_prepare_truncate();
	test_gsm7_ascii();
	CHECK_DONE();
}
