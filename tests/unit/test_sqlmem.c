/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's SQLite allocator: sizes, reuse, the cap on what it keeps, a database through it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "sqlmem.h"

#define KEEP	4096

/* sqlite3_malloc/realloc/msize go through the installed methods. */
static void
test_blocks(void)
{
	struct sqlmem_stats a, b;
	unsigned char *p, *q;
	void *v[64];
	int i;

	sqlmem_stats(&a);
	CHECK((p = sqlite3_malloc(100)) != NULL);
	CHECK(((uintptr_t)p & 7) == 0);
	CHECK_INT(sqlite3_msize(p), 112);
	for (i = 0; i < 100; i++)
		p[i] = (unsigned char)i;
	/* Small to large and back: the bytes come along. */
	CHECK((q = sqlite3_realloc(p, 5000)) != NULL);
	CHECK_INT(sqlite3_msize(q), 5000);
	for (i = 0; i < 100; i++)
		CHECK_INT(q[i], i);
	memset(q + 100, 0xAB, 4900);
	CHECK((p = sqlite3_realloc(q, 9000)) != NULL);
	CHECK_INT(p[4999], 0xAB);
	CHECK_INT(p[99], 99);
	CHECK((q = sqlite3_realloc(p, 40)) != NULL);
	CHECK_INT(sqlite3_msize(q), 48);
	CHECK_INT(q[39], 39);
	/* The same size class: the same block. */
	CHECK(sqlite3_realloc(q, 45) == q);
	sqlite3_free(q);
	/* Freed small blocks come back for the next of their class. */
	sqlmem_stats(&b);
	CHECK((p = sqlite3_malloc(33)) != NULL);
	sqlite3_free(p);
	CHECK(sqlite3_malloc(40) == p);
	sqlite3_free(p);
	CHECK((q = sqlite3_malloc(1000)) != p);
	sqlite3_free(q);
	sqlmem_stats(&a);
	CHECK(a.reused > b.reused);
	/* No more than KEEP bytes kept, whatever is freed. */
	for (i = 0; i < 64; i++)
		CHECK((v[i] = sqlite3_malloc(SQLMEM_SMALL)) != NULL);
	for (i = 0; i < 64; i++)
		sqlite3_free(v[i]);
	sqlmem_stats(&a);
	CHECK(a.kept_bytes <= KEEP);
	CHECK(a.kept_bytes >= KEEP - SQLMEM_SMALL);
}

/* A database used through it gives every block back when closed. */
static void
test_database(void)
{
	struct sqlmem_stats before, after;
	sqlite3_stmt *st;
	sqlite3 *db;
	int i;

	sqlmem_stats(&before);
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY,"
	    " s TEXT); CREATE INDEX t_s ON t(s)", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO t (s) VALUES (?1)", -1,
	    &st, NULL), SQLITE_OK);
	for (i = 0; i < 2000; i++) {
		char s[64];

		snprintf(s, sizeof(s), "row %d of the test, long enough %d", i,
		    i * 7);
		sqlite3_bind_text(st, 1, s, -1, SQLITE_TRANSIENT);
		CHECK_INT(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT count(*), sum(length(s))"
	    " FROM t WHERE s > 'row 1'", -1, &st, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK(sqlite3_column_int(st, 0) > 1000);
	sqlite3_finalize(st);
	sqlmem_stats(&after);
	CHECK(after.in_use > before.in_use);
	CHECK(after.reused > before.reused);
	CHECK_INT(sqlite3_close(db), SQLITE_OK);
	sqlmem_stats(&after);
	CHECK_INT(after.in_use, before.in_use);
}

int
main(void)
{
	CHECK(sqlmem_install(KEEP));
	CHECK_INT(sqlite3_initialize(), SQLITE_OK);
	/* SQLite in use: too late to change its allocator. */
	CHECK(!sqlmem_install(KEEP));
	test_blocks();
	test_database();
	CHECK_INT(sqlite3_shutdown(), SQLITE_OK);
	CHECK_DONE();
}
