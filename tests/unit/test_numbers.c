/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/numbers.c: plain lists, CSV headers and rows, bad lines, streaming a file. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "numbers.h"

#define NWANT	10
#define BIG	50000	/* rows of the streaming test */

/* The input as a literal and its length (it may hold NUL bytes). */
#define IN(s)		s, sizeof(s) - 1
#define E(n, s)		{ n, NUMBERS_ENTRY, s }
#define S(n)		{ n, NUMBERS_SKIP, "" }
#define B(n, s)		{ n, NUMBERS_BAD, s }

/* What one line gives: the number for an entry, the reason for a bad line. */
struct want {
	int			 lineno;	/* 0 ends the list */
	enum numbers_kind	 kind;
	const char		*text;
};

/*
 * Whole files: every line's result in want, then, if fail is set, the line
 * that makes the file unusable and a part of the error message.
 */
static const struct file_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	struct want	 want[NWANT];
	int		 fail;
	const char	*errpart;
} files[] = {
	/* Plain lists. */
	{ "plain LF", IN("0915123456\n0987654321\n"),
	    { E(1, "0915123456"), E(2, "0987654321") }, 0, NULL },
	{ "plain CRLF", IN("0915123456\r\n0987654321\r\n"),
	    { E(1, "0915123456"), E(2, "0987654321") }, 0, NULL },
	{ "plain BOM, no final newline", IN("\xEF\xBB\xBF" "0915123456\n84987654321"),
	    { E(1, "0915123456"), E(2, "84987654321") }, 0, NULL },
	{ "plain BOM alone on line 1", IN("\xEF\xBB\xBF\r\n0915123456\r\n"),
	    { S(1), E(2, "0915123456") }, 0, NULL },
	{ "plain blank, comments, trailing spaces",
	    IN("# danh sách, tháng 5\n\n0915123456   \n   \n\t0987 654 321\t\n"
	    "  # end\n+84912345678 \r\n"),
	    { S(1), S(2), E(3, "0915123456"), S(4), E(5, "0987 654 321"), S(6),
	    E(7, "+84912345678") }, 0, NULL },
	{ "plain first line with a trailing TAB is no header",
	    IN("0915123456 \t\n0987654321\t\n"),
	    { E(1, "0915123456"), E(2, "0987654321") }, 0, NULL },
	{ "plain spaces inside are one entry",
	    IN("0915 123 456\n84 915 123 456\n+84 (915) 123-456\n"),
	    { E(1, "0915 123 456"), E(2, "84 915 123 456"),
	    E(3, "+84 (915) 123-456") }, 0, NULL },
	{ "plain Excel wrappers",
	    IN("'0915123456\n=\"0987654321\"\n\"0912345678\"\n ' 0913 \n'\n"
	    "=\"\"\n=0915\n"),
	    { E(1, "0915123456"), E(2, "0987654321"), E(3, "0912345678"),
	    E(4, "0913"), E(5, ""), E(6, ""), E(7, "=0915") }, 0, NULL },
	{ "plain NBSP trimmed", IN("\xC2\xA0" "0915123456\xC2\xA0\n\xC2\xA0\n"),
	    { E(1, "0915123456"), S(2) }, 0, NULL },
	{ "plain: text only, never number rules",
	    IN("VIETTEL\n0915123456, 0987654321\n1;2\n0915 # Nam\n"),
	    { E(1, "VIETTEL"), E(2, "0915123456, 0987654321"), E(3, "1;2"),
	    E(4, "0915 # Nam") }, 0, NULL },
	{ "plain not UTF-8", IN("0915123456\n09\xFF" "15\n\xC0\xAF\n0987654321\n"),
	    { E(1, "0915123456"), B(2, "line 2: not UTF-8"),
	    B(3, "line 3: not UTF-8"), E(4, "0987654321") }, 0, NULL },
	{ "plain NUL byte", IN("0915123456\n09\0" "15\n0987654321\n"),
	    { E(1, "0915123456"), B(2, "line 2: a NUL byte"),
	    E(3, "0987654321") }, 0, NULL },
	{ "plain unterminated quote", IN("\"0915123456\n\"0987654321\" x\n0912\n"),
	    { B(1, "line 1: unterminated quote"),
	    B(2, "line 2: text after a closing quote"), E(3, "0912") }, 0, NULL },
	{ "plain number too long",
	    IN("0123456789012345678901234567890123456789012345678901234567890123\n"
	    "012345678901234567890123456789012345678901234567890123456789012\n"),
	    { B(1, "line 1: the number is longer than 63 bytes"),
	    E(2, "012345678901234567890123456789012345678901234567890123456789012") },
	    0, NULL },
	/* CSV: separators, quoting, the phone column's place. */
	{ "CSV comma, quoted separators",
	    IN("Họ tên,SĐT,Ghi chú\nNguyễn Văn A,0915123456,\n"
	    "\"Trần, B\",\"0987 654 321\",\"có, \"\"dấu\"\" phẩy\"\n"),
	    { S(1), E(2, "0915123456"), E(3, "0987 654 321") }, 0, NULL },
	{ "CSV semicolon, CRLF, last column",
	    IN("STT;Họ và tên;Số điện thoại\r\n1;Lê C;0912345678\r\n"
	    "2;\"Phạm; D\";'0913456789\r\n3;E;=\"0914\"\r\n"),
	    { S(1), E(2, "0912345678"), E(3, "0913456789"), E(4, "0914") },
	    0, NULL },
	{ "CSV TAB, first column, empty rows",
	    IN("phone\tname\tnote\n0915123456\tA\tx\n\t\t\n\n"
	    "0987654321\tB \"quoted\"\n \"0912\" \t\"a\tb\"\n"),
	    { S(1), E(2, "0915123456"), S(3), S(4), E(5, "0987654321"),
	    E(6, "0912") }, 0, NULL },
	{ "CSV TAB, leading empty header cell",
	    IN("\tSĐT\n1\t0915123456\n\t0987654321\n"),
	    { S(1), E(2, "0915123456"), E(3, "0987654321") }, 0, NULL },
	{ "CSV quotes: \"\", formula escapes, spaces around",
	    IN("SĐT,Tên\n\"0915\"\"123\",\"Nguyễn \"\"Tí\"\", Jr\"\n"
	    "\"=\"\"0987654321\"\"\",x\n=\"0912,345\",y\n  \"0913\"  ,z\n"),
	    { S(1), E(2, "0915\"123"), E(3, "0987654321"), E(4, "0912,345"),
	    E(5, "0913") }, 0, NULL },
	{ "CSV BOM and CRLF", IN("\xEF\xBB\xBFSĐT,Tên\r\n0915123456,A\r\n"),
	    { S(1), E(2, "0915123456") }, 0, NULL },
	{ "CSV most frequent separator wins",
	    IN("Họ tên, đệm;SĐT;Ghi chú\nNguyễn, A;0915123456;x\n"),
	    { S(1), E(2, "0915123456") }, 0, NULL },
	{ "CSV separator tie: ';' before ','",
	    IN("SĐT;Tên, đệm\n0915123456;Nguyễn, A\n"),
	    { S(1), E(2, "0915123456") }, 0, NULL },
	{ "CSV separator tie: TAB before ';'", IN("Tên;x\tSĐT\nA;b\t0915\n"),
	    { S(1), E(2, "0915") }, 0, NULL },
	{ "CSV too few fields",
	    IN("Tên,Ghi chú,SĐT\nA,B,0915123456\nC,D\nE\nF,,,,\n"),
	    { S(1), E(2, "0915123456"),
	    B(3, "line 3: 2 fields, the phone column is field 3"),
	    B(4, "line 4: 1 field, the phone column is field 3"), E(5, "") },
	    0, NULL },
	{ "CSV empty phone field, empty rows",
	    IN("Tên,SĐT,Ghi chú\nA,,x\n,,\n\"\",\"\"\n , ,\n"),
	    { S(1), E(2, ""), S(3), S(4), S(5) }, 0, NULL },
	{ "CSV unterminated quote, next line read anew",
	    IN("Tên,SĐT\n\"Nguyễn A,0915123456\nB,0987654321\n\"A\"x,0912\n"),
	    { S(1), B(2, "line 2: field 1: unterminated quote"),
	    E(3, "0987654321"),
	    B(4, "line 4: field 1: text after a closing quote") }, 0, NULL },
	{ "CSV not UTF-8: only the phone field counts",
	    IN("Tên,SĐT\nA,09\xFF" "15\nNguy\xEA\xF1n,0915123456\n"),
	    { S(1), B(2, "line 2: the number is not UTF-8"),
	    E(3, "0915123456") }, 0, NULL },
	{ "CSV NUL byte", IN("Tên,SĐT\nA\0,0915\nB,0987\n"),
	    { S(1), B(2, "line 2: a NUL byte"), E(3, "0987") }, 0, NULL },
	{ "CSV '#' is not a comment", IN("SĐT\n#0915\n"),
	    { S(1), E(2, "#0915") }, 0, NULL },
	{ "CSV one column", IN("Số điện thoại\n0915123456\n\"0987,654321\"\n'0912\n"),
	    { S(1), E(2, "0915123456"), E(3, "0987,654321"), E(4, "0912") },
	    0, NULL },
	{ "CSV header with a '#' column", IN("#,Họ tên,SĐT\n1,A,0915123456\n"),
	    { S(1), E(2, "0915123456") }, 0, NULL },
	{ "CSV comment and blank before the header",
	    IN("# danh sách, tháng 5\n\nSĐT,Tên\n0915123456,A\n"),
	    { S(1), S(2), S(3), E(4, "0915123456") }, 0, NULL },
	{ "CSV only a header", IN("SĐT;Tên\r\n"), { S(1) }, 0, NULL },
	{ "empty file", IN(""), { { 0, NUMBERS_SKIP, NULL } }, 0, NULL },
	{ "only blank lines", IN("\n \r\n"), { S(1), S(2) }, 0, NULL },
	/* Unusable files. */
	{ "CSV header without a phone column", IN("Tên,Địa chỉ\nA,B\n"),
	    { { 0, NUMBERS_SKIP, NULL } }, 1,
	    "line 1: ','-separated, but no field names the phone column: a CSV "
	    "file needs a header row with a column phone, sdt, so_dien_thoai, "
	    "số điện thoại, điện thoại or mobile" },
	{ "numbers with separators, no header",
	    IN("\n0915123456;0987654321\n"), { S(1) }, 2,
	    "';'-separated, but no field names the phone column" },
	{ "two phone columns", IN("SĐT\tĐiện thoại\n"),
	    { { 0, NUMBERS_SKIP, NULL } }, 1,
	    "line 1: two phone columns, fields 1 and 2: keep one" },
	{ "header with a broken quote", IN("Tên,\"SĐT\n"),
	    { { 0, NUMBERS_SKIP, NULL } }, 1,
	    "line 1: the header, field 2: unterminated quote" },
	{ "header not UTF-8 (CP1258)", IN("H\xE7 t\xEAn;S\xD0T\n"),
	    { { 0, NUMBERS_SKIP, NULL } }, 1, "(not UTF-8: save it as" },
	{ "UTF-16", IN("\xFF\xFE" "0\0" "9\0\n\0"),
	    { { 0, NUMBERS_SKIP, NULL } }, 1, "line 1: the file is UTF-16" },
	{ "an .xlsx", IN("PK\x03\x04\x14\0\x06\0\n"),
	    { { 0, NUMBERS_SKIP, NULL } }, 1, "line 1: NUL bytes: not a text" },
};

