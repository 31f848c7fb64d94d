/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/inbound.c: one SMS in, the right replies, audit and limits out, over real databases. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "check.h"
#include "fixture.h"
#include "conf.h"
#include "broadcast.h"
#include "err.h"
#include "inbound.h"
#include "policy.h"
#include "records.h"
#include "store.h"

#define OWNER		"+84912345678"	/* the number on C1 and C3 */
#define OTHER		"+84987000111"
#define STAFF		"+84912000111"

#define C1	"000.00.12.H39-240824-0001"	/* ready (9), the owner is OWNER */
#define C2	"000.00.12.H39-261101-0007"	/* in progress (4), 6 days overdue */
#define C3	"000.00.12.H39-240901-0002"	/* returned (10) */
#define C4	"000.00.12.H39-261120-0003"	/* in progress, due today */
#define C5	"000.00.12.H39-261118-0004"	/* needs documents (5), 1 day overdue */
#define C6	"000.00.12.H39-261125-0005"	/* received (2), no due date */
#define CX	"000.00.12.H39-261126-0"		/* + 3 digits: not in the records */

#define OFFICE_A	"Bo phan mot cua UBND xa Hoa Tien"

static const char rows_sql[] =
    "INSERT INTO dossiers (code, procedure, applicant, phone, office, status,"
    " received_at, due_at, finished_at, returned_at, notify_sms, updated_at)"
    " VALUES"
    " ('" C1 "', 'Đăng ký khai sinh', 'Nguyễn Văn An', '0912 345 678',"
    "  'Bộ phận một cửa UBND xã Hòa Tiến', 9, '2024-08-24', '2024-08-27',"
    "  '2024-08-26T15:00:00', NULL, 1, '2024-08-26T15:00:00'),"
    " ('" C2 "', 'Cấp giấy phép xây dựng', 'Trần Thị Bình', '0987.654.321',"
    "  'Bộ phận một cửa UBND xã Hòa Tiến', 4, '2026-11-01', '2026-11-20',"
    "  NULL, NULL, 1, '2026-11-01T08:00:00'),"
    " ('" C3 "', 'Chứng thực bản sao', 'Nguyễn Văn An', '+84 912 345 678',"
    "  'Bộ phận một cửa UBND xã Hòa Tiến', 10, '2024-09-01', '2024-09-05',"
    "  '2024-09-04', '2024-09-06', 1, '2024-09-06T09:00:00'),"
    " ('" C4 "', 'Đăng ký kết hôn', 'Lê Văn Cường', '0905111222',"
    "  'Bộ phận một cửa UBND xã Hòa Tiến', 4, '2026-11-20', '2026-11-26T17:00:00',"
    "  NULL, NULL, 1, '2026-11-20T08:00:00'),"
    " ('" C5 "', 'Đăng ký khai tử', 'Phạm Thị Dung', '0905333444',"
    "  'Bộ phận một cửa UBND xã Hòa Tiến', 5, '2026-11-18', '2026-11-25',"
    "  NULL, NULL, 1, '2026-11-24T08:00:00'),"
    " ('" C6 "', 'Đăng ký thường trú', 'Hoàng Văn Em', '0905555666',"
    "  'Công an xã Hòa Tiến', 2, '2026-11-25', NULL,"
    "  NULL, NULL, 1, '2026-11-25T08:00:00');";

/* One queued reply. */
struct reply {
	char		 number[STORE_NUM_MAX];
	char		 text[STORE_TEXT_MAX];
	int		 lane;
	long long	 expires;
};

struct replies {
	int		 n;
	struct reply	 r[8];
};

/* A records database at path, with etc/records-schema.sql and the rows above. */
static void
make_records(const char *path)
{
	records_db(path, rows_sql);
}

static void
setup(struct fx *f, const char *records_path, const char *extra)
{
	setup_rec(f, records_path, "", extra);
	CHECK_STR(f->conf.records.path, records_path);
}

/* Receive one single-part SMS and handle the oldest pending one. */
static int
sms(struct fx *f, const char *sender, const char *text,
    struct inbound_result *res, struct dz_err *err)
{
	struct in_part p;

	memset(&p, 0, sizeof(p));
	snprintf(p.sender, sizeof(p.sender), "%s", sender);
	snprintf(p.smsc_time, sizeof(p.smsc_time), "20261126T%06d", ++f->seq);
	p.total = 1;
	snprintf(p.text, sizeof(p.text), "%s", text);
	snprintf(p.modem, sizeof(p.modem), "modem1");
	CHECK_INT(store_inbox_add_part(f->store, &p, f->ctx.now, err), 1);
	return inbound_handle_next(&f->ctx, res, err);
}

static int
cb_reply(void *arg, int ncol, char **vals, char **names)
{
	struct replies *rs = arg;
	struct reply *r;

	(void)names;
	CHECK_INT(ncol, 4);
	CHECK(rs->n < (int)nitems(rs->r));
	r = &rs->r[rs->n++];
	snprintf(r->number, sizeof(r->number), "%s", vals[0]);
	snprintf(r->text, sizeof(r->text), "%s", vals[1]);
	r->lane = atoi(vals[2]);
	r->expires = atoll(vals[3]);
	return 0;
}

