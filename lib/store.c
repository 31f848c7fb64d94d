/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state database: opening, schema migrations, the statement cache, transactions, meta, names. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_priv.h"

#define STORE_CACHE_KB	"64"	/* page cache of the state database */
#define STORE_PAGE_SIZE	"1024"	/* a new state database's: commits write less */

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

	/*
	 * 3: every part the network confirmed, with its message reference;
	 * how far a message got, so that a stop between parts resumes it with
	 * the same concatenation reference instead of sending it again.
	 */
	"ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN parts_total INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN concat_ref INTEGER NOT NULL DEFAULT -1;"
	"CREATE TABLE sent_parts ("
	"  id INTEGER PRIMARY KEY,"
	"  outbox_id INTEGER NOT NULL REFERENCES outbox(id),"
	"  part INTEGER NOT NULL, total INTEGER NOT NULL,"
	"  mr INTEGER,"			/* the network's message reference */
	"  modem TEXT, sent_at INTEGER NOT NULL,"
	"  UNIQUE (outbox_id, part));",

	/* 4: broadcast jobs, their recipients, and which outbox rows they made. */
	"ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER;"
	"CREATE INDEX outbox_broadcast ON outbox(broadcast_id, state)"
	"  WHERE broadcast_id IS NOT NULL;"
	"CREATE TABLE broadcasts ("
	"  id INTEGER PRIMARY KEY,"
	"  created_at INTEGER NOT NULL,"
	"  source TEXT NOT NULL, audience TEXT NOT NULL, text TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  staff_number TEXT, confirm_by INTEGER,"
	"  cursor INTEGER NOT NULL DEFAULT 0,"
	"  recipients INTEGER NOT NULL DEFAULT 0,"
	"  ex_duplicate INTEGER NOT NULL DEFAULT 0,"
	"  ex_optout INTEGER NOT NULL DEFAULT 0,"
	"  ex_landline INTEGER NOT NULL DEFAULT 0,"
	"  ex_shortcode INTEGER NOT NULL DEFAULT 0,"
	"  ex_empty INTEGER NOT NULL DEFAULT 0,"
	"  ex_invalid INTEGER NOT NULL DEFAULT 0,"
	"  ex_bad_line INTEGER NOT NULL DEFAULT 0,"
	"  enqueued INTEGER NOT NULL DEFAULT 0,"
	"  segments INTEGER NOT NULL DEFAULT 1,"
	"  ucs2 INTEGER NOT NULL DEFAULT 0,"
	"  finished_at INTEGER);"
	"CREATE INDEX broadcasts_state ON broadcasts(state, id);"
	"CREATE TABLE broadcast_to ("
	"  broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id),"
	"  number TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"		/* order of collection */
	"  outbox_id INTEGER,"			/* set when queued; 0 excluded late */
	"  PRIMARY KEY (broadcast_id, number)) WITHOUT ROWID;"
	"CREATE INDEX broadcast_to_pending ON broadcast_to(broadcast_id, seq)"
	"  WHERE outbox_id IS NULL;",

	/* 5: USSD requests (dossierctl ussd, balance checks) and balance readings. */
	"CREATE TABLE ussd ("
	"  id INTEGER PRIMARY KEY,"
	"  code TEXT NOT NULL, source TEXT NOT NULL,"
	"  state TEXT NOT NULL,"		/* queued, running, done, failed */
	"  requested_at INTEGER NOT NULL,"
	"  deadline INTEGER NOT NULL,"		/* not started by then: failed */
	"  modem TEXT, reply TEXT, status TEXT, error TEXT, done_at INTEGER);"
	"CREATE INDEX ussd_state ON ussd(state, id);"
	"CREATE TABLE balances ("
	"  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, modem TEXT,"
	"  raw TEXT NOT NULL,"
	"  parsed INTEGER NOT NULL,"		/* 0: the reply said no balance we could read */
	"  balance INTEGER, validity TEXT);",

	/* 6: the answers to give when a USSD reply asks for input (a menu). */
	"ALTER TABLE ussd ADD COLUMN answers TEXT NOT NULL DEFAULT '';",

	/*
	 * 7: delivery reports. A part sent with a report requested is
	 * 'waiting' until the network's report makes it 'pending' (still
	 * trying), 'delivered' or 'undeliverable' (TP-ST in delivery_status);
	 * the message carries the sum of its parts.
	 */
	"ALTER TABLE sent_parts ADD COLUMN delivery TEXT;"
	"ALTER TABLE sent_parts ADD COLUMN delivery_status INTEGER;"
	"ALTER TABLE sent_parts ADD COLUMN delivery_at INTEGER;"
	"CREATE INDEX sent_parts_mr ON sent_parts(modem, mr) WHERE delivery IS NOT NULL;"
	"ALTER TABLE outbox ADD COLUMN delivery TEXT;"
	"ALTER TABLE outbox ADD COLUMN delivery_status INTEGER;"
	"ALTER TABLE outbox ADD COLUMN delivery_at INTEGER;"
	"CREATE INDEX outbox_delivery ON outbox(delivery, delivery_at)"
	"  WHERE delivery IS NOT NULL;",

	/* 8: the modem a query came in on, for its reply (a pool of modems). */
	"ALTER TABLE outbox ADD COLUMN via_modem TEXT;",

	/*
	 * 9: hostile input: an index of the audit on "at" (the global miss rate, the
	 * retention), a fingerprint of each message's text (auto-responders).
	 */
	"CREATE INDEX audit_at ON audit(at);"
	"ALTER TABLE inbox ADD COLUMN fp INTEGER;"
	"CREATE INDEX inbox_sender ON inbox(sender, received_at);",

	/* 10: misses of all numbers by the minute, for the guessing alarm. */
	"CREATE TABLE miss_minutes (minute INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
	"INSERT INTO miss_minutes (minute, n) SELECT at / 60, count(*) FROM audit"
	"  WHERE outcome IN ('not_found', 'bad_date') GROUP BY at / 60;",

	/*
	 * 11: a status report's match reads the parts of its reference sent
	 * within the window, not every part ever sent with it (one in 256).
	 */
	"CREATE INDEX sent_parts_mr_at ON sent_parts(modem, mr, sent_at)"
	"  WHERE delivery IS NOT NULL;"
	"DROP INDEX sent_parts_mr;"
	/*
	 * The messages waiting to be sent in the order they go: picking the
	 * next one sorts nothing and builds no temporary table.
	 */
	"CREATE INDEX outbox_waiting ON outbox(lane, next_at, id)"
	"  WHERE state IN " Q_WAITING_LITERAL ";",

	/*
	 * 12: only the pending inbox rows are indexed: handling a message
	 * deletes its entry instead of moving it among every handled one.
	 */
	"DROP INDEX inbox_pending;"
	"CREATE INDEX inbox_pending ON inbox(id) WHERE state = 'pending';",

	/*
	 * 13: fewer index entries to move for each message, each a page that
	 * its commit writes. outbox_due held every row by state: a message
	 * moved in it when queued, claimed and sent, for queries that now read
	 * outbox_waiting or outbox_sending (the few rows in flight). A
	 * delivery report changed outbox_delivery's and sent_parts_mr_at's
	 * entry of its part and message: only the undeliverable messages are
	 * indexed now (the stale numbers), and a part by its reference whatever
	 * its delivery (a report's match still asks for one).
	 */
	"DROP INDEX IF EXISTS outbox_due;"
	"CREATE INDEX IF NOT EXISTS outbox_sending ON outbox(modem)"
	"  WHERE state = " Q_SENDING_LITERAL ";"
	"DROP INDEX IF EXISTS outbox_delivery;"
	"CREATE INDEX IF NOT EXISTS outbox_undeliverable"
	"  ON outbox(number, delivery_at) WHERE delivery = 'undeliverable';"
	"DROP INDEX IF EXISTS sent_parts_mr_at;"
	"CREATE INDEX sent_parts_mr_at ON sent_parts(modem, mr, sent_at)"
	"  WHERE mr IS NOT NULL;",
};