/* Header names of the phone column, and names that are not it. */
static const char *const phone_names[] = {
	"phone", "PHONE", "Phone", " phone ", "sdt", "SDT", "SĐT", "sđt", "Sđt",
	"so_dien_thoai", "SO_DIEN_THOAI", "so dien thoai", "Số điện thoại",
	"SỐ ĐIỆN THOẠI", "số  điện thoại", "so-dien-thoai", "\"Số điện thoại\"",
	"So\xCC\x82\xCC\x81 \xC4\x91ie\xCC\xA3\xCC\x82n thoa\xCC\xA3i",
	"dien thoai", "Điện thoại", "ĐIỆN THOẠI", "điện_thoại", "mobile",
	"Mobile", "MOBILE",
};
static const char *const other_names[] = {
	"phone number", "Điện thoại bàn", "SĐT 2", "tel", "số", "", "\"\"",
	"sdt:", "mobil",
};

/* Compare one result with what was wanted, naming the case if it differs. */
static void
check_line(const char *name, int lineno, int k, const char *got,
    const struct want *w)
{
	if (w->lineno != lineno || (int)w->kind != k ||
	    strcmp(got, w->text) != 0)
		fprintf(stderr, "case \"%s\": line %d gave %d \"%s\", want "
		    "line %d %d \"%s\"\n", name, lineno, k, got, w->lineno,
		    (int)w->kind, w->text ? w->text : "(end)");
	CHECK_INT(lineno, w->lineno);
	CHECK_INT(k, w->kind);
	CHECK_STR(got, w->text);
}