/* The rows queued for inbox message id, in order. */
static void
replies_of(struct fx *f, int64_t id, struct replies *rs)
{
	struct dz_err err;
	char sql[160];

	memset(rs, 0, sizeof(*rs));
	snprintf(sql, sizeof(sql), "SELECT number, text, lane, expires_at"
	    " FROM outbox WHERE inbox_id = %lld ORDER BY id", (long long)id);
	if (store_exec(f->store, sql, cb_reply, rs, &err) == -1) {
		fprintf(stderr, "%s\n", err.msg);
		CHECK(!"store_exec");
	}
}

/* The inbox row's "kind,outcome,state". */
static const char *
inbox_row(struct fx *f, int64_t id, char out[256])
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT kind || ',' || outcome || ',' || state"
	    " FROM inbox WHERE id = %lld", (long long)id);
	return query(f->store, sql, out);
}

/* Send text from sender; it must be handled with exactly one reply, which is returned. */
static const char *
one_reply(struct fx *f, const char *sender, const char *text, struct replies *rs)
{
	struct inbound_result res;
	struct dz_err err;
	int r;

	if ((r = sms(f, sender, text, &res, &err)) != 1)
		fprintf(stderr, "\"%s\" from %s: %d: %s\n", text, sender, r,
		    r == -1 ? err.msg : "");
	CHECK_INT(r, 1);
	replies_of(f, res.id, rs);
	if (rs->n != 1 || res.replies != 1)
		fprintf(stderr, "\"%s\" from %s: %d replies\n", text, sender, rs->n);
	CHECK_INT(rs->n, 1);
	CHECK_INT(res.replies, 1);
	/* Citizens' replies in the reply lane; accepted staff commands in the staff lane. */
	CHECK(rs->r[0].lane == LANE_REPLY || rs->r[0].lane == LANE_STAFF);
	return rs->r[0].text;
}

/* Single-code lookups from the owner and from anyone else. */
static void
test_lookup(const char *records_path)
{
	static const struct {
		const char	*sender;
		const char	*text;
		const char	*want;
	} cases[] = {
		{ OWNER, "tra cuu 000.00.12.h39 240824 1",
		    "Ho so " C1 " (Dang ky khai sinh): Da co ket qua, moi den nhan."
		    " Hen tra: 27/08/2024. Noi nhan: " OFFICE_A "." },
		/* The owner whichever way the network writes the number. */
		{ "0912345678", C1,
		    "Ho so " C1 " (Dang ky khai sinh): Da co ket qua, moi den nhan."
		    " Hen tra: 27/08/2024. Noi nhan: " OFFICE_A "." },
		{ "84912345678", "HS 0000012H392408240001",
		    "Ho so " C1 " (Dang ky khai sinh): Da co ket qua, moi den nhan."
		    " Hen tra: 27/08/2024. Noi nhan: " OFFICE_A "." },
		/* Anyone else: no procedure name. */
		{ OTHER, "tra cuu 000.00.12.h39 240824 1",
		    "Ho so " C1 ": Da co ket qua, moi den nhan."
		    " Hen tra: 27/08/2024. Noi nhan: " OFFICE_A "." },
		{ "+12025550123", C1,
		    "Ho so " C1 ": Da co ket qua, moi den nhan."
		    " Hen tra: 27/08/2024. Noi nhan: " OFFICE_A "." },
		/* Overdue: not finished and past the due day. */
		{ OTHER, "Tra cứu " C2,
		    "Ho so " C2 ": Dang xu ly, qua han 6 ngay. Hen tra: 20/11/2026."
		    " Noi nhan: " OFFICE_A "." },
		{ "0987654321", C2,
		    "Ho so " C2 " (Cap giay phep xay dung): Dang xu ly, qua han 6 ngay."
		    " Hen tra: 20/11/2026. Noi nhan: " OFFICE_A "." },
		{ OTHER, C5,
		    "Ho so " C5 ": Can bo sung ho so, qua han 1 ngay. Hen tra: 25/11/2026."
		    " Noi nhan: " OFFICE_A "." },
		/* Due today is not overdue yet; finished ones never are. */
		{ OTHER, C4,
		    "Ho so " C4 ": Dang xu ly. Hen tra: 26/11/2026. Noi nhan: " OFFICE_A "." },
		{ OWNER, C3,
		    "Ho so " C3 " (Chung thuc ban sao): Da tra ket qua."
		    " Hen tra: 05/09/2024. Noi nhan: " OFFICE_A "." },
		/* No due date. */
		{ OTHER, C6,
		    "Ho so " C6 ": Da tiep nhan. Hen tra: -. Noi nhan: Cong an xa Hoa Tien." },
		/* Unknown code, impossible date. */
		{ OTHER, CX "099",
		    "Khong tim thay ho so " CX "099. Vui long kiem tra ma tren giay bien nhan." },
		{ OTHER, "000.00.12.H39-241324-0001",
		    "Ma 000.00.12.H39-241324-0001 co ngay khong hop le. Vui long kiem tra"
		    " ma tren giay bien nhan, VD: " C1 "." },
	};
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;
	char out[256], sql[256], want[256];
	const char *got;
	size_t i;

	setup(&f, records_path, "");
	for (i = 0; i < nitems(cases); i++) {
		got = one_reply(&f, cases[i].sender, cases[i].text, &rs);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "case %zu\n", i);
		CHECK_STR(got, cases[i].want);
		CHECK(is_ascii(got));
		CHECK(strlen(got) <= 160);	/* one GSM-7 SMS */
		CHECK(strstr(got, "Nguyen") == NULL && strstr(got, "Tran") == NULL);
		CHECK_INT(rs.r[0].expires, f.ctx.now + 86400);
		CHECK(rs.r[0].number[0] == '+');	/* normalised */
	}

	/* The first case in detail: inbox, outbox and audit rows. */
	CHECK_INT(sms(&f, OWNER, "tra cuu 000.00.12.h39 240824 1", &res, &err), 1);
	CHECK_STR(res.sender, OWNER);
	CHECK_STR(res.kind, "lookup");
	CHECK_STR(res.outcome, "answered");
	CHECK_INT(res.found, 1);
	CHECK_INT(res.not_found, 0);
	CHECK_INT(res.replies, 1);
	CHECK_STR(inbox_row(&f, res.id, out), "lookup,answered,handled");
	replies_of(&f, res.id, &rs);
	CHECK_INT(rs.n, 1);
	CHECK_STR(rs.r[0].number, OWNER);
	CHECK(strstr(rs.r[0].text, C1) != NULL);
	CHECK(strstr(rs.r[0].text, "Dang ky khai sinh") != NULL);
	CHECK(strstr(rs.r[0].text, "27/08/2024") != NULL);
	CHECK(strstr(rs.r[0].text, "Hoa Tien") != NULL);
	snprintf(sql, sizeof(sql), "SELECT number || ',' || code || ',' || outcome"
	    " || ',' || owner || ',' || at FROM audit ORDER BY id DESC LIMIT 1");
	snprintf(want, sizeof(want), "%s,%s,found,1,%lld", OWNER, C1,
	    (long long)f.ctx.now);
	CHECK_STR(query(f.store, sql, out), want);
	/* Others' lookups are audited as not the owner. */
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit WHERE number = '"
	    OTHER "' AND owner = 0 AND outcome = 'found'"), 5);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit WHERE number = '"
	    OTHER "' AND outcome IN ('not_found', 'bad_date')"), 2);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit WHERE number = '"
	    OWNER "' AND owner = 1"), 5);

	/* The unknown code in detail. */
	CHECK_INT(sms(&f, OTHER, CX "098", &res, &err), 1);
	CHECK_STR(res.kind, "lookup");
	CHECK_INT(res.found, 0);
	CHECK_INT(res.not_found, 1);
	CHECK_INT(res.replies, 1);

	/* Nothing left to handle. */
	CHECK_INT(inbound_handle_next(&f.ctx, &res, &err), 0);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM inbox WHERE state = 'pending'"), 0);
	teardown(&f);
}

