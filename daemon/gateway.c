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

#define TICK_IDLE_MS		500	/* how often an idle loop looks at modems */
#define HOUSEKEEPING_MS		15000
#define BACKOFF_MIN		2
#define BACKOFF_MAX		300
#define INBOUND_BATCH		20
#define BROADCAST_IDLE_MS	5000	/* how often to look for broadcast work */
#define USSD_POLL_MS		100	/* how soon to look for a USSD answer */
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
	bool		 runs_ussd;	/* this process runs USSD requests */
	struct pool	*pool;		/* the parent of a pool: its workers */
	char		 anywhere[CONF_MAX_MODEMS * 33 + 2]; /* ",name,": replies go anywhere */
	int64_t		 capped_day;	/* the day the daily cap was last logged */
	bool		 routing;	/* some modem has modems.prefixes */
	struct conf	*conf;
	struct store	*store;
	struct records	*records;
	int		 nmodems;
	struct modem	 modems[CONF_MAX_MODEMS];
	struct timer	 tick;
	struct timer	 watchdog;
	int64_t		 watchdog_ms;
	int64_t		 last_progress;	/* monotonic ms the tick last finished */
	int64_t		 next_housekeeping;
	int64_t		 inbound_retry_at;
	char		 inbound_error[256];
	int64_t		 next_notices;
	char		 notices_error[256];
	int64_t		 next_broadcast;
	char		 broadcast_error[256];
	struct ussd_watch ussd;
};

/* What part_sent_cb needs. */
struct send_ctx {
	struct gateway	*g;
	int64_t		 id;
};

/* Phone numbers in full only at debug level: the log is not the audit table. */
static const char *
show_number(const char *number, char *buf, size_t bufsz)
{
	if (log_getverbose() >= 2) {
		dz_strlcpy(buf, number, bufsz);
		return buf;
	}
	return phone_mask(number, buf, bufsz);
}

static void
modem_put_status(struct gateway *g, struct modem *m)
{
	struct modem_status ms;
	struct dz_err err;

	memset(&ms, 0, sizeof(ms));
	dz_strlcpy(ms.name, m->name, sizeof(ms.name));
	dz_strlcpy(ms.state, modem_state_name(m->state), sizeof(ms.state));
	ms.signal = m->signal;
	dz_strlcpy(ms.network, m->network, sizeof(ms.network));
	dz_strlcpy(ms.operator_, m->operator_, sizeof(ms.operator_));
	dz_strlcpy(ms.last_error, m->last_error, sizeof(ms.last_error));
	ms.reconnects = m->reconnects;
	ms.updated_at = time(NULL);
	ms.last_send = m->last_send;
	if (store_modem_put(g->store, &ms, &err) == -1)
		log_warnx("%s", err.msg);
}

/*
 * Deadlines for one modem step, enforced from outside libgammu: a hung modem
 * that keeps chattering (^RSSI: lines) restarts libgammu's own timeouts, so
 * one call could block for as long as the hang lasts.
 */

static void
guard(struct modem *m, int seconds)
{
	m->aborted = MODEM_ABORT_NONE;
	loop_guard_arm(seconds * 1000LL, m->conf.stop_grace * 1000LL,
	    modem_abort, m);
}

/* End the guard; true if the step was cut short and the modem must be reopened. */
static bool
unguard(struct modem *m, int seconds)
{
	loop_guard_disarm();
	switch (m->aborted) {
	case MODEM_ABORT_NONE:
		return false;
	case MODEM_ABORT_STOP:
		snprintf(m->last_error, sizeof(m->last_error), "modem step cut "
		    "short by the stop request");
		return true;
	default:
		snprintf(m->last_error, sizeof(m->last_error), "modem step took "
		    "over %d s: modem hung", seconds);
		m->port_fault = true;
		return true;
	}
}

