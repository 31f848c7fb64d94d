/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Broadcast jobs: collecting an audience into recipients, queuing them in batches, cancelling. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "broadcast.h"
#include "phone.h"
#include "template.h"
#include "text.h"

int
broadcast_prepare(const struct pass *p, struct job *j, const char *source,
    const char *audience, const char *text, struct dz_err *err)
{
	const char *t;
	int parts;

	for (t = text; *t != '\0' && isspace((unsigned char)*t); t++)
		;
	if (*t == '\0')
		return dz_err_set(err, DZ_EUSAGE, "the text is empty");
	if (!text_utf8_valid(text))
		return dz_err_set(err, DZ_EUSAGE, "the text is not UTF-8");
	memset(j, 0, sizeof(*j));
	j->created_at = p->now;
	j->state = JOB_COLLECTING;
	dz_strlcpy(j->source, source, sizeof(j->source));
	dz_strlcpy(j->audience, audience, sizeof(j->audience));
	if ((parts = text_prepare_sms(text, p->conf->sms.charset,
	    p->conf->sms.max_parts, j->text, sizeof(j->text), &j->ucs2)) == -1)
		return dz_err_set(err, DZ_EUSAGE, "the text is too long");
	j->segments = parts;
	return 0;
}

int
broadcast_excluded(const struct job *j)
{
	int i, n = 0;

	for (i = 0; i < EXCL_NREASONS; i++)
		n += j->excluded[i];
	return n;
}

int
broadcast_add_number(const struct pass *p, struct job *j, const char *raw,
    struct dz_err *err)
{
	char num[PHONE_BUFSZ];
	const char *c;
	int r;

	for (c = raw; *c != '\0' && (isspace((unsigned char)*c) ||
	    *c == '-' || *c == '.'); c++)
		;
	if (*c == '\0') {
		j->excluded[EXCL_EMPTY]++;
		return 0;
	}
	switch (phone_normalize(raw, num, sizeof(num))) {
	case PHONE_VN_MOBILE:
		break;
	case PHONE_VN_FIXED:
		j->excluded[EXCL_LANDLINE]++;
		return 0;
	case PHONE_SHORTCODE:
		j->excluded[EXCL_SHORTCODE]++;
		return 0;
	default:
		j->excluded[EXCL_INVALID]++;
		return 0;
	}
	if ((r = store_optout_get(p->store, num, err)) == -1)
		return -1;
	if (r == 1) {
		j->excluded[EXCL_OPTOUT]++;
		return 0;
	}
	if ((r = store_job_add_recipient(p->store, j->id, num,
	    j->recipients + j->excluded[EXCL_DUPLICATE], err)) == -1)
		return -1;
	if (r == 0)
		j->excluded[EXCL_DUPLICATE]++;
	else
		j->recipients++;
	return 0;
}

/* One page of an audience's phone values, read before any state write. */
struct page {
	char	(*phones)[64];
	int	 n;
};

static int
page_cb(const char *phone, void *arg)
{
	struct page *pg = arg;

	dz_strlcpy(pg->phones[pg->n++], phone, sizeof(pg->phones[0]));
	return 0;
}

int
broadcast_collect_step(const struct pass *p, struct job *j, const char *sql,
    struct dz_err *err)
{
	struct page pg = { NULL, 0 };
	struct job saved = *j;
	int i, n;

	if ((pg.phones = calloc(BROADCAST_PAGE, sizeof(pg.phones[0]))) == NULL)
		return dz_err_set(err, DZ_ETRANSIENT, "broadcast: out of memory");
	/* Read the page first: no state write inside the records read. */
	if ((n = records_audience(p->records, sql, (long)j->cursor,
	    BROADCAST_PAGE, page_cb, &pg, err)) == -1) {
		free(pg.phones);
		return -1;
	}
	if (store_begin(p->store, err) == -1)
		goto fail;
	for (i = 0; i < pg.n; i++)
		if (broadcast_add_number(p, j, pg.phones[i], err) == -1)
			goto rollback;
	j->cursor += n;
	if (store_job_update(p->store, j, err) == -1 ||
	    store_commit(p->store, err) == -1)
		goto rollback;
	free(pg.phones);
	return n < BROADCAST_PAGE;
rollback:
	store_rollback(p->store);
fail:
	*j = saved;
	free(pg.phones);
	return -1;
}

