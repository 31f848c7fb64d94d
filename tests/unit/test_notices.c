/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/notices.c: records scans, the notices ledger, the notice lane and reminders, over real databases. */
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
#include "err.h"
#include "inbound.h"
#include "notices.h"
#include "policy.h"
#include "records.h"
#include "store.h"

#define WATERMARK	"notices.watermark"

#define OFFICE_TIEN	"Bộ phận một cửa UBND xã Hòa Tiến"
#define OFFICE_TIEN_A	"Bo phan mot cua UBND xa Hoa Tien"	/* as sent in ascii mode */
#define OFFICE_CHAU	"Bộ phận một cửa UBND xã Hòa Châu"
#define OFFICE_CHAU_A	"Bo phan mot cua UBND xa Hoa Chau"

/* The default templates.notice and templates.reminder, folded to ascii. */
#define NOTICE(code, office) \
	"Ho so " code " da co ket qua. Moi den nhan tai " office \
	". Soan TC de ngung nhan tin."
#define REMINDER(n, code, office) \
	"Nhac lan " n ": ket qua ho so " code " dang cho tai " office \
	". Soan TC de ngung."

/* Today is 2026-11-26 (see fixed_clock); the default backfill_days 3 gives 2026-11-23. */
#define CUTOFF_DAY	"2026-11-23"

/* One row of the records database's dossiers table. */
struct row {
	const char	*code;
	const char	*phone;		/* NULL: SQL NULL */
	const char	*office;
	int		 status;
	int		 notify_sms;
	const char	*finished_at;	/* NULL: SQL NULL */
	const char	*updated_at;
};

/* One outbox row. */
struct obrow {
	long long	 id;
	int		 lane;
	char		 number[STORE_NUM_MAX];
	char		 text[STORE_TEXT_MAX];
	long long	 created_at, next_at, expires_at;
	char		 last_error[80];
};

/* Every counter of a notices_result, checked at the caller's line. */
#define CHECK_RES(r, scanned_, queued_, skipped_, reminders_, stopped_) do {	\
	CHECK_INT((r).scanned, (scanned_));				\
	CHECK_INT((r).queued, (queued_));				\
	CHECK_INT((r).skipped, (skipped_));				\
	CHECK_INT((r).reminders, (reminders_));				\
	CHECK_INT((r).stopped, (stopped_));				\
	CHECK(!(r).more);						\
} while (0)

/* Run sql on the records database, as the records software would. */
static void
rec_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "records: %s: %s\n", sql, msg);
		CHECK(!"records sql");
	}
	sqlite3_close(db);
}

static void
bind_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		CHECK(sqlite3_bind_null(st, i) == SQLITE_OK);
	else
		CHECK(sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) == SQLITE_OK);
}

/* Insert rows into the records database at path. */
static void
add_rows(const char *path, const struct row *rows, size_t n)
{
	static const char sql[] = "INSERT INTO dossiers (code, procedure,"
	    " applicant, phone, office, status, received_at, due_at,"
	    " finished_at, returned_at, notify_sms, updated_at) VALUES (?,"
	    " 'Đăng ký khai sinh', 'Nguyễn Văn An', ?, ?, ?, '2026-11-20',"
	    " '2026-11-27', ?, NULL, ?, ?)";
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t i;

	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
	for (i = 0; i < n; i++) {
		CHECK(sqlite3_bind_text(st, 1, rows[i].code, -1, SQLITE_STATIC) ==
		    SQLITE_OK);
		bind_or_null(st, 2, rows[i].phone);
		bind_or_null(st, 3, rows[i].office);
		CHECK(sqlite3_bind_int(st, 4, rows[i].status) == SQLITE_OK);
		bind_or_null(st, 5, rows[i].finished_at);
		CHECK(sqlite3_bind_int(st, 6, rows[i].notify_sms) == SQLITE_OK);
		bind_or_null(st, 7, rows[i].updated_at);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "records: %s: %s\n", rows[i].code,
			    sqlite3_errmsg(db));
			CHECK(!"records insert");
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* A records database at path, with etc/records-schema.sql and rows. */
static void
make_records(const char *path, const struct row *rows, size_t n)
{
	records_db(path, NULL);
	add_rows(path, rows, n);
}

static void
setup(struct fx *f, const char *records_path, const char *extra)
{
	setup_rec(f, records_path, "", extra);
}

/* The ledger row (code, kind, n) as "outcome|number|outbox_id|next_at", "" if absent. */
static const char *
ledger(struct fx *f, const char *code, const char *kind, int n, char out[256])
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT outcome || '|' || coalesce(number, '')"
	    " || '|' || coalesce(outbox_id, '') || '|' || coalesce(next_at, '')"
	    " FROM notices WHERE code = '%s' AND kind = '%s' AND n = %d",
	    code, kind, n);
	return query(f->store, sql, out);
}

/* The ledger's outcome for (code, kind, n), "" if absent. */
static const char *
outcome_of(struct fx *f, const char *code, const char *kind, int n, char out[256])
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT outcome FROM notices WHERE code = '%s'"
	    " AND kind = '%s' AND n = %d", code, kind, n);
	return query(f->store, sql, out);
}

/* Next reminder of code's ready row relative to ctx.now at the scan (t0), or -1 if none. */
static long long
next_in(struct fx *f, const char *code, time_t t0)
{
	char sql[256], out[256];

	snprintf(sql, sizeof(sql), "SELECT coalesce(next_at - %lld, -1) FROM"
	    " notices WHERE code = '%s' AND kind = 'ready'", (long long)t0, code);
	query(f->store, sql, out);
	CHECK(out[0] != '\0');	/* the ready row exists */
	return atoll(out);
}

static long long
count(struct fx *f, const char *table)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return query_int(f->store, sql);
}

static int
cb_obrow(void *arg, int ncol, char **vals, char **names)
{
	struct obrow *o = arg;

	(void)names;
	CHECK_INT(ncol, 8);
	o->id = atoll(vals[0]);
	o->lane = atoi(vals[1]);
	snprintf(o->number, sizeof(o->number), "%s", vals[2]);
	snprintf(o->text, sizeof(o->text), "%s", vals[3]);
	o->created_at = atoll(vals[4]);
	o->next_at = atoll(vals[5]);
	o->expires_at = atoll(vals[6]);
	snprintf(o->last_error, sizeof(o->last_error), "%s",
	    vals[7] ? vals[7] : "");
	return 0;
}

