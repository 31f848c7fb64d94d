/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Status reports: which sent part they answer, what a message's delivery is, stale numbers. */
#include <stdio.h>
#include <string.h>

#include "store_priv.h"

#define MATCH_WINDOW_S	(7 * 86400)	/* a report later than this matches nothing */

static const char *const delivery_names[DLV_N] = {
	[DLV_NONE] = "", [DLV_WAITING] = "waiting", [DLV_PENDING] = "pending",
	[DLV_DELIVERED] = "delivered", [DLV_UNDELIVERABLE] = "undeliverable",
};

const char *
store_delivery_name(enum delivery d)
{
	return (unsigned)d < DLV_N ? delivery_names[d] : "?";
}

enum delivery
store_delivery_parse(sqlite3_stmt *st, int col)
{
	return (enum delivery)store_col_enum(st, col, delivery_names, DLV_N,
	    DLV_NONE);
}

int
store_delivery_report(struct store *s, const char *modem, int mr,
    enum delivery d, int tp_st, time_t at, time_t now,
    struct delivery_match *m, struct dz_err *err)
{
	/*
	 * A wrapped reference: the newest part still waiting for its report
	 * first, else the newest. Both in the order of sent_parts_mr_at,
	 * which ends in the rowid: nothing to sort.
	 */
	static const char open_part[] = "SELECT id, outbox_id, part, total"
	    " FROM sent_parts WHERE modem = ?1 AND mr = ?2"
	    " AND delivery IS NOT NULL AND delivery IN ('waiting', 'pending')"
	    " AND sent_at >= ?3 ORDER BY sent_at DESC, id DESC LIMIT 1";
	static const char any_part[] = "SELECT id, outbox_id, part, total"
	    " FROM sent_parts WHERE modem = ?1 AND mr = ?2"
	    " AND delivery IS NOT NULL AND sent_at >= ?3"
	    " ORDER BY sent_at DESC, id DESC LIMIT 1";
	static const char *const find[] = { open_part, any_part };
	static const char part[] = "UPDATE sent_parts SET delivery = ?2,"
	    " delivery_status = ?3, delivery_at = ?4 WHERE id = ?1";
	/* The message: undeliverable if a part is, delivered once all are. */
	static const char msg[] = "UPDATE outbox SET delivery = (SELECT CASE"
	    " WHEN sum(delivery = 'undeliverable') > 0 THEN 'undeliverable'"
	    " WHEN sum(delivery = 'delivered') >= max(total) THEN 'delivered'"
	    " WHEN sum(delivery = 'pending') > 0 THEN 'pending'"
	    " ELSE 'waiting' END FROM sent_parts WHERE outbox_id = ?1),"
	    " delivery_status = CASE WHEN delivery = 'undeliverable'"
	    "  AND ?2 != 'undeliverable' THEN delivery_status ELSE ?3 END,"
	    " delivery_at = ?4 WHERE id = ?1";
	/* A message of one part: its delivery is the part's (?5), no sum to take. */
	static const char msg1[] = "UPDATE outbox SET delivery = ?5,"
	    " delivery_status = CASE WHEN delivery = 'undeliverable'"
	    "  AND ?2 != 'undeliverable' THEN delivery_status ELSE ?3 END,"
	    " delivery_at = ?4 WHERE id = ?1";
	static const char back[] = "SELECT lane, number, coalesce(delivery, '')"
	    " FROM outbox WHERE id = ?1";
	sqlite3_stmt *st;
	int64_t part_id;
	size_t i;
	int r = 0;
	bool one;

