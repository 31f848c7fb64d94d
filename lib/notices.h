/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ready-for-pickup notices and reminders: scan the records for changes, ledger, queue. */
#ifndef DZ_NOTICES_H
#define DZ_NOTICES_H

#include <stdbool.h>

#include "pass.h"

struct notices_result {
	int	scanned;	/* changed rows read from the records database */
	int	queued;		/* first notices queued */
	int	reminders;	/* reminders queued */
	int	skipped;	/* no consent, no mobile number, opted out, too old */
	int	stopped;	/* reminders ended: collected or status changed */
	int	deferred;	/* over the per-number daily cap: sent a day later */
	bool	more;		/* the scan stopped at its batch size: poll again soon */
};

/*
 * One poll of the records database: rows changed since the watermark kept
 * in the state database (ready_sql with :since), each dossier in a notice
 * status gets one ledger row and, if eligible, one notice in the notice
 * lane, committed together. The first poll ever reads only the last
 * notices.backfill_days. Returns 0, or -1 if the records database cannot
 * be read now (DZ_ETRANSIENT) or the state database failed (DZ_ESTATE);
 * nothing is lost: the watermark did not move. A notice whose text cannot
 * be rendered is recorded as skipped and counted, never blocking the scan.
 */
int	notices_scan(struct pass *ctx, struct notices_result *res,
	    struct dz_err *err);

/*
 * Queue the reminders that are due: the live status is read again first;
 * still ready -> reminder n, collected or any other status -> no more.
 * Returns 0 or -1 (records unreadable, or a state database error: the
 * reminder waits).
 */
int	notices_remind(struct pass *ctx, struct notices_result *res,
	    struct dz_err *err);

#endif