/* The outbox row of the ledger row (code, kind, n); the ledger row must point at one. */
static void
outbox_of(struct fx *f, const char *code, const char *kind, int n,
    struct obrow *o)
{
	struct dz_err err;
	char sql[512];

	memset(o, 0, sizeof(*o));
	snprintf(sql, sizeof(sql), "SELECT o.id, o.lane, o.number, o.text,"
	    " o.created_at, o.next_at, o.expires_at, o.last_error FROM notices n"
	    " JOIN outbox o ON o.id = n.outbox_id WHERE n.code = '%s' AND"
	    " n.kind = '%s' AND n.n = %d", code, kind, n);
	if (store_exec(f->store, sql, cb_obrow, o, &err) == -1) {
		fprintf(stderr, "%s\n", err.msg);
		CHECK(!"store_exec");
	}
	if (o->id == 0)
		fprintf(stderr, "no outbox row for %s %s %d\n", code, kind, n);
	CHECK(o->id > 0);
}

static const char *
watermark(struct fx *f, char buf[32])
{
	if (store_meta_get(f->store, WATERMARK, buf, 32, NULL) != 1)
		snprintf(buf, 32, "%s", "(none)");
	return buf;
}

static void
set_watermark(struct fx *f, const char *v)
{
	struct dz_err err;

	CHECK_INT(store_meta_set(f->store, WATERMARK, v, &err), 0);
}

static void
scan(struct fx *f, struct notices_result *res)
{
	struct dz_err err;
	int r;

	memset(res, 0x55, sizeof(*res));	/* every field must be set */
	if ((r = notices_scan(&f->ctx, res, &err)) != 0)
		fprintf(stderr, "notices_scan: %d: %s\n", r, err.msg);
	CHECK_INT(r, 0);
}

static void
remind(struct fx *f, time_t now, struct notices_result *res)
{
	struct dz_err err;
	int r;

	f->ctx.now = now;
	memset(res, 0x55, sizeof(*res));
	if ((r = notices_remind(&f->ctx, res, &err)) != 0)
		fprintf(stderr, "notices_remind: %d: %s\n", r, err.msg);
	CHECK_INT(r, 0);
	CHECK_INT(res->scanned, 0);
	CHECK_INT(res->queued, 0);
	CHECK_INT(res->skipped, 0);
}

#define R_READY		"000.00.12.H39-261120-0001"
#define R_EDGE		"000.00.12.H39-261120-0002"
#define R_LATE		"000.00.12.H39-261101-0003"
#define R_EARLY		"000.00.12.H39-261101-0004"
#define R_NOSMS		"000.00.12.H39-261120-0005"
#define R_LAND		"000.00.12.H39-261120-0006"
#define R_EMPTY		"000.00.12.H39-261120-0007"
#define R_NULL		"000.00.12.H39-261120-0008"
#define R_OPTOUT	"000.00.12.H39-261120-0009"
#define R_WIP		"000.00.12.H39-261120-0010"
#define R_DONE		"000.00.12.H39-261120-0011"
#define R_OLD		"000.00.12.H39-261101-0012"
#define R_SKEW		"000.00.12.H39-261120-0013"
#define R_LOST		"000.00.12.H39-261120-0014"

/*
 * The first scan (backfill window, every skip reason), scanning again,
 * the watermark moved back, rows a slow clock wrote behind the watermark.
 */
