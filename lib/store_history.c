/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What one number sent and got back (dossierctl history, show): inbox and outbox rows together. */
#include <stdio.h>
#include <string.h>

#include "store_priv.h"

/*
 * Both tables in one shape: incoming rows have lane, state and the send
 * columns NULL; outgoing rows kind and outcome NULL. ?1/?2 the number in
 * its two spellings (an inbox sender is kept as the modem gave it).
 */
#define HIST_SELECT \
	"SELECT 1, id, received_at, sender, text, coalesce(kind, '')," \
	" coalesce(outcome, state), -1, NULL, 0, 0, 0, '', '', 0, 0, 0," \
	" '', 0, 0" \
	" FROM inbox WHERE %s" \
	" UNION ALL SELECT 0, id, created_at, number, text, '', '', lane," \
	" state, attempts, coalesce(sent_at, 0), coalesce(parts, parts_total)," \
	" coalesce(modem, ''), coalesce(last_error, ''), coalesce(inbox_id, 0)," \
	" coalesce(broadcast_id, 0), uncertain, coalesce(delivery, '')," \
	" coalesce(delivery_status, 0), coalesce(delivery_at, 0)" \
	" FROM outbox WHERE %s"

static void
read_hist(sqlite3_stmt *st, struct hist_row *r)
{
	memset(r, 0, sizeof(*r));
	r->incoming = sqlite3_column_int(st, 0) != 0;
	r->id = sqlite3_column_int64(st, 1);
	r->at = sqlite3_column_int64(st, 2);
	store_col(st, 3, r->number, sizeof(r->number));
	store_col(st, 4, r->text, sizeof(r->text));
	store_col(st, 5, r->kind, sizeof(r->kind));
	store_col(st, 6, r->outcome, sizeof(r->outcome));
	r->lane = (enum lane)sqlite3_column_int(st, 7);
	r->state = r->incoming ? OUT_NSTATES : (enum out_state)store_col_enum(st,
	    8, store_state_names, OUT_NSTATES, OUT_NSTATES);
	r->attempts = sqlite3_column_int(st, 9);
	r->sent_at = sqlite3_column_int64(st, 10);
	r->parts = sqlite3_column_int(st, 11);
	store_col(st, 12, r->modem, sizeof(r->modem));
	store_col(st, 13, r->last_error, sizeof(r->last_error));
	r->inbox_id = sqlite3_column_int64(st, 14);
	r->broadcast_id = sqlite3_column_int64(st, 15);
	r->uncertain = sqlite3_column_int(st, 16) != 0;
	r->delivery = store_delivery_parse(st, 17);
	r->delivery_status = sqlite3_column_int(st, 18);
	r->delivery_at = sqlite3_column_int64(st, 19);
}

int
store_history(struct store *s, const char *number, const char *national,
    time_t since, int limit, store_hist_cb cb, void *arg, int *total,
    struct dz_err *err)
{
	static const char count[] = "SELECT"
	    " (SELECT count(*) FROM inbox WHERE sender IN (?1, ?2)"
	    "  AND received_at >= ?3) +"
	    " (SELECT count(*) FROM outbox WHERE number IN (?1, ?2)"
	    "  AND created_at >= ?3)";
	static char sql[2048];
	struct hist_row row;
	sqlite3_stmt *st;
	int n = 0, r;

	/* The newest `limit` rows, shown oldest first. */
	if (sql[0] == '\0')
		snprintf(sql, sizeof(sql), "SELECT * FROM (" HIST_SELECT
		    " ORDER BY 3 DESC, 1, 2 DESC LIMIT ?4) ORDER BY 3, 1 DESC, 2",
		    "sender IN (?1, ?2) AND received_at >= ?3",
		    "number IN (?1, ?2) AND created_at >= ?3");
	if ((st = store_prep(s, count, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, national, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	if ((*total = store_count(s, st, "history count", err)) == -1 ||
	    (st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, national, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	sqlite3_bind_int(st, 4, limit);
	while ((r = store_row(s, st, "history", err)) == 1) {
		read_hist(st, &row);
		n++;
		if (cb(arg, &row) != 0) {
			sqlite3_reset(st);
			break;
		}
	}
	return r == -1 ? -1 : n;
}

int
store_message_get(struct store *s, bool incoming, int64_t id,
    struct hist_row *r, struct dz_err *err)
{
	static char in_sql[2048], out_sql[2048];
	sqlite3_stmt *st;
	char *sql = incoming ? in_sql : out_sql;
	int n;

	/* The half of HIST_SELECT that cannot match is given a false WHERE. */
	if (sql[0] == '\0')
		snprintf(sql, sizeof(in_sql), HIST_SELECT,
		    incoming ? "id = ?1" : "0", incoming ? "0" : "id = ?1");
	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((n = store_row(s, st, "message", err)) == 1) {
		read_hist(st, r);
		sqlite3_reset(st);
	}
	return n;
}
