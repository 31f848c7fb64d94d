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

static void
die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_scan: %s: %s\n", what, msg);
	exit(1);
}

/* Thursday 2026-11-26 14:35 local time, as the unit tests use. */
static void
fixed_clock(struct inbound_ctx *ctx)
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
}

static void
remove_db(const char *path)
{
	char side[600];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-journal", path);
	unlink(side);
}

int
main(int argc, char **argv)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char state[512], confpath[512], wm[64] = "";
	struct inbound_ctx ctx;
	struct notices_result res;
	struct dz_err err;
	struct conf conf;
	struct store *store;
	struct records *records;
	struct timespec t0, t1;
	long m, i, setup_polls = 0, setup_rows = 0, queued = 0, idle_rows = 0;
	FILE *f;
	int fd;

	if (argc != 3 || (m = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench_scan RECORDS.db M\n");
		return 2;
	}
	snprintf(state, sizeof(state), "%s/bench-state-XXXXXX", tmpdir);
	if ((fd = mkstemp(state)) == -1)
		die(state, "mkstemp failed");
	close(fd);
	unlink(state);
	snprintf(confpath, sizeof(confpath), "%s/bench-conf-XXXXXX", tmpdir);
	if ((fd = mkstemp(confpath)) == -1 || (f = fdopen(fd, "w")) == NULL)
		die(confpath, "cannot create");
	fprintf(f,
	    "modems = ( { device = \"%s/bench-phone\"; model = \"dummy\";"
	    " connection = \"none\"; } );\n"
	    "records = { path = \"%s\"; };\n"
	    "state = { path = \"%s\"; };\n"
	    "notices = { per_number_per_day = 100; };\n",
	    tmpdir, argv[1], state);
	if (fclose(f) != 0)
		die(confpath, "write failed");
	if (conf_load(confpath, &conf, &err) == -1)
		die("config", err.msg);
	unlink(confpath);
	if ((store = store_open(conf.state.path, &err)) == NULL)
		die("state", err.msg);
	if ((records = records_new(conf.records.path,
	    conf.records.busy_timeout)) == NULL)
		die("records", "out of memory");

	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &conf;
	ctx.store = store;
	ctx.records = records;
	fixed_clock(&ctx);

	/* Set-up: the backfill window, until the scan has caught up. */
	do {
		if (notices_scan(&ctx, &res, &err) == -1)
			die("scan", err.msg);
		setup_polls++;
		setup_rows += res.scanned;
		queued += res.queued;
	} while (res.more);
	if (store_meta_get(store, "notices.watermark", wm, sizeof(wm)) != 1)
		die("scan", "no watermark after the first poll");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < m; i++) {
		if (notices_scan(&ctx, &res, &err) == -1)
			die("scan", err.msg);
		if (res.queued != 0 || res.more)
			die("scan", "an idle poll queued something");
		idle_rows += res.scanned;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	records_free(records);
	store_close(store);
	conf_fini(&conf);
	remove_db(state);

	printf("setup_polls %ld setup_rows %ld notices %ld watermark %s "
	    "idle_polls %ld rows_per_idle_poll %.2f loop_us %.0f\n",
	    setup_polls, setup_rows, queued, wm, m, (double)idle_rows / m,
	    (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3);
	return 0;
}