static void
test_scan(void)
{
	static const struct {
		struct row	 row;
		const char	*outcome;	/* NULL: no ledger row */
		const char	*number;	/* the ledger's number column, normalised */
	} cases[] = {
		/* Ready today: the notice. */
		{ { R_READY, "0912 345 678", OFFICE_TIEN, 9, 1,
		    "2026-11-26T09:00:00", "2026-11-26T09:00:00" },
		    "queued", "+84912345678" },
		/* Changed and finished at the very start of the backfill day. */
		{ { R_EDGE, "0905 111 222", OFFICE_TIEN, 9, 1,
		    CUTOFF_DAY "T00:00:00", CUTOFF_DAY "T00:00:00" },
		    "queued", "+84905111222" },
		/* Changed inside the window, finished before it. */
		{ { R_LATE, "0905 222 333", OFFICE_TIEN, 9, 1,
		    "2026-11-10T10:00:00", "2026-11-24T09:00:00" },
		    "skipped: ready before backfill window", "" },
		{ { R_EARLY, "0905 222 444", OFFICE_TIEN, 9, 1,
		    "2026-11-22T23:59:59", "2026-11-23T08:00:00" },
		    "skipped: ready before backfill window", "" },
		{ { R_NOSMS, "0905 333 444", OFFICE_TIEN, 9, 0,
		    "2026-11-25T10:00:00", "2026-11-25T10:00:00" },
		    "skipped: no consent to SMS", "" },
		/* A Đà Nẵng landline, an empty and a missing number. */
		{ { R_LAND, "0236 3812 345", OFFICE_TIEN, 9, 1,
		    "2026-11-25T10:01:00", "2026-11-25T10:01:00" },
		    "skipped: no mobile number", "+842363812345" },
		{ { R_EMPTY, "", OFFICE_TIEN, 9, 1,
		    "2026-11-25T10:02:00", "2026-11-25T10:02:00" },
		    "skipped: no mobile number", "" },
		{ { R_NULL, NULL, OFFICE_TIEN, 9, 1,
		    "2026-11-25T10:03:00", "2026-11-25T10:03:00" },
		    "skipped: no mobile number", "" },
		{ { R_OPTOUT, "0987.654.321", OFFICE_TIEN, 9, 1,
		    "2026-11-25T10:04:00", "2026-11-25T10:04:00" },
		    "skipped: opted out", "+84987654321" },
		/* Not in a notice status: read, nothing recorded. */
		{ { R_WIP, "0905 555 666", OFFICE_TIEN, 4, 1,
		    NULL, "2026-11-25T08:00:00" }, NULL, NULL },
		{ { R_DONE, "0905 555 777", OFFICE_TIEN, 10, 1,
		    "2026-11-24T08:00:00", "2026-11-25T08:30:00" }, NULL, NULL },
		/* Changed before the backfill window: not even read. */
		{ { R_OLD, "0905 777 888", OFFICE_TIEN, 9, 1,
		    "2026-11-20T08:00:00", "2026-11-22T08:00:00" }, NULL, NULL },
	};
	const int nread = (int)nitems(cases) - 1;	/* all but R_OLD */
	struct row rows[nitems(cases)];
	struct fx f;
	struct notices_result res;
	struct obrow o;
	struct dz_err err;
	char records[64], out[256], want[256], wm[32];
	size_t i;

	tmp_name(records, sizeof(records), "records");
	for (i = 0; i < nitems(cases); i++)
		rows[i] = cases[i].row;
	make_records(records, rows, nitems(rows));
	setup(&f, records, "");
	CHECK_INT(store_optout_set(f.store, "+84987654321", true, "sms",
	    f.ctx.now - 3600, &err), 1);
	CHECK_STR(watermark(&f, wm), "(none)");

	/* The first scan: only rows changed since 2026-11-23. */
	scan(&f, &res);
	CHECK_RES(res, nread, 2, 7, 0, 0);
	CHECK_INT(res.deferred, 0);
	CHECK_STR(watermark(&f, wm), "2026-11-26T09:00:00");
	for (i = 0; i < nitems(cases); i++) {
		if (strcmp(outcome_of(&f, cases[i].row.code, "ready", 0, out),
		    cases[i].outcome ? cases[i].outcome : "") != 0)
			fprintf(stderr, "case %s\n", cases[i].row.code);
		CHECK_STR(out, cases[i].outcome ? cases[i].outcome : "");
		snprintf(want, sizeof(want), "SELECT count(*) FROM notices"
		    " WHERE code = '%s'", cases[i].row.code);
		CHECK_INT(query_int(f.store, want), cases[i].outcome ? 1 : 0);
		if (cases[i].outcome == NULL || strcmp(cases[i].outcome,
		    "queued") == 0)
			continue;
		/* Skipped: no outbox row, no reminders. */
		snprintf(want, sizeof(want), "%s|%s||", cases[i].outcome,
		    cases[i].number);
		CHECK_STR(ledger(&f, cases[i].row.code, "ready", 0, out), want);
	}
	CHECK_INT(count(&f, "notices"), 9);

	/* The ready dossier in detail: one ledger row, one notice. */
	CHECK_INT(count(&f, "outbox"), 2);
	outbox_of(&f, R_READY, "ready", 0, &o);
	CHECK_INT(o.lane, LANE_NOTICE);
	CHECK_STR(o.number, "+84912345678");
	CHECK_STR(o.text, NOTICE(R_READY, OFFICE_TIEN_A));
	CHECK(strstr(o.text, R_READY) != NULL);
	CHECK(strstr(o.text, OFFICE_TIEN_A) != NULL);
	CHECK(strstr(o.text, "Soan TC") != NULL);
	CHECK(is_ascii(o.text));
	CHECK(strlen(o.text) <= 160);	/* one GSM-7 SMS */
	CHECK(strstr(o.text, "Nguyen") == NULL);	/* never the applicant */
	CHECK_INT(o.created_at, f.ctx.now);
	CHECK_INT(o.next_at, f.ctx.now);	/* due now: the sender keeps the window */
	CHECK_INT(o.expires_at, 0);
	CHECK_STR(o.last_error, "");
	snprintf(want, sizeof(want), "queued|+84912345678|%lld|%lld", o.id,
	    (long long)f.ctx.now + 3 * 86400);	/* reminder_days [3, 7] */
	CHECK_STR(ledger(&f, R_READY, "ready", 0, out), want);
	snprintf(want, sizeof(want), "SELECT created_at FROM notices WHERE"
	    " code = '%s'", R_READY);
	CHECK_INT(query_int(f.store, want), f.ctx.now);
	outbox_of(&f, R_EDGE, "ready", 0, &o);
	CHECK_STR(o.text, NOTICE(R_EDGE, OFFICE_TIEN_A));
	CHECK_STR(o.number, "+84905111222");

	/* Again, later: R_READY is read again (the rescan margin), nothing new. */
	f.ctx.now += 60;
	scan(&f, &res);
	CHECK_RES(res, 1, 0, 0, 0, 0);
	CHECK_INT(count(&f, "notices"), 9);
	CHECK_INT(count(&f, "outbox"), 2);
	CHECK_STR(watermark(&f, wm), "2026-11-26T09:00:00");

	/* The watermark moved back to the backfill day: all read again, nothing new. */
	set_watermark(&f, CUTOFF_DAY "T00:00:00");
	scan(&f, &res);
	CHECK_RES(res, nread, 0, 0, 0, 0);
	CHECK_INT(count(&f, "notices"), 9);
	CHECK_INT(count(&f, "outbox"), 2);
	CHECK_STR(watermark(&f, wm), "2026-11-26T09:00:00");

	/*
	 * A clerk's PC 5 minutes slow writes a row just behind the watermark:
	 * inside the 600 s margin, read. One 15 minutes behind is outside it.
	 */
	{
		const struct row late[] = {
			{ R_SKEW, "0905 888 999", OFFICE_TIEN, 9, 1,
			    "2026-11-26T08:55:00", "2026-11-26T08:55:00" },
			{ R_LOST, "0905 888 000", OFFICE_TIEN, 9, 1,
			    "2026-11-26T08:45:00", "2026-11-26T08:45:00" },
		};

		add_rows(records, late, nitems(late));
	}
	scan(&f, &res);
	CHECK_RES(res, 2, 1, 0, 0, 0);	/* R_SKEW and R_READY */
	CHECK_STR(outcome_of(&f, R_SKEW, "ready", 0, out), "queued");
	CHECK_STR(outcome_of(&f, R_LOST, "ready", 0, out), "");
	CHECK_INT(count(&f, "outbox"), 3);
	CHECK_STR(watermark(&f, wm), "2026-11-26T09:00:00");

	/*
	 * Back before the first scan's window: the backfill date was kept, so
	 * R_OLD (finished before it) is recorded as skipped, not noticed; R_LOST
	 * is found; everything else is already in the ledger.
	 */
	set_watermark(&f, "2026-11-01T00:00:00");
	scan(&f, &res);
	CHECK_RES(res, nread + 3, 1, 1, 0, 0);
	CHECK_STR(outcome_of(&f, R_OLD, "ready", 0, out),
	    "skipped: ready before backfill window");
	CHECK_STR(outcome_of(&f, R_LOST, "ready", 0, out), "queued");
	CHECK_INT(count(&f, "notices"), 12);
	CHECK_INT(count(&f, "outbox"), 4);
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox WHERE lane <> 2"), 0);
	CHECK_STR(watermark(&f, wm), "2026-11-26T09:00:00");

	/* The dossier leaves status 9 and comes back: never a second notice. */
	rec_exec(records, "UPDATE dossiers SET status = 10, updated_at ="
	    " '2026-11-26T10:00:00' WHERE code = '" R_READY "'");
	scan(&f, &res);
	CHECK_RES(res, 2, 0, 0, 0, 0);	/* R_SKEW (08:55) and R_READY */
	CHECK_STR(watermark(&f, wm), "2026-11-26T10:00:00");
	rec_exec(records, "UPDATE dossiers SET status = 9, updated_at ="
	    " '2026-11-26T11:00:00' WHERE code = '" R_READY "'");
	scan(&f, &res);
	CHECK_RES(res, 1, 0, 0, 0, 0);
	CHECK_INT(count(&f, "notices"), 12);
	CHECK_INT(count(&f, "outbox"), 4);
	CHECK_STR(watermark(&f, wm), "2026-11-26T11:00:00");

	/* Opting in again does not revive a skipped notice. */
	CHECK_INT(store_optout_set(f.store, "+84987654321", false, "sms",
	    f.ctx.now, &err), 1);
	set_watermark(&f, CUTOFF_DAY "T00:00:00");
	scan(&f, &res);
	CHECK_INT(res.queued, 0);
	CHECK_STR(outcome_of(&f, R_OPTOUT, "ready", 0, out), "skipped: opted out");
	CHECK_INT(count(&f, "outbox"), 4);
	teardown(&f);
	remove_db(records);
}

