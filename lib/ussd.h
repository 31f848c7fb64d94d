/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A prepaid SIM's main balance and validity date read from the operator's USSD answer; text only. */
#ifndef DZ_USSD_H
#define DZ_USSD_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define USSD_TEXT_MAX	2048	/* bytes the answer may have once folded */
#define USSD_KEYS_MAX	16	/* keywords a list may have */
#define USSD_KEY_MAX	48	/* bytes a folded keyword may have, with its NUL */
#define USSD_VND_BUFSZ	32	/* ussd_format_vnd: room for any long long */

/*
 * The rules. The answer (UTF-8, as the modem decoded it from GSM-7 or
 * UCS-2) is folded like text_fold_upper: diacritics off (đ -> D), upper
 * case, runs of white space (NBSP included) made one space, except that a
 * run holding a line break stays a line break. Keywords are folded the
 * same way, so "Tài khoản chính" and "TAI KHOAN CHINH" are one keyword.
 *
 * Clauses: the text is cut into clauses at ';', '|', '!', a line break
 * (but not one right after ':' or '=': "TK chinh:\n12.345d" is one
 * clause), and a '.' or ',' that is not between two digits (so "12.345"
 * and "1,234,567" stay whole but "48.500d, HSD" is two clauses). Not at
 * '?', which is what a character folding cannot write becomes.
 *
 * Keywords match whole words: the character before and the one after a
 * keyword must not be a letter or a digit ("TKC:" matches TKC, "TKCS" and
 * "KM1" do not). Where two keywords of a list match at one place, the
 * longer is taken.
 *
 * Amounts: an optional '-' stuck to the digits (a negative balance,
 * "-5.000d"; "- 5.000d" is 5000), digits, and a currency unit after at
 * most one space:
 * D (đ), VND (VNĐ) or DONG (đồng), any case, not followed by a letter or
 * digit. A number without a unit is no amount (data in MB or GB, minutes,
 * dates, "KM1") and is passed over. Thousands may be grouped by '.', ','
 * or a space, one kind throughout: a first group of 1 to 3 digits, every
 * other group exactly 3. Vietnamese money has no decimals: a '.' or ','
 * decimal part of one or two zeros is dropped ("12.345,00 VND",
 * "12345.00 VND"), any other ("12,5d", "1.234,5d", "1.234.56d", "12345.678d")
 * makes the amount unreadable, never 125 or 12. More than 15 digits is
 * unreadable too. A space followed by anything but exactly 3 digits simply
 * ends the number ("2026 100.000d" is 2026, then 100000).
 *
 * The main balance: the first place in the text where a balance keyword
 * is followed, in its clause, by an amount; the amount is the first one
 * after the keyword there. If that first amount is unreadable, this place
 * gives nothing and the search goes on after it. When the keyword's clause
 * has no amount after it, one form with the keyword after the amount is
 * read: "<amount> TRONG|O|TAI <keyword>" ("Quy khach con 5.000d trong TK
 * chinh"), the amount being the clause's last one before the keyword.
 * An amount with no keyword in its clause is never a balance: promotional
 * accounts (KM1, TK KM, khuyen mai) and data packages are not read.
 *
 * The validity: searched after the balance keyword only (a date before it
 * is taken for another account's). The first validity keyword there whose
 * clause holds a date gives it: the first date after the keyword in that
 * clause. A validity keyword is passed over when its clause holds, before
 * it, an amount other than the balance: "TKC 5.000d, KM1 2.000d HSD
 * 30/04/2026" has no validity, "TKC 5.000d HSD 31/12/2026" and "TKC
 * 5.000d; KM1 2.000d; HSD 31/12/2026" have one.
 *
 * Dates: dd/mm/yyyy, dd-mm-yyyy or dd.mm.yyyy (day and month 1 or 2
 * digits, one separator kind), dd/mm/yy meaning 20yy, and yyyy-mm-dd (or
 * with '/' or '.'); a date must not touch a letter or a digit, and a time
 * next to it ("23:59:59") is passed over. A date that does not exist
 * (31/02/2027, 13th month) or outside the years 2000 to 2099 gives no
 * validity from that keyword; a later validity keyword may still give one.
 */

/* What an answer said; every field is cleared when nothing is found. */
struct ussd_balance {
	bool		has_balance;
	long long	balance;	/* VND (dong), may be <= 0 */
	bool		has_validity;
	long		validity_day;	/* days since 1970-01-01, as policy.h counts */
	char		validity[11];	/* "YYYY-MM-DD", or "" */
};

/*
 * Parse text, the operator's answer (UTF-8; invalid bytes are read as
 * '?'), by the rules above. balance_keys and validity_keys are
 * NULL-terminated lists of keywords (UTF-8, any case, with or without
 * diacritics), as the configuration gives them; NULL means the defaults:
 *  - balance: TKC, TK CHINH, TAI KHOAN CHINH, TAI KHOAN GOC, TK GOC, GOC;
 *  - validity: HSD, HAN SU DUNG, HAN SD, HET HAN.
 * A list replaces its defaults, it does not add to them.
 * out is cleared first, whatever the result. Returns
 *  - 1: a main balance was found (out->has_balance); out->has_validity
 *    tells whether a validity date was found too;
 *  - 0: the text has no main balance (an error answer, a menu, an amount
 *    without a keyword); out stays cleared, has_validity included;
 *  - -1 (DZ_EUSAGE) for bad arguments: text or out NULL, an empty list,
 *    more than USSD_KEYS_MAX keywords, a keyword that folds to "" or to
 *    USSD_KEY_MAX bytes or more, or a text longer than USSD_TEXT_MAX once
 *    folded. err may be NULL.
 */
int	ussd_parse_balance(const char *text, const char *const *balance_keys,
	    const char *const *validity_keys, struct ussd_balance *out,
	    struct dz_err *err);

/*
 * Format v in dong for people: thousands grouped with '.', then " đ"
 * (UTF-8), e.g. "12.345 đ", "-5.000 đ", "0 đ". Truncated to outsz bytes
 * with its NUL like dz_strlcpy (USSD_VND_BUFSZ always fits); nothing is
 * written when outsz is 0.
 */
void	ussd_format_vnd(long long v, char *out, size_t outsz);

#endif
