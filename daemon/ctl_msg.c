/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dossierctl send, queue, retry, history, show: messages one by one, as staff read them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "i18n.h"
#include "pass.h"
#include "phone.h"
#include "policy.h"
#include "text.h"
#include "width.h"

#define WAIT_MAX_S	600	/* send --wait gives up after this */
#define HISTORY_DAYS	30
#define LIST_LIMIT	50

/* Terminal columns (COLUMNS, the terminal's size, else 100). */
static size_t
term_cols(void)
{
	struct winsize ws;
	const char *e = getenv("COLUMNS");
	long n;

	if (e != NULL && (n = strtol(e, NULL, 10)) >= 40 && n <= 1000)
		return (size_t)n;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col >= 40)
		return ws.ws_col;
	return 100;
}

/* "HH:MM dd/mm" for today's times, "dd/mm/yyyy HH:MM" for others. */
static void
short_time(time_t t, char *buf, size_t bufsz)
{
	struct tm tm;

	if (t <= 0) {
		snprintf(buf, bufsz, "-");
		return;
	}
	strftime(buf, bufsz, "%d/%m/%Y %H:%M", localtime_r(&t, &tm));
}

/* A positive number option value, or a usage error. */
static long
count_arg(const char *s, long max)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || n < 1 || n > max)
		ctl_usage();
	return n;
}

static void
need_mobile(struct ctl *c, const char *in, char *num, size_t numsz)
{
	if (!phone_kind_is_replyable(phone_normalize(in, num, numsz)))
		ctl_die(c, _("%s is not a mobile number: write 10 digits "
		    "(09xxxxxxxx) or +84 and 9 digits"), in);
}

/* ---- send ---- */

struct send_opts {
	bool		 yes, wait;
	const char	*number;
	char		 text[STORE_TEXT_MAX];
};

static void
send_parse(int argc, char **argv, struct send_opts *o)
{
	bool opts = true;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = false;
			continue;
		}
		if (opts && strcmp(argv[i], "--yes") == 0)
			o->yes = true;
		else if (opts && strcmp(argv[i], "--wait") == 0)
			o->wait = true;
		else if (opts && strncmp(argv[i], "--", 2) == 0)
			ctl_usage();
		else if (o->number == NULL)
			o->number = argv[i];
		else	/* The words after the number are the text: quotes optional. */
			ctl_add_word(o->text, sizeof(o->text), argv[i]);
	}
	if (o->number == NULL || o->text[0] == '\0')
		ctl_usage();
}

void
ctl_send_check_usage(int argc, char **argv)
{
	struct send_opts o;

	send_parse(argc, argv, &o);
}

/* Wait for message id to leave the queue; its final state, or the last seen. */
static enum out_state
wait_sent(struct ctl *c, int64_t id)
{
	struct hist_row r;
	struct dz_err err;
	time_t end = time(NULL) + WAIT_MAX_S;
	int n;

	for (;;) {
		if ((n = store_message_get(c->store, false, id, &r, &err)) != 1)
			ctl_die(c, "%s", n == -1 ? err.msg : _("the message "
			    "disappeared from the queue"));
		if (r.state != OUT_QUEUED && r.state != OUT_SENDING &&
		    r.state != OUT_RETRY)
			return r.state;
		if (time(NULL) > end) {
			printf(_("Still not sent after %d minutes (%s); it stays "
			    "in the queue.\n"), WAIT_MAX_S / 60,
			    ctl_state_word(r.state));
			return r.state;
		}
		usleep(300000);
	}
}

