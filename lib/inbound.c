/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Handling of one received SMS: command, limits, lookups, replies queued, all in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "command.h"
#include "inbound.h"
#include "phone.h"
#include "policy.h"
#include "template.h"
#include "text.h"

#define REPLY_MAX	2048

#define LIMIT_WINDOWS	4	/* over_limit's audit counts */
_Static_assert(1 + LIMIT_WINDOWS <= AUDIT_WINDOWS, "is_loop's one query");

/* What one message is doing while it is handled. */
struct handling {
	struct pass	*ctx;
	const struct inbox_msg	*msg;
	char			 number[PHONE_BUFSZ];
	struct inbound_result	*res;
	enum lane		 lane;		/* replies go here: reply, or staff */
	int64_t			 fp;		/* the text's fingerprint, once known */
	bool			 has_fp;
	int			 slow;		/* s replies wait: the guessing alarm */
	/* over_limit's counts, once is_loop has read them in its query. */
	struct audit_window	 limits[LIMIT_WINDOWS];
	bool			 has_limits;
	/* A preview: replies go here instead of the outbox. */
	int			(*capture)(void *, const char *);
	void			*capture_arg;
};

/* Render tpl with vars and queue it as a reply to the sender. */
static int
reply(struct handling *j, const char *tpl, const struct template_var *vars,
    size_t nvars, struct dz_err *err)
{
	char text[REPLY_MAX];
	int64_t id;

	if (template_render(tpl, vars, nvars, text, sizeof(text), err) == -1)
		return -1;
	if (j->capture != NULL) {
		char body[REPLY_MAX];

		if (pass_prepare_sms(j->ctx, text, body, sizeof(body), err) == -1)
			return -1;
		j->res->replies++;
		return j->capture(j->capture_arg, body);
	}
	if ((id = pass_queue_sms(j->ctx, j->lane, j->number, text,
	    j->ctx->now + j->ctx->conf->sms.reply_expiry, j->msg->id,
	    err)) == -1)
		return -1;
	if (j->slow > 0 && store_outbox_delay(j->ctx->store, id, j->ctx->now +
	    j->slow, "held: the guessing alarm (limits.global_misses_per_hour)",
	    err) == -1)
		return -1;
	j->res->replies++;
	return 0;
}

static int
reply_plain(struct handling *j, const char *tpl, struct dz_err *err)
{
	const struct template_var v[] = {
		{ "example", j->ctx->conf->example_code },
	};

	return reply(j, tpl, v, nitems(v), err);
}

static bool
is_owner(const struct handling *j, const struct dossier *d)
{
	char owner[PHONE_BUFSZ];

	if (phone_normalize(d->phone, owner, sizeof(owner)) == PHONE_INVALID)
		return false;
	return strcmp(owner, j->number) == 0;
}

/* The status text, with the overdue wording when the due date has passed. */
static int
status_text(const struct handling *j, const struct dossier *d, char *out,
    size_t outsz, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	const char *st = "Không xác định";
	char days[24];
	long due;

	if (d->status >= 1 && d->status <= CONF_NSTATUS)
		st = c->statuses[d->status].text;
	if ((d->status < 1 || d->status > CONF_NSTATUS ||
	    !c->statuses[d->status].done) &&
	    policy_parse_day(d->due_at, &due) == 0 && j->ctx->today > due) {
		const struct template_var v[] = {
			{ "status", st }, { "days", days },
		};

		snprintf(days, sizeof(days), "%ld", j->ctx->today - due);
		return template_render(c->templates.overdue, v, nitems(v), out,
		    outsz, err);
	}
	snprintf(out, outsz, "%s", st);
	return 0;
}

static int
reply_found(struct handling *j, const struct dossier *d, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	char status[256], due[16], received[16];
	bool owner = is_owner(j, d);
	const struct template_var v[] = {
		{ "code", d->code }, { "status", status }, { "due", due },
		{ "office", d->office }, { "received", received },
		{ "procedure", d->procedure },
	};

	if (store_audit_add(j->ctx->store, j->number, d->code, AUDIT_FOUND, owner,
	    j->ctx->now, err) == -1)
		return -1;
	j->res->found++;
	if (c->privacy.owner_only && !owner)
		return reply(j, c->templates.not_owner, v, 1, err);
	if (status_text(j, d, status, sizeof(status), err) == -1)
		return -1;
	policy_format_day(d->due_at, due, sizeof(due));
	if (due[0] == '\0')
		snprintf(due, sizeof(due), "%s", "-");
	policy_format_day(d->received_at, received, sizeof(received));
	/* The procedure name only ever goes to the owner's number. */
	return reply(j, owner ? c->templates.reply_owner : c->templates.reply, v,
	    owner ? nitems(v) : nitems(v) - 1, err);
}

