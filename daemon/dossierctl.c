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
#include "ctl.h"
#include "pass.h"
#include "phone.h"
#include "policy.h"
#include "store.h"
#include "text.h"
#include "ussd.h"

#define DEFAULT_CONF	SYSCONFDIR "/dossierd/dossierd.conf"
#define USSD_ANSWERS_MAX	5	/* menu answers one request can give */
#define USSD_ANSWER_CHARS	"0123456789*#+"

void
ctl_usage(void)
{
	fprintf(stderr,
	    "usage: dossierctl [-c file] command [args]\n"
	    "  status [--json]                 modems, queues, today's counts\n"
	    "  send NUMBER TEXT                queue a staff message\n"
	    "  broadcast (--audience NAME | --numbers FILE)\n"
	    "            (--text TEXT | --text-file FILE) [--dry-run] [--yes] [--force]\n"
	    "  broadcast --list [--json] | --show ID [--json] | --cancel ID\n"
	    "  ussd CODE [ANSWER ...] [--timeout S]\n"
	    "                                  run a USSD code through the daemon;\n"
	    "                                  ANSWERs answer its menus in turn\n"
	    "  queue [--failed] [--lane L]     list waiting (or failed) messages\n"
	    "  retry ID                        queue a failed message again\n"
	    "  optout --list | --add N | --remove N\n"
	    "  inject NUMBER TEXT              dummy modem only: receive an SMS\n");
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
		snprintf(buf, bufsz, "never");
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
read_sim(struct ctl *c, struct sim *sim)
{
	struct dz_err err;
	struct pass p;
	long vday;
	int r;

	memset(sim, 0, sizeof(*sim));
	if ((r = store_balance_last(c->store, false, &sim->last, &err)) == -1 ||
	    (r == 1 && store_balance_last(c->store, true, &sim->good, &err) == -1))
		die(c, err.msg);
	sim->any = r == 1;
	sim->parsed_any = sim->any && sim->good.at > 0;
	pass_init(&p, &c->conf, c->store, NULL, time(NULL));
	sim->days_left = LONG_MIN;
	if (sim->parsed_any && policy_parse_day(sim->good.validity, &vday) == 0)
		sim->days_left = vday - p.today;
}

static void
status_json(struct modem_status *ms, int n, struct outbox_summary *sum,
    struct today *t, const char *balance, const char *balance_at,
    const struct sim *sim)
{
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
		printf(",\"reconnects\":%d,\"updated_at\":%lld,\"last_send\":%lld}",
		    ms[i].reconnects, (long long)ms[i].updated_at,
		    (long long)ms[i].last_send);
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
	printf("}\n");
}

static void
print_sim(const struct sim *sim)
{
	char when[32], shown[64];
	long age;

	if (!sim->parsed_any)
		printf("SIM balance: unknown%s\n", sim->any ? "" :
		    " (no USSD balance reading yet)");
	else {
		ussd_format_vnd(sim->good.balance, shown, sizeof(shown));
		ctl_fmt_time(sim->good.at, when, sizeof(when));
		age = (long)(time(NULL) - sim->good.at);
		printf("SIM balance: %s", shown);
		if (sim->good.validity[0] != '\0')
			printf(", valid until %s (%ld day%s left)",
			    sim->good.validity, sim->days_left,
			    sim->days_left == 1 ? "" : "s");
		printf("; read %s (%ld %s ago)\n", when, age < 7200 ? age / 60 :
		    age / 3600, age < 7200 ? "min" : "h");
	}
	if (sim->any && !sim->last.parsed)
		printf("  the last balance reply was not understood: %s\n",
		    sim->last.raw);
}

static int
cmd_status(struct ctl *c)
{
	struct modem_status ms[CONF_MAX_MODEMS];
	struct outbox_summary sum;
	struct today t;
	struct dz_err err;
	char when[32], upd[32], balance[64] = "", balance_at[32] = "";
	struct pass day;
	struct sim sim;
	time_t since;
	int i, n;

	pass_init(&day, &c->conf, c->store, NULL, time(NULL));
	since = day.day_start;
	if ((n = store_modem_list(c->store, ms, CONF_MAX_MODEMS, &err)) == -1 ||
	    store_outbox_summary(c->store, since, &sum, &err) == -1)
		die(c, err.msg);
	count_today(c, since, &t);
	read_sim(c, &sim);
	if (store_meta_get(c->store, "balance", balance, sizeof(balance),
	    &err) == -1 || store_meta_get(c->store, "balance_at", balance_at,
	    sizeof(balance_at), &err) == -1)
		die(c, err.msg);
	if (c->json) {
		status_json(ms, n, &sum, &t, balance, balance_at, &sim);
		return 0;
	}
	for (i = 0; i < n; i++) {
		ctl_fmt_time(ms[i].updated_at, upd, sizeof(upd));
		printf("modem %s: %s, signal %s%d%%, network %s, operator %s, "
		    "reconnects %d (updated %s)\n", ms[i].name, ms[i].state,
		    ms[i].signal < 0 ? "unknown " : "", ms[i].signal < 0 ? 0 :
		    ms[i].signal, ms[i].network[0] ? ms[i].network : "unknown",
		    ms[i].operator_[0] ? ms[i].operator_ : "unknown",
		    ms[i].reconnects, upd);
		if (ms[i].last_error[0])
			printf("  last error: %s\n", ms[i].last_error);
	}
	if (n == 0)
		printf("modems: none reported yet (is dossierd running?)\n");
	printf("queue: reply %d, staff %d, notice %d, broadcast %d\n",
	    sum.queued[LANE_REPLY], sum.queued[LANE_STAFF],
	    sum.queued[LANE_NOTICE], sum.queued[LANE_BROADCAST]);
	ctl_fmt_time(sum.last_send, when, sizeof(when));
	printf("last send: %s\n", when);
	printf("today: %lld queries (%lld found, %lld not found, %lld limited), "
	    "%lld replies sent, %lld broadcasts sent, %lld failures, "
	    "%lld uncertain\n", t.queries, t.found, t.not_found, t.limited,
	    t.replies_sent, t.broadcasts_sent, t.failures, t.uncertain);
	printf("notices today: %lld sent (%lld of them reminders), %lld waiting "
	    "for the send window or a modem, %lld held by the daily cap; skipped: "
	    "%lld no consent, %lld no mobile number, %lld opted out, %lld ready "
	    "before the backfill window\n", t.notices_sent, t.reminders_sent,
	    t.notices_waiting, t.notices_held, t.skip_consent, t.skip_phone,
	    t.skip_optout, t.skip_old);
	print_sim(&sim);
	return 0;
}

static int
cmd_send(struct ctl *c, const char *number, const char *text)
{
	struct pass ctx;
	struct dz_err err;
	char num[PHONE_BUFSZ];
	int64_t id;

	pass_init(&ctx, &c->conf, c->store, NULL, time(NULL));
	if (!phone_kind_is_replyable(phone_normalize(number, num, sizeof(num))))
		die(c, "not a mobile number");
	if (!text_utf8_valid(text) || *text == '\0')
		die(c, "text must be non-empty UTF-8");
	if ((id = pass_queue_sms(&ctx, LANE_STAFF, num, text, 0, 0, &err)) == -1)
		die(c, err.msg);
	printf("queued #%lld to %s\n", (long long)id, num);
	return 0;
}

static int
queue_row(void *arg, const struct out_row *r)
{
	int *n = arg;
	char when[32];

	if ((*n)++ == 0)
		printf("%-6s %-9s %-9s %3s %-14s %-19s %s\n", "ID", "LANE",
		    "STATE", "TRY", "NUMBER", "NEXT/SENT", "TEXT / LAST ERROR");
	ctl_fmt_time(r->when, when, sizeof(when));
	printf("%-6lld %-9s %-9s %3d %-14s %-19s %.50s%s\n", (long long)r->id,
	    store_lane_name(r->lane), store_state_name(r->state), r->attempts,
	    r->number, when, r->text, strlen(r->text) > 50 ? "..." : "");
	if (r->last_error[0] != '\0')
		printf("%56s error: %s\n", "", r->last_error);
	return 0;
}

static int
cmd_queue(struct ctl *c, bool failed, const char *lane)
{
	struct out_filter f = { .states = failed ? OUT_UNSENT : OUT_OPEN,
	    .lanes = LANE_ALL, .limit = 500 };
	struct dz_err err;
	enum lane l;
	int n = 0;

	if (lane != NULL) {
		if (store_lane_parse(lane, &l, &err) == -1)
			die(c, "--lane must be reply, staff, notice or broadcast");
		f.lanes = LANE_BIT(l);
	}
	if (store_outbox_list(c->store, &f, queue_row, &n, &err) == -1)
		die(c, err.msg);
	if (n == 0)
		printf("%s\n", failed ? "no failed messages" : "queue is empty");
	return 0;
}

static int
cmd_retry(struct ctl *c, const char *arg)
{
	struct dz_err err;
	char *end;
	long long id = strtoll(arg, &end, 10);
	int r;

	if (*arg == '\0' || *end != '\0' || id <= 0)
		usage();
	if ((r = store_outbox_requeue(c->store, id, time(NULL), &err)) == -1)
		die(c, err.msg);
	if (r == 0)
		die(c, "no failed, expired or uncertain message with that id");
	printf("#%lld queued again\n", id);
	return 0;
}

static int
optout_row(void *arg, const char *number, time_t at, const char *source)
{
	char when[32];

	(void)arg;
	ctl_fmt_time(at, when, sizeof(when));
	printf("%-16s %s (%s)\n", number, when, source);
	return 0;
}

static int
cmd_optout(struct ctl *c, int argc, char **argv)
{
	struct dz_err err;
	char num[PHONE_BUFSZ];
	int n = 0;

	if (argc == 1 && strcmp(argv[0], "--list") == 0) {
		if ((n = store_optout_list(c->store, optout_row, NULL, &err)) == -1)
			die(c, err.msg);
		printf("%d number(s) opted out\n", n);
		return 0;
	}
	if (argc != 2 || (strcmp(argv[0], "--add") != 0 &&
	    strcmp(argv[0], "--remove") != 0))
		usage();
	if (!phone_kind_is_replyable(phone_normalize(argv[1], num, sizeof(num))))
		die(c, "not a mobile number");
	if ((n = store_optout_set(c->store, num, argv[0][2] == 'a', "dossierctl",
	    time(NULL), &err)) == -1)
		die(c, err.msg);
	if (argv[0][2] == 'a')
		printf("%s opted out\n", num);
	else
		printf("%s %s\n", num, n > 0 ? "opted in again" :
		    "was not opted out");
	return 0;
}

/* Whether the daemon runs a ready modem now: NULL if so, else why not. */
static const char *
daemon_ready(struct ctl *c, char *why, size_t whysz)
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
		snprintf(why, whysz, "dossierd is not running (systemctl start "
		    "dossierd)");
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
		snprintf(why, whysz, "dossierd is not answering: it has not "
		    "reported for a minute (killed? see journalctl -u dossierd)");
	else
		snprintf(why, whysz, "no modem is ready: %s is %s%s%s", ms[0].name,
		    ms[0].state, ms[0].last_error[0] ? ": " : "", ms[0].last_error);
	return why;
}

