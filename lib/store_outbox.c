/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The outbox of the state database: lanes, the state machine of a message, listings and summaries. */
#include <stdio.h>
#include <string.h>

#include "store_priv.h"

int64_t
store_outbox_add(struct store *s, enum lane lane, const char *number,
    const char *text, time_t now, time_t expires, int64_t inbox_id,
    struct dz_err *err)
{
	static const char sql[] = "INSERT INTO outbox (lane, number, text,"
	    " state, created_at, next_at, expires_at, inbox_id, via_modem)"
	    " VALUES (?1, ?2, ?3, " Q_QUEUED ", ?4, ?4, ?5, ?6,"
	    " (SELECT modem FROM inbox WHERE id = ?6))";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, lane);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, expires);
	if (inbox_id > 0)
		sqlite3_bind_int64(st, 6, inbox_id);
	else
		sqlite3_bind_null(st, 6);
	if (store_run(s, st, "outbox insert", err) == -1)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int
store_outbox_next(struct store *s, time_t now, unsigned lane_mask,
    struct out_msg *m, struct dz_err *err)
{
	return store_outbox_next_for(s, now, lane_mask, NULL, "", NULL, NULL, m,
	    err);
}

/* A modem that reported itself ready within the last minute: ?1 now. */
#define MODEM_LIVE(col) "EXISTS (SELECT 1 FROM modems d WHERE d.name = " \
	col " AND d.state = 'ready' AND d.updated_at >= ?1 - 60)"

int
store_outbox_next_for(struct store *s, time_t now, unsigned lane_mask,
    const char *modem, const char *anywhere, store_route_cb ok, void *arg,
    struct out_msg *m, struct dz_err *err)
{
	/*
	 * For modem ?3 (NULL: any): not the rest of a long message another
	 * live modem began (its parts join only from one sender number), nor
	 * a reply to a query that came in on another live modem, unless that
	 * modem is in ?4 (",name,": its replies go out anywhere).
	 */
	static const char sql[] = "SELECT id, lane, number, text, attempts,"
	    " uncertain, parts_sent, parts_total, concat_ref"
	    " FROM outbox o INDEXED BY outbox_waiting"
	    " WHERE state IN " Q_WAITING_LITERAL
	    " AND next_at <= ?1 AND ((1 << lane) & ?2) != 0"
	    " AND (?3 IS NULL OR ((o.parts_sent = 0 OR o.modem = ?3"
	    "  OR NOT " MODEM_LIVE("o.modem") ") AND (o.via_modem IS NULL"
	    "  OR o.via_modem = ?3 OR instr(?4, ',' || o.via_modem || ',') > 0"
	    "  OR NOT " MODEM_LIVE("o.via_modem") ")))"
	    " ORDER BY lane, next_at, id LIMIT ?5";
	sqlite3_stmt *st;
	int r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, (int)lane_mask);
	/* With a route check: the first of the next few that it lets through. */
	sqlite3_bind_int(st, 5, ok != NULL ? 16 : 1);
	if (modem != NULL)
		sqlite3_bind_text(st, 3, modem, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, anywhere, -1, SQLITE_STATIC);
	while ((r = store_row(s, st, "outbox next", err)) == 1) {
		m->id = sqlite3_column_int64(st, 0);
		m->lane = (enum lane)sqlite3_column_int(st, 1);
		store_col(st, 2, m->number, sizeof(m->number));
		store_col(st, 3, m->text, sizeof(m->text));
		m->attempts = sqlite3_column_int(st, 4);
		m->uncertain = sqlite3_column_int(st, 5) != 0;
		m->parts_sent = sqlite3_column_int(st, 6);
		m->parts_total = sqlite3_column_int(st, 7);
		m->concat_ref = sqlite3_column_int(st, 8);
		if (ok == NULL || ok(arg, m)) {
			sqlite3_reset(st);
			break;
		}
	}
	return r;
}

int
store_outbox_next_due(struct store *s, unsigned lane_mask, time_t *due,
    struct dz_err *err)
{
	static const char sql[] = "SELECT coalesce(min(next_at), 0) FROM outbox"
	    " INDEXED BY outbox_waiting WHERE state IN " Q_WAITING_LITERAL
	    " AND ((1 << lane) & ?1) != 0";
	sqlite3_stmt *st;
	int r;

	*due = 0;
	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, (int)lane_mask);
	if ((r = store_row(s, st, "outbox next due", err)) == 1) {
		*due = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return r < 0 ? -1 : 0;
}

