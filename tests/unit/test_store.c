/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/store.c: schema, inbox dedup and multipart, outbox states, audit, opt-outs, status. */
#include <sys/stat.h>

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
#include "store_priv.h"
#include "text.h"

#define A	"+84912345678"
#define B	"+84987654321"

/* A state database in a fresh temporary file; path receives its name. */
static struct store *
open_tmp(char *path, size_t pathsz)
{
	struct store *s;
	struct dz_err err;

	tmp_name(path, pathsz, "store");
	if ((s = store_open(path, &err)) == NULL)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(s != NULL);
	return s;
}

static void
part(struct in_part *p, const char *sender, const char *smsc, int ref, int n,
    int total, const char *text)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->sender, sizeof(p->sender), "%s", sender);
	snprintf(p->smsc_time, sizeof(p->smsc_time), "%s", smsc);
	p->ref = ref;
	p->part = n;
	p->total = total;
	snprintf(p->text, sizeof(p->text), "%s", text);
	snprintf(p->modem, sizeof(p->modem), "modem1");
}

static int
add(struct store *s, const char *sender, const char *smsc, int ref, int n,
    int total, const char *text, time_t now)
{
	struct in_part p;
	struct dz_err err;
	int r;

	part(&p, sender, smsc, ref, n, total, text);
	if ((r = store_inbox_add_part(s, &p, now, &err)) == -1)
		fprintf(stderr, "%s\n", err.msg);
	return r;
}

/* store_outbox_next_due, which must not fail here. */
static time_t
due(struct store *s, unsigned lanes)
{
	struct dz_err err;
	time_t t = -1;

	CHECK_INT(store_outbox_next_due(s, lanes, &t, &err), 0);
	return t;
}

static void
done(struct store *s, int64_t id, const char *kind, time_t now)
{
	struct dz_err err;

	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_inbox_done(s, id, kind, "answered", NULL, now, &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
}

static mode_t
umask_now(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

static void
test_open(void)
{
	struct store *s;
	struct dz_err err;
	char path[64], out[256], val[64], sql[64];
	long long version;
	struct stat st;

	/* Version 1 is the first schema; later migrations may add to it. */
	tmp_name(path, sizeof(path), "store");
	unlink(path);
	if ((s = store_open(path, &err)) == NULL)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(s != NULL);
	/* Created for its owner and group only, whatever SQLite's 0644 would be. */
	CHECK(stat(path, &st) == 0);
	CHECK_INT((int)(st.st_mode & 0777), 0660 & ~(int)umask_now());
	version = query_int(s, "PRAGMA user_version");
	CHECK(version >= 1);
	CHECK_STR(query(s, "PRAGMA journal_mode", out), "wal");
	CHECK_INT(query_int(s, "SELECT count(*) FROM sqlite_master WHERE"
	    " type = 'table' AND name IN ('meta', 'inbox', 'parts', 'outbox',"
	    " 'audit', 'optouts', 'modems')"), 7);
	CHECK_INT(store_check(s, &err), 0);
	CHECK_INT(store_meta_set(s, "watermark", "2026-11-26T00:00:00", &err), 0);
	store_close(s);

	/* Reopening migrates nothing and keeps the data. */
	CHECK((s = store_open(path, &err)) != NULL);
	CHECK_INT(query_int(s, "PRAGMA user_version"), version);
	CHECK_INT(store_meta_get(s, "watermark", val, sizeof(val), &err), 1);
	CHECK_STR(val, "2026-11-26T00:00:00");
	CHECK_INT(store_check(s, &err), 0);
	store_close(s);
	CHECK((s = store_open(path, &err)) != NULL);
	CHECK_INT(query_int(s, "SELECT count(*) FROM meta"), 1);

	/* A database from a newer dossierd is refused, not downgraded. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", version + 1);
	CHECK_INT(store_exec(s, sql, NULL, NULL, &err), 0);
	store_close(s);
	CHECK(store_open(path, &err) == NULL);
	CHECK(strstr(err.msg, "newer") != NULL);
	remove_db(path);

	CHECK(store_open("/nonexistent/dir/state.db", &err) == NULL);
	CHECK(strstr(err.msg, "/nonexistent/dir/state.db") != NULL);
	store_close(NULL);

	CHECK_STR(store_lane_name(LANE_REPLY), "reply");
	CHECK_STR(store_lane_name(LANE_STAFF), "staff");
	CHECK_STR(store_lane_name(LANE_NOTICE), "notice");
	CHECK_STR(store_lane_name(LANE_BROADCAST), "broadcast");
	CHECK_STR(store_lane_name(LANE_COUNT), "?");
}

static void
test_inbox_single(void)
{
	struct store *s;
	struct inbox_msg m, m2;
	struct dz_err err;
	char path[64], out[256];

	s = open_tmp(path, sizeof(path));
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	CHECK_INT(add(s, "0912345678", "20261126T143544", 0, 1, 1, "HD", 1000), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.sender, "0912345678");
	CHECK_STR(m.text, "HD");
	CHECK_INT(m.received_at, 1000);
	CHECK_STR(query(s, "SELECT state FROM inbox", out), "pending");

	/* Re-read before it was handled: still one message. */
	CHECK_INT(add(s, "0912345678", "20261126T143544", 0, 1, 1, "HD", 1005), 0);
	CHECK_INT(store_inbox_next(s, &m2, &err), 1);
	CHECK_INT(m2.id, m.id);
	CHECK_INT(m2.received_at, 1000);

	done(s, m.id, "help", 1010);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	CHECK_STR(query(s, "SELECT state || ',' || kind || ',' || outcome || ','"
	    " || handled_at FROM inbox", out), "handled,help,answered,1010");

	/* Re-read after it was handled (a crash before the modem delete). */
	CHECK_INT(add(s, "0912345678", "20261126T143544", 0, 1, 1, "HD", 2000), 0);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	CHECK_INT(query_int(s, "SELECT count(*) FROM inbox"), 1);

	/* The same text sent again later is a new message; so is another sender's. */
	CHECK_INT(add(s, "0912345678", "20261126T150000", 0, 1, 1, "HD", 2000), 1);
	CHECK_INT(add(s, "0987654321", "20261126T143544", 0, 1, 1, "HD", 2001), 1);
	CHECK_INT(add(s, "0912345678", "20261126T143544", 0, 1, 1, "hd", 2002), 1);
	CHECK_INT(query_int(s, "SELECT count(*) FROM inbox"), 4);

	/* Oldest first. */
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.sender, "0912345678");
	CHECK_INT(m.received_at, 2000);
	done(s, m.id, "help", 2010);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.sender, "0987654321");
	done(s, m.id, "help", 2010);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.text, "hd");
	done(s, m.id, "help", 2010);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);

	/* A long UTF-8 text comes back intact. */
	CHECK_INT(add(s, A, "", 0, 1, 1, "Tra cứu hồ sơ 000.00.12.H39-240824-0001 giúp tôi",
	    3000), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.text, "Tra cứu hồ sơ 000.00.12.H39-240824-0001 giúp tôi");
	store_close(s);
	remove_db(path);
}