static int
lookup_one(struct handling *j, const struct code_match *m, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	struct dossier d;
	const struct template_var v[] = {
		{ "code", m->code }, { "example", c->example_code },
	};
	int r;

	if (m->kind == CODE_BAD_DATE) {
		if (store_audit_add(j->ctx->store, j->number, m->code, AUDIT_BAD_DATE,
		    false, j->ctx->now, err) == -1)
			return -1;
		j->res->not_found++;
		return reply(j, c->templates.bad_date, v, nitems(v), err);
	}
	if ((r = records_lookup(j->ctx->records, c->records.lookup_sql, m->code,
	    &d, err)) == -1)
		return -1;
	if (r == 1)
		return reply_found(j, &d, err);
	if (store_audit_add(j->ctx->store, j->number, m->code, AUDIT_NOT_FOUND, false,
	    j->ctx->now, err) == -1)
		return -1;
	j->res->not_found++;
	return reply(j, c->templates.not_found, v, nitems(v), err);
}

/* over_limit's counts: told today, lookups today, misses and told this hour. */
static void
limit_windows(const struct handling *j, struct audit_window *w)
{
	time_t day = j->ctx->day_start, hour = j->ctx->now - 3600;

	w[0] = (struct audit_window){ AUDIT_BIT(AUDIT_LIMITED), day, 0 };
	w[1] = (struct audit_window){ AUDIT_LOOKUPS, day, 0 };
	w[2] = (struct audit_window){ AUDIT_MISSES, hour, 0 };
	w[3] = (struct audit_window){ AUDIT_BIT(AUDIT_LIMITED), hour, 0 };
}

/*
 * Per-number lookup and miss limits: 1 over a limit (*told: the number was
 * already told so, stay silent), 0 within them, -1 the counts could not be
 * read.
 */
static int
over_limit(struct handling *j, bool *told, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	struct audit_window w[LIMIT_WINDOWS];

	/* Mostly read already, with is_loop's count. */
	if (j->has_limits)
		memcpy(w, j->limits, sizeof(w));
	else {
		limit_windows(j, w);
		if (store_audit_counts(j->ctx->store, j->number, w,
		    LIMIT_WINDOWS, err) == -1)
			return -1;
	}
	*told = w[0].n > 0;
	if (w[1].n >= c->limits.lookups_per_day)
		return 1;
	if (w[2].n < c->limits.misses_per_hour)
		return 0;
	*told = w[3].n > 0;
	return 1;
}

/*
 * The guessing alarm: when every number together misses more than
 * limits.global_misses_per_hour codes an hour, many numbers are trying
 * codes. While it holds, lookup replies wait limits.alarm_delay s (hits
 * and misses alike, so the delay says nothing), and the staff numbers
 * are told once an hour.
 */
static int
guessing_alarm(struct handling *j, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	struct store *s = j->ctx->store;
	char last[32], misses[16], numbers[16], delay[16];
	char text[STORE_TEXT_MAX];
	const struct template_var v[] = {
		{ "misses", misses }, { "numbers", numbers }, { "delay", delay },
	};
	int i, n, nnum, r;

	/* Every lookup asks: the count by the minute; the numbers only to alert. */
	if ((n = store_miss_count(s, j->ctx->now - 3600, err)) == -1)
		return -1;
	if (n < c->limits.global_misses_per_hour)
		return 0;
	j->slow = c->limits.alarm_delay;
	if ((r = store_meta_get(s, "alarm.guessing_at", last, sizeof(last),
	    err)) == -1)
		return -1;
	if (r == 1 && j->ctx->now - atoll(last) < 3600)
		return 0;
	snprintf(last, sizeof(last), "%lld", (long long)j->ctx->now);
	if (store_meta_set(s, "alarm.guessing_at", last, err) == -1)
		return -1;
	if ((n = store_audit_misses(s, j->ctx->now - 3600, &nnum, err)) == -1)
		return -1;
	snprintf(misses, sizeof(misses), "%d", n);
	snprintf(numbers, sizeof(numbers), "%d", nnum);
	snprintf(delay, sizeof(delay), "%d", c->limits.alarm_delay);
	if (template_render(c->templates.staff_guessing_alert, v, nitems(v),
	    text, sizeof(text), err) == -1)
		return -1;
	for (i = 0; i < c->staff.nnumbers && j->capture == NULL; i++)
		if (pass_queue_sms(j->ctx, LANE_STAFF, c->staff.numbers[i], text,
		    0, 0, err) == -1)
			return -1;
	snprintf(j->res->warning, sizeof(j->res->warning), "inbox: %d misses "
	    "from %d numbers in the last hour (limits.global_misses_per_hour "
	    "%d): someone may be guessing dossier codes; lookup replies wait "
	    "%d s, %d staff number(s) alerted", n, nnum,
	    c->limits.global_misses_per_hour, c->limits.alarm_delay,
	    j->capture == NULL ? c->staff.nnumbers : 0);
	return 0;
}

