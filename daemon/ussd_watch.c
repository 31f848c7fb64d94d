/* SPDX-License-Identifier: GPL-2.0-or-later */
/* USSD on the modems: requests from the state database, the SIM balance watch, its alerts. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "loop.h"
#include "pass.h"
#include "policy.h"
#include "template.h"
#include "text.h"
#include "ussd.h"
#include "ussd_watch.h"

#define BALANCE_SOURCE		"balance"
#define BALANCE_DEADLINE_S	600	/* a balance check not started by then is dropped */
#define REFUSAL_CHECK_S		600	/* at most one check a refused send causes, per this */
#define ALERT_LOW		"ussd.alert.low"	/* meta: day number of the last alert */
#define ALERT_EXPIRY		"ussd.alert.expiry"

void
ussd_watch_init(struct ussd_watch *w)
{
	memset(w, 0, sizeof(*w));
}

void
ussd_want_balance(struct store *s, const struct conf *c, const char *modem,
    const char *why)
{
	struct dz_err err;
	time_t now = time(NULL);
	int64_t id;
	int n;

	if ((n = store_ussd_pending(s, BALANCE_SOURCE, modem, &err)) != 0) {
		if (n == -1)
			log_warnx("%s", err.msg);
		return;		/* one is queued or running already */
	}
	if (store_ussd_add(s, c->ussd.balance_code, "", BALANCE_SOURCE, modem,
	    now, now + BALANCE_DEADLINE_S, &id, &err) == -1)
		log_warnx("%s", err.msg);
	else
		log_info("ussd: %s: balance check queued (%s)", modem, why);
}

void
ussd_schedule(struct ussd_watch *w, struct store *s, const struct conf *c,
    int64_t now)
{
	struct balance_reading b;
	struct dz_err err;
	time_t wall = time(NULL);
	int i, r;

	for (i = 0; c->ussd.interval != 0 && i < c->nmodems; i++) {
		if (now < w->next_check[i])
			continue;
		w->next_check[i] = now + c->ussd.interval * 1000LL;
		if (!w->started[i]) {
			/* At start: only if the last reading is older than the interval. */
			w->started[i] = true;
			if ((r = store_balance_last_of(s, c->modems[i].name, false,
			    &b, &err)) == -1)
				log_warnx("%s", err.msg);
			if (r == 1 && b.at > wall - c->ussd.interval) {
				w->next_check[i] = now + (b.at + c->ussd.interval -
				    wall) * 1000LL;
				continue;
			}
		}
		ussd_want_balance(s, c, c->modems[i].name, "every ussd.interval");
	}
}

void
ussd_after_send(struct ussd_watch *w, struct store *s, const struct conf *c,
    const char *modem, bool sent, bool refused)
{
	int64_t now = loop_now();

	if (sent && c->ussd.check_after_sends > 0 &&
	    ++w->sends >= c->ussd.check_after_sends) {
		w->sends = 0;
		ussd_want_balance(s, c, modem, "ussd.check_after_sends sends");
	}
	/* A zero balance shows as sends the network refuses: look at once. */
	if (refused && (w->last_refusal == 0 ||
	    now - w->last_refusal >= REFUSAL_CHECK_S * 1000LL)) {
		w->last_refusal = now;
		ussd_want_balance(s, c, modem, "the network refused a send");
	}
}

/* One alert a day per condition and SIM (meta key), to every staff number. */
static void
alert(struct store *s, const struct conf *c, const char *kind,
    const char *modem, const char *tpl, const struct template_var *v, size_t nv)
{
	struct pass p;
	struct dz_err err;
	char day[24], last[24] = "", text[STORE_TEXT_MAX], key[80];
	int i, r;

	/* Per SIM: each modem's is alerted on once a day. */
	snprintf(key, sizeof(key), "%s.%s", kind, modem);
	pass_init(&p, c, s, NULL, time(NULL));
	snprintf(day, sizeof(day), "%ld", p.today);
	if ((r = store_meta_get(s, key, last, sizeof(last), &err)) == -1) {
		log_warnx("%s", err.msg);
		return;
	}
	if (r == 1 && strcmp(last, day) == 0)
		return;		/* told today already */
	if (template_render(tpl, v, nv, text, sizeof(text), &err) == -1) {
		log_warnx("ussd: alert: %s", err.msg);
		return;
	}
	if (store_begin(s, &err) == -1)
		goto fail;
	for (i = 0; i < c->staff.nnumbers; i++)
		if (pass_queue_sms(&p, LANE_STAFF, c->staff.numbers[i], text, 0, 0,
		    &err) == -1)
			goto rollback;
	if (store_meta_set(s, key, day, &err) == -1 || store_commit(s, &err) == -1)
		goto rollback;
	log_warnx("ussd: alert sent to %d staff number(s): %s", c->staff.nnumbers,
	    text);
	return;
rollback:
	store_rollback(s);
fail:
	log_warnx("%s", err.msg);
}

/*
 * ussd.balance_regex, when set: its first group, on the folded answer, is
 * the amount (separators dropped). 1 found, 0 not.
 */
