/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dossierctl: staff and admin command line; talks to dossierd only through the state database. */
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "i18n.h"
#include "ctl.h"
#include "pass.h"
#include "phone.h"
#include "policy.h"
#include "store.h"
#include "text.h"
#include "ussd.h"

#define DEFAULT_CONF	SYSCONFDIR "/dossierd/dossierd.conf"
#define STALE_SHOWN	5	/* stale numbers status lists */
#define USSD_ANSWERS_MAX	5	/* menu answers one request can give */
#define USSD_ANSWER_CHARS	"0123456789*#+"

static bool help_all;	/* --help-all: also the commands for tests and demos */

void
ctl_usage(void)
{
	fprintf(stderr, "%s", _(
	    "usage: dossierctl [-c FILE] COMMAND [ARGUMENTS]\n"
	    "  status [--json]             the modem, the queue, today's counts, the SIM balance\n"
	    "  send NUMBER TEXT... [--yes] [--wait]\n"
	    "                              send a message (shows it first, asks to confirm)\n"
	    "  history NUMBER [--days N] [--limit N] [--json]\n"
	    "                              what a number sent and got back\n"
	    "  show ID [--json]            one message in full (IDs from history and queue)\n"
	    "  lookup TEXT... [--from NUMBER] [--json]\n"
	    "                              the reply a citizen would get, nothing is sent\n"
	    "  audit [--number N] [--code C] [--since DATE] [--limit N] [--full] [--json]\n"
	    "                              who looked up what (numbers masked unless --full)\n"
	    "  queue [--failed | --undelivered] [--lane KIND] [--limit N] [--json]\n"
	    "                              messages waiting to be sent (or failed)\n"
	    "  undeliverable [--json]      numbers messages keep failing to reach\n"
	    "  retry ID [--yes]            send a failed message again\n"
	    "  broadcast (--audience NAME | --numbers FILE) (--text TEXT | --text-file FILE)\n"
	    "            [--dry-run] [--yes] [--force]\n"
	    "  broadcast --list [--json] | --show ID [--json] | --cancel ID\n"
	    "  ussd CODE [ANSWER...] [--timeout S] [--modem NAME]\n"
	    "                              run a USSD code (balance: *101#), answering menus\n"
	    "  optout --list [--json] | --add NUMBER | --remove NUMBER\n"));
	if (help_all)
		fprintf(stderr, "%s", _(
		    "  inject NUMBER TEXT          tests and demos, dummy modem only: "
		    "receive an SMS\n"));
	exit(2);
}

#define usage	ctl_usage

static void
ctl_close(struct ctl *c)
{
	if (c == NULL)
		return;
	store_close(c->store);
	c->store = NULL;
	records_free(c->records);
	c->records = NULL;
	if (c->loaded)
		conf_fini(&c->conf);
	c->loaded = false;
}