static int
do_lookup(struct handling *j, const struct command *cmd, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	char max[16], found[16];
	const struct template_var v[] = { { "max", max }, { "found", found } };
	bool told;
	int i, r;

	if ((r = over_limit(j, &told, err)) == -1)
		return -1;
	if (r == 1) {
		j->res->outcome = told ? "limited, silent" : "limited";
		if (told)
			return 0;
		if (store_audit_add(j->ctx->store, j->number, NULL, AUDIT_LIMITED,
		    false, j->ctx->now, err) == -1)
			return -1;
		return reply_plain(j, c->templates.rate_limited, err);
	}
	if (guessing_alarm(j, err) == -1)
		return -1;
	for (i = 0; i < cmd->ncodes; i++)
		if (lookup_one(j, &cmd->codes[i], err) == -1)
			return -1;
	if (cmd->ncodes_found > cmd->ncodes) {
		snprintf(max, sizeof(max), "%d", cmd->ncodes);
		snprintf(found, sizeof(found), "%d", cmd->ncodes_found);
		return reply(j, c->templates.too_many, v, nitems(v), err);
	}
	return 0;
}

static bool
is_staff_number(const struct conf *c, const char *number)
{
	int i;

	for (i = 0; i < c->staff.nnumbers; i++)
		if (strcmp(c->staff.numbers[i], number) == 0)
			return true;
	return false;
}

/*
 * given == pin, in a time that depends on the PIN's length only, not on
 * how much of it was guessed right.
 */
static bool
pin_equal(const char *given, const char *pin)
{
	size_t n = strlen(given), m = strlen(pin), i;
	volatile unsigned char d = n != m;

	for (i = 0; i < m; i++)
		d |= (unsigned char)(pin[i] ^ (i < n ? given[i] : 0));
	return d == 0;
}

static int
staff_status(struct handling *j, struct dz_err *err)
{
	struct store *s = j->ctx->store;
	struct outbox_summary sum;
	struct modem_status ms;
	char queued[16], sent[16], failed[16], signal[16];
	const struct template_var v[] = {
		{ "queued", queued }, { "sent", sent }, { "failed", failed },
		{ "signal", signal }, { "balance", j->ctx->balance[0] ?
		    j->ctx->balance : "?" },
	};
	int i, n, q = 0;

	if (store_outbox_summary(s, j->ctx->day_start, &sum, err) == -1)
		return -1;
	for (i = 0; i < LANE_COUNT; i++)
		q += sum.queued[i];
	snprintf(queued, sizeof(queued), "%d", q);
	snprintf(sent, sizeof(sent), "%d", sum.sent_today);
	snprintf(failed, sizeof(failed), "%d", sum.failed_today);
	if ((n = store_modem_list(s, &ms, 1, err)) == -1)
		return -1;
	if (n == 1 && ms.signal >= 0)
		snprintf(signal, sizeof(signal), "%d%%", ms.signal);
	else
		snprintf(signal, sizeof(signal), "?");
	return reply(j, j->ctx->conf->templates.staff_status, v, nitems(v), err);
}

/* A staff reply about a broadcast job, with the job's figures or a reason. */
static int
tell(struct handling *j, const char *tpl, const struct job *b, int unsent,
    int sent, const char *reason, struct dz_err *err)
{
	if (broadcast_tell(j->ctx, j->number, tpl, b, unsent, sent, reason,
	    err) == -1)
		return -1;
	j->res->replies++;
	return 0;
}