/* backfill_days sets the first scan's window: 0 means today only. */
static void
test_backfill_days(void)
{
	static const struct {
		const char	*conf;
		int		 scanned, queued, skipped;
		const char	*outcome;	/* of R_LATE */
	} cases[] = {
		/* Default 3 days: R_LATE (finished 11-25) and R_READY. */
		{ "", 2, 2, 0, "queued" },
		/* Today only: R_LATE changed today but finished yesterday. */
		{ "notices = { backfill_days = 0; };\n", 2, 1, 1,
		    "skipped: ready before backfill window" },
		/* 30 days: R_OLD too. */
		{ "notices = { backfill_days = 30; };\n", 3, 3, 0, "queued" },
	};
	const struct row rows[] = {
		{ R_READY, "0912 345 678", OFFICE_TIEN, 9, 1,
		    "2026-11-26T09:00:00", "2026-11-26T09:00:00" },
		{ R_LATE, "0905 111 222", OFFICE_TIEN, 9, 1,
		    "2026-11-25T16:00:00", "2026-11-26T08:00:00" },
		{ R_OLD, "0905 222 333", OFFICE_TIEN, 9, 1,
		    "2026-11-20T16:00:00", "2026-11-20T16:00:00" },
	};
	struct fx f;
	struct notices_result res;
	char records[64], out[256];
	size_t i;

	tmp_name(records, sizeof(records), "records");
	make_records(records, rows, nitems(rows));
	for (i = 0; i < nitems(cases); i++) {
		setup(&f, records, cases[i].conf);
		scan(&f, &res);
		if (res.scanned != cases[i].scanned || res.queued != cases[i].queued)
			fprintf(stderr, "case %zu\n", i);
		CHECK_RES(res, cases[i].scanned, cases[i].queued,
		    cases[i].skipped, 0, 0);
		CHECK_STR(outcome_of(&f, R_LATE, "ready", 0, out),
		    cases[i].outcome);
		CHECK_STR(outcome_of(&f, R_READY, "ready", 0, out), "queued");
		teardown(&f);
	}
	remove_db(records);
}

