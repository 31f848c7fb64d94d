/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The single-threaded event loop: poll() on a signal self-pipe plus a sorted list of timers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/time.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

static struct timer		*timers;	/* sorted by due */
static int			 wake_fd[2] = { -1, -1 };
static volatile sig_atomic_t	 want_quit, want_reload;
static volatile sig_atomic_t	 stop_count;	/* SIGTERM/SIGINT received */
static volatile sig_atomic_t	 stop_at_s;	/* monotonic s of the first, 0 none */
static volatile sig_atomic_t	 stop_at_ms;	/* and its milliseconds, 0..999 */
static void			(*volatile guard_fn)(void *, enum loop_guard_why);
static void *volatile		 guard_arg;
static int64_t			 guard_deadline;	/* monotonic ms */
static int64_t			 guard_grace;	/* ms a stop may wait for the call */
static int			(*watch_fd_of)(void *);	/* loop_watch */
static void			(*watch_ready)(void *);
static void			*watch_arg;
static int			 watch_dead = -1;	/* hung up: ignored */

/* Async-signal-safe (clock_gettime is). */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
set_alarm(int64_t ms)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	if (ms < 1)
		ms = 1;
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	/* Fire again each second while still stuck: one flag set may be missed. */
	it.it_interval.tv_sec = 1;
	setitimer(ITIMER_REAL, &it, NULL);	/* a plain system call on Linux */
}

/* When the first stop request came, monotonic ms (0 none). */
static int64_t
stop_at(void)
{
	return (int64_t)stop_at_s * 1000 + stop_at_ms;
}

/* A stop request while a guarded call runs: bound the call by the grace. */
static void
stop_guarded_call(void)
{
	int64_t end;

	if (guard_fn == NULL)
		return;
	if (stop_count >= 2) {		/* a second request ends the grace */
		guard_fn(guard_arg, LOOP_GUARD_STOP);
		return;
	}
	end = stop_at() + guard_grace;
	if (end < guard_deadline)
		set_alarm(end - now_ms());
}

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGHUP)
		want_reload = 1;
	else {
		want_quit = 1;
		if (stop_count == 0) {
			int64_t t = now_ms();

			/* Before the count: the loop reads them once it is set. */
			stop_at_s = (sig_atomic_t)(t / 1000);
			stop_at_ms = (sig_atomic_t)(t % 1000);
		}
		stop_count++;
		stop_guarded_call();
	}
	(void)!write(wake_fd[1], "", 1);
	errno = saved;
}

static void
on_alarm(int sig)
{
	int64_t now = now_ms();
	int saved = errno;

	(void)sig;
	if (guard_fn == NULL)
		;
	else if (now >= guard_deadline)
		guard_fn(guard_arg, LOOP_GUARD_DEADLINE);
	else if (stop_count >= 2 || (stop_count != 0 &&
	    now >= stop_at() + guard_grace))
		guard_fn(guard_arg, LOOP_GUARD_STOP);
	errno = saved;
}

void
loop_guard_arm(int64_t ms, int64_t grace_ms,
    void (*fn)(void *, enum loop_guard_why), void *arg)
{
	guard_fn = NULL;
	guard_arg = arg;
	guard_deadline = now_ms() + ms;
	guard_grace = grace_ms;
	if (stop_count != 0 && stop_at() + grace_ms < guard_deadline)
		ms = stop_at() + grace_ms - now_ms();
	guard_fn = fn;
	if (stop_count >= 2)
		ms = 1;
	set_alarm(ms);
}

void
loop_guard_disarm(void)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	guard_fn = NULL;
}

void
loop_init(void)
{
	struct sigaction sa;
	int i;

	if (pipe(wake_fd) == -1)
		fatal("loop: pipe");
	for (i = 0; i < 2; i++) {
		fcntl(wake_fd[i], F_SETFL, fcntl(wake_fd[i], F_GETFL) | O_NONBLOCK);
		fcntl(wake_fd[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int64_t
loop_now(void)
{
	return now_ms();
}

int64_t
loop_stop_deadline(int64_t grace_ms)
{
	if (stop_count == 0)
		return 0;
	if (stop_count >= 2)
		return 1;	/* already past */
	return stop_at() + grace_ms;
}

bool
loop_stop_forced(void)
{
	return stop_count >= 2;
}

int
loop_wait_readable(int fd, int64_t ms)
{
	struct pollfd pfd[2];
	char buf[64];
	int n;

	if (ms < 0)
		ms = 0;
	pfd[0].fd = wake_fd[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	n = poll(pfd, fd >= 0 ? 2 : 1, (int)(ms > 60000 ? 60000 : ms));
	if (n <= 0)
		return 0;
	/* A signal woke us: its flag stays set for loop_run and the caller. */
	if (pfd[0].revents & POLLIN)
		while (read(wake_fd[0], buf, sizeof(buf)) > 0)
			;
	if (fd >= 0 && (pfd[1].revents & (POLLHUP | POLLERR | POLLNVAL)))
		return -1;
	return fd >= 0 && (pfd[1].revents & POLLIN) ? 1 : 0;
}

void
timer_set(struct timer *t, void (*cb)(struct timer *))
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
}

void
timer_disarm(struct timer *t)
{
	struct timer **pp;

	if (!t->armed)
		return;
	for (pp = &timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = false;
}

void
timer_arm(struct timer *t, int64_t ms)
{
	struct timer **pp;

	timer_disarm(t);
	t->due = loop_now() + (ms > 0 ? ms : 0);
	for (pp = &timers; *pp != NULL && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

void
timer_hurry(struct timer *t)
{
	if (!t->armed || t->due > loop_now())
		timer_arm(t, 0);
}

void
loop_quit(void)
{
	want_quit = 1;
}

bool
loop_quitting(void)
{
	return want_quit != 0;
}

void
loop_run(void (*on_reload)(void))
{
	struct pollfd pfd[2] = { { .events = POLLIN }, { .events = POLLIN } };
	struct timer *t;
	int64_t wait;
	char buf[64];
	int nfd;

	pfd[0].fd = wake_fd[0];
	while (!want_quit) {
		if (want_reload) {
			want_reload = 0;
			if (on_reload != NULL)
				on_reload();
			continue;
		}
		if (timers != NULL && timers->due <= loop_now()) {
			t = timers;
			timer_disarm(t);
			t->cb(t);
			continue;
		}
		wait = timers == NULL ? -1 : timers->due - loop_now();
		if (wait > 60000)
			wait = 60000;
		pfd[1].fd = watch_fd_of != NULL ? watch_fd_of(watch_arg) : -1;
		if (pfd[1].fd != watch_dead)
			watch_dead = -1;
		nfd = pfd[1].fd >= 0 && pfd[1].fd != watch_dead ? 2 : 1;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, (nfds_t)nfd, (int)wait) <= 0)
			continue;
		if (pfd[0].revents != 0)
			while (read(wake_fd[0], buf, sizeof(buf)) > 0)
				;
		if (nfd == 2 && pfd[1].revents != 0) {
			/* Hung up or failed: readable for ever; the reader finds out. */
			if (pfd[1].revents & (POLLHUP | POLLERR | POLLNVAL))
				watch_dead = pfd[1].fd;
			watch_ready(watch_arg);
		}
	}
}

bool
loop_watching(void)
{
	return watch_fd_of != NULL;
}

void
loop_watch(int (*fd_of)(void *), void (*ready)(void *), void *arg)
{
	watch_fd_of = fd_of;
	watch_ready = ready;
	watch_arg = arg;
	watch_dead = -1;
}
