/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dossierctl broadcast: count an audience, show what will be sent, confirm, queue with progress; list, show, cancel. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broadcast.h"
#include "ctl.h"
#include "i18n.h"
#include "numbers.h"
#include "pass.h"
#include "policy.h"
#include "text.h"
#include "width.h"

/* The options of one broadcast command line. */
struct bc_opts {
	const char	*audience;	/* --audience NAME */
	const char	*numbers;	/* --numbers FILE */
	const char	*text;		/* --text TEXT */
	const char	*text_file;	/* --text-file FILE */
	bool		 dry_run, yes, force, list, json;
	const char	*show, *cancel;	/* --show ID, --cancel ID */
};

/* Shown after a count ("3 duplicates"); translated where printed. */
static const char *const exclusion_labels[EXCL_NREASONS] = {
	/* TRANSLATORS: why numbers get no broadcast, after a count. */
	[EXCL_DUPLICATE] = N_("duplicates"),
	[EXCL_OPTOUT] = N_("opted out"),
	[EXCL_LANDLINE] = N_("landlines"),
	[EXCL_SHORTCODE] = N_("short codes"),
	[EXCL_EMPTY] = N_("no number"),
	[EXCL_INVALID] = N_("not a mobile number"),
	[EXCL_BAD_LINE] = N_("unreadable lines"),
};

/* A job's state in words; the database and --json keep the names. */
static const char *
job_state_word(enum job_state st)
{
	switch (st) {
	case JOB_COLLECTING:
		/* TRANSLATORS: the states of a broadcast (--list, --show). */
		return _("collecting");
	case JOB_CONFIRM:
		/* TRANSLATORS: a broadcast state: waits for the staff's OK. */
		return _("confirm");
	case JOB_QUEUING:
		/* TRANSLATORS: a broadcast state: recipients being queued. */
		return _("queuing");
	case JOB_QUEUED:
		/* TRANSLATORS: a broadcast state: every recipient queued. */
		return _("queued");
	case JOB_CANCELLED:
		return _("cancelled");
	case JOB_EXPIRED:
		/* TRANSLATORS: a broadcast state: not confirmed in time. */
		return _("expired");
	case JOB_DRYRUN:
		/* TRANSLATORS: a broadcast state: a dry run's counting. */
		return _("dryrun");
	case JOB_ABANDONED:
		/* TRANSLATORS: a broadcast state: counting never finished. */
		return _("abandoned");
	default:
		return store_job_state_name(st);
	}
}

static int
parse_opts(int argc, char **argv, struct bc_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--dry-run") == 0)
			o->dry_run = true;
		else if (strcmp(a, "--yes") == 0 || strcmp(a, "-y") == 0)
			o->yes = true;
		else if (strcmp(a, "--force") == 0)
			o->force = true;
		else if (strcmp(a, "--list") == 0)
			o->list = true;
		else if (strcmp(a, "--json") == 0)
			o->json = true;
		else if (v == NULL)
			return -1;
		else if (strcmp(a, "--audience") == 0)
			o->audience = argv[++i];
		else if (strcmp(a, "--numbers") == 0)
			o->numbers = argv[++i];
		else if (strcmp(a, "--text") == 0)
			o->text = argv[++i];
		else if (strcmp(a, "--text-file") == 0)
			o->text_file = argv[++i];
		else if (strcmp(a, "--show") == 0)
			o->show = argv[++i];
		else if (strcmp(a, "--cancel") == 0)
			o->cancel = argv[++i];
		else
			return -1;
	}
	if (o->list + (o->show != NULL) + (o->cancel != NULL) > 1)
		return -1;
	if (o->list || o->show || o->cancel)
		return o->audience || o->numbers || o->text || o->text_file ||
		    o->dry_run || o->yes || o->force ||
		    (o->json && o->cancel) ? -1 : 0;
	if ((o->audience == NULL) == (o->numbers == NULL) ||
	    (o->text == NULL) == (o->text_file == NULL) || o->json)
		return -1;
	return 0;
}

void
ctl_broadcast_check_usage(int argc, char **argv)
{
	struct bc_opts o;

	if (parse_opts(argc, argv, &o) == -1)
		ctl_usage();
}