/* Commands other than lookups, and senders never answered. */
static void
test_commands(const char *records_path)
{
	static const struct {
		const char	*text;
		const char	*kind;
		const char	*want;
	} cases[] = {
		{ "HD", "help", "Tra cuu ho so: soan ma ho so tren giay bien nhan,"
		    " VD: " C1 ". Soan TC de ngung nhan thong bao, DK de nhan lai." },
		{ "Hướng dẫn", "help", "Tra cuu ho so: soan ma ho so tren giay bien nhan,"
		    " VD: " C1 ". Soan TC de ngung nhan thong bao, DK de nhan lai." },
		{ "1.001612.000.00.00.H48", "procedure", "1.001612.000.00.00.H48 la ma"
		    " thu tuc, khong phai ma ho so. Ma ho so in tren giay bien nhan,"
		    " VD: " C1 "." },
		{ "xin chao", "bad_syntax", "Chua dung cu phap. Soan ma ho so in tren"
		    " giay bien nhan, VD: " C1 ". Soan HD de xem huong dan." },
		{ "TRA CUU", "bad_syntax", "Chua dung cu phap. Soan ma ho so in tren"
		    " giay bien nhan, VD: " C1 ". Soan HD de xem huong dan." },
	};
	static const char *const ignored[] = {
		"1900123", "VIETTEL", "8088", "19001234", "MobiFone",
	};
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;
	char out[256];
	const char *got;
	size_t i;

	setup(&f, records_path, "");
	for (i = 0; i < nitems(cases); i++) {
		got = one_reply(&f, OTHER, cases[i].text, &rs);
		CHECK_STR(got, cases[i].want);
		CHECK(strlen(got) <= 160);
		CHECK_STR(query(f.store, "SELECT kind FROM inbox ORDER BY id DESC LIMIT 1",
		    out), cases[i].kind);
	}

	/* Short codes and sender names are never answered, but handled. */
	for (i = 0; i < nitems(ignored); i++) {
		CHECK_INT(sms(&f, ignored[i], "HD", &res, &err), 1);
		CHECK_STR(res.kind, "ignored");
		CHECK_INT(res.replies, 0);
		replies_of(&f, res.id, &rs);
		CHECK_INT(rs.n, 0);
		CHECK(strncmp(inbox_row(&f, res.id, out), "ignored,", 8) == 0);
		CHECK(strstr(out, ",handled") != NULL);
	}
	CHECK_INT(sms(&f, "19001234", C1, &res, &err), 1);
	CHECK_STR(res.kind, "ignored");
	CHECK_STR(res.outcome, "short code sender");
	CHECK_INT(sms(&f, "1900123", C1, &res, &err), 1);	/* 7 digits: no number */
	CHECK_STR(res.kind, "ignored");
	CHECK_INT(res.replies, 0);
	CHECK_INT(sms(&f, "VIETTEL", C1, &res, &err), 1);
	CHECK_STR(res.outcome, "alphanumeric sender");
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit WHERE number IN"
	    " ('1900123', '19001234', 'VIETTEL')"), 0);

	/* Opt-out, then back in. */
	CHECK_INT(store_optout_get(f.store, OWNER, NULL), 0);
	got = one_reply(&f, OWNER, "TU CHOI", &rs);
	CHECK_STR(got, "Da ngung gui thong bao den so nay. Tra cuu van hoat dong."
	    " Soan DK de nhan lai thong bao.");
	CHECK_INT(store_optout_get(f.store, OWNER, NULL), 1);
	CHECK_STR(query(f.store, "SELECT kind FROM inbox ORDER BY id DESC LIMIT 1", out),
	    "optout");
	/* Lookups are still answered. */
	one_reply(&f, OWNER, C1, &rs);
	got = one_reply(&f, "0912345678", "DK", &rs);
	CHECK_STR(got, "Da dang ky nhan lai thong bao ve ho so. Soan TC de ngung.");
	CHECK_INT(store_optout_get(f.store, OWNER, NULL), 0);
	CHECK_STR(query(f.store, "SELECT kind FROM inbox ORDER BY id DESC LIMIT 1", out),
	    "optin");
	one_reply(&f, OWNER, "tc", &rs);
	CHECK_INT(store_optout_get(f.store, OWNER, NULL), 1);
	one_reply(&f, OWNER, "Đăng ký", &rs);
	CHECK_INT(store_optout_get(f.store, OWNER, NULL), 0);

	/* Empty text: handled, not answered. */
	CHECK_INT(sms(&f, OTHER, "  \n ", &res, &err), 1);
	CHECK_STR(res.kind, "empty");
	CHECK_INT(res.replies, 0);
	teardown(&f);
}

