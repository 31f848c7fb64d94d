/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/command.c: keywords, codes, staff commands. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "command.h"
#include "err.h"

#define C1	"000.00.12.H39-240824-0001"
#define C2	"000.00.12.H39-240824-0002"

static const struct {
	const char		*in;
	enum command_kind	 kind;
} kinds[] = {
	/* Help. */
	{ "HD", CMD_HELP },
	{ "hd", CMD_HELP },
	{ "Hd.", CMD_HELP },
	{ "hd!", CMD_HELP },
	{ " HD \n", CMD_HELP },
	{ "HUONG DAN", CMD_HELP },
	{ "huong dan", CMD_HELP },
	{ "Hướng dẫn", CMD_HELP },
	{ "HƯỚNG DẪN", CMD_HELP },
	{ "huongdan", CMD_HELP },
	{ "Hướng   dẫn?", CMD_HELP },
	{ "HELP", CMD_HELP },
	{ "help me", CMD_HELP },
	{ "?", CMD_HELP },
	{ " ??? ", CMD_HELP },
	{ "¿", CMD_BAD_SYNTAX },
	/* Opt-out. */
	{ "TC", CMD_OPTOUT },
	{ "tc", CMD_OPTOUT },
	{ "Tc.", CMD_OPTOUT },
	{ "TU CHOI", CMD_OPTOUT },
	{ "Từ chối", CMD_OPTOUT },
	{ "từ chối nhận tin", CMD_OPTOUT },
	{ "TUCHOI", CMD_OPTOUT },
	{ "HUY", CMD_OPTOUT },
	{ "Hủy", CMD_OPTOUT },
	{ "huỷ đăng ký", CMD_OPTOUT },
	{ "STOP", CMD_OPTOUT },
	{ "stop!", CMD_OPTOUT },
	/* Opt-in. */
	{ "DK", CMD_OPTIN },
	{ "dk", CMD_OPTIN },
	{ "DANG KY", CMD_OPTIN },
	{ "Đăng ký", CMD_OPTIN },
	{ "ĐĂNG KÝ", CMD_OPTIN },
	{ "dangky", CMD_OPTIN },
	{ "đăng kí", CMD_OPTIN },
	/* Lookup keywords without a usable code. */
	{ "HS", CMD_BAD_SYNTAX },
	{ "TRA CUU", CMD_BAD_SYNTAX },
	{ "Tra cứu", CMD_BAD_SYNTAX },
	{ "tracuu 000.00.12", CMD_BAD_SYNTAX },
	{ "TC 000.00.12.H39", CMD_BAD_SYNTAX },
	{ "TC ho so", CMD_BAD_SYNTAX },
	{ "HS " C1 "9", CMD_BAD_SYNTAX },
	{ "HS" C1 "9", CMD_BAD_SYNTAX },
	{ "HD" C1, CMD_BAD_SYNTAX },
	{ "X" C1, CMD_BAD_SYNTAX },
	{ "HUY 000.00.12", CMD_BAD_SYNTAX },
	{ "DK 0912345678", CMD_BAD_SYNTAX },
	/* Unrecognised. */
	{ "xin chào", CMD_BAD_SYNTAX },
	{ "HDX", CMD_BAD_SYNTAX },
	{ "TCC", CMD_BAD_SYNTAX },
	{ "...", CMD_BAD_SYNTAX },
	{ "😀", CMD_BAD_SYNTAX },
	{ "tôi muốn hủy", CMD_BAD_SYNTAX },
	/* Empty. */
	{ "", CMD_EMPTY },
	{ " \t\r\n ", CMD_EMPTY },
	{ "\xC2\xA0", CMD_EMPTY },
	/* Procedure codes only. */
	{ "1.001612.000.00.00.H48", CMD_PROCEDURE },
	{ "TC 1.001612.000.00.00.h48", CMD_PROCEDURE },
};

