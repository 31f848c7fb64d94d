/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/ussd.c: balances and validity dates in operators' USSD answers, VND formatting. */
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "policy.h"
#include "ussd.h"

#define NONE	0, 0, ""	/* no balance: ussd_parse_balance returns 0 */
#define BAL(v)	1, v, ""	/* a balance, no validity */
#define BV(v, d) 1, v, d	/* a balance and its validity "YYYY-MM-DD" */

/* Answers read with the default keywords. */
static const struct {
	const char	*in;
	int		 ret;
	long long	 balance;
	const char	*validity;
} cases[] = {
	/* The usual answers of Viettel, Vinaphone, MobiFone, Vietnamobile. */
	{ "TKC 12.345d, HSD 31/12/2026", BV(12345, "2026-12-31") },
	{ "TK chinh: 12345 VND, han su dung den 31/12/2026",
	    BV(12345, "2026-12-31") },
	{ "Tai khoan goc 48.500 dong", BAL(48500) },
	{ "Tài khoản chính của quý khách: 48.500đ, hạn sử dụng đến "
	    "15/01/2027.", BV(48500, "2027-01-15") },
	{ "TK chinh = 12.000 VND, HSD: 31/12/2026; TK KM: 3.000 VND",
	    BV(12000, "2026-12-31") },
	{ "Tai khoan goc: 48.500 VNĐ. Han su dung: 15/01/2027",
	    BV(48500, "2027-01-15") },
	{ "Tai khoan chinh cua quy khach la 1.500.000 dong, het han ngay "
	    "10/10/2026", BV(1500000, "2026-10-10") },
	{ "Goc: 20.000d, KM: 0d", BAL(20000) },
	/* Thousands separators and currency units. */
	{ "TKC 1.234.567d", BAL(1234567) },
	{ "TK chinh: 1,234,567 VND", BAL(1234567) },
	{ "Tai khoan chinh 1 234 567 đồng", BAL(1234567) },
	{ "TKC 1\xC2\xA0" "234\xC2\xA0" "567đ", BAL(1234567) },	/* NBSP */
	{ "TKC 5.000 Đ", BAL(5000) },
	{ "TKC 5.000vnd", BAL(5000) },
	{ "TKC 5.000 ĐỒNG", BAL(5000) },
	{ "TKC 12.345,00 VND", BAL(12345) },
	{ "TKC 12345.00 VND", BAL(12345) },
	{ "TKC 0d", BAL(0) },
	{ "TKC: -5.000d, HSD 01/03/2027", BV(-5000, "2027-03-01") },
	{ "TKC - 5.000d", BAL(5000) },		/* a dash, not a sign */
	/* Decimals and bad groups are never read as thousands. */
	{ "TKC 12,5d", NONE },
	{ "TKC 1.234,5d, KM 5.000d", NONE },
	{ "TKC 1.234.56d", NONE },
	{ "TKC 12345.678d", NONE },
	{ "TKC 1234.567d", NONE },
	{ "TKC 12.345.678.901.234.567d", NONE },	/* 18 digits */
	{ "TKC 12,5d; Tai khoan goc 7.000d", BAL(7000) },
	/* The main account, not the promotional ones, not data. */
	{ "TKC: 25.000d; KM1: 10.000d; KM2: 5.000d; HSD: 20/06/2027",
	    BV(25000, "2027-06-20") },
	{ "KM1: 10.000d; TK KM: 2.000d; TK chinh: 3.500d", BAL(3500) },
	{ "DATA: 2.048MB, Goi MIMAX: 1,5GB; TKC 3.000d", BAL(3000) },
	{ "TK chinh (goi 500MB): 5.000d", BAL(5000) },
	{ "TKC het han\nKM1: 10.000d", NONE },
	{ "TKC het han, KM1: 10.000d", NONE },
	{ "TK chinh: 0d\nKM1: 5.000d\nHSD: 31/12/2026", BV(0, "2026-12-31") },
	{ "TK chinh:\n12.345d", BAL(12345) },
	{ "KM1 10.000d HSD 30/04/2026; TKC 5.000d", BAL(5000) },
	{ "TKC 5.000d, KM1 2.000d HSD 30/04/2026", BAL(5000) },
	{ "TKC 5.000d, KM1 2.000d HSD 30/04/2026; HSD 31/12/2026",
	    BV(5000, "2026-12-31") },
	{ "TKC 5.000d HSD 31/12/2026, KM1 2.000d HSD 30/04/2026",
	    BV(5000, "2026-12-31") },
	{ "TKC 5.000d; KM1 2.000d; HSD 31/12/2026", BV(5000, "2026-12-31") },
	{ "KM1 2.000d, HSD 30/04/2026; 5.000d trong TKC, HSD 31/12/2026",
	    BV(5000, "2026-12-31") },
	{ "Quy khach con 5.000d trong TK chinh HSD 31/12/2026",
	    BV(5000, "2026-12-31") },
	/* The keyword after the amount. */
	{ "Quy khach con 5.000d trong TK chinh", BAL(5000) },
	{ "Quy khach con 5.000d trong TK chinh, HSD 31/12/2026",
	    BV(5000, "2026-12-31") },
	{ "Quy khach con 5.000d, TK chinh", NONE },
	{ "KM 10.000d TK chinh", NONE },
	/* Case, spacing, line breaks, UCS-2-decoded and decomposed text. */
	{ "  tkc :   12.345   VND ,  hsd :  31/12/2026  ",
	    BV(12345, "2026-12-31") },
	{ "Tkc\r\n12.345D\r\nHsd\t31/12/2026", NONE },
	{ "Số dư TK chính: 125.000 đồng. HSD: 05/09/2026. Tài khoản KM: "
	    "20.000đ", BV(125000, "2026-09-05") },
	{ "Ta\xCC\x80i khoa\xCC\x89n chi\xCC\x81nh: 9.000\xC4\x91",
	    BAL(9000) },
	{ "TKC \xFF 5.000d", BAL(5000) },	/* a bad byte is '?' */
	{ "TKCS 5.000d", NONE },
	{ "TKC12.345d", NONE },
	/* Dates. */
	{ "TKC 5.000d, HSD 31-12-2026", BV(5000, "2026-12-31") },
	{ "TKC 5.000d, HSD 31/12/27", BV(5000, "2027-12-31") },
	{ "TKC 5.000d, HSD 1/2/2027", BV(5000, "2027-02-01") },
	{ "TKC 5.000d, HSD 2026-12-31", BV(5000, "2026-12-31") },
	{ "TKC 5.000d, HSD: 23:59:59 ngay 31/12/2026", BV(5000, "2026-12-31") },
	{ "TKC 5.000d, HSD den 24h ngay 31.12.2026", BV(5000, "2026-12-31") },
	{ "TKC 5.000d, HSD 29/02/2028", BV(5000, "2028-02-29") },
	{ "TKC 5.000d, HSD 29/02/2027", BAL(5000) },
	{ "TKC 5.000d, HSD 31/02/2027", BAL(5000) },
	{ "TKC 5.000d, HSD 12/13/2027", BAL(5000) },
	{ "TKC 5.000d, HSD 31/12/1999", BAL(5000) },
	{ "TKC 5.000d, HSD 31/12/2026X", BAL(5000) },
	{ "TKC 5.000d, HSD 31/12/026", BAL(5000) },
	{ "TKC 5.000d, HSD 31/02/2027, het han 15/03/2027",
	    BV(5000, "2027-03-15") },
	{ "TKC 5.000d. HSD", BAL(5000) },
	/* No balance at all. */
	{ "Reply for *101#", NONE },
	{ "Yeu cau khong thanh cong", NONE },
	{ "He thong ban, vui long thu lai sau", NONE },
	{ "1. Kiem tra TK\n2. Dang ky goi", NONE },
	{ "So du: 12.345d", NONE },
	{ "Quy khach co 12.345d", NONE },
	{ "HSD 31/12/2026", NONE },
	{ "TKC", NONE },
	{ "", NONE },
};