static void
test_inbox_multipart(void)
{
	struct store *s;
	struct inbox_msg m;
	struct dz_err err;
	char path[64];

	s = open_tmp(path, sizeof(path));

	/* Part 2 first: nothing to handle yet. */
	CHECK_INT(add(s, A, "20261126T143545", 42, 2, 2, "240824-0001", 1000), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	/* The same part delivered twice is ignored. */
	CHECK_INT(add(s, A, "20261126T143545", 42, 2, 2, "240824-0001", 1001), 0);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	/* Another sender's part 1 with the same reference does not complete it. */
	CHECK_INT(add(s, B, "20261126T143544", 42, 1, 2, "TC 000.00.12.H39-", 1002), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	/* Part 1: joined in part order into one inbox row. */
	CHECK_INT(add(s, A, "20261126T143544", 42, 1, 2, "TC 000.00.12.H39-", 1003), 1);
	CHECK_INT(query_int(s, "SELECT count(*) FROM inbox"), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.sender, A);
	CHECK_STR(m.text, "TC 000.00.12.H39-240824-0001");
	CHECK_INT(m.received_at, 1003);
	done(s, m.id, "lookup", 1004);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);

	/* Either part re-read after the join: nothing new. */
	CHECK_INT(add(s, A, "20261126T143544", 42, 1, 2, "TC 000.00.12.H39-", 2000), 0);
	CHECK_INT(add(s, A, "20261126T143545", 42, 2, 2, "240824-0001", 2000), 0);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	CHECK_INT(query_int(s, "SELECT count(*) FROM inbox"), 1);

	/* The reference reused later by the same sender is a new message. */
	CHECK_INT(add(s, A, "20261127T080000", 42, 1, 2, "HUONG ", 3000), 1);
	CHECK_INT(add(s, A, "20261127T080001", 42, 2, 2, "DAN", 3000), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.text, "HUONG DAN");
	done(s, m.id, "help", 3001);

	/* Three parts, part 1 delivered twice with different SMSC times: joined once. */
	CHECK_INT(add(s, A, "20261127T090000", 7, 1, 3, "a", 4000), 1);
	CHECK_INT(add(s, A, "20261127T090009", 7, 1, 3, "a", 4001), 1);
	CHECK_INT(add(s, A, "20261127T090002", 7, 3, 3, "c", 4002), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	CHECK_INT(add(s, A, "20261127T090001", 7, 2, 3, "b", 4003), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.text, "abc");
	done(s, m.id, "bad_syntax", 4004);

	/* B's lone part 1 is still waiting; only a flush past its age joins it. */
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	CHECK_INT(store_parts_flush(s, 1002, &err), 0);	/* received at 1002: not older */
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	CHECK_INT(store_parts_flush(s, 1003, &err), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.sender, B);
	CHECK_STR(m.text, "TC 000.00.12.H39-");
	done(s, m.id, "bad_syntax", 5000);
	CHECK_INT(store_parts_flush(s, 100000, &err), 0);
	CHECK_INT(query_int(s, "SELECT count(*) FROM inbox"), 4);
	store_close(s);
	remove_db(path);
}

/* Texts that are not UTF-8, and a joined text too long for one row. */
static void
test_inbox_repair(void)
{
	struct store *s;
	struct inbox_msg m;
	struct dz_err err;
	char path[64], chunk[1401];
	size_t len;
	int i;

	s = open_tmp(path, sizeof(path));
	/* libgammu's lone UTF-16 surrogate (ED A0 80) becomes U+FFFD. */
	CHECK_INT(add(s, A, "20261126T080000", 0, 1, 1, "HD\xED\xA0\x80 x", 100), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.text, "HD\xEF\xBF\xBD x");
	done(s, m.id, "help", 101);
	/* The same part again is still the same part. */
	CHECK_INT(add(s, A, "20261126T080000", 0, 1, 1, "HD\xED\xA0\x80 x", 102), 0);

	/*
	 * "ab" and 466 "ệ", then three parts of 466 "ệ" (1398 bytes each):
	 * STORE_TEXT_MAX - 1 bytes would end inside a character of part 3,
	 * so the join ends before it (4094 bytes) and part 4 is left out.
	 */
	for (i = 0; i < 466; i++)
		memcpy(chunk + 2 + 3 * i, "\xE1\xBB\x87", 3);
	chunk[2 + 3 * 466] = '\0';
	memcpy(chunk, "ab", 2);
	CHECK_INT(add(s, B, "20261126T080100", 9, 1, 4, chunk, 200), 1);
	for (i = 2; i <= 4; i++)
		CHECK_INT(add(s, B, "20261126T080100", 9, i, 4, chunk + 2, 200), 1);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	len = strlen(m.text);
	CHECK_INT(len, 4094);
	CHECK(text_utf8_valid(m.text));
	CHECK(strncmp(m.text, "ab\xE1\xBB\x87", 5) == 0);
	done(s, m.id, "bad_syntax", 201);
	store_close(s);
	remove_db(path);
}

static void
test_parts_flush(void)
{
	struct store *s;
	struct inbox_msg m;
	struct dz_err err;
	char path[64];

	s = open_tmp(path, sizeof(path));
	CHECK_INT(add(s, A, "20261126T100000", 9, 1, 3, "one ", 1000), 1);
	CHECK_INT(add(s, A, "20261126T100002", 9, 3, 3, "three", 1010), 1);
	CHECK_INT(add(s, B, "20261126T100500", 5, 1, 2, "young", 1600), 1);
	CHECK_INT(store_parts_flush(s, 1000, &err), 0);
	CHECK_INT(store_parts_flush(s, 1001, &err), 1);	/* only A's */
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.sender, A);
	CHECK_STR(m.text, "one three");	/* as it is, in part order */
	done(s, m.id, "bad_syntax", 1700);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	/* Flushed parts re-read: nothing new. */
	CHECK_INT(add(s, A, "20261126T100000", 9, 1, 3, "one ", 1800), 0);
	CHECK_INT(store_parts_flush(s, 1601, &err), 1);	/* now B's */
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.text, "young");
	CHECK_INT(store_parts_flush(s, 1000000, &err), 0);
	store_close(s);
	remove_db(path);
}

static int64_t
queue(struct store *s, enum lane lane, const char *number, const char *text,
    time_t now, time_t expires)
{
	struct dz_err err;
	int64_t id;

	if ((id = store_outbox_add(s, lane, number, text, now, expires, 0,
	    &err)) == -1)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(id > 0);
	return id;
}

