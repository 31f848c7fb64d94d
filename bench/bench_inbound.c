/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark (not a test): handle K citizen lookups through lib/ exactly as
 * the daemon does (store_inbox_add_part + inbound_handle_next), against a
 * records database given on the command line and a fresh state database.
 * Run it under callgrind for two values of K: the difference of the totals
 * divided by the difference of K is the marginal cost of one query, with
 * the fixed set-up (config, opening, schema, statement preparation) gone.
 *
 * usage: bench_inbound RECORDS.db K CODE found|notfound
 *
 * Every query comes from its own mobile number (no per-number limit is
 * reached; the limits are also set high) and says "HS CODE".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "inbound.h"
#include "policy.h"
#include "records.h"
#include "store.h"

#include "fixture.h"

static void
die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_inbound: %s: %s\n", what, msg);
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct fx fx;
	struct inbound_result res;
	struct in_part p;
	struct dz_err err;
	struct timespec t0, t1;
	long k, i, found = 0, not_found = 0;
	bool want_found;

	if (argc != 5 || (k = atol(argv[2])) <= 0 ||
	    (strcmp(argv[4], "found") != 0 && strcmp(argv[4], "notfound") != 0)) {
		fprintf(stderr, "usage: bench_inbound RECORDS.db K CODE "
		    "found|notfound\n");
		return 2;
	}
	want_found = strcmp(argv[4], "found") == 0;

	setup_in(&fx, tmpdir, argv[1], "",
	    "limits = { lookups_per_day = 10000; misses_per_hour = 10000;"
	    " replies_per_number_per_day = 10000; };\n");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < k; i++) {
		memset(&p, 0, sizeof(p));
		/* A different mobile number and SMSC time for every query. */
		snprintf(p.sender, sizeof(p.sender), "+8491%07ld", i);
		snprintf(p.smsc_time, sizeof(p.smsc_time), "20261126T%06ld",
		    i % 1000000);
		p.total = 1;
		snprintf(p.text, sizeof(p.text), "HS %s", argv[3]);
		snprintf(p.modem, sizeof(p.modem), "bench");
		if (store_inbox_add_part(fx.store, &p, fx.ctx.now, &err) != 1)
			die("inbox", err.msg);
		if (inbound_handle_next(&fx.ctx, &res, &err) != 1)
			die("handle", err.msg);
		found += res.found;
		not_found += res.not_found;
		if (res.replies != 1)
			die("handle", "expected exactly one reply");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	teardown(&fx);

	if ((want_found && found != k) || (!want_found && not_found != k)) {
		fprintf(stderr, "bench_inbound: %ld found, %ld not found of %ld:"
		    " wrong code for mode %s\n", found, not_found, k, argv[4]);
		return 1;
	}
	printf("queries %ld found %ld not_found %ld loop_us %.0f\n", k, found,
	    not_found, (t1.tv_sec - t0.tv_sec) * 1e6 +
	    (t1.tv_nsec - t0.tv_nsec) / 1e3);
	return 0;
}