static int64_t
parse_id(struct ctl *c, const char *s)
{
	char *end;
	long long id = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || id <= 0)
		ctl_die(c, _("not a broadcast number: %s"), s);
	return id;
}

/* The whole text file (UTF-8, a trailing newline dropped); the caller frees it. */
static char *
read_text_file(struct ctl *c, const char *path)
{
	FILE *f;
	char *buf;
	size_t n;

	if ((f = fopen(path, "r")) == NULL)
		ctl_die(c, "%s: %s", path, strerror(errno));
	if ((buf = malloc(STORE_TEXT_MAX + 1)) == NULL)
		ctl_die(c, "%s", _("out of memory"));
	n = fread(buf, 1, STORE_TEXT_MAX + 1, f);
	fclose(f);
	if (n > STORE_TEXT_MAX)
		ctl_die(c, _("%s: longer than %d bytes"), path, STORE_TEXT_MAX);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		memmove(buf, buf + 3, n - 2);
	return buf;
}

/* Who runs this: the user behind sudo when there is one. */
static void
source_label(char *out, size_t outsz)
{
	const char *u = getenv("SUDO_USER");
	struct passwd *pw;

	if (u == NULL || *u == '\0')
		u = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : "?";
	/* Stored in the database and --json: not translated. */
	snprintf(out, outsz, "dossierctl, user %s", u);
}

static const char *
audience_sql(struct ctl *c, const char *name)
{
	int i;

	for (i = 0; i < c->conf.records.naudiences; i++)
		if (strcmp(c->conf.records.audiences[i].name, name) == 0)
			return c->conf.records.audiences[i].sql;
	if (c->conf.records.naudiences == 0)
		fprintf(stderr, _("dossierctl: no audience \"%s\" in %s; "
		    "configured: none (records.audiences)\n"), name,
		    c->conf.file);
	else {
		/* TRANSLATORS: the configured audience names follow. */
		fprintf(stderr, _("dossierctl: no audience \"%s\" in %s; "
		    "configured:"), name, c->conf.file);
		for (i = 0; i < c->conf.records.naudiences; i++)
			fprintf(stderr, " %s",
			    c->conf.records.audiences[i].name);
		fprintf(stderr, "\n");
	}
	ctl_die(c, "%s", _("unknown audience"));
}

/* The first time the send window lets the job's first message go. */
static void
first_send(struct ctl *c, time_t now, char *out, size_t outsz)
{
	int ws = c->conf.notices.window_start, we = c->conf.notices.window_end;
	struct tm tm;
	int wait;
	char when[32];

	localtime_r(&now, &tm);
	wait = policy_until_window(ws, we, tm.tm_hour * 60 + tm.tm_min,
	    tm.tm_sec);
	if (wait == 0)
		snprintf(out, outsz, _("now (inside the send window "
		    "%02d:%02d-%02d:%02d)"), ws / 60, ws % 60, we / 60,
		    we % 60);
	else {
		ctl_fmt_time(now + wait, when, sizeof(when));
		/* TRANSLATORS: %.16s is the date and time, YYYY-MM-DD HH:MM. */
		snprintf(out, outsz, _("%.16s, when the send window "
		    "%02d:%02d-%02d:%02d opens"), when, ws / 60, ws % 60,
		    we / 60, we % 60);
	}
}

static void
print_summary(struct ctl *c, const struct job *j, bool dry, time_t now)
{
	char when[128];
	int i, first = 1;

	/* TRANSLATORS: %s is the audience name or "file NAME.csv". */
	printf(dry ? _("broadcast (dry run: nothing is queued) to %s\n") :
	    _("broadcast to %s\n"), j->audience);
	/* TRANSLATORS: the labels of the summary line up; pad them alike. */
	printf(_("  recipients:  %d\n"), j->recipients);
	printf(_("  excluded:    %d"), broadcast_excluded(j));
	for (i = 0; i < EXCL_NREASONS; i++)
		if (j->excluded[i] > 0) {
			printf("%s%d %s", first ? " (" : ", ", j->excluded[i],
			    _(exclusion_labels[i]));
			first = 0;
		}
	printf("%s\n", first ? "" : ")");
	printf(_("  text as sent (%s, %d SMS per recipient):\n    %s\n"),
	    j->ucs2 ? _("UCS-2, Vietnamese letters kept") : "GSM-7",
	    j->segments, j->text);
	printf(_("  cost:        %d SMS in all\n"),
	    j->segments * j->recipients);
	first_send(c, now, when, sizeof(when));
	printf(_("  first send:  %s\n"), when);
}