int
ctl_send(struct ctl *c, int argc, char **argv)
{
	struct send_opts o;
	struct pass ctx;
	struct dz_err err;
	char num[PHONE_BUFSZ], body[STORE_TEXT_MAX], down[256];
	enum out_state st;
	bool ucs2;
	int parts;
	int64_t id;

	send_parse(argc, argv, &o);
	need_mobile(c, o.number, num, sizeof(num));
	if (!text_utf8_valid(o.text))
		ctl_die(c, _("the text is not valid UTF-8"));
	if ((parts = text_prepare_sms(o.text, c->conf.sms.charset,
	    c->conf.sms.max_parts, body, sizeof(body), &ucs2)) == -1)
		ctl_die(c, _("the text is too long"));
	printf(_("To:      %s\n"), num);
	printf(_("Text:    %s\n"), body);
	printf(_("Sent as: %s, %zu characters, %d SMS\n"), ucs2 ?
	    _("Unicode (with diacritics)") : _("GSM-7 (no diacritics)"),
	    text_utf8_len(body), parts);
	if (c->conf.sms.charset == TEXT_ASCII && strcmp(body, o.text) != 0 &&
	    text_utf8_len(body) >= text_utf8_len(o.text))
		printf(_("Note:    diacritics are removed (sms.charset is "
		    "\"ascii\" in the configuration).\n"));
	if (text_utf8_len(body) < text_utf8_len(o.text))
		printf(_("Note:    the text was cut to fit %d SMS "
		    "(sms.max_parts).\n"), c->conf.sms.max_parts);
	if (!o.yes) {
		if (!isatty(STDIN_FILENO))
			ctl_die(c, _("not sent: confirm on a terminal, or add "
			    "--yes"));
		if (!ctl_confirm(c, _("Send this message?"))) {
			printf(_("Not sent.\n"));
			return 1;
		}
	}
	pass_init(&ctx, &c->conf, c->store, NULL, time(NULL));
	if ((id = pass_queue_sms(&ctx, LANE_STAFF, num, o.text, 0, 0, &err)) == -1)
		ctl_die(c, "%s", err.msg);
	printf(_("Queued as message %lld.\n"), (long long)id);
	if (ctl_daemon_down(c, down, sizeof(down)) != NULL)
		printf(_("Note:    %s; the message waits in the queue until "
		    "then.\n"), down);
	if (!o.wait)
		return 0;
	st = wait_sent(c, id);
	printf(_("Message %lld: %s.\n"), (long long)id, ctl_state_word(st));
	return st == OUT_SENT ? 0 : 1;
}

/* ---- queue ---- */

struct queue_opts {
	bool		 failed;
	bool		 undelivered;	/* sent, and the network could not deliver */
	const char	*lane;
	long		 limit;
};

static void
queue_parse(int argc, char **argv, struct queue_opts *o, bool *json)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->limit = LIST_LIMIT;
	*json = false;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--failed") == 0)
			o->failed = true;
		else if (strcmp(argv[i], "--undelivered") == 0)
			o->undelivered = true;
		else if (strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (strcmp(argv[i], "--lane") == 0 && i + 1 < argc)
			o->lane = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			o->limit = count_arg(argv[++i], 100000);
		else
			ctl_usage();
	}
}

void
ctl_queue_check_usage(int argc, char **argv)
{
	struct queue_opts o;
	bool json;

	queue_parse(argc, argv, &o, &json);
}

struct listing {
	struct ctl	*c;
	long		 limit;
	int		 shown, total;
	size_t		 textcols;
};

static void
json_out_row(const struct out_row *r, bool first)
{
	printf("%s{\"id\":%lld,\"lane\":\"%s\",\"state\":\"%s\",\"attempts\":%d,"
	    "\"number\":", first ? "" : ",", (long long)r->id,
	    store_lane_name(r->lane), store_state_name(r->state), r->attempts);
	ctl_json_str(r->number);
	printf(",\"when\":%lld,\"text\":", (long long)r->when);
	ctl_json_str(r->text);
	printf(",\"last_error\":");
	ctl_json_str(r->last_error);
	printf(",\"delivery\":\"%s\",\"delivery_status\":%d}",
	    store_delivery_name(r->delivery), r->delivery_status);
}

static int
queue_row(void *arg, const struct out_row *r)
{
	struct listing *l = arg;
	char when[32], id[24];

	if (++l->total > l->limit)
		return 0;
	if (l->c->json) {
		json_out_row(r, l->shown++ == 0);
		return 0;
	}
	if (l->shown++ == 0) {
		ctl_cell(l->c, _("ID"), 7, false);
		ctl_cell(l->c, _("KIND"), 12, false);
		ctl_cell(l->c, _("STATE"), 20, false);
		ctl_cell(l->c, _("TRIES"), 6, false);
		ctl_cell(l->c, _("NUMBER"), 14, false);
		ctl_cell(l->c, _("NEXT/SENT"), 18, false);
		printf("%s\n", _("TEXT"));
	}
	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	short_time(r->when, when, sizeof(when));
	ctl_cell(l->c, id, 7, false);
	ctl_cell(l->c, ctl_lane_word(r->lane), 12, false);
	ctl_state_cell(l->c, r->state, 20);
	snprintf(id, sizeof(id), "%d", r->attempts);
	ctl_cell(l->c, id, 6, false);
	ctl_cell(l->c, r->number, 14, false);
	ctl_cell(l->c, when, 18, false);
	ctl_last_cell(l->c, r->text, l->textcols);
	if (r->delivery == DLV_UNDELIVERABLE) {
		char why[160];

		snprintf(why, sizeof(why), "%s (TP-ST 0x%02x)",
		    _(policy_delivery_reason(r->delivery_status)),
		    r->delivery_status);
		printf("%*s", 7, "");
		ctl_cell(l->c, _("undeliverable:"), 16, false);
		ctl_last_cell(l->c, why, l->textcols + 54);
	} else if (r->last_error[0] != '\0') {
		printf("%*s", 7, "");
		ctl_cell(l->c, _("last error:"), 16, false);
		ctl_last_cell(l->c, r->last_error, l->textcols + 54);
	}
	return 0;
}

