/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the state database reports to people: modem status rows and today's counts. */
#include <stdio.h>
#include <string.h>

#include "store_priv.h"

int
store_modem_put(struct store *s, const struct modem_status *ms,
    struct dz_err *err)
{
	static const char sql[] = "INSERT OR REPLACE INTO modems (name, state,"
	    " signal, network, operator, last_error, reconnects, updated_at,"
	    " last_send, balance, balance_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ms->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ms->state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, ms->signal);
	sqlite3_bind_text(st, 4, ms->network, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ms->operator_, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ms->last_error, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, ms->reconnects);
	sqlite3_bind_int64(st, 8, ms->updated_at);
	sqlite3_bind_int64(st, 9, ms->last_send);
	sqlite3_bind_text(st, 10, ms->balance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, ms->balance_at);
	return store_run(s, st, "modem status", err) < 0 ? -1 : 0;
}

int
store_modem_list(struct store *s, struct modem_status *out, int max,
    struct dz_err *err)
{
	static const char sql[] = "SELECT name, state, signal, network, operator,"
	    " last_error, reconnects, updated_at, last_send, balance, balance_at"
	    " FROM modems ORDER BY name";
	sqlite3_stmt *st;
	int n = 0, r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	while (n < max && (r = store_row(s, st, "modem status", err)) == 1) {
		struct modem_status *m = &out[n++];

		store_col(st, 0, m->name, sizeof(m->name));
		store_col(st, 1, m->state, sizeof(m->state));
		m->signal = sqlite3_column_int(st, 2);
		store_col(st, 3, m->network, sizeof(m->network));
		store_col(st, 4, m->operator_, sizeof(m->operator_));
		store_col(st, 5, m->last_error, sizeof(m->last_error));
		m->reconnects = sqlite3_column_int(st, 6);
		m->updated_at = sqlite3_column_int64(st, 7);
		m->last_send = sqlite3_column_int64(st, 8);
		store_col(st, 9, m->balance, sizeof(m->balance));
		m->balance_at = sqlite3_column_int64(st, 10);
	}
	if (n == max)
		sqlite3_reset(st);
	else if (r == -1)
		return -1;
	return n;
}

int
store_today(struct store *s, time_t since, time_t now, struct store_today *t,
    struct dz_err *err)
{
	static const char inbox[] = "SELECT count(*) FROM inbox"
	    " WHERE received_at >= ?1";
	static const char audit[] = "SELECT outcome, count(*) FROM audit"
	    " WHERE at >= ?1 GROUP BY outcome";
	static const char outbox[] = "SELECT lane, count(*) FROM outbox"
	    " WHERE state = " Q_SENT " AND sent_at >= ?1 GROUP BY lane";
	static const char final[] = "SELECT"
	    " count(*) FILTER (WHERE state IN (" Q_FAILED ", " Q_EXPIRED ")),"
	    " count(*) FILTER (WHERE state = " Q_UNCERTAIN ")"
	    " FROM outbox WHERE next_at >= ?1";
	static const char notices[] = "SELECT"
	    " count(*) FILTER (WHERE next_at <= ?1),"
	    " count(*) FILTER (WHERE next_at > ?1)"
	    " FROM outbox INDEXED BY outbox_waiting WHERE lane = ?2"
	    " AND state IN " Q_WAITING_LITERAL;
	sqlite3_stmt *st;
	int i, lane, r;

	memset(t, 0, sizeof(*t));
	if ((st = store_prep(s, inbox, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	if ((t->received = store_count(s, st, "today", err)) == -1)
		return -1;
	if ((st = store_prep(s, audit, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	while ((r = store_row(s, st, "today", err)) == 1) {
		if ((i = store_col_enum(st, 0, store_audit_names,
		    AUDIT_NOUTCOMES, -1)) >= 0)
			t->audit[i] = sqlite3_column_int(st, 1);
	}
	if (r == -1 || (st = store_prep(s, outbox, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	while ((r = store_row(s, st, "today", err)) == 1) {
		lane = sqlite3_column_int(st, 0);
		if (lane >= 0 && lane < LANE_COUNT)
			t->sent[lane] = sqlite3_column_int(st, 1);
	}
	if (r == -1 || (st = store_prep(s, final, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	if ((r = store_row(s, st, "today", err)) == 1) {
		t->failed = sqlite3_column_int(st, 0);
		t->uncertain = sqlite3_column_int(st, 1);
		sqlite3_reset(st);
	}
	if (r == -1 || (st = store_prep(s, notices, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, LANE_NOTICE);
	if ((r = store_row(s, st, "today", err)) == 1) {
		t->notices_due = sqlite3_column_int(st, 0);
		t->notices_held = sqlite3_column_int(st, 1);
		sqlite3_reset(st);
	}
	return r < 0 ? -1 : 0;
}

int
store_modem_parts(struct store *s, const char *modem, time_t since,
    struct dz_err *err)
{
	static const char sql[] = "SELECT count(*) FROM sent_parts"
	    " WHERE modem = ?1 AND sent_at >= ?2";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, modem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	return store_count(s, st, "modem parts", err);
}

int
store_modem_claimed(struct store *s, const char *modem, struct dz_err *err)
{
	static const char sql[] = "SELECT count(*) FROM outbox"
	    " INDEXED BY outbox_sending WHERE modem = ?1"
	    " AND state = " Q_SENDING_LITERAL;
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, modem, -1, SQLITE_STATIC);
	return store_count(s, st, "modem claimed", err);
}

int
store_modem_live(struct store *s, const char *modem, time_t now,
    struct dz_err *err)
{
	static const char sql[] = "SELECT count(*) FROM modems WHERE name = ?1"
	    " AND state = 'ready' AND updated_at >= ?2";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, modem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now - 60);
	return store_count(s, st, "modem live", err);
}