/* Numbers file lines, one at a time, into the job; a transaction every so often. */
struct file_ctx {
	struct ctl	*c;
	struct pass	*p;
	struct job	*j;
	int		 in_tx;
	struct dz_err	 err;
	int		 failed;
};

static int
file_cb(void *arg, int lineno, enum numbers_kind k, const char *number,
    const char *why)
{
	struct file_ctx *fc = arg;

	if (k == NUMBERS_SKIP)
		return 0;
	if (k == NUMBERS_BAD) {
		fprintf(stderr, "dossierctl: %s\n", why);
		fc->j->excluded[EXCL_BAD_LINE]++;
		return 0;
	}
	if (fc->in_tx == 0 && store_begin(fc->p->store, &fc->err) == -1)
		return fc->failed = 1;
	if (broadcast_add_number(fc->p, fc->j, number, &fc->err) == -1)
		return fc->failed = 1;
	if (++fc->in_tx == BROADCAST_PAGE) {
		fc->in_tx = 0;
		fc->j->cursor = lineno;
		if (store_job_update(fc->p->store, fc->j, &fc->err) == -1 ||
		    store_commit(fc->p->store, &fc->err) == -1)
			return fc->failed = 1;
	}
	return 0;
}

static void
collect_file(struct ctl *c, struct pass *p, struct job *j, const char *path)
{
	struct file_ctx fc = { .c = c, .p = p, .j = j };
	struct numbers_parser np;
	struct dz_err err;
	FILE *f;
	int r;

	if ((f = fopen(path, "r")) == NULL)
		ctl_die(c, "%s: %s", path, strerror(errno));
	numbers_init(&np);
	r = numbers_read(f, &np, file_cb, &fc, &err);
	fclose(f);
	if (fc.failed) {
		store_rollback(p->store);
		ctl_die(c, "%s", fc.err.msg);
	}
	if (r == -1) {
		store_rollback(p->store);
		ctl_die(c, "%s: %s", path, err.msg);
	}
	if ((fc.in_tx == 0 && store_begin(p->store, &err) == -1) ||
	    store_job_update(p->store, j, &err) == -1 ||
	    store_commit(p->store, &err) == -1)
		ctl_die(c, "%s", err.msg);
}

static void
collect_audience(struct ctl *c, struct pass *p, struct job *j, const char *sql)
{
	struct dz_err err;
	int r;

	while ((r = broadcast_collect_step(p, j, sql, &err)) == 0)
		;
	if (r == -1)
		ctl_die(c, "%s", err.msg);
}

/* A yes on the terminal, or --yes; without a terminal the job is dropped and dossierctl exits 1. */
static bool
confirmed(struct ctl *c, const struct bc_opts *o, const struct job *j)
{
	struct dz_err err;
	char question[256];

	if (o->yes)
		return true;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		if (store_job_delete(c->store, j->id, &err) == -1)
			ctl_die(c, "%s", err.msg);
		ctl_die(c, _("not a terminal: nothing queued; add --yes to "
		    "send %d SMS without asking"), j->segments * j->recipients);
	}
	/* ctl_confirm adds "[y/N]" and takes the translated yes too. */
	snprintf(question, sizeof(question), P_("Send it to %d recipient (%d "
	    "SMS)?", "Send it to %d recipients (%d SMS)?", j->recipients),
	    j->recipients, j->segments * j->recipients);
	return ctl_confirm(c, question);
}