/* The case through numbers_line, split at each '\n'. */
static void
run_lines(const struct file_case *c)
{
	const char *s = c->in, *end = c->in + c->len, *nl;
	char out[NUMBERS_BUFSZ], why[NUMBERS_WHYSZ];
	struct numbers_parser p;
	struct dz_err err;
	int k, n[3] = { 0, 0, 0 };
	size_t w = 0;

	numbers_init(&p);
	for (; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		k = numbers_line(&p, s, (size_t)(nl - s), out, sizeof(out),
		    why, sizeof(why), &err);
		if (k == -1) {
			if (c->fail != p.lineno || strstr(err.msg, c->errpart) == NULL)
				fprintf(stderr, "case \"%s\": line %d: %s\n",
				    c->name, p.lineno, err.msg);
			CHECK_INT(p.lineno, c->fail);
			CHECK_INT(err.cls, DZ_EUSAGE);
			CHECK(strstr(err.msg, c->errpart) != NULL);
			CHECK_INT(p.format, NUMBERS_UNUSABLE);
			break;
		}
		CHECK(w < NWANT);
		check_line(c->name, p.lineno, k,
		    k == NUMBERS_BAD ? why : out, &c->want[w++]);
		CHECK_STR(k == NUMBERS_BAD ? out : why, "");
		n[k]++;
	}
	if (c->fail == 0)
		CHECK(w == NWANT || c->want[w].lineno == 0);
	else
		CHECK(k == -1);
	CHECK_INT(p.entries, n[NUMBERS_ENTRY]);
	CHECK_INT(p.skipped, n[NUMBERS_SKIP]);
	CHECK_INT(p.bad, n[NUMBERS_BAD]);
}