int
ctl_queue(struct ctl *c, int argc, char **argv)
{
	struct queue_opts o;
	struct out_filter f;
	struct listing l = { .c = c };
	struct dz_err err;
	size_t cols = term_cols();
	enum lane lane;

	queue_parse(argc, argv, &o, &c->json);
	f.states = o.undelivered ? OUT_BIT(OUT_SENT) : o.failed ? OUT_UNSENT :
	    OUT_OPEN;
	f.delivery = o.undelivered ? DLV_UNDELIVERABLE : DLV_NONE;
	f.lanes = LANE_ALL;
	f.limit = 1000000;	/* all counted, `limit` shown */
	if (o.lane != NULL) {
		if (store_lane_parse(o.lane, &lane, &err) == -1)
			ctl_die(c, _("--lane must be reply, staff, notice or "
			    "broadcast"));
		f.lanes = LANE_BIT(lane);
	}
	l.limit = o.limit;
	l.textcols = cols > 77 + 10 ? cols - 77 - 1 : 10;
	if (c->json)
		printf("{\"messages\":[");
	if (store_outbox_list(c->store, &f, queue_row, &l, &err) == -1)
		ctl_die(c, "%s", err.msg);
	if (c->json) {
		printf("],\"total\":%d}\n", l.total);
		return 0;
	}
	if (l.total == 0)
		printf("%s\n", o.undelivered ? _("No undeliverable messages.") :
		    o.failed ? _("No failed messages.") :
		    _("Nothing waiting to be sent."));
	ctl_more(c, l.shown, l.total);
	return 0;
}

/* ---- retry ---- */

static int64_t
retry_parse(int argc, char **argv, bool *yes)
{
	const char *id = NULL;
	int i;

	*yes = false;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0)
			*yes = true;
		else if (id == NULL)
			id = argv[i];
		else
			ctl_usage();
	}
	if (id == NULL)
		ctl_usage();
	return count_arg(id, 0x7fffffff);
}

void
ctl_retry_check_usage(int argc, char **argv)
{
	bool yes;

	(void)retry_parse(argc, argv, &yes);
}

int
ctl_retry(struct ctl *c, int argc, char **argv)
{
	struct hist_row m;
	struct dz_err err;
	bool yes;
	int64_t id = retry_parse(argc, argv, &yes);
	int r;

	if ((r = store_message_get(c->store, false, id, &m, &err)) == -1)
		ctl_die(c, "%s", err.msg);
	if (r == 0)
		ctl_die(c, _("there is no message %lld (see dossierctl queue "
		    "--failed)"), (long long)id);
	if (m.state == OUT_UNCERTAIN || m.uncertain) {
		printf(_("Message %lld to %s may already have reached the phone: "
		    "its send was cut short (a stop or a modem fault). Sending "
		    "it again may deliver it twice.\n"), (long long)id, m.number);
		if (!yes && !isatty(STDIN_FILENO))
			ctl_die(c, _("not queued again: confirm on a terminal, "
			    "or add --yes"));
		if (!yes && !ctl_confirm(c, _("Send it again?"))) {
			printf(_("Not queued again.\n"));
			return 1;
		}
	}
	if ((r = store_outbox_requeue(c->store, id, time(NULL), &err)) == -1)
		ctl_die(c, "%s", err.msg);
	if (r == 0)
		ctl_die(c, _("message %lld is %s: only a failed, expired or "
		    "uncertain message can be sent again"), (long long)id,
		    ctl_state_word(m.state));
	printf(_("Message %lld queued again.\n"), (long long)id);
	return 0;
}

/* ---- history and show ---- */

