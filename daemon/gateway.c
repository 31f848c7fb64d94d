/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway: wires modems, the state database, the records database, inbound handling and the sender. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broadcast.h"
#include "gateway.h"
#include "inbound.h"
#include "log.h"
#include "loop.h"
#include "modem.h"
#include "notices.h"
#include "phone.h"
#include "policy.h"
#include "pool.h"
#include "records.h"
#include "sdnotify.h"
#include "store.h"
#include "text.h"
#include "ussd_watch.h"
#include "worker.h"

#define IDLE_MS			500	/* how often the inbox and the pool are looked at */
#define HOUSEKEEPING_MS		15000	/* the modems' status rows (liveness) */
#define HOUSEKEEPING_EVERY	4	/* expiry, multipart flush, audit prune: every 4th */
#define USSD_SCHEDULE_MS	1000
#define RECHECK_MS		30000	/* an idle inbox is looked at anyway */
#define INBOUND_BATCH		20
#define BROADCAST_IDLE_MS	5000	/* how often to look for broadcast work */
#define BROADCAST_ABANDON_S	3600	/* a collection not finished by then was interrupted */

struct gateway {
	/*
	 * One process does it all with one modem. With more, the parent is
	 * "central" (inbox, notices, broadcasts, housekeeping, the watchdog)
	 * and drives no modem; each modem has a worker process that drives
	 * it alone (reading, sending, its status) and nothing else.
	 */
	bool		 central;
	bool		 worker;
	struct pool	*pool;		/* the parent of a pool: its workers */
	struct conf	*conf;
	struct store	*store;
	struct records	*records;
	int		 nmodems;	/* the modems this process drives */
	struct modem	 modems[CONF_MAX_MODEMS];
	struct worker	 workers[CONF_MAX_MODEMS];
	struct worker_env env;
	/* The central cadences, each its own timer. */
	struct timer	 inbound;
	struct timer	 notices;
	struct timer	 broadcasts;
	struct timer	 housekeeping;
	struct timer	 ussd_schedule;
	struct timer	 pool_timer;
	struct timer	 watchdog;
	int64_t		 watchdog_ms;
	int64_t		 last_progress;	/* monotonic ms a step last finished */
	int64_t		 inbound_retry_at;
	struct store_gate inbound_gate;	/* the inbox: skipped while nothing changed */
	struct store_gate broadcast_gate; /* the broadcast jobs: the same */
	unsigned	 housekeeping_n;
	char		 inbound_error[256];
	int64_t		 next_notices;
	char		 notices_error[256];
	int64_t		 next_broadcast;
	char		 broadcast_error[256];
	struct ussd_watch ussd;
};

static void
pass_start(struct gateway *g, struct pass *p)
{
	pass_init(p, g->conf, g->store, g->records, time(NULL));
}

/* Log a records-database problem once, not at every poll. */
static void
note_error(char *last, size_t lastsz, const char *what, const char *msg)
{
	if (msg == NULL) {
		if (last[0] != '\0')
			log_info("%s: working again", what);
		last[0] = '\0';
		return;
	}
	if (strcmp(last, msg) != 0)
		log_warnx("%s: %s; will retry", what, msg);
	dz_strlcpy(last, msg, lastsz);
}

