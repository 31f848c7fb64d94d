/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark (not a test): the cost of an idle ready-scan poll. The first
 * notices_scan calls read the backfill window and set the watermark; the
 * next M calls find nothing new. Run under callgrind for two values of M:
 * the difference of the totals over the difference of M is the cost of
 * one idle poll, whatever the set-up cost.
 *
 * usage: bench_scan RECORDS.db M [CHANGES]
 *
 * With CHANGES, before each of the M polls CHANGES other dossiers turn
 * ready (status 9, a new updated_at after the watermark, each with its own
 * phone number), as the records software would write them: the poll then
 * reads and queues them. Under callgrind the update itself is not counted
 * (CALLGRIND_TOGGLE_COLLECT around it), only the polls.
 *
 * An idle poll still re-reads the rows changed within notices.c's
 * RESCAN_MARGIN before the watermark (at least the row that set it); the
 * generated databases have the same few such rows at every size, so the
 * figure compares the index probe, not the data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "inbound.h"
#include "notices.h"
#include "policy.h"
#include "records.h"
#include "store.h"

#include "fixture.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_TOGGLE_COLLECT
#endif

static void
die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_scan: %s: %s\n", what, msg);
	exit(1);
}

/* CHANGES dossiers of rowid FIRST.. turn ready now + SECONDS. */
static void
change(sqlite3 *db, long first, long changes, long seconds)
{
	char sql[512];
	char *msg = NULL;

	snprintf(sql, sizeof(sql), "UPDATE dossiers SET status = 9, notify_sms = 1,"
	    " finished_at = date('now', 'localtime'), returned_at = NULL,"
	    " phone = printf('0915%%06d', rowid),"
	    " updated_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%S', 'now', 'localtime',"
	    " '+%ld seconds') WHERE rowid >= %ld AND rowid < %ld",
	    seconds, first, first + changes);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("update", msg ? msg : "?");
}


int
main(int argc, char **argv)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char wm[64] = "";
	struct fx fx;
	struct notices_result res;
	struct dz_err err;
	struct timespec t0, t1;
	long m, i, setup_polls = 0, setup_rows = 0, queued = 0, idle_rows = 0;
	long changes = argc == 4 ? atol(argv[3]) : 0, polled_queued = 0;
	sqlite3 *rw = NULL;

	if (argc < 3 || argc > 4 || (m = atol(argv[2])) <= 0 || changes < 0) {
		fprintf(stderr, "usage: bench_scan RECORDS.db M [CHANGES]\n");
		return 2;
	}
	if (changes > 0 && (sqlite3_open(argv[1], &rw) != SQLITE_OK ||
	    sqlite3_busy_timeout(rw, 5000) != SQLITE_OK))
		die("open", sqlite3_errmsg(rw));
	setup_in(&fx, tmpdir, argv[1], "",
	    "notices = { per_number_per_day = 100; };\n");

	/* Set-up: the backfill window, until the scan has caught up. */
	do {
		if (notices_scan(&fx.ctx, &res, &err) == -1)
			die("scan", err.msg);
		setup_polls++;
		setup_rows += res.scanned;
		queued += res.queued;
	} while (res.more);
	if (store_meta_get(fx.store, "notices.watermark", wm, sizeof(wm), NULL) != 1)
		die("scan", "no watermark after the first poll");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < m; i++) {
		if (changes > 0) {
			CALLGRIND_TOGGLE_COLLECT;
			change(rw, 100 + i * changes, changes, 60 + i);
			CALLGRIND_TOGGLE_COLLECT;
		}
		if (notices_scan(&fx.ctx, &res, &err) == -1)
			die("scan", err.msg);
		if (changes == 0 && (res.queued != 0 || res.more))
			die("scan", "an idle poll queued something");
		idle_rows += res.scanned;
		polled_queued += res.queued;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	teardown(&fx);
	if (rw != NULL)
		sqlite3_close(rw);

	printf("setup_polls %ld setup_rows %ld notices %ld watermark %s "
	    "idle_polls %ld rows_per_idle_poll %.2f queued_per_poll %.2f loop_us %.0f\n",
	    setup_polls, setup_rows, queued, wm, m, (double)idle_rows / m,
	    (double)polled_queued / m,
	    (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3);
	return 0;
}
