/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The context of one pass over the work (inbox, notices, a staff command): config, databases, clock; and queuing an SMS. */
#ifndef DZ_PASS_H
#define DZ_PASS_H

#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "records.h"
#include "store.h"

struct pass {
	const struct conf	*conf;
	struct store		*store;
	struct records		*records;	/* NULL where no lookup is made */
	time_t			 now;
	time_t			 day_start;	/* local midnight of now */
	long			 today;		/* local day number (policy_tm_day) */
	char			 balance[64];	/* last known SIM balance, for staff SD */
	char			 balance_at[24];	/* when it was read: Unix time, "" never */
	int64_t			 after_id;	/* inbox: handle only messages with a larger id */
};

/* Set p up for a pass at now (local day from the time zone); balance and after_id empty. */
void	pass_init(struct pass *p, const struct conf *c, struct store *s,
	    struct records *r, time_t now);

/*
 * Prepare text for SMS as the config says (sms.charset folding, cut to
 * sms.max_parts) and queue it in lane to number (inside the caller's
 * transaction, if any). Returns the outbox id, or -1: DZ_EPERMANENT when
 * the text cannot be prepared, else the store's error.
 */
/*
 * The body an SMS of text goes out with: folded and cut by sms.charset and
 * sms.max_parts, as pass_queue_sms queues it. Parts (>= 1), or -1.
 */
int	pass_prepare_sms(const struct pass *p, const char *text, char *body,
	    size_t bodysz, struct dz_err *err);
int64_t	pass_queue_sms(const struct pass *p, enum lane lane, const char *number,
	    const char *text, time_t expires, int64_t inbox_id,
	    struct dz_err *err);

#endif