/*
 * Run an UPDATE of one outbox row whose SQL binds ?1 a text (an error
 * message or a modem name), ?2 a time and ?3 the row id. Returns the rows
 * changed or -1.
 */
static int
outbox_set(struct store *s, const char *sql, int64_t id, const char *text,
    time_t when, struct dz_err *err)
{
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, when);
	sqlite3_bind_int64(st, 3, id);
	return store_run(s, st, "outbox update", err);
}

int
store_outbox_delay(struct store *s, int64_t id, time_t next_at,
    const char *why, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET last_error = ?1, next_at = ?2"
	    " WHERE id = ?3";

	return outbox_set(s, sql, id, why, next_at, err) < 0 ? -1 : 0;
}

int
store_outbox_sending(struct store *s, int64_t id, const char *modem,
    time_t now, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = " Q_SENDING ","
	    " modem = ?1, attempts = attempts + 1, next_at = ?2 WHERE id = ?3";

	return outbox_set(s, sql, id, modem, now, err) < 0 ? -1 : 0;
}

int
store_outbox_claim(struct store *s, int64_t id, const char *modem, time_t now,
    struct dz_err *err)
{
	/* Only a row still waiting: another modem's worker may have taken it. */
	static const char sql[] = "UPDATE outbox SET state = " Q_SENDING ","
	    " modem = ?1, attempts = attempts + 1, next_at = ?2 WHERE id = ?3"
	    " AND state IN (" Q_QUEUED ", " Q_RETRY ")";

	return outbox_set(s, sql, id, modem, now, err);
}

int
store_outbox_sent(struct store *s, int64_t id, int parts, time_t now,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = " Q_SENT ", parts = ?1,"
	    " sent_at = ?2, last_error = NULL WHERE id = ?3";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, parts);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, id);
	return store_run(s, st, "outbox sent", err) < 0 ? -1 : 0;
}

int
store_outbox_retry(struct store *s, int64_t id, time_t next_at,
    const char *error, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = " Q_RETRY ","
	    " last_error = ?1, next_at = ?2 WHERE id = ?3";

	return outbox_set(s, sql, id, error, next_at, err) < 0 ? -1 : 0;
}

int
store_outbox_failed(struct store *s, int64_t id, const char *error,
    time_t now, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = " Q_FAILED ","
	    " last_error = ?1, next_at = ?2 WHERE id = ?3";

	return outbox_set(s, sql, id, error, now, err) < 0 ? -1 : 0;
}

