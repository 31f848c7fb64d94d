/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/conf.c: defaults, the shipped sample, FILE:LINE errors, restart detection. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "err.h"
#include "text.h"

/* One modem on line 1: the least a valid file needs. */
#define MODEM	"modems = ( { device = \"/tmp/dz-phone\"; model = \"dummy\";" \
		" connection = \"none\"; } );\n"

/*
 * Files that must be rejected: the line the error must name (0: the
 * error concerns no single line, "FILE: " is enough) and a piece of the
 * message that must appear.
 */
static const struct {
	const char	*text;
	int		 line;
	const char	*want;
} bad[] = {
	/* One file: libconfig 1.5 exits the process on @include of a directory. */
	{ MODEM "  @include \".\"\n", 2, "@include is not supported" },
	/* Unknown keys, at the top and inside groups. */
	{ MODEM "foo = 1;\n", 2, "unknown key foo" },
	{ MODEM "sms = {\n  per_minute = 10;\n  foo = 1;\n};\n", 4,
	    "unknown key sms.foo" },
	{ MODEM "\n\nlimits = {\n  lookups_per_days = 3;\n};\n", 5,
	    "unknown key limits.lookups_per_days" },
	{ MODEM "state = \"/tmp/state.db\";\n", 2, "unknown key state" },
	{ MODEM "sms = {\n  sms = { max_parts = 2; };\n};\n", 3,
	    "unknown key sms.sms" },
	{ "modems = (\n  {\n    device = \"/dev/ttyUSB0\";\n    baud = 9600;\n"
	    "  }\n);\n", 4, "unknown key modems.baud" },
	{ "modems = (\n  {\n    device = \"/dev/ttyUSB0\";\n"
	    "    status_reports = \"sim\";\n  }\n);\n", 4,
	    "modems.status_reports must be \"direct\" or \"stored\"" },
	/* Ranges and types. */
	{ MODEM "\nsms = {\n  max_parts = 99;\n};\n", 4,
	    "sms.max_parts = 99 is out of range 1..6" },
	{ MODEM "sms = { max_parts = 0; };\n", 2,
	    "sms.max_parts = 0 is out of range 1..6" },
	{ MODEM "sms = { max_parts = 10000000000L; };\n", 2,
	    "sms.max_parts = 10000000000 is out of range" },
	{ MODEM "limits = {\n  misses_per_hour = -1;\n};\n", 3,
	    "limits.misses_per_hour = -1 is out of range 1..10000" },
	{ MODEM "ussd = { low_balance = 100000001; };\n", 2,
	    "ussd.low_balance = 100000001 is out of range" },
	{ MODEM "sms = {\n  max_parts = \"3\";\n};\n", 3,
	    "expected an integer for sms.max_parts" },
	{ MODEM "sms = { max_parts = 3.0; };\n", 2,
	    "expected an integer for sms.max_parts" },
	{ MODEM "sms = { max_parts = true; };\n", 2,
	    "expected an integer for sms.max_parts" },
	{ MODEM "records = { path = 5; };\n", 2,
	    "expected a string for records.path" },
	{ MODEM "privacy = {\n  owner_only = 1;\n};\n", 3,
	    "expected true or false for privacy.owner_only" },
	{ MODEM "sms = {\n  charset = \"latin1\";\n};\n", 3, "latin1" },
	{ MODEM "sms = { charset = \"ASCII\"; };\n", 2, "sms.charset" },
	{ MODEM "log = {\n  level = \"verbose\";\n};\n", 3, "log.level" },
	/* Send windows. */
	{ MODEM "notices = {\n  window = \"7h-21h\";\n};\n", 3, "7h-21h" },
	{ MODEM "notices = { window = \"07:30-21:60\"; };\n", 2, "07:30-21:60" },
	{ MODEM "notices = { window = \"25:00-07:00\"; };\n", 2, "25:00-07:00" },
	{ MODEM "notices = { window = \"07:30\"; };\n", 2, "window" },
	{ MODEM "notices = { window = \"07:30-21:00 daily\"; };\n", 2, "window" },
	{ MODEM "notices = { window = \"-1:00-21:00\"; };\n", 2, "window" },
	/* libconfig's own syntax errors, at its line. */
	{ MODEM "sms = {\n  max_parts 3;\n};\n", 3, "syntax error" },
	{ MODEM "sms = {\n  max_parts = ;\n};\n", 3, "syntax error" },
	{ MODEM "\ntemplates = {\n  help = \"HD;\n};\n", 0, "" },
	/* Special keys. */
	{ MODEM "statuses = (\n  { code = 9; text = \"x\"; },\n"
	    "  { code = 11; text = \"y\"; }\n);\n", 4,
	    "statuses code must be 1..10" },
	{ MODEM "statuses = (\n  { code = 0; }\n);\n", 3,
	    "statuses code must be 1..10" },
	{ MODEM "statuses = (\n  { text = \"no code\"; }\n);\n", 3,
	    "statuses entry needs code" },
	{ MODEM "statuses = (\n  { code = 9;\n    colour = \"red\"; }\n);\n", 4,
	    "unknown key statuses.colour" },
	{ MODEM "statuses = (\n  { code = 9; text = 9; }\n);\n", 3,
	    "statuses text must be a string" },
	{ MODEM "notices = {\n  reminder_days = [7, 3];\n};\n", 3,
	    "entries must increase in reminder_days" },
	{ MODEM "notices = {\n  reminder_days = [0];\n};\n", 3,
	    "out-of-range entry in reminder_days" },
	{ MODEM "notices = {\n  reminder_days = [1, 2, 3, 4, 5, 6, 7, 8, 9];\n};\n",
	    3, "too many entries in reminder_days" },
	{ "modems = (\n  { device = \"/dev/ttyUSB0\";\n    pin = \"12ab\"; }\n);\n",
	    3, "modems.pin must be 4 to 8 digits" },
	{ "modems = (\n  { device = \"/dev/ttyUSB0\"; pin = \"123\"; }\n);\n",
	    2, "modems.pin must be 4 to 8 digits" },
	{ "modems = ( );\n", 1, "modems needs 1 to 8 entries" },
	{ "modems = ( {}, {}, {}, {}, {}, {}, {}, {}, {} );\n", 1,
	    "modems needs 1 to 8 entries" },
	{ "modems = (\n  \"/dev/ttyUSB0\" );\n", 2, "must be a group" },
	{ MODEM "staff = {\n  pin = \"2468\";\n  numbers = [\"1900123\"];\n};\n", 4,
	    "not a mobile number in staff.numbers: 1900123" },
	{ MODEM "records = {\n  audiences = {\n    waiting = 1;\n  };\n};\n", 4,
	    "audience SQL must be a string: waiting" },
	/* Checks across keys, after the walk. */
	{ MODEM "templates = {\n  opt_out = \"\";\n};\n", 0,
	    "templates.opt_out must not be empty" },
	{ MODEM "sms = { retry_initial = 600; retry_max = 60; };\n", 0,
	    "sms.retry_max is below sms.retry_initial" },
	{ MODEM "ussd = { balance_regex = \"([0-9\"; };\n", 0,
	    "ussd.balance_regex" },
	{ "sms = { max_parts = 2; };\n", 0, "no modems" },
	{ "", 0, "no modems" },
};

