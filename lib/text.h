/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTF-8 text: Vietnamese folding, GSM-7 tests, SMS segment counting. No I/O. */
#ifndef DZ_TEXT_H
#define DZ_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum text_charset {
	TEXT_ASCII,	/* fold Vietnamese to GSM-7 (đ -> d), never UCS-2 */
	TEXT_UNICODE,	/* always UCS-2 */
	TEXT_AUTO,	/* GSM-7 when every character fits, else UCS-2 */
};

/* Single-part and per-part capacities (3GPP TS 23.038/23.040). */
#define TEXT_GSM7_SINGLE	160
#define TEXT_GSM7_MULTI		153
#define TEXT_UCS2_SINGLE	70
#define TEXT_UCS2_MULTI		67

/* true if s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool	text_utf8_valid(const char *s);

/* What text_utf8_next yields for a byte that starts no valid sequence. */
#define TEXT_CP_INVALID	0xFFFFFFFFu
/*
 * Decode one code point at s (*s != '\0') into *cp. Returns the bytes
 * used; an invalid sequence (overlong, surrogate, > U+10FFFF, truncated)
 * uses one byte and yields TEXT_CP_INVALID.
 */
size_t	text_utf8_next(const char *s, uint32_t *cp);

/* Number of code points in s; an invalid byte counts as one. */
size_t	text_utf8_len(const char *s);

/*
 * Copy in to out as well-formed UTF-8: every byte that starts no valid
 * sequence, and every encoded surrogate (three bytes, as Gammu writes
 * a lone UTF-16 surrogate), becomes U+FFFD. Writes at most outsz bytes
 * including the NUL (outsz 0: nothing), never half a character: the copy
 * ends at the last character that fits. Returns the length the full
 * result has (like snprintf): >= outsz means it was cut.
 */
size_t	text_utf8_repair(const char *in, char *out, size_t outsz);

/*
 * Fold UTF-8 to ASCII: every Vietnamese letter (all tones, both cases,
 * đ/Đ -> d/D), Latin-1 letters and common punctuation (curly quotes,
 * dashes, NBSP) map to their ASCII base; any other code point or invalid
 * byte becomes '?'. Control characters other than \n become a space.
 * Writes at most outsz bytes including the NUL (outsz > 0).
 * Returns the length the full result has (like snprintf).
 */
size_t	text_fold_ascii(const char *in, char *out, size_t outsz);

/*
 * Fold for command matching: text_fold_ascii, then upper case, every run
 * of white space (and \n, \t) collapsed to one space, trimmed both ends.
 * Returns the full length like text_fold_ascii.
 */
size_t	text_fold_upper(const char *in, char *out, size_t outsz);

/*
 * What stays the same when an auto-responder sends "nearly the same" text:
 * a 64-bit hash of text_fold_upper(in) with only its letters and digits
 * kept, each run of digits counting as one digit unless keep_digits (a
 * dossier code is its digits). Diacritics, case, spaces and punctuation
 * make no difference.
 */
int64_t	text_fingerprint(const char *in, bool keep_digits);

/* true if every code point of utf8 is in the GSM 03.38 default alphabet or its extension table. */
bool	text_is_gsm7(const char *utf8);

/* Septets utf8 needs in GSM-7 (extension-table characters count 2); only meaningful if text_is_gsm7. */
size_t	text_gsm7_septets(const char *utf8);

/* UTF-16 code units utf8 needs in UCS-2/UTF-16 (astral code points count 2). */
size_t	text_ucs2_units(const char *utf8);

/*
 * SMS parts needed to send utf8: GSM-7 when ucs2 is false (<=160 septets
 * one part, else ceil(septets/153)), UCS-2 when true (<=70 units one part,
 * else ceil(units/67)). Empty text is one part. Like Gammu's splitter, an
 * escape pair or surrogate pair is never split across parts, so a text
 * with one straddling a part boundary may need one part more.
 */
int	text_sms_parts(const char *utf8, bool ucs2);

/*
 * Prepare an outgoing SMS body: with TEXT_ASCII fold to ASCII and replace
 * the few ASCII characters outside GSM-7 (` -> '); with TEXT_AUTO keep the
 * text and choose UCS-2 only if it is not GSM-7; with TEXT_UNICODE keep it
 * and choose UCS-2. Then, if it needs more than max_parts parts, cut it at
 * a code point (preferably a space) boundary and end it with "..." so it
 * fits exactly max_parts. *ucs2 receives the chosen coding.
 * Returns the number of parts (>= 1), or -1 if outsz is too small.
 */
int	text_prepare_sms(const char *in, enum text_charset cs, int max_parts,
	    char *out, size_t outsz, bool *ucs2);

#endif
