/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the error paths of lib/store*.c: every function on a read-only, a corrupt and a non-database file. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "err.h"
#include "store.h"

#define A	"+84912345678"

/*
 * expr must fail with -1 (or NULL, written as == -1 by the caller's cast)
 * and say so in err: class DZ_ESTATE and a message. err starts as a class
 * and text no store error has, so a silent -1 is caught.
 */
#define FAILS(expr) do {						\
	memset(&err, 0, sizeof(err));					\
	err.cls = DZ_EPERMANENT;					\
	CHECK((expr) == -1);						\
	if (err.cls != DZ_ESTATE || err.msg[0] == '\0')			\
		fprintf(stderr, "%s: class %s, \"%s\"\n", #expr,	\
		    dz_class_name(err.cls), err.msg);			\
	CHECK_INT(err.cls, DZ_ESTATE);					\
	CHECK(strncmp(err.msg, "state db: ", 10) == 0);			\
} while (0)

static int
count_cb(void *arg, const struct out_row *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static int
optout_cb(void *arg, const char *number, time_t at, const char *source)
{
	(void)number;
	(void)at;
	(void)source;
	(*(int *)arg)++;
	return 0;
}

static int
audit_cb(void *arg, const struct audit_row *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static void
fill(struct store *s)
{
	struct dz_err err;
	struct in_part p;
	struct notice_row n;

	memset(&p, 0, sizeof(p));
	snprintf(p.sender, sizeof(p.sender), "%s", A);
	snprintf(p.text, sizeof(p.text), "HD");
	p.total = 1;
	CHECK_INT(store_inbox_add_part(s, &p, 100, &err), 1);
	p.ref = 7;
	p.part = 1;
	p.total = 2;
	CHECK_INT(store_inbox_add_part(s, &p, 100, &err), 1);
	CHECK(store_outbox_add(s, LANE_REPLY, A, "x", 100, 0, 0, &err) > 0);
	CHECK(store_outbox_add(s, LANE_NOTICE, A, "y", 100, 0, 0, &err) > 0);
	memset(&n, 0, sizeof(n));
	snprintf(n.code, sizeof(n.code), "000.00.12.H39-240824-0001");
	n.created_at = 100;
	n.next_at = 200;
	CHECK_INT(store_notice_add(s, &n, &err), 1);
	CHECK_INT(store_audit_add(s, A, "c", AUDIT_FOUND, true, 100, &err), 0);
	CHECK_INT(store_optout_set(s, A, true, "sms", 100, &err), 1);
	CHECK_INT(store_meta_set(s, "k", "v", &err), 0);
}

/* Every function that writes, on a database that refuses writes. */
static void
test_read_only(void)
{
	struct store *s;
	struct dz_err err;
	struct in_part p;
	struct notice_row n;
	struct modem_status ms;
	struct inbox_msg m;
	char path[64];

	tmp_name(path, sizeof(path), "errs");
	CHECK((s = store_open(path, &err)) != NULL);
	fill(s);
	CHECK_INT(store_exec(s, "PRAGMA query_only = 1", NULL, NULL, &err), 0);

	/* store.c */
	FAILS(store_meta_set(s, "k", "w", &err));
	/* store_inbox.c: a single part, a part of a multipart message. */
	memset(&p, 0, sizeof(p));
	snprintf(p.sender, sizeof(p.sender), "%s", A);
	snprintf(p.text, sizeof(p.text), "TC");
	p.total = 1;
	FAILS(store_inbox_add_part(s, &p, 200, &err));
	p.ref = 7;
	p.part = 2;
	p.total = 2;
	FAILS(store_inbox_add_part(s, &p, 200, &err));
	FAILS(store_parts_flush(s, 1000, &err));
	CHECK_INT(store_inbox_next(s, &m, &err), 1);	/* reads still work */
	FAILS(store_inbox_done(s, m.id, "help", "answered", NULL, 200, &err));
	/* store_outbox.c */
	FAILS(store_outbox_add(s, LANE_REPLY, A, "x", 200, 0, 0, &err));
	FAILS(store_outbox_delay(s, 1, 300, "held", &err));
	FAILS(store_outbox_sending(s, 1, "m", 200, &err));
	FAILS(store_outbox_sent(s, 1, 1, 200, &err));
	FAILS(store_outbox_retry(s, 1, 300, "e", &err));
	FAILS(store_outbox_failed(s, 1, "e", 200, &err));
	FAILS(store_outbox_requeue(s, 1, 200, &err));
	FAILS(store_outbox_recover(s, 200, &err));
	{
		struct sent_part sp = { .part = 1, .total = 1, .concat_ref = -1,
		    .mr = 5, .modem = "m" };

		FAILS(store_outbox_part_sent(s, 1, &sp, 200, &err));
	}
	FAILS(store_outbox_uncertain(s, 1, "e", 200, &err));
	FAILS(store_outbox_resume(s, 1, "e", 200, &err));
	/* store_ledger.c */
	memset(&n, 0, sizeof(n));
	snprintf(n.code, sizeof(n.code), "000.00.12.H39-240824-0002");
	FAILS(store_notice_add(s, &n, &err));
	FAILS(store_notice_reschedule(s, 1, 0, &err));
	/* store_audit.c */
	FAILS(store_audit_add(s, A, "c", AUDIT_NOT_FOUND, false, 200, &err));
	FAILS(store_optout_set(s, A, false, "sms", 200, &err));
	/* store_report.c */
	memset(&ms, 0, sizeof(ms));
	snprintf(ms.name, sizeof(ms.name), "usb0");
	FAILS(store_modem_put(s, &ms, &err));
	/* Nothing was written. */
	CHECK_INT(store_exec(s, "PRAGMA query_only = 0", NULL, NULL, &err), 0);
	CHECK_INT(query_int(s, "SELECT count(*) FROM outbox"), 2);
	CHECK_INT(query_int(s, "SELECT count(*) FROM inbox WHERE state = 'pending'"), 1);
	CHECK_INT(query_int(s, "SELECT count(*) FROM optouts"), 1);
	store_close(s);
	remove_db(path);
}

/* Overwrite the root page of every table and index with junk; the schema stays. */
static void
corrupt(const char *path)
{
	char junk[65536];
	sqlite3 *db;
	sqlite3_stmt *st;
	long pages[256], psize = 0;
	int n = 0, i;
	FILE *f;

	memset(junk, 0xa5, sizeof(junk));
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	psize = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	CHECK(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master"
	    " WHERE rootpage > 1", -1, &st, NULL) == SQLITE_OK);
	while (n < (int)nitems(pages) && sqlite3_step(st) == SQLITE_ROW)
		pages[n++] = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	CHECK(n > 10 && psize > 0 && psize <= (long)sizeof(junk));
	CHECK((f = fopen(path, "r+b")) != NULL);
	for (i = 0; i < n; i++) {
		CHECK(fseek(f, (pages[i] - 1) * psize, SEEK_SET) == 0);
		CHECK(fwrite(junk, 1, (size_t)psize, f) == (size_t)psize);
	}
	CHECK(fclose(f) == 0);
}

/* Every function that reads, on a database whose table pages are junk. */
static void
test_corrupt(void)
{
	struct store *s;
	struct dz_err err;
	struct inbox_msg m;
	struct out_msg om;
	struct out_filter f = { .states = OUT_OPEN | OUT_UNSENT, .lanes = LANE_ALL,
	    .limit = 10 };
	struct outbox_summary sum;
	struct notice_row n;
	struct ledger_counts lc;
	struct modem_status ms[2];
	struct store_today t;
	struct audit_filter af = { .limit = 10 };
	char path[64], val[16];
	time_t due;
	int k = 0, nnum;

	tmp_name(path, sizeof(path), "errs");
	CHECK((s = store_open(path, &err)) != NULL);
	fill(s);
	store_close(s);		/* checkpoints the WAL into the file */
	corrupt(path);
	/* The schema page is intact, so it opens; every table read fails. */
	CHECK((s = store_open(path, &err)) != NULL);
	FAILS(store_check(s, &err));
	/* store.c */
	FAILS(store_meta_get(s, "k", val, sizeof(val), &err));
	/* store_inbox.c */
	FAILS(store_inbox_next(s, &m, &err));
	FAILS(store_inbox_next_after(s, 0, &m, &err));
	FAILS(store_parts_flush(s, 1000, &err));
	/* store_outbox.c */
	FAILS(store_outbox_next(s, 1000, LANE_ALL, &om, &err));
	FAILS(store_outbox_next_due(s, LANE_ALL, &due, &err));
	FAILS(store_outbox_count(s, A, LANE_ALL, 0, &err));
	FAILS(store_outbox_list(s, &f, count_cb, &k, &err));
	FAILS(store_outbox_summary(s, 0, &sum, &err));
	FAILS(store_outbox_expire(s, 1000, &err));
	/* store_ledger.c */
	FAILS(store_notice_exists(s, "000.00.12.H39-240824-0001", NOTICE_READY, 0,
	    &err));
	FAILS(store_notice_due(s, 1000, &n, &err));
	FAILS(store_ledger_counts(s, 0, &lc, &err));
	/* store_audit.c */
	FAILS(store_audit_count(s, A, AUDIT_LOOKUPS, 0, &err));
	FAILS(store_audit_misses(s, 0, &nnum, &err));
	FAILS(store_miss_count(s, 0, &err));
	FAILS(store_audit_list(s, &af, audit_cb, &k, &nnum, &err));
	FAILS(store_inbox_repeats(s, 0, A, 42, 0, &err));
	FAILS(store_optout_get(s, A, &err));
	FAILS(store_optout_list(s, optout_cb, &k, &err));
	/* store_report.c */
	FAILS(store_modem_list(s, ms, 2, &err));
	FAILS(store_today(s, 0, 1000, &t, &err));
	CHECK_INT(k, 0);
	store_close(s);
	remove_db(path);
}

/* A file that is no database at all, and a table that went missing. */
static void
test_not_a_database(void)
{
	struct store *s;
	struct dz_err err;
	char path[64];
	int fd;

	tmp_name(path, sizeof(path), "errs");
	CHECK((fd = open(path, O_WRONLY | O_TRUNC)) != -1);
	CHECK(write(fd, "dossierd state, honest\n", 23) == 23);
	CHECK(close(fd) == 0);
	err.cls = DZ_EUSAGE;
	err.msg[0] = '\0';
	CHECK(store_open(path, &err) == NULL);
	CHECK_INT(err.cls, DZ_ESTATE);
	CHECK(strstr(err.msg, path) != NULL);
	remove_db(path);

	/* A directory cannot be opened: the path is named. */
	err.cls = DZ_EUSAGE;
	CHECK(store_open("/nonexistent/dir/state.db", &err) == NULL);
	CHECK_INT(err.cls, DZ_ESTATE);
	CHECK(strstr(err.msg, "/nonexistent/dir/state.db") != NULL);

	/* A missing table is a state error too, never "none found". */
	tmp_name(path, sizeof(path), "errs");
	CHECK((s = store_open(path, &err)) != NULL);
	CHECK_INT(store_exec(s, "DROP TABLE optouts", NULL, NULL, &err), 0);
	FAILS(store_optout_get(s, A, &err));
	CHECK(strstr(err.msg, "optouts") != NULL);
	store_close(s);
	remove_db(path);
}

/* The names the store gives its enums, and lane parsing. */
static void
test_names(void)
{
	struct dz_err err;
	enum lane l;

	CHECK_STR(store_state_name(OUT_QUEUED), "queued");
	CHECK_STR(store_state_name(OUT_UNCERTAIN), "uncertain");
	CHECK_STR(store_state_name(OUT_NSTATES), "?");
	CHECK_STR(store_audit_name(AUDIT_STAFF_DENIED), "staff_denied");
	CHECK_STR(store_notice_kind_name(NOTICE_REMINDER), "reminder");
	CHECK_STR(store_notice_outcome_name(NOTICE_SKIP_OPTOUT),
	    "skipped: opted out");
	CHECK_INT(store_lane_parse("notice", &l, &err), 0);
	CHECK_INT(l, LANE_NOTICE);
	CHECK_INT(store_lane_parse("bulk", &l, &err), -1);
	CHECK_INT(err.cls, DZ_EUSAGE);
	CHECK_STR(dz_class_name(DZ_ETRANSIENT), "transient");
}

int
main(void)
{
	test_read_only();
	test_corrupt();
	test_not_a_database();
	test_names();
	CHECK_DONE();
}