/*
 * Checks made after the walk that concern one key set in the file: the
 * error names that key's line too (conf.h: "FILE:LINE: message").
 */
static const struct {
	const char	*text;
	int		 line;
	const char	*want;
} bad_late[] = {
	{ MODEM "templates = {\n  help = \"HD\";\n  reply = \"Ho so {nope}\";\n};\n",
	    4, "templates.reply" },
	{ MODEM "staff = {\n  numbers = [\"0912345678\"];\n};\n", 3, "staff.pin" },
	/* A statuses flag of the wrong type is an error, like privacy.owner_only = 1. */
	{ MODEM "statuses = (\n  { code = 4;\n    notice = 1; }\n);\n", 4, "notice" },
	{ MODEM "statuses = (\n  { code = 9; done = \"no\"; }\n);\n", 3, "done" },
};

/* Write text to a fresh file in /tmp; path receives its name. */
static void
write_tmp(const char *text, char *path, size_t pathsz)
{
	FILE *f;
	int fd;

	snprintf(path, pathsz, "/tmp/dz-test-conf-XXXXXX");
	CHECK((fd = mkstemp(path)) != -1);
	CHECK((f = fdopen(fd, "w")) != NULL);
	CHECK(fputs(text, f) >= 0);
	CHECK(fclose(f) == 0);
}

