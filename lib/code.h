/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dossier-code recognition in sloppy citizen text, and the canonical form. No I/O. */
#ifndef DZ_CODE_H
#define DZ_CODE_H

#include <stdbool.h>

/*
 * Canonical dossier code (Circular 01/2018/TT-VPCP):
 *   V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX   e.g. 000.00.12.H39-240824-0001
 * 3 digits . 2 digits . 2 digits . letter+2 digits - date received - daily
 * sequence; 25 characters, upper case.
 * Procedure code (not a dossier): e.g. 1.001612.000.00.00.H48
 */
#define CODE_LEN	25
#define CODE_BUFSZ	48

enum code_kind {
	CODE_VALID,	/* code holds the canonical dossier code */
	CODE_BAD_DATE,	/* dossier-code shape but YYMMDD is no calendar date; code holds it canonicalised anyway */
	CODE_PROCEDURE,	/* a procedure code; code holds it as found, upper case */
};

struct code_match {
	enum code_kind	kind;
	char		code[CODE_BUFSZ];
};

/*
 * Find dossier codes (and procedure codes) in UTF-8 text as citizens type
 * them: any case, diacritics, '.', ',', '-', '_', '/', ' ' or nothing as
 * separators (runs of them), a sequence number of 1-4 digits (zero padded),
 * letter O typed for digit 0 in digit positions, surrounding words and
 * punctuation. A code must not be glued to further letters or digits on
 * either side. Duplicates (same canonical code) are reported once.
 * Fills at most max matches in order of appearance; returns how many were
 * found in total (may exceed max, so callers can say "only the first N").
 */
int	code_find(const char *text, struct code_match *out, int max);

/* true if s is exactly a canonical dossier code with a valid date. */
bool	code_is_canonical(const char *s);

#endif
