/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inbound SMS text -> command, tolerant of case, diacritics and spacing. No I/O. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "err.h"
#include "text.h"

#define FOLD_MAX	1024	/* keywords lead: the rest may be cut */
#define CODES_SCAN	32	/* codes examined for their kind */
#define WORD_MAX	16	/* longest keyword token compared */

/* What a keyword at the start of the text means without a code. */
enum kw_kind {
	KW_LOOKUP,	/* HS, TRA CUU: a lookup that lacks its code */
	KW_TC,		/* TC: opt-out alone, else a failed lookup */
	KW_HELP,
	KW_OPTOUT,
	KW_OPTIN,
};

/* Matched as whole words at the start of the text. */
static const struct keyword {
	const char	*words;	/* folded, upper case, single spaces */
	enum kw_kind	 kind;
} keywords[] = {
	{ "TRA CUU", KW_LOOKUP }, { "TRACUU", KW_LOOKUP }, { "HS", KW_LOOKUP },
	{ "TC", KW_TC },
	{ "HUONG DAN", KW_HELP }, { "HUONGDAN", KW_HELP }, { "HD", KW_HELP },
	{ "HELP", KW_HELP },
	{ "TU CHOI", KW_OPTOUT }, { "TUCHOI", KW_OPTOUT }, { "HUY", KW_OPTOUT },
	{ "STOP", KW_OPTOUT },
	{ "DANG KY", KW_OPTIN }, { "DANGKY", KW_OPTIN }, { "DK", KW_OPTIN },
	{ "DANG KI", KW_OPTIN }, { "DANGKI", KW_OPTIN },	/* "đăng kí" */
};

/* Next white-space-separated token of the original text; NULL at the end. */
static const char *
next_token(const char **p, size_t *len)
{
	const char *s = *p;

	while (isspace((unsigned char)*s))
		s++;
	for (*len = 0; s[*len] != '\0' && !isspace((unsigned char)s[*len]);)
		(*len)++;
	*p = s + *len;
	return *len > 0 ? s : NULL;
}

/* Fold a token to upper case, punctuation at its ends dropped ("hd!"). */
static void
fold_token(const char *tok, size_t len, char *out, size_t outsz)
{
	char raw[WORD_MAX * 4], up[WORD_MAX * 4];
	size_t n, i = 0;

	out[0] = '\0';
	if (len >= sizeof(raw))
		return;
	memcpy(raw, tok, len);
	raw[len] = '\0';
	if ((n = text_fold_upper(raw, up, sizeof(up))) >= sizeof(up))
		return;
	while (i < n && !isalnum((unsigned char)up[i]))
		i++;
	while (n > i && !isalnum((unsigned char)up[n - 1]))
		n--;
	if (n - i < outsz) {
		memcpy(out, up + i, n - i);
		out[n - i] = '\0';
	}
}