static const char *
kind_word(const struct hist_row *r)
{
	if (!r->incoming)
		return r->broadcast_id ? _("broadcast") : ctl_lane_word(r->lane);
	return _("received");
}

static void
json_hist(const struct hist_row *r, bool first)
{
	printf("%s{\"direction\":\"%s\",\"id\":%lld,\"at\":%lld,\"number\":",
	    first ? "" : ",", r->incoming ? "in" : "out", (long long)r->id,
	    (long long)r->at);
	ctl_json_str(r->number);
	printf(",\"text\":");
	ctl_json_str(r->text);
	if (r->incoming) {
		printf(",\"kind\":");
		ctl_json_str(r->kind);
		printf(",\"outcome\":");
		ctl_json_str(r->outcome);
	} else {
		printf(",\"lane\":\"%s\",\"state\":\"%s\",\"attempts\":%d,"
		    "\"sent_at\":%lld,\"parts\":%d,\"modem\":",
		    store_lane_name(r->lane), store_state_name(r->state),
		    r->attempts, (long long)r->sent_at, r->parts);
		ctl_json_str(r->modem);
		printf(",\"last_error\":");
		ctl_json_str(r->last_error);
		printf(",\"inbox_id\":%lld,\"broadcast_id\":%lld,\"uncertain\":%s,"
		    "\"delivery\":\"%s\",\"delivery_status\":%d,"
		    "\"delivery_at\":%lld", (long long)r->inbox_id,
		    (long long)r->broadcast_id, r->uncertain ? "true" : "false",
		    store_delivery_name(r->delivery), r->delivery_status,
		    (long long)r->delivery_at);
	}
	printf("}");
}

static int
hist_row(void *arg, const struct hist_row *r)
{
	struct listing *l = arg;
	char when[32], id[24];

	if (l->c->json) {
		json_hist(r, l->shown++ == 0);
		return 0;
	}
	if (l->shown++ == 0) {
		ctl_cell(l->c, _("TIME"), 17, false);
		ctl_cell(l->c, _("ID"), 7, false);
		ctl_cell(l->c, _("KIND"), 12, false);
		ctl_cell(l->c, _("STATE"), 22, false);
		printf("%s\n", _("TEXT"));
	}
	short_time(r->at, when, sizeof(when));
	snprintf(id, sizeof(id), "%s%lld", r->incoming ? "i" : "",
	    (long long)r->id);
	ctl_cell(l->c, when, 17, false);
	ctl_cell(l->c, id, 7, false);
	ctl_cell(l->c, kind_word(r), 12, false);
	if (r->incoming)
		ctl_cell(l->c, ctl_outcome_word(r->outcome), 22, false);
	else if (r->state == OUT_SENT && r->delivery != DLV_NONE)
		ctl_cell(l->c, ctl_delivery_word(r->delivery), 22, false);
	else
		ctl_state_cell(l->c, r->state, 22);
	ctl_last_cell(l->c, r->text, l->textcols);
	return 0;
}

static void
history_parse(int argc, char **argv, const char **number, long *days,
    long *limit, bool *json)
{
	int i;

	*number = NULL;
	*days = HISTORY_DAYS;
	*limit = LIST_LIMIT;
	*json = false;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
			*days = count_arg(argv[++i], 3650);
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			*limit = count_arg(argv[++i], 100000);
		else if (strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (*number == NULL && strncmp(argv[i], "--", 2) != 0)
			*number = argv[i];
		else
			ctl_usage();
	}
	if (*number == NULL)
		ctl_usage();
}

void
ctl_history_check_usage(int argc, char **argv)
{
	const char *number;
	long days, limit;
	bool json;

	history_parse(argc, argv, &number, &days, &limit, &json);
}