const char *const store_state_names[OUT_NSTATES] = {
	[OUT_QUEUED] = "queued", [OUT_SENDING] = "sending", [OUT_SENT] = "sent",
	[OUT_RETRY] = "retry", [OUT_FAILED] = "failed",
	[OUT_EXPIRED] = "expired", [OUT_UNCERTAIN] = "uncertain",
	[OUT_CANCELLED] = "cancelled",
};

const char *const store_audit_names[AUDIT_NOUTCOMES] = {
	[AUDIT_FOUND] = "found", [AUDIT_NOT_FOUND] = "not_found",
	[AUDIT_BAD_DATE] = "bad_date", [AUDIT_LIMITED] = "limited",
	[AUDIT_STAFF] = "staff", [AUDIT_STAFF_DENIED] = "staff_denied",
	[AUDIT_LOOP] = "loop",
};

const char *const store_outcome_names[NOTICE_NOUTCOMES] = {
	[NOTICE_QUEUED] = "queued",
	[NOTICE_SKIP_OLD] = "skipped: ready before backfill window",
	[NOTICE_SKIP_CONSENT] = "skipped: no consent to SMS",
	[NOTICE_SKIP_PHONE] = "skipped: no mobile number",
	[NOTICE_SKIP_OPTOUT] = "skipped: opted out",
	[NOTICE_SKIP_RENDER] = "skipped: text could not be rendered",
};

