/* SPDX-License-Identifier: GPL-2.0-or-later */
/* USSD requests and SIM balance readings in the state database. */
#include <stdio.h>
#include <string.h>

#include "store_priv.h"

static const char *const req_state_names[] = {
	[USSD_REQ_QUEUED] = "queued", [USSD_REQ_RUNNING] = "running",
	[USSD_REQ_DONE] = "done", [USSD_REQ_FAILED] = "failed",
};

#define REQ_COLUMNS	"id, code, source, state, requested_at, deadline," \
	" coalesce(modem, ''), coalesce(reply, ''), coalesce(status, '')," \
	" coalesce(error, ''), coalesce(done_at, 0), answers"

static void
read_req(sqlite3_stmt *st, struct ussd_req *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	store_col(st, 1, r->code, sizeof(r->code));
	store_col(st, 2, r->source, sizeof(r->source));
	r->state = (enum ussd_req_state)store_col_enum(st, 3, req_state_names,
	    (int)nitems(req_state_names), USSD_REQ_QUEUED);
	r->requested_at = sqlite3_column_int64(st, 4);
	r->deadline = sqlite3_column_int64(st, 5);
	store_col(st, 6, r->modem, sizeof(r->modem));
	store_col(st, 7, r->reply, sizeof(r->reply));
	store_col(st, 8, r->status, sizeof(r->status));
	store_col(st, 9, r->error, sizeof(r->error));
	r->done_at = sqlite3_column_int64(st, 10);
	store_col(st, 11, r->answers, sizeof(r->answers));
}

int
store_ussd_add(struct store *s, const char *code, const char *answers,
    const char *source, const char *modem, time_t now, time_t deadline,
    int64_t *id, struct dz_err *err)
{
	static const char sql[] = "INSERT INTO ussd (code, source, state,"
	    " requested_at, deadline, answers, modem)"
	    " VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6)";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, deadline);
	sqlite3_bind_text(st, 5, answers ? answers : "", -1, SQLITE_STATIC);
	if (modem != NULL)
		sqlite3_bind_text(st, 6, modem, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	if (store_run(s, st, "ussd insert", err) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_ussd_next(struct store *s, time_t now, const char *modem,
    struct ussd_req *r, struct dz_err *err)
{
	static const char late[] = "UPDATE ussd SET state = 'failed',"
	    " error = 'not done in time: the modem was busy or down',"
	    " done_at = ?1 WHERE state = 'queued' AND deadline < ?1";
	static const char sql[] = "SELECT " REQ_COLUMNS " FROM ussd"
	    " WHERE state = 'queued' AND (modem IS NULL OR modem = ?1)"
	    " ORDER BY id LIMIT 1";
	/* Taken for modem ?2 only if still queued: another worker may be faster. */
	static const char claim[] = "UPDATE ussd SET state = 'running',"
	    " modem = ?2 WHERE id = ?1 AND state = 'queued'";
	sqlite3_stmt *st;
	int n;

	if ((st = store_prep(s, late, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (store_run(s, st, "ussd expire", err) == -1 ||
	    (st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, modem, -1, SQLITE_STATIC);
	if ((n = store_row(s, st, "ussd next", err)) != 1)
		return n;
	read_req(st, r);
	sqlite3_reset(st);
	if ((st = store_prep(s, claim, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, modem, -1, SQLITE_STATIC);
	if ((n = store_run(s, st, "ussd claim", err)) == -1)
		return -1;
	if (n == 1) {
		r->state = USSD_REQ_RUNNING;
		dz_strlcpy(r->modem, modem, sizeof(r->modem));
	}
	return n;
}

int
store_ussd_get(struct store *s, int64_t id, struct ussd_req *r,
    struct dz_err *err)
{
	static const char sql[] = "SELECT " REQ_COLUMNS " FROM ussd WHERE id = ?1";
	sqlite3_stmt *st;
	int n;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((n = store_row(s, st, "ussd", err)) == 1) {
		read_req(st, r);
		sqlite3_reset(st);
	}
	return n;
}

int
store_ussd_update(struct store *s, const struct ussd_req *r,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE ussd SET state = ?2, modem = ?3,"
	    " reply = ?4, status = ?5, error = ?6, done_at = nullif(?7, 0)"
	    " WHERE id = ?1";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, req_state_names[r->state], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->modem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->reply, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, r->done_at);
	return store_run(s, st, "ussd update", err) < 0 ? -1 : 0;
}

int
store_ussd_pending(struct store *s, const char *source, const char *modem,
    struct dz_err *err)
{
	static const char sql[] = "SELECT count(*) FROM ussd WHERE source = ?1"
	    " AND state IN ('queued', 'running') AND modem IS ?2";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	if (modem != NULL)
		sqlite3_bind_text(st, 2, modem, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	return store_count(s, st, "ussd pending", err);
}

int
store_ussd_recover(struct store *s, const char *modem, time_t now,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE ussd SET state = 'failed',"
	    " error = CASE WHEN ?2 IS NULL THEN 'interrupted by a stop of the"
	    " daemon' ELSE 'interrupted: the modem''s worker process ended' END,"
	    " done_at = ?1 WHERE state = 'running' AND (?2 IS NULL OR modem = ?2)";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, modem, -1, SQLITE_STATIC);
	return store_run(s, st, "ussd recover", err);
}

int
store_balance_add(struct store *s, const struct balance_reading *b,
    struct dz_err *err)
{
	static const char sql[] = "INSERT INTO balances (at, modem, raw, parsed,"
	    " balance, validity) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, ''))";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, b->at);
	sqlite3_bind_text(st, 2, b->modem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, b->raw, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, b->parsed);
	if (b->parsed)
		sqlite3_bind_int64(st, 5, b->balance);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 6, b->validity, -1, SQLITE_STATIC);
	return store_run(s, st, "balance insert", err) < 0 ? -1 : 0;
}

int
store_balance_last(struct store *s, bool parsed_only, struct balance_reading *b,
    struct dz_err *err)
{
	return store_balance_last_of(s, NULL, parsed_only, b, err);
}

int
store_balance_last_of(struct store *s, const char *modem, bool parsed_only,
    struct balance_reading *b, struct dz_err *err)
{
	static const char sql[] = "SELECT at, coalesce(modem, ''), raw, parsed,"
	    " coalesce(balance, 0), coalesce(validity, '') FROM balances"
	    " WHERE parsed >= ?1 AND (?2 IS NULL OR modem = ?2)"
	    " ORDER BY at DESC, id DESC LIMIT 1";
	sqlite3_stmt *st;
	int n;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, parsed_only);
	if (modem != NULL)
		sqlite3_bind_text(st, 2, modem, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if ((n = store_row(s, st, "balance", err)) == 1) {
		memset(b, 0, sizeof(*b));
		b->at = sqlite3_column_int64(st, 0);
		store_col(st, 1, b->modem, sizeof(b->modem));
		store_col(st, 2, b->raw, sizeof(b->raw));
		b->parsed = sqlite3_column_int(st, 3) != 0;
		b->balance = sqlite3_column_int64(st, 4);
		store_col(st, 5, b->validity, sizeof(b->validity));
		sqlite3_reset(st);
	}
	return n;
}