static int
refuse(struct handling *j, const char *reason, struct dz_err *err)
{
	j->res->outcome = "broadcast refused";
	return tell(j, j->ctx->conf->templates.staff_broadcast_refused, NULL, 0,
	    0, reason, err);
}

/* QT <PIN> TB <audience> <text>: a job to count; the count and the request for an OK follow. */
static int
staff_broadcast(struct handling *j, const struct command *cmd,
    struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	const char *name;
	char source[96], reason[256];
	struct job b;
	size_t len;
	int64_t same;
	int i;

	if (broadcast_audience(c, cmd->audience, &name) == NULL) {
		len = (size_t)snprintf(reason, sizeof(reason), "không có danh "
		    "sách \"%s\"; có:", cmd->audience);
		for (i = 0; i < c->records.naudiences && len < sizeof(reason); i++)
			len += (size_t)snprintf(reason + len, sizeof(reason) - len,
			    "%s %s", i ? "," : "", c->records.audiences[i].name);
		if (i == 0)
			snprintf(reason + len, sizeof(reason) - len, " (chưa có)");
		return refuse(j, reason, err);
	}
	snprintf(source, sizeof(source), "sms from %s", j->number);
	if (broadcast_prepare(j->ctx, &b, source, name, cmd->text, err) == -1) {
		dz_strlcpy(reason, err->msg, sizeof(reason));
		return refuse(j, reason, err);
	}
	if ((same = store_job_same(j->ctx->store, b.audience, b.text,
	    j->ctx->now - BROADCAST_REPEAT_S, err)) == -1)
		return -1;
	if (same > 0) {
		snprintf(reason, sizeof(reason), "nội dung này đã gửi tới %s "
		    "trong 24 giờ qua (TB #%lld)", name, (long long)same);
		return refuse(j, reason, err);
	}
	dz_strlcpy(b.staff_number, j->number, sizeof(b.staff_number));
	if (store_job_add(j->ctx->store, &b, err) == -1)
		return -1;
	j->res->outcome = "broadcast being counted";
	return 0;
}

/* The job a staff command names: 1 found, 0 refused (told why), -1. */
static int
staff_job(struct handling *j, long id, struct job *b, struct dz_err *err)
{
	char reason[96];
	int r;

	if ((r = store_job_get(j->ctx->store, id, b, err)) == -1)
		return -1;
	if (r == 1 && b->state != JOB_DRYRUN)
		return 1;
	snprintf(reason, sizeof(reason), "không có TB #%ld", id);
	return refuse(j, reason, err) == -1 ? -1 : 0;
}

/* QT <PIN> OK <job>: start a counted job, from the number that asked, in time. */
static int
staff_confirm(struct handling *j, const struct command *cmd,
    struct dz_err *err)
{
	char reason[128];
	struct job b;
	int r;

	if ((r = staff_job(j, cmd->job, &b, err)) != 1)
		return r;
	if (b.state != JOB_CONFIRM)
		snprintf(reason, sizeof(reason), "TB #%ld không chờ xác nhận "
		    "(%s)", cmd->job, b.state == JOB_COLLECTING ? "đang đếm" :
		    b.state == JOB_EXPIRED ? "đã hết hạn" : b.state ==
		    JOB_CANCELLED ? "đã hủy" : "đã bắt đầu");
	else if (strcmp(b.staff_number, j->number) != 0)
		snprintf(reason, sizeof(reason), "TB #%ld chỉ số đã tạo mới xác "
		    "nhận được", cmd->job);
	else if (b.confirm_by < j->ctx->now)
		snprintf(reason, sizeof(reason), "TB #%ld đã hết hạn xác nhận",
		    cmd->job);
	else {
		b.state = JOB_QUEUING;
		if (store_job_update(j->ctx->store, &b, err) == -1)
			return -1;
		j->res->outcome = "broadcast confirmed";
		return tell(j, j->ctx->conf->templates.staff_broadcast_started,
		    &b, 0, 0, NULL, err);
	}
	return refuse(j, reason, err);
}