const char *const store_kind_names[2] = {
	[NOTICE_READY] = "ready", [NOTICE_REMINDER] = "reminder",
};

static const char *const lane_names[LANE_COUNT] = {
	[LANE_REPLY] = "reply", [LANE_STAFF] = "staff",
	[LANE_NOTICE] = "notice", [LANE_BROADCAST] = "broadcast",
};

int
store_fail(struct store *s, const char *what, struct dz_err *err)
{
	return dz_err_set(err, DZ_ESTATE, "state db: %s: %s", what,
	    sqlite3_errmsg(s->db));
}

/* Which Q_ state parameters the statement has. */
static unsigned
find_state_params(sqlite3_stmt *st)
{
	unsigned mask = 0;
	int i;

	if (sqlite3_bind_parameter_count(st) < Q_STATE_BASE)
		return 0;
	for (i = 0; i < OUT_NSTATES; i++)
		if (sqlite3_bind_parameter_name(st, Q_STATE_BASE + i) != NULL)
			mask |= OUT_BIT(i);
	return mask;
}

static void
bind_state_params(const struct store_stmt *c)
{
	int i;

	for (i = 0; c->states != 0 && i < OUT_NSTATES; i++)
		if (c->states & OUT_BIT(i))
			sqlite3_bind_text(c->st, Q_STATE_BASE + i,
			    store_state_names[i], -1, SQLITE_STATIC);
}

sqlite3_stmt *
store_prep(struct store *s, const char *sql, struct dz_err *err)
{
	struct store_stmt *c;
	unsigned h = STORE_HINT(sql);
	int i;

	/* The slot this address was last found in, else a search. */
	if (s->hint[h] != 0 && s->cache[s->hint[h] - 1].sql == sql) {
		c = &s->cache[s->hint[h] - 1];
		sqlite3_reset(c->st);
		return c->st;
	}
	for (i = 0; i < STORE_NSTMT && s->cache[i].sql != NULL; i++) {
		c = &s->cache[i];
		if (c->sql == sql) {
			s->hint[h] = (unsigned char)(i + 1);
			sqlite3_reset(c->st);
			return c->st;
		}
	}
	if (i == STORE_NSTMT) {
		dz_err_set(err, DZ_ESTATE, "state db: statement cache full");
		return NULL;
	}
	c = &s->cache[i];
	if (sqlite3_prepare_v2(s->db, sql, -1, &c->st, NULL) != SQLITE_OK) {
		store_fail(s, "prepare", err);
		sqlite3_finalize(c->st);
		c->st = NULL;
		return NULL;
	}
	c->sql = sql;
	s->hint[h] = (unsigned char)(i + 1);
	c->states = find_state_params(c->st);
	bind_state_params(c);
	return c->st;
}