void
ctl_die(struct ctl *c, const char *fmt, ...)
{
	va_list ap;

	/* What was printed before the error comes before it, also in a pipe. */
	fflush(stdout);
	fprintf(stderr, "dossierctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	ctl_close(c);
	exit(1);
}

static void
die(struct ctl *c, const char *msg)
{
	ctl_die(c, "%s", msg);
}

void
ctl_fmt_time(time_t t, char *buf, size_t bufsz)
{
	struct tm tm;

	if (t <= 0) {
		snprintf(buf, bufsz, "%s", _("never"));
		return;
	}
	strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
}

/* JSON string body: quotes, backslashes and control characters escaped. */
void
ctl_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* What status reports for today, from the store's counts. */
struct today {
	long long	queries, found, not_found, limited, replies_sent;
	long long	notices_sent, broadcasts_sent, failures, uncertain;
	long long	reminders_sent, notices_waiting, notices_held;
	long long	skip_consent, skip_phone, skip_optout, skip_old;
};

static void
count_today(struct ctl *c, time_t since, struct today *t)
{
	struct store_today st;
	struct ledger_counts lc;
	struct dz_err err;

	if (store_today(c->store, since, time(NULL), &st, &err) == -1 ||
	    store_ledger_counts(c->store, since, &lc, &err) == -1)
		die(c, err.msg);
	t->queries = st.received;
	t->found = st.audit[AUDIT_FOUND];
	t->not_found = st.audit[AUDIT_NOT_FOUND] + st.audit[AUDIT_BAD_DATE];
	t->limited = st.audit[AUDIT_LIMITED];
	t->replies_sent = st.sent[LANE_REPLY] + st.sent[LANE_STAFF];
	t->notices_sent = st.sent[LANE_NOTICE];
	t->broadcasts_sent = st.sent[LANE_BROADCAST];
	t->failures = st.failed;
	t->uncertain = st.uncertain;
	t->reminders_sent = lc.reminders_sent;
	t->notices_waiting = st.notices_due;
	t->notices_held = st.notices_held;
	t->skip_consent = lc.outcome[NOTICE_SKIP_CONSENT];
	t->skip_phone = lc.outcome[NOTICE_SKIP_PHONE];
	t->skip_optout = lc.outcome[NOTICE_SKIP_OPTOUT];
	t->skip_old = lc.outcome[NOTICE_SKIP_OLD];
}

/* The SIM's last balance reading as status shows it. */
struct sim {
	bool			 any;		/* a reading exists */
	bool			 parsed_any;	/* and one was understood */
	struct balance_reading	 last;		/* the newest reading */
	struct balance_reading	 good;		/* the newest understood */
	long			 days_left;	/* of validity, if known */
};

static void
read_sim(struct ctl *c, const char *modem, struct sim *sim)
{
	struct dz_err err;
	struct pass p;
	long vday;
	int r;

	memset(sim, 0, sizeof(*sim));
	if ((r = store_balance_last_of(c->store, modem, false, &sim->last,
	    &err)) == -1 || (r == 1 && store_balance_last_of(c->store, modem,
	    true, &sim->good, &err) == -1))
		die(c, err.msg);
	sim->any = r == 1;
	sim->parsed_any = sim->any && sim->good.at > 0;
	pass_init(&p, &c->conf, c->store, NULL, time(NULL));
	sim->days_left = LONG_MIN;
	if (sim->parsed_any && policy_parse_day(sim->good.validity, &vday) == 0)
		sim->days_left = vday - p.today;
}

/* What one modem of the pool has claimed and sent today (dies on an error). */
static void
per_modem(struct ctl *c, const char *name, time_t since, int *claimed,
    int *parts)
{
	struct dz_err err;

	if ((*claimed = store_modem_claimed(c->store, name, &err)) == -1 ||
	    (*parts = store_modem_parts(c->store, name, since, &err)) == -1)
		die(c, err.msg);
}

static void
status_json(struct ctl *c, time_t since, struct modem_status *ms, int n,
    struct outbox_summary *sum, struct today *t, const char *balance,
    const char *balance_at, const struct sim *sim)
{
	struct sim one;
	int claimed, parts;
	int i;

	printf("{\"modems\":[");
	for (i = 0; i < n; i++) {
		printf("%s{\"name\":", i ? "," : "");
		ctl_json_str(ms[i].name);
		printf(",\"state\":");
		ctl_json_str(ms[i].state);
		printf(",\"signal\":%d,\"network\":", ms[i].signal);
		ctl_json_str(ms[i].network);
		printf(",\"operator\":");
		ctl_json_str(ms[i].operator_);
		printf(",\"last_error\":");
		ctl_json_str(ms[i].last_error);
		printf(",\"reconnects\":%d,\"updated_at\":%lld,\"last_send\":%lld",
		    ms[i].reconnects, (long long)ms[i].updated_at,
		    (long long)ms[i].last_send);
		per_modem(c, ms[i].name, since, &claimed, &parts);
		printf(",\"claimed\":%d,\"parts_today\":%d", claimed, parts);
		read_sim(c, ms[i].name, &one);
		if (one.parsed_any) {
			printf(",\"balance_vnd\":%lld,\"balance_read_at\":%lld,"
			    "\"validity\":", one.good.balance,
			    (long long)one.good.at);
			ctl_json_str(one.good.validity);
		}
		printf("}");
	}
	printf("],\"queue\":{");
	for (i = 0; i < LANE_COUNT; i++)
		printf("%s\"%s\":%d", i ? "," : "", store_lane_name(i), sum->queued[i]);
	printf("},\"last_send\":%lld,\"today\":{\"queries\":%lld,\"found\":%lld,"
	    "\"not_found\":%lld,\"limited\":%lld,\"replies_sent\":%lld,"
	    "\"notices_sent\":%lld,\"broadcasts_sent\":%lld,\"failures\":%lld,"
	    "\"uncertain\":%lld,\"reminders_sent\":%lld,\"notices_waiting\":%lld,"
	    "\"notices_held_by_cap\":%lld,\"skipped_no_consent\":%lld,"
	    "\"skipped_no_mobile\":%lld,\"skipped_opted_out\":%lld,"
	    "\"skipped_too_old\":%lld},\"balance\":", (long long)sum->last_send,
	    t->queries, t->found, t->not_found, t->limited, t->replies_sent,
	    t->notices_sent, t->broadcasts_sent, t->failures, t->uncertain,
	    t->reminders_sent, t->notices_waiting, t->notices_held,
	    t->skip_consent, t->skip_phone, t->skip_optout, t->skip_old);
	ctl_json_str(balance);
	printf(",\"balance_at\":");
	ctl_json_str(balance_at);
	if (sim->parsed_any) {
		printf(",\"balance_vnd\":%lld,\"balance_read_at\":%lld,"
		    "\"balance_age_s\":%lld,\"validity\":", sim->good.balance,
		    (long long)sim->good.at, (long long)(time(NULL) - sim->good.at));
		ctl_json_str(sim->good.validity);
		if (sim->days_left != LONG_MIN)
			printf(",\"validity_days_left\":%ld", sim->days_left);
	}
	if (sim->any && !sim->last.parsed) {
		printf(",\"balance_unparsed_reply\":");
		ctl_json_str(sim->last.raw);
	}
}

/* Today's delivery reports, and the numbers messages keep failing to reach. */
struct deliveries {
	struct delivery_counts	 today;
	struct stale_number	 stale[STALE_SHOWN];
	int			 nstale, total_stale;
};

static int
stale_cb(void *arg, const struct stale_number *n)
{
	struct deliveries *d = arg;

	if (d->nstale < STALE_SHOWN)
		d->stale[d->nstale++] = *n;
	return 0;
}

static void
read_deliveries(struct ctl *c, time_t since, struct deliveries *d)
{
	struct dz_err err;

	memset(d, 0, sizeof(*d));
	if (store_delivery_counts(c->store, since, &d->today, &err) == -1 ||
	    (d->total_stale = store_delivery_stale(c->store,
	    c->conf.sms.flag_undeliverable, stale_cb, d, &err)) == -1)
		die(c, err.msg);
}

static void
stale_json(const struct stale_number *n, bool first)
{
	printf("%s{\"number\":", first ? "" : ",");
	ctl_json_str(n->number);
	printf(",\"failures\":%d,\"last_status\":%d,\"last_reason\":",
	    n->failures, n->last_status);
	ctl_json_str(policy_delivery_reason(n->last_status));
	printf(",\"last_at\":%lld,\"codes\":", (long long)n->last_at);
	ctl_json_str(n->codes);
	printf("}");
}

static void
deliveries_json(const struct deliveries *d)
{
	int i;

	printf(",\"delivery_today\":{");
	for (i = DLV_WAITING; i < DLV_N; i++)
		printf("%s\"%s\":%d", i > DLV_WAITING ? "," : "",
		    store_delivery_name(i), d->today.n[i]);
	printf(",\"no_report_asked\":%d,\"undeliverable_notices\":[",
	    d->today.n[DLV_NONE]);
	for (i = 0; i < d->today.nreasons; i++) {
		printf("%s{\"status\":%d,\"reason\":", i ? "," : "",
		    d->today.notice_reasons[i].status);
		ctl_json_str(policy_delivery_reason(
		    d->today.notice_reasons[i].status));
		printf(",\"count\":%d}", d->today.notice_reasons[i].n);
	}
	printf("]},\"stale_numbers\":[");
	for (i = 0; i < d->nstale; i++)
		stale_json(&d->stale[i], i == 0);
	printf("],\"stale_numbers_total\":%d}\n", d->total_stale);
}

static void
print_deliveries(const struct ctl *c, const struct deliveries *d)
{
	int i;

	printf(_("delivery today: %d delivered, %d not delivered yet, %d "
	    "waiting for a report, %d undeliverable\n"),
	    d->today.n[DLV_DELIVERED], d->today.n[DLV_PENDING],
	    d->today.n[DLV_WAITING], d->today.n[DLV_UNDELIVERABLE]);
	for (i = 0; i < d->today.nreasons; i++)
		printf(P_("  %d notice undeliverable: %s\n",
		    "  %d notices undeliverable: %s\n",
		    d->today.notice_reasons[i].n), d->today.notice_reasons[i].n,
		    _(policy_delivery_reason(d->today.notice_reasons[i].status)));
	if (d->total_stale == 0)
		return;
	printf(P_("%d number is undeliverable again and again (%d times or "
	    "more; check it on its dossiers):\n", "%d numbers are undeliverable "
	    "again and again (%d times or more; check them on their "
	    "dossiers):\n", d->total_stale), d->total_stale,
	    c->conf.sms.flag_undeliverable);
	for (i = 0; i < d->nstale; i++)
		printf(P_("  %s: %d time, last: %s; dossiers: %s\n",
		    "  %s: %d times, last: %s; dossiers: %s\n",
		    d->stale[i].failures), d->stale[i].number,
		    d->stale[i].failures,
		    _(policy_delivery_reason(d->stale[i].last_status)),
		    d->stale[i].codes[0] ? d->stale[i].codes : "-");
	if (d->total_stale > d->nstale)
		printf(_("  ... the whole list: dossierctl undeliverable\n"));
}

/* dossierctl undeliverable: the stale numbers, for the records office. */
static int
stale_row(void *arg, const struct stale_number *n)
{
	struct ctl *c = arg;
	char when[32];

	if (c->json) {
		stale_json(n, !c->loaded);
		c->loaded = true;	/* reused as "a row was printed" */
		return 0;
	}
	ctl_fmt_time(n->last_at, when, sizeof(when));
	ctl_cell(c, n->number, 14, false);
	printf(P_("%d time undeliverable, last %s: %s; dossiers: %s\n",
	    "%d times undeliverable, last %s: %s; dossiers: %s\n", n->failures),
	    n->failures, when, _(policy_delivery_reason(n->last_status)),
	    n->codes[0] ? n->codes : "-");
	return 0;
}

static int
cmd_undeliverable(struct ctl *c, int argc)
{
	struct dz_err err;
	int n;

	c->json = argc > 0;
	if (c->json)
		printf("{\"min_failures\":%d,\"numbers\":[",
		    c->conf.sms.flag_undeliverable);
	c->loaded = false;
	n = store_delivery_stale(c->store, c->conf.sms.flag_undeliverable,
	    stale_row, c, &err);
	c->loaded = true;
	if (n == -1)
		die(c, err.msg);
	if (c->json)
		printf("],\"total\":%d}\n", n);
	else if (n == 0)
		printf(_("No number has been undeliverable %d times in a row.\n"),
		    c->conf.sms.flag_undeliverable);
	return 0;
}

/* A modem state as the daemon writes it, in words. */
static const char *
modem_word(const char *state)
{
	if (strcmp(state, "ready") == 0)
		return _("ready");
	if (strcmp(state, "connecting") == 0)
		return _("connecting");
	if (strcmp(state, "down") == 0)
		return _("down");
	return state;
}

/* A registration as the daemon writes it, in words. */
static const char *
network_word(const char *network)
{
	if (network[0] == '\0')
		return _("unknown");
	/* TRANSLATORS: "network home": registered on the SIM's own network. */
	if (strcmp(network, "home") == 0)
		return _("home");
	if (strcmp(network, "roaming") == 0)
		return _("roaming");
	if (strcmp(network, "searching") == 0)
		return _("searching");
	if (strcmp(network, "denied") == 0)
		return _("denied");
	if (strcmp(network, "none") == 0)
		return _("none");
	return network;
}

static void
print_sim(const struct sim *sim, const char *indent)
{
	char when[32], shown[64];
	long age;

	if (!sim->parsed_any)
		printf("%s%s\n", indent, sim->any ? _("SIM balance: unknown") :
		    _("SIM balance: unknown (no USSD balance reading yet)"));
	else {
		ussd_format_vnd(sim->good.balance, shown, sizeof(shown));
		ctl_fmt_time(sim->good.at, when, sizeof(when));
		age = (long)(time(NULL) - sim->good.at);
		fputs(indent, stdout);
		printf(_("SIM balance: %s"), shown);
		if (sim->good.validity[0] != '\0')
			printf(P_(", valid until %s (%ld day left)",
			    ", valid until %s (%ld days left)",
			    sim->days_left), sim->good.validity, sim->days_left);
		if (age < 7200)
			printf(_("; read %s (%ld min ago)\n"), when, age / 60);
		else
			printf(_("; read %s (%ld h ago)\n"), when, age / 3600);
	}
	if (sim->any && !sim->last.parsed)
		printf(_("  the last balance reply was not understood: %s\n"),
		    sim->last.raw);
}

static int
cmd_status(struct ctl *c)
{
	struct modem_status ms[CONF_MAX_MODEMS];
	struct outbox_summary sum;
	struct today t;
	struct dz_err err;
	char when[32], upd[32], sig[16], balance[64] = "", balance_at[32] = "";
	struct pass day;
	struct sim sim;
	struct deliveries dl;
	time_t since;
	int claimed, parts;
	int i, n;

	pass_init(&day, &c->conf, c->store, NULL, time(NULL));
	since = day.day_start;
	if ((n = store_modem_list(c->store, ms, CONF_MAX_MODEMS, &err)) == -1 ||
	    store_outbox_summary(c->store, since, &sum, &err) == -1)
		die(c, err.msg);
	count_today(c, since, &t);
	read_sim(c, NULL, &sim);
	read_deliveries(c, since, &dl);
	if (store_meta_get(c->store, "balance", balance, sizeof(balance),
	    &err) == -1 || store_meta_get(c->store, "balance_at", balance_at,
	    sizeof(balance_at), &err) == -1)
		die(c, err.msg);
	if (c->json) {
		status_json(c, since, ms, n, &sum, &t, balance, balance_at, &sim);
		deliveries_json(&dl);
		return 0;
	}
	for (i = 0; i < n; i++) {
		ctl_fmt_time(ms[i].updated_at, upd, sizeof(upd));
		snprintf(sig, sizeof(sig), "%d%%", ms[i].signal);
		printf(_("modem %s: %s, signal %s, network %s, operator %s, "
		    "reconnects %d (updated %s)\n"), ms[i].name,
		    modem_word(ms[i].state), ms[i].signal < 0 ? _("unknown") :
		    sig, network_word(ms[i].network),
		    ms[i].operator_[0] ? ms[i].operator_ : _("unknown"),
		    ms[i].reconnects, upd);
		per_modem(c, ms[i].name, since, &claimed, &parts);
		printf(_("  sending %d message(s) now, %d SMS part(s) sent "
		    "today\n"), claimed, parts);
		if (n > 1) {
			struct sim one;

			read_sim(c, ms[i].name, &one);
			print_sim(&one, "  ");
		}
		if (ms[i].last_error[0])
			printf(_("  last error: %s\n"), ms[i].last_error);
	}
	if (n == 0)
		printf("%s\n", _("modems: none reported yet (is dossierd "
		    "running? systemctl start dossierd)"));
	printf(_("waiting to be sent: %d replies, %d from staff, %d notices, "
	    "%d broadcast messages\n"),
	    sum.queued[LANE_REPLY], sum.queued[LANE_STAFF],
	    sum.queued[LANE_NOTICE], sum.queued[LANE_BROADCAST]);
	ctl_fmt_time(sum.last_send, when, sizeof(when));
	printf(_("last send: %s\n"), when);
	printf(_("today: %lld queries (%lld found, %lld not found, %lld over the "
	    "limits), %lld replies sent, %lld broadcast messages sent, %lld "
	    "failed, %lld may have been sent\n"), t.queries, t.found, t.not_found, t.limited,
	    t.replies_sent, t.broadcasts_sent, t.failures, t.uncertain);
	printf(_("notices today: %lld sent (%lld of them reminders), %lld waiting "
	    "for the send window or a modem, %lld held by the daily cap; skipped: "
	    "%lld no consent, %lld no mobile number, %lld opted out, %lld ready "
	    "before the backfill window\n"), t.notices_sent, t.reminders_sent,
	    t.notices_waiting, t.notices_held, t.skip_consent, t.skip_phone,
	    t.skip_optout, t.skip_old);
	print_deliveries(c, &dl);
	if (n > 1)
		/* A pool: each SIM its own balance, under its modem. */
		printf("%s\n", _("SIM balances: see each modem above"));
	else
		print_sim(&sim, "");
	return 0;
}

static int
optout_row(void *arg, const char *number, time_t at, const char *source)
{
	struct ctl *c = arg;
	char when[32];

	if (c->json) {
		printf("%s{\"number\":", c->loaded ? "" : ",");
		c->loaded = false;	/* reused as "first row printed" */
		ctl_json_str(number);
		printf(",\"at\":%lld,\"source\":", (long long)at);
		ctl_json_str(source);
		printf("}");
		return 0;
	}
	ctl_fmt_time(at, when, sizeof(when));
	ctl_cell(c, number, 16, false);
	printf("%s (%s)\n", when, source);
	return 0;
}

static int
cmd_optout(struct ctl *c, int argc, char **argv)
{
	struct dz_err err;
	char num[PHONE_BUFSZ];
	int n = 0;

	if (strcmp(argv[0], "--list") == 0) {
		c->json = argc == 2;
		if (c->json)
			printf("{\"optouts\":[");
		c->loaded = true;
		n = store_optout_list(c->store, optout_row, c, &err);
		c->loaded = true;
		if (n == -1)
			die(c, err.msg);
		if (c->json)
			printf("],\"total\":%d}\n", n);
		else
			printf(P_("%d number opted out\n",
			    "%d numbers opted out\n", n), n);
		return 0;
	}
	if (!phone_kind_is_replyable(phone_normalize(argv[1], num, sizeof(num))))
		ctl_die(c, _("%s is not a mobile number: write 10 digits "
		    "(09xxxxxxxx) or +84 and 9 digits"), argv[1]);
	if ((n = store_optout_set(c->store, num, argv[0][2] == 'a', "dossierctl",
	    time(NULL), &err)) == -1)
		die(c, err.msg);
	if (argv[0][2] == 'a')
		printf(_("%s opted out: gets no more notices or broadcasts\n"),
		    num);
	else if (n > 0)
		printf(_("%s opted in again\n"), num);
	else
		printf(_("%s was not opted out\n"), num);
	return 0;
}

const char *
ctl_daemon_down(struct ctl *c, char *why, size_t whysz)
{
	struct modem_status ms[CONF_MAX_MODEMS];
	struct dz_err err;
	time_t now = time(NULL);
	char state[16] = "";
	int i, n, fresh = 0;

	if ((n = store_modem_list(c->store, ms, CONF_MAX_MODEMS, &err)) == -1 ||
	    store_meta_get(c->store, "daemon", state, sizeof(state), &err) == -1)
		die(c, err.msg);
	if (strcmp(state, "running") != 0) {
		snprintf(why, whysz, "%s", _("dossierd is not running: "
		    "systemctl start dossierd"));
		return why;
	}
	for (i = 0; i < n; i++) {
		if (ms[i].updated_at < now - 60)
			continue;
		fresh++;
		if (strcmp(ms[i].state, "ready") == 0)
			return NULL;
	}
	if (fresh == 0)
		snprintf(why, whysz, "%s", _("dossierd is not answering: it has "
		    "not reported for a minute (see journalctl -u dossierd)"));
	else if (ms[0].last_error[0] != '\0')
		snprintf(why, whysz, _("no modem is ready: %s is %s: %s"),
		    ms[0].name, modem_word(ms[0].state), ms[0].last_error);
	else
		snprintf(why, whysz, _("no modem is ready: %s is %s"),
		    ms[0].name, modem_word(ms[0].state));
	return why;
}

static int
cmd_ussd(struct ctl *c, int argc, char **argv)
{
	struct ussd_req r;
	struct dz_err err;
	char why[256], answers[128] = "";
	const char *modem = NULL;
	time_t now = time(NULL), end;
	long t = c->conf.ussd.timeout;
	size_t len;
	int64_t id;
	int i, k, n, nanswers = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0) {
			t = strtol(argv[++i], NULL, 10);
			continue;
		}
		if (strcmp(argv[i], "--modem") == 0) {
			modem = argv[++i];
			for (k = 0; k < c->conf.nmodems &&
			    strcmp(c->conf.modems[k].name, modem) != 0; k++)
				;
			if (k == c->conf.nmodems)
				ctl_die(c, _("there is no modem %s in the "
				    "configuration"), modem);
			continue;
		}
		len = strlen(answers);
		snprintf(answers + len, sizeof(answers) - len, "%s%s",
		    len ? "\n" : "", argv[i]);
		nanswers++;
	}
	if (ctl_daemon_down(c, why, sizeof(why)) != NULL)
		die(c, why);
	if (store_ussd_add(c->store, argv[0], answers, "dossierctl", modem, now,
	    now + t, &id, &err) == -1)
		die(c, err.msg);
	/*
	 * The daemon runs it between sends; it may wait for one to finish.
	 * Each menu answer is one more round trip of up to ussd.timeout.
	 */
	end = now + t + (long)(nanswers + 1) * c->conf.ussd.timeout + 5;
	for (;;) {
		if ((n = store_ussd_get(c->store, id, &r, &err)) != 1)
			die(c, n == -1 ? err.msg : _("the request disappeared"));
		if (r.state == USSD_REQ_DONE || r.state == USSD_REQ_FAILED)
			break;
		if (time(NULL) > end)
			ctl_die(c, r.state == USSD_REQ_QUEUED ? _("no answer from "
			    "dossierd within %ld s (request #%lld is still "
			    "queued)") : _("no answer from dossierd within %ld s "
			    "(request #%lld is running)"), (long)(end - now),
			    (long long)id);
		usleep(200000);
	}
	if (r.state == USSD_REQ_FAILED)
		ctl_die(c, "%s", r.error);
	printf("%s\n", r.reply);
	if (strncmp(r.status, "menu", 4) == 0)
		fprintf(stderr, strstr(r.status, "not ended") ? _("dossierctl: "
		    "the network asks for an answer; the session was not ended "
		    "(see the daemon's log). To answer, give the answers after "
		    "the code: dossierctl ussd '%s' 1 ...\n") : _("dossierctl: "
		    "the network asks for an answer; the session was ended. To "
		    "answer, give the answers after the code: dossierctl ussd "
		    "'%s' 1 ...\n"), argv[0]);
	else if (strcmp(r.status, "done") != 0)
		fprintf(stderr, _("dossierctl: (USSD session: %s)\n"), r.status);
	return 0;
}

