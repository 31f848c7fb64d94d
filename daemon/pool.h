/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A pool of modems on one queue: one worker process per modem, supervised by the parent. */
#ifndef DZ_POOL_H
#define DZ_POOL_H

#include <stdbool.h>

#include "conf.h"

struct pool;

/* Called when a worker has ended (its claims are to be recovered). */
typedef void (*pool_died_cb)(void *arg, const char *modem);

/*
 * Start one worker per configured modem: self (this binary) run again as
 * "self [-f] [-v] -c FILE -W NAME" with a heartbeat pipe in
 * DOSSIERD_HEARTBEAT_FD and no NOTIFY_SOCKET. NULL if out of memory.
 */
struct pool	*pool_start(const struct conf *c, const char *self, int verbose,
		    bool foreground);
/*
 * From the parent's tick: reap workers that ended (died is called for
 * each) and start them again after a growing delay (2 s to 60 s); kill a
 * worker whose heartbeat stopped for longer than any guarded call and a
 * reconnect take (a modem call stuck inside libgammu).
 */
void		 pool_step(struct pool *p, pool_died_cb died, void *arg);
/*
 * Every worker beats, or is being restarted (a bounded backoff): false
 * only when one stayed silent past the point it should have been killed.
 */
bool		 pool_healthy(const struct pool *p);
/* Forward a signal (SIGHUP: reload) to every worker. */
void		 pool_signal(struct pool *p, int sig);
/*
 * Stop: SIGTERM to every worker, wait for them (each finishes its send
 * within its stop grace; a second stop request is passed on), SIGKILL
 * after grace_s and 5 s more. Frees p.
 */
void		 pool_stop(struct pool *p, int grace_s, pool_died_cb died,
		    void *arg);
/* In a worker, at the end of each tick: at most one heartbeat a second. */
void		 pool_beat(void);

#endif