static void
progress(bool tty, int done, int total, int *shown)
{
	int pct = total > 0 ? (int)(100LL * done / total) : 100, i;
	char bar[41];

	if (tty) {
		for (i = 0; i < 40; i++)
			bar[i] = i < pct * 40 / 100 ? '#' : '.';
		bar[40] = '\0';
		putchar('\r');
		/* TRANSLATORS: [%s] is a bar of 40 # and . characters. */
		printf(_("  queuing: [%s] %3d%% %d/%d"), bar, pct, done, total);
		if (done >= total)
			putchar('\n');
		fflush(stdout);
	} else if (pct / 10 > *shown / 10 || done >= total) {
		printf(_("  queued %d of %d (%d%%)\n"), done, total, pct);
		fflush(stdout);
	}
	*shown = pct;
}

static void
queue_all(struct ctl *c, struct pass *p, struct job *j)
{
	struct dz_err err;
	bool tty = isatty(STDOUT_FILENO);
	int r, shown = -1;

	progress(tty, 0, j->recipients, &shown);
	for (;;) {
		pass_init(p, &c->conf, c->store, c->records, time(NULL));
		if ((r = broadcast_queue_step(p, j, BROADCAST_BATCH, &err)) == -1)
			ctl_die(c, _("%s (broadcast #%lld: dossierd queues the "
			    "rest)"), err.msg, (long long)j->id);
		progress(tty, j->enqueued, j->recipients, &shown);
		if (r == 1)
			break;
	}
}

static int
cmd_new(struct ctl *c, const struct bc_opts *o)
{
	struct pass p;
	struct job j;
	struct dz_err err;
	char source[96], label[96], *text = NULL, when[32];
	const char *sql = NULL, *base;
	int64_t same;

	if (o->audience != NULL) {
		sql = audience_sql(c, o->audience);
		snprintf(label, sizeof(label), "%s", o->audience);
	} else {
		base = strrchr(o->numbers, '/');
		/* The job's audience in the database and --json: English. */
		snprintf(label, sizeof(label), "file %s", base ? base + 1 : o->numbers);
	}
	if (o->text_file != NULL)
		text = read_text_file(c, o->text_file);
	if ((c->records = records_new(c->conf.records.path,
	    c->conf.records.busy_timeout)) == NULL)
		ctl_die(c, "%s", _("out of memory"));
	pass_init(&p, &c->conf, c->store, c->records, time(NULL));
	source_label(source, sizeof(source));
	if (broadcast_prepare(&p, &j, source, label, text ? text : o->text,
	    &err) == -1)
		ctl_die(c, "%s", err.msg);
	free(text);
	if (!o->dry_run && !o->force && (same = store_job_same(c->store,
	    j.audience, j.text, p.now - BROADCAST_REPEAT_S, &err)) != 0) {
		if (same == -1)
			ctl_die(c, "%s", err.msg);
		ctl_die(c, _("broadcast #%lld sent the same text to %s less "
		    "than 24 hours ago; add --force to send it again"),
		    (long long)same, j.audience);
	}
	j.state = o->dry_run ? JOB_DRYRUN : JOB_COLLECTING;
	if (store_job_add(c->store, &j, &err) == -1)
		ctl_die(c, "%s", err.msg);
	if (sql != NULL)
		collect_audience(c, &p, &j, sql);
	else
		collect_file(c, &p, &j, o->numbers);
	print_summary(c, &j, o->dry_run, p.now);
	if (o->dry_run || j.recipients == 0 || !confirmed(c, o, &j)) {
		if (store_job_delete(c->store, j.id, &err) == -1)
			ctl_die(c, "%s", err.msg);
		if (!o->dry_run)
			printf("%s\n", j.recipients == 0 ?
			    _("nobody to send to: nothing queued") :
			    _("not sent: nothing queued"));
		return 0;
	}
	j.state = JOB_QUEUING;
	if (store_job_update(c->store, &j, &err) == -1)
		ctl_die(c, "%s", err.msg);
	queue_all(c, &p, &j);
	ctl_fmt_time(j.created_at, when, sizeof(when));
	printf(P_("broadcast #%lld: %d message queued in the broadcast lane; "
	    "follow it with: dossierctl broadcast --show %lld\n",
	    "broadcast #%lld: %d messages queued in the broadcast lane; "
	    "follow it with: dossierctl broadcast --show %lld\n", j.enqueued),
	    (long long)j.id, j.enqueued, (long long)j.id);
	return 0;
}