/* conf_load of text from a temporary file, removed again; path names it. */
static int
load_text(const char *text, struct conf *c, struct dz_err *err, char *path,
    size_t pathsz)
{
	int r;

	write_tmp(text, path, pathsz);
	r = conf_load(path, c, err);
	unlink(path);
	return r;
}

/* Loading text fails with "FILE:LINE: ...want..." (line 0: "FILE:...want..."). */
static void
check_bad(size_t i, const char *text, int line, const char *want)
{
	struct conf c;
	struct dz_err err;
	char path[64], prefix[96];
	int r;

	memset(&err, 0, sizeof(err));
	r = load_text(text, &c, &err, path, sizeof(path));
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s:", path);
	if (r != -1 || strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
	    strstr(err.msg, want) == NULL) {
		fprintf(stderr, "case %zu: r = %d, err \"%s\", want \"%s...%s\"\n"
		    "---\n%s---\n", i, r, err.msg, prefix, want, text);
		if (r == 0)
			conf_fini(&c);
	}
	CHECK_INT(r, -1);
	CHECK(strncmp(err.msg, prefix, strlen(prefix)) == 0);
	CHECK(strstr(err.msg, want) != NULL);
}

static void
test_errors(void)
{
	struct conf c;
	struct dz_err err;
	char path[64];
	size_t i;

	for (i = 0; i < nitems(bad); i++)
		check_bad(i, bad[i].text, bad[i].line, bad[i].want);

	/* A bad placeholder is named, with its template. */
	CHECK_INT(load_text(MODEM "templates = { reply = \"{nope}\"; };\n", &c,
	    &err, path, sizeof(path)), -1);
	CHECK(strstr(err.msg, "templates.reply") != NULL);
	CHECK(strstr(err.msg, "{nope}") != NULL);
	/* Names, ID numbers, addresses: never in an SMS, whatever the template. */
	CHECK_INT(load_text(MODEM "templates = { reply_owner = \"{code}: {applicant}\"; };\n",
	    &c, &err, path, sizeof(path)), -1);
	CHECK(strstr(err.msg, "templates.reply_owner: {applicant} is the applicant's"
	    " personal data: it never goes out by SMS") != NULL);
	CHECK_INT(load_text(MODEM "templates = { notice = \"{CCCD}\"; };\n", &c,
	    &err, path, sizeof(path)), -1);
	CHECK(strstr(err.msg, "{cccd} is the applicant's personal data") != NULL);
	/* A placeholder allowed in one template is not in another. */
	CHECK_INT(load_text(MODEM "templates = { reply = \"{procedure}\"; };\n", &c,
	    &err, path, sizeof(path)), -1);
	CHECK(strstr(err.msg, "{procedure}") != NULL);

	/* A file that cannot be read. */
	CHECK_INT(conf_load("/nonexistent/dossierd.conf", &c, &err), -1);
	CHECK_STR(err.msg, "/nonexistent/dossierd.conf: cannot read file");
	/* err may be NULL. */
	CHECK_INT(load_text("foo = 1;\n", &c, NULL, path, sizeof(path)), -1);
}