/* Several codes in one SMS: each answered, up to sms.max_codes, then one "too many". */
static void
test_many_codes(const char *records_path)
{
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;

	setup(&f, records_path, "");
	CHECK_INT(sms(&f, OTHER, "HS " C1 " " C2, &res, &err), 1);
	replies_of(&f, res.id, &rs);
	CHECK_INT(rs.n, 2);
	CHECK_INT(res.replies, 2);
	CHECK_INT(res.found, 2);
	CHECK(strncmp(rs.r[0].text, "Ho so " C1 ":", 32) == 0);
	CHECK(strncmp(rs.r[1].text, "Ho so " C2 ":", 32) == 0);

	CHECK_INT(sms(&f, OTHER, C1 "\n" C2 "\n" C3 "\n" C4, &res, &err), 1);
	replies_of(&f, res.id, &rs);
	CHECK_INT(rs.n, 4);
	CHECK_INT(res.found, 3);
	CHECK(strncmp(rs.r[0].text, "Ho so " C1 ":", 32) == 0);
	CHECK(strncmp(rs.r[1].text, "Ho so " C2 ":", 32) == 0);
	CHECK(strncmp(rs.r[2].text, "Ho so " C3 ":", 32) == 0);
	CHECK_STR(rs.r[3].text, "Tin nhan co 4 ma, chi tra loi 3 ma dau."
	    " Vui long gui cac ma con lai rieng.");
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit WHERE code = '" C4 "'"), 0);
	teardown(&f);

	setup(&f, records_path, "sms = { max_codes = 1; };\n");
	CHECK_INT(sms(&f, OTHER, C1 ", " CX "001", &res, &err), 1);
	replies_of(&f, res.id, &rs);
	CHECK_INT(rs.n, 2);
	CHECK(strncmp(rs.r[0].text, "Ho so " C1 ":", 32) == 0);
	CHECK_STR(rs.r[1].text, "Tin nhan co 2 ma, chi tra loi 1 ma dau."
	    " Vui long gui cac ma con lai rieng.");
	teardown(&f);
}

/* limits.misses_per_hour: answered, then one "limit" reply, then silence; an hour later again. */
static void
test_misses_limit(const char *records_path)
{
	static const char rate_limited[] =
	    "So nay da tra cuu qua so lan cho phep. Vui long thu lai sau.";
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;

	setup(&f, records_path, "limits = { misses_per_hour = 2; };\n");
	CHECK(strncmp(one_reply(&f, OTHER, CX "001", &rs), "Khong tim thay", 14) == 0);
	CHECK(strncmp(one_reply(&f, OTHER, CX "002", &rs), "Khong tim thay", 14) == 0);
	CHECK_STR(one_reply(&f, OTHER, CX "003", &rs), rate_limited);
	CHECK_INT(sms(&f, OTHER, CX "004", &res, &err), 1);
	CHECK_INT(res.replies, 0);
	replies_of(&f, res.id, &rs);
	CHECK_INT(rs.n, 0);
	CHECK_STR(res.kind, "lookup");
	CHECK(strncmp(res.outcome, "limited", 7) == 0);
	/* A real code is not answered either while the limit holds. */
	CHECK_INT(sms(&f, OTHER, C1, &res, &err), 1);
	CHECK_INT(res.replies, 0);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit WHERE number = '"
	    OTHER "' AND outcome = 'limited'"), 1);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit WHERE number = '"
	    OTHER "' AND outcome = 'not_found'"), 2);
	/* Another number is not affected; help still is answered. */
	CHECK(strncmp(one_reply(&f, OWNER, CX "005", &rs), "Khong tim thay", 14) == 0);
	CHECK(strncmp(one_reply(&f, OTHER, "HD", &rs), "Tra cuu ho so", 13) == 0);
	/* An hour later the misses have aged out. */
	f.ctx.now += 3601;
	CHECK(strncmp(one_reply(&f, OTHER, C1, &rs), "Ho so " C1, 31) == 0);
	CHECK(strncmp(one_reply(&f, OTHER, CX "006", &rs), "Khong tim thay", 14) == 0);
	teardown(&f);
}

