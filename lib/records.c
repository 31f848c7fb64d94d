/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read-only access to the office's shared records database through the configured SQL. */
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <sqlite3.h>

#include "records.h"

#define RECORDS_NSTMT	8
#define RECORDS_CACHE_KB	"64"	/* page cache of the records database */

struct records {
	char	*path;
	int	 busy_ms;
	sqlite3	*db;
	dev_t	 dev;
	ino_t	 ino;
	struct {
		char		*sql;	/* compared by content: a reload frees the old text */
		sqlite3_stmt	*st;
	} cache[RECORDS_NSTMT];
};

struct records *
records_new(const char *path, int busy_ms)
{
	struct records *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->path = strdup(path)) == NULL) {
		free(r);
		return NULL;
	}
	r->busy_ms = busy_ms;
	return r;
}

static void
records_close(struct records *r)
{
	int i;

	for (i = 0; i < RECORDS_NSTMT; i++) {
		sqlite3_finalize(r->cache[i].st);
		free(r->cache[i].sql);
		r->cache[i].st = NULL;
		r->cache[i].sql = NULL;
	}
	if (r->db != NULL)
		sqlite3_close(r->db);
	r->db = NULL;
}

void
records_free(struct records *r)
{
	if (r == NULL)
		return;
	records_close(r);
	free(r->path);
	free(r);
}

/* Open the file read-only, or reopen it if it was replaced since. */
static int
records_open(struct records *r, struct dz_err *err)
{
	struct stat sb;

	if (stat(r->path, &sb) == -1 || access(r->path, R_OK) == -1) {
		int e = errno;

		records_close(r);
		if (e == ENOENT)
			return dz_err_set(err, DZ_ETRANSIENT, "records db: %s: not "
			    "found", r->path);
		if (e == EACCES)
			return dz_err_set(err, DZ_ETRANSIENT, "records db: %s: "
			    "permission denied (this user needs read access to "
			    "the file and its directory; see records.path in "
			    "dossierd.conf(5))", r->path);
		return dz_err_set(err, DZ_ETRANSIENT, "records db: %s: %s",
		    r->path, strerror(e));
	}
	if (r->db != NULL && (sb.st_dev != r->dev || sb.st_ino != r->ino))
		records_close(r);
	if (r->db != NULL)
		return 0;
	if (sqlite3_open_v2(r->path, &r->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		dz_err_set(err, DZ_ETRANSIENT, "records db: %s: %s", r->path,
		    r->db ? sqlite3_errmsg(r->db) : "out of memory");
		records_close(r);
		return -1;
	}
	sqlite3_busy_timeout(r->db, r->busy_ms);
	/*
	 * A lookup reads the few pages of one index path: a small cache keeps
	 * the upper levels and does not grow with the database (1M dossiers).
	 */
	sqlite3_exec(r->db, "PRAGMA cache_size = -" RECORDS_CACHE_KB, NULL, NULL,
	    NULL);
	r->dev = sb.st_dev;
	r->ino = sb.st_ino;
	return 0;
}

/* End the statement's read transaction at once: never hold the writer's lock. */
static void
records_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t dstsz)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	dz_strlcpy(dst, v ? (const char *)v : "", dstsz);
}

static void
row_to_dossier(sqlite3_stmt *st, struct dossier *d)
{
	int i, n = sqlite3_column_count(st);
	const char *name;

	memset(d, 0, sizeof(*d));
	d->notify_sms = 1;
	for (i = 0; i < n; i++) {
		name = sqlite3_column_name(st, i);
		if (strcasecmp(name, "code") == 0)
			col_text(st, i, d->code, sizeof(d->code));
		else if (strcasecmp(name, "procedure") == 0)
			col_text(st, i, d->procedure, sizeof(d->procedure));
		else if (strcasecmp(name, "phone") == 0)
			col_text(st, i, d->phone, sizeof(d->phone));
		else if (strcasecmp(name, "office") == 0)
			col_text(st, i, d->office, sizeof(d->office));
		else if (strcasecmp(name, "status") == 0)
			d->status = sqlite3_column_int(st, i);
		else if (strcasecmp(name, "received_at") == 0)
			col_text(st, i, d->received_at, sizeof(d->received_at));
		else if (strcasecmp(name, "due_at") == 0)
			col_text(st, i, d->due_at, sizeof(d->due_at));
		else if (strcasecmp(name, "finished_at") == 0)
			col_text(st, i, d->finished_at, sizeof(d->finished_at));
		else if (strcasecmp(name, "returned_at") == 0)
			col_text(st, i, d->returned_at, sizeof(d->returned_at));
		else if (strcasecmp(name, "notify_sms") == 0)
			d->notify_sms = sqlite3_column_type(st, i) == SQLITE_NULL ?
			    1 : sqlite3_column_int(st, i);
		else if (strcasecmp(name, "updated_at") == 0)
			col_text(st, i, d->updated_at, sizeof(d->updated_at));
	}
}