int
store_outbox_part_sent(struct store *s, int64_t id, const struct sent_part *p,
    time_t now, struct dz_err *err)
{
	static const char ins[] = "INSERT OR REPLACE INTO sent_parts (outbox_id,"
	    " part, total, mr, modem, sent_at, delivery)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?7 THEN 'waiting' END)";
	/* A report asked for: the message waits for it (a report of an
	 * earlier part that failed or is pending stays the message's). */
	static const char upd[] = "UPDATE outbox SET parts_sent = ?2,"
	    " parts_total = ?3, concat_ref = ?4, delivery = CASE WHEN NOT ?5"
	    " THEN NULL WHEN ?2 > 1 AND delivery IN ('pending', 'undeliverable')"
	    " THEN delivery ELSE 'waiting' END WHERE id = ?1";
	/* The last part: the same, and the message is sent (store_outbox_sent). */
	static const char last[] = "UPDATE outbox SET parts_sent = ?2,"
	    " parts_total = ?3, concat_ref = ?4, delivery = CASE WHEN NOT ?5"
	    " THEN NULL WHEN ?2 > 1 AND delivery IN ('pending', 'undeliverable')"
	    " THEN delivery ELSE 'waiting' END, state = " Q_SENT ", parts = ?3,"
	    " sent_at = ?6, last_error = NULL WHERE id = ?1";
	bool done = p->part >= p->total;
	sqlite3_stmt *st;

	if (store_begin(s, err) == -1)
		return -1;
	if ((st = store_prep(s, ins, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, p->part);
	sqlite3_bind_int(st, 3, p->total);
	if (p->mr >= 0)
		sqlite3_bind_int(st, 4, p->mr);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, p->modem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int(st, 7, p->report);
	if (store_run(s, st, "sent part", err) == -1 ||
	    (st = store_prep(s, done ? last : upd, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, p->part);
	sqlite3_bind_int(st, 3, p->total);
	sqlite3_bind_int(st, 4, p->concat_ref);
	sqlite3_bind_int(st, 5, p->report);
	if (done)
		sqlite3_bind_int64(st, 6, now);
	if (store_run(s, st, "sent part", err) == -1)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return -1;
}

int
store_outbox_uncertain(struct store *s, int64_t id, const char *error,
    time_t now, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = CASE"
	    " WHEN ((1 << lane) & ?4) != 0 THEN " Q_QUEUED " ELSE " Q_UNCERTAIN
	    " END, uncertain = 1, last_error = ?1, next_at = ?2 WHERE id = ?3";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, id);
	/* Answers are sent again: a citizen must not go unanswered. */
	sqlite3_bind_int(st, 4, (int)LANES_ANSWERS);
	return store_run(s, st, "outbox uncertain", err) < 0 ? -1 : 0;
}

int
store_outbox_resume(struct store *s, int64_t id, const char *why, time_t now,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = " Q_QUEUED ","
	    " last_error = ?1, next_at = ?2 WHERE id = ?3";

	return outbox_set(s, sql, id, why, now, err) < 0 ? -1 : 0;
}

int
store_outbox_requeue(struct store *s, int64_t id, time_t now,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = " Q_QUEUED ","
	    " attempts = 0, last_error = ?1, next_at = ?2, expires_at = 0"
	    " WHERE id = ?3"
	    " AND state IN (" Q_FAILED ", " Q_EXPIRED ", " Q_UNCERTAIN ", " Q_RETRY ")";

	return outbox_set(s, sql, id, NULL, now, err);
}

/*
 * Run an UPDATE binding ?1 a time, ?2 a lane mask and ?3 a modem name (NULL
 * where the statement has none, or for all modems): rows changed or -1.
 */
static int
update_rows(struct store *s, const char *sql, time_t when, unsigned lanes,
    const char *modem, struct dz_err *err)
{
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, when);
	sqlite3_bind_int(st, 2, (int)lanes);
	if (sqlite3_bind_parameter_count(st) >= 3) {
		if (modem != NULL)
			sqlite3_bind_text(st, 3, modem, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
	}
	return store_run(s, st, "outbox update", err);
}

int
store_outbox_expire(struct store *s, time_t now, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox INDEXED BY outbox_waiting"
	    " SET state = " Q_EXPIRED ","
	    " last_error = coalesce(last_error, 'expired before it could be sent'),"
	    " next_at = ?1 WHERE state IN " Q_WAITING_LITERAL " AND expires_at > 0"
	    " AND expires_at <= ?1 AND ((1 << lane) & ?2) != 0";

	return update_rows(s, sql, now, LANE_ALL, NULL, err);
}

int
store_outbox_recover(struct store *s, time_t now, struct dz_err *err)
{
	return store_outbox_recover_modem(s, NULL, now, err);
}

int
store_outbox_recover_modem(struct store *s, const char *modem, time_t now,
    struct dz_err *err)
{
	static const char done[] = "UPDATE outbox INDEXED BY outbox_sending"
	    " SET state = " Q_SENT ", parts = parts_total, sent_at = ?1,"
	    " last_error = NULL WHERE state = " Q_SENDING_LITERAL
	    " AND parts_total > 0 AND parts_sent >= parts_total"
	    " AND ((1 << lane) & ?2) != 0 AND (?3 IS NULL OR modem = ?3)";
	static const char again[] = "UPDATE outbox INDEXED BY outbox_sending"
	    " SET state = " Q_QUEUED ", uncertain = 1, next_at = ?1"
	    " WHERE state = " Q_SENDING_LITERAL
	    " AND ((1 << lane) & ?2) != 0 AND (?3 IS NULL OR modem = ?3)";
	static const char stop[] = "UPDATE outbox INDEXED BY outbox_sending"
	    " SET state = " Q_UNCERTAIN ", uncertain = 1,"
	    " last_error = 'in flight at a crash; not resent', next_at = ?1"
	    " WHERE state = " Q_SENDING_LITERAL " AND ((1 << lane) & ?2) != 0"
	    " AND (?3 IS NULL OR modem = ?3)";
	int a, b, c;

	if (store_begin(s, err) == -1)
		return -1;
	/* Answers are sent again: a citizen must not go unanswered. */
	if ((c = update_rows(s, done, now, LANE_ALL, modem, err)) == -1 ||
	    (a = update_rows(s, again, now, LANES_ANSWERS, modem, err)) == -1 ||
	    (b = update_rows(s, stop, now, LANE_ALL, modem, err)) == -1) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) == -1)
		return -1;
	return a + b + c;
}

int
store_outbox_count(struct store *s, const char *number, unsigned lane_mask,
    time_t since, struct dz_err *err)
{
	static const char sql[] = "SELECT count(*) FROM outbox WHERE number = ?1"
	    " AND created_at >= ?2 AND ((1 << lane) & ?3) != 0";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int(st, 3, (int)lane_mask);
	return store_count(s, st, "outbox count", err);
}

int
store_outbox_list(struct store *s, const struct out_filter *f,
    store_out_cb cb, void *arg, struct dz_err *err)
{
	static const char sql[] = "SELECT id, lane, state, attempts, number,"
	    " coalesce(sent_at, next_at), text, coalesce(last_error, ''),"
	    " coalesce(delivery, ''), coalesce(delivery_status, 0)"
	    " FROM outbox WHERE instr(?1, ',' || state || ',') > 0"
	    " AND ((1 << lane) & ?2) != 0 AND (?4 = '' OR delivery = ?4)"
	    " ORDER BY lane, id LIMIT ?3";
	struct out_row row;
	sqlite3_stmt *st;
	char states[128];
	int n = 0, r;

	store_name_set(store_state_names, OUT_NSTATES, f->states, states,
	    sizeof(states));
	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, states, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)f->lanes);
	sqlite3_bind_int(st, 3, f->limit);
	sqlite3_bind_text(st, 4, store_delivery_name(f->delivery), -1,
	    SQLITE_STATIC);
	while ((r = store_row(s, st, "outbox list", err)) == 1) {
		memset(&row, 0, sizeof(row));
		row.id = sqlite3_column_int64(st, 0);
		row.lane = (enum lane)sqlite3_column_int(st, 1);
		row.state = (enum out_state)store_col_enum(st, 2,
		    store_state_names, OUT_NSTATES, OUT_NSTATES);
		row.attempts = sqlite3_column_int(st, 3);
		store_col(st, 4, row.number, sizeof(row.number));
		row.when = sqlite3_column_int64(st, 5);
		store_col(st, 6, row.text, sizeof(row.text));
		store_col(st, 7, row.last_error, sizeof(row.last_error));
		row.delivery = store_delivery_parse(st, 8);
		row.delivery_status = sqlite3_column_int(st, 9);
		n++;
		if (cb(arg, &row) != 0) {
			sqlite3_reset(st);
			break;
		}
	}
	return r == -1 ? -1 : n;
}