/* The connection is broken: close it and try again after a growing delay. */
static void
modem_fail(struct gateway *g, struct modem *m)
{
	if (loop_quitting()) {
		/* Stopping: no reconnect; closed for good in gateway_free. */
		log_info("modem: %s: %s", m->name, m->last_error[0] ?
		    m->last_error : "closed for the stop");
		modem_close(m);
		modem_put_status(g, m);
		return;
	}
	modem_close(m);
	m->backoff = m->backoff == 0 ? BACKOFF_MIN : m->backoff * 2;
	if (m->backoff > BACKOFF_MAX)
		m->backoff = BACKOFF_MAX;
	m->retry_at = loop_now() + m->backoff * 1000LL;
	m->state = MODEM_BACKOFF;
	log_warnx("modem: %s: %s; reconnecting in %d s", m->name,
	    m->last_error[0] ? m->last_error : "connection lost", m->backoff);
	modem_put_status(g, m);
}

static void
modem_try_open(struct gateway *g, struct modem *m)
{
	enum modem_class cls;

	guard(m, m->conf.step_timeout);
	cls = modem_open(m);
	if (unguard(m, m->conf.step_timeout) || cls != MODEM_OK) {
		modem_fail(g, m);
		return;
	}
	if (m->ever_connected) {
		m->reconnects++;
		log_info("modem: %s: connected again", m->name);
	} else
		log_info("modem: %s: connected", m->name);
	m->ever_connected = true;
	m->port_fault = false;
	m->backoff = 0;
	m->next_poll = 0;
	m->next_status = 0;
	modem_put_status(g, m);
}

/* A status report for a part modem m sent: recorded against its message. */
static int
report(struct gateway *g, struct modem *m, const struct modem_report *r)
{
	struct delivery_match dm;
	struct dz_err err;
	char mask[STORE_NUM_MAX];
	enum delivery d = policy_delivery(r->status);
	int n;

	if ((n = store_delivery_report(g->store, m->name, r->mr, d, r->status,
	    r->at, time(NULL), &dm, &err)) == -1) {
		log_warnx("report: %s", err.msg);
		return -1;	/* kept, recorded at the next read */
	}
	if (n == 0) {
		log_info("report: %s: status report for message reference %d "
		    "(%s, to %s) matches no message sent with a report: ignored",
		    m->name, r->mr, policy_delivery_reason(r->status),
		    show_number(r->number, mask, sizeof(mask)));
		return 0;
	}
	if (d == DLV_UNDELIVERABLE)
		log_warnx("outbox: #%lld: undeliverable to %s (%s, %s part %d of "
		    "%d): %s (TP-ST 0x%02x)", (long long)dm.outbox_id,
		    show_number(dm.number, mask, sizeof(mask)),
		    store_lane_name(dm.lane), m->name, dm.part, dm.total,
		    policy_delivery_reason(r->status), r->status);
	else
		log_info("outbox: #%lld: %s to %s (part %d of %d%s)",
		    (long long)dm.outbox_id, d == DLV_DELIVERED ? "delivered" :
		    "pending", show_number(dm.number, mask, sizeof(mask)),
		    dm.part, dm.total, dm.message == DLV_DELIVERED ?
		    ", the whole message delivered" : "");
	return 0;
}

/* What modem_read_all's callbacks need. */
struct reading {
	struct gateway	*g;
	struct modem	*m;
};

static int
report_cb(void *arg, const struct modem_report *r)
{
	struct reading *rd = arg;

	return report(rd->g, rd->m, r);
}

static int
store_part_cb(void *arg, const struct in_part *p)
{
	struct gateway *g = ((struct reading *)arg)->g;
	struct dz_err err;
	char mask[STORE_NUM_MAX];
	int r;

	if ((r = store_inbox_add_part(g->store, p, time(NULL), &err)) == -1) {
		log_warnx("inbox: %s", err.msg);
		return -1;	/* stays on the modem, read again later */
	}
	if (r == 0)
		log_info("inbox: %s: already handled, deleting the copy",
		    show_number(p->sender, mask, sizeof(mask)));
	return 0;
}

