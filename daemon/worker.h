/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Driving one modem: supervision, reading, sending, USSD, each cadence its own timer. */
#ifndef DZ_WORKER_H
#define DZ_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "loop.h"
#include "modem.h"
#include "store.h"
#include "ussd_watch.h"

/* What the modems of one process share with it. */
struct worker_env {
	struct conf	**conf;		/* the running configuration (a reload replaces it) */
	struct store	 *store;
	struct ussd_watch *ussd;
	bool		  pooled;	/* a pool's worker: claims by name, routing */
	bool		  runs_ussd;	/* USSD requests for these modems */
	bool		  routing;	/* some modem has modems.prefixes */
	char		  anywhere[CONF_MAX_MODEMS * 33 + 2]; /* ",name,": replies go anywhere */
	void		(*progress)(void *arg);	/* a step finished (the watchdog) */
	void		(*inbox)(void *arg);	/* messages were read: handle them */
	void		 *arg;
};

/* One modem and its timers. */
struct worker {
	struct worker_env	*env;
	struct modem		*m;
	struct timer		 link;		/* down: probe, reconnect */
	struct timer		 pump;		/* unsolicited lines, +CMTI, reports */
	struct timer		 poll;		/* the inbox: modems.poll_interval, or at +CMTI */
	struct timer		 status;	/* signal and network: status_interval */
	struct timer		 send;		/* the queue, paced */
	struct timer		 ussd;		/* requests and their answers */
	struct store_gate	 send_gate;	/* the queue: skipped while nothing changed */
	struct store_gate	 ussd_gate;	/* the USSD requests: the same */
	long			 capped_day;	/* the day the daily cap was logged */
	long			 parts_day;	/* the day parts_today counts; LONG_MIN: not yet read */
	int			 parts_today;	/* parts sent that day (modems.per_day) */
	bool			 watched;	/* the loop wakes the pump on its port */
};

/* Start driving m (not yet open): its timers are armed. */
void	worker_start(struct worker *w, struct worker_env *env, struct modem *m);
/* New messages are queued: look at the queue now. */
void	worker_poke(struct worker *w);
/* Write m's status row (dossierctl status). */
void	worker_put_status(struct store *s, struct modem *m);
/* Phone numbers in full only at debug level: the log is not the audit table. */
const char	*worker_show_number(const char *number, char *buf, size_t bufsz);

#endif