/* QT <PIN> HUY <job>: cancel what of a job is not sent. */
static int
staff_cancel(struct handling *j, const struct command *cmd, struct dz_err *err)
{
	struct job_progress pr;
	struct job b;
	char reason[256];
	int r, n;

	if ((r = staff_job(j, cmd->job, &b, err)) != 1)
		return r;
	if ((n = broadcast_cancel_in(j->ctx, &b, err)) == -1) {
		if (err->cls != DZ_EUSAGE)
			return -1;
		dz_strlcpy(reason, err->msg, sizeof(reason));
		return refuse(j, reason, err);
	}
	if (store_job_progress(j->ctx->store, b.id, &pr, err) == -1)
		return -1;
	j->res->outcome = "broadcast cancelled";
	return tell(j, j->ctx->conf->templates.staff_broadcast_cancelled, &b,
	    n + pr.pending, pr.sent, NULL, err);
}

/* The failure that locks a staff number out: tell the other staff numbers, once. */
static int
alert_lockout(struct handling *j, int failures, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	char n[16], text[STORE_TEXT_MAX];
	const struct template_var v[] = {
		{ "number", j->number }, { "failures", n },
	};
	int i;

	snprintf(n, sizeof(n), "%d", failures);
	if (template_render(c->templates.staff_lockout_alert, v, nitems(v),
	    text, sizeof(text), err) == -1)
		return -1;
	for (i = 0; i < c->staff.nnumbers; i++) {
		if (strcmp(c->staff.numbers[i], j->number) == 0)
			continue;
		if (pass_queue_sms(j->ctx, LANE_STAFF, c->staff.numbers[i], text,
		    0, 0, err) == -1)
			return -1;
	}
	return 0;
}

static int
do_staff(struct handling *j, const struct command *cmd, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	struct store *s = j->ctx->store;
	int fails;

	if ((fails = store_audit_count(s, j->number,
	    AUDIT_BIT(AUDIT_STAFF_DENIED), j->ctx->day_start, err)) == -1)
		return -1;
	if (fails >= c->staff.max_pin_failures) {
		j->res->outcome = "staff locked out";
		return 0;
	}
	if (!is_staff_number(c, j->number) || c->staff.pin == NULL ||
	    !pin_equal(cmd->pin, c->staff.pin)) {
		j->res->outcome = "staff denied";
		if (store_audit_add(s, j->number, NULL, AUDIT_STAFF_DENIED, false,
		    j->ctx->now, err) == -1)
			return -1;
		/* This failure locks the number out for the day: say so, once. */
		if (fails + 1 == c->staff.max_pin_failures &&
		    alert_lockout(j, fails + 1, err) == -1)
			return -1;
		return reply_plain(j, c->templates.staff_denied, err);
	}
	if (store_audit_add(s, j->number, NULL, AUDIT_STAFF, false, j->ctx->now,
	    err) == -1)
		return -1;
	j->lane = LANE_STAFF;
	switch (cmd->verb) {
	case STAFF_STATUS:
		return staff_status(j, err);
	case STAFF_BROADCAST:
		return staff_broadcast(j, cmd, err);
	case STAFF_CONFIRM:
		return staff_confirm(j, cmd, err);
	case STAFF_CANCEL:
		return staff_cancel(j, cmd, err);
	case STAFF_BALANCE: {
		char age[32] = "?";
		time_t at = (time_t)atoll(j->ctx->balance_at);
		struct tm tm;
		const struct template_var v[] = {
			{ "balance", j->ctx->balance[0] ? j->ctx->balance : "?" },
			{ "age", age },
		};

		if (at > 0 && localtime_r(&at, &tm) != NULL)
			strftime(age, sizeof(age), "%H:%M %d/%m", &tm);
		return reply(j, c->templates.staff_balance, v, nitems(v), err);
	}
	default:
		j->res->outcome = "staff command not supported";
		return reply_plain(j, c->templates.staff_unsupported, err);
	}
}

static const char *
kind_name(enum command_kind k)
{
	static const char *const names[] = {
		[CMD_LOOKUP] = "lookup", [CMD_PROCEDURE] = "procedure",
		[CMD_HELP] = "help", [CMD_OPTOUT] = "optout", [CMD_OPTIN] = "optin",
		[CMD_STAFF] = "staff", [CMD_BAD_SYNTAX] = "bad_syntax",
		[CMD_EMPTY] = "empty",
	};

	return names[k];
}