static int
regex_balance(const char *pattern, const char *reply, long long *v)
{
	char folded[1024], digits[24];
	regmatch_t mt[2];
	regex_t re;
	size_t n = 0;
	regoff_t i;
	int r;

	text_fold_upper(reply, folded, sizeof(folded));
	if (regcomp(&re, pattern, REG_EXTENDED) != 0)
		return 0;	/* conf_load compiled it: cannot happen */
	r = regexec(&re, folded, 2, mt, 0) == 0 && mt[1].rm_so >= 0;
	regfree(&re);
	if (!r)
		return 0;
	for (i = mt[1].rm_so; i < mt[1].rm_eo && n + 1 < sizeof(digits); i++)
		if (folded[i] >= '0' && folded[i] <= '9')
			digits[n++] = folded[i];
	digits[n] = '\0';
	if (n == 0)
		return 0;
	*v = atoll(digits);
	return 1;
}

/* A reply to the balance code: stored, shown, and alerts when low or expiring. */
static void
balance_reading(struct store *s, const struct conf *c, struct modem *m,
    const char *reply)
{
	struct balance_reading b;
	struct ussd_balance ub;
	struct dz_err err;
	char shown[96], at[24], low[32], days[16];
	long today, left;
	struct tm tm;

	memset(&b, 0, sizeof(b));
	b.at = time(NULL);
	dz_strlcpy(b.modem, m->name, sizeof(b.modem));
	dz_strlcpy(b.raw, reply, sizeof(b.raw));
	if (ussd_parse_balance(reply, NULL, NULL, &ub, &err) == 1) {
		b.parsed = true;
		b.balance = ub.balance;
		if (ub.has_validity)
			dz_strlcpy(b.validity, ub.validity, sizeof(b.validity));
	}
	if (c->ussd.balance_regex[0] != '\0') {
		/* The operator's own pattern decides the amount. */
		b.parsed = regex_balance(c->ussd.balance_regex, reply, &ub.balance);
		b.balance = ub.balance;
		if (!b.parsed)
			ub.has_validity = false;
	}
	if (store_balance_add(s, &b, &err) == -1)
		log_warnx("%s", err.msg);
	if (!b.parsed) {
		/* Never read as zero: kept raw, flagged, no alert. */
		log_warnx("ussd: %s: balance reply not understood, stored as it "
		    "is: %s", m->name, reply);
		return;
	}
	ussd_format_vnd(b.balance, shown, sizeof(shown));
	log_info("ussd: %s: balance %s%s%s", m->name, shown,
	    b.validity[0] ? ", valid until " : "", b.validity);
	snprintf(at, sizeof(at), "%lld", (long long)b.at);
	if (store_meta_set(s, "balance", shown, &err) == -1 ||
	    store_meta_set(s, "balance_at", at, &err) == -1 ||
	    store_meta_set(s, "validity", b.validity, &err) == -1)
		log_warnx("%s", err.msg);
	if (b.balance < c->ussd.low_balance) {
		const struct template_var v[] = {
			{ "balance", shown }, { "low", low }, { "modem", m->name },
		};

		ussd_format_vnd(c->ussd.low_balance, low, sizeof(low));
		log_warnx("ussd: %s: balance %s is below ussd.low_balance %s",
		    m->name, shown, low);
		alert(s, c, ALERT_LOW, m->name, c->templates.low_balance_alert, v,
		    nitems(v));
	}
	localtime_r(&b.at, &tm);
	today = policy_tm_day(&tm);
	if (ub.has_validity && (left = ub.validity_day - today) <=
	    c->ussd.expiry_warn_days) {
		const struct template_var v[] = {
			{ "validity", b.validity }, { "days", days },
			{ "modem", m->name },
		};

		snprintf(days, sizeof(days), "%ld", left < 0 ? 0 : left);
		log_warnx("ussd: %s: the SIM's validity ends %s (%ld day(s))",
		    m->name, b.validity, left);
		alert(s, c, ALERT_EXPIRY, m->name, c->templates.expiry_alert, v,
		    nitems(v));
	}
}

/* Finish the request in flight on m with what came (or did not). */
static void
finish(struct store *s, const struct conf *c, struct modem *m,
    enum modem_class cls, const char *answer, const char *status)
{
	struct ussd_req r;
	struct dz_err err;
	int n;

	if ((n = store_ussd_get(s, m->ussd_req, &r, &err)) != 1) {
		if (n == -1)
			log_warnx("%s", err.msg);
		m->ussd_req = 0;
		return;
	}
	m->ussd_req = 0;
	r.done_at = time(NULL);
	if (cls == MODEM_OK) {
		r.state = USSD_REQ_DONE;
		dz_strlcpy(r.reply, answer, sizeof(r.reply));
		dz_strlcpy(r.status, status, sizeof(r.status));
		log_info("ussd: %s: %s answered (%s)", m->name, r.code, status);
	} else {
		r.state = USSD_REQ_FAILED;
		snprintf(r.error, sizeof(r.error), "USSD %s: %s", r.code, answer);
		log_warnx("ussd: %s: %s", m->name, r.error);
	}
	if (store_ussd_update(s, &r, &err) == -1)
		log_warnx("%s", err.msg);
	if (cls == MODEM_OK && strcmp(r.code, c->ussd.balance_code) == 0)
		balance_reading(s, c, m, answer);
}