/* ---- --list, --show, --cancel ---- */

struct list_ctx {
	struct ctl	*c;
	bool		 json;
	int		 n;
	size_t		 state_cols;	/* the widest state word, >= 10 */
};

static void
job_json(const struct job *j, const struct job_progress *pr, bool text)
{
	int i;

	printf("{\"id\":%lld,\"created_at\":%lld,\"source\":", (long long)j->id,
	    (long long)j->created_at);
	ctl_json_str(j->source);
	printf(",\"audience\":");
	ctl_json_str(j->audience);
	printf(",\"state\":\"%s\",\"recipients\":%d,\"enqueued\":%d,"
	    "\"queued\":%d,\"sent\":%d,\"failed\":%d,\"cancelled\":%d,"
	    "\"remaining\":%d,\"segments\":%d,\"excluded\":{",
	    store_job_state_name(j->state), j->recipients, j->enqueued,
	    pr->waiting, pr->sent, pr->failed, pr->cancelled,
	    pr->pending + pr->waiting, j->segments);
	for (i = 0; i < EXCL_NREASONS; i++)
		printf("%s\"%s\":%d", i ? "," : "", store_exclusion_name(i),
		    j->excluded[i]);
	printf("}");
	if (text) {
		printf(",\"text\":");
		ctl_json_str(j->text);
	}
	printf("}");
}

/* Display cells, not bytes: the headings and state words may be translated. */
static void
list_heading(struct list_ctx *lc)
{
	/*
	 * TRANSLATORS: headings of numbers in broadcast --list (6 columns):
	 * recipients, waiting to be sent, sent, failed, excluded, not sent yet.
	 */
	const char *num[] = { _("TO"), _("QUEUED"), _("SENT"), _("FAILED"),
	    _("EXCL"), _("LEFT") };
	size_t i, w;
	int st;

	lc->state_cols = width_of(_("STATE"));
	for (st = 0; st < JOB_NSTATES; st++)
		if ((w = width_of(job_state_word(st))) > lc->state_cols)
			lc->state_cols = w;
	if (lc->state_cols < 10)
		lc->state_cols = 10;
	ctl_cell(lc->c, _("ID"), 5, false);
	putchar(' ');
	ctl_cell(lc->c, _("CREATED"), 16, false);
	putchar(' ');
	ctl_cell(lc->c, _("STATE"), lc->state_cols, false);
	putchar(' ');
	ctl_cell(lc->c, _("AUDIENCE"), 20, false);
	for (i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
		putchar(' ');
		ctl_cell(lc->c, num[i], 6, true);
	}
	/* TRANSLATORS: who made it ("dossierctl, user NAME", a number). */
	printf("  %s\n", _("FROM"));
}

static int
list_cb(void *arg, const struct job *j)
{
	struct list_ctx *lc = arg;
	struct job_progress pr;
	struct dz_err err;
	char when[32];

	if (store_job_progress(lc->c->store, j->id, &pr, &err) == -1)
		ctl_die(lc->c, "%s", err.msg);
	if (lc->json) {
		printf("%s", lc->n++ ? "," : "");
		job_json(j, &pr, false);
		return 0;
	}
	if (lc->n++ == 0)
		list_heading(lc);
	ctl_fmt_time(j->created_at, when, sizeof(when));
	printf("%-5lld %-16.16s ", (long long)j->id, when);
	ctl_cell(lc->c, job_state_word(j->state), lc->state_cols, false);
	putchar(' ');
	ctl_cell(lc->c, j->audience, 20, false);
	printf(" %6d %6d %6d %6d %6d %6d  %s\n", j->recipients, pr.waiting,
	    pr.sent, pr.failed, broadcast_excluded(j), pr.pending + pr.waiting,
	    j->source);
	return 0;
}

