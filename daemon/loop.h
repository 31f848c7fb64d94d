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
 * Run timers until SIGTERM/SIGINT. on_reload is called (from the loop, not
 * the handler) after SIGHUP.
 */
void	loop_run(void (*on_reload)(void));
/*
 * Bound one blocking call from outside: if loop_guard_disarm is not called
 * within ms, fn(arg) runs from a SIGALRM handler, so it may only do
 * async-signal-safe work (set a flag). One guard at a time.
 */
void	loop_guard_arm(int64_t ms, void (*fn)(void *), void *arg);
void	loop_guard_disarm(void);

/* Stop loop_run after the current callback (like SIGTERM). */
void	loop_quit(void);
bool	loop_quitting(void);

#endif