static int
dispatch(struct handling *j, const struct command *cmd, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	const struct template_var pv[] = {
		{ "code", cmd->codes[0].code }, { "example", c->example_code },
	};

	switch (cmd->kind) {
	case CMD_LOOKUP:
		return do_lookup(j, cmd, err);
	case CMD_PROCEDURE:
		return reply(j, c->templates.procedure, pv, nitems(pv), err);
	case CMD_HELP:
		return reply_plain(j, c->templates.help, err);
	case CMD_OPTOUT:
	case CMD_OPTIN:
		if (store_optout_set(j->ctx->store, j->number,
		    cmd->kind == CMD_OPTOUT, "sms", j->ctx->now, err) == -1)
			return -1;
		return reply_plain(j, cmd->kind == CMD_OPTOUT ?
		    c->templates.opt_out : c->templates.opt_in, err);
	case CMD_STAFF:
		return do_staff(j, cmd, err);
	case CMD_BAD_SYNTAX:
		return reply_plain(j, c->templates.bad_syntax, err);
	case CMD_EMPTY:
		j->res->outcome = "empty, ignored";
		return 0;
	}
	return 0;
}

/*
 * An auto-responder answering our replies: the same or nearly the same
 * text (text_fingerprint; a lookup's codes must match too) for the
 * limits.same_text_per_day-th time today. The number is then not answered
 * for the rest of the day, whatever it sends; logged once. 1 a loop, 0
 * not, -1.
 */
static int
is_loop(struct handling *j, const struct command *cmd, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	struct store *s = j->ctx->store;
	char shown[PHONE_BUFSZ];
	int64_t fp;
	int n;

	if (cmd->kind == CMD_LOOKUP) {
		/* A lookup's limits then come from the same query. */
		struct audit_window w[1 + LIMIT_WINDOWS];

		w[0] = (struct audit_window){ AUDIT_BIT(AUDIT_LOOP),
		    j->ctx->day_start, 0 };
		limit_windows(j, w + 1);
		if (store_audit_counts(s, j->number, w, (int)nitems(w),
		    err) == -1)
			return -1;
		memcpy(j->limits, w + 1, sizeof(j->limits));
		j->has_limits = true;
		n = w[0].n;
	} else if ((n = store_audit_count(s, j->number, AUDIT_BIT(AUDIT_LOOP),
	    j->ctx->day_start, err)) == -1)
		return -1;
	if (n > 0)
		return 1;
	fp = text_fingerprint(j->msg->text, cmd->kind == CMD_LOOKUP);
	j->fp = fp;
	j->has_fp = true;
	if ((n = store_inbox_repeats(s, j->msg->id, j->msg->sender, fp,
	    j->ctx->day_start, err)) == -1)
		return -1;
	if (n < c->limits.same_text_per_day)
		return 0;
	if (store_audit_add(s, j->number, NULL, AUDIT_LOOP, false, j->ctx->now,
	    err) == -1)
		return -1;
	snprintf(j->res->warning, sizeof(j->res->warning), "inbox: %s sent "
	    "the same text %d times today (an auto-responder?): not answered "
	    "again until tomorrow (limits.same_text_per_day %d)",
	    phone_mask(j->number, shown, sizeof(shown)), n,
	    c->limits.same_text_per_day);
	return 1;
}

/* Handle a message from a number that may be answered; caller holds the transaction. */
static int
handle(struct handling *j, struct dz_err *err)
{
	const struct conf *c = j->ctx->conf;
	struct command cmd;
	int replies, r;

	command_parse(j->msg->text, c->sms.max_codes, &cmd);
	/* "QT ..." from a number not on the staff list is a citizen's text. */
	if (cmd.kind == CMD_STAFF && !is_staff_number(c, j->number))
		command_parse_citizen(j->msg->text, c->sms.max_codes, &cmd);
	j->res->kind = kind_name(cmd.kind);
	j->res->outcome = "answered";
	/* Staff commands have the PIN lockout instead. */
	if (cmd.kind != CMD_STAFF && (r = is_loop(j, &cmd, err)) != 0) {
		if (r == -1)
			return -1;
		/* Still honour an opt-out, silently. */
		if (cmd.kind == CMD_OPTOUT && store_optout_set(j->ctx->store,
		    j->number, true, "sms", j->ctx->now, err) == -1)
			return -1;
		j->res->outcome = "same text again and again, not answered today";
		return 0;
	}
	if ((replies = store_outbox_count(j->ctx->store, j->number,
	    LANE_BIT(LANE_REPLY), j->ctx->day_start, err)) == -1)
		return -1;
	/* Staff commands have their own lane and PIN lockout, not the citizens' cap. */
	if (cmd.kind != CMD_STAFF &&
	    replies >= c->limits.replies_per_number_per_day) {
		/* Still honour an opt-out, silently. */
		if (cmd.kind == CMD_OPTOUT && store_optout_set(j->ctx->store,
		    j->number, true, "sms", j->ctx->now, err) == -1)
			return -1;
		j->res->outcome = "reply cap reached, not answered";
		return 0;
	}
	return dispatch(j, &cmd, err);
}

