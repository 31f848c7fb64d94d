/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Handling of one received SMS: command, limits, lookups, replies queued, all in one transaction. */
#ifndef DZ_INBOUND_H
#define DZ_INBOUND_H

#include <time.h>

#include "pass.h"

struct inbound_result {
	int64_t		 id;
	char		 sender[STORE_NUM_MAX];
	const char	*kind;		/* lookup, help, optout, ... */
	const char	*outcome;	/* answered, ignored, limited, ... */
	int		 replies;	/* rows queued */
	int		 found, not_found;
	char		 warning[256];	/* "" or what to log once as a warning */
};

/*
 * Handle the oldest pending inbox message (id > ctx->after_id): parse,
 * apply limits and privacy, look codes up, queue the replies, write the
 * audit and mark it handled, all in one state transaction (its own).
 * Returns 1 if one was handled, 0 if none is pending, -1 if it could not
 * be handled now: the message stays pending, res->id says which, err why:
 * DZ_ETRANSIENT, the records database is unreadable (messages behind it
 * may still be handled), or DZ_ESTATE, the state database failed. A
 * message that can never be handled (a reply that cannot be rendered) is
 * marked handled with outcome "failed: ..." and returns 1.
 */
int	inbound_handle_next(struct pass *ctx, struct inbound_result *res,
	    struct dz_err *err);

/*
 * What the gateway would answer text from sender now (dossierctl lookup):
 * the same handling as inbound_handle_next, but each reply is rendered
 * into cb instead of being queued, and everything else it would write
 * (audit, limit counts, opt-outs) is rolled back. A sender that is never
 * answered (short code, sender name) gets no reply. Returns the number of
 * replies (0: none would be sent, res->outcome says why) or -1.
 */
int	inbound_preview(struct pass *ctx, const char *sender, const char *text,
	    int (*cb)(void *, const char *), void *arg,
	    struct inbound_result *res, struct dz_err *err);

#endif
