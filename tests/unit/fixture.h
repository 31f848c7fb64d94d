/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared fixtures for unit tests and benchmarks: temp files, a records
 * database from the default schema, a fixed clock, state-database queries.
 *
 * Header-only: every helper is static inline, so a file that does not use
 * one gets no -Wunused-function warning. Set-up failures are CHECKs
 * (check.h): the file and line are printed and the program exits 1; a
 * missing etc/records-schema.sql exits 99 (set top_srcdir).
 */
#ifndef DZ_FIXTURE_H
#define DZ_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "check.h"
#include "conf.h"
#include "err.h"
#include "inbound.h"
#include "policy.h"
#include "records.h"
#include "store.h"
#include "store_priv.h"

/* Everything one scenario needs: config, state DB, records, context. */
struct fx {
	char			 state[512];
	struct conf		 conf;
	struct store		*store;
	struct records		*records;
	struct pass	 ctx;
	int			 seq;	/* makes every SMS's SMSC time unique */
};

/* The whole file at path, NUL-terminated; the caller frees it. */
static inline char *
slurp(const char *path)
{
	FILE *f;
	char *buf;
	long len;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "cannot open %s (set top_srcdir)\n", path);
		exit(99);	/* a broken set-up, not a failed test */
	}
	CHECK(fseek(f, 0, SEEK_END) == 0);
	CHECK((len = ftell(f)) > 0);
	rewind(f);
	CHECK((buf = malloc((size_t)len + 1)) != NULL);
	CHECK(fread(buf, 1, (size_t)len, f) == (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Remove an SQLite database and its -wal, -shm and -journal files. */
static inline void
remove_db(const char *path)
{
	char side[1024];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-journal", path);
	unlink(side);
}

/* A fresh empty file dir/dz-test-what-XXXXXX; path receives its name. */
static inline void
tmp_name_in(const char *dir, char *path, size_t pathsz, const char *what)
{
	int fd;

	snprintf(path, pathsz, "%s/dz-test-%s-XXXXXX", dir, what);
	CHECK((fd = mkstemp(path)) != -1);
	close(fd);
}

/* A fresh empty file /tmp/dz-test-what-XXXXXX; path receives its name. */
static inline void
tmp_name(char *path, size_t pathsz, const char *what)
{
	tmp_name_in("/tmp", path, pathsz, what);
}

/*
 * A records database at path (any old one removed) with
 * $top_srcdir/etc/records-schema.sql, then sql if not NULL.
 */
static inline void
records_db(const char *path, const char *sql)
{
	const char *top = getenv("top_srcdir");
	char schema_path[1024], *schema, *msg = NULL;
	sqlite3 *db;

	snprintf(schema_path, sizeof(schema_path), "%s/etc/records-schema.sql",
	    top ? top : ".");
	schema = slurp(schema_path);
	remove_db(path);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	if (sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    (sql != NULL &&
	    sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)) {
		fprintf(stderr, "records: %s\n", msg);
		CHECK(!"records db");
	}
	sqlite3_close(db);
	free(schema);
}

/* True if s has no byte outside 7-bit ASCII (a message in ascii mode). */
static inline bool
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Thursday 2026-11-26 14:35 local time. */
static inline void
fixed_clock(struct pass *ctx)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 26;
	tm.tm_isdst = -1;
	ctx->day_start = mktime(&tm);
	ctx->today = policy_tm_day(&tm);
	tm.tm_hour = 14;
	tm.tm_min = 35;
	tm.tm_isdst = -1;
	ctx->now = mktime(&tm);
	CHECK(ctx->today == 20783);
	CHECK(ctx->now - ctx->day_start == 14 * 3600 + 35 * 60);
}

#define FX_CONF_FMT							\
	"modems = ( { device = \"%s/dz-phone\"; model = \"dummy\";"	\
	" connection = \"none\"; } );\n"				\
	"records = { path = \"%s\"; %s };\n"				\
	"state = { path = \"%s\"; };\n"					\
	"%s"

/*
 * Set f up with temp files in dir: a config on the dummy modem with
 * records_path, more keys for the records group (rec) and others (extra),
 * a fresh state database, the records handle and a context at fixed_clock.
 */
static inline void
setup_in(struct fx *f, const char *dir, const char *records_path,
    const char *rec, const char *extra)
{
	struct dz_err err;
	char confpath[512], *text;
	FILE *fp;
	int len, r;

	memset(f, 0, sizeof(*f));
	tmp_name_in(dir, f->state, sizeof(f->state), "state");
	tmp_name_in(dir, confpath, sizeof(confpath), "conf");
	len = snprintf(NULL, 0, FX_CONF_FMT, dir, records_path, rec, f->state,
	    extra);
	CHECK(len >= 0 && (text = malloc((size_t)len + 1)) != NULL);
	snprintf(text, (size_t)len + 1, FX_CONF_FMT, dir, records_path, rec,
	    f->state, extra);
	CHECK((fp = fopen(confpath, "w")) != NULL);
	CHECK(fputs(text, fp) >= 0);
	CHECK(fclose(fp) == 0);
	free(text);
	r = conf_load(confpath, &f->conf, &err);
	unlink(confpath);
	if (r != 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_INT(r, 0);
	if ((f->store = store_open(f->conf.state.path, &err)) == NULL)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(f->store != NULL);
	CHECK((f->records = records_new(f->conf.records.path,
	    f->conf.records.busy_timeout)) != NULL);
	f->ctx.conf = &f->conf;
	f->ctx.store = f->store;
	f->ctx.records = f->records;
	fixed_clock(&f->ctx);
}

/* setup_in with temp files in /tmp. */
static inline void
setup_rec(struct fx *f, const char *records_path, const char *rec,
    const char *extra)
{
	setup_in(f, "/tmp", records_path, rec, extra);
}

/*
 * How many of the statements s prepared have taken a full-scan step (each
 * printed, with what): the state db keeps every message, so a statement on
 * a regular path that reads a whole table gets slower every day.
 */
static inline int
full_scans(struct store *s, const char *what)
{
	int i, n = 0;

	for (i = 0; i < STORE_NSTMT && s->cache[i].sql != NULL; i++) {
		if (sqlite3_stmt_status(s->cache[i].st,
		    SQLITE_STMTSTATUS_FULLSCAN_STEP, 0) == 0)
			continue;
		fprintf(stderr, "a full scan on %s: %s\n", what, s->cache[i].sql);
		n++;
	}
	return n;
}

static inline void
teardown(struct fx *f)
{
	records_free(f->records);
	store_close(f->store);
	conf_fini(&f->conf);
	remove_db(f->state);
}

static inline int
cb_str(void *arg, int ncol, char **vals, char **names)
{
	char *out = arg;

	(void)ncol;
	(void)names;
	snprintf(out, 256, "%s", vals[0] ? vals[0] : "NULL");
	return 0;
}

/* The first column of the last row of sql, as text ("" if no row). */
static inline const char *
query(struct store *s, const char *sql, char out[256])
{
	struct dz_err err;

	out[0] = '\0';
	if (store_exec(s, sql, cb_str, out, &err) == -1) {
		fprintf(stderr, "%s: %s\n", sql, err.msg);
		CHECK(!"store_exec");
	}
	return out;
}

static inline long long
query_int(struct store *s, const char *sql)
{
	char out[256];

	return atoll(query(s, sql, out));
}

#endif