static void
inbound_step(struct gateway *g, int64_t now)
{
	struct pass ctx;
	struct inbound_result res;
	struct dz_err err;
	int64_t after = 0;
	char num[STORE_NUM_MAX], balance[64] = "", balance_at[24] = "";
	int i, r;

	if (now < g->inbound_retry_at)
		return;
	/* The SIM balance for staff SD: once per batch, not per message. */
	if (store_meta_get(g->store, "balance", balance, sizeof(balance),
	    &err) == -1 || store_meta_get(g->store, "balance_at", balance_at,
	    sizeof(balance_at), &err) == -1) {
		note_error(g->inbound_error, sizeof(g->inbound_error), "inbox",
		    err.msg);
		g->inbound_retry_at = now + 5000;
		return;
	}
	/*
	 * One transaction for the pass, each message a savepoint in it: a
	 * burst commits once per pass, not once per message. Replies are
	 * sent only after it commits (the pokes after this step).
	 */
	if (store_batch_begin(g->store, &err) == -1) {
		note_error(g->inbound_error, sizeof(g->inbound_error), "inbox",
		    err.msg);
		g->inbound_retry_at = now + 5000;
		return;
	}
	for (i = 0; i < INBOUND_BATCH; i++) {
		pass_start(g, &ctx);
		ctx.after_id = after;
		dz_strlcpy(ctx.balance, balance, sizeof(ctx.balance));
		dz_strlcpy(ctx.balance_at, balance_at, sizeof(ctx.balance_at));
		r = inbound_handle_next(&ctx, &res, &err);
		if (r == 0)
			break;
		if (r == -1) {
			/* Nothing is lost: the message stays pending and is tried again. */
			note_error(g->inbound_error, sizeof(g->inbound_error),
			    "inbox", err.msg);
			g->inbound_retry_at = now + 5000;
			if (err.cls != DZ_ETRANSIENT)
				break;
			/* Records DB unreadable: help, opt-outs, ... behind it still go. */
			after = res.id;
			continue;
		}
		if (after == 0)
			note_error(g->inbound_error, sizeof(g->inbound_error),
			    "inbox", NULL);
		log_info("inbox: #%lld from %s: %s, %s, %d repl%s",
		    (long long)res.id, worker_show_number(res.sender, num, sizeof(num)),
		    res.kind, res.outcome, res.replies,
		    res.replies == 1 ? "y" : "ies");
		if (res.warning[0] != '\0')
			log_warnx("%s", res.warning);
	}
	if (store_batch_end(g->store, &err) == -1) {
		/* Nothing is lost: the messages are still pending. */
		log_warnx("inbox: the messages of this pass are handled again: "
		    "%s", err.msg);
		note_error(g->inbound_error, sizeof(g->inbound_error), "inbox",
		    err.msg);
		g->inbound_retry_at = now + 5000;
	}
}

static void
notices_step(struct gateway *g, int64_t now)
{
	struct pass ctx;
	struct notices_result scan, rem;
	struct dz_err err;

	if (now < g->next_notices)
		return;
	g->next_notices = now + g->conf->notices.poll_interval * 1000LL;
	pass_start(g, &ctx);
	if (notices_scan(&ctx, &scan, &err) == -1 ||
	    notices_remind(&ctx, &rem, &err) == -1) {
		note_error(g->notices_error, sizeof(g->notices_error), "notices",
		    err.msg);
		return;
	}
	note_error(g->notices_error, sizeof(g->notices_error), "notices", NULL);
	if (scan.more)
		g->next_notices = now;
	if (scan.queued + scan.skipped + rem.reminders + rem.stopped > 0)
		log_info("notices: %d changed dossier(s) read, %d notice(s) and "
		    "%d reminder(s) queued, %d skipped, %d reminder series ended",
		    scan.scanned, scan.queued, rem.reminders, scan.skipped,
		    rem.stopped);
}

/*
 * Broadcast jobs confirmed but not fully queued (dossierctl was stopped
 * half-way, or has handed over): queue one batch. Returns true if more
 * work remains.
 */
static bool
broadcast_step(struct gateway *g, int64_t now)
{
	struct pass p;
	struct job j;
	struct dz_err err;
	bool more = false;
	int r;

	if (now < g->next_broadcast)
		return false;
	g->next_broadcast = now + BROADCAST_IDLE_MS;
	pass_start(g, &p);
	if ((r = broadcast_sms_step(&p, &err)) == 1)
		more = true;	/* an SMS job is being counted */
	if (r != -1 && (r = store_job_next(g->store, 1u << JOB_QUEUING, -1, &j,
	    &err)) == 1) {
		if ((r = broadcast_queue_step(&p, &j, BROADCAST_BATCH, &err)) == 0)
			more = true;
		else if (r == 1 && j.state == JOB_QUEUED)
			log_info("broadcast: #%lld: all %d recipient(s) queued",
			    (long long)j.id, j.enqueued);
	}
	if (r == -1) {
		note_error(g->broadcast_error, sizeof(g->broadcast_error),
		    "broadcast", err.msg);
		return false;
	}
	note_error(g->broadcast_error, sizeof(g->broadcast_error),
	    "broadcast", NULL);
	if (more)
		g->next_broadcast = now;	/* more to do: next tick */
	/* A dossierctl collection that never finished: never sent. */
	if (store_job_next(g->store, 1u << JOB_COLLECTING, 0, &j, &err) == 1 &&
	    j.created_at < p.now - BROADCAST_ABANDON_S) {
		j.state = JOB_ABANDONED;
		j.finished_at = p.now;
		if (store_job_update(g->store, &j, &err) == -1)
			log_warnx("%s", err.msg);
		else
			log_warnx("broadcast: #%lld: its counting was interrupted; "
			    "abandoned, nothing sent", (long long)j.id);
	}
	return more;
}