int
store_outbox_summary(struct store *s, time_t since, struct outbox_summary *sum,
    struct dz_err *err)
{
	/* The rows of the two partial indexes: no scan of the whole outbox. */
	static const char q[] = "SELECT lane, count(*) FROM"
	    " (SELECT lane FROM outbox INDEXED BY outbox_waiting"
	    "  WHERE state IN " Q_WAITING_LITERAL
	    "  UNION ALL SELECT lane FROM outbox INDEXED BY outbox_sending"
	    "  WHERE state = " Q_SENDING_LITERAL ") GROUP BY lane";
	static const char t[] = "SELECT"
	    " count(*) FILTER (WHERE state = " Q_SENT " AND sent_at >= ?1),"
	    " count(*) FILTER (WHERE state IN (" Q_FAILED ", " Q_EXPIRED ", " Q_UNCERTAIN ")"
	    "   AND next_at >= ?1), max(sent_at) FROM outbox";
	sqlite3_stmt *st;
	int lane, r;

	memset(sum, 0, sizeof(*sum));
	if ((st = store_prep(s, q, err)) == NULL)
		return -1;
	while ((r = store_row(s, st, "outbox summary", err)) == 1) {
		lane = sqlite3_column_int(st, 0);
		if (lane >= 0 && lane < LANE_COUNT)
			sum->queued[lane] = sqlite3_column_int(st, 1);
	}
	if (r == -1 || (st = store_prep(s, t, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	if ((r = store_row(s, st, "outbox summary", err)) == 1) {
		sum->sent_today = sqlite3_column_int(st, 0);
		sum->failed_today = sqlite3_column_int(st, 1);
		sum->last_send = sqlite3_column_int64(st, 2);
		sqlite3_reset(st);
	}
	return r < 0 ? -1 : 0;
}
