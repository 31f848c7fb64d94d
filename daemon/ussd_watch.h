/* SPDX-License-Identifier: GPL-2.0-or-later */
/* USSD on the modems: requests from the state database, the SIM balance watch, its alerts. */
#ifndef DZ_USSD_WATCH_H
#define DZ_USSD_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "modem.h"
#include "store.h"

/* When the next balance check is due, and what counts toward one. */
struct ussd_watch {
	bool	 started[CONF_MAX_MODEMS];	/* the first schedule after a start */
	int64_t	 next_check[CONF_MAX_MODEMS];	/* monotonic ms, per modem */
	int	 sends;		/* messages sent since the last check */
	int64_t	 last_refusal;	/* monotonic ms of the last refusal-caused check */
};

void	ussd_watch_init(struct ussd_watch *w);
/*
 * Queue a check of ussd.balance_code on modem's SIM unless one is queued or
 * running; why goes to the log.
 */
void	ussd_want_balance(struct store *s, const struct conf *c,
	    const char *modem, const char *why);
/*
 * Every tick, for every modem's SIM: at the first call, a check if its
 * last reading is older than ussd.interval; then one every ussd.interval
 * (0: never).
 */
void	ussd_schedule(struct ussd_watch *w, struct store *s, const struct conf *c,
	    int64_t now);
/*
 * After a send: sent counts toward ussd.check_after_sends; refused (the
 * network said no: a zero balance looks like that) asks for a check now,
 * at most once per 10 minutes.
 */
void	ussd_after_send(struct ussd_watch *w, struct store *s, const struct conf *c,
	    const char *modem, bool sent, bool refused);
/*
 * Dial the oldest queued USSD request on m if m has none in flight (the
 * caller guards this step): true if one was dialled; *cls is what a
 * failure means for the modem (the request is then failed already).
 */
bool	ussd_dial(struct store *s, const struct conf *c, struct modem *m,
	    enum modem_class *cls);
/*
 * The request in flight on m: its answer (stored; an answer to the
 * balance code is parsed into a reading, shown in the status and alerted
 * on: low balance, validity ending, once a day each, to the staff
 * numbers), or its end at ussd.timeout. An answer that asks for input (a
 * menu) gets the request's next answer, or the session is ended when it
 * has none left; a code never answered has its session ended too. The
 * caller guards this step: *cls is what a failure means for the modem.
 * Returns true while the request still waits.
 */
bool	ussd_poll(struct store *s, const struct conf *c, struct modem *m,
	    enum modem_class *cls);

#endif
