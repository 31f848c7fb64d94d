/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: libconfig file -> struct conf, with defaults, ranges and file:line errors. */
#ifndef DZ_CONF_H
#define DZ_CONF_H

#include <stdbool.h>
#include <libconfig.h>

#include "err.h"
#include "text.h"

#define CONF_MAX_MODEMS		8
#define CONF_MAX_STAFF		16
#define CONF_MAX_REMINDERS	8
#define CONF_MAX_AUDIENCES	16
#define CONF_MAX_OFFICES	32
#define CONF_NSTATUS		10	/* national status codes 1..10 */

#define CONF_PREFIXES_SZ	256

struct conf_modem {
	const char	*name;
	const char	*device;	/* serial device, or the dummy phone's directory */
	const char	*connection;	/* Gammu connection: "at", "at115200", "none" for dummy */
	const char	*model;		/* Gammu model: "" (auto), "at", "dummy" */
	const char	*pin;		/* SIM PIN or NULL; never logged */
	const char	*features;	/* Gammu phone features, "A, B", or NULL */
	int		 poll_interval;	/* s between inbox reads without +CMTI */
	int		 send_timeout;	/* s to wait for all parts' send status (< WatchdogSec) */
	int		 status_interval; /* s between signal/network refreshes */
	int		 step_timeout;	/* s one connect/read/status step may take (< WatchdogSec) */
	int		 stop_grace;	/* s a stop waits for the send in progress (< TimeoutStopSec) */
	bool		 reply_same_modem; /* replies to its queries wait for it while it is ready */
	int		 per_minute;	/* its pacing, 0: sms.per_minute */
	int		 per_day;	/* parts a day at most (carrier caps), 0: none */
	/* AT+CMGS written by dossierd on the open port (no fixed sleeps);
	   false: the modem library's own send (0.7 s of sleeps a part) */
	bool		 direct_send;
	/* AT+CMGD written by dossierd too, without the modem library's re-read
	   of the message before it (three AT commands fewer); needs direct_send */
	bool		 direct_delete;
	/* status_reports = "stored": reports kept in the SIM (+CDSI), read and
	   deleted there; "direct" (default): +CDS lines, two AT commands fewer */
	bool		 reports_stored;
	/* notices and broadcasts to these number prefixes go out on this modem:
	   ",+8486,+8496," (international form), "" none */
	char		 prefixes[CONF_PREFIXES_SZ];
};

struct conf_status {
	const char	*text;		/* shown to citizens; folded in ascii mode */
	bool		 notice;	/* entering it triggers a ready notice */
	bool		 final;		/* result collected: stops reminders */
	bool		 done;		/* result exists: never "overdue" */
};

struct conf_audience {
	const char	*name;
	const char	*sql;
};

/* Notice and reminder texts for one pickup office (matched in the office column). */
struct conf_office {
	const char	*match;		/* folded, case-insensitive substring of office */
	const char	*notice;	/* NULL: templates.notice */
	const char	*reminder;	/* NULL: templates.reminder */
};

struct conf_templates {
	const char	*reply;		/* anyone: {code} {status} {due} {office} */
	const char	*reply_owner;	/* owner's number: + {procedure} */
	const char	*overdue;	/* {status} {days}: replaces {status} */
	const char	*not_found;	/* {code} */
	const char	*not_owner;	/* {code}: privacy.owner_only and another number */
	const char	*bad_date;	/* {code} */
	const char	*procedure;	/* {code} */
	const char	*bad_syntax;	/* {example} */
	const char	*help;		/* {example} */
	const char	*too_many;	/* {max} {found} */
	const char	*opt_out;
	const char	*opt_in;
	const char	*rate_limited;
	const char	*notice;	/* {code} {status} {office} {procedure} */
	const char	*reminder;	/* + {n} */
	const char	*staff_denied;
	const char	*staff_status;	/* {queued} {sent} {failed} {signal} {balance} */
	const char	*staff_balance;	/* {balance} {age} */
	const char	*staff_unsupported;
	const char	*staff_broadcast_count;	/* {id} {recipients} {parts} {cost} */
	const char	*staff_broadcast_started;	/* {id} {recipients} */
	const char	*staff_broadcast_cancelled;	/* {id} {unsent} {sent} */
	const char	*staff_broadcast_refused;	/* {reason} */
	const char	*staff_lockout_alert;	/* {number} {failures} */
	const char	*staff_guessing_alert;	/* {misses} {numbers} {delay} */
	const char	*low_balance_alert;	/* {balance} {low} {modem} */
	const char	*expiry_alert;	/* {validity} {days} {modem} */
};

