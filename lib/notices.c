/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ready-for-pickup notices and reminders: scan the records for changes, ledger, queue. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notices.h"
#include "phone.h"
#include "policy.h"
#include "template.h"
#include "text.h"

#define SCAN_BATCH	5000	/* changed rows read per poll */
#define COMMIT_EVERY	200	/* notices per state transaction */
#define REMIND_BATCH	100	/* reminders per call */
#define WATERMARK	"notices.watermark"
#define CUTOFF		"notices.cutoff"
/*
 * Rows are read again from this long before the watermark: the records
 * software's clocks (several clerks' PCs) may disagree a little, and the
 * ledger makes a second read harmless.
 */
#define RESCAN_MARGIN	600

/* What a scan keeps of a changed row in a notice status. */
struct ready {
	struct dossier	 d;
};

struct scan {
	const struct conf	*conf;
	struct ready		*rows;
	size_t			 nrows, cap;
	const char		*watermark;	/* NULL on the first scan */
	int			 fresh;		/* rows past the watermark */
	bool			 more;		/* stopped at SCAN_BATCH fresh rows */
	char			 last[32];	/* updated_at of the last row taken */
	bool			 oom;
};

static int
scan_cb(const struct dossier *d, void *arg)
{
	struct scan *sc = arg;
	struct ready *r;

	/*
	 * Only rows past the watermark count toward the batch: the rows of the
	 * re-read margin are read every time and must never fill it, or the
	 * watermark could not move past a burst of changes.
	 */
	if (sc->watermark == NULL || strcmp(d->updated_at, sc->watermark) > 0) {
		if (sc->fresh == SCAN_BATCH &&
		    strcmp(d->updated_at, sc->last) != 0) {
			sc->more = true;
			return 1;
		}
		sc->fresh++;
	}
	dz_strlcpy(sc->last, d->updated_at, sizeof(sc->last));
	if (d->status < 1 || d->status > CONF_NSTATUS ||
	    !sc->conf->statuses[d->status].notice)
		return 0;
	if (sc->nrows == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 256;

		if ((r = realloc(sc->rows, cap * sizeof(*r))) == NULL) {
			sc->oom = true;
			return 1;
		}
		sc->rows = r;
		sc->cap = cap;
	}
	sc->rows[sc->nrows++].d = *d;
	return 0;
}

/* The notice or reminder template for a pickup office. */
static const char *
office_template(const struct conf *c, const char *office, bool reminder)
{
	char fo[512], fm[256];
	int i;

	text_fold_upper(office, fo, sizeof(fo));
	for (i = 0; i < c->noffices; i++) {
		text_fold_upper(c->offices[i].match, fm, sizeof(fm));
		if (strstr(fo, fm) == NULL)
			continue;
		if (reminder && c->offices[i].reminder != NULL)
			return c->offices[i].reminder;
		if (!reminder && c->offices[i].notice != NULL)
			return c->offices[i].notice;
	}
	return reminder ? c->templates.reminder : c->templates.notice;
}

/*
 * Queue a notice (n = 0) or reminder n to number; returns the outbox id or
 * -1: DZ_EPERMANENT if the text cannot be rendered, else a database error.
 */
static int64_t
queue_notice(struct pass *ctx, const struct dossier *d,
    const char *number, int n, struct notices_result *res, struct dz_err *err)
{
	const struct conf *c = ctx->conf;
	char text[1024], due[16], ns[16];
	const struct template_var v[] = {
		{ "code", d->code }, { "status", c->statuses[d->status].text },
		{ "office", d->office }, { "procedure", d->procedure },
		{ "due", due }, { "n", ns },
	};
	int64_t id;
	int sent;
	bool capped;

	policy_format_day(d->due_at, due, sizeof(due));
	snprintf(ns, sizeof(ns), "%d", n);
	if (template_render(office_template(c, d->office, n > 0), v, nitems(v),
	    text, sizeof(text), err) == -1)
		return -1;
	if ((sent = store_outbox_count(ctx->store, number, LANES_PROACTIVE,
	    ctx->day_start, err)) == -1)
		return -1;
	capped = sent >= c->notices.per_number_per_day;
	if ((id = pass_queue_sms(ctx, LANE_NOTICE, number, text, 0, 0, err)) == -1)
		return -1;
	/* Over the daily cap for this number: it goes when tomorrow's window opens. */
	if (capped && store_outbox_delay(ctx->store, id, ctx->day_start + 86400 +
	    c->notices.window_start * 60, "held: daily cap for this number",
	    err) == -1)
		return -1;
	if (capped)
		res->deferred++;
	return id;
}

/*
 * Whether a ready dossier gets no notice: 1 and *why set, 0 it gets one
 * (number holds the normalised mobile number), -1 on a state error.
 */