/* The same with keyword lists from the configuration. */
static const char *const so_du[] = { "Số dư", NULL };
static const char *const ngay_het_han[] = { "ngày hết hạn", NULL };

static const struct {
	const char		*in;
	const char *const	*bkeys, *const *vkeys;
	int			 ret;
	long long		 balance;
	const char		*validity;
} custom[] = {
	{ "So du: 12.345d", so_du, NULL, BAL(12345) },
	{ "Số dư: 12.345đ, HSD 31/12/2026", so_du, NULL,
	    BV(12345, "2026-12-31") },
	{ "TKC 12.345d", so_du, NULL, NONE },		/* defaults replaced */
	{ "TKC 5.000d. Ngay het han: 01/02/2027", NULL, ngay_het_han,
	    BV(5000, "2027-02-01") },
	{ "TKC 5.000d, HSD 01/02/2027", NULL, ngay_het_han, BAL(5000) },
};

static const struct {
	long long	 v;
	const char	*want;
} vnd[] = {
	{ 0, "0 đ" },
	{ 5, "5 đ" },
	{ 999, "999 đ" },
	{ 1000, "1.000 đ" },
	{ 12345, "12.345 đ" },
	{ 100000, "100.000 đ" },
	{ 1234567, "1.234.567 đ" },
	{ -5, "-5 đ" },
	{ -5000, "-5.000 đ" },
	{ -123456, "-123.456 đ" },
	{ LLONG_MAX, "9.223.372.036.854.775.807 đ" },
	{ LLONG_MIN, "-9.223.372.036.854.775.808 đ" },
};

