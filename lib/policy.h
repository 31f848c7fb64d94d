/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure policy decisions: retry backoff, send windows, pacing, dates. Time is always an argument. */
#ifndef DZ_POLICY_H
#define DZ_POLICY_H

#include <stdbool.h>
#include <time.h>

/*
 * What the network's status reports say of a sent message (or part):
 * none requested, waiting for a report, pending (the network still
 * tries), delivered, undeliverable (it gave up: TP-ST says why).
 */
enum delivery {
	DLV_NONE,
	DLV_WAITING,
	DLV_PENDING,
	DLV_DELIVERED,
	DLV_UNDELIVERABLE,
	DLV_N
};

/* Delay before attempt number attempts + 1: initial * 2^(attempts-1), capped at max. */
int	policy_backoff(int attempts, int initial, int max);

/*
 * After a failed send: should attempt number attempts (1 = the first) be
 * the last? True when max_attempts is reached, or when the error names
 * this message or number (permanent) and POLICY_PERMANENT_ATTEMPTS tries
 * were made: one more try, since a network's "permanent" answer is
 * sometimes a passing fault.
 */
#define POLICY_PERMANENT_ATTEMPTS	2
bool	policy_send_give_up(int attempts, int max_attempts, bool permanent);

/* Is minute_of_day (0..1439) inside [start, end)? start > end wraps past midnight; start == end is always. */
bool	policy_in_window(int start, int end, int minute_of_day);

/* Seconds from minute_of_day (and second) until the window opens; 0 if inside. */
int	policy_until_window(int start, int end, int minute_of_day, int second);

/* Milliseconds one SMS part costs at per_minute parts per minute. */
int	policy_pace_ms(int per_minute);

/*
 * Parse an ISO 8601 date ("2024-08-27", "2024-08-27T16:00:00", "2024-08-27 16:00")
 * into a day number (days since 1970-01-01). Returns 0 or -1.
 */
int	policy_parse_day(const char *iso, long *day);

/* Format an ISO date as dd/mm/yyyy into out; empty or unparsable input gives "". */
void	policy_format_day(const char *iso, char *out, size_t outsz);

/* Format a day number as "YYYY-MM-DD". */
void	policy_day_iso(long day, char *out, size_t outsz);

/*
 * Move an ISO timestamp ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" or with a
 * space) back by seconds, keeping its style; unparsable input is copied.
 */
void	policy_iso_minus(const char *iso, long seconds, char *out, size_t outsz);

/* Day number of a struct tm (local calendar date). */
long	policy_tm_day(const struct tm *tm);

/*
 * A status report's TP-ST (3GPP TS 23.040 9.2.3.15) as a delivery:
 * 0x00-0x1F delivered, 0x20-0x3F pending (the network still tries),
 * anything else undeliverable (it gave up).
 */
enum delivery	policy_delivery(int tp_st);
/*
 * Why, in words, for the log and the status ("validity period expired"):
 * English, marked for translation (dossierctl shows _(reason)).
 */
const char	*policy_delivery_reason(int tp_st);

#endif
