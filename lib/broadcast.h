/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Broadcast jobs: an audience collected into recipients, counted, then queued in batches; cancel. */
#ifndef DZ_BROADCAST_H
#define DZ_BROADCAST_H

#include <stdbool.h>

#include "pass.h"

#define BROADCAST_PAGE		1000	/* audience rows read per collection step */
#define BROADCAST_BATCH		500	/* recipients queued per transaction */
#define BROADCAST_REPEAT_S	86400	/* the same text to the same audience is refused within this */

/*
 * Set j up for a new job at p->now: text prepared exactly as it will be
 * sent (sms.charset folding, sms.max_parts), its coding and parts, the
 * source and audience labels, state JOB_COLLECTING. Nothing is stored.
 * -1: DZ_EUSAGE for an empty or non-UTF-8 text.
 */
int	broadcast_prepare(const struct pass *p, struct job *j, const char *source,
	    const char *audience, const char *text, struct dz_err *err);

/*
 * Classify one number of the audience as typed into j, inside the
 * caller's transaction: a recipient (normalised, deduplicated, not opted
 * out) or an exclusion counted by reason. j's counts change; 0 or -1.
 */
int	broadcast_add_number(const struct pass *p, struct job *j, const char *raw,
	    struct dz_err *err);

/*
 * One step of collecting the audience SQL into j (stored already): the
 * next BROADCAST_PAGE rows from j->cursor, in one state transaction that
 * also saves j. Returns 1 when the audience is exhausted (j->state is left
 * for the caller to move on), 0 if more rows remain, -1 (records
 * unreadable: DZ_ETRANSIENT; nothing of the page was kept).
 */
int	broadcast_collect_step(const struct pass *p, struct job *j,
	    const char *sql, struct dz_err *err);

/*
 * Queue up to max of j's recipients not queued yet in the broadcast lane,
 * in one state transaction that also saves j: numbers that opted out since
 * are excluded, numbers over notices.per_number_per_day today are held to
 * the next day's window. Returns 1 when every recipient is queued (j is
 * then JOB_QUEUED), 0 if more remain, -1.
 */
int	broadcast_queue_step(const struct pass *p, struct job *j, int max,
	    struct dz_err *err);

/*
 * Cancel job j->id (own transaction; j is read again): JOB_CANCELLED, no
 * more recipients queued, queued messages not yet sent become cancelled.
 * Returns those messages, or -1 (DZ_EUSAGE if it ended already).
 */
int	broadcast_cancel(const struct pass *p, struct job *j, struct dz_err *err);
/* The same inside the caller's transaction. */
int	broadcast_cancel_in(const struct pass *p, struct job *j,
	    struct dz_err *err);

/* The SQL of the audience called name (case does not matter), NULL if none; *canon its configured name. */
const char	*broadcast_audience(const struct conf *c, const char *name,
		    const char **canon);

/*
 * Queue a staff reply about a job, rendered from tpl with the job's
 * figures ({id} {recipients} {parts} {cost} {unsent} {sent}) and reason
 * ({reason}), in the staff lane to number. In the caller's transaction.
 * Returns the outbox id or -1.
 */
int64_t	broadcast_tell(const struct pass *p, const char *number,
	    const char *tpl, const struct job *j, int unsent, int sent,
	    const char *reason, struct dz_err *err);

/*
 * The daemon's share of jobs a staff SMS made: count one page of the
 * oldest being counted and, when done, ask its staff number to confirm
 * (templates.staff_broadcast_count) or say nobody is in it; expire the
 * oldest unconfirmed one past its time. Returns 1 if there is more to do
 * now, 0 if not, -1.
 */
int	broadcast_sms_step(const struct pass *p, struct dz_err *err);

/* Excluded numbers of j, all reasons together. */
int	broadcast_excluded(const struct job *j);

#endif
