/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/code.c: dossier and procedure codes in citizen text. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "code.h"
#include "err.h"

#define C1	"000.00.12.H39-240824-0001"

/* Real-world forms of one code each, and the canonical code. */
static const struct {
	const char	*in;
	const char	*want;
} valid[] = {
	{ C1, C1 },
	{ "000.00.12.h39-240824-0001", C1 },
	{ "000 00 12 H39 240824 0001", C1 },
	{ "0000012H392408240001", C1 },
	{ "0000012h392408240001", C1 },
	{ "000.00.12.H39-240824-1", C1 },
	{ "000.00.12.H39-240824-01", C1 },
	{ "000.00.12.H39-240824-001", C1 },
	{ "000.00.12.H39 - 240824 - 0001", C1 },
	{ "000,00,12,H39,240824,0001", C1 },
	{ "000_00_12_H39_240824_0001", C1 },
	{ "000/00/12/H39/240824/0001", C1 },
	{ "000-00-12-H39-240824-0001", C1 },
	{ "000.00.12.H39.240824.0001", C1 },
	{ "000 . 00 . 12 . H39 . 240824 . 0001", C1 },
	{ "000.00.12.H39_240824__0001", C1 },
	{ "000.00.12.H39240824 1", C1 },
	{ "OOO.OO.12.H39-24O824-OOO1", C1 },
	{ "ooo.oo.12.h39-240824-1", C1 },
	{ "tra cuu ho so 000.00.12.h39 240824 1 giup toi", C1 },
	{ "Tra cứu hồ sơ 000.00.12.H39-240824-0001 giúp tôi với", C1 },
	{ "000.00.12.H39-240824-0001.", C1 },
	{ "(000.00.12.H39-240824-0001)", C1 },
	{ "HS: 000.00.12.H39-240824-0001!", C1 },
	{ "000.00.12.H39-240824-0001,cảm ơn", C1 },
	{ "000.00.12.H39\xE2\x80\x93" "240824\xE2\x80\x93" "0001", C1 },
	{ "000.00.12.H39\xE2\x80\x94" "240824\xE2\x80\x94" "0001", C1 },
	{ "000.00.12.H39\n240824\n0001", C1 },
	{ "000.00.12.H39\xC2\xA0" "240824\xC2\xA0" "1", C1 },
	{ "000.00.12.h39 -240824- 1", C1 },
	/* Full-width digits and letter. */
	{ "\xEF\xBC\x90\xEF\xBC\x90\xEF\xBC\x90.00.12."
	    "\xEF\xBC\xA8" "39-240824-1", C1 },
	{ "mã hồ sơ là 000.27.15.G14-231115-0042 ạ",
	    "000.27.15.G14-231115-0042" },
	{ "00000 12 H39-240824-15", "000.00.12.H39-240824-0015" },
	{ "000.00.12.H39-240824-9999", "000.00.12.H39-240824-9999" },
	{ "000.00.12.H39-240229-0001", "000.00.12.H39-240229-0001" },
	{ "000.00.12.Z01-991231-7", "000.00.12.Z01-991231-0007" },
	{ "000.00.12.H39-000101-0001", "000.00.12.H39-000101-0001" },
};

/* Dossier-code shape with a date that is no calendar date. */
static const struct {
	const char	*in;
	const char	*want;
} bad_date[] = {
	{ "000.00.12.H39-240231-0001", "000.00.12.H39-240231-0001" },
	{ "000.00.12.H39-230229-1", "000.00.12.H39-230229-0001" },
	{ "000.00.12.H39-241301-0001", "000.00.12.H39-241301-0001" },
	{ "000.00.12.H39-240001-0001", "000.00.12.H39-240001-0001" },
	{ "000.00.12.H39-240800-0001", "000.00.12.H39-240800-0001" },
	{ "000.00.12.H39-240431-0001", "000.00.12.H39-240431-0001" },
	{ "000.00.12.H39-240832-0001", "000.00.12.H39-240832-0001" },
};

/* Texts with no code at all. */
static const char *const invalid[] = {
	"",
	"   ",
	"xin chào",
	"0912345678",
	"000.00.12.H39-240824-00001",		/* 5-digit sequence */
	"000.00.12.H39-240824-0001234",
	"000.00.H39-240824-0001",		/* missing group */
	"000.00.12.H39-240824",			/* missing sequence */
	"000.00.12.H39-240824-",
	"00.00.12.H39-240824-0001",		/* short first group */
	"000.00.12.39H-240824-0001",		/* letter misplaced */
	"000.00.12.HH9-240824-0001",
	"000.00.12.H3-240824-0001",
	"000.00.12.H39-24082-0001",		/* short date */
	"1000.00.12.H39-240824-0001",		/* glued digit */
	"X000.00.12.H39-240824-0001",		/* glued letter */
	"000.00.12.H39-240824-0001A",
	"HS000.00.12.H39-240824-0001",
	"000.00.12.H39.....240824.0001",	/* separator run too long */
	"000.00.12.H39-240824-x001",
	"000.00.12.H39+240824+0001",
};