int
store_run(struct store *s, sqlite3_stmt *st, const char *what,
    struct dz_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, what, err);
	return sqlite3_changes(s->db);
}

int
store_count(struct store *s, sqlite3_stmt *st, const char *what,
    struct dz_err *err)
{
	int rc = sqlite3_step(st), n = 0;

	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, what, err);
	return n;
}

int
store_row(struct store *s, sqlite3_stmt *st, const char *what,
    struct dz_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(s, what, err);
}

int
store_name_find(const char *const *names, int n, const char *name,
    int notfound)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return notfound;
}

int
store_col_enum(sqlite3_stmt *st, int col, const char *const *names, int n,
    int notfound)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	return v == NULL ? notfound :
	    store_name_find(names, n, (const char *)v, notfound);
}

void
store_col(sqlite3_stmt *st, int col, char *dst, size_t dstsz)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	dz_strlcpy(dst, v ? (const char *)v : "", dstsz);
}

void
store_name_set(const char *const *names, int n, unsigned mask, char *out,
    size_t outsz)
{
	size_t len;
	int i;

	len = dz_strlcpy(out, ",", outsz);
	for (i = 0; i < n && len < outsz; i++) {
		if ((mask & (1u << i)) == 0)
			continue;
		len += dz_strlcpy(out + len, names[i], outsz - len);
		if (len < outsz)
			len += dz_strlcpy(out + len, ",", outsz - len);
	}
}