/* limits.lookups_per_day, counting found and missed codes alike, and a new day. */
static void
test_lookups_limit(const char *records_path)
{
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;

	setup(&f, records_path, "limits = { lookups_per_day = 3; };\n");
	one_reply(&f, OTHER, C1, &rs);
	one_reply(&f, OTHER, CX "001", &rs);
	f.ctx.now += 4 * 3600;	/* 18:35, same day */
	one_reply(&f, OTHER, C2, &rs);
	CHECK_STR(one_reply(&f, OTHER, C3, &rs),
	    "So nay da tra cuu qua so lan cho phep. Vui long thu lai sau.");
	CHECK_INT(sms(&f, OTHER, C1, &res, &err), 1);
	CHECK_INT(res.replies, 0);
	CHECK_INT(sms(&f, OTHER, C4, &res, &err), 1);
	CHECK_INT(res.replies, 0);
	/* Other commands are not lookups. */
	one_reply(&f, OTHER, "HD", &rs);
	/* Someone else still may. */
	one_reply(&f, OWNER, C1, &rs);
	/* Tomorrow. */
	f.ctx.now += 8 * 3600;
	f.ctx.day_start += 86400;
	f.ctx.today++;
	CHECK(strstr(one_reply(&f, OTHER, C2, &rs), "qua han 7 ngay") != NULL);
	teardown(&f);
}

/* limits.replies_per_number_per_day: every kind of reply counts; opt-out still honoured. */
static void
test_reply_cap(const char *records_path)
{
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;
	char out[256];

	setup(&f, records_path, "limits = { replies_per_number_per_day = 2; };\n");
	one_reply(&f, OTHER, "HD", &rs);
	one_reply(&f, OTHER, C1, &rs);
	CHECK_INT(sms(&f, OTHER, "HD", &res, &err), 1);
	CHECK_INT(res.replies, 0);
	CHECK_STR(res.kind, "help");
	CHECK(strncmp(inbox_row(&f, res.id, out), "help,", 5) == 0);
	CHECK_INT(sms(&f, OTHER, C2, &res, &err), 1);
	CHECK_INT(res.replies, 0);
	CHECK_INT(sms(&f, OTHER, "TU CHOI", &res, &err), 1);
	CHECK_INT(res.replies, 0);
	CHECK_INT(store_optout_get(f.store, OTHER, NULL), 1);
	CHECK_INT(store_outbox_count(f.store, OTHER, LANE_BIT(LANE_REPLY), 0, NULL), 2);
	/* Others are not capped. */
	one_reply(&f, OWNER, "HD", &rs);
	/* The next day the cap starts again. */
	f.ctx.now += 86400;
	f.ctx.day_start += 86400;
	f.ctx.today++;
	one_reply(&f, OTHER, "HD", &rs);
	teardown(&f);
}

/* The records database unreadable: the message waits, then is handled. */
static void
test_records_missing(const char *records_path)
{
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct inbox_msg m;
	struct dz_err err;
	struct records *good;
	char missing[64], out[256];
	int64_t id;

	tmp_name(missing, sizeof(missing), "records-missing");
	unlink(missing);
	setup(&f, missing, "");
	CHECK_INT(sms(&f, OWNER, "tra cuu " C1, &res, &err), -1);
	CHECK(strstr(err.msg, missing) != NULL);
	CHECK_INT(store_inbox_next(f.store, &m, &err), 1);
	id = m.id;
	CHECK_STR(m.text, "tra cuu " C1);
	CHECK_STR(inbox_row(&f, id, out), "NULL");	/* kind, outcome still NULL */
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM inbox WHERE state = 'pending'"), 1);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox"), 0);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit"), 0);
	/* Again: still not. */
	CHECK_INT(inbound_handle_next(&f.ctx, &res, &err), -1);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox"), 0);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit"), 0);

	/* The file appears: the same records object picks it up. */
	make_records(missing);
	CHECK_INT(inbound_handle_next(&f.ctx, &res, &err), 1);
	CHECK_INT(res.id, id);
	replies_of(&f, id, &rs);
	CHECK_INT(rs.n, 1);
	CHECK(strstr(rs.r[0].text, "Dang ky khai sinh") != NULL);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit"), 1);
	CHECK_INT(inbound_handle_next(&f.ctx, &res, &err), 0);
	remove_db(missing);

	/* Gone again: the next lookup waits; another records object reads it. */
	CHECK_INT(sms(&f, OTHER, C2, &res, &err), -1);
	CHECK((good = records_new(records_path, 1000)) != NULL);
	f.ctx.records = good;
	CHECK_INT(inbound_handle_next(&f.ctx, &res, &err), 1);
	replies_of(&f, res.id, &rs);
	CHECK_INT(rs.n, 1);
	CHECK(strstr(rs.r[0].text, "qua han 6 ngay") != NULL);
	records_free(good);
	f.ctx.records = f.records;
	teardown(&f);
}

/* sms.charset = "unicode" keeps the diacritics. */
static void
test_unicode(const char *records_path)
{
	struct fx f;
	struct replies rs;

	setup(&f, records_path, "sms = { charset = \"unicode\"; };\n");
	CHECK_STR(one_reply(&f, OWNER, "tra cuu 000.00.12.h39 240824 1", &rs),
	    "Hồ sơ " C1 " (Đăng ký khai sinh): Đã có kết quả, mời đến nhận."
	    " Hẹn trả: 27/08/2024. Nơi nhận: Bộ phận một cửa UBND xã Hòa Tiến.");
	CHECK_STR(one_reply(&f, OTHER, C2, &rs),
	    "Hồ sơ " C2 ": Đang xử lý, quá hạn 6 ngày. Hẹn trả: 20/11/2026."
	    " Nơi nhận: Bộ phận một cửa UBND xã Hòa Tiến.");
	teardown(&f);
}