/* Queue one recipient; 0 or -1. */
static int
queue_one(const struct pass *p, struct job *j, const char *number,
    struct dz_err *err)
{
	const struct conf *c = p->conf;
	int64_t id;
	int r;

	if ((r = store_optout_get(p->store, number, err)) == -1)
		return -1;
	if (r == 1) {
		/* Opted out since the job was counted. */
		j->recipients--;
		j->excluded[EXCL_OPTOUT]++;
		return store_job_queued(p->store, j->id, number, 0, err);
	}
	if ((r = store_outbox_count(p->store, number, LANES_PROACTIVE,
	    p->day_start, err)) == -1)
		return -1;
	if ((id = store_outbox_add(p->store, LANE_BROADCAST, number, j->text,
	    p->now, 0, 0, err)) == -1 ||
	    store_outbox_set_job(p->store, id, j->id, err) == -1)
		return -1;
	/* Over the daily cap for this number: it goes when tomorrow's window opens. */
	if (r >= c->notices.per_number_per_day &&
	    store_outbox_delay(p->store, id, p->day_start + 86400 +
	    c->notices.window_start * 60, "held: daily cap for this number",
	    err) == -1)
		return -1;
	j->enqueued++;
	return store_job_queued(p->store, j->id, number, id, err);
}

int
broadcast_queue_step(const struct pass *p, struct job *j, int max,
    struct dz_err *err)
{
	char (*numbers)[STORE_NUM_MAX];
	struct job saved = *j;
	int i, n;

	if ((numbers = calloc((size_t)max, sizeof(numbers[0]))) == NULL)
		return dz_err_set(err, DZ_ETRANSIENT, "broadcast: out of memory");
	if (store_begin(p->store, err) == -1)
		goto fail;
	/*
	 * dossierctl and the daemon may both queue one job (the daemon takes
	 * over when dossierctl is interrupted): start from the stored counts.
	 */
	if ((n = store_job_get(p->store, j->id, j, err)) != 1) {
		if (n == 0)
			dz_err_set(err, DZ_EUSAGE, "broadcast #%lld is gone",
			    (long long)saved.id);
		goto rollback;
	}
	if (j->state != JOB_QUEUING) {
		store_rollback(p->store);
		free(numbers);
		return 1;	/* queued by the other, or cancelled */
	}
	if ((n = store_job_pending(p->store, j->id, numbers, max, err)) == -1)
		goto rollback;
	for (i = 0; i < n; i++)
		if (queue_one(p, j, numbers[i], err) == -1)
			goto rollback;
	if (n < max) {
		j->state = JOB_QUEUED;
		j->finished_at = p->now;
	}
	if (store_job_update(p->store, j, err) == -1 ||
	    store_commit(p->store, err) == -1)
		goto rollback;
	free(numbers);
	return n < max;
rollback:
	store_rollback(p->store);
fail:
	*j = saved;
	free(numbers);
	return -1;
}

int
broadcast_cancel(const struct pass *p, struct job *j, struct dz_err *err)
{
	int n;

	if (store_begin(p->store, err) == -1)
		return -1;
	if ((n = broadcast_cancel_in(p, j, err)) == -1) {
		store_rollback(p->store);
		return -1;
	}
	if (store_commit(p->store, err) == -1)
		return -1;
	return n;
}

int
broadcast_cancel_in(const struct pass *p, struct job *j, struct dz_err *err)
{
	int64_t id = j->id;
	int n;

	if ((n = store_job_get(p->store, id, j, err)) != 1)
		return n == 0 ? dz_err_set(err, DZ_EUSAGE, "no broadcast #%lld",
		    (long long)id) : -1;
	switch (j->state) {
	case JOB_CANCELLED:
	case JOB_EXPIRED:
	case JOB_ABANDONED:
	case JOB_DRYRUN:
		return dz_err_set(err, DZ_EUSAGE, "broadcast #%lld is %s already",
		    (long long)j->id, store_job_state_name(j->state));
	default:
		break;
	}
	j->state = JOB_CANCELLED;
	j->finished_at = p->now;
	if ((n = store_job_cancel_rows(p->store, j->id, err)) == -1 ||
	    store_job_update(p->store, j, err) == -1)
		return -1;
	return n;
}

