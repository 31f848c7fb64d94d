/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The inbox of the state database: received parts, dedup, multipart reassembly, pending messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "text.h"

/* Insert a whole message unless its dedup key exists: 1 new, 0 seen, -1. */
static int
inbox_insert(struct store *s, const char *dedup, const char *sender,
    const char *text, const char *modem, time_t now, struct dz_err *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO inbox"
	    " (dedup, sender, text, modem, received_at) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dedup, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, modem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	return store_run(s, st, "inbox insert", err);
}

/* Join the waiting parts of one concatenated message into an inbox row. */
static int
join_parts(struct store *s, const char *sender, int ref, int total,
    time_t now, struct dz_err *err)
{
	static const char sel[] = "SELECT part, text, modem, id FROM parts"
	    " WHERE sender = ? AND ref = ? AND total = ? AND inbox_id IS NULL"
	    " ORDER BY part, id";
	static const char upd[] = "UPDATE parts SET inbox_id = ?"
	    " WHERE sender = ? AND ref = ? AND total = ? AND inbox_id IS NULL";
	sqlite3_stmt *st;
	char text[STORE_TEXT_MAX], modem[32] = "", dedup[96];
	size_t len = 0;
	int64_t first = INT64_MAX;
	int last = -1, r;

	if ((st = store_prep(s, sel, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, ref);
	sqlite3_bind_int(st, 3, total);
	text[0] = '\0';
	while ((r = store_row(s, st, "parts join", err)) == 1) {
		if (sqlite3_column_int(st, 0) == last)
			continue;	/* the same part delivered twice */
		last = sqlite3_column_int(st, 0);
		/* Too long: cut at a character, never inside one. */
		text_utf8_repair((const char *)sqlite3_column_text(st, 1),
		    text + len, sizeof(text) - len);
		len += strlen(text + len);
		store_col(st, 2, modem, sizeof(modem));
		if (sqlite3_column_int64(st, 3) < first)
			first = sqlite3_column_int64(st, 3);
	}
	if (r == -1)
		return -1;
	snprintf(dedup, sizeof(dedup), "M|%lld", (long long)first);
	if (inbox_insert(s, dedup, sender, text, modem, now, err) == -1)
		return -1;
	if ((st = store_prep(s, upd, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(s->db));
	sqlite3_bind_text(st, 2, sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, ref);
	sqlite3_bind_int(st, 4, total);
	return store_run(s, st, "parts join", err) < 0 ? -1 : 0;
}

/* One part of a concatenated message: 1 new, 0 seen before, -1. */
static int
add_part(struct store *s, const struct in_part *p, const char *dedup,
    time_t now, struct dz_err *err)
{
	static const char ins[] = "INSERT OR IGNORE INTO parts (dedup, sender,"
	    " ref, part, total, text, modem, received_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	static const char cnt[] = "SELECT count(DISTINCT part) FROM parts"
	    " WHERE sender = ? AND ref = ? AND total = ? AND inbox_id IS NULL";
	sqlite3_stmt *st;
	int n;

	if ((st = store_prep(s, ins, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dedup, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, p->ref);
	sqlite3_bind_int(st, 4, p->part);
	sqlite3_bind_int(st, 5, p->total);
	sqlite3_bind_text(st, 6, p->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, p->modem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	if ((n = store_run(s, st, "parts insert", err)) <= 0)
		return n;
	if ((st = store_prep(s, cnt, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, p->sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, p->ref);
	sqlite3_bind_int(st, 3, p->total);
	if ((n = store_count(s, st, "parts count", err)) == -1)
		return -1;
	if (n >= p->total && join_parts(s, p->sender, p->ref, p->total, now,
	    err) == -1)
		return -1;
	return 1;
}

/* The field (a string within max bytes) and a '|' at d; returns the end. */
static char *
put_field(char *d, const char *field, size_t max)
{
	size_t n = strnlen(field, max - 1);

	memcpy(d, field, n);
	d[n] = '|';
	return d + n + 1;
}

int
store_inbox_add_part(struct store *s, const struct in_part *in, time_t now,
    struct dz_err *err)
{
	struct in_part part = *in, *p = &part;
	/* sender|smsc_time|ref|part|total|text: every field fits. */
	char dedup[sizeof(p->sender) + sizeof(p->smsc_time) + 3 * 21 +
	    sizeof(p->text)], *d = dedup;
	int r;

	/* The network's text may be no UTF-8 (lone UTF-16 surrogates). */
	text_utf8_repair(in->text, part.text, sizeof(part.text));
	d = put_field(d, p->sender, sizeof(p->sender));
	d = put_field(d, p->smsc_time, sizeof(p->smsc_time));
	d = dz_put_int(d, p->ref);
	*d++ = '|';
	d = dz_put_int(d, p->part);
	*d++ = '|';
	d = dz_put_int(d, p->total);
	*d++ = '|';
	dz_strlcpy(d, p->text, sizeof(p->text));
	if (store_begin(s, err) == -1)
		return -1;
	if (p->total <= 1)
		r = inbox_insert(s, dedup, p->sender, p->text, p->modem, now, err);
	else
		r = add_part(s, p, dedup, now, err);
	if (r == -1) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) == -1)
		return -1;
	return r;
}

int
store_parts_flush(struct store *s, time_t cutoff, struct dz_err *err)
{
	static const char sql[] = "SELECT sender, ref, total FROM parts"
	    " WHERE inbox_id IS NULL GROUP BY sender, ref, total"
	    " HAVING min(received_at) < ? LIMIT 1";
	sqlite3_stmt *st;
	char sender[STORE_NUM_MAX];
	int n = 0, ref, total, r;

	for (;;) {
		if ((st = store_prep(s, sql, err)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, cutoff);
		if ((r = store_row(s, st, "parts flush", err)) <= 0)
			return r == 0 ? n : -1;
		store_col(st, 0, sender, sizeof(sender));
		ref = sqlite3_column_int(st, 1);
		total = sqlite3_column_int(st, 2);
		sqlite3_reset(st);
		if (store_begin(s, err) == -1)
			return -1;
		if (join_parts(s, sender, ref, total, cutoff, err) == -1) {
			store_rollback(s);
			return -1;
		}
		if (store_commit(s, err) == -1)
			return -1;
		n++;
	}
}

int
store_inbox_next(struct store *s, struct inbox_msg *m, struct dz_err *err)
{
	return store_inbox_next_after(s, 0, m, err);
}

int
store_inbox_next_after(struct store *s, int64_t after, struct inbox_msg *m,
    struct dz_err *err)
{
	static const char sql[] = "SELECT id, sender, text, received_at FROM inbox"
	    " WHERE state = 'pending' AND id > ? ORDER BY id LIMIT 1";
	sqlite3_stmt *st;
	int r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	if ((r = store_row(s, st, "inbox next", err)) == 1) {
		m->id = sqlite3_column_int64(st, 0);
		store_col(st, 1, m->sender, sizeof(m->sender));
		store_col(st, 2, m->text, sizeof(m->text));
		m->received_at = sqlite3_column_int64(st, 3);
		sqlite3_reset(st);
	}
	return r;
}

int
store_inbox_repeats(struct store *s, int64_t id, const char *sender,
    int64_t fp, time_t since, struct dz_err *err)
{
	static const char count[] = "SELECT count(*) FROM inbox WHERE sender = ?"
	    " AND received_at >= ? AND fp = ? AND id != ?";
	sqlite3_stmt *st;
	int n;

	if ((st = store_prep(s, count, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sender, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, fp);
	sqlite3_bind_int64(st, 4, id);
	if ((n = store_count(s, st, "inbox repeats", err)) == -1)
		return -1;
	return n + 1;
}

int
store_inbox_done(struct store *s, int64_t id, const char *kind,
    const char *outcome, const int64_t *fp, time_t now, struct dz_err *err)
{
	static const char sql[] = "UPDATE inbox SET state = 'handled', kind = ?1,"
	    " outcome = ?2, handled_at = ?3, fp = coalesce(?5, fp) WHERE id = ?4";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, id);
	if (fp != NULL)
		sqlite3_bind_int64(st, 5, *fp);
	else
		sqlite3_bind_null(st, 5);
	return store_run(s, st, "inbox done", err) < 0 ? -1 : 0;
}
