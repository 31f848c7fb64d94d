/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Driving one modem: its supervision (open, backoff, probe), reading what it
 * received, sending from the queue, USSD. Each cadence is its own timer;
 * every libgammu call runs under a guard with a deadline from outside.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pass.h"
#include "phone.h"
#include "policy.h"
#include "text.h"
#include "worker.h"

#define IDLE_MS		500	/* how often an idle modem looks for work */
/*
 * How often the pump reads the port anyway when the loop watches it: a
 * safety net only (each read costs libgammu a 64 kB clear); the inbox is
 * read every poll_interval whatever came.
 */
#define PUMP_WATCHED_MS	30000
#define LINK_MS		1000	/* a closed modem: probe, reconnect */
#define USSD_POLL_MS	100	/* how soon to look for a USSD answer */
#define RECHECK_MS	10000	/* an idle queue is looked at anyway (send windows, caps) */
#define USSD_IDLE_MS	1000	/* how often to look for a USSD request (staff wait for it) */
#define BACKOFF_MIN	2
#define BACKOFF_MAX	300

#define CONF(w)		(*(w)->env->conf)

const char *
worker_show_number(const char *number, char *buf, size_t bufsz)
{
	if (log_getverbose() >= 2) {
		dz_strlcpy(buf, number, bufsz);
		return buf;
	}
	return phone_mask(number, buf, bufsz);
}

void
worker_put_status(struct store *s, struct modem *m)
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
	if (store_modem_put(s, &ms, &err) == -1)
		log_warnx("%s", err.msg);
}