/* What a numbers_read callback saw. */
struct seen {
	const char		*name;
	const struct want	*want;	/* the next wanted non-skip line */
	const struct want	*end;
	int			 calls;
	int			 stop_at;	/* return 42 at this call, 0: never */
};

static int
seen_cb(void *arg, int lineno, enum numbers_kind k, const char *number,
    const char *why)
{
	struct seen *sn = arg;

	while (sn->want < sn->end && sn->want->lineno != 0 &&
	    sn->want->kind == NUMBERS_SKIP)
		sn->want++;
	CHECK(sn->want < sn->end);
	check_line(sn->name, lineno, (int)k,
	    k == NUMBERS_BAD ? why : number, sn->want++);
	CHECK_STR(k == NUMBERS_BAD ? number : why, "");
	return ++sn->calls == sn->stop_at ? 42 : 0;
}

/* A tmpfile() holding len bytes of s, rewound. */
static FILE *
file_of(const char *s, size_t len)
{
	FILE *f = tmpfile();

	CHECK(f != NULL);
	CHECK(fwrite(s, 1, len, f) == len);
	rewind(f);
	return f;
}

/* The case through numbers_read over a tmpfile(): the same non-skip lines, in order. */
static void
run_read(const struct file_case *c)
{
	struct numbers_parser p;
	struct dz_err err;
	struct seen sn = { c->name, c->want, c->want + NWANT, 0, 0 };
	FILE *f = file_of(c->in, c->len);
	int rc;

	numbers_init(&p);
	rc = numbers_read(f, &p, seen_cb, &sn, &err);
	fclose(f);
	if (c->fail != 0) {
		CHECK_INT(rc, -1);
		CHECK_INT(err.cls, DZ_EUSAGE);
		CHECK(strstr(err.msg, c->errpart) != NULL);
		CHECK_INT(p.lineno, c->fail);
	} else
		CHECK_INT(rc, 0);
	while (sn.want < sn.end && sn.want->lineno != 0 &&
	    sn.want->kind == NUMBERS_SKIP)
		sn.want++;
	CHECK(sn.want == sn.end || sn.want->lineno == 0);
	CHECK_INT(sn.calls, p.entries + p.bad);
}