/* offices: the first entry whose match (folded) is in the office and has a text. */
static void
test_offices(void)
{
	static const char code[] = "000.00.12.H39-261120-0021";
	static const struct {
		const char	*conf;
		const char	*office;
		const char	*want;
	} cases[] = {
		{ "offices = ( { match = \"hoa chau\"; notice = \"Mot cua Hoa Chau:"
		    " ho so {code} da co ket qua, moi den {office}. Soan TC de"
		    " ngung.\"; } );\n", OFFICE_CHAU,
		    "Mot cua Hoa Chau: ho so 000.00.12.H39-261120-0021 da co ket"
		    " qua, moi den " OFFICE_CHAU_A ". Soan TC de ngung." },
		/* Case and diacritics do not matter on either side. */
		{ "offices = ( { match = \"HÒA CHÂU\"; notice = \"HC {code}\"; } );\n",
		    OFFICE_CHAU, "HC 000.00.12.H39-261120-0021" },
		{ "offices = ( { match = \"hoa chau\"; notice = \"HC {code}\"; } );\n",
		    "BỘ PHẬN MỘT CỬA UBND XÃ HÒA CHÂU", "HC 000.00.12.H39-261120-0021" },
		{ "offices = ( { match = \"  xã   Hòa  Châu \"; notice = \"HC {code}\"; } );\n",
		    OFFICE_CHAU, "HC 000.00.12.H39-261120-0021" },
		/* No match: templates.notice. */
		{ "offices = ( { match = \"hoa chau\"; notice = \"HC {code}\"; } );\n",
		    OFFICE_TIEN, NOTICE("000.00.12.H39-261120-0021", OFFICE_TIEN_A) },
		/* A match anywhere in the office is enough. */
		{ "offices = ( { match = \"hoa chau\"; notice = \"HC {code}\"; } );\n",
		    "Bộ phận một cửa UBND xã Hòa Châu Đông", "HC 000.00.12.H39-261120-0021" },
		/* The first match wins... */
		{ "offices = ( { match = \"ubnd\"; notice = \"A {code}\"; },"
		    " { match = \"hoa chau\"; notice = \"B {code}\"; } );\n",
		    OFFICE_CHAU, "A 000.00.12.H39-261120-0021" },
		/* ... among those that have a notice text. */
		{ "offices = ( { match = \"hoa chau\"; reminder = \"R {code} {n}\"; },"
		    " { match = \"ubnd\"; notice = \"B {code} {office}\"; } );\n",
		    OFFICE_CHAU, "B 000.00.12.H39-261120-0021 " OFFICE_CHAU_A },
		{ "offices = ( { match = \"hoa chau\"; reminder = \"R {code} {n}\"; } );\n",
		    OFFICE_CHAU, NOTICE("000.00.12.H39-261120-0021", OFFICE_CHAU_A) },
		/* The unicode charset keeps the diacritics of the office. */
		{ "sms = { charset = \"unicode\"; };\n"
		    "offices = ( { match = \"hoa chau\"; notice = \"Mời đến {office}\"; } );\n",
		    OFFICE_CHAU, "Mời đến " OFFICE_CHAU },
	};
	struct fx f;
	struct notices_result res;
	struct obrow o;
	struct row row = { code, "0912 345 678", NULL, 9, 1,
	    "2026-11-26T09:00:00", "2026-11-26T09:00:00" };
	char records[64];
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		tmp_name(records, sizeof(records), "records");
		row.office = cases[i].office;
		make_records(records, &row, 1);
		setup(&f, records, cases[i].conf);
		scan(&f, &res);
		CHECK_RES(res, 1, 1, 0, 0, 0);
		outbox_of(&f, code, "ready", 0, &o);
		if (strcmp(o.text, cases[i].want) != 0)
			fprintf(stderr, "case %zu\n", i);
		CHECK_STR(o.text, cases[i].want);
		CHECK_INT(o.lane, LANE_NOTICE);
		teardown(&f);
		remove_db(records);
	}
}

/* A text that cannot be rendered is skipped and counted; the scan goes on. */
static void
test_unrenderable(void)
{
	static const char conf[] =
	    "notices = { day_seconds = 10; reminder_days = [1]; };\n"
	    "offices = ( { match = \"dai phat thanh\";"
	    " notice = \"{office}{office}{office}{office}{office}\"; },"
	    " { match = \"xa hoa chau\";"
	    " reminder = \"{office}{office}{office}{office}{office}\"; } );\n";
	char office[256], chau[256], records[64], out[256];
	struct row rows[] = {
		{ "000.00.12.H39-261120-0031", "0912 345 678", office, 9, 1,
		    "2026-11-26T09:00:00", "2026-11-26T09:00:00" },
		{ "000.00.12.H39-261120-0032", "0905 111 222", OFFICE_TIEN, 9, 1,
		    "2026-11-26T09:01:00", "2026-11-26T09:01:00" },
		{ "000.00.12.H39-261120-0033", "0905 222 333", chau, 9, 1,
		    "2026-11-26T09:02:00", "2026-11-26T09:02:00" },
	};
	struct fx f;
	struct notices_result res;
	time_t t0;

	/* 5 x 240 bytes do not fit the 1023 a notice may have before it is cut to SMS size. */
	snprintf(office, sizeof(office), "Dai phat thanh %0225d", 0);
	snprintf(chau, sizeof(chau), "UBND xa Hoa Chau %0223d", 0);
	CHECK_INT(strlen(office), 240);
	CHECK_INT(strlen(chau), 240);
	tmp_name(records, sizeof(records), "records");
	make_records(records, rows, nitems(rows));
	setup(&f, records, conf);
	t0 = f.ctx.now;
	scan(&f, &res);
	CHECK_RES(res, 3, 2, 1, 0, 0);
	CHECK_STR(ledger(&f, rows[0].code, "ready", 0, out),
	    "skipped: text could not be rendered|+84912345678||");
	CHECK_STR(outcome_of(&f, rows[1].code, "ready", 0, out), "queued");
	CHECK_STR(outcome_of(&f, rows[2].code, "ready", 0, out), "queued");
	CHECK_INT(count(&f, "outbox"), 2);
	CHECK_STR(watermark(&f, out), "2026-11-26T09:02:00");

	/* Its reminder cannot be rendered: the series ends, the other one goes on. */
	remind(&f, t0 + 10, &res);
	CHECK_INT(res.reminders, 1);
	CHECK_INT(res.stopped, 1);
	CHECK_STR(outcome_of(&f, rows[1].code, "reminder", 1, out), "queued");
	CHECK_STR(outcome_of(&f, rows[2].code, "reminder", 1, out), "");
	CHECK_INT(next_in(&f, rows[2].code, t0), -1);
	CHECK_INT(next_in(&f, rows[1].code, t0), -1);	/* reminder_days has one */
	CHECK_INT(count(&f, "outbox"), 3);
	remind(&f, t0 + 1000, &res);
	CHECK_INT(res.reminders, 0);
	CHECK_INT(res.stopped, 0);
	teardown(&f);
	remove_db(records);
}