static void
test_outbox(void)
{
	struct store *s;
	struct out_msg m;
	struct dz_err err;
	struct outbox_summary sum;
	char path[64], sql[256], out[256];
	int64_t bc, rep, staff, notice, late;

	s = open_tmp(path, sizeof(path));
	CHECK_INT(store_outbox_next(s, 1000, LANE_ALL, &m, &err), 0);
	CHECK_INT(due(s, LANE_ALL), 0);

	/* A broadcast queued before a reply: the reply goes first. */
	bc = queue(s, LANE_BROADCAST, B, "Thong bao", 100, 0);
	rep = queue(s, LANE_REPLY, A, "Ho so ...", 101, 101 + 86400);
	CHECK_INT(store_outbox_next(s, 200, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, rep);
	CHECK_INT(m.lane, LANE_REPLY);
	CHECK_STR(m.number, A);
	CHECK_STR(m.text, "Ho so ...");
	CHECK_INT(m.attempts, 0);
	CHECK(!m.uncertain);
	/* Lane masks filter. */
	CHECK_INT(store_outbox_next(s, 200, LANE_BIT(LANE_BROADCAST), &m, &err), 1);
	CHECK_INT(m.id, bc);
	CHECK_INT(store_outbox_next(s, 200, LANE_BIT(LANE_STAFF) |
	    LANE_BIT(LANE_NOTICE), &m, &err), 0);
	CHECK_INT(store_outbox_next(s, 200, 0, &m, &err), 0);
	/* Not yet due: created in the future of now. */
	CHECK_INT(store_outbox_next(s, 100, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, bc);
	CHECK_INT(store_outbox_next(s, 99, LANE_ALL, &m, &err), 0);
	staff = queue(s, LANE_STAFF, A, "staff", 150, 0);
	notice = queue(s, LANE_NOTICE, A, "notice", 90, 0);
	CHECK_INT(due(s, LANE_ALL), 90);
	CHECK_INT(due(s, LANE_BIT(LANE_STAFF)), 150);
	CHECK_INT(due(s, LANE_BIT(LANE_REPLY)), 101);

	/* sending -> retry with next_at -> sending -> sent. */
	CHECK_INT(store_outbox_sending(s, rep, "modem1", 200, &err), 0);
	CHECK_INT(store_outbox_next(s, 200, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, staff);	/* the reply is in flight */
	CHECK_INT(store_outbox_retry(s, rep, 260, "+CMS ERROR: 38", &err), 0);
	CHECK_INT(store_outbox_next(s, 259, LANE_BIT(LANE_REPLY), &m, &err), 0);
	CHECK_INT(due(s, LANE_BIT(LANE_REPLY)), 260);
	CHECK_INT(store_outbox_next(s, 259, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, staff);	/* a retrying message blocks nothing */
	CHECK_INT(store_outbox_next(s, 260, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, rep);
	CHECK_INT(m.attempts, 1);
	snprintf(sql, sizeof(sql), "SELECT state || ',' || last_error FROM outbox"
	    " WHERE id = %lld", (long long)rep);
	CHECK_STR(query(s, sql, out), "retry,+CMS ERROR: 38");
	CHECK_INT(store_outbox_sending(s, rep, "modem1", 260, &err), 0);
	CHECK_INT(store_outbox_sent(s, rep, 2, 265, &err), 0);
	snprintf(sql, sizeof(sql), "SELECT state || ',' || attempts || ',' ||"
	    " parts || ',' || sent_at || ',' || modem || ',' ||"
	    " coalesce(last_error, 'none') FROM outbox WHERE id = %lld",
	    (long long)rep);
	CHECK_STR(query(s, sql, out), "sent,2,2,265,modem1,none");
	CHECK_INT(store_outbox_next(s, 1000, LANE_BIT(LANE_REPLY), &m, &err), 0);

	/* failed -> requeue (dossierctl retry). */
	CHECK_INT(store_outbox_sending(s, staff, "modem1", 300, &err), 0);
	CHECK_INT(store_outbox_failed(s, staff, "invalid number", 301, &err), 0);
	CHECK_INT(store_outbox_next(s, 1000, LANE_BIT(LANE_STAFF), &m, &err), 0);
	snprintf(sql, sizeof(sql), "SELECT state || ',' || last_error FROM outbox"
	    " WHERE id = %lld", (long long)staff);
	CHECK_STR(query(s, sql, out), "failed,invalid number");
	CHECK_INT(store_outbox_requeue(s, staff, 400, &err), 1);
	CHECK_INT(store_outbox_next(s, 399, LANE_BIT(LANE_STAFF), &m, &err), 0);
	CHECK_INT(store_outbox_next(s, 400, LANE_BIT(LANE_STAFF), &m, &err), 1);
	CHECK_INT(m.id, staff);
	CHECK_INT(m.attempts, 0);
	CHECK_INT(store_outbox_requeue(s, rep, 400, &err), 0);	/* sent: no */
	CHECK_INT(store_outbox_requeue(s, staff, 400, &err), 0);	/* queued: no */
	CHECK_INT(store_outbox_requeue(s, 999999, 400, &err), 0);

	/* Expiry: only queued/retry rows whose expires_at passed. */
	late = queue(s, LANE_REPLY, B, "late", 500, 1000);
	CHECK_INT(store_outbox_expire(s, 999, &err), 0);
	CHECK_INT(store_outbox_expire(s, 1000, &err), 1);
	CHECK_INT(store_outbox_expire(s, 1000, &err), 0);
	snprintf(sql, sizeof(sql), "SELECT state || ',' || last_error FROM outbox"
	    " WHERE id = %lld", (long long)late);
	CHECK_STR(query(s, sql, out), "expired,expired before it could be sent");
	CHECK_INT(store_outbox_next(s, 2000, LANE_BIT(LANE_REPLY), &m, &err), 0);
	CHECK_INT(store_outbox_expire(s, 2000000000, &err), 0);	/* expires 0: never */
	/* An expired row may be retried by hand, then never expires. */
	CHECK_INT(store_outbox_requeue(s, late, 2000, &err), 1);
	CHECK_INT(store_outbox_expire(s, 2000000000, &err), 0);
	CHECK_INT(store_outbox_next(s, 2000, LANE_BIT(LANE_REPLY), &m, &err), 1);
	CHECK_INT(m.id, late);
	/* A retrying message expires too. */
	late = queue(s, LANE_REPLY, B, "retrying", 2000, 2500);
	CHECK_INT(store_outbox_sending(s, late, "modem1", 2000, &err), 0);
	CHECK_INT(store_outbox_retry(s, late, 2600, "+CMS ERROR: 500", &err), 0);
	CHECK_INT(store_outbox_expire(s, 2500, &err), 1);
	snprintf(sql, sizeof(sql), "SELECT state || ',' || last_error FROM outbox"
	    " WHERE id = %lld", (long long)late);
	CHECK_STR(query(s, sql, out), "expired,+CMS ERROR: 500");
	/* A message in flight is not expired under the modem. */
	CHECK_INT(store_outbox_sending(s, queue(s, LANE_REPLY, B, "x", 2000, 2100),
	    "modem1", 2000, &err), 0);
	CHECK_INT(store_outbox_expire(s, 3000, &err), 0);

	/* Counts per number and lane since a time. */
	CHECK_INT(store_outbox_count(s, A, LANE_BIT(LANE_REPLY), 0, &err), 1);
	CHECK_INT(store_outbox_count(s, A, LANE_BIT(LANE_REPLY), 102, &err), 0);
	CHECK_INT(store_outbox_count(s, B, LANE_BIT(LANE_REPLY), 0, &err), 3);
	CHECK_INT(store_outbox_count(s, B, LANE_BIT(LANE_BROADCAST), 0, &err), 1);
	CHECK_INT(store_outbox_count(s, A, LANE_BIT(LANE_NOTICE), 0, &err), 1);
	CHECK_INT(store_outbox_count(s, "+84900000000", LANE_BIT(LANE_REPLY), 0, &err), 0);

	/* Summary: queued per lane (queued, retry, sending), today's sent and failed. */
	CHECK_INT(store_outbox_summary(s, 0, &sum, &err), 0);
	CHECK_INT(sum.queued[LANE_REPLY], 2);	/* late (queued), x (sending) */
	CHECK_INT(sum.queued[LANE_STAFF], 1);
	CHECK_INT(sum.queued[LANE_NOTICE], 1);
	CHECK_INT(sum.queued[LANE_BROADCAST], 1);
	CHECK_INT(sum.sent_today, 1);
	CHECK_INT(sum.failed_today, 1);	/* "retrying" expired */
	CHECK_INT(sum.last_send, 265);
	CHECK_INT(store_outbox_summary(s, 266, &sum, &err), 0);
	CHECK_INT(sum.sent_today, 0);
	CHECK_INT(store_outbox_failed(s, notice, "gave up", 5000, &err), 0);
	CHECK_INT(store_outbox_summary(s, 4000, &sum, &err), 0);
	CHECK_INT(sum.failed_today, 1);
	CHECK_INT(sum.queued[LANE_NOTICE], 0);
	CHECK_INT(store_outbox_summary(s, 5001, &sum, &err), 0);
	CHECK_INT(sum.failed_today, 0);

	/* An explicit transaction rolled back leaves nothing. */
	CHECK_INT(store_begin(s, &err), 0);
	queue(s, LANE_REPLY, A, "rolled back", 6000, 0);
	store_rollback(s);
	CHECK_INT(query_int(s, "SELECT count(*) FROM outbox WHERE text = 'rolled back'"), 0);
	store_rollback(s);	/* harmless outside a transaction */
	CHECK_INT(store_begin(s, &err), 0);
	queue(s, LANE_REPLY, A, "committed", 6000, 0);
	CHECK_INT(store_commit(s, &err), 0);
	CHECK_INT(query_int(s, "SELECT count(*) FROM outbox WHERE text = 'committed'"), 1);
	CHECK_INT(store_check(s, &err), 0);
	store_close(s);
	remove_db(path);
}

static void
test_recover(void)
{
	struct store *s;
	struct out_msg m;
	struct dz_err err;
	struct outbox_summary sum;
	char path[64], sql[256], out[256];
	int64_t rep, staff, notice, bc, queued;

	s = open_tmp(path, sizeof(path));
	rep = queue(s, LANE_REPLY, A, "reply", 100, 0);
	staff = queue(s, LANE_STAFF, A, "staff", 100, 0);
	notice = queue(s, LANE_NOTICE, B, "notice", 100, 0);
	bc = queue(s, LANE_BROADCAST, B, "broadcast", 100, 0);
	queued = queue(s, LANE_NOTICE, A, "not yet sent", 100, 0);
	CHECK_INT(store_outbox_sending(s, rep, "modem1", 200, &err), 0);
	CHECK_INT(store_outbox_sending(s, staff, "modem1", 200, &err), 0);
	CHECK_INT(store_outbox_sending(s, notice, "modem1", 200, &err), 0);
	CHECK_INT(store_outbox_sending(s, bc, "modem1", 200, &err), 0);
	store_close(s);

	/* The crash: reopen and recover. */
	CHECK((s = store_open(path, &err)) != NULL);
	CHECK_INT(store_outbox_recover(s, 300, &err), 4);
	CHECK_INT(store_outbox_recover(s, 301, &err), 0);
	/* The reply and the staff message go again, flagged uncertain. */
	CHECK_INT(store_outbox_next(s, 300, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, rep);
	CHECK(m.uncertain);
	CHECK_INT(m.attempts, 1);
	CHECK_INT(store_outbox_sending(s, rep, "modem1", 300, &err), 0);
	CHECK_INT(store_outbox_sent(s, rep, 1, 301, &err), 0);
	CHECK_INT(store_outbox_next(s, 300, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, staff);
	CHECK(m.uncertain);
	CHECK_INT(store_outbox_sending(s, staff, "modem1", 300, &err), 0);
	CHECK_INT(store_outbox_sent(s, staff, 1, 301, &err), 0);
	/* The notice and the broadcast are not sent twice; the untouched notice is. */
	CHECK_INT(store_outbox_next(s, 1000, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, queued);
	CHECK(!m.uncertain);
	CHECK_INT(store_outbox_sending(s, queued, "modem1", 1000, &err), 0);
	CHECK_INT(store_outbox_sent(s, queued, 1, 1001, &err), 0);
	CHECK_INT(store_outbox_next(s, 1000000, LANE_ALL, &m, &err), 0);
	snprintf(sql, sizeof(sql), "SELECT state || ',' || uncertain FROM outbox"
	    " WHERE id = %lld", (long long)notice);
	CHECK_STR(query(s, sql, out), "uncertain,1");
	snprintf(sql, sizeof(sql), "SELECT state || ',' || uncertain FROM outbox"
	    " WHERE id = %lld", (long long)bc);
	CHECK_STR(query(s, sql, out), "uncertain,1");
	/* They are counted. */
	CHECK_INT(store_outbox_summary(s, 300, &sum, &err), 0);
	CHECK_INT(sum.failed_today, 2);
	CHECK_INT(sum.sent_today, 3);
	/* Staff may still send one again by hand. */
	CHECK_INT(store_outbox_requeue(s, notice, 2000, &err), 1);
	CHECK_INT(store_outbox_next(s, 2000, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, notice);
	store_close(s);
	remove_db(path);
}

/* Parts the network confirmed, a part never answered, a stop between parts. */
static void
test_parts(void)
{
	struct store *s;
	struct out_msg m;
	struct dz_err err;
	struct sent_part p = { .part = 1, .total = 3, .concat_ref = 77, .mr = 12,
	    .modem = "modem1" };
	char path[64], sql[256], out[256];
	int64_t rep, notice, done;

	s = open_tmp(path, sizeof(path));
	rep = queue(s, LANE_REPLY, A, "long reply", 100, 0);
	notice = queue(s, LANE_NOTICE, B, "long notice", 100, 0);
	done = queue(s, LANE_NOTICE, B, "all confirmed", 100, 0);

	/* Fresh rows: nothing sent, no split, no reference yet. */
	CHECK_INT(store_outbox_next(s, 200, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, rep);
	CHECK_INT(m.parts_sent, 0);
	CHECK_INT(m.parts_total, 0);
	CHECK_INT(m.concat_ref, -1);

	/* Part 1 confirmed, then a stop at the part boundary: resumed later. */
	CHECK_INT(store_outbox_sending(s, rep, "modem1", 200, &err), 0);
	CHECK_INT(store_outbox_part_sent(s, rep, &p, 201, &err), 0);
	CHECK_INT(store_outbox_resume(s, rep, "stopped after part 1 of 3", 202,
	    &err), 0);
	CHECK_INT(store_outbox_next(s, 300, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, rep);
	CHECK_INT(m.parts_sent, 1);
	CHECK_INT(m.parts_total, 3);
	CHECK_INT(m.concat_ref, 77);
	CHECK(!m.uncertain);
	snprintf(sql, sizeof(sql), "SELECT group_concat(part || '/' || total ||"
	    " '/' || mr || '/' || modem || '/' || sent_at) FROM sent_parts"
	    " WHERE outbox_id = %lld", (long long)rep);
	CHECK_STR(query(s, sql, out), "1/3/12/modem1/201");

	/* Part 2 confirmed, part 3 never answered: a reply goes again. */
	CHECK_INT(store_outbox_sending(s, rep, "modem1", 300, &err), 0);
	p.part = 2;
	p.mr = 13;
	CHECK_INT(store_outbox_part_sent(s, rep, &p, 301, &err), 0);
	CHECK_INT(store_outbox_uncertain(s, rep, "line dropped", 302, &err), 0);
	CHECK_INT(store_outbox_next(s, 400, LANE_ALL, &m, &err), 1);
	CHECK_INT(m.id, rep);
	CHECK(m.uncertain);
	CHECK_INT(m.parts_sent, 2);
	/* The same for a notice: it is not sent again. */
	CHECK_INT(store_outbox_sending(s, notice, "modem1", 300, &err), 0);
	CHECK_INT(store_outbox_uncertain(s, notice, "no answer", 302, &err), 0);
	snprintf(sql, sizeof(sql), "SELECT state || ',' || uncertain || ',' ||"
	    " last_error FROM outbox WHERE id = %lld", (long long)notice);
	CHECK_STR(query(s, sql, out), "uncertain,1,no answer");

	/*
	 * A crash after the last part was confirmed: sent, not sent again.
	 * The last part's commit records it sent: nothing left to recover.
	 */
	CHECK_INT(store_outbox_sending(s, done, "modem1", 400, &err), 0);
	p.part = 1;
	p.total = 1;
	p.concat_ref = -1;
	p.mr = -1;
	CHECK_INT(store_outbox_part_sent(s, done, &p, 401, &err), 0);
	store_close(s);
	CHECK((s = store_open(path, &err)) != NULL);
	CHECK_INT(store_outbox_recover(s, 500, &err), 0);
	snprintf(sql, sizeof(sql), "SELECT state || ',' || parts || ',' ||"
	    " coalesce(mr, 'NULL') FROM outbox JOIN sent_parts"
	    " ON outbox_id = outbox.id WHERE outbox.id = %lld", (long long)done);
	CHECK_STR(query(s, sql, out), "sent,1,NULL");
	store_close(s);
	remove_db(path);
}

struct audit_seen {
	int		 n;
	time_t		 at[8];
	struct audit_row last;
};

static int
audit_cb(void *arg, const struct audit_row *r)
{
	struct audit_seen *al = arg;

	CHECK(al->n < 8);
	al->at[al->n++] = r->at;
	al->last = *r;
	return 0;
}

static void
test_audit(void)
{
	struct store *s;
	struct dz_err err;
	struct audit_filter f;
	struct audit_seen al;
	char path[64], out[256];
	int n;

	s = open_tmp(path, sizeof(path));
	CHECK_INT(store_audit_count(s, A, AUDIT_BIT(AUDIT_FOUND), 0, &err), 0);
	CHECK_INT(store_audit_add(s, A, "000.00.12.H39-240824-0001", AUDIT_FOUND, true,
	    100, &err), 0);
	CHECK_INT(store_audit_add(s, A, "000.00.12.H39-240824-0002", AUDIT_NOT_FOUND,
	    false, 200, &err), 0);
	CHECK_INT(store_audit_add(s, A, "000.00.12.H39-241324-0001", AUDIT_BAD_DATE,
	    false, 300, &err), 0);
	CHECK_INT(store_audit_add(s, A, NULL, AUDIT_LIMITED, false, 400, &err), 0);
	CHECK_INT(store_audit_add(s, B, "000.00.12.H39-240824-0001", AUDIT_FOUND, false,
	    150, &err), 0);

	CHECK_INT(store_audit_count(s, A, AUDIT_BIT(AUDIT_FOUND), 0, &err), 1);	/* not "not_found" too */
	CHECK_INT(store_audit_count(s, A, AUDIT_BIT(AUDIT_NOT_FOUND), 0, &err), 1);
	CHECK_INT(store_audit_count(s, A, AUDIT_MISSES, 0, &err), 2);
	CHECK_INT(store_audit_count(s, A, AUDIT_LOOKUPS, 0, &err), 3);
	CHECK_INT(store_audit_count(s, A, AUDIT_LOOKUPS, 200, &err), 2);
	CHECK_INT(store_audit_count(s, A, AUDIT_LOOKUPS, 201, &err), 1);
	CHECK_INT(store_audit_count(s, A, AUDIT_LOOKUPS, 301, &err), 0);
	CHECK_INT(store_audit_count(s, A, AUDIT_BIT(AUDIT_LIMITED), 0, &err), 1);
	CHECK_INT(store_audit_count(s, A, AUDIT_BIT(AUDIT_LIMITED), 401, &err), 0);
	CHECK_INT(store_audit_count(s, A, AUDIT_BIT(AUDIT_NOUTCOMES), 0, &err), 0);
	CHECK_INT(store_audit_count(s, A, 0, 0, &err), 0);
	CHECK_INT(store_audit_count(s, B, AUDIT_BIT(AUDIT_FOUND), 0, &err), 1);
	CHECK_INT(store_audit_count(s, B, AUDIT_BIT(AUDIT_NOT_FOUND), 0, &err), 0);
	CHECK_INT(store_audit_count(s, "+84900000000", AUDIT_BIT(AUDIT_FOUND), 0, &err), 0);
	{
		/* The windows in one query: each as store_audit_count counts it. */
		struct audit_window w[] = {
			{ AUDIT_BIT(AUDIT_LIMITED), 0, -1 },
			{ AUDIT_LOOKUPS, 200, -1 },
			{ AUDIT_MISSES, 301, -1 },
			{ AUDIT_LOOKUPS, 100, -1 },
			{ AUDIT_MISSES, 0, -1 },
			{ 0, 0, -1 },
		};

		CHECK_INT(store_audit_counts(s, A, w, AUDIT_WINDOWS, &err), 0);
		CHECK_INT(w[0].n, 1);
		CHECK_INT(w[1].n, 2);
		CHECK_INT(w[2].n, 0);
		CHECK_INT(w[3].n, 3);
		CHECK_INT(w[4].n, 2);
		CHECK_INT(w[5].n, -1);
		w[0].since = 401;	/* the earliest window need not come first */
		w[2].n = -1;
		CHECK_INT(store_audit_counts(s, A, w, 2, &err), 0);
		CHECK_INT(w[0].n, 0);
		CHECK_INT(w[1].n, 2);
		CHECK_INT(w[2].n, -1);	/* beyond nw: untouched */
		CHECK_INT(store_audit_counts(s, B, w + 3, 1, &err), 0);
		CHECK_INT(w[3].n, 1);
		CHECK_INT(store_audit_counts(s, A, w, AUDIT_WINDOWS + 1, &err), -1);
		CHECK_INT(store_audit_counts(s, A, w, 0, &err), -1);
	}
	CHECK_STR(query(s, "SELECT owner || ',' || code FROM audit WHERE at = 100",
	    out), "1,000.00.12.H39-240824-0001");
	CHECK_STR(query(s, "SELECT coalesce(code, 'NULL') FROM audit WHERE at = 400",
	    out), "NULL");

	/* Misses of every number: A's two; B's miss makes two numbers. */
	CHECK_INT(store_audit_misses(s, 0, &n, &err), 2);
	CHECK_INT(n, 1);
	CHECK_INT(store_audit_add(s, B, "000.00.12.H39-240824-0009", AUDIT_NOT_FOUND,
	    false, 250, &err), 0);
	CHECK_INT(store_audit_misses(s, 0, &n, &err), 3);
	CHECK_INT(n, 2);
	CHECK_INT(store_audit_misses(s, 201, &n, &err), 2);
	CHECK_INT(store_audit_misses(s, 10000, &n, &err), 0);
	CHECK_INT(n, 0);
	/* The same by the minute (200, 250 and 300 are minutes 3, 4 and 5). */
	CHECK_INT(store_miss_count(s, 0, &err), 3);
	CHECK_INT(store_miss_count(s, 240, &err), 2);
	CHECK_INT(store_miss_count(s, 299, &err), 2);	/* minute 4 counts whole */
	CHECK_INT(store_miss_count(s, 300, &err), 1);
	CHECK_INT(store_miss_count(s, 360, &err), 0);

	/* The listing: newest first, filtered, limited, the total of all that match. */
	memset(&f, 0, sizeof(f));
	al.n = 0;
	CHECK_INT(store_audit_list(s, &f, audit_cb, &al, &n, &err), 0);
	CHECK_INT(n, 6);
	CHECK_INT(al.n, 6);
	CHECK_INT((int)al.at[0], 400);
	CHECK_INT((int)al.at[5], 100);
	f.number = A;
	f.since = 150;
	f.limit = 2;
	al.n = 0;
	CHECK_INT(store_audit_list(s, &f, audit_cb, &al, &n, &err), 0);
	CHECK_INT(n, 3);
	CHECK_INT(al.n, 2);
	CHECK_INT((int)al.at[1], 300);
	memset(&f, 0, sizeof(f));
	f.code = "000.00.12.H39-240824-0001";
	al.n = 0;
	CHECK_INT(store_audit_list(s, &f, audit_cb, &al, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT((int)al.at[0], 150);
	CHECK_STR(al.last.number, A);
	CHECK(al.last.owner);
	CHECK_STR(al.last.outcome, "found");

	/* Retention: rows before the cut are deleted, the others kept. */
	CHECK_INT(store_audit_prune(s, 200, &err), 2);
	CHECK_INT(query_int(s, "SELECT count(*) FROM audit"), 4);
	CHECK_INT(query_int(s, "SELECT count(*) FROM miss_minutes"), 3);
	CHECK_INT(store_audit_prune(s, 250, &err), 1);
	CHECK_INT(store_miss_count(s, 0, &err), 2);
	store_close(s);
	remove_db(path);
}

static void
test_optouts_modems_meta(void)
{
	struct store *s;
	struct dz_err err;
	struct modem_status ms, list[4];
	char path[64], val[8], big[64];

	s = open_tmp(path, sizeof(path));
	/* Opt-outs. */
	CHECK_INT(store_optout_get(s, A, &err), 0);
	CHECK_INT(store_optout_set(s, A, true, "sms", 100, &err), 1);
	CHECK_INT(store_optout_get(s, A, &err), 1);
	CHECK_INT(store_optout_get(s, B, &err), 0);
	CHECK(store_optout_set(s, A, true, "dossierctl", 200, &err) >= 0);
	CHECK_INT(store_optout_get(s, A, &err), 1);
	CHECK_INT(query_int(s, "SELECT count(*) FROM optouts"), 1);
	CHECK_INT(store_optout_set(s, A, false, "sms", 300, &err), 1);
	CHECK_INT(store_optout_get(s, A, &err), 0);
	CHECK_INT(store_optout_set(s, A, false, "sms", 300, &err), 0);

	/* Modem status rows, listed in name order, replaced by name. */
	CHECK_INT(store_modem_list(s, list, 4, &err), 0);
	memset(&ms, 0, sizeof(ms));
	snprintf(ms.name, sizeof(ms.name), "modem2");
	snprintf(ms.state, sizeof(ms.state), "backoff");
	ms.signal = -1;
	snprintf(ms.last_error, sizeof(ms.last_error), "No response in specified timeout");
	ms.reconnects = 3;
	ms.updated_at = 1000;
	CHECK_INT(store_modem_put(s, &ms, &err), 0);
	memset(&ms, 0, sizeof(ms));
	snprintf(ms.name, sizeof(ms.name), "modem1");
	snprintf(ms.state, sizeof(ms.state), "ready");
	ms.signal = 71;
	snprintf(ms.network, sizeof(ms.network), "home");
	snprintf(ms.operator_, sizeof(ms.operator_), "Viettel");
	ms.updated_at = 1001;
	ms.last_send = 990;
	snprintf(ms.balance, sizeof(ms.balance), "25.000d");
	ms.balance_at = 900;
	CHECK_INT(store_modem_put(s, &ms, &err), 0);
	memset(list, 0x55, sizeof(list));
	CHECK_INT(store_modem_list(s, list, 4, &err), 2);
	CHECK_STR(list[0].name, "modem1");
	CHECK_STR(list[0].state, "ready");
	CHECK_INT(list[0].signal, 71);
	CHECK_STR(list[0].network, "home");
	CHECK_STR(list[0].operator_, "Viettel");
	CHECK_STR(list[0].last_error, "");
	CHECK_INT(list[0].updated_at, 1001);
	CHECK_INT(list[0].last_send, 990);
	CHECK_STR(list[0].balance, "25.000d");
	CHECK_INT(list[0].balance_at, 900);
	CHECK_STR(list[1].name, "modem2");
	CHECK_STR(list[1].state, "backoff");
	CHECK_INT(list[1].signal, -1);
	CHECK_STR(list[1].last_error, "No response in specified timeout");
	CHECK_INT(list[1].reconnects, 3);
	ms.signal = 40;
	CHECK_INT(store_modem_put(s, &ms, &err), 0);
	CHECK_INT(store_modem_list(s, list, 1, &err), 1);
	CHECK_STR(list[0].name, "modem1");
	CHECK_INT(list[0].signal, 40);
	CHECK_INT(query_int(s, "SELECT count(*) FROM modems"), 2);

	/* meta. */
	CHECK_INT(store_meta_get(s, "ready_since", big, sizeof(big), &err), 0);
	CHECK_INT(store_meta_set(s, "ready_since", "2026-11-26T00:00:00", &err), 0);
	CHECK_INT(store_meta_get(s, "ready_since", big, sizeof(big), &err), 1);
	CHECK_STR(big, "2026-11-26T00:00:00");
	CHECK_INT(store_meta_set(s, "ready_since", "2026-11-27", &err), 0);
	CHECK_INT(store_meta_get(s, "ready_since", big, sizeof(big), &err), 1);
	CHECK_STR(big, "2026-11-27");
	CHECK_INT(store_meta_get(s, "ready_since", val, sizeof(val), &err), 1);
	CHECK_STR(val, "2026-11");	/* truncated, terminated */
	CHECK_INT(store_meta_set(s, "balance", "", &err), 0);
	CHECK_INT(store_meta_get(s, "balance", big, sizeof(big), &err), 1);
	CHECK_STR(big, "");
	CHECK_INT(store_check(s, &err), 0);
	store_close(s);
	remove_db(path);
}

/*
 * failed_today counts rows that became failed, expired or uncertain since
 * `since`: a reply queued late yesterday that expired this morning is one
 * of today's failures.
 */
static void
test_summary_expired_today(void)
{
	struct store *s;
	struct dz_err err;
	struct outbox_summary sum;
	char path[64];
	const time_t midnight = 86400 * 20783;	/* 2026-11-26 */

	s = open_tmp(path, sizeof(path));
	queue(s, LANE_REPLY, A, "late reply", midnight - 3600, midnight + 3600);
	CHECK_INT(store_outbox_expire(s, midnight + 7200, &err), 1);
	CHECK_INT(store_outbox_summary(s, midnight, &sum, &err), 0);
	store_close(s);
	remove_db(path);
	CHECK_INT(sum.queued[LANE_REPLY], 0);
	CHECK_INT(sum.failed_today, 1);
}

/* USSD requests a worker left running: failed, for that modem only, or all at start. */
static void
test_ussd_recover(void)
{
	struct store *s;
	struct dz_err err;
	struct ussd_req r;
	char path[64];
	int64_t a, b, c;

	s = open_tmp(path, sizeof(path));
	CHECK_INT(store_ussd_add(s, "*101#", "", "dossierctl", NULL, 100, 200, &a,
	    &err), 0);
	CHECK_INT(store_ussd_add(s, "*101#", "", "balance", NULL, 100, 200, &b,
	    &err), 0);
	CHECK_INT(store_ussd_add(s, "*102#", "", "dossierctl", NULL, 100, 200, &c,
	    &err), 0);
	CHECK_INT(store_ussd_next(s, 110, "mA", &r, &err), 1);
	CHECK(r.id == a);
	CHECK_INT(store_ussd_next(s, 110, "mB", &r, &err), 1);
	CHECK(r.id == b);
	/* mA's worker ended: its request fails, mB's runs on, the queued one waits. */
	CHECK_INT(store_ussd_recover(s, "mA", 120, &err), 1);
	CHECK_INT(store_ussd_get(s, a, &r, &err), 1);
	CHECK_INT(r.state, USSD_REQ_FAILED);
	CHECK_STR(r.error, "interrupted: the modem's worker process ended");
	CHECK_INT(store_ussd_get(s, b, &r, &err), 1);
	CHECK_INT(r.state, USSD_REQ_RUNNING);
	CHECK_INT(store_ussd_get(s, c, &r, &err), 1);
	CHECK_INT(r.state, USSD_REQ_QUEUED);
	/* At start: every running one. */
	CHECK_INT(store_ussd_recover(s, NULL, 130, &err), 1);
	CHECK_INT(store_ussd_get(s, b, &r, &err), 1);
	CHECK_INT(r.state, USSD_REQ_FAILED);
	CHECK_STR(r.error, "interrupted by a stop of the daemon");
	store_close(s);
	remove_db(path);
}

/* The token of what is committed, and a poll gated on it. */
static void
test_gen_gate(void)
{
	struct store *s, *other;
	struct store_gen g0, g1, now;
	struct store_gate gate;
	struct dz_err err;
	char path[64];

	s = open_tmp(path, sizeof(path));
	CHECK((other = store_open(path, &err)) != NULL);
	CHECK_INT(store_gen(s, &g0, &err), 0);
	CHECK_INT(store_gen(s, &g1, &err), 0);
	CHECK(g0.theirs == g1.theirs && g0.ours == g1.ours);
	/* Our own change moves it; so does another connection's commit. */
	CHECK_INT(store_meta_set(s, "k", "1", &err), 0);
	CHECK_INT(store_gen(s, &g1, &err), 0);
	CHECK(g1.ours != g0.ours);
	g0 = g1;
	CHECK(store_outbox_add(other, LANE_STAFF, A, "hi", 100, 0, 0, &err) > 0);
	CHECK_INT(store_gen(s, &g1, &err), 0);
	CHECK(g1.theirs != g0.theirs);
	CHECK(g1.ours == g0.ours);

	/* Never skipped before a look found nothing, nor after it found work. */
	memset(&gate, 0, sizeof(gate));
	CHECK(!store_gate_skip(s, &gate, 1000, &now));
	store_gate_idle(&gate, &now, 5000);
	CHECK(store_gate_skip(s, &gate, 1500, &now));
	CHECK(store_gate_skip(s, &gate, 4999, &now));
	/* Asked again at the recheck time whatever the token. */
	CHECK(!store_gate_skip(s, &gate, 5000, &now));
	store_gate_idle(&gate, &now, 9000);
	CHECK(store_gate_skip(s, &gate, 6000, &now));
	/* A commit elsewhere ends the skipping at once. */
	CHECK(store_outbox_add(other, LANE_STAFF, A, "again", 100, 0, 0, &err) > 0);
	CHECK(!store_gate_skip(s, &gate, 6000, &now));
	store_gate_idle(&gate, &now, 9000);
	CHECK(store_gate_skip(s, &gate, 6000, &now));
	CHECK_INT(store_meta_set(s, "k", "2", &err), 0);
	CHECK(!store_gate_skip(s, &gate, 6000, &now));
	store_gate_open(&gate);
	CHECK(!store_gate_skip(s, &gate, 6000, &now));
	store_close(other);
	store_close(s);
	remove_db(path);
}

/*
 * A status report finds its part by modem and reference: the newest part
 * still waiting for its report first (references wrap at 256), else the
 * newest; never one sent more than 7 days before.
 */
static void
test_report_match(void)
{
	struct store *s;
	struct dz_err err;
	struct delivery_match dm;
	struct sent_part p = { .part = 1, .total = 1, .concat_ref = -1, .mr = 9,
	    .modem = "modem1", .report = true };
	char path[64];
	int64_t old, older, newer, stale;
	time_t day = 86400;

	s = open_tmp(path, sizeof(path));
	stale = queue(s, LANE_REPLY, A, "sent 8 days ago", 100, 0);
	older = queue(s, LANE_REPLY, A, "older", 100, 0);
	old = queue(s, LANE_REPLY, A, "old", 100, 0);
	newer = queue(s, LANE_REPLY, B, "newer", 100, 0);
	CHECK_INT(store_outbox_part_sent(s, stale, &p, 1000, &err), 0);
	CHECK_INT(store_outbox_part_sent(s, older, &p, 8 * day + 1000, &err), 0);
	CHECK_INT(store_outbox_part_sent(s, old, &p, 8 * day + 2000, &err), 0);
	/* The old one's report came: the older one still waits. */
	CHECK_INT(store_delivery_report(s, "modem1", 9, DLV_DELIVERED, 0,
	    8 * day + 2100, 8 * day + 2100, &dm, &err), 1);
	CHECK_INT(dm.outbox_id, old);
	CHECK_INT(dm.message, DLV_DELIVERED);
	CHECK_INT(store_outbox_part_sent(s, newer, &p, 8 * day + 3000, &err), 0);
	/* Two wait (older, newer): the newest first, then the other. */
	CHECK_INT(store_delivery_report(s, "modem1", 9, DLV_DELIVERED, 0,
	    8 * day + 3100, 8 * day + 3100, &dm, &err), 1);
	CHECK_INT(dm.outbox_id, newer);
	CHECK_STR(dm.number, B);
	CHECK_INT(store_delivery_report(s, "modem1", 9, DLV_UNDELIVERABLE, 70,
	    8 * day + 3200, 8 * day + 3200, &dm, &err), 1);
	CHECK_INT(dm.outbox_id, older);
	CHECK_INT(dm.message, DLV_UNDELIVERABLE);
	/* None waits: a repeated report goes to the newest (not the stale one). */
	CHECK_INT(store_delivery_report(s, "modem1", 9, DLV_DELIVERED, 0,
	    8 * day + 3300, 8 * day + 3300, &dm, &err), 1);
	CHECK_INT(dm.outbox_id, newer);
	/* Another modem's reference, or one nobody used: no match. */
	CHECK_INT(store_delivery_report(s, "modem2", 9, DLV_DELIVERED, 0,
	    8 * day + 3400, 8 * day + 3400, &dm, &err), 0);
	CHECK_INT(store_delivery_report(s, "modem1", 10, DLV_DELIVERED, 0,
	    8 * day + 3400, 8 * day + 3400, &dm, &err), 0);
	store_close(s);
	remove_db(path);
}

/*
 * A message of one part takes its part's delivery without the sum over its
 * parts (msg1 in store_delivery_report): the same as the sum after every
 * kind of report, in any order; an undeliverable message keeps its status
 * through a later pending report.
 */
static void
test_report_one_part(void)
{
	static const struct {
		enum delivery	d;
		int		st;
		const char	*want;
		int		want_st;
	} steps[] = {
		{ DLV_PENDING, 48, "pending", 48 },
		{ DLV_UNDELIVERABLE, 65, "undeliverable", 65 },
		{ DLV_PENDING, 49, "pending", 65 },
		{ DLV_DELIVERED, 0, "delivered", 0 },
		{ DLV_UNDELIVERABLE, 70, "undeliverable", 70 },
	};
	struct store *s;
	struct dz_err err;
	struct delivery_match dm;
	struct sent_part p = { .part = 1, .total = 1, .concat_ref = -1, .mr = 5,
	    .modem = "modem1", .report = true };
	char path[64], sql[512], sum[256], out[256];
	int64_t id;
	size_t i;

	s = open_tmp(path, sizeof(path));
	id = queue(s, LANE_NOTICE, A, "one part", 100, 0);
	CHECK_INT(store_outbox_part_sent(s, id, &p, 1000, &err), 0);
	CHECK_STR(query(s, "SELECT delivery FROM outbox", out), "waiting");
	for (i = 0; i < nitems(steps); i++) {
		CHECK_INT(store_delivery_report(s, "modem1", 5, steps[i].d,
		    steps[i].st, 1100 + (time_t)i, 1100 + (time_t)i, &dm, &err), 1);
		CHECK_INT(dm.outbox_id, id);
		snprintf(sql, sizeof(sql), "SELECT CASE"
		    " WHEN sum(delivery = 'undeliverable') > 0 THEN 'undeliverable'"
		    " WHEN sum(delivery = 'delivered') >= max(total) THEN 'delivered'"
		    " WHEN sum(delivery = 'pending') > 0 THEN 'pending'"
		    " ELSE 'waiting' END FROM sent_parts WHERE outbox_id = %lld",
		    (long long)id);
		CHECK_STR(query(s, sql, sum), steps[i].want);
		CHECK_STR(query(s, "SELECT delivery FROM outbox", out), sum);
		CHECK_INT(dm.message, steps[i].d);
		CHECK_INT(query_int(s, "SELECT delivery_status FROM outbox"),
		    steps[i].want_st);
	}
	store_close(s);
	remove_db(path);
}

/* The states spelled out for the partial indexes are the real names. */
static void
test_waiting_literal(void)
{
	char want[64];

	snprintf(want, sizeof(want), "('%s', '%s')",
	    store_state_names[OUT_QUEUED], store_state_names[OUT_RETRY]);
	CHECK_STR(Q_WAITING_LITERAL, want);
	snprintf(want, sizeof(want), "'%s'", store_state_names[OUT_SENDING]);
	CHECK_STR(Q_SENDING_LITERAL, want);
}

/*
 * store_batch_begin/end: the steps inside are savepoints; one rolled back
 * leaves the others; nothing is visible to another connection before the
 * end; a transaction SQLite ended inside a batch makes the end fail.
 */
static void
test_batch(void)
{
	char path[512], out[256];
	struct store *s, *other;
	struct dz_err err;

	s = open_tmp(path, sizeof(path));
	CHECK((other = store_open(path, &err)) != NULL);
	CHECK_INT(store_batch_begin(s, &err), 0);
	CHECK_INT(store_batch_begin(s, &err), -1);	/* no batch in a batch */
	CHECK_INT(add(s, A, "26/12/01 08:00:00+28", 0, 1, 1, "one", 100), 1);
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_begin(s, &err), -1);	/* no step in a step */
	CHECK_INT(store_exec(s, "INSERT INTO inbox (dedup, sender, text, "
	    "received_at) VALUES ('x2', 'x', 'two', 100)", NULL, NULL, &err), 0);
	store_rollback(s);
	CHECK_INT(add(s, B, "26/12/01 08:00:02+28", 0, 1, 1, "three", 100), 1);
	/* An open step the caller left is undone by the end. */
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_exec(s, "INSERT INTO inbox (dedup, sender, text, "
	    "received_at) VALUES ('x4', 'x', 'four', 100)", NULL, NULL, &err), 0);
	CHECK_INT(query_int(other, "SELECT count(*) FROM inbox"), 0);
	CHECK_INT(store_batch_end(s, &err), 0);
	CHECK_STR(query(other, "SELECT group_concat(text, ',') FROM "
	    "(SELECT text FROM inbox ORDER BY id)", out), "one,three");
	/* After the batch, transactions are plain ones again. */
	CHECK_INT(add(s, A, "26/12/01 08:00:04+28", 0, 1, 1, "five", 100), 1);
	CHECK_INT(query_int(other, "SELECT count(*) FROM inbox"), 3);

	/* SQLite ends the transaction (as on an I/O error): the end fails. */
	CHECK_INT(store_batch_begin(s, &err), 0);
	CHECK_INT(add(s, A, "26/12/01 08:00:05+28", 0, 1, 1, "six", 100), 1);
	CHECK_INT(sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	/* A step after the loss is a transaction of its own ... */
	CHECK_INT(add(s, A, "26/12/01 08:00:06+28", 0, 1, 1, "seven", 100), 1);
	/* ... but the batch as a whole is reported lost. */
	CHECK_INT(store_batch_end(s, &err), -1);
	CHECK(strstr(err.msg, "rolled back") != NULL);
	CHECK_STR(query(other, "SELECT group_concat(text, ',') FROM "
	    "(SELECT text FROM inbox ORDER BY id)", out), "one,three,five,seven");
	CHECK(sqlite3_get_autocommit(s->db));
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
	store_close(other);
	store_close(s);
	remove_db(path);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Write about `pages` pages of the log in one commit. */
static void
fill_log(struct store *s, const char *key, int pages)
{
	char sql[160];
	struct dz_err err;

	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta (key, value) "
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < %d) SELECT '%s' || i, zeroblob(900) FROM n", pages, key);
	CHECK_INT(store_exec(s, sql, NULL, NULL, &err), 0);
}

/* Deferred checkpoints: no commit of the connection runs one, store_checkpoint does. */
static void
test_checkpoint(void)
{
	char path[512], out[64];
	struct store *s, *plain;
	struct dz_err err;
	long before;

	s = open_tmp(path, sizeof(path));
	store_defer_checkpoints(s);
	before = file_size(path);
	/* Past SQLite's 1,000 pages: the pages stay in the log. */
	fill_log(s, "a", 1200);
	CHECK(store_wal_pending(s) >= 1200);
	CHECK(file_size(path) == before);
	CHECK_INT(store_checkpoint(s, STORE_CHECKPOINT_BUSY, 500, &err), 0);
	CHECK(file_size(path) == before);
	/* Due: the pages go to the database, the log starts again. */
	CHECK_INT(store_checkpoint(s, STORE_CHECKPOINT_PAGES, 500, &err), 1);
	CHECK(file_size(path) >= before + 1000L * 1024);
	CHECK(store_meta_get(s, "checkpoint_at", out, sizeof(out), &err) == 1);
	CHECK_STR(out, "500");
	CHECK(store_wal_pending(s) < 10);
	CHECK_INT(store_checkpoint(s, STORE_CHECKPOINT_PAGES, 500, &err), 0);
	/* A reader on an older snapshot: only what it can see is copied. */
	CHECK((plain = store_open(path, &err)) != NULL);
	CHECK_INT(store_exec(plain, "BEGIN; SELECT count(*) FROM meta", NULL,
	    NULL, &err), 0);
	fill_log(s, "b", 1100);
	before = file_size(path);
	CHECK_INT(store_checkpoint(s, STORE_CHECKPOINT_PAGES, 500, &err), 1);
	CHECK(file_size(path) == before);
	CHECK(store_wal_pending(s) >= 1100);
	CHECK_INT(store_exec(plain, "COMMIT", NULL, NULL, &err), 0);
	CHECK_INT(store_checkpoint(s, STORE_CHECKPOINT_PAGES, 500, &err), 1);
	CHECK(file_size(path) > before);
	CHECK(store_wal_pending(s) < 10);
	/* A connection that does not defer checkpoints in its own commit. */
	before = file_size(path);
	fill_log(plain, "c", 1200);
	CHECK(file_size(path) > before);
	store_close(plain);
	store_close(s);
	remove_db(path);
}

/* Run sql (back to an older schema), close, open again: migrate() runs. */
static struct store *
reopen_after(struct store *s, const char *path, const char *sql)
{
	struct dz_err err;

	CHECK_INT(store_exec(s, sql, NULL, NULL, &err), 0);
	store_close(s);
	if ((s = store_open(path, &err)) == NULL)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(s != NULL);
	return s;
}

/* Migration 12 on a version-11 database with rows: the pending one is still next. */
static void
test_migrate_pending(void)
{
	char path[512], out[256];
	struct store *s;
	struct inbox_msg m;
	struct dz_err err;

	s = open_tmp(path, sizeof(path));
	CHECK_INT(add(s, A, "26/12/01 08:00:00+28", 0, 1, 1, "handled", 100), 1);
	CHECK_INT(add(s, B, "26/12/01 08:00:01+28", 0, 1, 1, "pending", 100), 1);
	s = reopen_after(s, path, "UPDATE inbox SET state = 'handled' WHERE "
	    "text = 'handled'; DROP INDEX inbox_pending; CREATE INDEX "
	    "inbox_pending ON inbox(state, id); PRAGMA user_version = 11");
	CHECK(query_int(s, "PRAGMA user_version") >= 12);
	CHECK(strstr(query(s, "SELECT sql FROM sqlite_master WHERE name = "
	    "'inbox_pending'", out), "WHERE state = 'pending'") != NULL);
	CHECK_INT(store_inbox_next(s, &m, &err), 1);
	CHECK_STR(m.text, "pending");
	CHECK_INT(store_inbox_done(s, m.id, "help", "answered", NULL, 200, &err), 0);
	CHECK_INT(store_inbox_next(s, &m, &err), 0);
	store_close(s);
	remove_db(path);
}

/*
 * Migration 13 on a version-12 database with a message in flight, one
 * undeliverable and one waiting for its report: the new indexes hold them,
 * and the recovery, the report's match and the stale numbers find them.
 */
static int
stale_count(void *arg, const struct stale_number *n)
{
	CHECK_STR(n->number, "0912000002");
	(*(int *)arg)++;
	return 0;
}

static void
test_migrate_indexes(void)
{
	char path[512], out[256], sql[128];
	int stale = 0;
	struct store *s;
	struct sent_part sp;
	struct delivery_match m;
	struct dz_err err;
	int64_t a, b, c;

	s = open_tmp(path, sizeof(path));
	CHECK((a = store_outbox_add(s, LANE_REPLY, "0912000001", "a", 100, 0, 0,
	    &err)) > 0);
	CHECK((b = store_outbox_add(s, LANE_NOTICE, "0912000002", "b", 100, 0, 0,
	    &err)) > 0);
	CHECK((c = store_outbox_add(s, LANE_NOTICE, "0912000003", "c", 100, 0, 0,
	    &err)) > 0);
	memset(&sp, 0, sizeof(sp));
	sp.part = sp.total = 1;
	sp.concat_ref = -1;
	sp.modem = "usb0";
	sp.report = true;
	CHECK_INT(store_outbox_claim(s, b, "usb0", 100, &err), 1);
	sp.mr = 7;
	CHECK_INT(store_outbox_part_sent(s, b, &sp, 100, &err), 0);
	CHECK_INT(store_delivery_report(s, "usb0", 7, DLV_UNDELIVERABLE, 65, 101,
	    101, &m, &err), 1);
	CHECK_INT(store_outbox_claim(s, c, "usb0", 100, &err), 1);
	sp.mr = 8;
	CHECK_INT(store_outbox_part_sent(s, c, &sp, 100, &err), 0);
	CHECK_INT(store_outbox_claim(s, a, "usb0", 100, &err), 1);
	/* Back to version 12's indexes. */
	s = reopen_after(s, path, "DROP INDEX outbox_sending; DROP INDEX "
	    "outbox_undeliverable; DROP INDEX sent_parts_mr_at; CREATE INDEX "
	    "outbox_due ON outbox(state, lane, next_at); CREATE INDEX "
	    "outbox_delivery ON outbox(delivery, delivery_at) WHERE delivery IS "
	    "NOT NULL; CREATE INDEX sent_parts_mr_at ON sent_parts(modem, mr, "
	    "sent_at) WHERE delivery IS NOT NULL; PRAGMA user_version = 12");
	CHECK(query_int(s, "PRAGMA user_version") >= 13);
	CHECK_INT(query_int(s, "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('outbox_due', 'outbox_delivery')"), 0);
	CHECK(strstr(query(s, "SELECT sql FROM sqlite_master WHERE name = "
	    "'sent_parts_mr_at'", out), "WHERE mr IS NOT NULL") != NULL);
	CHECK_INT(query_int(s, "SELECT count(*) FROM outbox INDEXED BY "
	    "outbox_sending WHERE state = 'sending'"), 1);
	CHECK_INT(query_int(s, "SELECT count(*) FROM outbox INDEXED BY "
	    "outbox_undeliverable WHERE delivery = 'undeliverable'"), 1);
	CHECK_INT(store_modem_claimed(s, "usb0", &err), 1);
	CHECK_INT(store_delivery_report(s, "usb0", 8, DLV_DELIVERED, 0, 102, 102,
	    &m, &err), 1);
	CHECK(m.outbox_id == c);
	CHECK_INT(store_delivery_stale(s, 1, stale_count, &stale, &err), 1);
	CHECK_INT(stale, 1);
	CHECK_INT(store_outbox_recover(s, 200, &err), 1);
	CHECK_INT(store_modem_claimed(s, "usb0", &err), 0);
	snprintf(sql, sizeof(sql), "SELECT state FROM outbox WHERE id = %lld",
	    (long long)a);
	CHECK_STR(query(s, sql, out), "queued");
	store_close(s);
	remove_db(path);
}

int
main(void)
{
	test_migrate_indexes();
	test_migrate_pending();
	test_report_one_part();
	test_batch();
	test_checkpoint();
	test_waiting_literal();
	test_report_match();
	test_open();
	test_inbox_single();
	test_inbox_multipart();
	test_inbox_repair();
	test_parts_flush();
	test_outbox();
	test_recover();
	test_parts();
	test_audit();
	test_optouts_modems_meta();
	test_summary_expired_today();
	test_ussd_recover();
	test_gen_gate();
	CHECK_DONE();
}
