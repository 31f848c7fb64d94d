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
	static const char bump[] = "INSERT INTO miss_minutes (minute, n)"
	    " VALUES (?1, 1) ON CONFLICT (minute) DO UPDATE SET n = n + 1";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, store_audit_name(outcome), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, owner);
	if (store_run(s, st, "audit insert", err) < 0)
		return -1;
	if ((AUDIT_BIT(outcome) & AUDIT_MISSES) == 0)
		return 0;
	/* Misses of all numbers by the minute: the guessing alarm's count. */
	if ((st = store_prep(s, bump, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now / 60);
	return store_run(s, st, "miss count", err) < 0 ? -1 : 0;
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
store_audit_counts(struct store *s, const char *number,
    struct audit_window *w, int nw, struct dz_err *err)
{
	/* Unused windows count nothing: an empty set matches no outcome. */
	static const char sql[] = "SELECT"
	    " count(CASE WHEN at >= ?2 AND instr(?3, ',' || outcome || ',') > 0 THEN 1 END),"
	    " count(CASE WHEN at >= ?4 AND instr(?5, ',' || outcome || ',') > 0 THEN 1 END),"
	    " count(CASE WHEN at >= ?6 AND instr(?7, ',' || outcome || ',') > 0 THEN 1 END),"
	    " count(CASE WHEN at >= ?8 AND instr(?9, ',' || outcome || ',') > 0 THEN 1 END),"
	    " count(CASE WHEN at >= ?10 AND instr(?11, ',' || outcome || ',') > 0 THEN 1 END)"
	    " FROM audit WHERE number = ?1 AND at >= ?12";
	char set[AUDIT_WINDOWS][128];
	sqlite3_stmt *st;
	time_t since = 0;
	int i, r;

	if (nw < 1 || nw > AUDIT_WINDOWS)
		return dz_err_set(err, DZ_EUSAGE, "state db: %d audit windows",
		    nw);
	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	for (i = 0; i < AUDIT_WINDOWS; i++) {
		if (i < nw) {
			store_name_set(store_audit_names, AUDIT_NOUTCOMES,
			    w[i].mask, set[i], sizeof(set[i]));
			if (i == 0 || w[i].since < since)
				since = w[i].since;
		} else
			set[i][0] = '\0';
		sqlite3_bind_int64(st, 2 + 2 * i, i < nw ? w[i].since : 0);
		sqlite3_bind_text(st, 3 + 2 * i, set[i], -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 2 + 2 * AUDIT_WINDOWS, since);
	if ((r = store_row(s, st, "audit counts", err)) != 1)
		return r == 0 ? dz_err_set(err, DZ_ESTATE, "state db: audit "
		    "counts: no row") : -1;
	for (i = 0; i < nw; i++)
		w[i].n = sqlite3_column_int(st, i);
	sqlite3_reset(st);
	return 0;
}

int
store_audit_misses(struct store *s, time_t since, int *numbers,
    struct dz_err *err)
{
	static const char sql[] = "SELECT count(*), count(DISTINCT number)"
	    " FROM audit WHERE at >= ? AND outcome IN ('not_found', 'bad_date')";
	sqlite3_stmt *st;
	int n, r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	if ((r = store_row(s, st, "audit misses", err)) != 1)
		return r == 0 ? dz_err_set(err, DZ_ESTATE, "state db: audit "
		    "misses: no row") : -1;
	n = sqlite3_column_int(st, 0);
	*numbers = sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	return n;
}

int
store_miss_count(struct store *s, time_t since, struct dz_err *err)
{
	static const char sql[] = "SELECT coalesce(sum(n), 0) FROM miss_minutes"
	    " WHERE minute >= ?";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since / 60);
	return store_count(s, st, "miss count", err);
}

int
store_audit_prune(struct store *s, time_t before, struct dz_err *err)
{
	static const char sql[] = "DELETE FROM audit WHERE at < ?";
	static const char minutes[] = "DELETE FROM miss_minutes WHERE minute < ?";
	sqlite3_stmt *st;
	int n;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	if ((n = store_run(s, st, "audit prune", err)) == -1)
		return -1;
	/* The minute counts only serve the last hour. */
	if ((st = store_prep(s, minutes, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, before / 60 > 0 ? before / 60 : 0);
	return store_run(s, st, "miss count prune", err) == -1 ? -1 : n;
}

int
store_audit_list(struct store *s, const struct audit_filter *f,
    store_audit_cb cb, void *arg, int *total, struct dz_err *err)
{
	static const char sql[] = "SELECT id, at, number, coalesce(code, ''),"
	    " outcome, owner, count(*) OVER () FROM audit"
	    " WHERE (?1 IS NULL OR number = ?1) AND (?2 IS NULL OR code = ?2)"
	    " AND at >= ?3 ORDER BY at DESC, id DESC";
	struct audit_row row;
	sqlite3_stmt *st;
	int n = 0, r;

	*total = 0;
	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	/* NULL binds NULL: the cached statement keeps the last call's values. */
	sqlite3_bind_text(st, 1, f->number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, f->since);
	while ((r = store_row(s, st, "audit list", err)) == 1) {
		*total = sqlite3_column_int(st, 6);
		if (f->limit > 0 && n >= f->limit) {
			sqlite3_reset(st);
			break;
		}
		row.id = sqlite3_column_int64(st, 0);
		row.at = (time_t)sqlite3_column_int64(st, 1);
		store_col(st, 2, row.number, sizeof(row.number));
		store_col(st, 3, row.code, sizeof(row.code));
		store_col(st, 4, row.outcome, sizeof(row.outcome));
		row.owner = sqlite3_column_int(st, 5) != 0;
		n++;
		if (cb(arg, &row) != 0) {
			sqlite3_reset(st);
			break;
		}
	}
	return r == -1 ? -1 : 0;
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
