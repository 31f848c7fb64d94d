/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dossierctl lookup: the exact reply a citizen would get for a text, sending nothing. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "code.h"
#include "command.h"
#include "ctl.h"
#include "i18n.h"
#include "inbound.h"
#include "phone.h"

/* A number that is nobody's: the view of a sender who does not own the dossier. */
#define OTHER_NUMBER	"+84900000000"
#define OTHER_NUMBER2	"+84900000001"

struct lookup_opts {
	const char	*from;
	char		 text[STORE_TEXT_MAX];
};

static void
lookup_parse(int argc, char **argv, struct lookup_opts *o, bool *json)
{
	int i;

	memset(o, 0, sizeof(*o));
	*json = false;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			o->from = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (strncmp(argv[i], "--", 2) == 0)
			ctl_usage();
		else
			ctl_add_word(o->text, sizeof(o->text), argv[i]);
	}
	if (o->text[0] == '\0')
		ctl_usage();
}

void
ctl_lookup_check_usage(int argc, char **argv)
{
	struct lookup_opts o;
	bool json;

	lookup_parse(argc, argv, &o, &json);
}

struct view {
	struct ctl	*c;
	int		 n;
	bool		 first_view;
};

static int
print_reply(void *arg, const char *text)
{
	struct view *v = arg;

	if (v->c->json) {
		printf("%s", v->n++ ? "," : "");
		ctl_json_str(text);
	} else {
		v->n++;
		printf("  %s\n", text);
	}
	return 0;
}

/* One sender's view: what that number would be sent. */
static void
view(struct ctl *c, const char *label, const char *sender, const char *text,
    bool first)
{
	struct inbound_result res;
	struct view v = { .c = c };
	struct dz_err err;
	struct pass p;
	int n;

	pass_init(&p, &c->conf, c->store, c->records, time(NULL));
	if (c->json) {
		printf("%s{\"view\":\"%s\",\"from\":", first ? "" : ",", label);
		ctl_json_str(sender);
		printf(",\"replies\":[");
	} else if (strcmp(label, "owner") == 0)
		printf(_("From the owner's number %s, the reply would be:\n"),
		    sender);
	else if (strcmp(label, "other") == 0)
		printf(_("From any other number, the reply would be:\n"));
	else
		printf(_("From %s, the reply would be:\n"), sender);
	if ((n = inbound_preview(&p, sender, text, print_reply, &v, &res,
	    &err)) == -1)
		ctl_die(c, "%s", err.msg);
	if (c->json) {
		printf("],\"outcome\":");
		ctl_json_str(res.outcome ? res.outcome : "");
		printf("}");
	} else if (n == 0)
		printf(_("  (no reply: %s)\n"), res.outcome ?
		    ctl_outcome_word(res.outcome) : "-");
}

int
ctl_lookup(struct ctl *c, int argc, char **argv)
{
	struct lookup_opts o;
	struct command cmd;
	struct dossier d;
	struct dz_err err;
	char from[PHONE_BUFSZ], owner[PHONE_BUFSZ] = "";
	int r;

	lookup_parse(argc, argv, &o, &c->json);
	if ((c->records = records_new(c->conf.records.path,
	    c->conf.records.busy_timeout)) == NULL)
		ctl_die(c, "%s", _("out of memory"));
	if (c->json) {
		printf("{\"text\":");
		ctl_json_str(o.text);
		printf(",\"views\":[");
	}
	if (o.from != NULL) {
		if (!phone_kind_is_replyable(phone_normalize(o.from, from,
		    sizeof(from))))
			ctl_die(c, _("%s is not a mobile number: write 10 digits "
			    "(09xxxxxxxx) or +84 and 9 digits"), o.from);
		view(c, "from", from, o.text, true);
	} else {
		/* The owner's view needs the owner: the first code's phone. */
		command_parse_citizen(o.text, c->conf.sms.max_codes, &cmd);
		if (cmd.kind == CMD_LOOKUP && cmd.ncodes > 0 &&
		    cmd.codes[0].kind != CODE_BAD_DATE) {
			if ((r = records_lookup(c->records,
			    c->conf.records.lookup_sql, cmd.codes[0].code, &d,
			    &err)) == -1)
				ctl_die(c, "%s", err.msg);
			if (r == 1 && !phone_kind_is_replyable(phone_normalize(
			    d.phone, owner, sizeof(owner))))
				owner[0] = '\0';
		}
		if (owner[0] != '\0')
			view(c, "owner", owner, o.text, true);
		view(c, "other", strcmp(owner, OTHER_NUMBER) ? OTHER_NUMBER :
		    OTHER_NUMBER2, o.text, owner[0] == '\0');
	}
	if (c->json)
		printf("]}\n");
	else
		printf(_("(Nothing was sent; limits and the audit log are "
		    "untouched.)\n"));
	return 0;
}