/* A step finished: the watchdog (and a pool's heartbeat) counts on it. */
static void
progress(struct worker *w)
{
	if (w->env->progress != NULL)
		w->env->progress(w->env->arg);
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
fail(struct worker *w)
{
	struct modem *m = w->m;
	bool on_line = m->state == MODEM_READY;
	int wait;

	if (loop_quitting()) {
		/* Stopping: no reconnect; closed for good when the process ends. */
		log_info("modem: %s: %s", m->name, m->last_error[0] ?
		    m->last_error : "closed for the stop");
		modem_close(m);
		worker_put_status(w->env->store, m);
		return;
	}
	modem_close(m);
	m->backoff = m->backoff == 0 ? BACKOFF_MIN : m->backoff * 2;
	if (m->backoff > BACKOFF_MAX)
		m->backoff = BACKOFF_MAX;
	wait = m->backoff;
	/*
	 * It failed on an open line (a hang, a drop): probed every second with
	 * a plain AT and reopened as soon as it answers (link_cb). Opened while
	 * it still hangs, libgammu's connect would block until its own timeouts
	 * ran out, long after the modem is back; the backoff, at least
	 * step_timeout, stays for a port the probe cannot read.
	 */
	if (on_line && modem_probeable(m)) {
		m->port_fault = true;
		if (wait < m->conf.step_timeout)
			wait = m->conf.step_timeout;
	}
	m->retry_at = loop_now() + wait * 1000LL;
	m->state = MODEM_BACKOFF;
	log_warnx("modem: %s: %s; reconnecting in %d s%s", m->name,
	    m->last_error[0] ? m->last_error : "connection lost", wait,
	    m->port_fault ? ", or as soon as it answers a probe" : "");
	worker_put_status(w->env->store, m);
	timer_arm(&w->link, LINK_MS);
}

static void
try_open(struct worker *w)
{
	struct modem *m = w->m;
	enum modem_class cls;

	guard(m, m->conf.step_timeout);
	cls = modem_open(m);
	if (unguard(m, m->conf.step_timeout) || cls != MODEM_OK) {
		fail(w);
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
	worker_put_status(w->env->store, m);
	/* Read what came while it was closed, refresh its status, send. */
	timer_arm(&w->poll, 0);
	timer_arm(&w->status, 0);
	timer_arm(&w->send, 0);
	timer_arm(&w->pump, IDLE_MS);
}

/* Closed: after a hang or a lost port probe it every second, else wait out the backoff. */
static void
link_cb(struct timer *t)
{
	struct worker *w = container_of(t, struct worker, link);
	struct modem *m = w->m;
	int64_t now = loop_now();

	if (loop_quitting() || m->state == MODEM_READY)
		return;
	/*
	 * After a hang or a lost port the device is probed every second (a
	 * plain "AT"), so the modem is used again as soon as it answers, not
	 * when a long backoff ends.
	 */
	if (m->state == MODEM_BACKOFF && m->port_fault && now < m->retry_at &&
	    modem_probe(m)) {
		log_info("modem: %s: answers again", m->name);
		m->retry_at = now;
	}
	if (now >= m->retry_at)
		try_open(w);
	if (m->state != MODEM_READY && !loop_quitting())
		timer_arm(t, LINK_MS);
	progress(w);
}

/* A status report for a part m sent: recorded against its message. */
static int
report(struct worker *w, const struct modem_report *r)
{
	struct delivery_match dm;
	struct dz_err err;
	char mask[STORE_NUM_MAX];
	enum delivery d = policy_delivery(r->status);
	int n;

	if ((n = store_delivery_report(w->env->store, w->m->name, r->mr, d,
	    r->status, r->at, time(NULL), &dm, &err)) == -1) {
		log_warnx("report: %s", err.msg);
		return -1;	/* kept, recorded at the next read */
	}
	if (n == 0) {
		log_info("report: %s: status report for message reference %d "
		    "(%s, to %s) matches no message sent with a report: ignored",
		    w->m->name, r->mr, policy_delivery_reason(r->status),
		    worker_show_number(r->number, mask, sizeof(mask)));
		return 0;
	}
	if (d == DLV_UNDELIVERABLE)
		log_warnx("outbox: #%lld: undeliverable to %s (%s, %s part %d of "
		    "%d): %s (TP-ST 0x%02x)", (long long)dm.outbox_id,
		    worker_show_number(dm.number, mask, sizeof(mask)),
		    store_lane_name(dm.lane), w->m->name, dm.part, dm.total,
		    policy_delivery_reason(r->status), r->status);
	else
		log_info("outbox: #%lld: %s to %s (part %d of %d%s)",
		    (long long)dm.outbox_id, d == DLV_DELIVERED ? "delivered" :
		    "pending", worker_show_number(dm.number, mask, sizeof(mask)),
		    dm.part, dm.total, dm.message == DLV_DELIVERED ?
		    ", the whole message delivered" : "");
	return 0;
}

static int
report_cb(void *arg, const struct modem_report *r)
{
	return report(arg, r);
}

static int
part_cb(void *arg, const struct in_part *p)
{
	struct worker *w = arg;
	struct dz_err err;
	char mask[STORE_NUM_MAX];
	int r;

	if ((r = store_inbox_add_part(w->env->store, p, time(NULL), &err)) == -1) {
		log_warnx("inbox: %s", err.msg);
		return -1;	/* stays on the modem, read again later */
	}
	if (r == 0)
		log_info("inbox: %s: already handled, deleting the copy",
		    worker_show_number(p->sender, mask, sizeof(mask)));
	return 0;
}

static int
batch_cb(void *arg, bool end)
{
	struct worker *w = arg;
	struct dz_err err;

	if (!end) {
		if (store_batch_begin(w->env->store, &err) == -1) {
			log_warnx("modem: %s: %s", w->m->name, err.msg);
			return -1;	/* one commit each, as without a batch */
		}
		return 0;
	}
	if (store_batch_end(w->env->store, &err) == -1) {
		log_warnx("modem: %s: %s; what was read is kept and recorded "
		    "again", w->m->name, err.msg);
		return -1;
	}
	return 0;
}

/* Unsolicited lines: +CMTI (read the inbox now), +CDS reports, +CUSD. */
static void
pump_cb(struct timer *t)
{
	struct worker *w = container_of(t, struct worker, pump);
	struct modem *m = w->m;

	if (loop_quitting())
		return;
	if (m->state == MODEM_READY) {
		guard(m, m->conf.step_timeout);
		modem_pump(m);
		if (unguard(m, m->conf.step_timeout))
			fail(w);
		else {
			modem_take_reports(m, report_cb, batch_cb, w);
			if (m->incoming)
				timer_arm(&w->poll, 0);
		}
	}
	timer_arm(t, w->watched && m->fd >= 0 ? PUMP_WATCHED_MS : IDLE_MS);
	progress(w);
}

/* The port of a ready modem, for the loop to watch. */
static int
port_fd(void *arg)
{
	struct worker *w = arg;

	return w->m->state == MODEM_READY ? w->m->fd : -1;
}

/* Something came on the port (+CMTI, a report, +CUSD): pump it now. */
static void
port_ready(void *arg)
{
	struct worker *w = arg;

	timer_arm(&w->pump, 0);
}

static void
poll_cb(struct timer *t)
{
	struct worker *w = container_of(t, struct worker, poll);
	struct modem *m = w->m;
	enum modem_class cls;
	int n;

	if (loop_quitting())
		return;
	if (m->state != MODEM_READY) {
		timer_arm(t, m->conf.poll_interval * 1000LL);
		return;
	}
	guard(m, m->conf.step_timeout);
	n = modem_read_all(m, part_cb, report_cb, batch_cb, w, &cls);
	if (unguard(m, m->conf.step_timeout) || cls == MODEM_RESET) {
		fail(w);
		timer_arm(t, m->conf.poll_interval * 1000LL);
		return;
	}
	if (n > 0) {
		log_debug("modem: %s: read %d message part(s)", m->name, n);
		if (w->env->inbox != NULL)
			w->env->inbox(w->env->arg);
	}
	/* A full batch leaves more on the SIM: read again at once. */
	timer_arm(t, m->incoming ? 0 : m->conf.poll_interval * 1000LL);
	progress(w);
}

/*
 * What libgammu took in during a step (a +CMTI or a report among a send's
 * answers): handled now. The port has nothing left to read for them, so
 * the loop's watch would not wake the pump.
 */
static void
after_step(struct worker *w)
{
	struct modem *m = w->m;

	if (m->state != MODEM_READY)
		return;
	if (m->nreports > 0)
		timer_hurry(&w->pump);
	if (m->incoming)
		timer_hurry(&w->poll);
}

static void
status_cb(struct timer *t)
{
	struct worker *w = container_of(t, struct worker, status);
	struct modem *m = w->m;
	enum modem_class cls;

	if (loop_quitting())
		return;
	if (m->state == MODEM_READY) {
		guard(m, m->conf.step_timeout);
		cls = modem_refresh(m);
		if (unguard(m, m->conf.step_timeout) || cls == MODEM_RESET)
			fail(w);
		else
			worker_put_status(w->env->store, m);
	}
	timer_arm(t, m->conf.status_interval * 1000LL);
	after_step(w);
	progress(w);
}

/*
 * USSD on m: the answer to the request in flight, or dial the next one as
 * its own guarded step, never inside a send.
 */
static void
ussd_cb(struct timer *t)
{
	struct worker *w = container_of(t, struct worker, ussd);
	struct modem *m = w->m;
	enum modem_class cls = MODEM_OK;
	bool waiting = false;

	if (loop_quitting())
		return;
	if (m->state == MODEM_READY || m->ussd_req != 0) {
		struct store_gen gen;

		guard(m, m->conf.step_timeout);
		if (m->ussd_req != 0)
			waiting = ussd_poll(w->env->store, CONF(w), m, &cls);
		/* Dialled only if a request was queued since the last look found none. */
		if (!waiting && cls == MODEM_OK && m->state == MODEM_READY &&
		    !store_gate_skip(w->env->store, &w->ussd_gate, loop_now(), &gen)) {
			if (ussd_dial(w->env->store, CONF(w), m, &cls))
				store_gate_open(&w->ussd_gate);
			else
				store_gate_idle(&w->ussd_gate, &gen, loop_now() +
				    RECHECK_MS);
		}
		if (unguard(m, m->conf.step_timeout))
			cls = MODEM_RESET;
		if (cls == MODEM_RESET && m->state == MODEM_READY)
			fail(w);
	}
	timer_arm(t, m->ussd_req != 0 ? USSD_POLL_MS : USSD_IDLE_MS);
	after_step(w);
	progress(w);
}

/* What part_sent_cb needs. */
struct send_ctx {
	struct store	*store;
	struct worker	*w;
	int64_t		 id;
	bool		 recorded;	/* the last part's commit made it sent */
};

/* Commit each part the network confirmed as it is confirmed. */
static void
part_sent_cb(void *arg, const struct sent_part *p)
{
	struct send_ctx *sc = arg;
	struct dz_err err;

	/* The carrier counted it, whether or not the commit below holds. */
	sc->w->parts_today++;
	if (store_outbox_part_sent(sc->store, sc->id, p, time(NULL), &err) == -1)
		log_warnx("%s", err.msg);
	else if (p->part >= p->total)
		sc->recorded = true;
}

/* Record what came of sending msg, and what it means for the modem. */
static void
send_result(struct worker *w, const struct out_msg *msg,
    const struct send_outcome *o, bool recorded)
{
	const struct conf *c = CONF(w);
	struct store *s = w->env->store;
	struct modem *m = w->m;
	int attempts = msg->attempts + 1, delay;
	time_t now = time(NULL);
	struct dz_err err;
	char mask[STORE_NUM_MAX];
	bool again = (LANE_BIT(msg->lane) & LANES_ANSWERS) != 0;
	int r;

	worker_show_number(msg->number, mask, sizeof(mask));
	if (o->cls == MODEM_OK) {
		/* Mostly recorded with the last part already: one commit less. */
		r = recorded ? 0 :
		    store_outbox_sent(s, msg->id, o->parts_total, now, &err);
		log_info("outbox: #%lld: sent to %s (%s, %d part%s)",
		    (long long)msg->id, mask, store_lane_name(msg->lane),
		    o->parts_total, o->parts_total == 1 ? "" : "s");
	} else if (o->uncertain) {
		/* Handed to the modem, never answered: it may have left. */
		r = store_outbox_uncertain(s, msg->id, o->error, now, &err);
		log_warnx("outbox: #%lld: to %s: part %d of %d may have been sent "
		    "(%s): %s", (long long)msg->id, mask, o->parts_sent + 1,
		    o->parts_total, o->error, again ? "it will be sent again" :
		    "not sent again (dossierctl queue --failed)");
	} else if (o->stopped) {
		r = store_outbox_resume(s, msg->id, o->error, now, &err);
		log_info("outbox: #%lld: to %s: %s", (long long)msg->id, mask,
		    o->error);
	} else if (policy_send_give_up(attempts, c->sms.max_attempts,
	    o->cls == MODEM_GIVEUP)) {
		r = store_outbox_failed(s, msg->id, o->error, now, &err);
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
		r = store_outbox_retry(s, msg->id, now + delay, o->error, &err);
		log_warnx("outbox: #%lld: to %s: %s; %s %d s",
		    (long long)msg->id, mask, o->error, o->cls == MODEM_RESET ?
		    "sent once the modem is back, no delay:" : "retry in", delay);
	}
	if (r == -1)
		log_warnx("%s", err.msg);
	ussd_after_send(w->env->ussd, s, c, m->name, o->cls == MODEM_OK,
	    o->cms > 0);
	if (o->cls == MODEM_RESET) {
		dz_strlcpy(m->last_error, o->error, sizeof(m->last_error));
		fail(w);
	}
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

/* What route_ok needs. */
struct route {
	struct worker	*w;
	time_t		 now;
};

/*
 * A pool's prefix routing (modems.prefixes): a notice or broadcast to a
 * number another modem has the prefix of waits for that modem while it is
 * ready; replies, and numbers no modem claims, go out anywhere.
 */
static bool
route_ok(void *arg, const struct out_msg *msg)
{
	struct route *r = arg;
	const struct conf *c = CONF(r->w);
	struct dz_err err;
	int owner;

	if ((LANE_BIT(msg->lane) & LANES_PROACTIVE) == 0 ||
	    (owner = prefix_owner(c, msg->number)) == -1 ||
	    strcmp(c->modems[owner].name, r->w->m->name) == 0)
		return true;
	return store_modem_live(r->w->env->store, c->modems[owner].name, r->now,
	    &err) == 0;
}

/*
 * The modem's daily cap (modems.per_day, carriers' anti-spam limits)
 * reached. The parts sent today are counted from the state db once a day
 * (and at start), then as they go: the count reads every part ever sent,
 * too slow before each send once a year of them is kept.
 */
static bool
over_cap(struct worker *w, time_t wall)
{
	struct modem *m = w->m;
	struct dz_err err;
	struct pass day;
	int n;

	if (m->conf.per_day <= 0)
		return false;
	pass_init(&day, CONF(w), w->env->store, NULL, wall);
	if (w->parts_day != day.today) {
		if ((n = store_modem_parts(w->env->store, m->name,
		    day.day_start, &err)) == -1) {
			log_warnx("%s", err.msg);
			return true;	/* fail closed: the cap protects the SIM */
		}
		w->parts_today = n;
		w->parts_day = day.today;
	}
	n = w->parts_today;
	if (n < m->conf.per_day)
		return false;
	if (w->capped_day != day.today) {
		w->capped_day = day.today;
		log_warnx("modem: %s: %d parts sent today, modems.per_day reached; "
		    "it sends again tomorrow%s", m->name, n, w->env->pooled ?
		    " (the other modems go on)" : "");
	}
	return true;
}

/* Send at most one message through the modem. Returns true if one was taken. */
static bool
send_one(struct worker *w)
{
	const struct conf *c = CONF(w);
	struct store *s = w->env->store;
	struct modem *m = w->m;
	struct out_msg *msg;
	struct send_outcome out;
	struct send_ctx sc = { .store = s, .w = w };
	struct dz_err err;
	time_t wall = time(NULL);
	int64_t start;
	int r;
	bool ucs2;

	if (m->state != MODEM_READY || over_cap(w, wall))
		return false;
	start = loop_now();
	if ((msg = malloc(sizeof(*msg))) == NULL)
		return false;
	if (w->env->pooled) {
		struct route rt = { w, wall };

		r = store_outbox_next_for(s, wall, open_lanes(c, wall), m->name,
		    w->env->anywhere, w->env->routing ? route_ok : NULL, &rt,
		    msg, &err);
	} else
		r = store_outbox_next(s, wall, open_lanes(c, wall), msg, &err);
	/* Claimed atomically: another modem's worker may have been faster. */
	if (r == 1)
		r = store_outbox_claim(s, msg->id, m->name, wall, &err);
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
	if (unguard(m, m->conf.send_timeout) && out.cls != MODEM_RESET) {
		/* Cut short after the last answer: the connection is unusable. */
		out.cls = MODEM_RESET;
		if (out.error[0] == '\0')
			dz_strlcpy(out.error, m->last_error, sizeof(out.error));
	}
	send_result(w, msg, &out, sc.recorded);
	/* Pacing counts from the start of this send, not its end. */
	m->next_send = start + (int64_t)policy_pace_ms(m->conf.per_minute > 0 ?
	    m->conf.per_minute : c->sms.per_minute) *
	    (out.parts_total > 0 ? out.parts_total : 1);
	free(msg);
	return true;
}

/*
 * When an idle queue must be looked at again whatever is committed: the
 * first retry or scheduled message of the open lanes falling due, at the
 * latest after RECHECK_MS (a send window opening, a cap's new day).
 */
static int64_t
recheck_at(struct worker *w, int64_t now)
{
	struct dz_err err;
	time_t wall = time(NULL), due;
	int64_t at = now + RECHECK_MS;

	if (store_outbox_next_due(w->env->store, open_lanes(CONF(w), wall), &due,
	    &err) == -1)
		return now;
	if (due != 0 && now + (due - wall) * 1000LL < at)
		at = now + (due - wall) * 1000LL;
	return at;
}

/*
 * The log's checkpoint (store_defer_checkpoints): here, once nothing is
 * waiting to be sent or a send has just gone, so that its sync holds up
 * no reply on its way to the modem.
 */
static void
checkpoint(struct worker *w, int min_pages)
{
	struct dz_err err;

	if (store_checkpoint(w->env->store, min_pages, time(NULL), &err) == -1)
		log_warnx("%s", err.msg);
}

static void
send_cb(struct timer *t)
{
	struct worker *w = container_of(t, struct worker, send);
	struct store_gen gen;
	int64_t now = loop_now();

	if (loop_quitting())
		return;
	if (now < w->m->next_send) {
		timer_arm(t, w->m->next_send - now);
		return;
	}
	/* Nothing committed since the queue was last found empty. */
	if (w->m->state == MODEM_READY &&
	    store_gate_skip(w->env->store, &w->send_gate, now, &gen)) {
		checkpoint(w, STORE_CHECKPOINT_PAGES);
		timer_arm(t, IDLE_MS);
		progress(w);
		return;
	}
	/* Sent one: come back when pacing allows the next. */
	if (send_one(w) && w->m->state == MODEM_READY) {
		store_gate_open(&w->send_gate);
		timer_arm(t, w->m->next_send - loop_now());
	} else {
		if (w->m->state == MODEM_READY)
			store_gate_idle(&w->send_gate, &gen, recheck_at(w, now));
		else
			store_gate_open(&w->send_gate);
		timer_arm(t, IDLE_MS);
	}
	/*
	 * After a send too, not only on an empty queue: a burst's queue does
	 * not empty, and a longer log makes every read look further.
	 */
	checkpoint(w, STORE_CHECKPOINT_PAGES);
	after_step(w);
	progress(w);
}

void
worker_poke(struct worker *w)
{
	if (w->m->state == MODEM_READY && !loop_quitting())
		timer_arm(&w->send, w->m->next_send > loop_now() ?
		    w->m->next_send - loop_now() : 0);
}

void
worker_start(struct worker *w, struct worker_env *env, struct modem *m)
{
	memset(w, 0, sizeof(*w));
	w->parts_day = LONG_MIN;
	w->env = env;
	w->m = m;
	timer_set(&w->link, link_cb);
	timer_set(&w->pump, pump_cb);
	timer_set(&w->poll, poll_cb);
	timer_set(&w->status, status_cb);
	timer_set(&w->send, send_cb);
	timer_set(&w->ussd, ussd_cb);
	worker_put_status(env->store, m);
	timer_arm(&w->link, 0);
	if (env->runs_ussd)
		timer_arm(&w->ussd, IDLE_MS);
	/* One modem per process (a pool has a worker process each). */
	if (!loop_watching()) {
		loop_watch(port_fd, port_ready, w);
		w->watched = true;
	}
}