/* Each name in a header of each separator, the phone column in the middle. */
static void
test_names(void)
{
	static const char seps[] = ",;\t";
	char line[256], out[NUMBERS_BUFSZ], why[NUMBERS_WHYSZ];
	struct numbers_parser p;
	struct dz_err err;
	size_t i, j;
	int n;

	for (i = 0; i < nitems(phone_names); i++) {
		for (j = 0; j < sizeof(seps) - 1; j++) {
			numbers_init(&p);
			n = snprintf(line, sizeof(line), "STT%cHọ tên%c%s%cGhi chú",
			    seps[j], seps[j], phone_names[i], seps[j]);
			if (numbers_line(&p, line, (size_t)n, out, sizeof(out),
			    why, sizeof(why), &err) != NUMBERS_SKIP)
				fprintf(stderr, "name \"%s\": %s\n",
				    phone_names[i], err.msg);
			CHECK_INT(p.format, NUMBERS_CSV);
			CHECK_INT(p.sep, seps[j]);
			CHECK_INT(p.column, 2);
			n = snprintf(line, sizeof(line), "1%cA%c0915123456%cx",
			    seps[j], seps[j], seps[j]);
			CHECK_INT(numbers_line(&p, line, (size_t)n, out,
			    sizeof(out), why, sizeof(why), &err), NUMBERS_ENTRY);
			CHECK_STR(out, "0915123456");
		}
		/* Alone on line 1: a one-column CSV. */
		numbers_init(&p);
		CHECK_INT(numbers_line(&p, phone_names[i],
		    strlen(phone_names[i]), out, sizeof(out), why, sizeof(why),
		    &err), NUMBERS_SKIP);
		CHECK_INT(p.format, NUMBERS_CSV);
		CHECK_INT(p.sep, '\0');
	}
	for (i = 0; i < nitems(other_names); i++) {
		numbers_init(&p);
		n = snprintf(line, sizeof(line), "Tên,%s", other_names[i]);
		CHECK_INT(numbers_line(&p, line, (size_t)n, out, sizeof(out),
		    why, sizeof(why), &err), -1);
		CHECK(strstr(err.msg, "no field names the phone column") != NULL);
		/* Alone: a plain list's first entry. */
		numbers_init(&p);
		CHECK_INT(numbers_line(&p, other_names[i],
		    strlen(other_names[i]), out, sizeof(out), why, sizeof(why),
		    &err), other_names[i][0] == '\0' ? NUMBERS_SKIP : NUMBERS_ENTRY);
	}
}