/* The n-th (from 0) of the request's answers into out: true if it has one. */
static bool
nth_answer(const char *answers, int n, char *out, size_t outsz)
{
	const char *p = answers, *e;

	for (; n > 0 && p != NULL; n--)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p == NULL || *p == '\0')
		return false;
	e = p + strcspn(p, "\n");
	snprintf(out, outsz, "%.*s", (int)(e - p), p);
	return out[0] != '\0';
}

/*
 * End the session the network holds open (a menu, or a code never
 * answered), so the next request does not meet a busy modem. Best effort:
 * a failure is logged and told to the caller through *cls.
 */
static void
end_session(struct modem *m, enum modem_class *cls, char *status,
    size_t statussz)
{
	char why[160];
	size_t len = strlen(status);
	enum modem_class k;

	if ((k = modem_ussd_cancel(m, why, sizeof(why))) == MODEM_OK) {
		log_info("ussd: %s: session ended", m->name);
		snprintf(status + len, statussz - len, "%sended", len ? ", " : "");
		return;
	}
	log_warnx("ussd: %s: %s", m->name, why);
	snprintf(status + len, statussz - len, "%snot ended", len ? ", " : "");
	if (k == MODEM_RESET)
		*cls = MODEM_RESET;
}

/* A menu came: give the request's next answer (true), or end the session. */
static bool
menu(struct store *s, const struct conf *c, struct modem *m,
    const char *screen, enum modem_class *cls)
{
	struct ussd_req r;
	struct dz_err err;
	char answer[32], why[160];
	int n;

	if ((n = store_ussd_get(s, m->ussd_req, &r, &err)) == -1)
		log_warnx("%s", err.msg);
	if (n != 1)
		return false;
	if (!nth_answer(r.answers, m->ussd_answered, answer, sizeof(answer))) {
		log_info("ussd: %s: %s asks for input (\"%s\") and the request "
		    "has no answer for it", m->name, r.code, screen);
		return false;
	}
	log_info("ussd: %s: %s asks for input (\"%s\"); answering %s",
	    m->name, r.code, screen, answer);
	m->ussd_answered++;
	if ((*cls = modem_ussd_dial(m, answer, why, sizeof(why))) != MODEM_OK) {
		finish(s, c, m, *cls, why, "");
		return true;
	}
	m->ussd_deadline = loop_now() + c->ussd.timeout * 1000LL;
	return true;
}

bool
ussd_poll(struct store *s, const struct conf *c, struct modem *m,
    enum modem_class *mcls)
{
	char answer[640], status[48];
	enum modem_class cls;

	*mcls = MODEM_OK;
	if (m->ussd_req == 0)
		return false;
	if (modem_ussd_result(m, answer, sizeof(answer), status, sizeof(status),
	    &cls) == 1) {
		if (cls == MODEM_OK && strcmp(status, "menu") == 0) {
			if (menu(s, c, m, answer, mcls))
				return m->ussd_req != 0;
			end_session(m, mcls, status, sizeof(status));
		}
		finish(s, c, m, cls, answer, status);
		return false;
	}
	if (m->state != MODEM_READY) {
		modem_ussd_forget(m);
		finish(s, c, m, MODEM_RESET, "the modem went down before the "
		    "answer", "");
		return false;
	}
	if (loop_now() >= m->ussd_deadline) {
		snprintf(answer, sizeof(answer), "no answer within %d s",
		    c->ussd.timeout);
		status[0] = '\0';
		end_session(m, mcls, status, sizeof(status));
		finish(s, c, m, MODEM_RETRY, answer, "");
		return false;
	}
	return true;
}

bool
ussd_dial(struct store *s, const struct conf *c, struct modem *m,
    enum modem_class *cls)
{
	struct ussd_req r;
	struct dz_err err;
	char why[160];
	time_t now = time(NULL);
	long left;
	int n;

	*cls = MODEM_OK;
	if (m->ussd_req != 0 || m->state != MODEM_READY)
		return false;
	if ((n = store_ussd_next(s, now, m->name, &r, &err)) != 1) {
		if (n == -1)
			log_warnx("%s", err.msg);
		return false;
	}
	r.state = USSD_REQ_RUNNING;
	dz_strlcpy(r.modem, m->name, sizeof(r.modem));
	if (store_ussd_update(s, &r, &err) == -1) {
		log_warnx("%s", err.msg);
		return false;
	}
	left = (long)(r.deadline - now);
	if (left > c->ussd.timeout || left < 5)
		left = c->ussd.timeout;
	m->ussd_req = r.id;
	m->ussd_answered = 0;
	m->ussd_deadline = loop_now() + left * 1000LL;
	log_debug("ussd: %s: dialling %s", m->name, r.code);
	if ((*cls = modem_ussd_dial(m, r.code, why, sizeof(why))) != MODEM_OK)
		finish(s, c, m, *cls, why, "");
	return true;
}