static int
skip_reason(struct pass *ctx, const struct dossier *d, long cutoff,
    char *number, size_t numsz, enum notice_outcome *why, struct dz_err *err)
{
	long day;
	int r;

	if (cutoff > 0 && policy_parse_day(d->finished_at, &day) == 0 &&
	    day < cutoff)
		*why = NOTICE_SKIP_OLD;
	else if (!d->notify_sms)
		*why = NOTICE_SKIP_CONSENT;
	else if (phone_normalize(d->phone, number, numsz) != PHONE_VN_MOBILE)
		*why = NOTICE_SKIP_PHONE;
	else if ((r = store_optout_get(ctx->store, number, err)) != 0) {
		if (r == -1)
			return -1;
		*why = NOTICE_SKIP_OPTOUT;
	} else
		return 0;
	return 1;
}

/* One dossier in a notice status: ledger row and, if eligible, the notice. */
static int
process_ready(struct pass *ctx, const struct dossier *d, long cutoff,
    struct notices_result *res, struct dz_err *err)
{
	const struct conf *c = ctx->conf;
	struct notice_row n;
	int r;

	if ((r = store_notice_exists(ctx->store, d->code, NOTICE_READY, 0,
	    err)) == -1)
		return -1;
	if (r == 1)
		return 0;	/* already noticed (or skipped) once: never again */
	memset(&n, 0, sizeof(n));
	dz_strlcpy(n.code, d->code, sizeof(n.code));
	n.kind = NOTICE_READY;
	n.created_at = ctx->now;
	if ((r = skip_reason(ctx, d, cutoff, n.number, sizeof(n.number),
	    &n.outcome, err)) == -1)
		return -1;
	if (r == 1)
		res->skipped++;
	else if ((n.outbox_id = queue_notice(ctx, d, n.number, 0, res,
	    err)) == -1) {
		if (err->cls != DZ_EPERMANENT)
			return -1;
		/* Never blocks the scan: counted, visible in the ledger. */
		n.outbox_id = 0;
		n.outcome = NOTICE_SKIP_RENDER;
		res->skipped++;
	} else {
		n.outcome = NOTICE_QUEUED;
		if (c->notices.nreminders > 0)
			n.next_at = ctx->now + (time_t)c->notices.reminder_days[0] *
			    c->notices.day_seconds;
		res->queued++;
	}
	return store_notice_add(ctx->store, &n, err) == -1 ? -1 : 0;
}

/*
 * Where this scan starts (since) and the stored watermark (wm, "" before the
 * first scan); sets up the backfill cutoff from notices.backfill_days.
 */
static int
watermark(struct pass *ctx, char *since, size_t sincesz, char *wm,
    size_t wmsz, long *cutoff, struct dz_err *err)
{
	char buf[32];
	int r;

	if ((r = store_meta_get(ctx->store, CUTOFF, buf, sizeof(buf), err)) == -1)
		return -1;
	if (r == 0) {
		policy_day_iso(ctx->today - ctx->conf->notices.backfill_days, buf,
		    sizeof(buf));
		if (store_meta_set(ctx->store, CUTOFF, buf, err) == -1)
			return -1;
	}
	if (policy_parse_day(buf, cutoff) == -1)
		*cutoff = 0;
	wm[0] = '\0';
	if ((r = store_meta_get(ctx->store, WATERMARK, wm, wmsz, err)) == -1)
		return -1;
	if (r == 1)
		policy_iso_minus(wm, RESCAN_MARGIN, since, sincesz);
	else
		dz_strlcpy(since, buf, sincesz);	/* first poll: the backfill window */
	return 0;
}

/* Ledger and queue rows [from, to); with last set, also move the watermark. */
static int
apply_chunk(struct pass *ctx, struct scan *sc, size_t from, size_t to,
    bool last, long cutoff, struct notices_result *res, struct dz_err *err)
{
	size_t i;

	if (store_begin(ctx->store, err) == -1)
		return -1;
	for (i = from; i < to; i++)
		if (process_ready(ctx, &sc->rows[i].d, cutoff, res, err) == -1)
			goto fail;
	if (last && sc->last[0] != '\0' &&
	    store_meta_set(ctx->store, WATERMARK, sc->last, err) == -1)
		goto fail;
	return store_commit(ctx->store, err);
fail:
	store_rollback(ctx->store);
	return -1;
}

static int
apply_scan(struct pass *ctx, struct scan *sc, long cutoff,
    struct notices_result *res, struct dz_err *err)
{
	size_t i = 0, to;

	do {
		to = i + COMMIT_EVERY < sc->nrows ? i + COMMIT_EVERY : sc->nrows;
		if (apply_chunk(ctx, sc, i, to, to == sc->nrows, cutoff, res,
		    err) == -1)
			return -1;
		i = to;
	} while (i < sc->nrows);
	return 0;
}

int
notices_scan(struct pass *ctx, struct notices_result *res,
    struct dz_err *err)
{
	struct scan sc;
	char since[64], wm[32];
	long cutoff;
	int n, r;