static int
cmd_ussd(struct ctl *c, int argc, char **argv)
{
	struct ussd_req r;
	struct dz_err err;
	char why[256], answers[128] = "";
	time_t now = time(NULL), end;
	long t = c->conf.ussd.timeout;
	size_t len;
	int64_t id;
	int i, n, nanswers = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0) {
			t = strtol(argv[++i], NULL, 10);
			continue;
		}
		len = strlen(answers);
		snprintf(answers + len, sizeof(answers) - len, "%s%s",
		    len ? "\n" : "", argv[i]);
		nanswers++;
	}
	if (daemon_ready(c, why, sizeof(why)) != NULL)
		die(c, why);
	if (store_ussd_add(c->store, argv[0], answers, "dossierctl", now,
	    now + t, &id, &err) == -1)
		die(c, err.msg);
	/*
	 * The daemon runs it between sends; it may wait for one to finish.
	 * Each menu answer is one more round trip of up to ussd.timeout.
	 */
	end = now + t + (long)(nanswers + 1) * c->conf.ussd.timeout + 5;
	for (;;) {
		if ((n = store_ussd_get(c->store, id, &r, &err)) != 1)
			die(c, n == -1 ? err.msg : "the request disappeared");
		if (r.state == USSD_REQ_DONE || r.state == USSD_REQ_FAILED)
			break;
		if (time(NULL) > end)
			ctl_die(c, "no answer from dossierd within %ld s (request "
			    "#%lld is %s)", (long)(end - now), (long long)id,
			    r.state == USSD_REQ_QUEUED ? "still queued" : "running");
		usleep(200000);
	}
	if (r.state == USSD_REQ_FAILED)
		ctl_die(c, "%s", r.error);
	printf("%s\n", r.reply);
	if (strncmp(r.status, "menu", 4) == 0)
		fprintf(stderr, "dossierctl: the network asks for an answer; the "
		    "session was %s. To answer, give the answers after the code: "
		    "dossierctl ussd '%s' 1 ...\n", strstr(r.status, "not ended") ?
		    "not ended (see the daemon's log)" : "ended", argv[0]);
	else if (strcmp(r.status, "done") != 0)
		fprintf(stderr, "dossierctl: (USSD session: %s)\n", r.status);
	return 0;
}