static void
housekeeping(struct gateway *g)
{
	const struct conf *c = g->conf;
	time_t now = time(NULL);
	struct dz_err err;
	int i, n;

	for (i = 0; i < g->nmodems; i++)
		worker_put_status(g->store, &g->modems[i]);
	/*
	 * The log's checkpoint runs in the workers' send_cb (worker.c); with
	 * every modem down it runs here, at a longer log.
	 */
	if (store_checkpoint(g->store, STORE_CHECKPOINT_BUSY, now, &err) == -1)
		log_warnx("%s", err.msg);
	/* The rest once a minute: each is a scan of its table. */
	if (!g->central || g->housekeeping_n++ % HOUSEKEEPING_EVERY != 0)
		return;
	if ((n = store_outbox_expire(g->store, now, &err)) > 0)
		log_warnx("outbox: %d message(s) expired unsent (see dossierctl "
		    "queue --failed)", n);
	else if (n == -1)
		log_warnx("%s", err.msg);
	if ((n = store_parts_flush(g->store, now - c->sms.multipart_timeout,
	    &err)) > 0)
		log_info("inbox: %d incomplete multipart message(s) handled as "
		    "they are", n);
	else if (n == -1)
		log_warnx("%s", err.msg);
	if ((n = store_audit_prune(g->store, now - (time_t)c->audit.retention_days *
	    86400, &err)) > 0)
		log_info("audit: %d row(s) older than %d days deleted "
		    "(audit.retention_days)", n, c->audit.retention_days);
	else if (n == -1)
		log_warnx("%s", err.msg);
}

/* Status reports asked for: sms.delivery_reports, and a network to send them. */
static bool
want_reports(const struct conf *c, const struct modem *m)
{
	return c->sms.delivery_reports && strcmp(m->conf.model, "dummy") != 0;
}

/* A worker of the pool ended: what its modem had claimed goes back. */
static void
worker_died(void *arg, const char *modem)
{
	struct gateway *g = arg;
	struct dz_err err;
	int n;

	if ((n = store_outbox_recover_modem(g->store, modem, time(NULL),
	    &err)) == -1)
		log_warnx("%s", err.msg);
	else if (n > 0)
		log_warnx("pool: %s: %d message(s) it was sending: replies queued "
		    "again, notices and broadcasts marked uncertain", modem, n);
	/* Its USSD request is over too: the modem can take the next one. */
	if ((n = store_ussd_recover(g->store, modem, time(NULL), &err)) == -1)
		log_warnx("%s", err.msg);
	else if (n > 0)
		log_warnx("pool: %s: the USSD request it was running failed "
		    "(interrupted)", modem);
}

/* A step finished: the watchdog counts on it, and a pool's parent on the heartbeat. */
static void
progress(void *arg)
{
	struct gateway *g = arg;

	g->last_progress = loop_now();
	if (g->worker)
		pool_beat();
}

/* Messages were read from a modem: handle them now, not at the next look. */
static void
inbox_arrived(void *arg)
{
	struct gateway *g = arg;

	if (g->central)
		timer_arm(&g->inbound, 0);
}

