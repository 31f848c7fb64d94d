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
	int64_t			 after_id;	/* handle only messages with a larger id */
};

struct inbound_result {
	int64_t		 id;
	char		 sender[STORE_NUM_MAX];
	const char	*kind;		/* lookup, help, optout, ... */
	const char	*outcome;	/* answered, ignored, limited, ... */
	int		 replies;	/* rows queued */
	int		 found, not_found;
	bool		 transient;	/* -1 because the records DB is unreadable now */
};

/*
 * Handle the oldest pending inbox message (id > ctx->after_id): parse,
 * apply limits and privacy, look codes up, queue the replies, write the
 * audit and mark it handled, all in one state transaction. Returns 1 if
 * one was handled, 0 if none is pending, -1 if it could not be handled now
 * (res->transient: the records database is unreadable; otherwise a state
 * database error): the message stays pending, res->id and err say which
 * and why. A message that can never be handled (a reply that cannot be
 * rendered) is marked handled with outcome "failed: ..." and returns 1.
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