/* Copy at most dstsz - 1 bytes of src[0..len), never half a character. */
static void
copy_utf8(char *dst, size_t dstsz, const char *src, size_t len)
{
	if (len >= dstsz) {
		len = dstsz - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* "TB <audience> <text...>": the notice keeps its case and diacritics. */
static enum staff_verb
parse_broadcast(const char *p, struct command *cmd)
{
	char raw[sizeof(cmd->audience)];
	const char *tok;
	size_t len, i;

	if ((tok = next_token(&p, &len)) == NULL)
		return STAFF_UNKNOWN;
	copy_utf8(raw, sizeof(raw), tok, len);
	text_fold_ascii(raw, cmd->audience, sizeof(cmd->audience));
	for (i = 0; cmd->audience[i] != '\0'; i++)
		cmd->audience[i] =
		    (char)tolower((unsigned char)cmd->audience[i]);
	while (isspace((unsigned char)*p))
		p++;
	len = strlen(p);
	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	if (len == 0)
		return STAFF_UNKNOWN;
	copy_utf8(cmd->text, sizeof(cmd->text), p, len);
	return STAFF_BROADCAST;
}

/* "QT <PIN> <verb> [args]"; false if the text is not a staff command. */
static bool
parse_staff(const char *text, struct command *cmd)
{
	const char *p = text, *tok;
	char word[WORD_MAX];
	size_t len;

	if ((tok = next_token(&p, &len)) == NULL)
		return false;
	fold_token(tok, len, word, sizeof(word));
	if (strcmp(word, "QT") != 0)
		return false;
	cmd->kind = CMD_STAFF;
	cmd->verb = STAFF_NONE;
	if ((tok = next_token(&p, &len)) == NULL)
		return true;
	copy_utf8(cmd->pin, sizeof(cmd->pin), tok, len);
	if ((tok = next_token(&p, &len)) == NULL)
		return true;
	fold_token(tok, len, word, sizeof(word));
	if (strcmp(word, "TB") == 0)
		cmd->verb = parse_broadcast(p, cmd);
	else if (strcmp(word, "OK") == 0 || strcmp(word, "HUY") == 0) {
		cmd->verb = word[0] == 'O' ? STAFF_CONFIRM : STAFF_CANCEL;
		if ((tok = next_token(&p, &len)) == NULL || len > 9 ||
		    strspn(tok, "0123456789#") < len ||
		    (cmd->job = strtol(tok[0] == '#' ? tok + 1 : tok, NULL, 10)) <= 0 ||
		    next_token(&p, &len) != NULL)
			cmd->verb = STAFF_UNKNOWN;
	}
	else if (strcmp(word, "SD") == 0 || strcmp(word, "TT") == 0) {
		cmd->verb = word[0] == 'S' ? STAFF_BALANCE : STAFF_STATUS;
		if (next_token(&p, &len) != NULL)
			cmd->verb = STAFF_UNKNOWN;
	} else
		cmd->verb = STAFF_UNKNOWN;
	return true;
}

/*
 * Dossier codes make a lookup; procedure codes alone make CMD_PROCEDURE
 * (codes[] then holds them). false if the text has no code.
 */
static bool
parse_codes(const char *text, int max_codes, struct command *cmd)
{
	struct code_match all[CODES_SCAN];
	int total, seen, nproc = 0, i;

	if ((total = code_find(text, all, CODES_SCAN)) == 0)
		return false;
	seen = total < CODES_SCAN ? total : CODES_SCAN;
	for (i = 0; i < seen; i++) {
		if (all[i].kind == CODE_PROCEDURE)
			nproc++;
		else if (cmd->ncodes < max_codes)
			cmd->codes[cmd->ncodes++] = all[i];
	}
	/* Codes past CODES_SCAN are counted as dossier codes. */
	cmd->kind = CMD_LOOKUP;
	cmd->ncodes_found = total - nproc;
	if (cmd->ncodes_found > 0)
		return true;
	cmd->kind = CMD_PROCEDURE;
	cmd->ncodes_found = nproc;
	for (i = 0; i < seen && cmd->ncodes < max_codes; i++)
		cmd->codes[cmd->ncodes++] = all[i];
	return true;
}

/* Letters and digits of the folded text as single-space-separated words. */
static void
to_words(const char *folded, char *w)
{
	size_t n = 0;

	for (; *folded != '\0'; folded++) {
		if (isalnum((unsigned char)*folded))
			w[n++] = *folded;
		else if (n > 0 && w[n - 1] != ' ')
			w[n++] = ' ';
	}
	if (n > 0 && w[n - 1] == ' ')
		n--;
	w[n] = '\0';
}

/* The keyword the words w start with, and the words after it in *rest. */
static const struct keyword *
find_keyword(const char *w, const char **rest)
{
	size_t i, len;

	for (i = 0; i < nitems(keywords); i++) {
		len = strlen(keywords[i].words);
		if (strncmp(w, keywords[i].words, len) == 0 &&
		    (w[len] == '\0' || w[len] == ' ')) {
			*rest = w + len;
			return &keywords[i];
		}
	}
	return NULL;
}

/* Keyword meaning of a text with no code. */
static enum command_kind
parse_keyword(const char *text, const char *folded)
{
	char w[FOLD_MAX];
	const struct keyword *k;
	const char *rest;

	to_words(folded, w);
	if (w[0] == '\0')
		return strchr(text, '?') != NULL ? CMD_HELP : CMD_BAD_SYNTAX;
	if ((k = find_keyword(w, &rest)) == NULL)
		return CMD_BAD_SYNTAX;
	switch (k->kind) {
	case KW_LOOKUP:
		return CMD_BAD_SYNTAX;
	case KW_TC:
		/* "TC <something>" is a lookup gone wrong, never an opt-out. */
		return *rest == '\0' ? CMD_OPTOUT : CMD_BAD_SYNTAX;
	case KW_HELP:
		return CMD_HELP;
	case KW_OPTOUT:
	case KW_OPTIN:
		/* "HUY DANG KY" opts out; digits suggest a mistyped code. */
		if (strpbrk(rest, "0123456789") != NULL)
			return CMD_BAD_SYNTAX;
		return k->kind == KW_OPTOUT ? CMD_OPTOUT : CMD_OPTIN;
	}
	return CMD_BAD_SYNTAX;
}

/* The code after a lookup keyword typed without a space: "HS000.00...". */
static const char *
glued_code(const char *folded)
{
	size_t i, len;

	for (i = 0; i < nitems(keywords); i++) {
		if (keywords[i].kind != KW_LOOKUP && keywords[i].kind != KW_TC)
			continue;
		len = strlen(keywords[i].words);
		if (strncmp(folded, keywords[i].words, len) == 0 &&
		    isdigit((unsigned char)folded[len]))
			return folded + len;
	}
	return NULL;
}

static void
parse(const char *text, int max_codes, bool staff, struct command *cmd)
{
	char folded[FOLD_MAX];
	const char *glued;

	memset(cmd, 0, sizeof(*cmd));
	if (text == NULL)
		text = "";
	if (max_codes < 1)
		max_codes = 1;
	if (max_codes > COMMAND_MAX_CODES)
		max_codes = COMMAND_MAX_CODES;
	text_fold_upper(text, folded, sizeof(folded));
	if (folded[0] == '\0') {
		cmd->kind = CMD_EMPTY;
		return;
	}
	if ((staff && parse_staff(text, cmd)) || parse_codes(text, max_codes, cmd))
		return;
	if ((glued = glued_code(folded)) != NULL &&
	    parse_codes(glued, max_codes, cmd))
		return;
	cmd->kind = parse_keyword(text, folded);
}

void
command_parse(const char *text, int max_codes, struct command *cmd)
{
	parse(text, max_codes, true, cmd);
}

void
command_parse_citizen(const char *text, int max_codes, struct command *cmd)
{
	parse(text, max_codes, false, cmd);
}