/* Line length limits, small buffers, calls after an unusable header. */
static void
test_limits(void)
{
	static char line[NUMBERS_LINE_MAX + 2];
	char out[NUMBERS_BUFSZ], why[NUMBERS_WHYSZ], small[5];
	struct numbers_parser p;
	struct dz_err err;

	numbers_init(&p);
	CHECK_INT(numbers_line(&p, "Tên,SĐT", strlen("Tên,SĐT"), out,
	    sizeof(out), why, sizeof(why), &err), NUMBERS_SKIP);
	memset(line, 'a', sizeof(line));
	memcpy(line + NUMBERS_LINE_MAX - 11, ",0915123456", 11);
	CHECK_INT(numbers_line(&p, line, NUMBERS_LINE_MAX, out, sizeof(out),
	    why, sizeof(why), &err), NUMBERS_ENTRY);
	CHECK_STR(out, "0915123456");
	/* The same with a CR: dropped before the length counts. */
	line[NUMBERS_LINE_MAX] = '\r';
	CHECK_INT(numbers_line(&p, line, NUMBERS_LINE_MAX + 1, out,
	    sizeof(out), why, sizeof(why), &err), NUMBERS_ENTRY);
	memcpy(line + NUMBERS_LINE_MAX - 10, ",0915123456", 11);
	CHECK_INT(numbers_line(&p, line, NUMBERS_LINE_MAX + 1, out,
	    sizeof(out), why, sizeof(why), &err), NUMBERS_BAD);
	CHECK_STR(why, "line 4: longer than 4096 bytes");
	CHECK_STR(out, "");
	/* A phone field that does not fit out, a reason cut to why's size. */
	CHECK_INT(numbers_line(&p, "A,0915123456", 12, small, sizeof(small),
	    why, sizeof(why), &err), NUMBERS_BAD);
	CHECK_STR(why, "line 5: the number is longer than 4 bytes");
	CHECK_STR(small, "");
	CHECK_INT(numbers_line(&p, "A,0915", 6, small, sizeof(small), why,
	    sizeof(why), &err), NUMBERS_ENTRY);
	CHECK_STR(small, "0915");
	CHECK_INT(numbers_line(&p, "A", 1, out, sizeof(out), small,
	    sizeof(small), &err), NUMBERS_BAD);
	CHECK_STR(small, "line");
	CHECK_INT(p.entries, 3);
	CHECK_INT(p.bad, 3);
	CHECK_INT(p.skipped, 1);

	/* After -1 every call is -1; err may be NULL. */
	numbers_init(&p);
	CHECK_INT(numbers_line(&p, "a;b", 3, out, sizeof(out), why,
	    sizeof(why), NULL), -1);
	CHECK_INT(numbers_line(&p, "0915123456", 10, out, sizeof(out), why,
	    sizeof(why), &err), -1);
	CHECK_STR(err.msg, "line 2: an earlier line made the file unusable");
	CHECK_INT(p.lineno, 2);
}

/* numbers_read: a mixed file (a lone CR too), a stop, a read error. */
static void
test_read(void)
{
	static const char mixed[] =
	    "\xEF\xBB\xBF# broadcast list\r\n"
	    "Họ tên;Số điện thoại;Ghi chú\r"		/* lone CR */
	    "Nguyễn A;0915 123 456;\r\n"
	    ";;\r\n"
	    "Trần B\r\n"
	    "\"Lê; C\";'0987654321;\"x\"\"\"\n"
	    "\"Phạm D;0912\n"
	    "E;;note\n"
	    "F;=\"0913\"";
	static const struct want want[NWANT] = {
		E(3, "0915 123 456"),
		B(5, "line 5: 1 field, the phone column is field 2"),
		E(6, "0987654321"), B(7, "line 7: field 1: unterminated quote"),
		E(8, ""), E(9, "0913"),
	};
	struct numbers_parser p;
	struct dz_err err;
	struct seen sn = { "mixed", want, want + NWANT, 0, 0 };
	FILE *f;

	f = file_of(mixed, sizeof(mixed) - 1);
	numbers_init(&p);
	CHECK_INT(numbers_read(f, &p, seen_cb, &sn, &err), 0);
	CHECK_INT(sn.calls, 6);
	CHECK_INT(p.lineno, 9);
	CHECK_INT(p.entries, 4);
	CHECK_INT(p.bad, 2);
	CHECK_INT(p.skipped, 3);
	/* A stop: the callback's value comes back, the rest is not read. */
	rewind(f);
	numbers_init(&p);
	sn = (struct seen){ "stop", want, want + NWANT, 0, 2 };
	CHECK_INT(numbers_read(f, &p, seen_cb, &sn, &err), 42);
	CHECK_INT(sn.calls, 2);
	CHECK_INT(p.lineno, 5);
	fclose(f);

	/* A stream that cannot be read. */
	CHECK((f = fopen("/dev/null", "w")) != NULL);
	numbers_init(&p);
	CHECK_INT(numbers_read(f, &p, seen_cb, &sn, &err), -1);
	CHECK_INT(err.cls, DZ_ETRANSIENT);
	CHECK(strncmp(err.msg, "reading the numbers after line 0: ", 34) == 0);
	fclose(f);
}