static const struct {
	const char	*in;
	const char	*want;
} procedures[] = {
	{ "1.001612.000.00.00.H48", "1.001612.000.00.00.H48" },
	{ "thủ tục 1.001612.000.00.00.h48 là gì", "1.001612.000.00.00.H48" },
	{ "2 001612 000 00 00 H48", "2 001612 000 00 00 H48" },
	{ "10016120000000H48", "10016120000000H48" },
	{ "12.001612.000.00.00.H48.", "12.001612.000.00.00.H48" },
};

static void
test_single(void)
{
	struct code_match m[4];
	size_t i;

	for (i = 0; i < nitems(valid); i++) {
		memset(m, 0, sizeof(m));
		CHECK_INT(code_find(valid[i].in, m, 4), 1);
		CHECK_INT(m[0].kind, CODE_VALID);
		CHECK_STR(m[0].code, valid[i].want);
		CHECK(code_is_canonical(m[0].code));
	}
	for (i = 0; i < nitems(bad_date); i++) {
		CHECK_INT(code_find(bad_date[i].in, m, 4), 1);
		CHECK_INT(m[0].kind, CODE_BAD_DATE);
		CHECK_STR(m[0].code, bad_date[i].want);
		CHECK(!code_is_canonical(m[0].code));
	}
	for (i = 0; i < nitems(invalid); i++)
		CHECK_INT(code_find(invalid[i], m, 4), 0);
	for (i = 0; i < nitems(procedures); i++) {
		CHECK_INT(code_find(procedures[i].in, m, 4), 1);
		CHECK_INT(m[0].kind, CODE_PROCEDURE);
		CHECK_STR(m[0].code, procedures[i].want);
	}
}

static void
test_several(void)
{
	struct code_match m[8];

	CHECK_INT(code_find("000.00.12.H39-240824-0001, 000.00.12.h39-240824-2 "
	    "va 000.27.15.G14-231115-42", m, 8), 3);
	CHECK_STR(m[0].code, C1);
	CHECK_STR(m[1].code, "000.00.12.H39-240824-0002");
	CHECK_STR(m[2].code, "000.27.15.G14-231115-0042");

	/* The same code typed twice, two ways. */
	CHECK_INT(code_find(C1 " 000.00.12.h39 240824 1", m, 8), 1);
	CHECK_INT(code_find(C1 " " C1 " " C1, m, 8), 1);

	/* Procedure and dossier codes side by side, in order. */
	CHECK_INT(code_find("1.001612.000.00.00.H48 " C1, m, 8), 2);
	CHECK_INT(m[0].kind, CODE_PROCEDURE);
	CHECK_INT(m[1].kind, CODE_VALID);
	CHECK_STR(m[1].code, C1);

	/* A bad date next to a good code. */
	CHECK_INT(code_find(C1 " 000.00.12.H39-240231-0002", m, 8), 2);
	CHECK_INT(m[0].kind, CODE_VALID);
	CHECK_INT(m[1].kind, CODE_BAD_DATE);
}

static void
test_cap(void)
{
	static const char five[] =
	    "000.00.12.H39-240824-1 000.00.12.H39-240824-2 "
	    "000.00.12.H39-240824-3 000.00.12.H39-240824-4 "
	    "000.00.12.H39-240824-5";
	struct code_match m[3];

	memset(m, 0, sizeof(m));
	CHECK_INT(code_find(five, m, 2), 5);
	CHECK_STR(m[0].code, "000.00.12.H39-240824-0001");
	CHECK_STR(m[1].code, "000.00.12.H39-240824-0002");
	CHECK_STR(m[2].code, "");
	CHECK_INT(code_find(five, NULL, 0), 5);
	/* Duplicates past the cap are not counted either. */
	CHECK_INT(code_find("000.00.12.H39-240824-1 000.00.12.H39-240824-2 "
	    "000.00.12.H39-240824-3 000.00.12.H39-240824-2 "
	    "000.00.12.H39-240824-3", m, 1), 3);
}

static void
test_canonical(void)
{
	CHECK(code_is_canonical(C1));
	CHECK(code_is_canonical("999.99.99.Z99-991231-9999"));
	CHECK(!code_is_canonical("000.00.12.h39-240824-0001"));
	CHECK(!code_is_canonical("OOO.00.12.H39-240824-0001"));
	CHECK(!code_is_canonical("000.00.12.H39-240231-0001"));
	CHECK(!code_is_canonical("000.00.12.H39-240824-001"));
	CHECK(!code_is_canonical(C1 " "));
	CHECK(!code_is_canonical("000-00-12-H39-240824-0001"));
	CHECK(!code_is_canonical("000.00.12.939-240824-0001"));
	CHECK(!code_is_canonical(""));
}

int
main(void)
{
	test_single();
	test_several();
	test_cap();
	test_canonical();
	CHECK_DONE();
}