static void
modem_step(struct gateway *g, struct modem *m, int64_t now)
{
	struct reading rd = { g, m };
	enum modem_class cls;
	int n;

	if (m->state == MODEM_DOWN || m->state == MODEM_BACKOFF) {
		/*
		 * After a hang or a lost port the device is probed every
		 * second (a plain "AT"), so the modem is used again as soon
		 * as it answers, not when a long backoff ends.
		 */
		if (m->state == MODEM_BACKOFF && m->port_fault && now < m->retry_at &&
		    now >= m->next_probe) {
			m->next_probe = now + 1000;
			if (modem_probe(m)) {
				log_info("modem: %s: answers again", m->name);
				m->retry_at = now;
			}
		}
		if (now >= m->retry_at)
			modem_try_open(g, m);
		return;
	}
	guard(m, m->conf.step_timeout);
	modem_pump(m);
	if (unguard(m, m->conf.step_timeout)) {
		modem_fail(g, m);
		return;
	}
	modem_take_reports(m, report_cb, &rd);
	if (m->incoming || now >= m->next_poll) {
		guard(m, m->conf.step_timeout);
		n = modem_read_all(m, store_part_cb, report_cb, &rd, &cls);
		m->next_poll = loop_now() + m->conf.poll_interval * 1000LL;
		if (unguard(m, m->conf.step_timeout) || cls == MODEM_RESET) {
			modem_fail(g, m);
			return;
		}
		if (n > 0)
			log_debug("modem: %s: read %d message part(s)", m->name, n);
	}
	if (now >= m->next_status) {
		guard(m, m->conf.step_timeout);
		cls = modem_refresh(m);
		if (unguard(m, m->conf.step_timeout) || cls == MODEM_RESET) {
			modem_fail(g, m);
			return;
		}
		m->next_status = loop_now() + m->conf.status_interval * 1000LL;
		modem_put_status(g, m);
	}
}

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
				return;
			/* Records DB unreadable: help, opt-outs, ... behind it still go. */
			after = res.id;
			continue;
		}
		if (after == 0)
			note_error(g->inbound_error, sizeof(g->inbound_error),
			    "inbox", NULL);
		log_info("inbox: #%lld from %s: %s, %s, %d repl%s",
		    (long long)res.id, show_number(res.sender, num, sizeof(num)),
		    res.kind, res.outcome, res.replies,
		    res.replies == 1 ? "y" : "ies");
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

/* Lanes that may send now: notices and broadcasts only inside the window. */
static unsigned
open_lanes(const struct conf *c, time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	if (policy_in_window(c->notices.window_start, c->notices.window_end,
	    tm.tm_hour * 60 + tm.tm_min))
		return LANE_ALL;
	return LANES_ANSWERS;
}

/*
 * USSD on m: the answer to the request in flight, or dial the next one as
 * its own guarded step, never inside a send. Returns true while an answer
 * is awaited (the tick then comes back soon to read it).
 */
static bool
ussd_step(struct gateway *g, struct modem *m)
{
	enum modem_class cls = MODEM_OK;
	bool waiting = false;

	if (m->state != MODEM_READY && m->ussd_req == 0)
		return false;
	guard(m, m->conf.step_timeout);
	if (m->ussd_req != 0)
		waiting = ussd_poll(g->store, g->conf, m, &cls);
	if (!waiting && cls == MODEM_OK && m->state == MODEM_READY)
		(void)ussd_dial(g->store, g->conf, m, &cls);
	if (unguard(m, m->conf.step_timeout))
		cls = MODEM_RESET;
	if (cls == MODEM_RESET && m->state == MODEM_READY)
		modem_fail(g, m);
	return m->ussd_req != 0;
}

/* Commit each part the network confirmed as it is confirmed. */
static void
part_sent_cb(void *arg, const struct sent_part *p)
{
	struct send_ctx *sc = arg;
	struct dz_err err;

	if (store_outbox_part_sent(sc->g->store, sc->id, p, time(NULL),
	    &err) == -1)
		log_warnx("%s", err.msg);
}

