/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state database owned by dossierd: schema, migrations, inbox, outbox, audit, opt-outs, status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "store.h"

#define STORE_NSTMT	48

struct store {
	sqlite3		*db;
	struct {
		const char	*sql;
		sqlite3_stmt	*st;
	} cache[STORE_NSTMT];
};

/* Each entry migrates from user_version i to i + 1. */
static const char *const migrations[] = {
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE inbox ("
	"  id INTEGER PRIMARY KEY,"
	"  dedup TEXT NOT NULL UNIQUE,"
	"  sender TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  modem TEXT,"
	"  received_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending',"	/* pending | handled */
	"  kind TEXT, outcome TEXT, handled_at INTEGER);"
	"CREATE INDEX inbox_pending ON inbox(state, id);"
	"CREATE TABLE parts ("
	"  id INTEGER PRIMARY KEY,"
	"  dedup TEXT NOT NULL UNIQUE,"
	"  sender TEXT NOT NULL, ref INTEGER NOT NULL, part INTEGER NOT NULL,"
	"  total INTEGER NOT NULL, text TEXT NOT NULL, modem TEXT,"
	"  received_at INTEGER NOT NULL, inbox_id INTEGER);"
	"CREATE INDEX parts_msg ON parts(sender, ref, total, inbox_id);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  lane INTEGER NOT NULL,"
	"  number TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  next_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL DEFAULT 0,"
	"  sent_at INTEGER, parts INTEGER, modem TEXT, last_error TEXT,"
	"  uncertain INTEGER NOT NULL DEFAULT 0,"
	"  inbox_id INTEGER REFERENCES inbox(id));"
	"CREATE INDEX outbox_due ON outbox(state, lane, next_at);"
	"CREATE INDEX outbox_number ON outbox(number, created_at);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, number TEXT NOT NULL,"
	"  code TEXT, outcome TEXT NOT NULL, owner INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX audit_number ON audit(number, at);"
	"CREATE TABLE optouts (number TEXT PRIMARY KEY, at INTEGER NOT NULL,"
	"  source TEXT);"
	"CREATE TABLE modems (name TEXT PRIMARY KEY, state TEXT, signal INTEGER,"
	"  network TEXT, operator TEXT, last_error TEXT, reconnects INTEGER,"
	"  updated_at INTEGER, last_send INTEGER, balance TEXT, balance_at INTEGER);",

	/* 2: the notices ledger, one row per (dossier, kind, reminder number). */
	"CREATE TABLE notices ("
	"  id INTEGER PRIMARY KEY,"
	"  code TEXT NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,"
	"  number TEXT, outcome TEXT NOT NULL, outbox_id INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  next_at INTEGER,"		/* the next reminder is due; NULL: none */
	"  UNIQUE (code, kind, n));"
	"CREATE INDEX notices_next ON notices(next_at) WHERE next_at IS NOT NULL;"
	"CREATE INDEX notices_created ON notices(created_at, outcome);",
};

static int
db_err(struct store *s, struct dz_err *err, const char *what)
{
	return dz_err_set(err, "state db: %s: %s", what, sqlite3_errmsg(s->db));
}

/* A cached prepared statement, reset and unbound, keyed by the SQL's address. */
static sqlite3_stmt *
prep(struct store *s, const char *sql, struct dz_err *err)
{
	int i;

	for (i = 0; i < STORE_NSTMT && s->cache[i].sql != NULL; i++) {
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].st);
			sqlite3_clear_bindings(s->cache[i].st);
			return s->cache[i].st;
		}
	}
	if (i == STORE_NSTMT) {
		dz_err_set(err, "state db: statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &s->cache[i].st, NULL) != SQLITE_OK) {
		db_err(s, err, "prepare");
		return NULL;
	}
	s->cache[i].sql = sql;
	return s->cache[i].st;
}

/* Run a prepared statement that returns no rows. */
static int
step_done(struct store *s, sqlite3_stmt *st, struct dz_err *err, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_err(s, err, what);
	return 0;
}