/* Texts that look up exactly C1. */
static const char *const lookups[] = {
	C1,
	"Tra cứu 000.00.12.h39 240824 1",
	"tra cuu 000.00.12.h39 240824 1",
	"TRA CUU " C1,
	"TRACUU " C1,
	"tracuu" " 0000012h392408240001",
	"HS " C1,
	"hs: " C1,
	"Hồ sơ " C1 " đã xong chưa ạ?",
	"TC " C1,
	"tc 000 00 12 h39 240824 0001",
	"HD " C1,
	"HUY " C1,
	"1.001612.000.00.00.H48 " C1,
	C1 " " C1,
	"HS" C1,
	"hs000.00.12.h39-240824-1",
	"TC" C1,
	"Tracuu0000012H392408240001",
};

static void
test_kinds(void)
{
	struct command cmd;
	size_t i;

	for (i = 0; i < nitems(kinds); i++) {
		command_parse(kinds[i].in, 5, &cmd);
		if (cmd.kind != kinds[i].kind)
			fprintf(stderr, "input: \"%s\"\n", kinds[i].in);
		CHECK_INT(cmd.kind, kinds[i].kind);
	}
	command_parse(NULL, 5, &cmd);
	CHECK_INT(cmd.kind, CMD_EMPTY);
}

static void
test_lookups(void)
{
	struct command cmd;
	size_t i;

	for (i = 0; i < nitems(lookups); i++) {
		command_parse(lookups[i], 5, &cmd);
		CHECK_INT(cmd.kind, CMD_LOOKUP);
		CHECK_INT(cmd.ncodes, 1);
		CHECK_INT(cmd.ncodes_found, 1);
		CHECK_INT(cmd.codes[0].kind, CODE_VALID);
		CHECK_STR(cmd.codes[0].code, C1);
	}

	command_parse("HS " C1 ", " C2 " va 000.00.12.H39-240231-3", 5, &cmd);
	CHECK_INT(cmd.kind, CMD_LOOKUP);
	CHECK_INT(cmd.ncodes, 3);
	CHECK_INT(cmd.ncodes_found, 3);
	CHECK_STR(cmd.codes[1].code, C2);
	CHECK_INT(cmd.codes[2].kind, CODE_BAD_DATE);
	CHECK_STR(cmd.codes[2].code, "000.00.12.H39-240231-0003");

	/* The cap keeps the first codes and counts them all. */
	command_parse(C1 " " C2 " 000.00.12.H39-240824-3", 2, &cmd);
	CHECK_INT(cmd.ncodes, 2);
	CHECK_INT(cmd.ncodes_found, 3);
	command_parse(C1 " " C2, 0, &cmd);
	CHECK_INT(cmd.ncodes, 1);
	CHECK_INT(cmd.ncodes_found, 2);

	/* Only a bad date: still a lookup, the reply explains. */
	command_parse("HS 000.00.12.H39-240231-0001", 5, &cmd);
	CHECK_INT(cmd.kind, CMD_LOOKUP);
	CHECK_INT(cmd.codes[0].kind, CODE_BAD_DATE);

	/* Procedure codes are not counted as dossier codes. */
	command_parse("1.001612.000.00.00.H48 " C2, 5, &cmd);
	CHECK_INT(cmd.ncodes, 1);
	CHECK_STR(cmd.codes[0].code, C2);
	command_parse("thủ tục 1.001612.000.00.00.h48", 5, &cmd);
	CHECK_INT(cmd.kind, CMD_PROCEDURE);
	CHECK_INT(cmd.ncodes, 1);
	CHECK_INT(cmd.ncodes_found, 1);
	CHECK_STR(cmd.codes[0].code, "1.001612.000.00.00.H48");
}