/* Record what came of sending msg, and what it means for the modem. */
static void
send_result(struct gateway *g, struct modem *m, const struct out_msg *msg,
    const struct send_outcome *o)
{
	const struct conf *c = g->conf;
	int attempts = msg->attempts + 1, delay;
	time_t now = time(NULL);
	struct dz_err err;
	char mask[STORE_NUM_MAX];
	bool again = (LANE_BIT(msg->lane) & LANES_ANSWERS) != 0;
	int r;

	show_number(msg->number, mask, sizeof(mask));
	if (o->cls == MODEM_OK) {
		r = store_outbox_sent(g->store, msg->id, o->parts_total, now, &err);
		log_info("outbox: #%lld: sent to %s (%s, %d part%s)",
		    (long long)msg->id, mask, store_lane_name(msg->lane),
		    o->parts_total, o->parts_total == 1 ? "" : "s");
	} else if (o->uncertain) {
		/* Handed to the modem, never answered: it may have left. */
		r = store_outbox_uncertain(g->store, msg->id, o->error, now, &err);
		log_warnx("outbox: #%lld: to %s: part %d of %d may have been sent "
		    "(%s): %s", (long long)msg->id, mask, o->parts_sent + 1,
		    o->parts_total, o->error, again ? "it will be sent again" :
		    "not sent again (dossierctl queue --failed)");
	} else if (o->stopped) {
		r = store_outbox_resume(g->store, msg->id, o->error, now, &err);
		log_info("outbox: #%lld: to %s: %s", (long long)msg->id, mask,
		    o->error);
	} else if (policy_send_give_up(attempts, c->sms.max_attempts,
	    o->cls == MODEM_GIVEUP)) {
		r = store_outbox_failed(g->store, msg->id, o->error, now, &err);
		log_warnx("outbox: #%lld: to %s failed after %d attempt%s: %s",
		    (long long)msg->id, mask, attempts, attempts == 1 ? "" : "s",
		    o->error);
	} else {
		/*
		 * The modem failed, not the message (the line dropped before
		 * it left): it goes first once the modem is back, no backoff.
		 */
		delay = o->cls == MODEM_RESET ? 0 : policy_backoff(attempts,
		    c->sms.retry_initial, c->sms.retry_max);
		r = store_outbox_retry(g->store, msg->id, now + delay, o->error,
		    &err);
		log_warnx("outbox: #%lld: to %s: %s; %s %d s",
		    (long long)msg->id, mask, o->error, o->cls == MODEM_RESET ?
		    "sent once the modem is back, no delay:" : "retry in", delay);
	}
	if (r == -1)
		log_warnx("%s", err.msg);
	ussd_after_send(&g->ussd, g->store, c, m->name, o->cls == MODEM_OK,
	    o->cms > 0);
	if (o->cls == MODEM_RESET) {
		dz_strlcpy(m->last_error, o->error, sizeof(m->last_error));
		modem_fail(g, m);
	}
}

/* What route_ok needs. */
struct route {
	struct gateway	*g;
	struct modem	*m;
	time_t		 now;
};

/* The modem whose modems.prefixes a number has (the longest match), or -1. */
static int
prefix_owner(const struct conf *c, const char *number)
{
	const char *p, *e;
	size_t len, best = 0;
	int i, owner = -1;

	for (i = 0; i < c->nmodems; i++)
		for (p = c->modems[i].prefixes; *p != '\0'; p = e) {
			if (*p == ',')
				p++;
			if ((e = strchr(p, ',')) == NULL)
				e = p + strlen(p);
			len = (size_t)(e - p);
			if (len > best && strncmp(number, p, len) == 0) {
				best = len;
				owner = i;
			}
		}
	return owner;
}

/*
 * A pool's prefix routing (modems.prefixes): a notice or broadcast to a
 * number another modem has the prefix of waits for that modem while it is
 * ready; replies, and numbers no modem claims, go out anywhere.
 */
static bool
route_ok(void *arg, const struct out_msg *msg)
{
	struct route *r = arg;
	const struct conf *c = r->g->conf;
	struct dz_err err;
	int owner;

	if ((LANE_BIT(msg->lane) & LANES_PROACTIVE) == 0 ||
	    (owner = prefix_owner(c, msg->number)) == -1 ||
	    strcmp(c->modems[owner].name, r->m->name) == 0)
		return true;
	return store_modem_live(r->g->store, c->modems[owner].name, r->now,
	    &err) == 0;
}

