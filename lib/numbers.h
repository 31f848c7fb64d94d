/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Broadcast number files (a plain list or a spreadsheet's CSV export) split line by line into phone fields; text only. */
#ifndef DZ_NUMBERS_H
#define DZ_NUMBERS_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define NUMBERS_LINE_MAX	4096	/* bytes a line may have, without its line end */
#define NUMBERS_BUFSZ		64	/* out: a longer phone field is NUMBERS_BAD */
#define NUMBERS_WHYSZ		128	/* why: room for every reason */

/*
 * The rules, all about text: whether a field is a number is phone.c's
 * business (phone_normalize), never this module's.
 *
 * Lines: UTF-8, with or without a BOM on line 1; LF, CRLF (or, through
 * numbers_read, a lone CR) line ends. A line longer than NUMBERS_LINE_MAX
 * or with a NUL byte is NUMBERS_BAD. Blank lines (white space, NBSP) are
 * NUMBERS_SKIP everywhere.
 *
 * The format is decided by the first line that is neither blank nor a '#'
 * comment (the ones before it are NUMBERS_SKIP):
 *  - a ',', ';' or TAB outside double quotes (trailing white space aside):
 *    a CSV header. The separator is the one found most often there (a tie:
 *    TAB, then ';', then ','). Exactly one field must name the phone column,
 *    else the file is unusable (-1, DZ_EUSAGE): a list of numbers with
 *    separators needs a header row.
 *  - no separator, and the line names the phone column alone: the header
 *    of a one-column CSV (each row is then one field).
 *  - anything else: a plain list, and this line is its first number.
 * A UTF-16 BOM on line 1, or a NUL byte in that first line, also makes the
 * file unusable (UTF-16 text, an .xlsx or .xls file: not CSV).
 *
 * Names of the phone column, compared after text_fold_upper (diacritics,
 * case, surrounding white space) with '_' and '-' read as spaces: phone,
 * sdt, so_dien_thoai, so dien thoai, dien thoai, mobile; so "SĐT",
 * "Số điện thoại" and "Điện thoại" match.
 *
 * Plain list: one number a line, trimmed; spaces inside are kept ("0915 123
 * 456" is one entry); a line whose first non-blank character is '#' is a
 * comment (no comment after a number). Only the whole line must be UTF-8.
 *
 * CSV rows: fields split at the separator outside double quotes; a quoted
 * field may hold separators and "" for a quote, white space around it is
 * dropped, other text after its closing quote is NUMBERS_BAD. A quoted
 * field cannot span lines (a cell with a line break): its first line is
 * NUMBERS_BAD (unterminated quote) and the next is read as a new row.
 * Extra fields are ignored; a row with fewer fields than the phone column
 * needs is NUMBERS_BAD; a row whose fields are all empty (a spreadsheet's
 * empty row) is NUMBERS_SKIP; an empty phone field in a row with other
 * content is NUMBERS_ENTRY with "". Only the phone field must be UTF-8:
 * the others are never read. '#' is not special.
 *
 * In both formats a phone field is trimmed (white space, NBSP) and Excel's
 * text wrappers are removed: '0915123456 and ="0915123456" give 0915123456.
 */

enum numbers_kind {
	NUMBERS_ENTRY,		/* a phone field, possibly "" */
	NUMBERS_SKIP,		/* blank, comment, header or empty row */
	NUMBERS_BAD,		/* a line that cannot be read: why says why */
};

enum numbers_format {
	NUMBERS_UNDECIDED,	/* no line with content yet */
	NUMBERS_PLAIN,		/* one number a line */
	NUMBERS_CSV,		/* the header was read: sep and column are set */
	NUMBERS_UNUSABLE,	/* numbers_line returned -1 */
};

/* Caller-owned state of one file's reading; set up by numbers_init. */
struct numbers_parser {
	enum numbers_format	format;
	int			lineno;		/* the last line given, from 1 */
	char			sep;		/* CSV: ',', ';', '\t'; 0 for one column */
	int			column;		/* CSV: the phone column, from 0 */
	int			entries;	/* NUMBERS_ENTRY lines so far */
	int			skipped;	/* NUMBERS_SKIP lines so far */
	int			bad;		/* NUMBERS_BAD lines so far */
};

/* Make p ready for line 1 of a new file. */
void	numbers_init(struct numbers_parser *p);

/*
 * Take the next line of the file: line (len bytes, not NUL-terminated, any
 * bytes) without its newline; a trailing CR is dropped, and so is a UTF-8
 * BOM on line 1. outsz and whysz must be > 0 (NUMBERS_BUFSZ and
 * NUMBERS_WHYSZ will do). Returns
 *  - NUMBERS_ENTRY: out receives the phone field, trimmed and unwrapped
 *    (see above), or "" for an empty field: the caller counts it as an
 *    empty number. why is "".
 *  - NUMBERS_SKIP: a blank line, a comment, the header or an empty row;
 *    out and why are "".
 *  - NUMBERS_BAD: why receives "line N: reason", e.g. "line 7: 2 fields,
 *    the phone column is field 3", "line 9: field 1: unterminated quote",
 *    "line 12: not UTF-8"; out is "". Also for a phone field of outsz
 *    bytes or more.
 *  - -1 if the file is unusable (DZ_EUSAGE, the message names the line and,
 *    for a header without a phone column, the accepted names): no CSV
 *    header of a phone column, two phone columns, UTF-16 or binary data.
 *    Every later call returns -1 too.
 * Each kind returned is counted in p.
 */
int	numbers_line(struct numbers_parser *p, const char *line, size_t len,
	    char *out, size_t outsz, char *why, size_t whysz,
	    struct dz_err *err);

/*
 * Called by numbers_read for each NUMBERS_ENTRY (why "") and NUMBERS_BAD
 * (number "") line, never for NUMBERS_SKIP; lineno is the line's number.
 * Non-zero stops the read.
 */
typedef int (*numbers_cb)(void *arg, int lineno, enum numbers_kind k,
    const char *number, const char *why);

/*
 * Read f to its end through numbers_line (p from numbers_init), one line
 * at a time in a buffer of NUMBERS_LINE_MAX bytes: a longer line is read
 * past and is NUMBERS_BAD, so memory stays the same for any file. Line
 * ends are LF, CRLF or a lone CR. Returns 0 at the end of the file (an
 * empty file or a header alone included: see p->entries), the value cb
 * returned if it was not 0 (err untouched), or -1 if the file is unusable
 * (numbers_line's DZ_EUSAGE) or cannot be read (DZ_ETRANSIENT).
 */
int	numbers_read(FILE *f, struct numbers_parser *p, numbers_cb cb,
	    void *arg, struct dz_err *err);

#endif
