/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Handling of one received SMS: command, limits, lookups, replies queued, all in one transaction. */
#ifndef DZ_INBOUND_H
#define DZ_INBOUND_H

#include <time.h>

#include "conf.h"
#include "records.h"
#include "store.h"

struct inbound_ctx {
	const struct conf	*conf;
	struct store		*store;
	struct records		*records;
	time_t			 now;
	time_t			 day_start;	/* local midnight of now */
	long			 today;		/* local day number (policy_tm_day) */
	char			 balance[64];	/* last known SIM balance, for staff SD */
};

struct inbound_result {
	int64_t		 id;
	char		 sender[STORE_NUM_MAX];
	const char	*kind;		/* lookup, help, optout, ... */
	const char	*outcome;	/* answered, ignored, limited, ... */
	int		 replies;	/* rows queued */
	int		 found, not_found;
};

/*
 * Handle the oldest pending inbox message: parse, apply limits and privacy,
 * look codes up, queue the replies, write the audit and mark it handled,
 * all in one state transaction. Returns 1 if one was handled, 0 if none is
 * pending, -1 if it could not be handled now (records database unreadable,
 * state database error): the message stays pending, err says why.
 */
int	inbound_handle_next(struct inbound_ctx *ctx, struct inbound_result *res,
	    struct dz_err *err);

/*
 * Prepare text for SMS per conf (charset, max_parts) and queue it.
 * Returns the outbox id or -1.
 */
int64_t	inbound_queue(const struct inbound_ctx *ctx, enum lane lane,
	    const char *number, const char *text, time_t expires,
	    int64_t inbox_id, struct dz_err *err);

#endif
