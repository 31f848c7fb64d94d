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
static void			(*volatile guard_fn)(void *);
static void *volatile		 guard_arg;

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGHUP)
		want_reload = 1;
	else {
		want_quit = 1;
		/* Stopping: do not wait out a modem call stuck inside libgammu. */
		if (guard_fn != NULL)
			guard_fn(guard_arg);
	}
	(void)!write(wake_fd[1], "", 1);
	errno = saved;
}

static void
on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	if (guard_fn != NULL)
		guard_fn(guard_arg);
	errno = saved;
}

void
loop_guard_arm(int64_t ms, void (*fn)(void *), void *arg)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	guard_fn = NULL;
	guard_arg = arg;
	guard_fn = fn;
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	/* Fire again each second while still stuck: one flag set may be missed. */
	it.it_interval.tv_sec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
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
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
	struct pollfd pfd = { .events = POLLIN };
	struct timer *t;
	int64_t wait;
	char buf[64];

	pfd.fd = wake_fd[0];
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
		if (poll(&pfd, 1, (int)wait) > 0)
			while (read(wake_fd[0], buf, sizeof(buf)) > 0)
				;
	}
}
