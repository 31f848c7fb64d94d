/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pool of modems: one worker process per modem (dossierd -W NAME, a fresh
 * exec of this binary), the parent keeping the inbox, notices, broadcasts
 * and the watchdog. They meet only in the state database.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "pool.h"

#define RESTART_MIN_MS	2000	/* a worker that died starts again after this */
#define RESTART_MAX_MS	60000
#define STOP_EXTRA_MS	5000	/* beyond the stop grace before SIGKILL */

struct worker {
	char	 name[32];
	pid_t	 pid;		/* 0: not running */
	int	 beat_fd;	/* read end of its heartbeat pipe, -1 none */
	int64_t	 last_beat;	/* monotonic ms */
	int64_t	 restart_at;
	int64_t	 restart_ms;	/* grows while it keeps dying */
	int64_t	 started;
};

struct pool {
	const char	*self;		/* this binary */
	const char	*conf_path;
	int		 verbose;
	bool		 foreground;
	int64_t		 stuck_ms;	/* no heartbeat this long: killed */
	int		 nworkers;
	struct worker	 w[CONF_MAX_MODEMS];
};

static void
spawn(struct pool *p, struct worker *w)
{
	char fdbuf[16], self[512], path[512], *argv[8];
	char opt_f[] = "-f", opt_v[] = "-v", opt_c[] = "-c", opt_w[] = "-W";
	int fds[2], argc = 0;
	pid_t pid;

	if (pipe(fds) == -1) {
		log_warn("pool: %s: pipe", w->name);
		w->restart_at = loop_now() + w->restart_ms;
		return;
	}
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) == -1) {
		log_warn("pool: %s: fork", w->name);
		close(fds[0]);
		close(fds[1]);
		w->restart_at = loop_now() + w->restart_ms;
		return;
	}
	if (pid == 0) {
		/* The worker: its own process image, its own databases. */
		snprintf(fdbuf, sizeof(fdbuf), "%d", fds[1]);
		setenv("DOSSIERD_HEARTBEAT_FD", fdbuf, 1);
		unsetenv("NOTIFY_SOCKET");	/* only the parent talks to systemd */
		snprintf(self, sizeof(self), "%s", p->self);
		snprintf(path, sizeof(path), "%s", p->conf_path);
		argv[argc++] = self;
		if (p->foreground)
			argv[argc++] = opt_f;
		if (p->verbose > 0)
			argv[argc++] = opt_v;
		argv[argc++] = opt_c;
		argv[argc++] = path;
		argv[argc++] = opt_w;
		argv[argc++] = w->name;
		argv[argc] = NULL;
		execv(p->self, argv);
		_exit(127);
	}
	close(fds[1]);
	w->pid = pid;
	w->beat_fd = fds[0];
	w->started = w->last_beat = loop_now();
	log_info("pool: %s: worker started (pid %ld)", w->name, (long)pid);
}

struct pool *
pool_start(const struct conf *c, const char *self, int verbose,
    bool foreground)
{
	struct pool *p;
	int i, longest = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->self = self;
	p->conf_path = c->file;
	p->verbose = verbose;
	p->foreground = foreground;
	p->nworkers = c->nmodems;
	for (i = 0; i < c->nmodems; i++) {
		if (c->modems[i].send_timeout > longest)
			longest = c->modems[i].send_timeout;
		if (c->modems[i].step_timeout > longest)
			longest = c->modems[i].step_timeout;
	}
	/* Longer than any guarded call and a reconnect: then it is stuck. */
	p->stuck_ms = (longest + 60) * 1000LL;
	for (i = 0; i < p->nworkers; i++) {
		snprintf(p->w[i].name, sizeof(p->w[i].name), "%s",
		    c->modems[i].name);
		p->w[i].beat_fd = -1;
		p->w[i].restart_ms = RESTART_MIN_MS;
		spawn(p, &p->w[i]);
	}
	return p;
}

/* Read what heartbeats came; true if one did. */
static bool
drain(struct worker *w)
{
	char buf[64];
	bool any = false;

	while (w->beat_fd >= 0 && read(w->beat_fd, buf, sizeof(buf)) > 0)
		any = true;
	if (any)
		w->last_beat = loop_now();
	return any;
}