/* This message can never be answered (e.g. a reply too long to render): record why, go on. */
static int
give_up(struct pass *ctx, int64_t id, struct inbound_result *res,
    struct dz_err *err)
{
	char outcome[sizeof(err->msg) + 16];

	store_rollback(ctx->store);
	snprintf(outcome, sizeof(outcome), "failed: %s", err->msg);
	if (store_begin(ctx->store, err) == -1)
		return -1;
	if (store_inbox_done(ctx->store, id, res->kind ? res->kind : "?", outcome,
	    NULL, ctx->now, err) == -1) {
		store_rollback(ctx->store);
		return -1;
	}
	if (store_commit(ctx->store, err) == -1)
		return -1;
	res->outcome = "failed, see the inbox row";
	res->replies = 0;
	return 1;
}

int
inbound_handle_next(struct pass *ctx, struct inbound_result *res,
    struct dz_err *err)
{
	struct inbox_msg msg;
	struct handling j = { .ctx = ctx, .msg = &msg, .res = res, .lane = LANE_REPLY };
	enum phone_kind pk;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = store_inbox_next_after(ctx->store, ctx->after_id, &msg,
	    err)) <= 0)
		return r;
	res->id = msg.id;
	dz_strlcpy(res->sender, msg.sender, sizeof(res->sender));
	if (store_begin(ctx->store, err) == -1)
		return -1;
	pk = phone_normalize(msg.sender, j.number, sizeof(j.number));
	if (!phone_kind_is_replyable(pk)) {
		/* Short codes and sender names: never answered (loops, premium rates). */
		res->kind = "ignored";
		res->outcome = pk == PHONE_SHORTCODE ? "short code sender" :
		    pk == PHONE_ALPHANUMERIC ? "alphanumeric sender" :
		    "invalid sender";
		r = 0;
	} else
		r = handle(&j, err);
	if (r == -1 && err->cls == DZ_EPERMANENT)
		return give_up(ctx, msg.id, res, err);
	if (r == -1 || store_inbox_done(ctx->store, msg.id, res->kind,
	    res->outcome, j.has_fp ? &j.fp : NULL, ctx->now, err) == -1) {
		store_rollback(ctx->store);
		return -1;
	}
	if (store_commit(ctx->store, err) == -1)
		return -1;
	return 1;
}

int
inbound_preview(struct pass *ctx, const char *sender, const char *text,
    int (*cb)(void *, const char *), void *arg, struct inbound_result *res,
    struct dz_err *err)
{
	struct inbox_msg msg;
	struct handling j = { .ctx = ctx, .msg = &msg, .res = res,
	    .lane = LANE_REPLY, .capture = cb, .capture_arg = arg };
	enum phone_kind pk;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&msg, 0, sizeof(msg));
	dz_strlcpy(msg.sender, sender, sizeof(msg.sender));
	dz_strlcpy(msg.text, text, sizeof(msg.text));
	msg.received_at = ctx->now;
	dz_strlcpy(res->sender, sender, sizeof(res->sender));
	pk = phone_normalize(sender, j.number, sizeof(j.number));
	if (!phone_kind_is_replyable(pk)) {
		res->kind = "ignored";
		res->outcome = "sender never answered";
		return 0;
	}
	/*
	 * The real handling, in a transaction that is always rolled back: the
	 * audit rows, limit counts and opt-outs it writes are never kept.
	 */
	if (store_begin(ctx->store, err) == -1)
		return -1;
	r = handle(&j, err);
	store_rollback(ctx->store);
	return r == -1 ? -1 : res->replies;
}