int
ctl_history(struct ctl *c, int argc, char **argv)
{
	struct listing l = { .c = c };
	struct dz_err err;
	const char *number;
	char num[PHONE_BUFSZ], national[PHONE_BUFSZ];
	size_t cols = term_cols();
	long days, limit;

	history_parse(argc, argv, &number, &days, &limit, &c->json);
	need_mobile(c, number, num, sizeof(num));
	/* The national spelling a modem may report: 0 and the 9 digits. */
	if (strncmp(num, "+84", 3) == 0)
		snprintf(national, sizeof(national), "0%s", num + 3);
	else
		snprintf(national, sizeof(national), "%s", num);
	l.limit = limit;
	l.textcols = cols > 58 + 10 ? cols - 58 - 1 : 10;
	if (c->json)
		printf("{\"number\":\"%s\",\"days\":%ld,\"messages\":[", num, days);
	else
		printf(P_("Messages from and to %s in the last %ld day:\n",
		    "Messages from and to %s in the last %ld days:\n", days),
		    num, days);
	if (store_history(c->store, num, national, time(NULL) - days * 86400,
	    (int)limit, hist_row, &l, &l.total, &err) == -1)
		ctl_die(c, "%s", err.msg);
	if (c->json) {
		printf("],\"total\":%d}\n", l.total);
		return 0;
	}
	if (l.total == 0)
		printf("%s\n", _("No messages."));
	ctl_more(c, l.shown, l.total);
	return 0;
}

static void
show_parse(int argc, char **argv, bool *incoming, int64_t *id, bool *json)
{
	const char *arg = NULL;
	int i;

	*json = false;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (arg == NULL)
			arg = argv[i];
		else
			ctl_usage();
	}
	if (arg == NULL)
		ctl_usage();
	*incoming = arg[0] == 'i';
	*id = count_arg(arg + (*incoming ? 1 : 0), 0x7fffffff);
}

void
ctl_show_check_usage(int argc, char **argv)
{
	bool incoming, json;
	int64_t id;

	show_parse(argc, argv, &incoming, &id, &json);
}

static void
field(const char *label, const char *value)
{
	width_pad(stdout, label, 14, false);
	printf("%s\n", value);
}

int
ctl_show(struct ctl *c, int argc, char **argv)
{
	struct hist_row r;
	struct dz_err err;
	char buf[64];
	bool incoming;
	int64_t id;
	int n;

	show_parse(argc, argv, &incoming, &id, &c->json);
	if ((n = store_message_get(c->store, incoming, id, &r, &err)) == -1)
		ctl_die(c, "%s", err.msg);
	if (n == 0)
		ctl_die(c, _("there is no message %s%lld (the IDs are in "
		    "dossierctl history and queue)"), incoming ? "i" : "",
		    (long long)id);
	if (c->json) {
		json_hist(&r, true);
		printf("\n");
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s%lld", incoming ? "i" : "", (long long)id);
	field(_("Message:"), buf);
	field(incoming ? _("From:") : _("To:"), r.number);
	ctl_fmt_time(r.at, buf, sizeof(buf));
	field(incoming ? _("Received:") : _("Queued:"), buf);
	if (incoming) {
		field(_("Kind:"), r.kind[0] ? r.kind : "-");
		field(_("Outcome:"), ctl_outcome_word(r.outcome));
	} else {
		field(_("Kind:"), kind_word(&r));
		field(_("State:"), ctl_state_word(r.state));
		snprintf(buf, sizeof(buf), "%d", r.attempts);
		field(_("Tries:"), buf);
		if (r.sent_at > 0) {
			ctl_fmt_time(r.sent_at, buf, sizeof(buf));
			field(_("Sent:"), buf);
		}
		if (r.delivery != DLV_NONE) {
			char when[32], dl[256];

			ctl_fmt_time(r.delivery_at, when, sizeof(when));
			if (r.delivery == DLV_WAITING)
				snprintf(dl, sizeof(dl), "%s",
				    ctl_delivery_word(r.delivery));
			else
				snprintf(dl, sizeof(dl), "%s: %s (TP-ST 0x%02x), %s",
				    ctl_delivery_word(r.delivery),
				    _(policy_delivery_reason(r.delivery_status)),
				    r.delivery_status, when);
			field(_("Delivery:"), dl);
		}
		if (r.parts > 0) {
			snprintf(buf, sizeof(buf), "%d", r.parts);
			field(_("SMS parts:"), buf);
		}
		if (r.modem[0])
			field(_("Modem:"), r.modem);
		if (r.inbox_id > 0) {
			snprintf(buf, sizeof(buf), "i%lld", (long long)r.inbox_id);
			field(_("Answers:"), buf);
		}
		if (r.broadcast_id > 0) {
			snprintf(buf, sizeof(buf), "%lld", (long long)r.broadcast_id);
			field(_("Broadcast:"), buf);
		}
		if (r.uncertain)
			field(_("Note:"), _("a send was cut short: it may have "
			    "reached the phone"));
		if (r.last_error[0])
			field(_("Last error:"), r.last_error);
	}
	field(_("Text:"), "");
	printf("%s\n", r.text);
	return 0;
}