/* UTF-8 -> UTF-16 code units; invalid bytes become U+FFFD. Returns units written. */
static size_t
utf16_units(const char *s, unsigned *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	unsigned cp;
	int len, i;

	while (*p && n + 2 <= max) {
		if (*p < 0x80) {
			cp = *p;
			len = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			len = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			len = 3;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			len = 4;
		} else {
			cp = 0xfffd;
			len = 1;
		}
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				cp = 0xfffd;
				len = i;
				break;
			}
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		p += len;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			out[n++] = 0xd800 | (cp >> 10);
			out[n++] = 0xdc00 | (cp & 0x3ff);
		} else
			out[n++] = cp;
	}
	return n;
}

static int
write_part(FILE *f, const char *number, const char *sent, bool ucs2,
    const unsigned *u, size_t n, int ref, int part, int total)
{
	size_t i;
	int line = 0;

	fprintf(f, "[SMSBackup%03d]\nNumber = \"%s\"\nCoding = %s\n"
	    "PDU = Deliver\nSent = %s\nState = UnRead\n", 0, number,
	    ucs2 ? "Unicode" : "Default", sent);
	if (total > 1)
		fprintf(f, "UDH = 050003%02X%02X%02X\n", ref & 0xff, total, part);
	/* The text as UCS-2 big-endian hex, 200 hex digits (50 units) a line. */
	for (i = 0; i < n; i++) {
		if (i % 50 == 0)
			fprintf(f, "%sText%02d = ", i ? "\n" : "", line++);
		fprintf(f, "%04X", u[i]);
	}
	if (n == 0)
		fprintf(f, "Text00 = ");
	fprintf(f, "\n");
	return ferror(f) ? -1 : 0;
}