static int
migrate(struct store *s, struct dz_err *err)
{
	sqlite3_stmt *st;
	int version;
	char sql[64];
	size_t v;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, err, "user_version");
	sqlite3_step(st);
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > (int)nitems(migrations))
		return dz_err_set(err, "state db: schema version %d is newer than "
		    "this dossierd (%zu)", version, nitems(migrations));
	for (v = (size_t)version; v < nitems(migrations); v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", v + 1);
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			db_err(s, err, "migration");
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

struct store *
store_open(const char *path, struct dz_err *err)
{
	struct store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		dz_err_set(err, "state db: out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		dz_err_set(err, "state db: %s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
	    NULL, NULL, NULL) != SQLITE_OK) {
		dz_err_set(err, "state db: %s: %s", path, sqlite3_errmsg(s->db));
		store_close(s);
		return NULL;
	}
	if (migrate(s, err) == -1) {
		store_close(s);
		return NULL;
	}
	return s;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < STORE_NSTMT && s->cache[i].sql != NULL; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close(s->db);
	free(s);
}

int
store_check(struct store *s, struct dz_err *err)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, err, "integrity_check");
	ok = sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	if (!ok)
		dz_err_set(err, "state db: integrity check: %s",
		    sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "failed");
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

int
store_begin(struct store *s, struct dz_err *err)
{
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(s, err, "begin");
	return 0;
}

int
store_commit(struct store *s, struct dz_err *err)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(s, err, "commit");
		store_rollback(s);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static void
copy_col(sqlite3_stmt *st, int col, char *dst, size_t dstsz)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, dstsz, "%s", v ? (const char *)v : "");
}