static void
inbound_cb(struct timer *t)
{
	struct gateway *g = container_of(t, struct gateway, inbound);
	struct inbox_msg probe;
	struct store_gen gen;
	int i, r = -1;

	if (loop_quitting())
		return;
	/* Nothing committed since the inbox was last found empty. */
	if (store_gate_skip(g->store, &g->inbound_gate, loop_now(), &gen)) {
		timer_arm(t, IDLE_MS);
		progress(g);
		return;
	}
	inbound_step(g, loop_now());
	/* Replies were queued: the modems of this process send them now. */
	for (i = 0; i < g->nmodems; i++)
		worker_poke(&g->workers[i]);
	/* More waiting in the inbox (an error is seen by the next inbound_step). */
	if (loop_now() >= g->inbound_retry_at)
		r = store_inbox_next(g->store, &probe, NULL);
	if (r == 1) {
		store_gate_open(&g->inbound_gate);
		timer_arm(t, 0);
	} else {
		/* Empty: the next look is when a commit changes the token. */
		if (r == 0)
			store_gate_idle(&g->inbound_gate, &gen, loop_now() +
			    RECHECK_MS);
		else
			store_gate_open(&g->inbound_gate);
		timer_arm(t, IDLE_MS);
	}
	progress(g);
}

static void
notices_cb(struct timer *t)
{
	struct gateway *g = container_of(t, struct gateway, notices);
	int i;

	if (loop_quitting())
		return;
	notices_step(g, loop_now());
	for (i = 0; i < g->nmodems; i++)
		worker_poke(&g->workers[i]);
	timer_arm(t, g->next_notices > loop_now() ? g->next_notices - loop_now() :
	    0);
	progress(g);
}

static void
broadcasts_cb(struct timer *t)
{
	struct gateway *g = container_of(t, struct gateway, broadcasts);
	struct store_gen gen;
	bool more;

	if (loop_quitting())
		return;
	/* No job was added or changed since the last look found nothing to do. */
	if (store_gate_skip(g->store, &g->broadcast_gate, loop_now(), &gen)) {
		timer_arm(t, BROADCAST_IDLE_MS);
		progress(g);
		return;
	}
	more = broadcast_step(g, loop_now());
	if (more || g->broadcast_error[0] != '\0')
		store_gate_open(&g->broadcast_gate);
	else
		store_gate_idle(&g->broadcast_gate, &gen, loop_now() + RECHECK_MS);
	timer_arm(t, more ? 0 : g->next_broadcast > loop_now() ?
	    g->next_broadcast - loop_now() : BROADCAST_IDLE_MS);
	progress(g);
}

static void
housekeeping_cb(struct timer *t)
{
	struct gateway *g = container_of(t, struct gateway, housekeeping);

	if (loop_quitting())
		return;
	housekeeping(g);
	timer_arm(t, HOUSEKEEPING_MS);
	progress(g);
}

static void
ussd_schedule_cb(struct timer *t)
{
	struct gateway *g = container_of(t, struct gateway, ussd_schedule);

	if (loop_quitting())
		return;
	ussd_schedule(&g->ussd, g->store, g->conf, loop_now());
	timer_arm(t, USSD_SCHEDULE_MS);
}

static void
pool_cb(struct timer *t)
{
	struct gateway *g = container_of(t, struct gateway, pool_timer);

	if (loop_quitting())
		return;
	pool_step(g->pool, worker_died, g);
	timer_arm(t, IDLE_MS);
	progress(g);
}

/* Which modems' replies go out anywhere, and whether any routes by prefix. */
static void
routing(struct worker_env *env, const struct conf *c)
{
	size_t len;
	int i;

	snprintf(env->anywhere, sizeof(env->anywhere), ",");
	env->routing = false;
	for (i = 0; i < c->nmodems; i++) {
		if (c->modems[i].prefixes[0] != '\0')
			env->routing = true;
		if (!c->modems[i].reply_same_modem) {
			len = strlen(env->anywhere);
			snprintf(env->anywhere + len, sizeof(env->anywhere) - len,
			    "%s,", c->modems[i].name);
		}
	}
}

/* Start the modems this process drives, each with its timers. */
static void
start_workers(struct gateway *g)
{
	const struct conf *c = g->conf;
	int i;

	g->env.conf = &g->conf;
	g->env.store = g->store;
	g->env.ussd = &g->ussd;
	g->env.runs_ussd = true;
	g->env.pooled = g->worker;
	g->env.progress = progress;
	g->env.inbox = inbox_arrived;
	g->env.arg = g;
	routing(&g->env, c);
	for (i = 0; i < g->nmodems; i++)
		worker_start(&g->workers[i], &g->env, &g->modems[i]);
}