	memset(m, 0, sizeof(*m));
	if (store_begin(s, err) == -1)
		return -1;
	for (i = 0; r == 0 && i < nitems(find); i++) {
		if ((st = store_prep(s, find[i], err)) == NULL)
			goto fail;
		sqlite3_bind_text(st, 1, modem, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, mr);
		sqlite3_bind_int64(st, 3, now - MATCH_WINDOW_S);
		if ((r = store_row(s, st, "report match", err)) == -1)
			goto fail;
	}
	if (r == 0) {
		store_rollback(s);
		return 0;
	}
	part_id = sqlite3_column_int64(st, 0);
	m->outbox_id = sqlite3_column_int64(st, 1);
	m->part = sqlite3_column_int(st, 2);
	m->total = sqlite3_column_int(st, 3);
	one = m->total == 1;
	sqlite3_reset(st);
	if ((st = store_prep(s, part, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, part_id);
	sqlite3_bind_text(st, 2, delivery_names[d], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, tp_st);
	sqlite3_bind_int64(st, 4, at);
	if (store_run(s, st, "report part", err) == -1 ||
	    (st = store_prep(s, one ? msg1 : msg, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, m->outbox_id);
	sqlite3_bind_text(st, 2, delivery_names[d], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, tp_st);
	sqlite3_bind_int64(st, 4, at);
	if (one)	/* what msg's sum gives for one part */
		sqlite3_bind_text(st, 5, d == DLV_UNDELIVERABLE ||
		    d == DLV_DELIVERED || d == DLV_PENDING ? delivery_names[d] :
		    delivery_names[DLV_WAITING], -1, SQLITE_STATIC);
	if (store_run(s, st, "report message", err) == -1 ||
	    (st = store_prep(s, back, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, m->outbox_id);
	if ((r = store_row(s, st, "report message", err)) == -1)
		goto fail;
	if (r == 1) {
		m->lane = (enum lane)sqlite3_column_int(st, 0);
		store_col(st, 1, m->number, sizeof(m->number));
		m->message = (enum delivery)store_col_enum(st, 2, delivery_names,
		    DLV_N, DLV_NONE);
		sqlite3_reset(st);
	}
	if (store_commit(s, err) == -1)
		return -1;
	return 1;
fail:
	store_rollback(s);
	return -1;
}

int
store_delivery_counts(struct store *s, time_t since, struct delivery_counts *c,
    struct dz_err *err)
{
	static const char by[] = "SELECT coalesce(delivery, ''), count(*)"
	    " FROM outbox WHERE state = " Q_SENT " AND sent_at >= ?1 GROUP BY 1";
	static const char why[] = "SELECT delivery_status, count(*) FROM outbox"
	    " WHERE state = " Q_SENT " AND sent_at >= ?1 AND lane = ?2"
	    " AND delivery = 'undeliverable' GROUP BY 1 ORDER BY 2 DESC LIMIT 16";
	sqlite3_stmt *st;
	int r, d;

	memset(c, 0, sizeof(*c));
	if ((st = store_prep(s, by, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	while ((r = store_row(s, st, "delivery counts", err)) == 1) {
		d = store_col_enum(st, 0, delivery_names, DLV_N, DLV_NONE);
		c->n[d] += sqlite3_column_int(st, 1);
	}
	if (r == -1 || (st = store_prep(s, why, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int(st, 2, LANE_NOTICE);
	while ((r = store_row(s, st, "delivery reasons", err)) == 1 &&
	    c->nreasons < (int)nitems(c->notice_reasons)) {
		c->notice_reasons[c->nreasons].status = sqlite3_column_int(st, 0);
		c->notice_reasons[c->nreasons++].n = sqlite3_column_int(st, 1);
	}
	if (r == 1)
		sqlite3_reset(st);
	return r == -1 ? -1 : 0;
}

int
store_delivery_stale(struct store *s, int min_failures, store_stale_cb cb,
    void *arg, struct dz_err *err)
{
	/*
	 * Failures after the number's last delivered message; the dossier
	 * codes come from the notices ledger (what the office should fix).
	 */
	static const char sql[] = "SELECT o.number, count(*),"
	    " (SELECT delivery_status FROM outbox x WHERE x.number = o.number"
	    "  AND x.delivery = 'undeliverable' ORDER BY delivery_at DESC LIMIT 1),"
	    " max(o.delivery_at),"
	    " (SELECT group_concat(code, ', ') FROM (SELECT DISTINCT code"
	    "  FROM notices n WHERE n.number = o.number LIMIT 8))"
	    " FROM outbox o WHERE o.delivery = 'undeliverable'"
	    " AND o.delivery_at > coalesce((SELECT max(delivery_at) FROM outbox d"
	    "  WHERE d.number = o.number AND d.delivery = 'delivered'), 0)"
	    " GROUP BY o.number HAVING count(*) >= ?1 ORDER BY 2 DESC, 1";
	struct stale_number n;
	sqlite3_stmt *st;
	int count = 0, r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, min_failures);
	while ((r = store_row(s, st, "stale numbers", err)) == 1) {
		memset(&n, 0, sizeof(n));
		store_col(st, 0, n.number, sizeof(n.number));
		n.failures = sqlite3_column_int(st, 1);
		n.last_status = sqlite3_column_int(st, 2);
		n.last_at = sqlite3_column_int64(st, 3);
		store_col(st, 4, n.codes, sizeof(n.codes));
		count++;
		if (cb(arg, &n) != 0) {
			sqlite3_reset(st);
			break;
		}
	}
	return r == -1 ? -1 : count;
}