static int
cmd_list(struct ctl *c, bool json)
{
	struct list_ctx lc = { .c = c, .json = json };
	struct dz_err err;

	if (json)
		printf("[");
	if (store_job_list(c->store, 0, 200, list_cb, &lc, &err) == -1)
		ctl_die(c, "%s", err.msg);
	if (json)
		printf("]\n");
	else if (lc.n == 0)
		printf("%s\n", _("no broadcasts yet"));
	return 0;
}

static void
get_job(struct ctl *c, const char *arg, struct job *j)
{
	struct dz_err err;
	int r;

	if ((r = store_job_get(c->store, parse_id(c, arg), j, &err)) == -1)
		ctl_die(c, "%s", err.msg);
	if (r == 0 || j->state == JOB_DRYRUN)
		ctl_die(c, _("no broadcast #%s (dossierctl broadcast --list)"),
		    arg);
}

/* When the job was queued, cancelled or expired. */
static void
show_finished(const struct job *j, const char *when)
{
	switch (j->state) {
	case JOB_QUEUED:
		printf(_("  all queued:   %s\n"), when);
		break;
	case JOB_CANCELLED:
		printf(_("  cancelled:   %s\n"), when);
		break;
	case JOB_EXPIRED:
		printf(_("  expired:     %s\n"), when);
		break;
	default:
		printf("  %s:%*s%s\n", store_job_state_name(j->state),
		    (int)(12 - strlen(store_job_state_name(j->state))), "",
		    when);
	}
}

static int
cmd_show(struct ctl *c, const char *arg, bool json)
{
	struct job j;
	struct job_progress pr;
	struct dz_err err;
	char when[32];
	int i;

	get_job(c, arg, &j);
	if (store_job_progress(c->store, j.id, &pr, &err) == -1)
		ctl_die(c, "%s", err.msg);
	if (json) {
		job_json(&j, &pr, true);
		printf("\n");
		return 0;
	}
	ctl_fmt_time(j.created_at, when, sizeof(when));
	printf(_("broadcast #%lld, %s\n"), (long long)j.id,
	    job_state_word(j.state));
	/* TRANSLATORS: the labels of --show line up; pad them alike. */
	printf(_("  created:     %s by %s\n"), when, j.source);
	printf(_("  audience:    %s\n"), j.audience);
	printf(_("  recipients:  %d (%d SMS each)\n"), j.recipients,
	    j.segments);
	for (i = 0; i < EXCL_NREASONS; i++)
		if (j.excluded[i] > 0)
			printf(_("  excluded:    %d %s\n"), j.excluded[i],
			    _(exclusion_labels[i]));
	printf(_("  progress:    %d sent, %d waiting to be sent, %d failed, "
	    "%d cancelled, %d not queued yet\n"), pr.sent, pr.waiting,
	    pr.failed, pr.cancelled, pr.pending);
	if (j.finished_at > 0) {
		ctl_fmt_time(j.finished_at, when, sizeof(when));
		show_finished(&j, when);
	}
	printf(_("  text:\n    %s\n"), j.text);
	return 0;
}

static int
cmd_cancel(struct ctl *c, const char *arg)
{
	struct pass p;
	struct job j;
	struct job_progress pr;
	struct dz_err err;
	int n;

	get_job(c, arg, &j);
	pass_init(&p, &c->conf, c->store, NULL, time(NULL));
	if ((n = broadcast_cancel(&p, &j, &err)) == -1)
		ctl_die(c, "%s", err.msg);
	if (store_job_progress(c->store, j.id, &pr, &err) == -1)
		ctl_die(c, "%s", err.msg);
	printf(P_("broadcast #%lld cancelled: %d message not sent, %d already "
	    "sent\n", "broadcast #%lld cancelled: %d messages not sent, %d "
	    "already sent\n", n + pr.pending), (long long)j.id, n + pr.pending,
	    pr.sent);
	return 0;
}

int
ctl_broadcast(struct ctl *c, int argc, char **argv)
{
	struct bc_opts o;

	if (parse_opts(argc, argv, &o) == -1)
		ctl_usage();
	if (o.list)
		return cmd_list(c, o.json);
	if (o.show != NULL)
		return cmd_show(c, o.show, o.json);
	if (o.cancel != NULL)
		return cmd_cancel(c, o.cancel);
	return cmd_new(c, &o);
}