/* notices.per_number_per_day: a further notice waits for tomorrow's window. */
static void
test_daily_cap(void)
{
	static const struct {
		struct row	 row;
		bool		 held;
	} cases[] = {
		/* The first to this number today goes now, the second waits. */
		{ { "000.00.12.H39-261120-0041", "0912 345 678", OFFICE_TIEN, 9, 1,
		    "2026-11-26T09:00:00", "2026-11-26T09:00:00" }, false },
		{ { "000.00.12.H39-261120-0042", "+84 912 345 678", OFFICE_TIEN, 9, 1,
		    "2026-11-26T10:00:00", "2026-11-26T10:00:00" }, true },
		{ { "000.00.12.H39-261120-0043", "0912.345.678", OFFICE_TIEN, 9, 1,
		    "2026-11-26T11:00:00", "2026-11-26T11:00:00" }, true },
		/* A reply to this number today does not count. */
		{ { "000.00.12.H39-261120-0044", "0905 111 222", OFFICE_TIEN, 9, 1,
		    "2026-11-26T09:00:00", "2026-11-26T09:00:00" }, false },
		/* Nor does yesterday's notice. */
		{ { "000.00.12.H39-261120-0045", "0905 222 333", OFFICE_TIEN, 9, 1,
		    "2026-11-26T09:00:00", "2026-11-26T09:00:00" }, false },
		/* A broadcast today does. */
		{ { "000.00.12.H39-261120-0046", "0905 333 444", OFFICE_TIEN, 9, 1,
		    "2026-11-26T09:00:00", "2026-11-26T09:00:00" }, true },
	};
	/* 07:30 tomorrow, when the default notices.window opens. */
	const long long tomorrow = 86400 + 7 * 3600 + 30 * 60;
	struct row rows[nitems(cases)];
	struct fx f;
	struct notices_result res;
	struct obrow o;
	struct dz_err err;
	char records[64];
	size_t i;
	int held;

	tmp_name(records, sizeof(records), "records");
	for (i = 0; i < nitems(cases); i++)
		rows[i] = cases[i].row;
	make_records(records, rows, nitems(rows));
	setup(&f, records, "notices = { per_number_per_day = 1; };\n");
	CHECK(store_outbox_add(f.store, LANE_REPLY, "+84905111222", "reply",
	    f.ctx.now - 60, f.ctx.now + 86400, 0, &err) > 0);
	CHECK(store_outbox_add(f.store, LANE_NOTICE, "+84905222333", "yesterday",
	    f.ctx.day_start - 1, 0, 0, &err) > 0);
	CHECK(store_outbox_add(f.store, LANE_BROADCAST, "+84905333444",
	    "broadcast", f.ctx.day_start, 0, 0, &err) > 0);
	scan(&f, &res);
	CHECK_RES(res, (int)nitems(cases), (int)nitems(cases), 0, 0, 0);
	for (i = 0, held = 0; i < nitems(cases); i++)
		held += cases[i].held;
	CHECK_INT(res.deferred, held);
	for (i = 0; i < nitems(cases); i++) {
		outbox_of(&f, cases[i].row.code, "ready", 0, &o);
		if ((o.next_at != f.ctx.now) != cases[i].held)
			fprintf(stderr, "case %s\n", cases[i].row.code);
		CHECK_INT(o.lane, LANE_NOTICE);
		CHECK_INT(o.created_at, f.ctx.now);
		if (cases[i].held) {
			CHECK(o.next_at >= f.ctx.day_start + 86400);
			CHECK_INT(o.next_at - f.ctx.day_start, tomorrow);
			CHECK_STR(o.last_error, "held: daily cap for this number");
		} else {
			CHECK_INT(o.next_at, f.ctx.now);
			CHECK_STR(o.last_error, "");
		}
	}
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM outbox WHERE lane = 2 AND"
	    " number = '+84912345678'"), 3);
	teardown(&f);
	remove_db(records);
}

#define M_CODE	"000.00.12.H39-261120-0051"

/* Reminders on a shortened day: due times, texts, the end of the series. */
static void
test_reminders(void)
{
	static const struct {
		int		 at;		/* seconds after the notice */
		int		 reminders;	/* queued by this call */
		long long	 next;		/* then due, -1 none */
		const char	*text;		/* of the reminder queued */
	} steps[] = {
		{ 0, 0, 10, NULL },
		{ 5, 0, 10, NULL },
		{ 9, 0, 10, NULL },
		{ 10, 1, 20, REMINDER("1", M_CODE, OFFICE_TIEN_A) },
		{ 10, 0, 20, NULL },
		{ 19, 0, 20, NULL },
		{ 20, 1, -1, REMINDER("2", M_CODE, OFFICE_TIEN_A) },
		{ 21, 0, -1, NULL },
		{ 100000, 0, -1, NULL },
	};
	const struct row row = { M_CODE, "0912 345 678", OFFICE_TIEN, 9, 1,
	    "2026-11-26T09:00:00", "2026-11-26T09:00:00" };
	struct fx f;
	struct notices_result res;
	struct obrow o;
	char records[64], out[256], want[256];
	time_t t0;
	size_t i;
	int nrem = 0;

	tmp_name(records, sizeof(records), "records");
	make_records(records, &row, 1);
	setup(&f, records,
	    "notices = { day_seconds = 10; reminder_days = [1, 2]; };\n");
	t0 = f.ctx.now;
	scan(&f, &res);
	CHECK_RES(res, 1, 1, 0, 0, 0);
	for (i = 0; i < nitems(steps); i++) {
		remind(&f, t0 + steps[i].at, &res);
		if (res.reminders != steps[i].reminders)
			fprintf(stderr, "step %zu\n", i);
		CHECK_INT(res.reminders, steps[i].reminders);
		CHECK_INT(res.stopped, 0);
		CHECK(!res.more);
		CHECK_INT(next_in(&f, M_CODE, t0), steps[i].next);
		nrem += steps[i].reminders;
		CHECK_INT(count(&f, "outbox"), 1 + nrem);
		if (steps[i].text == NULL)
			continue;
		/* The reminder in detail. */
		outbox_of(&f, M_CODE, "reminder", nrem, &o);
		CHECK_STR(o.text, steps[i].text);
		snprintf(want, sizeof(want), "Nhac lan %d", nrem);
		CHECK(strstr(o.text, want) != NULL);
		CHECK_INT(o.lane, LANE_NOTICE);
		CHECK_STR(o.number, "+84912345678");
		CHECK_INT(o.created_at, t0 + steps[i].at);
		CHECK_INT(o.next_at, t0 + steps[i].at);
		snprintf(want, sizeof(want), "queued|+84912345678|%lld|", o.id);
		CHECK_STR(ledger(&f, M_CODE, "reminder", nrem, out), want);
	}
	CHECK_INT(query_int(f.store, "SELECT count(*) FROM notices WHERE kind ="
	    " 'reminder'"), 2);
	/* A later scan adds nothing. */
	scan(&f, &res);
	CHECK_RES(res, 1, 0, 0, 0, 0);
	CHECK_INT(count(&f, "outbox"), 3);
	/* The scans and reminders read no whole table of the state db. */
	CHECK_INT(full_scans(f.store, "the notices' path"), 0);
	teardown(&f);

	/* After a long stop: one reminder now, the next a day later, not a burst. */
	setup(&f, records,
	    "notices = { day_seconds = 10; reminder_days = [1, 2, 3];"
	    " per_number_per_day = 10; };\n");
	t0 = f.ctx.now;
	scan(&f, &res);
	CHECK_RES(res, 1, 1, 0, 0, 0);
	remind(&f, t0 + 50, &res);
	CHECK_INT(res.reminders, 1);
	CHECK_INT(next_in(&f, M_CODE, t0), 60);
	remind(&f, t0 + 59, &res);
	CHECK_INT(res.reminders, 0);
	remind(&f, t0 + 60, &res);
	CHECK_INT(res.reminders, 1);
	CHECK_INT(next_in(&f, M_CODE, t0), 70);
	remind(&f, t0 + 70, &res);
	CHECK_INT(res.reminders, 1);
	CHECK_INT(next_in(&f, M_CODE, t0), -1);
	CHECK_STR(outcome_of(&f, M_CODE, "reminder", 3, out), "queued");
	CHECK_INT(count(&f, "outbox"), 4);
	teardown(&f);

	/* reminder_days = []: no reminder is ever due. */
	setup(&f, records, "notices = { reminder_days = []; };\n");
	scan(&f, &res);
	CHECK_RES(res, 1, 1, 0, 0, 0);
	CHECK_INT(next_in(&f, M_CODE, f.ctx.now), -1);
	remind(&f, f.ctx.now + 365 * 86400, &res);
	CHECK_INT(res.reminders, 0);
	CHECK_INT(res.stopped, 0);
	teardown(&f);
	remove_db(records);
}

