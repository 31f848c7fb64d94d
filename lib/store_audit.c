/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit trail of lookups and staff commands, and the opt-out list, in the state database. */
#include <stdio.h>
#include <string.h>

#include "store_priv.h"

int
store_audit_add(struct store *s, const char *number, const char *code,
    enum audit_outcome outcome, bool owner, time_t now, struct dz_err *err)
{
	static const char sql[] = "INSERT INTO audit (at, number, code, outcome,"
	    " owner) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, store_audit_name(outcome), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, owner);
	return store_run(s, st, "audit insert", err) < 0 ? -1 : 0;
}

int
store_audit_count(struct store *s, const char *number, unsigned mask,
    time_t since, struct dz_err *err)
{
	static const char sql[] = "SELECT count(*) FROM audit WHERE number = ?"
	    " AND at >= ? AND instr(?, ',' || outcome || ',') > 0";
	sqlite3_stmt *st;
	char set[128];

	store_name_set(store_audit_names, AUDIT_NOUTCOMES, mask, set, sizeof(set));
	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_text(st, 3, set, -1, SQLITE_STATIC);
	return store_count(s, st, "audit count", err);
}

int
store_optout_set(struct store *s, const char *number, bool out,
    const char *source, time_t now, struct dz_err *err)
{
	static const char ins[] = "INSERT OR REPLACE INTO optouts (number, at,"
	    " source) VALUES (?, ?, ?)";
	static const char del[] = "DELETE FROM optouts WHERE number = ?";
	sqlite3_stmt *st;

	if ((st = store_prep(s, out ? ins : del, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	if (out) {
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
	}
	return store_run(s, st, "optout", err);
}

int
store_optout_get(struct store *s, const char *number, struct dz_err *err)
{
	static const char sql[] = "SELECT count(*) FROM optouts WHERE number = ?";
	sqlite3_stmt *st;
	int r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	if ((r = store_count(s, st, "optout", err)) == -1)
		return -1;
	return r > 0;
}

int
store_optout_list(struct store *s, store_optout_cb cb, void *arg,
    struct dz_err *err)
{
	static const char sql[] = "SELECT number, at, coalesce(source, '')"
	    " FROM optouts ORDER BY at, number";
	sqlite3_stmt *st;
	char number[STORE_NUM_MAX], source[64];
	int n = 0, r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	while ((r = store_row(s, st, "optout list", err)) == 1) {
		store_col(st, 0, number, sizeof(number));
		store_col(st, 2, source, sizeof(source));
		n++;
		if (cb(arg, number, sqlite3_column_int64(st, 1), source) != 0) {
			sqlite3_reset(st);
			break;
		}
	}
	return r == -1 ? -1 : n;
}
