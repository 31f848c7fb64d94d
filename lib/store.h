/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state database owned by dossierd: schema, migrations, inbox, outbox, audit, opt-outs, status. */
#ifndef DZ_STORE_H
#define DZ_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define STORE_TEXT_MAX	4096
#define STORE_NUM_MAX	32

enum lane {
	LANE_REPLY,
	LANE_STAFF,
	LANE_NOTICE,
	LANE_BROADCAST,
	LANE_COUNT
};
#define LANE_BIT(l)	(1u << (l))
#define LANE_ALL	((1u << LANE_COUNT) - 1)

struct store;

/* One received SMS part as the modem delivered it. */
struct in_part {
	char		 sender[STORE_NUM_MAX];	/* as delivered, not normalised */
	char		 smsc_time[24];		/* YYYYMMDDThhmmss or "" */
	int		 ref, part, total;	/* concatenation; total 1 = single */
	char		 text[STORE_TEXT_MAX];	/* UTF-8 */
	char		 modem[32];
};

/* A whole inbound message waiting to be handled. */
struct inbox_msg {
	int64_t		 id;
	char		 sender[STORE_NUM_MAX];
	char		 text[STORE_TEXT_MAX];
	time_t		 received_at;
};

/* An outbound message. */
struct out_msg {
	int64_t		 id;
	enum lane	 lane;
	char		 number[STORE_NUM_MAX];
	char		 text[STORE_TEXT_MAX];
	int		 attempts;
	bool		 uncertain;	/* may already have been sent before a crash */
};

/* Modem health, written by the daemon, read by dossierctl. */
struct modem_status {
	char		 name[32];
	char		 state[16];
	int		 signal;	/* percent, -1 unknown */
	char		 network[32];
	char		 operator_[64];
	char		 last_error[160];
	int		 reconnects;
	time_t		 updated_at;
	time_t		 last_send;
	char		 balance[64];
	time_t		 balance_at;
};

/* Open (creating and migrating as needed) the state database at path. */
struct store	*store_open(const char *path, struct dz_err *err);
void		 store_close(struct store *s);
/* PRAGMA integrity_check: 0 ok, -1 with err. */
int		 store_check(struct store *s, struct dz_err *err);

/* Explicit transactions (BEGIN IMMEDIATE). Functions below do not nest them. */
int	store_begin(struct store *s, struct dz_err *err);
int	store_commit(struct store *s, struct dz_err *err);
void	store_rollback(struct store *s);

/*
 * Record one received part (own transaction). Single parts go straight to
 * the inbox as pending; parts of a concatenated message wait in the parts
 * table until all arrived, then are joined into one inbox row.
 * Returns 1 if new, 0 if this exact part was seen before (dedup key:
 * sender, SMSC time, reference, part, text), -1 on error.
 * Once it returns 0 or 1 the part may be deleted from the modem.
 */
int	store_inbox_add_part(struct store *s, const struct in_part *p,
	    time_t now, struct dz_err *err);
/* Join incomplete multipart messages older than cutoff as they are. Returns how many. */
int	store_parts_flush(struct store *s, time_t cutoff, struct dz_err *err);
/* Oldest pending inbox message: 1 found, 0 none, -1 error. */
int	store_inbox_next(struct store *s, struct inbox_msg *m, struct dz_err *err);
/* The same, among messages with id > after. */
int	store_inbox_next_after(struct store *s, int64_t after, struct inbox_msg *m,
	    struct dz_err *err);
/* Mark handled with what it was and what came of it (inside the caller's transaction). */
int	store_inbox_done(struct store *s, int64_t id, const char *kind,
	    const char *outcome, time_t now, struct dz_err *err);

/* Queue a message; expires 0 = never. Returns the row id or -1. */
int64_t	store_outbox_add(struct store *s, enum lane lane, const char *number,
	    const char *text, time_t now, time_t expires, int64_t inbox_id,
	    struct dz_err *err);
/* Next due message among lanes in lane_mask (priority reply > staff > notice > broadcast): 1/0/-1. */
int	store_outbox_next(struct store *s, time_t now, unsigned lane_mask,
	    struct out_msg *m, struct dz_err *err);
/* Earliest next_at among queued/retry rows of lane_mask, or 0 if none. */
time_t	store_outbox_next_due(struct store *s, unsigned lane_mask);
/* Hold a queued row until next_at. */
int	store_outbox_delay(struct store *s, int64_t id, time_t next_at,
	    struct dz_err *err);