/*
 * ussd CODE [ANSWER ...] [--timeout S]: a code of *, #, digits and +; up to
 * USSD_ANSWERS_MAX answers of USSD_ANSWER_CHARS; a timeout of 5..300 s.
 */
static void
check_ussd_usage(int argc, char **argv)
{
	long t;
	int i, n = 0;

	if (argc < 1 || argv[0][0] == '\0' || strlen(argv[0]) > 30 ||
	    strspn(argv[0], "*#0123456789+") != strlen(argv[0]))
		usage();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0) {
			if (++i == argc || (t = strtol(argv[i], NULL, 10)) < 5 ||
			    t > 300)
				usage();
		} else if (strcmp(argv[i], "--modem") == 0) {
			if (++i == argc)
				usage();
		} else if (argv[i][0] == '\0' || strlen(argv[i]) > 20 ||
		    strspn(argv[i], USSD_ANSWER_CHARS) != strlen(argv[i]) ||
		    ++n > USSD_ANSWERS_MAX)
			usage();
	}
}

/* Bad arguments are a usage error (exit 2) even when the config is broken. */
static void
check_usage(const char *cmd, int argc, char **argv)
{
	int i;

	if (strcmp(cmd, "send") == 0)
		ctl_send_check_usage(argc, argv);
	else if (strcmp(cmd, "inject") == 0) {
		if (argc != 2)
			usage();
	} else if (strcmp(cmd, "retry") == 0)
		ctl_retry_check_usage(argc, argv);
	else if (strcmp(cmd, "history") == 0)
		ctl_history_check_usage(argc, argv);
	else if (strcmp(cmd, "show") == 0)
		ctl_show_check_usage(argc, argv);
	else if (strcmp(cmd, "lookup") == 0)
		ctl_lookup_check_usage(argc, argv);
	else if (strcmp(cmd, "audit") == 0)
		ctl_audit_check_usage(argc, argv);
	else if (strcmp(cmd, "queue") == 0)
		ctl_queue_check_usage(argc, argv);
	else if (strcmp(cmd, "undeliverable") == 0) {
		if (argc > 1 || (argc == 1 && strcmp(argv[0], "--json") != 0))
			usage();
	}
	else if (strcmp(cmd, "optout") == 0) {
		if (!(argc >= 1 && argc <= 2 && strcmp(argv[0], "--list") == 0 &&
		    (argc == 1 || strcmp(argv[1], "--json") == 0)) &&
		    !(argc == 2 && (strcmp(argv[0], "--add") == 0 ||
		    strcmp(argv[0], "--remove") == 0)))
			usage();
	} else if (strcmp(cmd, "broadcast") == 0) {
		ctl_broadcast_check_usage(argc, argv);
	} else if (strcmp(cmd, "ussd") == 0) {
		check_ussd_usage(argc, argv);
	} else if (strcmp(cmd, "status") == 0) {
		for (i = 0; i < argc; i++)
			if (strcmp(argv[i], "--json") != 0)
				usage();
	} else {
		fprintf(stderr, _("dossierctl: unknown command \"%s\"\n"), cmd);
		usage();
	}
}