	memset(res, 0, sizeof(*res));
	if (watermark(ctx, since, sizeof(since), wm, sizeof(wm), &cutoff,
	    err) == -1)
		return -1;
	memset(&sc, 0, sizeof(sc));
	sc.conf = ctx->conf;
	sc.watermark = wm[0] != '\0' ? wm : NULL;
	/* Read everything first: no state write inside the records read. */
	n = records_scan(ctx->records, ctx->conf->records.ready_sql, since,
	    INT_MAX, scan_cb, &sc, err);
	if (n == -1 || sc.oom) {
		free(sc.rows);
		return n == -1 ? -1 : dz_err_set(err, DZ_ETRANSIENT, "notices: out of memory");
	}
	res->scanned = sc.more ? n - 1 : n;	/* not the row that stopped the batch */
	res->more = sc.more;
	/* An idle poll (nothing to notice, watermark unchanged) writes nothing. */
	if (n > 0 && (sc.nrows > 0 || strcmp(wm, sc.last) != 0))
		r = apply_scan(ctx, &sc, cutoff, res, err);
	else
		r = 0;
	free(sc.rows);
	return r;
}


/*
 * Is the dossier (read again just now) still waiting to be collected by
 * this number? 1 yes (number set), 0 no, -1 state error.
 */
static int
still_waiting(struct pass *ctx, const struct dossier *d, char *number,
    size_t numsz, struct dz_err *err)
{
	int r;

	if (d->status < 1 || d->status > CONF_NSTATUS ||
	    !ctx->conf->statuses[d->status].notice || !d->notify_sms)
		return 0;
	if (phone_normalize(d->phone, number, numsz) != PHONE_VN_MOBILE)
		return 0;
	if ((r = store_optout_get(ctx->store, number, err)) == -1)
		return -1;
	return r == 0;
}

/* Queue reminder i for the ledger row n (whose dossier is d) and schedule the next. */
static int
remind_one(struct pass *ctx, struct notice_row *n, const struct dossier *d,
    int i, struct notices_result *res, struct dz_err *err)
{
	const struct conf *c = ctx->conf;
	struct notice_row r;
	time_t next = 0;
	int w;

	memset(&r, 0, sizeof(r));
	if ((w = still_waiting(ctx, d, r.number, sizeof(r.number), err)) == -1)
		return -1;
	if (w == 0) {
		res->stopped++;
		return store_notice_reschedule(ctx->store, n->id, 0, err);
	}
	dz_strlcpy(r.code, n->code, sizeof(r.code));
	r.kind = NOTICE_REMINDER;
	r.outcome = NOTICE_QUEUED;
	r.n = i;
	r.created_at = ctx->now;
	if ((r.outbox_id = queue_notice(ctx, d, r.number, i, res, err)) == -1) {
		if (err->cls != DZ_EPERMANENT)
			return -1;
		res->stopped++;	/* the reminder text cannot be rendered: end the series */
		return store_notice_reschedule(ctx->store, n->id, 0, err);
	}
	if (store_notice_add(ctx->store, &r, err) == -1)
		return -1;
	res->reminders++;
	if (i < c->notices.nreminders) {
		next = n->created_at + (time_t)c->notices.reminder_days[i] *
		    c->notices.day_seconds;
		/* After a long stop, one reminder now and the next a day later, not a burst. */
		if (next <= ctx->now)
			next = ctx->now + c->notices.day_seconds;
	}
	return store_notice_reschedule(ctx->store, n->id, next, err);
}

int
notices_remind(struct pass *ctx, struct notices_result *res,
    struct dz_err *err)
{
	const struct conf *c = ctx->conf;
	struct notice_row n;
	struct dossier d;
	int i, k, r;

	memset(res, 0, sizeof(*res));
	for (k = 0; k < REMIND_BATCH; k++) {
		if ((r = store_notice_due(ctx->store, ctx->now, &n, err)) <= 0)
			return r;
		for (i = 1; i <= c->notices.nreminders; i++)
			if ((r = store_notice_exists(ctx->store, n.code,
			    NOTICE_REMINDER, i, err)) != 1)
				break;
		if (i <= c->notices.nreminders && r == -1)
			return -1;
		/* The live status, read just before deciding (outside the state transaction). */
		r = i <= c->notices.nreminders ? records_lookup(ctx->records,
		    c->records.lookup_sql, n.code, &d, err) : 0;
		if (r == -1)
			return -1;
		if (store_begin(ctx->store, err) == -1)
			return -1;
		if (r == 0) {
			res->stopped++;
			r = store_notice_reschedule(ctx->store, n.id, 0, err);
		} else
			r = remind_one(ctx, &n, &d, i, res, err);
		if (r == -1) {
			store_rollback(ctx->store);
			return -1;
		}
		if (store_commit(ctx->store, err) == -1)
			return -1;
	}
	return 0;
}