/* The modem's daily cap (modems.per_day, carriers' anti-spam limits) reached. */
static bool
over_cap(struct gateway *g, struct modem *m, time_t wall)
{
	struct dz_err err;
	struct pass day;
	int n;

	if (m->conf.per_day <= 0)
		return false;
	pass_init(&day, g->conf, g->store, NULL, wall);
	if ((n = store_modem_parts(g->store, m->name, day.day_start, &err)) == -1) {
		log_warnx("%s", err.msg);
		return true;	/* fail closed: the cap protects the SIM */
	}
	if (n < m->conf.per_day)
		return false;
	if (g->capped_day != day.today) {
		g->capped_day = day.today;
		log_warnx("modem: %s: %d parts sent today, modems.per_day reached; "
		    "it sends again tomorrow%s", m->name, n, g->worker ?
		    " (the other modems go on)" : "");
	}
	return true;
}

/* Send at most one message through m. Returns true if one was taken. */
static bool
send_step(struct gateway *g, struct modem *m, int64_t now)
{
	const struct conf *c = g->conf;
	struct out_msg *msg;
	struct send_outcome out;
	struct send_ctx sc = { .g = g };
	struct dz_err err;
	time_t wall = time(NULL);
	int64_t start;
	int r;
	bool ucs2;

	if (m->state != MODEM_READY || now < m->next_send || over_cap(g, m, wall))
		return false;
	start = loop_now();
	if ((msg = malloc(sizeof(*msg))) == NULL)
		return false;
	if (g->worker) {
		struct route rt = { g, m, wall };

		r = store_outbox_next_for(g->store, wall, open_lanes(c, wall),
		    m->name, g->anywhere, g->routing ? route_ok : NULL, &rt, msg,
		    &err);
	}
	else
		r = store_outbox_next(g->store, wall, open_lanes(c, wall), msg,
		    &err);
	/* Claimed atomically: another modem's worker may have been faster. */
	if (r == 1)
		r = store_outbox_claim(g->store, msg->id, m->name, wall, &err);
	if (r == -1)
		log_warnx("%s", err.msg);
	if (r != 1) {
		free(msg);
		return false;
	}
	ucs2 = c->sms.charset == TEXT_UNICODE || !text_is_gsm7(msg->text);
	sc.id = msg->id;
	/*
	 * send_timeout bounds the whole send, stuck inside GSM_SendSMS or not:
	 * modem_send watches it while it waits, the guard inside libgammu.
	 */
	guard(m, m->conf.send_timeout);
	modem_send(m, msg, ucs2, part_sent_cb, &sc, &out);
	if (unguard(m, m->conf.send_timeout) &&
	    out.cls != MODEM_RESET) {
		/* Cut short after the last answer: the connection is unusable. */
		out.cls = MODEM_RESET;
		if (out.error[0] == '\0')
			dz_strlcpy(out.error, m->last_error, sizeof(out.error));
	}
	send_result(g, m, msg, &out);
	/* Pacing counts from the start of this send, not its end. */
	m->next_send = start + (int64_t)policy_pace_ms(m->conf.per_minute > 0 ?
	    m->conf.per_minute : c->sms.per_minute) *
	    (out.parts_total > 0 ? out.parts_total : 1);
	free(msg);
	return true;
}

static void
housekeeping(struct gateway *g)
{
	const struct conf *c = g->conf;
	time_t now = time(NULL);
	struct dz_err err;
	int i, n;

	for (i = 0; i < g->nmodems; i++)
		modem_put_status(g, &g->modems[i]);
	if (!g->central)
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
}