void
pool_step(struct pool *p, pool_died_cb died, void *arg)
{
	struct worker *w;
	int64_t now = loop_now();
	pid_t pid;
	int i, st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < p->nworkers && p->w[i].pid != pid; i++)
			;
		if (i == p->nworkers)
			continue;
		w = &p->w[i];
		if (WIFSIGNALED(st))
			log_warnx("pool: %s: worker %ld killed by signal %d", w->name,
			    (long)pid, WTERMSIG(st));
		else
			log_warnx("pool: %s: worker %ld exited with status %d",
			    w->name, (long)pid, WEXITSTATUS(st));
		w->pid = 0;
		close(w->beat_fd);
		w->beat_fd = -1;
		/* It ran a while: a fresh fault, not one that repeats at once. */
		if (now - w->started > 10 * RESTART_MAX_MS)
			w->restart_ms = RESTART_MIN_MS;
		w->restart_at = now + w->restart_ms;
		if (w->restart_ms < RESTART_MAX_MS)
			w->restart_ms *= 2;
		died(arg, w->name);
	}
	for (i = 0; i < p->nworkers; i++) {
		w = &p->w[i];
		if (w->pid == 0) {
			if (!loop_quitting() && now >= w->restart_at)
				spawn(p, w);
			continue;
		}
		drain(w);
		if (now - w->last_beat > p->stuck_ms) {
			log_warnx("pool: %s: worker %ld made no progress for %lld s: "
			    "killed, its messages go to the other modems", w->name,
			    (long)w->pid, (long long)(now - w->last_beat) / 1000);
			kill(w->pid, SIGKILL);
			w->last_beat = now;	/* reaped at the next step */
		}
	}
}

bool
pool_healthy(const struct pool *p)
{
	int64_t now = loop_now();
	int i;

	/* Past the point pool_step kills a stuck worker: the parent failed too. */
	for (i = 0; i < p->nworkers; i++)
		if (p->w[i].pid > 0 && now - p->w[i].last_beat > p->stuck_ms +
		    30000)
			return false;
	return true;
}

void
pool_signal(struct pool *p, int sig)
{
	int i;

	for (i = 0; i < p->nworkers; i++)
		if (p->w[i].pid > 0)
			kill(p->w[i].pid, sig);
}

void
pool_stop(struct pool *p, int grace_s, pool_died_cb died, void *arg)
{
	int64_t end = loop_now() + grace_s * 1000LL + STOP_EXTRA_MS;
	bool forced = false;
	int i, left, st;

	pool_signal(p, SIGTERM);
	for (;;) {
		for (left = 0, i = 0; i < p->nworkers; i++) {
			if (p->w[i].pid <= 0)
				continue;
			if (waitpid(p->w[i].pid, &st, WNOHANG) == p->w[i].pid) {
				p->w[i].pid = 0;
				died(arg, p->w[i].name);
			} else
				left++;
		}
		if (left == 0)
			break;
		/* A second stop request ends the workers' grace too. */
		if (!forced && loop_stop_forced()) {
			forced = true;
			pool_signal(p, SIGTERM);
		}
		if (loop_now() >= end) {
			log_warnx("pool: %d worker(s) still running after the "
			    "grace: killed", left);
			pool_signal(p, SIGKILL);
			end = loop_now() + 2000;
		}
		(void)loop_wait_readable(-1, 50);
	}
	for (i = 0; i < p->nworkers; i++)
		if (p->w[i].beat_fd >= 0)
			close(p->w[i].beat_fd);
	free(p);
}

void
pool_beat(void)
{
	static int fd = -2;
	static int64_t last;
	const char *e;
	int64_t now = loop_now();

	if (fd == -2) {
		fd = (e = getenv("DOSSIERD_HEARTBEAT_FD")) != NULL ? atoi(e) : -1;
		if (fd >= 0) {
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			/* A parent slow to read must never block the worker. */
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		}
	}
	if (fd < 0 || now - last < 1000)
		return;
	last = now;
	(void)!write(fd, "", 1);
}