/* privacy.owner_only: status only to the number on the dossier. */
static void
test_owner_only(const char *records_path)
{
	struct fx f;
	struct replies rs;

	setup(&f, records_path, "privacy = { owner_only = true; };\n");
	CHECK_STR(one_reply(&f, OTHER, C1, &rs), "Ho so " C1 " chi tra cuu duoc"
	    " tu so dien thoai da dang ky khi nop ho so.");
	CHECK(strstr(one_reply(&f, OWNER, C1, &rs), "Dang ky khai sinh") != NULL);
	CHECK(strncmp(one_reply(&f, OTHER, CX "001", &rs), "Khong tim thay", 14) == 0);
	teardown(&f);
}

/* Staff commands: listed number and PIN; wrong PINs lock the number out for the day. */
static void
test_staff(const char *records_path)
{
	static const char denied[] = "Sai ma PIN hoac so khong duoc phep.";
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;

	setup(&f, records_path,
	    "staff = { numbers = [\"0912 000 111\"]; pin = \"2468\"; };\n");
	snprintf(f.ctx.balance, sizeof(f.ctx.balance), "25.000d");
	CHECK_STR(one_reply(&f, STAFF, "QT 2468 TT", &rs),
	    "dossierd: hang doi 0, da gui hom nay 0, loi 0, song ?, so du 25.000d.");
	CHECK(strstr(one_reply(&f, STAFF, "qt 2468 sd", &rs), "25.000d") != NULL);
	CHECK_STR(one_reply(&f, STAFF, "QT 2468 XYZ", &rs),
	    "Lenh khong duoc ho tro. Dung: QT <PIN> SD | TT | TB <danh sach> <noi dung> | OK <so> | HUY <so>.");
	CHECK_INT(rs.r[0].lane, LANE_STAFF);
	/* Right PIN from a number not on the list: a citizen's text, not denied. */
	CHECK(strncmp(one_reply(&f, OTHER, "QT 2468 TT", &rs),
	    "Chua dung cu phap", 17) == 0);
	CHECK_INT(rs.r[0].lane, LANE_REPLY);
	/* Wrong PINs: three answered, then silence even with the right PIN. */
	CHECK_STR(one_reply(&f, STAFF, "QT 1111 TT", &rs), denied);
	CHECK_STR(one_reply(&f, STAFF, "QT 2222 TT", &rs), denied);
	CHECK_STR(one_reply(&f, STAFF, "QT 3333 TT", &rs), denied);
	CHECK_INT(sms(&f, STAFF, "QT 2468 TT", &res, &err), 1);
	CHECK_STR(res.kind, "staff");
	CHECK_INT(res.replies, 0);
	/* Citizens' commands from that number still work. */
	one_reply(&f, STAFF, "HD", &rs);
	teardown(&f);
}

/*
 * Fail closed: when the counts behind the limits and the PIN lockout cannot
 * be read, nothing is answered and the message stays pending, then is
 * handled once the database is back.
 */
static void
test_fail_closed(const char *records_path)
{
	static const char audit_sql[] = "CREATE TABLE audit ("
	    "  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, number TEXT NOT NULL,"
	    "  code TEXT, outcome TEXT NOT NULL, owner INTEGER NOT NULL DEFAULT 0);";
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;
	int64_t staff_id;

	setup(&f, records_path, "staff = { numbers = [\"0912 000 111\"];"
	    " pin = \"2468\"; };\n");
	CHECK_INT(store_exec(f.store, "DROP TABLE audit", NULL, NULL, &err), 0);
	/* A staff command: the PIN lockout cannot be counted. */
	CHECK_INT(sms(&f, STAFF, "QT 2468 TT", &res, &err), -1);
	CHECK_INT(err.cls, DZ_ESTATE);
	CHECK(strstr(err.msg, "audit") != NULL);
	staff_id = res.id;
	/* A lookup (behind it): the per-number limits cannot be counted. */
	f.ctx.after_id = staff_id;
	CHECK_INT(sms(&f, OTHER, C1, &res, &err), -1);
	CHECK_INT(err.cls, DZ_ESTATE);
	CHECK(res.id > staff_id);
	f.ctx.after_id = 0;
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM inbox WHERE state = 'pending'"), 2);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox"), 0);
	/* Back: both waiting messages are answered, once each, in order. */
	CHECK_INT(store_exec(f.store, audit_sql, NULL, NULL, &err), 0);
	CHECK_INT(inbound_handle_next(&f.ctx, &res, &err), 1);
	CHECK(res.id == staff_id);
	replies_of(&f, res.id, &rs);
	CHECK_INT(rs.n, 1);
	CHECK_INT(rs.r[0].lane, LANE_STAFF);
	CHECK_INT(inbound_handle_next(&f.ctx, &res, &err), 1);
	replies_of(&f, res.id, &rs);
	CHECK_INT(rs.n, 1);
	CHECK(strncmp(rs.r[0].text, "Ho so " C1, 31) == 0);
	CHECK_INT(inbound_handle_next(&f.ctx, &res, &err), 0);
	teardown(&f);
}