/* Start the central cadences. */
static void
start_central(struct gateway *g)
{
	timer_set(&g->inbound, inbound_cb);
	timer_set(&g->notices, notices_cb);
	timer_set(&g->broadcasts, broadcasts_cb);
	timer_set(&g->housekeeping, housekeeping_cb);
	timer_set(&g->ussd_schedule, ussd_schedule_cb);
	timer_arm(&g->inbound, 0);
	timer_arm(&g->notices, 0);
	timer_arm(&g->broadcasts, 0);
	timer_arm(&g->housekeeping, HOUSEKEEPING_MS);
	timer_arm(&g->ussd_schedule, 0);
	if (g->pool != NULL) {
		timer_set(&g->pool_timer, pool_cb);
		timer_arm(&g->pool_timer, IDLE_MS);
	}
}

static void
watchdog_cb(struct timer *t)
{
	struct gateway *g = container_of(t, struct gateway, watchdog);

	/*
	 * Fed only while the steps keep finishing (a modem call stuck inside
	 * libgammu stops the pings and systemd restarts us) and, in a pool,
	 * every worker beats or is being restarted.
	 */
	if (loop_now() - g->last_progress < g->watchdog_ms &&
	    (g->pool == NULL || pool_healthy(g->pool)))
		sd_notify_send("WATCHDOG=1");
	timer_arm(t, g->watchdog_ms / 2);
}

static void
open_databases(struct gateway *g)
{
	struct dz_err err;
	int n;

	if ((g->store = store_open(g->conf->state.path, &err)) == NULL)
		fatalx("%s", err.msg);
	/* Checkpoints between steps, never inside a reply's commit. */
	store_defer_checkpoints(g->store);
	if ((n = store_outbox_recover(g->store, time(NULL), &err)) == -1)
		fatalx("%s", err.msg);
	if (n > 0)
		log_warnx("outbox: %d message(s) were in flight at the last stop: "
		    "replies queued again, notices and broadcasts marked uncertain", n);
	if ((n = store_ussd_recover(g->store, NULL, time(NULL), &err)) == -1)
		fatalx("%s", err.msg);
	if ((g->records = records_new(g->conf->records.path,
	    g->conf->records.busy_timeout)) == NULL)
		fatalx("records: out of memory");
}

struct gateway *
gateway_new(struct conf *conf, const struct gateway_opts *o)
{
	struct gateway *g;
	struct dz_err err;
	int i, k = -1;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		fatalx("gateway: out of memory");
	g->conf = conf;
	ussd_watch_init(&g->ussd);
	if (o->worker != NULL) {
		/* A worker of the pool: its one modem, the state database only. */
		for (i = 0; i < conf->nmodems; i++)
			if (strcmp(conf->modems[i].name, o->worker) == 0)
				k = i;
		if (k == -1)
			fatalx("pool: no modem named %s in %s", o->worker,
			    conf->file);
		g->worker = true;
		if ((g->store = store_open(conf->state.path, &err)) == NULL)
			fatalx("%s", err.msg);
		store_defer_checkpoints(g->store);
		modem_init(&g->modems[0], &conf->modems[k]);
		g->modems[0].want_reports = want_reports(conf, &g->modems[0]);
		g->nmodems = 1;
		start_workers(g);
		timer_set(&g->housekeeping, housekeeping_cb);
		timer_arm(&g->housekeeping, HOUSEKEEPING_MS);
		log_info("pool: %s: worker running", o->worker);
		return g;
	}
	g->central = true;
	open_databases(g);
	if (conf->nmodems >= 2) {
		/* A pool: every modem its own worker process, claims atomic. */
		if ((g->pool = pool_start(conf, o->self, o->verbose,
		    o->foreground)) == NULL)
			fatalx("pool: out of memory");
	} else
		g->nmodems = conf->nmodems;
	for (i = 0; i < g->nmodems; i++) {
		modem_init(&g->modems[i], &conf->modems[i]);
		g->modems[i].want_reports = want_reports(conf, &g->modems[i]);
	}
	start_workers(g);
	start_central(g);
	if ((g->watchdog_ms = sd_watchdog_ms()) > 0) {
		timer_set(&g->watchdog, watchdog_cb);
		timer_arm(&g->watchdog, g->watchdog_ms / 2);
	}
	g->last_progress = loop_now();
	if (store_meta_set(g->store, "daemon", "running", &err) == -1)
		log_warnx("%s", err.msg);
	sd_notify_send("READY=1\nSTATUS=answering SMS");
	log_info("dossierd: started with %d modem(s)%s, records %s",
	    conf->nmodems, g->pool ? ", one worker process each" : "",
	    conf->records.path);
	return g;
}