static const struct {
	const char	*in;
	const char	*pin;
	enum staff_verb	 verb;
	const char	*audience;
	const char	*text;	/* TB: the notice; OK, HUY: the job number */
} staff[] = {
	{ "QT 1234 OK 12", "1234", STAFF_CONFIRM, "", "12" },
	{ "qt 1234 ok #7", "1234", STAFF_CONFIRM, "", "7" },
	{ "QT 1234 HUY 3", "1234", STAFF_CANCEL, "", "3" },
	{ "QT 1234 Hủy 3", "1234", STAFF_CANCEL, "", "3" },
	{ "QT 1234 OK", "1234", STAFF_UNKNOWN, "", "" },
	{ "QT 1234 OK 12 13", "1234", STAFF_UNKNOWN, "", "" },
	{ "QT 1234 OK abc", "1234", STAFF_UNKNOWN, "", "" },
	{ "QT 1234 OK 0", "1234", STAFF_UNKNOWN, "", "" },
	{ "QT 1234 HUY 1234567890", "1234", STAFF_UNKNOWN, "", "" },
	{ "QT 1234 SD", "1234", STAFF_BALANCE, "", "" },
	{ "qt 1234 sd", "1234", STAFF_BALANCE, "", "" },
	{ "  Qt  9876   Sd. ", "9876", STAFF_BALANCE, "", "" },
	{ "QT 1234 TT", "1234", STAFF_STATUS, "", "" },
	{ "QT 1234 tt", "1234", STAFF_STATUS, "", "" },
	{ "QT 1234 TB all Hồ sơ đã có kết quả, mời Ông/Bà đến nhận.",
	    "1234", STAFF_BROADCAST, "all",
	    "Hồ sơ đã có kết quả, mời Ông/Bà đến nhận." },
	{ "qt 1234 tb Phuong_3  \n Thông báo: nghỉ lễ 2/9\n", "1234",
	    STAFF_BROADCAST, "phuong_3", "Thông báo: nghỉ lễ 2/9" },
	{ "QT 1234 TB Phường3 Mai nghỉ", "1234", STAFF_BROADCAST, "phuong3",
	    "Mai nghỉ" },
	{ "QT 1234 TB all " C1 " xong", "1234", STAFF_BROADCAST, "all",
	    C1 " xong" },
	{ "QT 1234 TB all", "1234", STAFF_UNKNOWN, "all", "" },
	{ "QT 1234 TB", "1234", STAFF_UNKNOWN, "", "" },
	{ "QT 1234 SD now", "1234", STAFF_UNKNOWN, "", "" },
	{ "QT 1234 XYZ", "1234", STAFF_UNKNOWN, "", "" },
	{ "QT 1234 " C1, "1234", STAFF_UNKNOWN, "", "" },
	{ "QT 1234", "1234", STAFF_NONE, "", "" },
	{ "QT", "", STAFF_NONE, "", "" },
	{ "QT abc SD", "abc", STAFF_BALANCE, "", "" },
};

static void
test_staff(void)
{
	struct command cmd;
	size_t i;

	for (i = 0; i < nitems(staff); i++) {
		command_parse(staff[i].in, 5, &cmd);
		CHECK_INT(cmd.kind, CMD_STAFF);
		CHECK_STR(cmd.pin, staff[i].pin);
		CHECK_INT(cmd.verb, staff[i].verb);
		if (staff[i].verb == STAFF_BROADCAST) {
			CHECK_STR(cmd.audience, staff[i].audience);
			CHECK_STR(cmd.text, staff[i].text);
		}
		if (staff[i].verb == STAFF_CONFIRM || staff[i].verb == STAFF_CANCEL)
			CHECK_INT(cmd.job, atol(staff[i].text));
		CHECK_INT(cmd.ncodes, 0);
	}
	/* "QT" must be a word of its own. */
	command_parse("QT1234 SD", 5, &cmd);
	CHECK_INT(cmd.kind, CMD_BAD_SYNTAX);
	/* As a citizen's text: no staff command, the citizen's meaning. */
	command_parse_citizen("QT 1234 TT", 5, &cmd);
	CHECK_INT(cmd.kind, CMD_BAD_SYNTAX);
	command_parse_citizen("QT 000.00.12.H39-240824-0001", 5, &cmd);
	CHECK_INT(cmd.kind, CMD_LOOKUP);
	command_parse_citizen("HD", 5, &cmd);
	CHECK_INT(cmd.kind, CMD_HELP);
}

int
main(void)
{
	test_kinds();
	test_lookups();
	test_staff();
	CHECK_DONE();
}