static void
tick_cb(struct timer *t)
{
	struct gateway *g = container_of(t, struct gateway, tick);
	int64_t now = loop_now(), next = TICK_IDLE_MS;
	struct inbox_msg probe;
	bool busy = false;
	int i;

	for (i = 0; i < g->nmodems && !loop_quitting(); i++)
		modem_step(g, &g->modems[i], now);
	/* A stop request takes no new work: the loop ends after this tick. */
	if (loop_quitting())
		return;
	if (g->central) {
		if (g->pool != NULL)
			pool_step(g->pool, worker_died, g);
		inbound_step(g, loop_now());
		notices_step(g, loop_now());
		if (broadcast_step(g, loop_now()))
			next = 0;
		ussd_schedule(&g->ussd, g->store, g->conf, loop_now());
	}
	for (i = 0; g->runs_ussd && i < g->nmodems && !loop_quitting(); i++)
		if (ussd_step(g, &g->modems[i]) && next > USSD_POLL_MS)
			next = USSD_POLL_MS;
	for (i = 0; i < g->nmodems && !loop_quitting(); i++)
		busy |= send_step(g, &g->modems[i], loop_now());
	if (loop_now() >= g->next_housekeeping) {
		housekeeping(g);
		g->next_housekeeping = loop_now() + HOUSEKEEPING_MS;
	}
	if (g->worker)
		pool_beat();
	for (i = 0; i < g->nmodems; i++) {
		/* Sent one: come back when pacing allows the next. */
		if (busy && g->modems[i].state == MODEM_READY &&
		    g->modems[i].next_send - loop_now() < next)
			next = g->modems[i].next_send - loop_now();
		if (g->modems[i].incoming)
			next = 0;
	}
	/* More waiting in the inbox (an error is seen by the next inbound_step). */
	if (g->central && loop_now() >= g->inbound_retry_at &&
	    store_inbox_next(g->store, &probe, NULL) == 1)
		next = 0;
	g->last_progress = loop_now();
	timer_arm(t, next);
}

static void
watchdog_cb(struct timer *t)
{
	struct gateway *g = container_of(t, struct gateway, watchdog);

	/* Fed only while the tick keeps finishing: a modem call stuck inside
	 * libgammu stops the pings and systemd restarts us. */
	if (loop_now() - g->last_progress < g->watchdog_ms)
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
	if ((n = store_outbox_recover(g->store, time(NULL), &err)) == -1)
		fatalx("%s", err.msg);
	if (n > 0)
		log_warnx("outbox: %d message(s) were in flight at the last stop: "
		    "replies queued again, notices and broadcasts marked uncertain", n);
	if ((n = store_ussd_recover(g->store, time(NULL), &err)) == -1)
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
		g->runs_ussd = true;	/* its own SIM: requests for it or for any */
		g->anywhere[0] = ',';
		for (i = 0; i < conf->nmodems; i++)
			if (conf->modems[i].prefixes[0] != '\0')
				g->routing = true;
		for (i = 0; i < conf->nmodems; i++)
			if (!conf->modems[i].reply_same_modem) {
				size_t len = strlen(g->anywhere);

				snprintf(g->anywhere + len, sizeof(g->anywhere) - len,
				    "%s,", conf->modems[i].name);
			}
		if ((g->store = store_open(conf->state.path, &err)) == NULL)
			fatalx("%s", err.msg);
		modem_init(&g->modems[0], &conf->modems[k]);
		g->modems[0].want_reports = conf->sms.delivery_reports;
		g->nmodems = 1;
		modem_put_status(g, &g->modems[0]);
		timer_set(&g->tick, tick_cb);
		timer_arm(&g->tick, 0);
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
	} else {
		g->runs_ussd = true;
		g->nmodems = conf->nmodems;
	}
	for (i = 0; i < g->nmodems; i++) {
		modem_init(&g->modems[i], &conf->modems[i]);
		g->modems[i].want_reports = conf->sms.delivery_reports;
		modem_put_status(g, &g->modems[i]);
	}
	timer_set(&g->tick, tick_cb);
	timer_arm(&g->tick, 0);
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
	int i, j;

	if ((n = malloc(sizeof(*n))) == NULL || conf_load(g->conf->file, n,
	    &err) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    n ? err.msg : "out of memory");
		free(n);
		return;
	}
	if (conf_needs_restart(g->conf, n))
		log_warnx("reload: modem devices or state.path changed; they take "
		    "effect at the next restart");
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
		g->modems[i].want_reports = n->sms.delivery_reports;
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
		modem_put_status(g, &g->modems[i]);
	}
	records_free(g->records);
	store_close(g->store);
	conf_fini(g->conf);
	free(g->conf);
	worker = g->worker;
	free(g);
	log_info(worker ? "pool: worker stopped" : "dossierd: stopped");
}