/* The live status is read before each reminder: what ends the series. */
static void
test_reminder_stops(void)
{
	static const struct {
		const char	*what;
		const char	*sql;		/* on the records, after the notice */
		bool		 optout;	/* the number opts out */
		bool		 stops;
	} cases[] = {
		{ "still ready", NULL, false, false },
		{ "collected", "UPDATE dossiers SET status = 10", false, true },
		{ "back in progress", "UPDATE dossiers SET status = 4", false, true },
		{ "deleted", "DELETE FROM dossiers", false, true },
		{ "landline", "UPDATE dossiers SET phone = '0236 3812 345'", false,
		    true },
		{ "no number", "UPDATE dossiers SET phone = NULL", false, true },
		{ "opted out", NULL, true, true },
		/* The default records.lookup_sql returns notify_sms. */
		{ "consent withdrawn", "UPDATE dossiers SET notify_sms = 0", false,
		    true },
		/* Another mobile number: the reminder goes to the live one. */
		{ "new number", "UPDATE dossiers SET phone = '0987 000 111'", false,
		    false },
	};
	const struct row row = { M_CODE, "0912 345 678", OFFICE_TIEN, 9, 1,
	    "2026-11-26T09:00:00", "2026-11-26T09:00:00" };
	struct fx f;
	struct notices_result res;
	struct dz_err err;
	struct obrow o;
	char records[64], sql[256], out[256];
	time_t t0;
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		tmp_name(records, sizeof(records), "records");
		make_records(records, &row, 1);
		/* The default records group: its lookup_sql must carry notify_sms. */
		setup(&f, records,
		    "notices = { day_seconds = 10; reminder_days = [1, 2]; };\n");
		t0 = f.ctx.now;
		scan(&f, &res);
		CHECK_RES(res, 1, 1, 0, 0, 0);
		if (cases[i].sql != NULL) {
			snprintf(sql, sizeof(sql), "%s%s", cases[i].sql,
			    strncmp(cases[i].sql, "DELETE", 6) == 0 ? "" :
			    ", updated_at = '2026-11-26T14:35:05'");
			rec_exec(records, sql);
		}
		if (cases[i].optout)
			CHECK_INT(store_optout_set(f.store, "+84912345678", true,
			    "sms", t0 + 5, &err), 1);
		remind(&f, t0 + 10, &res);
		if (res.stopped != cases[i].stops)
			fprintf(stderr, "case %s\n", cases[i].what);
		CHECK_INT(res.stopped, cases[i].stops);
		CHECK_INT(res.reminders, !cases[i].stops);
		CHECK_INT(next_in(&f, M_CODE, t0), cases[i].stops ? -1 : 20);
		CHECK_INT(count(&f, "outbox"), cases[i].stops ? 1 : 2);
		if (cases[i].stops)
			CHECK_STR(outcome_of(&f, M_CODE, "reminder", 1, out), "");
		else {
			outbox_of(&f, M_CODE, "reminder", 1, &o);
			CHECK_STR(o.number, strcmp(cases[i].what, "new number") == 0 ?
			    "+84987000111" : "+84912345678");
		}
		/* Nothing due any more once stopped. */
		remind(&f, t0 + 15, &res);
		CHECK_INT(res.reminders, 0);
		CHECK_INT(res.stopped, 0);
		/* A scan that reads the change queues no new notice. */
		scan(&f, &res);
		CHECK_INT(res.queued, 0);
		CHECK_INT(res.skipped, 0);
		teardown(&f);
		remove_db(records);
	}
}