/* A PIN that is a prefix of the right one, or the right one and more, is wrong. */
static void
test_pin_compare(const char *records_path)
{
	static const char denied[] = "Sai ma PIN hoac so khong duoc phep.";
	struct fx f;
	struct replies rs;

	setup(&f, records_path, "staff = { numbers = [\"0912 000 111\"]; "
	    "pin = \"2468\"; max_pin_failures = 5; };\n");
	CHECK_STR(one_reply(&f, STAFF, "QT 246 TT", &rs), denied);
	CHECK_STR(one_reply(&f, STAFF, "QT 24680 TT", &rs), denied);
	CHECK_STR(one_reply(&f, STAFF, "QT 2469 TT", &rs), denied);
	CHECK(strncmp(one_reply(&f, STAFF, "QT 2468 TT", &rs), "dossierd:", 9) == 0);
	teardown(&f);
}

/* An auto-responder: the same (or nearly the same) text again and again. */
static void
test_loop(const char *records_path)
{
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;
	char text[64];
	int i;

	setup(&f, records_path, "limits = { same_text_per_day = 4; };\n");
	/* Texts that differ only in their digits, case and diacritics. */
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "%s lúc 10:%02d", i % 2 ?
		    "Tin nhắn tự động" : "TIN NHAN TU DONG", 40 + i);
		one_reply(&f, OTHER, text, &rs);
	}
	CHECK_INT(sms(&f, OTHER, "tin nhan tu dong luc 10:59", &res, &err), 1);
	CHECK_INT(res.replies, 0);
	CHECK_STR(res.outcome, "same text again and again, not answered today");
	CHECK(strstr(res.warning, "...0111 sent the same text 4 times today") != NULL);
	/* Silent for the rest of the day whatever it sends, logged once. */
	CHECK_INT(sms(&f, OTHER, C1, &res, &err), 1);
	CHECK_INT(res.replies, 0);
	CHECK_STR(res.warning, "");
	/* An opt-out is still honoured. */
	CHECK_INT(sms(&f, OTHER, "TU CHOI", &res, &err), 1);
	CHECK_INT(res.replies, 0);
	CHECK_INT(store_optout_get(f.store, OTHER, NULL), 1);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM audit WHERE number = '"
	    OTHER "' AND outcome = 'loop'"), 1);
	/* Other numbers are not affected; lookups of different codes are not the same text. */
	one_reply(&f, OWNER, "HD", &rs);
	one_reply(&f, OWNER, C1, &rs);
	one_reply(&f, OWNER, C3, &rs);
	one_reply(&f, OWNER, CX "001", &rs);
	one_reply(&f, OWNER, CX "002", &rs);
	one_reply(&f, OWNER, C1, &rs);
	one_reply(&f, OWNER, C1, &rs);
	CHECK_INT(sms(&f, OWNER, C1, &res, &err), 1);
	CHECK_INT(res.replies, 0);
	/* Tomorrow it is answered again. */
	f.ctx.now += 86400;
	f.ctx.day_start += 86400;
	f.ctx.today++;
	one_reply(&f, OTHER, "tin nhan tu dong luc 11:00", &rs);
	teardown(&f);
}

/* Many numbers missing codes: lookup replies wait, the staff are told once an hour. */
static void
test_guessing_alarm(const char *records_path)
{
	struct fx f;
	struct replies rs;
	struct inbound_result res;
	struct dz_err err;
	char num[24], sql[160];
	int i;

	setup(&f, records_path, "limits = { global_misses_per_hour = 3;"
	    " alarm_delay = 90; };\n"
	    "staff = { numbers = [\"0912 000 111\", \"0912000222\"];"
	    " pin = \"2468\"; };\n");
	for (i = 0; i < 3; i++) {
		snprintf(num, sizeof(num), "+8498700020%d", i);
		CHECK(strncmp(one_reply(&f, num, CX "00" "1", &rs),
		    "Khong tim thay", 14) == 0);
	}
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox WHERE"
	    " next_at > created_at"), 0);
	/* The fourth lookup, a hit: held like a miss would be. */
	CHECK_INT(sms(&f, OWNER, C1, &res, &err), 1);
	CHECK_INT(res.replies, 1);
	CHECK(strstr(res.warning, "3 misses from 3 numbers in the last hour") != NULL);
	snprintf(sql, sizeof(sql), "SELECT next_at - created_at FROM outbox"
	    " WHERE inbox_id = %lld", (long long)res.id);
	CHECK_INT(query_int(f.store, sql), 90);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox WHERE lane = 1"
	    " AND text LIKE 'Canh bao dossierd: 3 lan tra cuu%'"), 2);
	/* Help is not a lookup: not held. Another miss: held, no second alert. */
	one_reply(&f, OTHER, "HD", &rs);
	CHECK_INT(sms(&f, OTHER, CX "009", &res, &err), 1);
	CHECK_STR(res.warning, "");
	snprintf(sql, sizeof(sql), "SELECT next_at - created_at FROM outbox"
	    " WHERE inbox_id = %lld", (long long)res.id);
	CHECK_INT(query_int(f.store, sql), 90);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox WHERE lane = 1"), 2);
	/* Half an hour on, still held and still no second alert; after the hour, none held. */
	f.ctx.now += 1800;
	CHECK_INT(sms(&f, OWNER, C3, &res, &err), 1);
	CHECK_STR(res.warning, "");
	f.ctx.now += 1900;
	CHECK_INT(sms(&f, OWNER, C1, &res, &err), 1);
	snprintf(sql, sizeof(sql), "SELECT next_at - created_at FROM outbox"
	    " WHERE inbox_id = %lld", (long long)res.id);
	CHECK_INT(query_int(f.store, sql), 0);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox WHERE lane = 1"), 2);
	teardown(&f);
}

