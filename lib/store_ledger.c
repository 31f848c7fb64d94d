/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The notices ledger of the state database: one row per notice or reminder decided, and its counts. */
#include <stdio.h>
#include <string.h>

#include "store_priv.h"

int
store_notice_add(struct store *s, const struct notice_row *n,
    struct dz_err *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO notices (code, kind, n,"
	    " number, outcome, outbox_id, created_at, next_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, n->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, store_notice_kind_name(n->kind), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 3, n->n);
	if (n->number[0] != '\0')
		sqlite3_bind_text(st, 4, n->number, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, store_notice_outcome_name(n->outcome), -1,
	    SQLITE_STATIC);
	if (n->outbox_id > 0)
		sqlite3_bind_int64(st, 6, n->outbox_id);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int64(st, 7, n->created_at);
	if (n->next_at > 0)
		sqlite3_bind_int64(st, 8, n->next_at);
	else
		sqlite3_bind_null(st, 8);
	return store_run(s, st, "notice insert", err);
}

int
store_notice_exists(struct store *s, const char *code, enum notice_kind kind,
    int n, struct dz_err *err)
{
	static const char sql[] = "SELECT count(*) FROM notices WHERE code = ?"
	    " AND kind = ? AND n = ?";
	sqlite3_stmt *st;
	int r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, store_notice_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, n);
	if ((r = store_count(s, st, "notices ledger", err)) == -1)
		return -1;
	return r > 0;
}

int
store_notice_due(struct store *s, time_t now, struct notice_row *n,
    struct dz_err *err)
{
	static const char sql[] = "SELECT id, code, kind, n, coalesce(number, ''),"
	    " outcome, created_at, next_at FROM notices WHERE next_at <= ?"
	    " ORDER BY next_at LIMIT 1";
	sqlite3_stmt *st;
	int r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if ((r = store_row(s, st, "notice due", err)) == 1) {
		memset(n, 0, sizeof(*n));
		n->id = sqlite3_column_int64(st, 0);
		store_col(st, 1, n->code, sizeof(n->code));
		n->kind = (enum notice_kind)store_col_enum(st, 2,
		    store_kind_names, (int)nitems(store_kind_names), NOTICE_READY);
		n->n = sqlite3_column_int(st, 3);
		store_col(st, 4, n->number, sizeof(n->number));
		n->outcome = (enum notice_outcome)store_col_enum(st, 5,
		    store_outcome_names, NOTICE_NOUTCOMES, NOTICE_QUEUED);
		n->created_at = sqlite3_column_int64(st, 6);
		n->next_at = sqlite3_column_int64(st, 7);
		sqlite3_reset(st);
	}
	return r;
}

int
store_notice_reschedule(struct store *s, int64_t id, time_t next_at,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE notices SET next_at = ? WHERE id = ?";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	if (next_at > 0)
		sqlite3_bind_int64(st, 1, next_at);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, id);
	return store_run(s, st, "notice reschedule", err) < 0 ? -1 : 0;
}

int
store_ledger_counts(struct store *s, time_t since, struct ledger_counts *lc,
    struct dz_err *err)
{
	static const char by_outcome[] = "SELECT outcome, count(*) FROM notices"
	    " WHERE created_at >= ?1 GROUP BY outcome";
	static const char reminders[] = "SELECT count(*) FROM notices n"
	    " JOIN outbox o ON o.id = n.outbox_id WHERE n.kind = ?2"
	    " AND o.state = " Q_SENT " AND o.sent_at >= ?1";
	sqlite3_stmt *st;
	int i, r;

	memset(lc, 0, sizeof(*lc));
	if ((st = store_prep(s, by_outcome, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	while ((r = store_row(s, st, "ledger counts", err)) == 1) {
		if ((i = store_col_enum(st, 0, store_outcome_names,
		    NOTICE_NOUTCOMES, -1)) >= 0)
			lc->outcome[i] = sqlite3_column_int(st, 1);
	}
	if (r == -1 || (st = store_prep(s, reminders, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_text(st, 2, store_kind_names[NOTICE_REMINDER], -1,
	    SQLITE_STATIC);
	if ((lc->reminders_sent = store_count(s, st, "ledger counts", err)) == -1)
		return -1;
	return 0;
}