/* The records database unreadable: scans and reminders wait, nothing is lost. */
static void
test_records_missing(void)
{
	const struct row row = { M_CODE, "0912 345 678", OFFICE_TIEN, 9, 1,
	    "2026-11-26T09:00:00", "2026-11-26T09:00:00" };
	const struct row row2 = { R_READY, "0905 111 222", OFFICE_TIEN, 9, 1,
	    "2026-11-26T12:00:00", "2026-11-26T12:00:00" };
	struct fx f;
	struct notices_result res;
	struct dz_err err;
	char missing[64], wm[32];
	time_t t0;

	tmp_name(missing, sizeof(missing), "records-missing");
	remove_db(missing);
	setup(&f, missing, "");
	t0 = f.ctx.now;

	/* Never read yet: no watermark, nothing recorded. */
	CHECK_INT(notices_scan(&f.ctx, &res, &err), -1);
	CHECK(strstr(err.msg, missing) != NULL);
	CHECK_STR(watermark(&f, wm), "(none)");
	CHECK_INT(count(&f, "notices"), 0);
	CHECK_INT(count(&f, "outbox"), 0);
	CHECK_INT(notices_scan(&f.ctx, &res, &err), -1);
	CHECK_STR(watermark(&f, wm), "(none)");

	/* The file appears: the same records object reads it. */
	make_records(missing, &row, 1);
	scan(&f, &res);
	CHECK_RES(res, 1, 1, 0, 0, 0);
	CHECK_STR(watermark(&f, wm), "2026-11-26T09:00:00");

	/* Gone again: the watermark stays, the due reminder waits. */
	remove_db(missing);
	CHECK_INT(notices_scan(&f.ctx, &res, &err), -1);
	CHECK(strstr(err.msg, missing) != NULL);
	CHECK_STR(watermark(&f, wm), "2026-11-26T09:00:00");
	f.ctx.now = t0 + 3 * 86400;
	CHECK_INT(notices_remind(&f.ctx, &res, &err), -1);
	CHECK(strstr(err.msg, missing) != NULL);
	CHECK_INT(next_in(&f, M_CODE, t0), 3 * 86400);
	CHECK_INT(count(&f, "notices"), 1);
	CHECK_INT(count(&f, "outbox"), 1);

	/* Back, with a dossier that became ready meanwhile: both resume. */
	make_records(missing, &row, 1);
	add_rows(missing, &row2, 1);
	scan(&f, &res);
	CHECK_RES(res, 2, 1, 0, 0, 0);
	CHECK_STR(watermark(&f, wm), "2026-11-26T12:00:00");
	remind(&f, t0 + 3 * 86400, &res);
	CHECK_INT(res.reminders, 1);
	CHECK_INT(next_in(&f, M_CODE, t0), 7 * 86400);
	CHECK_INT(count(&f, "outbox"), 3);
	teardown(&f);
	remove_db(missing);
}

/* Big scans: more while a batch fills up, and a batch all at one timestamp. */
static void
test_batches(void)
{
	/* 5001 dossiers in progress, one changed each second from 2026-11-25 00:00:00. */
	static const char spread[] =
	    "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s"
	    " WHERE i < 5000) INSERT INTO dossiers (code, phone, office, status,"
	    " updated_at) SELECT printf('000.00.12.H39-261125-%04d', i),"
	    " '0905000000', 'x', 4, strftime('%Y-%m-%dT%H:%M:%S',"
	    " '2026-11-25 00:00:00', '+' || i || ' seconds') FROM s";
	/* 5001 ready dossiers written at the same second (an import). */
	static const char same[] =
	    "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s"
	    " WHERE i < 5000) INSERT INTO dossiers (code, phone, office, status,"
	    " finished_at, updated_at) SELECT printf('000.00.12.H39-261125-%04d', i),"
	    " NULL, 'x', 9, '2026-11-25', '2026-11-25T12:00:00' FROM s";
	const struct row row = { M_CODE, "0912 345 678", OFFICE_TIEN, 9, 1,
	    "2026-11-26T09:00:00", "2026-11-26T09:00:00" };
	struct fx f;
	struct notices_result res;
	char records[64], wm[32];

	tmp_name(records, sizeof(records), "records");
	make_records(records, &row, 1);
	rec_exec(records, spread);
	setup(&f, records, "");
	scan(&f, &res);
	CHECK_INT(res.scanned, 5000);
	CHECK(res.more);
	CHECK_INT(res.queued, 0);
	CHECK_STR(watermark(&f, wm), "2026-11-25T01:23:19");	/* row 4999 */
	/* The rest, and 600 s before the watermark again: rows 4399..5000 and M_CODE. */
	scan(&f, &res);
	CHECK_RES(res, 602 + 1, 1, 0, 0, 0);
	CHECK_STR(watermark(&f, wm), "2026-11-26T09:00:00");
	teardown(&f);
	remove_db(records);

	make_records(records, &row, 1);
	rec_exec(records, same);
	setup(&f, records, "");
	scan(&f, &res);
	CHECK_RES(res, 5001 + 1, 1, 5001, 0, 0);	/* no phone numbers */
	CHECK_STR(watermark(&f, wm), "2026-11-26T09:00:00");
	CHECK_INT(count(&f, "notices"), 5002);
	CHECK_INT(count(&f, "outbox"), 1);
	teardown(&f);
	remove_db(records);
}

/* More than a batch of changes within the re-read margin must not stall the scan. */
static void
test_burst(void)
{
	static const char burst[] =
	    "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s"
	    " WHERE i < 5999) INSERT INTO dossiers (code, phone, office, status,"
	    " updated_at) SELECT printf('000.00.12.H39-261125-%04d', i),"
	    " '0905000000', 'x', 4, strftime('%Y-%m-%dT%H:%M:%S',"
	    " '2026-11-25 10:00:00', '+' || (i / 60) || ' seconds') FROM s";
	const struct row row = { M_CODE, "0912 345 678", OFFICE_TIEN, 9, 1,
	    "2026-11-25T11:00:00", "2026-11-25T11:00:00" };
	struct fx f;
	struct notices_result res;
	char records[64], wm[32];
	int polls;

	tmp_name(records, sizeof(records), "records");
	make_records(records, &row, 1);
	rec_exec(records, burst);	/* 6000 changes in 100 s */
	setup(&f, records, "");
	for (polls = 1; polls <= 5; polls++) {
		scan(&f, &res);
		if (res.queued == 1)
			break;
		CHECK(res.more);
	}
	CHECK(polls <= 2);
	CHECK_INT(res.queued, 1);
	CHECK_STR(watermark(&f, wm), "2026-11-25T11:00:00");
	scan(&f, &res);
	CHECK_INT(res.queued, 0);
	CHECK(!res.more);
	teardown(&f);
	remove_db(records);
}

int
main(void)
{
	test_burst();
	test_scan();
	test_backfill_days();
	test_offices();
	test_unrenderable();
	test_daily_cap();
	test_reminders();
	test_reminder_stops();
	test_records_missing();
	test_batches();
	CHECK_DONE();
}