/* numbers_read: a line far longer than the limit is read past, whole; lone CRs end lines. */
static void
test_read_ends(void)
{
	static const struct want want[NWANT] = {
		E(1, "0915"), B(2, "line 2: longer than 4096 bytes"),
		E(3, "0987"),
	};
	static char big[10050];
	struct numbers_parser p;
	struct dz_err err;
	struct seen sn = { "long line", want, want + NWANT, 0, 0 };
	FILE *f;

	memset(big, '7', sizeof(big));
	memcpy(big, "0915\n", 5);
	memcpy(big + sizeof(big) - 6, "\n0987", 5);
	f = file_of(big, sizeof(big) - 1);
	numbers_init(&p);
	CHECK_INT(numbers_read(f, &p, seen_cb, &sn, &err), 0);
	CHECK_INT(sn.calls, 3);
	CHECK_INT(p.lineno, 3);
	fclose(f);

	/* Lone CRs only (old Mac Excel): the character after each is kept. */
	f = file_of(IN("SĐT\r0915123456\r\r0987654321\r"));
	{
		static const struct want cr[NWANT] = {
			E(2, "0915123456"), E(4, "0987654321"),
		};

		sn = (struct seen){ "lone CR", cr, cr + NWANT, 0, 0 };
		numbers_init(&p);
		CHECK_INT(numbers_read(f, &p, seen_cb, &sn, &err), 0);
		CHECK_INT(sn.calls, 2);
		CHECK_INT(p.lineno, 4);
	}
	fclose(f);
}

/* What a big file gave; line numbers must rise. */
struct tally {
	int	entries, bad, last;
};

static int
tally_cb(void *arg, int lineno, enum numbers_kind k, const char *number,
    const char *why)
{
	struct tally *t = arg;

	CHECK(lineno > t->last);
	t->last = lineno;
	if (k == NUMBERS_ENTRY) {
		CHECK(strncmp(number, "09", 2) == 0);
		t->entries++;
	} else {
		CHECK(strstr(why, "2 fields, the phone column is field 3") != NULL);
		t->bad++;
	}
	return 0;
}

/* 50,000 rows, streamed: one bad row in 1000, one empty row in 500. */
static void
test_big(void)
{
	struct numbers_parser p;
	struct dz_err err;
	struct tally t = { 0, 0, 0 };
	FILE *f = tmpfile();
	int i;

	CHECK(f != NULL);
	fputs("\xEF\xBB\xBFSTT,Họ tên,SĐT\r\n", f);
	for (i = 1; i <= BIG; i++) {
		if (i % 1000 == 0)
			fprintf(f, "%d,\"Nguyễn, %d\"\r\n", i, i);
		else if (i % 500 == 0)
			fputs(",,\r\n", f);
		else
			fprintf(f, "%d,\"Nguyễn, %d\",09%08d\r\n", i, i, i);
	}
	rewind(f);
	numbers_init(&p);
	CHECK_INT(numbers_read(f, &p, tally_cb, &t, &err), 0);
	fclose(f);
	CHECK_INT(p.lineno, BIG + 1);
	CHECK_INT(t.bad, BIG / 1000);
	CHECK_INT(t.entries, BIG - BIG / 500);
	CHECK_INT(p.entries, t.entries);
	CHECK_INT(p.bad, t.bad);
	CHECK_INT(p.skipped, 1 + BIG / 1000);
	CHECK_INT(t.last, BIG + 1);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < nitems(files); i++) {
		run_lines(&files[i]);
		run_read(&files[i]);
	}
	test_names();
	test_limits();
	test_read();
	test_read_ends();
	test_big();
	CHECK_DONE();
}
