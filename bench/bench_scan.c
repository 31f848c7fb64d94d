/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark (not a test): the cost of an idle ready-scan poll. The first
 * notices_scan calls read the backfill window and set the watermark; the
 * next M calls find nothing new. Run under callgrind for two values of M:
 * the difference of the totals over the difference of M is the cost of
 * one idle poll, whatever the set-up cost.
 *
 * usage: bench_scan RECORDS.db M
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

static void
die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_scan: %s: %s\n", what, msg);
	exit(1);
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

	if (argc != 3 || (m = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench_scan RECORDS.db M\n");
		return 2;
	}
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
		if (notices_scan(&fx.ctx, &res, &err) == -1)
			die("scan", err.msg);
		if (res.queued != 0 || res.more)
			die("scan", "an idle poll queued something");
		idle_rows += res.scanned;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	teardown(&fx);

	printf("setup_polls %ld setup_rows %ld notices %ld watermark %s "
	    "idle_polls %ld rows_per_idle_poll %.2f loop_us %.0f\n",
	    setup_polls, setup_rows, queued, wm, m, (double)idle_rows / m,
	    (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3);
	return 0;
}