/* Documented defaults (the key table in lib/conf.c) from a one-modem file. */
static void
test_defaults(void)
{
	struct conf c;
	struct dz_err err;
	char path[64];
	int r;

	r = load_text(MODEM, &c, &err, path, sizeof(path));
	if (r != 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_INT(r, 0);
	CHECK_STR(c.file, path);

	CHECK_INT(c.nmodems, 1);
	CHECK_STR(c.modems[0].name, "modem1");
	CHECK_STR(c.modems[0].device, "/tmp/dz-phone");
	CHECK_STR(c.modems[0].connection, "none");
	CHECK_STR(c.modems[0].model, "dummy");
	CHECK(c.modems[0].pin == NULL);
	CHECK_INT(c.modems[0].poll_interval, 30);
	CHECK_INT(c.modems[0].send_timeout, 60);
	CHECK_INT(c.modems[0].status_interval, 300);

	CHECK_STR(c.records.path, "/var/lib/dossierd/records.db");
	CHECK(strstr(c.records.lookup_sql, "WHERE code = :code") != NULL);
	CHECK(strstr(c.records.ready_sql, "updated_at >= :since") != NULL);
	CHECK_INT(c.records.busy_timeout, 2000);
	CHECK_INT(c.records.naudiences, 0);
	CHECK_STR(c.state.path, "/var/lib/dossierd/state.db");
	CHECK_INT(c.log.level, 1);
	CHECK_STR(c.example_code, "000.00.12.H39-240824-0001");

	CHECK_INT(c.sms.charset, TEXT_ASCII);
	CHECK_INT(c.sms.max_parts, 3);
	CHECK_INT(c.sms.per_minute, 20);
	CHECK_INT(c.sms.max_codes, 3);
	CHECK_INT(c.sms.retry_initial, 30);
	CHECK_INT(c.sms.retry_max, 3600);
	CHECK_INT(c.sms.max_attempts, 10);
	CHECK_INT(c.sms.reply_expiry, 86400);
	CHECK_INT(c.sms.multipart_timeout, 600);

	CHECK_INT(c.notices.window_start, 450);
	CHECK_INT(c.notices.window_end, 1260);
	CHECK_INT(c.notices.nreminders, 2);
	CHECK_INT(c.notices.reminder_days[0], 3);
	CHECK_INT(c.notices.reminder_days[1], 7);
	CHECK_INT(c.notices.backfill_days, 3);
	CHECK_INT(c.notices.per_number_per_day, 3);
	CHECK_INT(c.notices.poll_interval, 60);
	CHECK_INT(c.notices.day_seconds, 86400);

	CHECK_INT(c.limits.lookups_per_day, 20);
	CHECK_INT(c.limits.misses_per_hour, 5);
	CHECK_INT(c.limits.replies_per_number_per_day, 30);
	CHECK(!c.privacy.owner_only);
	CHECK_INT(c.staff.nnumbers, 0);
	CHECK(c.staff.pin == NULL);
	CHECK_INT(c.staff.max_pin_failures, 3);
	CHECK_STR(c.ussd.balance_code, "*101#");
	CHECK_INT(c.ussd.interval, 86400);
	CHECK_STR(c.ussd.balance_regex, "");	/* the built-in reading of Vietnamese answers */
	CHECK_INT(c.ussd.low_balance, 10000);

	/* National statuses: 9 is ready (notice), 10 returned (final). */
	CHECK_STR(c.statuses[1].text, "Mới đăng ký, chờ tiếp nhận");
	CHECK_STR(c.statuses[4].text, "Đang xử lý");
	CHECK(!c.statuses[4].done);
	CHECK_STR(c.statuses[9].text, "Đã có kết quả, mời đến nhận");
	CHECK(c.statuses[9].notice);
	CHECK(!c.statuses[9].final);
	CHECK(c.statuses[9].done);
	CHECK_STR(c.statuses[10].text, "Đã trả kết quả");
	CHECK(c.statuses[10].final);
	CHECK(!c.statuses[10].notice);
	CHECK(c.statuses[10].done);
	CHECK(c.statuses[3].done && c.statuses[7].done && c.statuses[8].done);

	CHECK_STR(c.templates.reply,
	    "Hồ sơ {code}: {status}. Hẹn trả: {due}. Nơi nhận: {office}.");
	CHECK(strstr(c.templates.reply_owner, "{procedure}") != NULL);
	CHECK_STR(c.templates.overdue, "{status}, quá hạn {days} ngày");
	CHECK(strstr(c.templates.not_found, "{code}") != NULL);
	CHECK(strstr(c.templates.help, "{example}") != NULL);
	CHECK(c.templates.opt_out != NULL && c.templates.opt_in != NULL);
	CHECK(c.templates.rate_limited != NULL && c.templates.too_many != NULL);
	CHECK(c.templates.notice != NULL && c.templates.reminder != NULL);
	conf_fini(&c);
}

/* Values set in a file land in the right fields. */
static void
test_values(void)
{
	static const char text[] =
	    "modems = (\n"
	    "  { device = \"/dev/ttyUSB0\"; pin = \"1234\"; poll_interval = 5; },\n"
	    "  { name = \"spare\"; device = \"/dev/ttyUSB1\";"
	    " status_reports = \"stored\"; direct_send = false;"
	    " direct_delete = false; },\n"
	    "  { device = \"/dev/ttyUSB2\"; }\n"
	    ");\n"
	    "records = { path = \"/tmp/r.db\"; audiences = {\n"
	    "  waiting = \"SELECT phone FROM dossiers WHERE status = 9\";\n"
	    "  all = \"SELECT phone FROM dossiers\"; }; };\n"
	    "state = { path = \"/tmp/s.db\"; };\n"
	    "log = { level = \"debug\"; };\n"
	    "statuses = ( { code = 4; done = true; },\n"
	    "  { code = 10; text = \"Xong\"; final = false; } );\n"
	    "sms = { charset = \"unicode\"; max_parts = 1; max_codes = 10; };\n";
	static const char text2[] =
	    MODEM
	    "notices = { window = \"21:00-07:30\"; reminder_days = [1, 2, 5]; };\n"
	    "sms = { charset = \"auto\"; };\n"
	    "log = { level = \"warning\"; };\n"
	    "privacy = { owner_only = true; };\n"
	    "staff = { numbers = [\"0912 345 678\", \"+84 (98) 765-4321\"];"
	    " pin = \"2468\"; };\n"
	    "ussd = { low_balance = 5000L; interval = 0; };\n"
	    "templates = { reply = \"{{x}} {code} {received}\"; };\n";
	struct conf c;
	struct dz_err err;
	char path[64];
	int r;

	r = load_text(text, &c, &err, path, sizeof(path));
	if (r != 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_INT(r, 0);
	CHECK_INT(c.nmodems, 3);
	CHECK_STR(c.modems[0].name, "modem1");
	CHECK_STR(c.modems[0].pin, "1234");
	CHECK_INT(c.modems[0].poll_interval, 5);
	CHECK_STR(c.modems[1].name, "spare");
	CHECK_STR(c.modems[1].device, "/dev/ttyUSB1");
	CHECK(c.modems[1].pin == NULL);
	CHECK_INT(c.modems[1].poll_interval, 30);
	CHECK(!c.modems[0].reports_stored);
	CHECK(c.modems[1].reports_stored);
	CHECK(c.modems[0].direct_send);		/* the default */
	CHECK(!c.modems[1].direct_send);
	CHECK(c.modems[0].direct_delete);	/* the default */
	CHECK(!c.modems[1].direct_delete);
	CHECK_STR(c.modems[2].name, "modem3");
	CHECK_STR(c.modems[2].connection, "at");
	CHECK_STR(c.modems[2].model, "");
	CHECK_STR(c.records.path, "/tmp/r.db");
	CHECK_INT(c.records.naudiences, 2);
	CHECK_STR(c.records.audiences[0].name, "waiting");
	CHECK_STR(c.records.audiences[0].sql,
	    "SELECT phone FROM dossiers WHERE status = 9");
	CHECK_STR(c.records.audiences[1].name, "all");
	CHECK_STR(c.state.path, "/tmp/s.db");
	CHECK_INT(c.log.level, 2);
	/* A statuses entry changes only the fields it names. */
	CHECK_STR(c.statuses[4].text, "Đang xử lý");
	CHECK(c.statuses[4].done);
	CHECK(!c.statuses[4].notice);
	CHECK_STR(c.statuses[10].text, "Xong");
	CHECK(!c.statuses[10].final);
	CHECK(c.statuses[10].done);
	CHECK(c.statuses[9].notice);
	CHECK_INT(c.sms.charset, TEXT_UNICODE);
	CHECK_INT(c.sms.max_parts, 1);
	CHECK_INT(c.sms.max_codes, 10);
	conf_fini(&c);

	r = load_text(text2, &c, &err, path, sizeof(path));
	if (r != 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_INT(r, 0);
	CHECK_INT(c.notices.window_start, 1260);
	CHECK_INT(c.notices.window_end, 450);
	CHECK_INT(c.notices.nreminders, 3);
	CHECK_INT(c.notices.reminder_days[0], 1);
	CHECK_INT(c.notices.reminder_days[1], 2);
	CHECK_INT(c.notices.reminder_days[2], 5);
	CHECK_INT(c.sms.charset, TEXT_AUTO);
	CHECK_INT(c.log.level, 0);
	CHECK(c.privacy.owner_only);
	CHECK_INT(c.staff.nnumbers, 2);
	CHECK_STR(c.staff.numbers[0], "+84912345678");
	CHECK_STR(c.staff.numbers[1], "+84987654321");
	CHECK_STR(c.staff.pin, "2468");
	CHECK_INT(c.ussd.low_balance, 5000);
	CHECK_INT(c.ussd.interval, 0);
	CHECK_STR(c.templates.reply, "{{x}} {code} {received}");
	conf_fini(&c);

	/* libconfig makes the ';' after a setting optional: not an error. */
	CHECK_INT(load_text(MODEM "sms = {\n  max_parts = 2\n  per_minute = 10\n};\n",
	    &c, &err, path, sizeof(path)), 0);
	CHECK_INT(c.sms.max_parts, 2);
	CHECK_INT(c.sms.per_minute, 10);
	conf_fini(&c);
	/* An empty reminder list means no reminders. */
	CHECK_INT(load_text(MODEM "notices = { reminder_days = []; };\n", &c, &err,
	    path, sizeof(path)), 0);
	CHECK_INT(c.notices.nreminders, 0);
	conf_fini(&c);
	/* The whole day as a window. */
	CHECK_INT(load_text(MODEM "notices = { window = \"00:00-24:00\"; };\n", &c,
	    &err, path, sizeof(path)), 0);
	CHECK_INT(c.notices.window_start, 0);
	CHECK_INT(c.notices.window_end, 1440);
	conf_fini(&c);
}

/* The shipped, annotated sample loads, and what it shows are the defaults. */
static void
test_sample(void)
{
	struct conf c, d;
	struct dz_err err;
	const char *top = getenv("top_srcdir");
	char path[1024], tmp[64];
	int i, r;

	snprintf(path, sizeof(path), "%s/etc/dossierd.conf", top ? top : ".");
	r = conf_load(path, &c, &err);
	if (r != 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_INT(r, 0);
	CHECK_INT(c.nmodems, 1);
	CHECK_STR(c.modems[0].name, "modem1");
	CHECK_STR(c.modems[0].device, "/dev/serial/by-id/usb-HUAWEI_Mobile-if00-port0");
	CHECK_STR(c.modems[0].connection, "at");
	CHECK_STR(c.modems[0].model, "at");
	CHECK(c.modems[0].pin == NULL);
	CHECK_INT(c.records.naudiences, 3);	/* waiting, open, missing_papers */
	CHECK_STR(c.records.audiences[0].name, "waiting");
	CHECK(c.staff.nnumbers == 0 && c.staff.pin == NULL);

	CHECK_INT(load_text(MODEM, &d, &err, tmp, sizeof(tmp)), 0);
	CHECK_STR(c.records.path, d.records.path);
	CHECK_STR(c.records.lookup_sql, d.records.lookup_sql);
	CHECK_INT(c.records.busy_timeout, d.records.busy_timeout);
	CHECK_STR(c.state.path, d.state.path);
	CHECK_INT(c.log.level, d.log.level);
	CHECK_STR(c.example_code, d.example_code);
	CHECK(memcmp(&c.sms, &d.sms, sizeof(c.sms)) == 0);
	CHECK(memcmp(&c.notices, &d.notices, sizeof(c.notices)) == 0);
	CHECK(memcmp(&c.limits, &d.limits, sizeof(c.limits)) == 0);
	CHECK(c.privacy.owner_only == d.privacy.owner_only);
	CHECK_INT(c.staff.max_pin_failures, d.staff.max_pin_failures);
	CHECK_STR(c.ussd.balance_code, d.ussd.balance_code);
	CHECK_STR(c.ussd.balance_regex, d.ussd.balance_regex);
	CHECK_INT(c.ussd.interval, d.ussd.interval);
	CHECK_INT(c.ussd.low_balance, d.ussd.low_balance);
	for (i = 1; i <= CONF_NSTATUS; i++) {
		CHECK_STR(c.statuses[i].text, d.statuses[i].text);
		CHECK(c.statuses[i].notice == d.statuses[i].notice);
		CHECK(c.statuses[i].final == d.statuses[i].final);
		CHECK(c.statuses[i].done == d.statuses[i].done);
	}
#define SAME(f)	CHECK_STR(c.templates.f, d.templates.f)
	SAME(reply); SAME(reply_owner); SAME(overdue); SAME(not_found);
	SAME(not_owner); SAME(bad_date); SAME(procedure); SAME(bad_syntax);
	SAME(help); SAME(too_many); SAME(opt_out); SAME(opt_in);
	SAME(rate_limited); SAME(notice); SAME(reminder); SAME(staff_denied);
	SAME(staff_status); SAME(staff_balance); SAME(staff_unsupported);
	SAME(staff_broadcast_count); SAME(staff_broadcast_started);
	SAME(staff_broadcast_cancelled); SAME(staff_broadcast_refused);
	SAME(staff_lockout_alert);
#undef SAME
	conf_fini(&d);
	conf_fini(&c);
}

static void
test_needs_restart(void)
{
	static const struct {
		const char	*text;
		bool		 restart;
		const char	*keys;		/* what the log names, if checked */
	} cases[] = {
		{ MODEM, false, NULL },
		{ MODEM "templates = { reply = \"{code}: {status}\"; help = \"HD\"; };\n",
		    false, NULL },
		{ MODEM "sms = { per_minute = 5; charset = \"unicode\"; };\n"
		    "limits = { lookups_per_day = 2; };\n"
		    "notices = { window = \"08:00-17:00\"; };\n"
		    "records = { path = \"/tmp/other.db\"; };\n", false, NULL },
		{ "modems = ( { device = \"/tmp/dz-phone2\"; model = \"dummy\";"
		    " connection = \"none\"; } );\n", true, "modems[0].device" },
		{ "modems = ( { device = \"/tmp/dz-phone\"; model = \"dummy\";"
		    " connection = \"none\"; pin = \"1234\"; } );\n", true,
		    "modems[0].pin" },
		{ "modems = ( { name = \"a\"; device = \"/tmp/dz-phone\";"
		    " model = \"dummy\"; connection = \"none\"; } );\n", true, NULL },
		{ "modems = ( { device = \"/tmp/dz-phone\"; model = \"at\";"
		    " connection = \"none\"; } );\n", true, NULL },
		{ "modems = ( { device = \"/tmp/dz-phone\"; model = \"dummy\";"
		    " connection = \"at\"; } );\n", true, NULL },
		{ MODEM "state = { path = \"/tmp/other-state.db\"; };\n", true,
		    "state.path" },
		{ "modems = ( { device = \"/tmp/dz-phone2\"; model = \"at\";"
		    " connection = \"none\"; } );\n"
		    "state = { path = \"/tmp/other-state.db\"; };\n", true,
		    "state.path, modems[0].device, modems[0].model" },
		{ "modems = ( { device = \"/tmp/dz-phone\"; model = \"dummy\";"
		    " connection = \"none\"; }, { device = \"/dev/ttyUSB0\"; } );\n",
		    true, "the number of modems" },
	};
	struct conf old, new_;
	struct dz_err err;
	char path[64], keys[256];
	size_t i;
	int r;

	CHECK_INT(load_text(MODEM, &old, &err, path, sizeof(path)), 0);
	for (i = 0; i < nitems(cases); i++) {
		r = load_text(cases[i].text, &new_, &err, path, sizeof(path));
		if (r != 0)
			fprintf(stderr, "case %zu: %s\n", i, err.msg);
		CHECK_INT(r, 0);
		if ((conf_needs_restart(&old, &new_, keys, sizeof(keys)) !=
		    NULL) != cases[i].restart)
			fprintf(stderr, "case %zu\n", i);
		CHECK((conf_needs_restart(&old, &new_, keys, sizeof(keys)) !=
		    NULL) == cases[i].restart);
		CHECK((conf_needs_restart(&new_, &old, keys, sizeof(keys)) !=
		    NULL) == cases[i].restart);
		if (cases[i].keys != NULL)
			CHECK_STR(conf_needs_restart(&old, &new_, keys,
			    sizeof(keys)), cases[i].keys);
		conf_fini(&new_);
	}
	conf_fini(&old);
}

static void
test_errors_late(void)
{
	size_t i;

	for (i = 0; i < nitems(bad_late); i++)
		check_bad(i, bad_late[i].text, bad_late[i].line, bad_late[i].want);
}

int
main(void)
{
	test_errors();
	test_defaults();
	test_values();
	test_sample();
	test_needs_restart();
	test_errors_late();
	CHECK_DONE();
}
