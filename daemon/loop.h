/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The single-threaded event loop: poll() on a signal self-pipe plus a sorted list of timers. */
#ifndef DZ_LOOP_H
#define DZ_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

struct timer {
	struct timer	*next;
	int64_t		 due;	/* monotonic ms */
	bool		 armed;
	void		(*cb)(struct timer *);
};

void	loop_init(void);
/* Monotonic milliseconds. */
int64_t	loop_now(void);
void	timer_set(struct timer *t, void (*cb)(struct timer *));
/* (Re)arm t to fire after ms milliseconds. */
void	timer_arm(struct timer *t, int64_t ms);
void	timer_disarm(struct timer *t);
/*
 * Arm t to fire now unless it is already due by now: never later, so a
 * timer re-armed after every step of another (a read after each send)
 * keeps its place instead of queueing behind it for ever.
 */
void	timer_hurry(struct timer *t);
/*
 * Run timers until SIGTERM/SIGINT. on_reload is called (from the loop, not
 * the handler) after SIGHUP.
 */
void	loop_run(void (*on_reload)(void));
/* Why a guarded call is being cut short. */
enum loop_guard_why {
	LOOP_GUARD_DEADLINE,	/* it overran its deadline: the device hangs */
	LOOP_GUARD_STOP,	/* a stop request's grace is over, or a second request came */
};
/*
 * Bound one blocking call from outside: if loop_guard_disarm is not called
 * within ms, or within grace_ms of a stop request (SIGTERM/SIGINT) that
 * comes meanwhile, or at once on a second stop request, fn(arg, why) runs
 * from a signal handler, so it may only do async-signal-safe work (set a
 * flag). One guard at a time.
 */
void	loop_guard_arm(int64_t ms, int64_t grace_ms,
	    void (*fn)(void *, enum loop_guard_why), void *arg);
void	loop_guard_disarm(void);

/*
 * When a stop request's grace of grace_ms ends (monotonic ms): 0 if no
 * stop was requested, a time already past after a second request.
 */
int64_t	loop_stop_deadline(int64_t grace_ms);
/* True once a second stop request came. */
bool	loop_stop_forced(void);
/*
 * Sleep until fd is readable (fd < 0: no descriptor), a signal arrives or
 * ms pass. 1 readable, 0 woken or timed out, -1 the descriptor hung up or
 * failed (a line drop, a vanished device).
 */
int	loop_wait_readable(int fd, int64_t ms);

/*
 * While loop_run waits, also watch the descriptor fd_of(arg) returns at
 * that moment (-1: none), and call ready(arg) when it is readable or hung
 * up (a hung-up one is then ignored until fd_of returns another). One
 * watch; NULL fd_of removes it.
 */
void	loop_watch(int (*fd_of)(void *), void (*ready)(void *), void *arg);
/* Whether a watch is set. */
bool	loop_watching(void);

/* Stop loop_run after the current callback (like SIGTERM). */
void	loop_quit(void);
bool	loop_quitting(void);

#endif
