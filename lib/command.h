/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inbound SMS text -> command, tolerant of case, diacritics and spacing. No I/O. */
#ifndef DZ_COMMAND_H
#define DZ_COMMAND_H

#include "code.h"

#define COMMAND_MAX_CODES	10
#define COMMAND_TEXT_MAX	640

enum command_kind {
	CMD_LOOKUP,	/* codes[0..ncodes) to answer (VALID and BAD_DATE kinds) */
	CMD_PROCEDURE,	/* only procedure code(s): explain it is not a dossier code */
	CMD_HELP,	/* HD, HUONG DAN, HELP, ? */
	CMD_OPTOUT,	/* TC, TU CHOI, HUY, STOP, with no code */
	CMD_OPTIN,	/* DK, DANG KY */
	CMD_STAFF,	/* QT <PIN> <verb> [args] */
	CMD_BAD_SYNTAX,	/* a lookup keyword with no usable code, or unrecognised text */
	CMD_EMPTY,	/* nothing but white space */
};

enum staff_verb {
	STAFF_NONE,
	STAFF_BALANCE,	/* SD */
	STAFF_STATUS,	/* TT */
	STAFF_BROADCAST,	/* TB <audience> <text> */
	STAFF_CONFIRM,	/* OK <job>: start a counted broadcast */
	STAFF_CANCEL,	/* HUY <job>: cancel a broadcast */
	STAFF_UNKNOWN,
};

struct command {
	enum command_kind	kind;
	int			ncodes;		/* codes kept, <= max_codes */
	int			ncodes_found;	/* codes in the text, may be > ncodes */
	struct code_match	codes[COMMAND_MAX_CODES];
	/* CMD_STAFF only */
	char			pin[32];
	enum staff_verb		verb;
	char			audience[64];	/* TB: audience name as typed, lower case */
	char			text[COMMAND_TEXT_MAX];	/* TB: the notice, original case and diacritics */
	long			job;		/* OK, HUY: the broadcast number */
};

/*
 * Parse UTF-8 text. Keywords are matched on the folded, upper-cased text:
 * "HS", "TRACUU", "TRA CUU", "TC" before codes are lookups; "TC" alone is
 * an opt-out. Codes anywhere make a lookup even without a keyword.
 * max_codes (1..COMMAND_MAX_CODES) caps how many codes are kept.
 */
void	command_parse(const char *text, int max_codes, struct command *cmd);
/* The same as a citizen's text: "QT ..." is not a staff command (a number not on the staff list). */
void	command_parse_citizen(const char *text, int max_codes, struct command *cmd);

#endif