static int
inbox_insert(struct store *s, const char *dedup, const char *sender,
    const char *text, const char *modem, time_t now, struct dz_err *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO inbox"
	    " (dedup, sender, text, modem, received_at) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dedup, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, modem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	if (step_done(s, st, err, "inbox insert") == -1)
		return -1;
	return sqlite3_changes(s->db);
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
	int last = -1;

	if ((st = prep(s, sel, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, ref);
	sqlite3_bind_int(st, 3, total);
	text[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0) == last)
			continue;	/* the same part delivered twice */
		last = sqlite3_column_int(st, 0);
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s",
		    sqlite3_column_text(st, 1));
		if (len >= sizeof(text))
			len = sizeof(text) - 1;
		copy_col(st, 2, modem, sizeof(modem));
		if (sqlite3_column_int64(st, 3) < first)
			first = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	snprintf(dedup, sizeof(dedup), "M|%lld", (long long)first);
	if (inbox_insert(s, dedup, sender, text, modem, now, err) == -1)
		return -1;
	if ((st = prep(s, upd, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(s->db));
	sqlite3_bind_text(st, 2, sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, ref);
	sqlite3_bind_int(st, 4, total);
	return step_done(s, st, err, "parts join");
}

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

	if ((st = prep(s, ins, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dedup, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, p->ref);
	sqlite3_bind_int(st, 4, p->part);
	sqlite3_bind_int(st, 5, p->total);
	sqlite3_bind_text(st, 6, p->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, p->modem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	if (step_done(s, st, err, "parts insert") == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if ((st = prep(s, cnt, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, p->sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, p->ref);
	sqlite3_bind_int(st, 3, p->total);
	n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (n >= p->total && join_parts(s, p->sender, p->ref, p->total, now, err) == -1)
		return -1;
	return 1;
}

int
store_inbox_add_part(struct store *s, const struct in_part *p, time_t now,
    struct dz_err *err)
{
	char *dedup;
	int r;

	if (asprintf(&dedup, "%s|%s|%d|%d|%d|%s", p->sender, p->smsc_time,
	    p->ref, p->part, p->total, p->text) == -1)
		return dz_err_set(err, "state db: out of memory");
	if (store_begin(s, err) == -1) {
		free(dedup);
		return -1;
	}
	if (p->total <= 1)
		r = inbox_insert(s, dedup, p->sender, p->text, p->modem, now, err);
	else
		r = add_part(s, p, dedup, now, err);
	free(dedup);
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
	int n = 0, ref, total;

	for (;;) {
		if ((st = prep(s, sql, err)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, cutoff);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			return n;
		}
		copy_col(st, 0, sender, sizeof(sender));
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
	int rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		m->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, m->sender, sizeof(m->sender));
		copy_col(st, 2, m->text, sizeof(m->text));
		m->received_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(s, err, "inbox next");
}

int
store_inbox_done(struct store *s, int64_t id, const char *kind,
    const char *outcome, time_t now, struct dz_err *err)
{
	static const char sql[] = "UPDATE inbox SET state = 'handled', kind = ?,"
	    " outcome = ?, handled_at = ? WHERE id = ?";
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, id);
	return step_done(s, st, err, "inbox done");
}

int64_t
store_outbox_add(struct store *s, enum lane lane, const char *number,
    const char *text, time_t now, time_t expires, int64_t inbox_id,
    struct dz_err *err)
{
	static const char sql[] = "INSERT INTO outbox (lane, number, text,"
	    " created_at, next_at, expires_at, inbox_id) VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, lane);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, expires);
	if (inbox_id > 0)
		sqlite3_bind_int64(st, 7, inbox_id);
	if (step_done(s, st, err, "outbox insert") == -1)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int
store_outbox_next(struct store *s, time_t now, unsigned lane_mask,
    struct out_msg *m, struct dz_err *err)
{
	static const char sql[] = "SELECT id, lane, number, text, attempts,"
	    " uncertain FROM outbox WHERE state IN ('queued', 'retry')"
	    " AND next_at <= ? AND ((1 << lane) & ?) != 0"
	    " ORDER BY lane, next_at, id LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, (int)lane_mask);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		m->id = sqlite3_column_int64(st, 0);
		m->lane = (enum lane)sqlite3_column_int(st, 1);
		copy_col(st, 2, m->number, sizeof(m->number));
		copy_col(st, 3, m->text, sizeof(m->text));
		m->attempts = sqlite3_column_int(st, 4);
		m->uncertain = sqlite3_column_int(st, 5) != 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(s, err, "outbox next");
}

time_t
store_outbox_next_due(struct store *s, unsigned lane_mask)
{
	static const char sql[] = "SELECT min(next_at) FROM outbox"
	    " WHERE state IN ('queued', 'retry') AND ((1 << lane) & ?) != 0";
	sqlite3_stmt *st;
	time_t t = 0;

	if ((st = prep(s, sql, NULL)) == NULL)
		return 0;
	sqlite3_bind_int(st, 1, (int)lane_mask);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return t;
}

/* UPDATE outbox SET ... WHERE id = ?: binds (text a, int64 b, id). */
static int
outbox_update(struct store *s, const char *sql, int64_t id, const char *a,
    int64_t b, struct dz_err *err)
{
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, b);
	sqlite3_bind_int64(st, 3, id);
	if (step_done(s, st, err, "outbox update") == -1)
		return -1;
	return sqlite3_changes(s->db);
}

int
store_outbox_delay(struct store *s, int64_t id, time_t next_at,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET last_error = ?, next_at = ?"
	    " WHERE id = ?";

	return outbox_update(s, sql, id, "held: daily cap for this number",
	    next_at, err) < 0 ? -1 : 0;
}

int
store_outbox_sending(struct store *s, int64_t id, const char *modem,
    time_t now, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = 'sending', modem = ?,"
	    " attempts = attempts + 1, next_at = ? WHERE id = ?";

	return outbox_update(s, sql, id, modem, now, err) < 0 ? -1 : 0;
}

int
store_outbox_sent(struct store *s, int64_t id, int parts, time_t now,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = 'sent', parts = ?,"
	    " sent_at = ?, last_error = NULL WHERE id = ?";
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, parts);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, id);
	return step_done(s, st, err, "outbox sent");
}

int
store_outbox_retry(struct store *s, int64_t id, time_t next_at,
    const char *error, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = 'retry', last_error = ?,"
	    " next_at = ? WHERE id = ?";

	return outbox_update(s, sql, id, error, next_at, err) < 0 ? -1 : 0;
}

int
store_outbox_failed(struct store *s, int64_t id, const char *error,
    time_t now, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = 'failed', last_error = ?,"
	    " next_at = ? WHERE id = ?";

	return outbox_update(s, sql, id, error, now, err) < 0 ? -1 : 0;
}

int
store_outbox_requeue(struct store *s, int64_t id, time_t now,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = 'queued', attempts = 0,"
	    " last_error = ?, next_at = ?, expires_at = 0 WHERE id = ?"
	    " AND state IN ('failed', 'expired', 'uncertain', 'retry')";

	return outbox_update(s, sql, id, NULL, now, err);
}

static int
exec_count(struct store *s, const char *sql, int64_t arg, struct dz_err *err)
{
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	if (step_done(s, st, err, "update") == -1)
		return -1;
	return sqlite3_changes(s->db);
}

int
store_outbox_expire(struct store *s, time_t now, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = 'expired',"
	    " last_error = coalesce(last_error, 'expired before it could be sent'),"
	    " next_at = ?1"
	    " WHERE state IN ('queued', 'retry') AND expires_at > 0 AND expires_at <= ?1";

	return exec_count(s, sql, now, err);
}

int
store_outbox_recover(struct store *s, time_t now, struct dz_err *err)
{
	static const char again[] = "UPDATE outbox SET state = 'queued',"
	    " uncertain = 1, next_at = ? WHERE state = 'sending' AND lane IN (0, 1)";
	static const char stop[] = "UPDATE outbox SET state = 'uncertain',"
	    " uncertain = 1, last_error = 'in flight at a crash; not resent',"
	    " next_at = ? WHERE state = 'sending'";
	int a, b;

	if (store_begin(s, err) == -1)
		return -1;
	if ((a = exec_count(s, again, now, err)) == -1 ||
	    (b = exec_count(s, stop, now, err)) == -1) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) == -1)
		return -1;
	return a + b;
}

int
store_outbox_summary(struct store *s, time_t since, struct outbox_summary *sum,
    struct dz_err *err)
{
	static const char q[] = "SELECT lane, count(*) FROM outbox"
	    " WHERE state IN ('queued', 'retry', 'sending') GROUP BY lane";
	static const char t[] = "SELECT"
	    " count(*) FILTER (WHERE state = 'sent' AND sent_at >= ?1),"
	    " count(*) FILTER (WHERE state IN ('failed', 'expired', 'uncertain')"
	    "   AND next_at >= ?1), max(sent_at) FROM outbox";
	sqlite3_stmt *st;
	int lane;

	memset(sum, 0, sizeof(*sum));
	if ((st = prep(s, q, err)) == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		lane = sqlite3_column_int(st, 0);
		if (lane >= 0 && lane < LANE_COUNT)
			sum->queued[lane] = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if ((st = prep(s, t, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	if (sqlite3_step(st) == SQLITE_ROW) {
		sum->sent_today = sqlite3_column_int(st, 0);
		sum->failed_today = sqlite3_column_int(st, 1);
		sum->last_send = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return 0;
}

int
store_notice_add(struct store *s, const struct notice_row *n,
    struct dz_err *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO notices (code, kind, n,"
	    " number, outcome, outbox_id, created_at, next_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, n->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, n->n);
	if (n->number[0] != '\0')
		sqlite3_bind_text(st, 4, n->number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, n->outcome, -1, SQLITE_STATIC);
	if (n->outbox_id > 0)
		sqlite3_bind_int64(st, 6, n->outbox_id);
	sqlite3_bind_int64(st, 7, n->created_at);
	if (n->next_at > 0)
		sqlite3_bind_int64(st, 8, n->next_at);
	if (step_done(s, st, err, "notice insert") == -1)
		return -1;
	return sqlite3_changes(s->db);
}

int
store_notice_exists(struct store *s, const char *code, const char *kind, int n)
{
	static const char sql[] = "SELECT 1 FROM notices WHERE code = ? AND"
	    " kind = ? AND n = ?";
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(s, sql, NULL)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, n);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_notice_due(struct store *s, time_t now, struct notice_row *n,
    struct dz_err *err)
{
	static const char sql[] = "SELECT id, code, kind, n, coalesce(number, ''),"
	    " outcome, created_at, next_at FROM notices WHERE next_at <= ?"
	    " ORDER BY next_at LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, n->code, sizeof(n->code));
		copy_col(st, 2, n->kind, sizeof(n->kind));
		n->n = sqlite3_column_int(st, 3);
		copy_col(st, 4, n->number, sizeof(n->number));
		copy_col(st, 5, n->outcome, sizeof(n->outcome));
		n->created_at = sqlite3_column_int64(st, 6);
		n->next_at = sqlite3_column_int64(st, 7);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(s, err, "notice due");
}

int
store_notice_reschedule(struct store *s, int64_t id, time_t next_at,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE notices SET next_at = ? WHERE id = ?";
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	if (next_at > 0)
		sqlite3_bind_int64(st, 1, next_at);
	sqlite3_bind_int64(st, 2, id);
	return step_done(s, st, err, "notice reschedule");
}

/* SELECT count(*) with ?1 number, ?2 since and, if the SQL has it, ?3 (text3, else int3). */
static int
count_rows(struct store *s, const char *sql, const char *number, time_t since,
    const char *text3, int int3)
{
	sqlite3_stmt *st;
	int n = -1;

	if ((st = prep(s, sql, NULL)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	if (sqlite3_bind_parameter_count(st) >= 3) {
		if (text3 != NULL)
			sqlite3_bind_text(st, 3, text3, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int(st, 3, int3);
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

int
store_proactive_count(struct store *s, const char *number, time_t since)
{
	static const char sql[] = "SELECT count(*) FROM outbox WHERE number = ?"
	    " AND created_at >= ? AND lane IN (2, 3)";

	return count_rows(s, sql, number, since, NULL, 0);
}

int
store_audit_add(struct store *s, const char *number, const char *code,
    const char *outcome, bool owner, time_t now, struct dz_err *err)
{
	static const char sql[] = "INSERT INTO audit (at, number, code, outcome,"
	    " owner) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, owner);
	return step_done(s, st, err, "audit insert");
}

int
store_audit_count(struct store *s, const char *number, const char *outcomes,
    time_t since)
{
	static const char sql[] = "SELECT count(*) FROM audit WHERE number = ?"
	    " AND at >= ? AND instr(',' || ? || ',', ',' || outcome || ',') > 0";

	return count_rows(s, sql, number, since, outcomes, 0);
}

int
store_outbox_count(struct store *s, const char *number, enum lane lane,
    time_t since)
{
	static const char sql[] = "SELECT count(*) FROM outbox WHERE number = ?"
	    " AND created_at >= ? AND lane = ?";

	return count_rows(s, sql, number, since, NULL, lane);
}

int
store_optout_set(struct store *s, const char *number, bool out,
    const char *source, time_t now, struct dz_err *err)
{
	static const char ins[] = "INSERT OR REPLACE INTO optouts (number, at,"
	    " source) VALUES (?, ?, ?)";
	static const char del[] = "DELETE FROM optouts WHERE number = ?";
	sqlite3_stmt *st;

	if ((st = prep(s, out ? ins : del, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	if (out) {
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
	}
	if (step_done(s, st, err, "optout") == -1)
		return -1;
	return sqlite3_changes(s->db);
}

bool
store_is_opted_out(struct store *s, const char *number)
{
	static const char sql[] = "SELECT 1 FROM optouts WHERE number = ?";
	sqlite3_stmt *st;
	bool r;

	if ((st = prep(s, sql, NULL)) == NULL)
		return true;	/* when in doubt, stay quiet */
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return r;
}

int
store_modem_put(struct store *s, const struct modem_status *ms,
    struct dz_err *err)
{
	static const char sql[] = "INSERT OR REPLACE INTO modems (name, state,"
	    " signal, network, operator, last_error, reconnects, updated_at,"
	    " last_send, balance, balance_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
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
	return step_done(s, st, err, "modem status");
}

int
store_modem_list(struct store *s, struct modem_status *out, int max,
    struct dz_err *err)
{
	static const char sql[] = "SELECT name, state, signal, network, operator,"
	    " last_error, reconnects, updated_at, last_send, balance, balance_at"
	    " FROM modems ORDER BY name";
	sqlite3_stmt *st;
	int n = 0;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		struct modem_status *m = &out[n++];

		copy_col(st, 0, m->name, sizeof(m->name));
		copy_col(st, 1, m->state, sizeof(m->state));
		m->signal = sqlite3_column_int(st, 2);
		copy_col(st, 3, m->network, sizeof(m->network));
		copy_col(st, 4, m->operator_, sizeof(m->operator_));
		copy_col(st, 5, m->last_error, sizeof(m->last_error));
		m->reconnects = sqlite3_column_int(st, 6);
		m->updated_at = sqlite3_column_int64(st, 7);
		m->last_send = sqlite3_column_int64(st, 8);
		copy_col(st, 9, m->balance, sizeof(m->balance));
		m->balance_at = sqlite3_column_int64(st, 10);
	}
	sqlite3_reset(st);
	return n;
}

int
store_meta_get(struct store *s, const char *key, char *val, size_t valsz)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = ?";
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(s, sql, NULL)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		copy_col(st, 0, val, valsz);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_meta_set(struct store *s, const char *key, const char *val,
    struct dz_err *err)
{
	static const char sql[] = "INSERT OR REPLACE INTO meta (key, value)"
	    " VALUES (?, ?)";
	sqlite3_stmt *st;

	if ((st = prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
	return step_done(s, st, err, "meta");
}

int
store_exec(struct store *s, const char *sql, store_row_cb cb, void *arg,
    struct dz_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, cb, arg, &msg) != SQLITE_OK) {
		dz_err_set(err, "state db: %s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

const char *
store_lane_name(enum lane lane)
{
	static const char *const names[LANE_COUNT] = {
		[LANE_REPLY] = "reply", [LANE_STAFF] = "staff",
		[LANE_NOTICE] = "notice", [LANE_BROADCAST] = "broadcast",
	};

	return lane < LANE_COUNT ? names[lane] : "?";
}