void
gateway_reload(struct gateway *g)
{
	struct conf *n;
	struct dz_err err;
	char keys[512];
	int i, j;

	if ((n = malloc(sizeof(*n))) == NULL || conf_load(g->conf->file, n,
	    &err) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    n ? err.msg : "out of memory");
		free(n);
		return;
	}
	if (conf_needs_restart(g->conf, n, keys, sizeof(keys)) != NULL)
		log_warnx("reload: %s changed: a restart is needed for that "
		    "(systemctl restart dossierd); the running values stay in "
		    "use until then", keys);
	/* Timing of modems that keep their name applies at once. */
	for (i = 0; i < g->nmodems; i++)
		for (j = 0; j < n->nmodems; j++)
			if (strcmp(g->modems[i].name, n->modems[j].name) == 0) {
				g->modems[i].conf.step_timeout = n->modems[j].step_timeout;
				g->modems[i].conf.poll_interval = n->modems[j].poll_interval;
				g->modems[i].conf.send_timeout = n->modems[j].send_timeout;
				g->modems[i].conf.status_interval =
				    n->modems[j].status_interval;
				g->modems[i].conf.stop_grace = n->modems[j].stop_grace;
				g->modems[i].conf.per_minute = n->modems[j].per_minute;
				g->modems[i].conf.per_day = n->modems[j].per_day;
				g->modems[i].conf.reply_same_modem =
				    n->modems[j].reply_same_modem;
				memcpy(g->modems[i].conf.prefixes,
				    n->modems[j].prefixes,
				    sizeof(g->modems[i].conf.prefixes));
			}
	for (i = 0; i < g->nmodems; i++)
		g->modems[i].want_reports = want_reports(n, &g->modems[i]);
	if (g->pool != NULL)
		pool_signal(g->pool, SIGHUP);
	if (strcmp(n->records.path, g->conf->records.path) != 0 ||
	    n->records.busy_timeout != g->conf->records.busy_timeout) {
		records_free(g->records);
		if ((g->records = records_new(n->records.path,
		    n->records.busy_timeout)) == NULL)
			fatalx("records: out of memory");
	}
	log_setverbose(n->log.level);
	conf_fini(g->conf);
	free(g->conf);
	g->conf = n;
	routing(&g->env, n);
	log_info("reload: configuration reloaded");
}

void
gateway_free(struct gateway *g)
{
	struct dz_err err;
	int i;
	bool worker;

	if (g->pool != NULL) {
		int grace = 0;

		for (i = 0; i < g->conf->nmodems; i++)
			if (g->conf->modems[i].stop_grace > grace)
				grace = g->conf->modems[i].stop_grace;
		sd_notify_send("STOPPING=1");
		pool_stop(g->pool, grace, worker_died, g);
		g->pool = NULL;
	}
	if (g->central) {
		sd_notify_send("STOPPING=1");
		if (store_meta_set(g->store, "daemon", "stopped", &err) == -1)
			log_warnx("%s", err.msg);
	}
	for (i = 0; i < g->nmodems; i++) {
		modem_close(&g->modems[i]);
		g->modems[i].state = MODEM_DOWN;
		worker_put_status(g->store, &g->modems[i]);
	}
	records_free(g->records);
	store_close(g->store);
	conf_fini(g->conf);
	free(g->conf);
	worker = g->worker;
	free(g);
	log_info(worker ? "pool: worker stopped" : "dossierd: stopped");
}