const char *
broadcast_audience(const struct conf *c, const char *name, const char **canon)
{
	int i;

	for (i = 0; i < c->records.naudiences; i++)
		if (strcasecmp(c->records.audiences[i].name, name) == 0) {
			if (canon != NULL)
				*canon = c->records.audiences[i].name;
			return c->records.audiences[i].sql;
		}
	return NULL;
}

int64_t
broadcast_tell(const struct pass *p, const char *number, const char *tpl,
    const struct job *j, int unsent, int sent, const char *reason,
    struct dz_err *err)
{
	char id[24], rec[16], parts[16], cost[16], uns[16], snt[16];
	char text[STORE_TEXT_MAX];
	const struct template_var v[] = {
		{ "id", id }, { "recipients", rec }, { "parts", parts },
		{ "cost", cost }, { "unsent", uns }, { "sent", snt },
		{ "reason", reason != NULL ? reason : "" },
	};

	snprintf(id, sizeof(id), "%lld", j != NULL ? (long long)j->id : 0LL);
	snprintf(rec, sizeof(rec), "%d", j != NULL ? j->recipients : 0);
	snprintf(parts, sizeof(parts), "%d", j != NULL ? j->segments : 0);
	snprintf(cost, sizeof(cost), "%d", j != NULL ?
	    j->segments * j->recipients : 0);
	snprintf(uns, sizeof(uns), "%d", unsent);
	snprintf(snt, sizeof(snt), "%d", sent);
	if (template_render(tpl, v, nitems(v), text, sizeof(text), err) == -1)
		return -1;
	return pass_queue_sms(p, LANE_STAFF, number, text, 0, 0, err);
}

/* A counted SMS job: ask for the OK, or say nobody is in it. Own transaction. */
static int
sms_counted(const struct pass *p, struct job *j, struct dz_err *err)
{
	const struct conf *c = p->conf;

	if (store_begin(p->store, err) == -1)
		return -1;
	if (j->recipients == 0) {
		j->state = JOB_CANCELLED;
		j->finished_at = p->now;
		if (broadcast_tell(p, j->staff_number,
		    c->templates.staff_broadcast_refused, j, 0, 0,
		    "không có người nhận", err) == -1)
			goto fail;
	} else {
		j->state = JOB_CONFIRM;
		j->confirm_by = p->now + c->staff.confirm_timeout;
		if (broadcast_tell(p, j->staff_number,
		    c->templates.staff_broadcast_count, j, 0, 0, NULL, err) == -1)
			goto fail;
	}
	if (store_job_update(p->store, j, err) == -1)
		goto fail;
	return store_commit(p->store, err);
fail:
	store_rollback(p->store);
	return -1;
}

/* The oldest unconfirmed SMS job, if its time is over: expired, and said so. */
static int
sms_expire(const struct pass *p, struct dz_err *err)
{
	char reason[96];
	struct job j;
	int r;

	if ((r = store_job_next(p->store, 1u << JOB_CONFIRM, 1, &j, err)) != 1)
		return r;
	if (j.confirm_by > p->now)
		return 0;
	if (store_begin(p->store, err) == -1)
		return -1;
	j.state = JOB_EXPIRED;
	j.finished_at = p->now;
	snprintf(reason, sizeof(reason), "#%lld không được xác nhận kịp, "
	    "không gửi", (long long)j.id);
	if (store_job_update(p->store, &j, err) == -1 ||
	    broadcast_tell(p, j.staff_number,
	    p->conf->templates.staff_broadcast_refused, &j, 0, 0, reason,
	    err) == -1) {
		store_rollback(p->store);
		return -1;
	}
	return store_commit(p->store, err) == -1 ? -1 : 1;
}

int
broadcast_sms_step(const struct pass *p, struct dz_err *err)
{
	const char *sql;
	struct job j;
	int r;

	if (sms_expire(p, err) == -1)
		return -1;
	if ((r = store_job_next(p->store, 1u << JOB_COLLECTING, 1, &j,
	    err)) != 1)
		return r;
	if ((sql = broadcast_audience(p->conf, j.audience, NULL)) == NULL) {
		/* The audience left the configuration since. */
		j.recipients = 0;
		return sms_counted(p, &j, err) == -1 ? -1 : 1;
	}
	if ((r = broadcast_collect_step(p, &j, sql, err)) == 1)
		return sms_counted(p, &j, err) == -1 ? -1 : 1;
	return r == -1 ? -1 : 1;
}