/* Drop one part into <dir>/sms/1 at a free location: written aside, then linked in. */
static void
inject_file(const char *dir, const char *number, const char *sent, bool ucs2,
    const unsigned *u, size_t n, int ref, int part, int total)
{
	char tmp[512], dst[512];
	FILE *f;
	int loc, fd;

	snprintf(tmp, sizeof(tmp), "%s/sms/.inject.XXXXXX", dir);
	if ((fd = mkstemp(tmp)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "dossierctl: %s: %s\n", tmp, strerror(errno));
		exit(1);
	}
	if (write_part(f, number, sent, ucs2, u, n, ref, part, total) == -1 ||
	    fclose(f) != 0) {
		unlink(tmp);
		die(NULL, "writing the message failed");
	}
	for (loc = 1; loc <= 10000; loc++) {
		snprintf(dst, sizeof(dst), "%s/sms/1/%d", dir, loc);
		if (link(tmp, dst) == 0)
			break;
		if (errno != EEXIST) {
			unlink(tmp);
			fprintf(stderr, "dossierctl: %s: %s\n", dst, strerror(errno));
			exit(1);
		}
	}
	unlink(tmp);
	if (loc > 10000)
		die(NULL, "the dummy phone's inbox is full");
}

static int
cmd_inject(struct ctl *c, const char *number, const char *text)
{
	const struct conf_modem *m = NULL;
	unsigned u[4096];
	char dir[512], sent[32];
	size_t n, per, off;
	time_t now = time(NULL);
	struct tm tm;
	bool ucs2;
	int i, total, ref;

	for (i = 0; i < c->conf.nmodems && m == NULL; i++)
		if (strcmp(c->conf.modems[i].model, "dummy") == 0)
			m = &c->conf.modems[i];
	if (m == NULL)
		die(c, "inject needs a modem with model = \"dummy\"");
	if (!text_utf8_valid(text))
		die(c, "text must be UTF-8");
	snprintf(dir, sizeof(dir), "%s/sms/1", m->device);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		die(c, "cannot create the dummy phone's inbox folder");
	ucs2 = !text_is_gsm7(text);
	n = utf16_units(text, u, nitems(u));
	per = ucs2 ? TEXT_UCS2_MULTI : TEXT_GSM7_MULTI;
	total = n <= (ucs2 ? TEXT_UCS2_SINGLE : TEXT_GSM7_SINGLE) ? 1 :
	    (int)((n + per - 1) / per);
	if (total > 255)
		die(c, "text too long");
	strftime(sent, sizeof(sent), "%Y%m%dT%H%M%S", localtime_r(&now, &tm));
	ref = (int)((now ^ getpid()) & 0xff);
	for (i = 0, off = 0; i < total; i++, off += per)
		inject_file(m->device, number, sent, ucs2, u + (total > 1 ? off : 0),
		    total > 1 ? (n - off < per ? n - off : per) : n, ref, i + 1,
		    total);
	printf("injected %d part%s from %s into %s\n", total, total == 1 ? "" : "s",
	    number, dir);
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

	if (strcmp(cmd, "send") == 0 || strcmp(cmd, "inject") == 0) {
		if (argc != 2)
			usage();
	} else if (strcmp(cmd, "retry") == 0) {
		if (argc != 1)
			usage();
	} else if (strcmp(cmd, "optout") == 0) {
		if (!(argc == 1 && strcmp(argv[0], "--list") == 0) &&
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
	} else if (strcmp(cmd, "queue") == 0) {
		for (i = 0; i < argc; i++)
			if (strcmp(argv[i], "--failed") != 0 &&
			    !(strcmp(argv[i], "--lane") == 0 && ++i < argc))
				usage();
	} else
		usage();
}

/* The subcommand; arguments were checked by check_usage. */
static int
run(struct ctl *c, const char *cmd, int argc, char **argv)
{
	const char *lane = NULL;
	bool failed = false;
	int i;

	if (strcmp(cmd, "status") == 0) {
		c->json = argc > 0;
		return cmd_status(c);
	}
	if (strcmp(cmd, "send") == 0)
		return cmd_send(c, argv[0], argv[1]);
	if (strcmp(cmd, "inject") == 0)
		return cmd_inject(c, argv[0], argv[1]);
	if (strcmp(cmd, "retry") == 0)
		return cmd_retry(c, argv[0]);
	if (strcmp(cmd, "optout") == 0)
		return cmd_optout(c, argc, argv);
	if (strcmp(cmd, "broadcast") == 0)
		return ctl_broadcast(c, argc, argv);
	if (strcmp(cmd, "ussd") == 0)
		return cmd_ussd(c, argc, argv);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--failed") == 0)
			failed = true;
		else
			lane = argv[++i];
	}
	return cmd_queue(c, failed, lane);
}

int
main(int argc, char *argv[])
{
	struct ctl c;
	struct dz_err err;
	const char *path = DEFAULT_CONF, *cmd;
	int i, r;

	memset(&c, 0, sizeof(c));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else
			usage();
	}
	if (i >= argc)
		usage();
	cmd = argv[i++];
	check_usage(cmd, argc - i, argv + i);
	if (conf_load(path, &c.conf, &err) == -1)
		die(NULL, err.msg);
	c.loaded = true;
	if ((c.store = store_open(c.conf.state.path, &err)) == NULL)
		die(&c, err.msg);
	r = run(&c, cmd, argc - i, argv + i);
	ctl_close(&c);
	return r;
}