/* The subcommand; arguments were checked by check_usage. */
static int
run(struct ctl *c, const char *cmd, int argc, char **argv)
{
	if (strcmp(cmd, "status") == 0) {
		c->json = argc > 0;
		return cmd_status(c);
	}
	if (strcmp(cmd, "send") == 0)
		return ctl_send(c, argc, argv);
	if (strcmp(cmd, "inject") == 0)
		return ctl_inject(c, argv[0], argv[1]);
	if (strcmp(cmd, "retry") == 0)
		return ctl_retry(c, argc, argv);
	if (strcmp(cmd, "history") == 0)
		return ctl_history(c, argc, argv);
	if (strcmp(cmd, "show") == 0)
		return ctl_show(c, argc, argv);
	if (strcmp(cmd, "lookup") == 0)
		return ctl_lookup(c, argc, argv);
	if (strcmp(cmd, "audit") == 0)
		return ctl_audit(c, argc, argv);
	if (strcmp(cmd, "optout") == 0)
		return cmd_optout(c, argc, argv);
	if (strcmp(cmd, "broadcast") == 0)
		return ctl_broadcast(c, argc, argv);
	if (strcmp(cmd, "ussd") == 0)
		return cmd_ussd(c, argc, argv);
	if (strcmp(cmd, "undeliverable") == 0)
		return cmd_undeliverable(c, argc);
	return ctl_queue(c, argc, argv);
}

