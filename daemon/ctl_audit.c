/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dossierctl audit: who looked up which dossier, and the staff commands, numbers masked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "i18n.h"
#include "phone.h"

#define AUDIT_DAYS	30
#define AUDIT_LIMIT	50

struct audit_opts {
	const char	*number, *code, *since;
	long		 limit;
	bool		 full, json;
};

static void
audit_parse(int argc, char **argv, struct audit_opts *o)
{
	char *end;
	int i;

	memset(o, 0, sizeof(*o));
	o->limit = AUDIT_LIMIT;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--number") == 0 && i + 1 < argc)
			o->number = argv[++i];
		else if (strcmp(argv[i], "--code") == 0 && i + 1 < argc)
			o->code = argv[++i];
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			o->since = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			o->limit = strtol(argv[++i], &end, 10);
			if (*end != '\0' || o->limit < 1 || o->limit > 1000000)
				ctl_usage();
		} else if (strcmp(argv[i], "--full") == 0)
			o->full = true;
		else if (strcmp(argv[i], "--json") == 0)
			o->json = true;
		else
			ctl_usage();
	}
}

void
ctl_audit_check_usage(int argc, char **argv)
{
	struct audit_opts o;

	audit_parse(argc, argv, &o);
}

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM", local time: 0 and *t, or -1. */
static int
parse_since(const char *s, time_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*end == ' ' || *end == 'T')
		end = strptime(end + 1, "%H:%M", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	tm.tm_isdst = -1;
	if ((*t = mktime(&tm)) == (time_t)-1)
		return -1;
	return 0;
}

/* What an audit row came to, in words. */
static const char *
audit_word(const char *outcome)
{
	static const struct ctl_word words[] = {
		{ "found", N_("found") },
		{ "not_found", N_("no such code") },
		{ "bad_date", N_("code with an impossible date") },
		{ "limited", N_("over a limit") },
		{ "staff", N_("staff command") },
		{ "staff_denied", N_("staff command refused (PIN)") },
		{ "loop", N_("same text again and again") },
	};

	return ctl_word(words, nitems(words), outcome);
}

struct audit_listing {
	struct ctl	*c;
	bool		 full;
	int		 shown;
};

static int
audit_row(void *arg, const struct audit_row *r)
{
	struct audit_listing *l = arg;
	char when[32], shown[PHONE_BUFSZ];
	const char *number = l->full ? r->number :
	    phone_mask(r->number, shown, sizeof(shown));

	if (l->c->json) {
		printf("%s{\"id\":%lld,\"at\":%lld,\"number\":", l->shown++ ?
		    "," : "", (long long)r->id, (long long)r->at);
		ctl_json_str(number);
		printf(",\"code\":");
		ctl_json_str(r->code);
		printf(",\"outcome\":\"%s\",\"owner\":%s}", r->outcome,
		    r->owner ? "true" : "false");
		return 0;
	}
	if (l->shown++ == 0) {
		ctl_cell(l->c, _("TIME"), 20, false);
		ctl_cell(l->c, _("NUMBER"), 14, false);
		ctl_cell(l->c, _("CODE"), 27, false);
		printf("%s\n", _("OUTCOME"));
	}
	ctl_fmt_time(r->at, when, sizeof(when));
	ctl_cell(l->c, when, 20, false);
	ctl_cell(l->c, number, 14, false);
	ctl_cell(l->c, r->code[0] ? r->code : "-", 27, false);
	printf("%s%s\n", audit_word(r->outcome), r->owner ?
	    _(" (the owner's number)") : "");
	return 0;
}

int
ctl_audit(struct ctl *c, int argc, char **argv)
{
	struct audit_opts o;
	struct audit_filter f;
	struct audit_listing l = { .c = c };
	struct dz_err err;
	char num[PHONE_BUFSZ];
	int total;

	audit_parse(argc, argv, &o);
	c->json = o.json;
	l.full = o.full;
	memset(&f, 0, sizeof(f));
	f.limit = (int)o.limit;
	f.code = o.code;
	f.since = time(NULL) - AUDIT_DAYS * 86400;
	if (o.since != NULL && parse_since(o.since, &f.since) == -1)
		ctl_die(c, _("--since %s: write a date as 2026-12-01 or "
		    "\"2026-12-01 08:00\""), o.since);
	if (o.number != NULL) {
		if (phone_normalize(o.number, num, sizeof(num)) == PHONE_INVALID)
			ctl_die(c, _("%s is not a phone number"), o.number);
		f.number = num;
	}
	if (c->json)
		printf("{\"since\":%lld,\"rows\":[", (long long)f.since);
	if (store_audit_list(c->store, &f, audit_row, &l, &total, &err) == -1)
		ctl_die(c, "%s", err.msg);
	if (c->json) {
		printf("],\"total\":%d}\n", total);
		return 0;
	}
	if (total == 0)
		printf("%s\n", _("No lookups or staff commands in that time."));
	ctl_more(c, l.shown, total);
	if (!o.full && l.shown > 0)
		printf("%s\n", _("(Numbers are masked; --full shows them.)"));
	return 0;
}