/* Check one answer against what it must give. */
static void
check_case(const char *in, const char *const *bk, const char *const *vk,
    int ret, long long balance, const char *validity)
{
	struct ussd_balance b;
	struct dz_err err;
	long day;
	int r;

	memset(&b, 0xA5, sizeof(b));
	r = ussd_parse_balance(in, bk, vk, &b, &err);
	if (r != ret || b.balance != balance ||
	    strcmp(b.validity, validity) != 0)
		fprintf(stderr, "case \"%s\"\n", in);
	CHECK_INT(r, ret);
	CHECK_INT(b.has_balance, ret == 1);
	CHECK_INT(b.balance, balance);
	CHECK_STR(b.validity, validity);
	CHECK_INT(b.has_validity, validity[0] != '\0');
	if (validity[0] == '\0')
		CHECK_INT(b.validity_day, 0);
	else {
		CHECK(policy_parse_day(validity, &day) == 0);
		CHECK_INT(b.validity_day, day);
	}
}

/* Bad arguments: -1, DZ_EUSAGE, out cleared. */
static void
check_usage(const char *in, const char *const *bk, const char *const *vk,
    const char *msgpart)
{
	struct ussd_balance b;
	struct dz_err err;

	memset(&b, 0xA5, sizeof(b));
	CHECK_INT(ussd_parse_balance(in, bk, vk, &b, &err), -1);
	CHECK_INT(err.cls, DZ_EUSAGE);
	if (strstr(err.msg, msgpart) == NULL)
		fprintf(stderr, "message \"%s\"\n", err.msg);
	CHECK(strstr(err.msg, msgpart) != NULL);
	CHECK(!b.has_balance && !b.has_validity && b.balance == 0);
	CHECK_STR(b.validity, "");
}

static void
check_usages(void)
{
	static const char *const empty[] = { NULL };
	static const char *const blank[] = { "TKC", "  ", NULL };
	static const char *const longkey[] = {
	    "TAI KHOAN CHINH TAI KHOAN CHINH TAI KHOAN CHINH X", NULL };
	static const char *const many[] = { "A", "B", "C", "D", "E", "F",
	    "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", NULL };
	static const char *const sixteen[] = { "A", "B", "C", "D", "E", "F",
	    "G", "H", "I", "J", "K", "L", "M", "N", "O", "TKC", NULL };
	char big[USSD_TEXT_MAX + 2];
	struct ussd_balance b;

	check_usage(NULL, NULL, NULL, "text is NULL");
	CHECK_INT(ussd_parse_balance("TKC 5d", NULL, NULL, NULL, NULL), -1);
	check_usage("TKC 5d", empty, NULL, "no balance keywords");
	check_usage("TKC 5d", NULL, empty, "no validity keywords");
	check_usage("TKC 5d", blank, NULL, "balance keyword 2 is empty");
	check_usage("TKC 5d", longkey, NULL, "balance keyword 1 is too long");
	check_usage("TKC 5d", NULL, many, "more than 16 validity keywords");
	check_case("TKC 5d", sixteen, NULL, BAL(5));
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	check_usage(big, NULL, NULL, "longer than 2048 bytes");
	big[sizeof(big) - 2] = '\0';
	memcpy(big + sizeof(big) - 9, "TKC 5d", 6);
	CHECK_INT(ussd_parse_balance(big, NULL, NULL, &b, NULL), 1);
	CHECK_INT(b.balance, 5);
}

static void
check_vnd(void)
{
	char out[USSD_VND_BUFSZ], small[6];
	size_t i;

	for (i = 0; i < nitems(vnd); i++) {
		ussd_format_vnd(vnd[i].v, out, sizeof(out));
		CHECK_STR(out, vnd[i].want);
	}
	ussd_format_vnd(12345, small, sizeof(small));
	CHECK_STR(small, "12.34");
	memcpy(small, "keep", 5);
	ussd_format_vnd(12345, small, 0);
	CHECK_STR(small, "keep");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < nitems(cases); i++)
		check_case(cases[i].in, NULL, NULL, cases[i].ret,
		    cases[i].balance, cases[i].validity);
	for (i = 0; i < nitems(custom); i++)
		check_case(custom[i].in, custom[i].bkeys, custom[i].vkeys,
		    custom[i].ret, custom[i].balance, custom[i].validity);
	check_usages();
	check_vnd();
	CHECK_DONE();
}