static int
migrate(struct store *s, struct dz_err *err)
{
	sqlite3_stmt *st;
	int version, rc;
	char sql[64];
	size_t v;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "user_version", err);
	rc = sqlite3_step(st);
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, "user_version", err);
	if (version > (int)nitems(migrations))
		return dz_err_set(err, DZ_ESTATE, "state db: schema version %d "
		    "is newer than this dossierd (%zu)", version,
		    nitems(migrations));
	for (v = (size_t)version; v < nitems(migrations); v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", v + 1);
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			store_fail(s, "migration", err);
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

	int fd;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		dz_err_set(err, DZ_ETRANSIENT, "state db: out of memory");
		return NULL;
	}
	/*
	 * Phone numbers and messages: never readable by others (SQLite would
	 * make it 0644). The group is the staff's (dossierctl); the umask says
	 * whether it may write: 0640 with 022, 0660 with the unit's 0007. The
	 * -wal and -shm files get the same mode from SQLite.
	 */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660)) != -1)
		close(fd);
	else if (errno != EEXIST && errno != ENOENT && errno != EACCES) {
		dz_err_set(err, DZ_ESTATE, "state db: %s: %s", path,
		    strerror(errno));
		free(s);
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		dz_err_set(err, s->db ? DZ_ESTATE : DZ_ETRANSIENT,
		    "state db: %s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* A small page cache: the box is small, and the hot pages are few. */
	if (sqlite3_exec(s->db, "PRAGMA page_size = " STORE_PAGE_SIZE ";"
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
	    "PRAGMA cache_size = -" STORE_CACHE_KB ";",
	    NULL, NULL, NULL) != SQLITE_OK) {
		dz_err_set(err, DZ_ESTATE, "state db: %s: %s", path,
		    sqlite3_errmsg(s->db));
		store_close(s);
		return NULL;
	}
	if (migrate(s, err) == -1) {
		store_close(s);
		return NULL;
	}
	return s;
}

bool
store_single_thread(void)
{
	return sqlite3_config(SQLITE_CONFIG_SINGLETHREAD) == SQLITE_OK &&
	    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
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
	const unsigned char *v;
	int ok;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "integrity_check", err);
	ok = sqlite3_step(st) == SQLITE_ROW &&
	    (v = sqlite3_column_text(st, 0)) != NULL &&
	    strcmp((const char *)v, "ok") == 0;
	if (!ok) {
		v = sqlite3_column_text(st, 0);
		dz_err_set(err, DZ_ESTATE, "state db: integrity check: %s",
		    v != NULL ? (const char *)v : sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/*
 * BEGIN, COMMIT, ROLLBACK: from the statement cache (sqlite3_exec would
 * parse them again every time), or sqlite3_exec if the cache is full.
 * SQLITE_OK or the error.
 */
static int
tx_statement(struct store *s, const char *sql)
{
	struct dz_err ignored;
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prep(s, sql, &ignored)) == NULL)
		return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * In a batch, a transaction SQLite rolled back on its own (an I/O error,
 * disk full) means every step before is gone: noted for store_batch_end.
 * A step's statements then run on their own; store_batch_end still
 * reports the loss.
 */
static bool
batch_alive(struct store *s)
{
	if (!s->batch_lost && sqlite3_get_autocommit(s->db))
		s->batch_lost = true;
	return !s->batch_lost;
}

int
store_begin(struct store *s, struct dz_err *err)
{
	static const char sql[] = "BEGIN IMMEDIATE";
	static const char sp[] = "SAVEPOINT step";

	if (s->batch && batch_alive(s)) {
		if (s->step)	/* as BEGIN inside BEGIN */
			return dz_err_set(err, DZ_ESTATE, "state db: begin: "
			    "a step inside a step");
		if (tx_statement(s, sp) != SQLITE_OK)
			return store_fail(s, "begin", err);
		s->step = true;
		return 0;
	}
	if (tx_statement(s, sql) != SQLITE_OK)
		return store_fail(s, "begin", err);
	return 0;
}

int
store_commit(struct store *s, struct dz_err *err)
{
	static const char sql[] = "COMMIT";
	static const char sp[] = "RELEASE step";

	if (s->step) {
		s->step = false;
		if (batch_alive(s) && tx_statement(s, sp) == SQLITE_OK)
			return 0;
		if (!s->batch_lost) {
			store_fail(s, "commit", err);
			store_rollback(s);
		} else
			dz_err_set(err, DZ_ESTATE, "state db: commit: the "
			    "batch's transaction ended on an earlier error");
		return -1;
	}
	if (tx_statement(s, sql) != SQLITE_OK) {
		store_fail(s, "commit", err);
		store_rollback(s);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	static const char sql[] = "ROLLBACK";
	static const char to[] = "ROLLBACK TO step";
	static const char sp[] = "RELEASE step";

	if (s->batch) {
		if (s->step && batch_alive(s)) {
			(void)tx_statement(s, to);
			(void)tx_statement(s, sp);
		}
		s->step = false;
		return;
	}
	if (!sqlite3_get_autocommit(s->db))
		(void)tx_statement(s, sql);
}

int
store_batch_begin(struct store *s, struct dz_err *err)
{
	if (s->batch)
		return dz_err_set(err, DZ_ESTATE, "state db: a batch inside "
		    "a batch");
	if (store_begin(s, err) == -1)
		return -1;
	s->batch = true;
	s->batch_lost = false;
	s->step = false;
	return 0;
}

int
store_batch_end(struct store *s, struct dz_err *err)
{
	bool lost;

	store_rollback(s);	/* a step left open */
	lost = !batch_alive(s);
	s->batch = false;
	if (lost) {
		store_rollback(s);
		dz_err_set(err, DZ_ESTATE, "state db: a batch of steps was "
		    "rolled back on an error; they are done again");
		return -1;
	}
	return store_commit(s, err);
}

/* After each commit of this connection: how long the log is, nothing else. */
static int
wal_seen(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *s = arg;

	(void)db;
	(void)name;
	/* A shorter log: a writer started it again from the top. */
	if (pages < s->wal_done)
		s->wal_done = 0;
	s->wal_pages = pages;
	return SQLITE_OK;
}

void
store_defer_checkpoints(struct store *s)
{
	/* Replaces SQLite's own hook, the one that checkpoints. */
	sqlite3_wal_hook(s->db, wal_seen, s);
}

int
store_wal_pending(const struct store *s)
{
	return s->wal_pages - s->wal_done;
}

int
store_checkpoint(struct store *s, int min_pages, time_t now,
    struct dz_err *err)
{
	int rc, log = 0, done = 0;

	if (store_wal_pending(s) < min_pages || !sqlite3_get_autocommit(s->db))
		return 0;
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &log, &done);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return 0;	/* another connection is checkpointing */
	if (rc != SQLITE_OK)
		return store_fail(s, "checkpoint", err);
	/* A reader still on old pages: the rest at the next call. */
	s->wal_pages = log;
	s->wal_done = done;
	if (log > 0 && done == log) {
		char at[24];

		/*
		 * The next commit starts the log again from the top, and syncs
		 * its new header: this one, not a reply's.
		 */
		*dz_put_int(at, (long long)now) = '\0';
		if (store_meta_set(s, "checkpoint_at", at, err) == -1)
			return -1;
	}
	return 1;
}

int
store_gen(struct store *s, struct store_gen *g, struct dz_err *err)
{
	static const char sql[] = "PRAGMA data_version";
	sqlite3_stmt *st;
	int r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	if ((r = store_row(s, st, "data_version", err)) != 1)
		return r == 0 ? store_fail(s, "data_version", err) : -1;
	g->theirs = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	g->ours = sqlite3_total_changes64(s->db);
	return 0;
}

bool
store_gate_skip(struct store *s, struct store_gate *g, int64_t now_ms,
    struct store_gen *now_gen)
{
	struct dz_err err;

	if (store_gen(s, now_gen, &err) == -1) {
		g->idle = false;
		return false;
	}
	return g->idle && now_ms < g->recheck_at &&
	    now_gen->theirs == g->seen.theirs && now_gen->ours == g->seen.ours;
}

void
store_gate_idle(struct store_gate *g, const struct store_gen *seen,
    int64_t recheck_at)
{
	g->seen = *seen;
	g->recheck_at = recheck_at;
	g->idle = true;
}

void
store_gate_open(struct store_gate *g)
{
	g->idle = false;
}

int
store_meta_get(struct store *s, const char *key, char *val, size_t valsz,
    struct dz_err *err)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = ?";
	sqlite3_stmt *st;
	int r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((r = store_row(s, st, "meta", err)) == 1) {
		store_col(st, 0, val, valsz);
		sqlite3_reset(st);
	}
	return r;
}

int
store_meta_set(struct store *s, const char *key, const char *val,
    struct dz_err *err)
{
	static const char sql[] = "INSERT OR REPLACE INTO meta (key, value)"
	    " VALUES (?, ?)";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
	return store_run(s, st, "meta", err) < 0 ? -1 : 0;
}

int
store_exec(struct store *s, const char *sql, store_row_cb cb, void *arg,
    struct dz_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, cb, arg, &msg) != SQLITE_OK) {
		dz_err_set(err, DZ_ESTATE, "state db: %s",
		    msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

const char *
store_lane_name(enum lane lane)
{
	return (unsigned)lane < LANE_COUNT ? lane_names[lane] : "?";
}

const char *
store_state_name(enum out_state st)
{
	return (unsigned)st < OUT_NSTATES ? store_state_names[st] : "?";
}

const char *
store_audit_name(enum audit_outcome o)
{
	return (unsigned)o < AUDIT_NOUTCOMES ? store_audit_names[o] : "?";
}

const char *
store_notice_kind_name(enum notice_kind k)
{
	return (unsigned)k < nitems(store_kind_names) ? store_kind_names[k] : "?";
}

const char *
store_notice_outcome_name(enum notice_outcome o)
{
	return (unsigned)o < NOTICE_NOUTCOMES ? store_outcome_names[o] : "?";
}

int
store_lane_parse(const char *name, enum lane *lane, struct dz_err *err)
{
	int i;

	if ((i = store_name_find(lane_names, LANE_COUNT, name, -1)) >= 0) {
		*lane = (enum lane)i;
		return 0;
	}
	return dz_err_set(err, DZ_EUSAGE, "no lane \"%s\": reply, staff, "
	    "notice or broadcast", name);
}
