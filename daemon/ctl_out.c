/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dossierctl's output for people: the language, the words for states, colours, tables, questions. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctl.h"
#include "i18n.h"
#include "text.h"
#include "width.h"

void
ctl_i18n_init(void)
{
	const char *dir = getenv("DOSSIERD_LOCALEDIR");

	setlocale(LC_ALL, "");
	/* DOSSIERD_LOCALEDIR: catalogues not yet installed (the tests, a build tree). */
	bindtextdomain(PACKAGE, dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
}

void
ctl_term_init(struct ctl *c)
{
	const char *term = getenv("TERM"), *nc = getenv("NO_COLOR");

	c->tty = isatty(STDOUT_FILENO) == 1;
	/* https://no-color.org: any non-empty NO_COLOR turns colours off. */
	c->color = c->tty && (nc == NULL || *nc == '\0') && term != NULL &&
	    strcmp(term, "dumb") != 0;
}

const char *
ctl_state_word(enum out_state st)
{
	switch (st) {
	case OUT_QUEUED:
		return _("waiting to be sent");
	case OUT_SENDING:
		return _("sending");
	case OUT_SENT:
		return _("sent");
	case OUT_RETRY:
		return _("will try again");
	case OUT_FAILED:
		return _("failed");
	case OUT_EXPIRED:
		return _("too late, not sent");
	case OUT_UNCERTAIN:
		return _("may have been sent");
	case OUT_CANCELLED:
		return _("cancelled");
	default:
		return "?";
	}
}

const char *
ctl_delivery_word(enum delivery d)
{
	switch (d) {
	case DLV_WAITING:
		return _("waiting for a report");
	case DLV_PENDING:
		return _("not delivered yet");
	case DLV_DELIVERED:
		return _("delivered");
	case DLV_UNDELIVERABLE:
		return _("undeliverable");
	default:
		return "";
	}
}

const char *
ctl_lane_word(enum lane l)
{
	switch (l) {
	case LANE_REPLY:
		return _("reply");
	case LANE_STAFF:
		return _("from staff");
	case LANE_NOTICE:
		return _("notice");
	case LANE_BROADCAST:
		return _("broadcast");
	default:
		return "?";
	}
}

/* What came of an incoming message, in the words of the handling's outcome. */
const char *
ctl_outcome_word(const char *outcome)
{
	static const struct ctl_word words[] = {
		{ "answered", N_("answered") },
		{ "pending", N_("not handled yet") },
		{ "limited", N_("over the limit, told so") },
		{ "limited, silent", N_("over the limit, not answered") },
		{ "reply cap reached, not answered",
		    N_("daily reply limit reached, not answered") },
		{ "empty, ignored", N_("empty, ignored") },
		{ "short code sender", N_("from a short code, not answered") },
		{ "alphanumeric sender", N_("from a sender name, not answered") },
		{ "invalid sender", N_("invalid sender, not answered") },
		{ "same text again and again, not answered today",
		    N_("the same text again and again: not answered today") },
		{ "sender never answered",
		    N_("a short code or a sender name: never answered") },
	};

	return ctl_word(words, nitems(words), outcome);
}

const char *
ctl_word(const struct ctl_word *w, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(key, w[i].en) == 0)
			return _(w[i].msg);
	return key;
}

/* The colour a state is shown in: green done, red failed, yellow waiting. */
static const char *
state_colour(enum out_state st)
{
	switch (st) {
	case OUT_SENT:
		return "\033[32m";
	case OUT_FAILED:
	case OUT_EXPIRED:
	case OUT_UNCERTAIN:
		return "\033[31m";
	case OUT_CANCELLED:
		return "";
	default:
		return "\033[33m";
	}
}

void
ctl_cell(const struct ctl *c, const char *s, size_t cols, bool right)
{
	width_pad(stdout, s, cols, right);
	(void)c;
}

void
ctl_last_cell(const struct ctl *c, const char *s, size_t cols)
{
	char buf[4 * 1024];

	(void)c;
	width_fit(s, cols, buf, sizeof(buf));
	printf("%s\n", buf);
}

void
ctl_state_cell(const struct ctl *c, enum out_state st, size_t cols)
{
	const char *col = c->color ? state_colour(st) : "";

	fputs(col, stdout);
	width_pad(stdout, ctl_state_word(st), cols, false);
	if (*col != '\0')
		fputs("\033[0m", stdout);
}

void
ctl_more(const struct ctl *c, int shown, int total)
{
	(void)c;
	if (total > shown)
		printf(P_("... %d more, use --limit to see it\n",
		    "... %d more, use --limit to see them\n", total - shown),
		    total - shown);
}

void
ctl_add_word(char *text, size_t textsz, const char *word)
{
	size_t len = strlen(text);

	if (len + strlen(word) + 2 > textsz)
		ctl_usage();
	snprintf(text + len, textsz - len, "%s%s", len ? " " : "", word);
}

/* Whether answer is word, ignoring case and diacritics ("co" is "có"). */
static bool
same_word(const char *answer, const char *word)
{
	char a[64], w[64];

	text_fold_ascii(answer, a, sizeof(a));
	text_fold_ascii(word, w, sizeof(w));
	return strcasecmp(a, w) == 0;
}

bool
ctl_confirm(const struct ctl *c, const char *question)
{
	char line[64];

	(void)c;
	if (isatty(STDIN_FILENO) != 1)
		return false;
	/* TRANSLATORS: the answers the question takes: yes / no (the default). */
	printf("%s %s ", question, _("[y/N]"));
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	/* "y" and "yes" always; the translation adds the local words. */
	/* TRANSLATORS: short and long "yes" accepted at [y/N] questions. */
	return same_word(line, "y") || same_word(line, "yes") ||
	    same_word(line, _("y")) || same_word(line, _("yes"));
}