/*
 * Nothing on a query's path reads a whole table: the state db keeps every
 * message (a year is some 300,000 of each), so a statement that scans one
 * gets slower every day. Receipt, answer, claim, sent part and delivery
 * report of found, missing and help queries, the recovery of messages in
 * flight and the expiry; then every statement they prepared must have
 * taken no full-scan step (full_scans, fixture.h).
 */
/* A pool's route check that lets every message through, counting them. */
static bool
route_all(void *arg, const struct out_msg *m)
{
	(void)m;
	(*(int *)arg)++;
	return true;
}

static void
test_no_full_scans(const char *records_path)
{
	static const char *const texts[] = {
		"HS " C1, "HS " CX "123", "HD", "hs " C2 " " C4, "HS 000.00.12.H39-241399-0001",
	};
	struct fx f;
	struct inbound_result res;
	struct out_msg *msg;
	struct delivery_match m;
	struct sent_part sp;
	struct dz_err err;
	struct job job;
	char num[16];
	int i, r, mr = 0, sent = 0, prepared = 0, routed = 0;

	setup(&f, records_path, "");
	CHECK((msg = malloc(sizeof(*msg))) != NULL);
	for (i = 0; i < 3 * (int)nitems(texts); i++) {
		r = sms(&f, i % 2 ? OWNER : OTHER, texts[i % nitems(texts)], &res,
		    &err);
		if (r != 1)
			fprintf(stderr, "query %d: %d: %s\n", i, r, err.msg);
		CHECK_INT(r, 1);
		/* Every other query's replies as a pool's modem takes them. */
		while ((r = i % 2 ? store_outbox_next_for(f.store, f.ctx.now,
		    LANE_ALL, "modem1", ",modem9,", route_all, &routed, msg,
		    &err) : store_outbox_next(f.store, f.ctx.now, LANE_ALL, msg,
		    &err)) == 1) {
			CHECK_INT(store_outbox_claim(f.store, msg->id, "modem1",
			    f.ctx.now, &err), 1);
			memset(&sp, 0, sizeof(sp));
			sp.part = sp.total = 1;
			sp.concat_ref = -1;
			sp.mr = mr++ % 256;
			sp.modem = "modem1";
			sp.report = true;
			CHECK_INT(store_outbox_part_sent(f.store, msg->id, &sp,
			    f.ctx.now, &err), 0);
			CHECK_INT(store_delivery_report(f.store, "modem1", sp.mr,
			    DLV_DELIVERED, 0, f.ctx.now, f.ctx.now, &m, &err), 1);
			sent++;
		}
		CHECK_INT(r, 0);
	}
	CHECK(sent >= 3 * (int)nitems(texts));
	CHECK(routed > 0);
	/* And what looks for messages in flight or past their time. */
	CHECK_INT(store_modem_claimed(f.store, "modem1", &err), 0);
	CHECK_INT(store_outbox_recover_modem(f.store, "modem1", f.ctx.now, &err),
	    0);
	CHECK(store_outbox_expire(f.store, f.ctx.now, &err) >= 0);
	CHECK_INT(full_scans(f.store, "a query's path"), 0);
	/* A broadcast of 1,200 numbers queued in batches of 500. */
	CHECK_INT(broadcast_prepare(&f.ctx, &job, "test", "file x",
	    "Thong bao: lich tiep dan thay doi", &err), 0);
	CHECK_INT(store_job_add(f.store, &job, &err), 0);
	CHECK_INT(store_begin(f.store, &err), 0);
	for (i = 0; i < 1200; i++) {
		snprintf(num, sizeof(num), "09%08d", 1000 + i);
		CHECK_INT(broadcast_add_number(&f.ctx, &job, num, &err), 0);
	}
	job.state = JOB_QUEUING;
	CHECK_INT(store_job_update(f.store, &job, &err), 0);
	CHECK_INT(store_commit(f.store, &err), 0);
	for (i = 0; (r = broadcast_queue_step(&f.ctx, &job, BROADCAST_BATCH,
	    &err)) == 0; i++)
		;
	CHECK_INT(r, 1);
	CHECK_INT(i, 2);
	CHECK_INT(job.enqueued, 1200);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox WHERE "
	    "broadcast_id IS NOT NULL"), 1200);
	for (i = 0; i < STORE_NSTMT && f.store->cache[i].sql != NULL; i++)
		prepared++;
	CHECK(prepared >= 10);
	CHECK_INT(full_scans(f.store, "a query's path, a pool's pick, a "
	    "broadcast's queueing"), 0);
	free(msg);
	teardown(&f);
}

int
main(void)
{
	char records[64];

	tmp_name(records, sizeof(records), "records");
	make_records(records);
	test_lookup(records);
	test_commands(records);
	test_many_codes(records);
	test_misses_limit(records);
	test_lookups_limit(records);
	test_reply_cap(records);
	test_records_missing(records);
	test_unicode(records);
	test_owner_only(records);
	test_staff(records);
	test_pin_compare(records);
	test_fail_closed(records);
	test_loop(records);
	test_guessing_alarm(records);
	test_no_full_scans(records);
	remove_db(records);
	CHECK_DONE();
}