int	store_outbox_sending(struct store *s, int64_t id, const char *modem,
	    time_t now, struct dz_err *err);
int	store_outbox_sent(struct store *s, int64_t id, int parts, time_t now,
	    struct dz_err *err);
int	store_outbox_retry(struct store *s, int64_t id, time_t next_at,
	    const char *error, struct dz_err *err);
int	store_outbox_failed(struct store *s, int64_t id, const char *error,
	    time_t now, struct dz_err *err);
/* Queued/retry rows past their expiry become expired. Returns how many. */
int	store_outbox_expire(struct store *s, time_t now, struct dz_err *err);
/*
 * After a crash: rows left "sending" are uncertain. Replies and staff
 * messages are queued again (flagged uncertain); notices and broadcasts
 * become "uncertain" and are not sent again. Returns rows touched.
 */
int	store_outbox_recover(struct store *s, time_t now, struct dz_err *err);
/* dossierctl retry: a failed/expired/uncertain row back to queued. 1 done, 0 no such row. */
int	store_outbox_requeue(struct store *s, int64_t id, time_t now,
	    struct dz_err *err);

struct outbox_summary {
	int		 queued[LANE_COUNT];	/* queued, retry or sending */
	int		 sent_today;		/* rows sent since `since` */
	int		 failed_today;		/* failed/expired/uncertain since `since` */
	time_t		 last_send;
};
int	store_outbox_summary(struct store *s, time_t since,
	    struct outbox_summary *sum, struct dz_err *err);

/* The notices ledger: one row per (dossier code, kind, reminder number). */
struct notice_row {
	int64_t		 id;
	char		 code[64];
	char		 kind[16];	/* "ready" */
	int		 n;		/* reminders already queued */
	char		 number[STORE_NUM_MAX];
	char		 outcome[48];	/* queued, or skipped: why */
	int64_t		 outbox_id;
	time_t		 created_at;
	time_t		 next_at;	/* next reminder due, 0 none */
};
/* Insert unless (code, kind, n) exists: 1 inserted, 0 existed, -1 error. */
int	store_notice_add(struct store *s, const struct notice_row *n,
	    struct dz_err *err);
/* 1 if (code, kind, n) is in the ledger, 0 if not, -1 on error. */
int	store_notice_exists(struct store *s, const char *code, const char *kind,
	    int n);
/* The ledger row whose next reminder is due soonest (next_at <= now): 1/0/-1. */
int	store_notice_due(struct store *s, time_t now, struct notice_row *n,
	    struct dz_err *err);
/* Set the ledger row's next reminder time (0: no more reminders). */
int	store_notice_reschedule(struct store *s, int64_t id, time_t next_at,
	    struct dz_err *err);
/* Notices and broadcasts queued to number since `since` (the per-number daily cap). */
int	store_proactive_count(struct store *s, const char *number, time_t since);

/* Audit and the counts limits are computed from. */
int	store_audit_add(struct store *s, const char *number, const char *code,
	    const char *outcome, bool owner, time_t now, struct dz_err *err);
/* Audit rows of number since `since` whose outcome is in the comma list outcomes. -1 on error. */
int	store_audit_count(struct store *s, const char *number,
	    const char *outcomes, time_t since);
/* Rows queued to number in lane since `since`. */
int	store_outbox_count(struct store *s, const char *number, enum lane lane,
	    time_t since);

int	store_optout_set(struct store *s, const char *number, bool out,
	    const char *source, time_t now, struct dz_err *err);
bool	store_is_opted_out(struct store *s, const char *number);

int	store_modem_put(struct store *s, const struct modem_status *ms,
	    struct dz_err *err);
/* Reads modem rows in name order; returns how many (<= max) or -1. */
int	store_modem_list(struct store *s, struct modem_status *out, int max,
	    struct dz_err *err);

/* meta key/value (watermarks, balance). get: 1 found, 0 not, -1 error. */
int	store_meta_get(struct store *s, const char *key, char *val, size_t valsz);
int	store_meta_set(struct store *s, const char *key, const char *val,
	    struct dz_err *err);

/* For dossierctl and tests: run sql with one optional text/int parameter binding, row callback. */
typedef int (*store_row_cb)(void *arg, int ncol, char **vals, char **names);
int	store_exec(struct store *s, const char *sql, store_row_cb cb, void *arg,
	    struct dz_err *err);

const char	*store_lane_name(enum lane lane);

#endif