/*
 * The state database is the daemon's; staff reach it through the dossierd
 * group. Say so plainly instead of SQLite's "unable to open database file".
 */
static void
check_state_access(struct ctl *c)
{
	const char *path = c->conf.state.path;
	char dir[4096], *slash;

	if (access(path, F_OK) == 0) {
		if (access(path, R_OK | W_OK) == -1 && errno == EACCES)
			ctl_die(c, _("no permission to open %s: ask the "
			    "administrator to add you to the dossierd group "
			    "(sudo adduser $USER dossierd), then log in again"),
			    path);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (dir[0] != '\0' && access(dir, W_OK | X_OK) == -1 &&
		    errno == EACCES)
			ctl_die(c, _("no permission to open %s: ask the "
			    "administrator to add you to the dossierd group "
			    "(sudo adduser $USER dossierd), then log in again"),
			    path);
	}
}

int
main(int argc, char *argv[])
{
	struct ctl c;
	struct dz_err err;
	const char *path = DEFAULT_CONF, *cmd;
	int i, r;

	memset(&c, 0, sizeof(c));
	ctl_i18n_init();
	ctl_term_init(&c);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--help-all") == 0) {
			help_all = true;
			usage();
		} else
			usage();
	}
	if (i >= argc)
		usage();
	cmd = argv[i++];
	check_usage(cmd, argc - i, argv + i);
	if (conf_load(path, &c.conf, &err) == -1) {
		if (access(path, R_OK) == -1 && errno == EACCES)
			ctl_die(NULL, _("no permission to read %s: ask the "
			    "administrator to add you to the dossierd group "
			    "(sudo adduser $USER dossierd), then log in again"),
			    path);
		die(NULL, err.msg);
	}
	c.loaded = true;
	check_state_access(&c);
	if ((c.store = store_open(c.conf.state.path, &err)) == NULL)
		die(&c, err.msg);
	r = run(&c, cmd, argc - i, argv + i);
	ctl_close(&c);
	return r;
}