/* A prepared statement for sql, compiled once per open of the file. */
static sqlite3_stmt *
cached_stmt(struct records *r, const char *sql, struct dz_err *err)
{
	int i, slot = -1;

	for (i = 0; i < RECORDS_NSTMT; i++) {
		if (r->cache[i].sql != NULL && strcmp(r->cache[i].sql, sql) == 0)
			return r->cache[i].st;
		if (r->cache[i].sql == NULL && slot == -1)
			slot = i;
	}
	if (slot == -1) {	/* full (many reloads): drop the oldest */
		slot = 0;
		sqlite3_finalize(r->cache[0].st);
		free(r->cache[0].sql);
		r->cache[0].sql = NULL;
	}
	if (sqlite3_prepare_v2(r->db, sql, -1, &r->cache[slot].st, NULL) !=
	    SQLITE_OK) {
		dz_err_set(err, DZ_ETRANSIENT, "records db: %s", sqlite3_errmsg(r->db));
		sqlite3_finalize(r->cache[slot].st);
		r->cache[slot].st = NULL;
		return NULL;
	}
	if ((r->cache[slot].sql = strdup(sql)) == NULL) {
		sqlite3_finalize(r->cache[slot].st);
		r->cache[slot].st = NULL;
		dz_err_set(err, DZ_ETRANSIENT, "records db: out of memory");
		return NULL;
	}
	return r->cache[slot].st;
}

/* The statement for sql, reset and bound; finish with records_done. */
static sqlite3_stmt *
records_prepare(struct records *r, const char *sql, const char *code,
    const char *since, struct dz_err *err)
{
	sqlite3_stmt *st;
	int i;

	if (records_open(r, err) == -1)
		return NULL;
	if ((st = cached_stmt(r, sql, err)) == NULL) {
		/* A replaced or corrupt file: start afresh next time. */
		records_close(r);
		return NULL;
	}
	if ((i = sqlite3_bind_parameter_index(st, ":code")) > 0)
		sqlite3_bind_text(st, i, code ? code : "", -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":since")) > 0)
		sqlite3_bind_text(st, i, since ? since : "", -1, SQLITE_STATIC);
	return st;
}

int
records_lookup(struct records *r, const char *sql, const char *code,
    struct dossier *d, struct dz_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = records_prepare(r, sql, code, NULL, err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_dossier(st, d);
	else if (rc != SQLITE_DONE)
		dz_err_set(err, DZ_ETRANSIENT, "records db: %s", sqlite3_errmsg(r->db));
	records_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return rc == SQLITE_ROW;
}

int
records_scan(struct records *r, const char *sql, const char *since, int max,
    int (*cb)(const struct dossier *, void *), void *arg, struct dz_err *err)
{
	sqlite3_stmt *st;
	struct dossier d;
	int rc = SQLITE_DONE, n = 0;

	if ((st = records_prepare(r, sql, NULL, since, err)) == NULL)
		return -1;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_dossier(st, &d);
		n++;
		if (cb(&d, arg) != 0)
			break;
	}
	if (n < max && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		dz_err_set(err, DZ_ETRANSIENT, "records db: %s", sqlite3_errmsg(r->db));
		n = -1;
	}
	records_done(st);
	return n;
}

int
records_audience(struct records *r, const char *sql, long offset, int max,
    int (*cb)(const char *phone, void *), void *arg, struct dz_err *err)
{
	sqlite3_stmt *st;
	char *wrapped;
	size_t len = strlen(sql);
	int rc = SQLITE_DONE, n = 0, i;
	const unsigned char *v;

	/* A trailing ";" would end the subquery early. */
	while (len > 0 && (sql[len - 1] == ';' || sql[len - 1] == ' ' ||
	    sql[len - 1] == '\n' || sql[len - 1] == '\t'))
		len--;
	if (asprintf(&wrapped, "SELECT phone FROM (%.*s)"
	    " LIMIT :dz_limit OFFSET :dz_offset", (int)len, sql) == -1)
		return dz_err_set(err, DZ_ETRANSIENT, "records db: out of memory");
	st = records_prepare(r, wrapped, NULL, NULL, err);
	free(wrapped);
	if (st == NULL)
		return -1;
	if ((i = sqlite3_bind_parameter_index(st, ":dz_limit")) > 0)
		sqlite3_bind_int(st, i, max);
	if ((i = sqlite3_bind_parameter_index(st, ":dz_offset")) > 0)
		sqlite3_bind_int64(st, i, offset);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sqlite3_column_text(st, 0);
		n++;
		if (cb(v != NULL ? (const char *)v : "", arg) != 0)
			break;
	}
	if (n < max && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		dz_err_set(err, DZ_ETRANSIENT, "records db: %s",
		    sqlite3_errmsg(r->db));
		n = -1;
	}
	records_done(st);
	return n;
}

int
records_check_sql(struct records *r, const char *sql, struct dz_err *err)
{
	sqlite3_stmt *st;

	if ((st = records_prepare(r, sql, NULL, NULL, err)) == NULL)
		return -1;
	records_done(st);
	return 0;
}