struct conf {
	config_t		 cfg;		/* owns every string below */
	char			 file[512];

	int			 nmodems;
	struct conf_modem	 modems[CONF_MAX_MODEMS];

	struct {
		const char	*path;
		const char	*lookup_sql;	/* :code */
		const char	*ready_sql;	/* :since */
		int		 busy_timeout;	/* ms */
		int		 naudiences;
		struct conf_audience audiences[CONF_MAX_AUDIENCES];
	} records;

	struct {
		const char	*path;
	} state;

	struct {
		int		 level;	/* 0 warning, 1 info, 2 debug */
	} log;

	struct conf_status	 statuses[CONF_NSTATUS + 1];	/* index 1..10 */
	struct conf_templates	 templates;
	int			 noffices;
	struct conf_office	 offices[CONF_MAX_OFFICES];
	const char		*example_code;

	struct {
		enum text_charset charset;
		int		 max_parts;
		int		 per_minute;
		int		 max_codes;
		int		 retry_initial;	/* s */
		int		 retry_max;	/* s */
		int		 max_attempts;
		int		 reply_expiry;	/* s a reply may wait before it is pointless */
		int		 multipart_timeout; /* s to wait for missing parts */
		bool		 delivery_reports; /* ask the network for a status report */
		int		 flag_undeliverable; /* undeliverable this often: a stale number */
	} sms;

	struct {
		int		 window_start;	/* minutes after local midnight */
		int		 window_end;
		int		 nreminders;
		int		 reminder_days[CONF_MAX_REMINDERS];
		int		 backfill_days;
		int		 per_number_per_day;
		int		 poll_interval;	/* s */
		int		 day_seconds;	/* 86400; tests shorten "days" */
	} notices;

	struct {
		int		 lookups_per_day;
		int		 misses_per_hour;
		int		 replies_per_number_per_day;
		int		 same_text_per_day;	/* then a loop: silent for the day */
		int		 global_misses_per_hour;	/* then the guessing alarm */
		int		 alarm_delay;	/* s lookup replies wait while it holds */
	} limits;

	struct {
		int		 retention_days;	/* audit rows older are deleted */
	} audit;

	struct {
		bool		 owner_only;	/* status only to the owner's number */
	} privacy;

	struct {
		int		 nnumbers;
		char		 numbers[CONF_MAX_STAFF][32];	/* normalised */
		const char	*pin;
		int		 max_pin_failures;
		int		 confirm_timeout;	/* s to confirm an SMS broadcast */
	} staff;

	struct {
		const char	*balance_code;
		int		 interval;	/* s, 0 = never */
		const char	*balance_regex;
		long		 low_balance;
		int		 timeout;	/* s to wait for an answer */
		int		 check_after_sends;	/* 0 = never */
		int		 expiry_warn_days;
	} ussd;
};

/*
 * Load path into a fresh conf (caller-allocated, uninitialised): parse,
 * apply defaults, range-check every key, reject unknown keys and bad
 * templates. On failure returns -1 with err "FILE:LINE: message" (class
 * DZ_EUSAGE) and leaves nothing to free. On success conf_fini must be
 * called.
 */
int	conf_load(const char *path, struct conf *conf, struct dz_err *err);
void	conf_fini(struct conf *conf);

/*
 * The keys a SIGHUP cannot change that differ between old and new
 * ("state.path, modems[0].device"), written to buf; NULL if none does.
 */
const char	*conf_needs_restart(const struct conf *old,
		    const struct conf *new_, char *buf, size_t bufsz);

#endif
