/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state database owned by dossierd: the only code that knows its schema. */
#ifndef DZ_STORE_H
#define DZ_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "policy.h"

/*
 * Conventions for every function below:
 * - Failures return -1 (or NULL) and set err: class DZ_ESTATE for anything
 *   SQLite reports (read-only, corrupt, locked past the busy timeout, full,
 *   a missing table), DZ_ETRANSIENT for out of memory. No function fails
 *   without setting err (err may be NULL when the caller does not care).
 * - "Own transaction": the function commits its work itself and must not be
 *   called inside store_begin/store_commit. All others write nothing on
 *   their own beyond the one statement they run: inside the caller's
 *   transaction if there is one, else auto-committed.
 *
 * Files: store.c (open, migrations, statements, transactions, meta),
 * store_inbox.c, store_outbox.c, store_ledger.c (notices),
 * store_audit.c (audit, opt-outs), store_report.c (modem status, today's
 * counts); store_priv.h holds what they share.
 */

#define STORE_TEXT_MAX	4096
#define STORE_NUM_MAX	32

/* Outbound priority lanes, highest first. Stored as these numbers. */
enum lane {
	LANE_REPLY,
	LANE_STAFF,
	LANE_NOTICE,
	LANE_BROADCAST,
	LANE_COUNT
};
#define LANE_BIT(l)	(1u << (l))
#define LANE_ALL	((1u << LANE_COUNT) - 1)
/* Answers to what a citizen or staff member sent. */
#define LANES_ANSWERS	(LANE_BIT(LANE_REPLY) | LANE_BIT(LANE_STAFF))
/* What the gateway sends of its own accord: send window and daily caps. */
#define LANES_PROACTIVE	(LANE_BIT(LANE_NOTICE) | LANE_BIT(LANE_BROADCAST))

/*
 * The states of an outbox row: queued -> sending -> sent | retry -> ... |
 * failed | expired; uncertain: was being sent at a crash, not sent again;
 * cancelled: its broadcast was cancelled first.
 * Stored as the names store_state_name() gives.
 */
enum out_state {
	OUT_QUEUED,
	OUT_SENDING,
	OUT_SENT,
	OUT_RETRY,
	OUT_FAILED,
	OUT_EXPIRED,
	OUT_UNCERTAIN,
	OUT_CANCELLED,		/* a broadcast cancelled before this row was sent */
	OUT_NSTATES
};
#define OUT_BIT(s)	(1u << (s))
/* Waiting for its turn (or for its retry time). */
#define OUT_WAITING	(OUT_BIT(OUT_QUEUED) | OUT_BIT(OUT_RETRY))
/* Not yet in a final state. */
#define OUT_OPEN	(OUT_WAITING | OUT_BIT(OUT_SENDING))
/* Final, and not sent (or not known to be). */
#define OUT_UNSENT	(OUT_BIT(OUT_FAILED) | OUT_BIT(OUT_EXPIRED) | \
			 OUT_BIT(OUT_UNCERTAIN))

/* What a lookup or staff command came to, in the audit table. */
enum audit_outcome {
	AUDIT_FOUND,
	AUDIT_NOT_FOUND,
	AUDIT_BAD_DATE,
	AUDIT_LIMITED,		/* over a per-number limit */
	AUDIT_STAFF,		/* a staff command with the right PIN */
	AUDIT_STAFF_DENIED,	/* a wrong PIN or a number not on the list */
	AUDIT_LOOP,		/* the same text again and again: not answered today */
	AUDIT_NOUTCOMES
};
#define AUDIT_BIT(o)	(1u << (o))
#define AUDIT_LOOKUPS	(AUDIT_BIT(AUDIT_FOUND) | AUDIT_BIT(AUDIT_NOT_FOUND) | \
			 AUDIT_BIT(AUDIT_BAD_DATE))
#define AUDIT_MISSES	(AUDIT_BIT(AUDIT_NOT_FOUND) | AUDIT_BIT(AUDIT_BAD_DATE))

/* The notices ledger: what a row is, and what came of it. */
enum notice_kind {
	NOTICE_READY,		/* the first "result ready" notice (n = 0) */
	NOTICE_REMINDER,	/* reminder n = 1, 2, ... */
};
enum notice_outcome {
	NOTICE_QUEUED,
	NOTICE_SKIP_OLD,	/* ready before the backfill window */
	NOTICE_SKIP_CONSENT,	/* notify_sms is 0 */
	NOTICE_SKIP_PHONE,	/* no mobile number */
	NOTICE_SKIP_OPTOUT,
	NOTICE_SKIP_RENDER,	/* the text could not be rendered */
	NOTICE_NOUTCOMES
};

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

/* An outbound message taken for sending. */
struct out_msg {
	int64_t		 id;
	enum lane	 lane;
	char		 number[STORE_NUM_MAX];
	char		 text[STORE_TEXT_MAX];
	int		 attempts;
	bool		 uncertain;	/* may already have been sent before a crash */
	int		 parts_sent;	/* parts the network confirmed so far */
	int		 parts_total;	/* parts it was split into, 0 not yet */
	int		 concat_ref;	/* concatenation reference used, -1 none */
};

/* One part the network confirmed. */
struct sent_part {
	int		 part;		/* 1-based */
	int		 total;
	int		 concat_ref;	/* -1 for a single-part message */
	int		 mr;		/* the network's message reference, -1 unknown */
	const char	*modem;
	bool		 report;	/* a status report was requested for it */
};

/* An outbox row as listed for people (dossierctl queue). */
struct out_row {
	int64_t		 id;
	enum lane	 lane;
	enum out_state	 state;
	int		 attempts;
	char		 number[STORE_NUM_MAX];
	time_t		 when;		/* sent_at if sent, else next_at */
	char		 text[STORE_TEXT_MAX];
	char		 last_error[256];
	enum delivery	 delivery;	/* what the status reports say */
	int		 delivery_status; /* TP-ST of the last report */
};

/* Which outbox rows store_outbox_list returns. */
struct out_filter {
	unsigned	 states;	/* OUT_BIT mask */
	unsigned	 lanes;		/* LANE_BIT mask */
	int		 limit;		/* at most this many rows */
	enum delivery	 delivery;	/* only these (DLV_NONE: any) */
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

/* One row of the notices ledger: one per (dossier code, kind, reminder number). */
struct notice_row {
	int64_t			 id;
	char			 code[64];
	enum notice_kind	 kind;
	int			 n;		/* reminders already queued */
	char			 number[STORE_NUM_MAX];
	enum notice_outcome	 outcome;
	int64_t			 outbox_id;
	time_t			 created_at;
	time_t			 next_at;	/* next reminder due, 0 none */
};

/* ---- store.c: the database, its schema, transactions, meta ---- */

/*
 * Open (creating and migrating as needed) the state database at path.
 * NULL on failure: DZ_ESTATE (cannot open, not a database, schema newer
 * than this program, migration failed) or DZ_ETRANSIENT (out of memory).
 */
struct store	*store_open(const char *path, struct dz_err *err);
/*
 * For a program of one thread, called before any database (state or
 * records) is opened: SQLite without its mutexes and memory statistics,
 * a lock taken on every call otherwise. false if SQLite was already in use.
 */
bool		 store_single_thread(void);
void		 store_close(struct store *s);
/* PRAGMA integrity_check: 0 ok, -1 with err (DZ_ESTATE). */
int		 store_check(struct store *s, struct dz_err *err);

/*
 * Explicit transactions (BEGIN IMMEDIATE); they do not nest. commit rolls
 * back on failure. rollback is a no-op outside a transaction.
 */
int	store_begin(struct store *s, struct dz_err *err);
int	store_commit(struct store *s, struct dz_err *err);
void	store_rollback(struct store *s);
/*
 * A batch: one transaction for several steps that follow each other with
 * no modem I/O between them (the texts of one read of the SIM, a pass
 * over the inbox). Inside it store_begin, store_commit and store_rollback
 * open, release and undo a savepoint, so one step that fails leaves the
 * others; nothing is durable before store_batch_end commits. Whatever a
 * step's success allowed (deleting a text from the SIM) waits for that.
 * store_batch_end returns -1 with err if the batch is not committed:
 * SQLite ended its transaction on an error (disk full, I/O) or the commit
 * failed. Everything since store_batch_begin may then be lost, and the
 * caller must act as if no step succeeded.
 */
int	store_batch_begin(struct store *s, struct dz_err *err);
int	store_batch_end(struct store *s, struct dz_err *err);

/*
 * Checkpoints of the write-ahead log. SQLite runs one inside whichever
 * commit takes the log past 1,000 pages, and a checkpoint syncs the
 * database file: on an SD card that is a reply held up for hundreds of
 * milliseconds. After store_defer_checkpoints no commit of this
 * connection checkpoints; the daemon calls store_checkpoint between its
 * steps instead. It checkpoints (PASSIVE: never waits for a reader) when
 * min_pages or more have been added to the log since the last one, as
 * last seen by a commit of this connection, and notes now in meta
 * (checkpoint_at) once the log is all copied. Returns 1 if it ran, 0 if
 * not due or the log is busy, -1 with err.
 */
#define STORE_CHECKPOINT_PAGES	1000	/* SQLite's own wal_autocheckpoint */
#define STORE_CHECKPOINT_BUSY	(4 * STORE_CHECKPOINT_PAGES)	/* whenever: modems down */
void	store_defer_checkpoints(struct store *s);
int	store_checkpoint(struct store *s, int min_pages, time_t now,
	    struct dz_err *err);
/* Pages in the log since the last checkpoint, as last seen by a commit. */
int	store_wal_pending(const struct store *s);

/*
 * What is committed in the state database, as a token that changes when
 * this connection changes a row (sqlite3_total_changes64) or another one
 * commits (PRAGMA data_version): a poller that found nothing need not ask
 * again while the token stays the same. 0, or -1 with err (DZ_ESTATE).
 */
struct store_gen {
	int64_t	theirs;		/* PRAGMA data_version */
	int64_t	ours;		/* rows this connection changed */
};
int	store_gen(struct store *s, struct store_gen *g, struct dz_err *err);

/*
 * A poll of the state database that can be skipped while nothing changed.
 * store_gate_skip reads the token into *now_gen (a failure never skips);
 * after the poll, store_gate_idle(..., recheck_at) when it found nothing
 * (asked again at recheck_at, ms, whatever the token), or store_gate_open
 * when it found work.
 */
struct store_gate {
	struct store_gen	seen;
	int64_t			recheck_at;
	bool			idle;
};
bool	store_gate_skip(struct store *s, struct store_gate *g, int64_t now_ms,
	    struct store_gen *now_gen);
void	store_gate_idle(struct store_gate *g, const struct store_gen *seen,
	    int64_t recheck_at);
void	store_gate_open(struct store_gate *g);

/* meta key/value (watermarks, balance). get: 1 found (val set), 0 not, -1 error. */
int	store_meta_get(struct store *s, const char *key, char *val,
	    size_t valsz, struct dz_err *err);
int	store_meta_set(struct store *s, const char *key, const char *val,
	    struct dz_err *err);

/*
 * Run SQL text as it is (no parameters; several statements allowed),
 * calling cb for each result row. For tests and diagnostics only: the
 * daemon and dossierctl use the functions of this header. 0 or -1.
 */
typedef int (*store_row_cb)(void *arg, int ncol, char **vals, char **names);
int	store_exec(struct store *s, const char *sql, store_row_cb cb, void *arg,
	    struct dz_err *err);

/* Names as stored and shown; "?" for an out-of-range value. */
const char	*store_lane_name(enum lane lane);
const char	*store_state_name(enum out_state st);
const char	*store_audit_name(enum audit_outcome o);
const char	*store_notice_kind_name(enum notice_kind k);
const char	*store_notice_outcome_name(enum notice_outcome o);
/* The lane called name: 0 and *lane set, or -1 (DZ_EUSAGE). */
int		 store_lane_parse(const char *name, enum lane *lane,
		    struct dz_err *err);

/* ---- store_inbox.c: received messages, multipart reassembly ---- */

/*
 * Record one received part (own transaction). Single parts go straight to
 * the inbox as pending; parts of a concatenated message wait in the parts
 * table until all arrived, then are joined into one inbox row, cut at a
 * character if longer than STORE_TEXT_MAX - 1 bytes. What in the text is
 * not UTF-8 becomes U+FFFD (text_utf8_repair). Returns 1 if new, 0 if
 * this exact part was seen before (dedup key: sender, SMSC time,
 * reference, part, text), -1 on error.
 * Once it returns 0 or 1 the part may be deleted from the modem.
 */
int	store_inbox_add_part(struct store *s, const struct in_part *p,
	    time_t now, struct dz_err *err);
/*
 * Join incomplete multipart messages whose first part arrived before
 * cutoff, as they are (own transaction per message). Returns how many.
 */
int	store_parts_flush(struct store *s, time_t cutoff, struct dz_err *err);
/* Oldest pending inbox message: 1 found (m set), 0 none, -1 error. */
int	store_inbox_next(struct store *s, struct inbox_msg *m, struct dz_err *err);
/* The same, among messages with id > after. */
int	store_inbox_next_after(struct store *s, int64_t after, struct inbox_msg *m,
	    struct dz_err *err);
/*
 * Mark handled with what it was (kind), what came of it (outcome) and,
 * unless fp is NULL, its text's fingerprint (store_inbox_repeats). 0 or -1.
 */
int	store_inbox_done(struct store *s, int64_t id, const char *kind,
	    const char *outcome, const int64_t *fp, time_t now,
	    struct dz_err *err);

/* ---- store_outbox.c: the outbound queue and its state machine ---- */

/* Queue a message (state queued, due now); expires 0 = never. Returns the row id or -1. */
int64_t	store_outbox_add(struct store *s, enum lane lane, const char *number,
	    const char *text, time_t now, time_t expires, int64_t inbox_id,
	    struct dz_err *err);
/*
 * The next due message among the lanes of lane_mask, in lane priority
 * (reply > staff > notice > broadcast), then due time: 1 found, 0 none, -1.
 */
int	store_outbox_next(struct store *s, time_t now, unsigned lane_mask,
	    struct out_msg *m, struct dz_err *err);
/*
 * The same for one modem of a pool: not the rest of a long message that
 * another modem (still ready) began, nor a reply to a query that came in
 * on another modem that is ready, unless that modem is named in anywhere
 * (",name,...,": modems with reply_same_modem false); with ok, the first
 * of the next 16 it accepts (prefix routing).
 */
typedef bool (*store_route_cb)(void *arg, const struct out_msg *m);
int	store_outbox_next_for(struct store *s, time_t now, unsigned lane_mask,
	    const char *modem, const char *anywhere, store_route_cb ok, void *arg,
	    struct out_msg *m, struct dz_err *err);
/* Earliest next_at among waiting rows of lane_mask into *due (0 if none). 0 or -1. */
int	store_outbox_next_due(struct store *s, unsigned lane_mask, time_t *due,
	    struct dz_err *err);
/* Hold a waiting row until next_at, why in its last_error (a daily cap, the guessing alarm). 0 or -1. */
int	store_outbox_delay(struct store *s, int64_t id, time_t next_at,
	    const char *why, struct dz_err *err);
/* State changes of one row; 0 or -1 (a missing row is not an error). */
int	store_outbox_sending(struct store *s, int64_t id, const char *modem,
	    time_t now, struct dz_err *err);
int	store_outbox_sent(struct store *s, int64_t id, int parts, time_t now,
	    struct dz_err *err);
int	store_outbox_retry(struct store *s, int64_t id, time_t next_at,
	    const char *error, struct dz_err *err);
int	store_outbox_failed(struct store *s, int64_t id, const char *error,
	    time_t now, struct dz_err *err);
/*
 * Record that the network confirmed part p->part of row id (own
 * transaction: a sent_parts row, and the row's progress; for the last
 * part, also what store_outbox_sent records). 0 or -1.
 */
int	store_outbox_part_sent(struct store *s, int64_t id,
	    const struct sent_part *p, time_t now, struct dz_err *err);
/*
 * A part was handed to the modem and never answered (a stop, a line drop,
 * a hung modem): replies and staff messages are queued again, flagged
 * uncertain (the citizen must get an answer, perhaps twice); notices and
 * broadcasts become "uncertain" and are not sent again. 0 or -1.
 */
int	store_outbox_uncertain(struct store *s, int64_t id, const char *error,
	    time_t now, struct dz_err *err);
/*
 * Sending stopped at a part boundary (a stop request): queued again, due
 * now, so that the parts not yet sent follow after the restart with the
 * same concatenation reference. 0 or -1.
 */
int	store_outbox_resume(struct store *s, int64_t id, const char *why,
	    time_t now, struct dz_err *err);
/* Waiting rows past their expiry become expired. Returns how many or -1. */
int	store_outbox_expire(struct store *s, time_t now, struct dz_err *err);
/*
 * After a crash (own transaction): rows left "sending" whose every part
 * the network had confirmed are sent; the others are uncertain: replies
 * and staff messages are queued again (flagged uncertain), notices and
 * broadcasts become "uncertain" and are not sent again. Returns rows
 * touched or -1.
 */
int	store_outbox_recover(struct store *s, time_t now, struct dz_err *err);
/* The same for the rows modem had claimed (its worker died). Rows or -1. */
int	store_outbox_recover_modem(struct store *s, const char *modem,
	    time_t now, struct dz_err *err);
/*
 * Claim a waiting row for modem (state sending, one more attempt): 1
 * claimed, 0 no longer waiting (another modem's worker took it), -1.
 */
int	store_outbox_claim(struct store *s, int64_t id, const char *modem,
	    time_t now, struct dz_err *err);
/* dossierctl retry: a failed, expired, uncertain or retry row back to queued. 1 done, 0 no such row, -1. */
int	store_outbox_requeue(struct store *s, int64_t id, time_t now,
	    struct dz_err *err);
/* Rows queued to number in the lanes of lane_mask since `since`. Count or -1. */
int	store_outbox_count(struct store *s, const char *number,
	    unsigned lane_mask, time_t since, struct dz_err *err);
/*
 * Rows matching f, lowest lane then id first, each handed to cb (a non-zero
 * return stops the listing). Returns rows handed over, or -1.
 */
typedef int (*store_out_cb)(void *arg, const struct out_row *r);
int	store_outbox_list(struct store *s, const struct out_filter *f,
	    store_out_cb cb, void *arg, struct dz_err *err);

struct outbox_summary {
	int		 queued[LANE_COUNT];	/* queued, retry or sending */
	int		 sent_today;		/* rows sent since `since` */
	int		 failed_today;		/* failed/expired/uncertain since `since` */
	time_t		 last_send;
};
/* Fill sum. 0 or -1. */
int	store_outbox_summary(struct store *s, time_t since,
	    struct outbox_summary *sum, struct dz_err *err);

/* ---- store_ledger.c: the notices ledger ---- */

/* Insert unless (code, kind, n) exists: 1 inserted, 0 existed, -1 error. */
int	store_notice_add(struct store *s, const struct notice_row *n,
	    struct dz_err *err);
/* 1 if (code, kind, n) is in the ledger, 0 if not, -1 on error. */
int	store_notice_exists(struct store *s, const char *code,
	    enum notice_kind kind, int n, struct dz_err *err);
/* The ledger row whose next reminder is due soonest (next_at <= now): 1/0/-1. */
int	store_notice_due(struct store *s, time_t now, struct notice_row *n,
	    struct dz_err *err);
/* Set the ledger row's next reminder time (0: no more reminders). 0 or -1. */
int	store_notice_reschedule(struct store *s, int64_t id, time_t next_at,
	    struct dz_err *err);

struct ledger_counts {
	int	outcome[NOTICE_NOUTCOMES];	/* ledger rows created since */
	int	reminders_sent;			/* reminders whose SMS was sent since */
};
/* Fill lc for rows since `since`. 0 or -1. */
int	store_ledger_counts(struct store *s, time_t since,
	    struct ledger_counts *lc, struct dz_err *err);

/* ---- store_audit.c: the audit trail, opt-outs ---- */

/* One audit row. 0 or -1. */
int	store_audit_add(struct store *s, const char *number, const char *code,
	    enum audit_outcome outcome, bool owner, time_t now,
	    struct dz_err *err);
/* Audit rows of number since `since` whose outcome is in mask (AUDIT_BIT). Count or -1. */
int	store_audit_count(struct store *s, const char *number, unsigned mask,
	    time_t since, struct dz_err *err);

/* One count of store_audit_counts: rows whose outcome is in mask, at >= since. */
struct audit_window {
	unsigned	 mask;	/* AUDIT_BIT */
	time_t		 since;
	int		 n;	/* out */
};
/* Up to AUDIT_WINDOWS counts of number's rows, in one query. 0 or -1. */
#define AUDIT_WINDOWS	5
int	store_audit_counts(struct store *s, const char *number,
	    struct audit_window *w, int nw, struct dz_err *err);

/* Misses (AUDIT_MISSES) of every number since `since`: count or -1; *numbers how many numbers made them. */
int	store_audit_misses(struct store *s, time_t since, int *numbers,
	    struct dz_err *err);
/*
 * The same count of misses without the numbers, from counts by the minute
 * (a constant cost, however many rows the hour holds): since is rounded
 * down to its minute. Count or -1.
 */
int	store_miss_count(struct store *s, time_t since, struct dz_err *err);
/* Delete the audit rows (and minute counts) older than `before`. Rows deleted or -1. */
int	store_audit_prune(struct store *s, time_t before, struct dz_err *err);

/* Which audit rows dossierctl audit lists: NULL / 0 fields match all. */
struct audit_filter {
	const char	*number;	/* normalised */
	const char	*code;		/* exact */
	time_t		 since;
	int		 limit;		/* at most this many rows to cb, newest first */
};
struct audit_row {
	int64_t		 id;
	time_t		 at;
	char		 number[STORE_NUM_MAX];
	char		 code[64];
	char		 outcome[16];
	bool		 owner;
};
typedef int (*store_audit_cb)(void *arg, const struct audit_row *r);
/* The rows matching f, newest first, to cb (non-zero stops); *total how many match. 0 or -1. */
int	store_audit_list(struct store *s, const struct audit_filter *f,
	    store_audit_cb cb, void *arg, int *total, struct dz_err *err);

/*
 * Count the messages from sender since `since` whose fingerprint is fp,
 * inbox row id (0: a preview) included whether or not it is recorded yet
 * (store_inbox_done records it). Count or -1.
 */
int	store_inbox_repeats(struct store *s, int64_t id, const char *sender,
	    int64_t fp, time_t since, struct dz_err *err);

/* Opt number out (out) or back in, from source. Returns rows changed or -1. */
int	store_optout_set(struct store *s, const char *number, bool out,
	    const char *source, time_t now, struct dz_err *err);
/* 1 if number is opted out, 0 if not, -1 on error (callers stay quiet then). */
int	store_optout_get(struct store *s, const char *number, struct dz_err *err);
/* Every opt-out, oldest first, to cb (non-zero stops). Returns how many or -1. */
typedef int (*store_optout_cb)(void *arg, const char *number, time_t at,
    const char *source);
int	store_optout_list(struct store *s, store_optout_cb cb, void *arg,
	    struct dz_err *err);

/* ---- store_broadcast.c: broadcast jobs and their recipients ---- */

/* The life of a broadcast job. Stored as the names store_job_state_name() gives. */
enum job_state {
	JOB_COLLECTING,		/* recipients being read from the audience */
	JOB_CONFIRM,		/* counted; waits for the staff member's OK */
	JOB_QUEUING,		/* confirmed; recipients being queued in batches */
	JOB_QUEUED,		/* every recipient queued (sending goes on) */
	JOB_CANCELLED,
	JOB_EXPIRED,		/* not confirmed in time */
	JOB_DRYRUN,		/* a dry run's counting, deleted after it */
	JOB_ABANDONED,		/* its collection never finished */
	JOB_NSTATES
};

/* Why a number of an audience gets no SMS. */
enum job_exclusion {
	EXCL_DUPLICATE,		/* the same person already in the job */
	EXCL_OPTOUT,
	EXCL_LANDLINE,
	EXCL_SHORTCODE,
	EXCL_EMPTY,
	EXCL_INVALID,		/* not a Vietnamese mobile number */
	EXCL_BAD_LINE,		/* a numbers file line that could not be read */
	EXCL_NREASONS
};

struct job {
	int64_t			 id;
	time_t			 created_at;
	char			 source[96];	/* who and where it came from */
	char			 audience[96];	/* audience name, or "file NAME" */
	char			 text[STORE_TEXT_MAX];	/* exactly as it is sent */
	enum job_state		 state;
	char			 staff_number[STORE_NUM_MAX];	/* must confirm (SMS jobs) */
	time_t			 confirm_by;	/* SMS jobs: OK before this */
	int64_t			 cursor;	/* audience rows read so far */
	int			 recipients;	/* numbers that will get it */
	int			 excluded[EXCL_NREASONS];
	int			 enqueued;	/* recipients queued so far */
	int			 segments;	/* SMS parts per message */
	bool			 ucs2;
	time_t			 finished_at;	/* queued, cancelled or expired */
};

/* Where a job's messages are now (from its outbox rows). */
struct job_progress {
	int	waiting;	/* queued, retry or sending */
	int	sent;
	int	failed;		/* failed, expired or uncertain */
	int	cancelled;
	int	pending;	/* recipients not queued yet */
};

/* Create a job from j (id, counts ignored); j->id set. 0 or -1. */
int	store_job_add(struct store *s, struct job *j, struct dz_err *err);
/* Read job id: 1 found, 0 none, -1. */
int	store_job_get(struct store *s, int64_t id, struct job *j,
	    struct dz_err *err);
/* Save j's state, cursor, counts and times (not its text). 0 or -1. */
int	store_job_update(struct store *s, const struct job *j,
	    struct dz_err *err);
/* Delete a job and its recipients (dry runs). 0 or -1. */
int	store_job_delete(struct store *s, int64_t id, struct dz_err *err);
/*
 * Add a normalised number to job id's recipients unless it is there:
 * 1 added, 0 a duplicate, -1. In the caller's transaction.
 */
int	store_job_add_recipient(struct store *s, int64_t id, const char *number,
	    int seq, struct dz_err *err);
/*
 * Up to max recipients of job id not queued yet, in collection order, into
 * numbers[max][STORE_NUM_MAX]. Returns how many or -1.
 */
int	store_job_pending(struct store *s, int64_t id, char (*numbers)[STORE_NUM_MAX],
	    int max, struct dz_err *err);
/* The recipient was queued as outbox row outbox_id (0: excluded after all). 0 or -1. */
int	store_job_queued(struct store *s, int64_t id, const char *number,
	    int64_t outbox_id, struct dz_err *err);
/* Mark outbox row outbox_id as one of job id's messages. 0 or -1. */
int	store_outbox_set_job(struct store *s, int64_t outbox_id, int64_t id,
	    struct dz_err *err);
/* Cancel what of job id is not sent: waiting rows become cancelled. Returns rows cancelled or -1. */
int	store_job_cancel_rows(struct store *s, int64_t id, struct dz_err *err);
/* Fill p for job id. 0 or -1. */
int	store_job_progress(struct store *s, int64_t id, struct job_progress *p,
	    struct dz_err *err);
/*
 * Jobs newest first, to cb (non-zero stops); states: a mask of 1 << job_state
 * (0 = all but dry runs). Returns how many or -1.
 */
typedef int (*store_job_cb)(void *arg, const struct job *j);
int	store_job_list(struct store *s, unsigned states, int limit,
	    store_job_cb cb, void *arg, struct dz_err *err);
/*
 * The oldest job in one of the states of mask: 1 found (j set), 0 none, -1.
 * from_sms: 1 only jobs a staff SMS made (a staff number is set), 0 only
 * dossierctl's, -1 either. For the daemon's work on jobs.
 */
int	store_job_next(struct store *s, unsigned states, int from_sms,
	    struct job *j, struct dz_err *err);
/*
 * A job with the same audience and text created since `since` and not
 * cancelled, expired, abandoned or a dry run: its id, 0 none, -1.
 */
int64_t	store_job_same(struct store *s, const char *audience, const char *text,
	    time_t since, struct dz_err *err);

const char	*store_job_state_name(enum job_state st);
const char	*store_exclusion_name(enum job_exclusion e);

/* ---- store_ussd.c: USSD requests and SIM balance readings ---- */

enum ussd_req_state {
	USSD_REQ_QUEUED,
	USSD_REQ_RUNNING,
	USSD_REQ_DONE,		/* the network answered (reply, status) */
	USSD_REQ_FAILED,	/* no answer, not supported, modem down: error */
};

struct ussd_req {
	int64_t			 id;
	char			 code[32];
	char			 source[32];	/* "dossierctl", "balance", "staff" */
	char			 answers[128];	/* menu answers, one per line */
	enum ussd_req_state	 state;
	time_t			 requested_at;
	time_t			 deadline;
	char			 modem[32];
	char			 reply[640];
	char			 status[32];	/* the network's session status */
	char			 error[160];
	time_t			 done_at;
};

struct balance_reading {
	time_t		 at;
	char		 modem[32];
	char		 raw[640];	/* the reply as received */
	bool		 parsed;	/* a main balance was read from it */
	long long	 balance;	/* VND, if parsed */
	char		 validity[11];	/* "YYYY-MM-DD" or "" */
};

/*
 * Queue a request (own statement); *id set. answers: what to answer, in
 * order, when a reply asks for input, one per line ("" none). 0 or -1.
 */
int	store_ussd_add(struct store *s, const char *code, const char *answers,
	    const char *source, const char *modem, time_t now, time_t deadline,
	    int64_t *id, struct dz_err *err);
/*
 * Take the oldest queued request still in time for modem (one for any
 * modem, or for that one): 1 taken (running, r set), 0 none (or another
 * modem's worker took it first), -1. Queued requests past their deadline
 * become failed first ("not done in time").
 */
int	store_ussd_next(struct store *s, time_t now, const char *modem,
	    struct ussd_req *r, struct dz_err *err);
/* Read request id: 1 found, 0 none, -1. */
int	store_ussd_get(struct store *s, int64_t id, struct ussd_req *r,
	    struct dz_err *err);
/* Save r's state, modem, reply, status, error and done_at. 0 or -1. */
int	store_ussd_update(struct store *s, const struct ussd_req *r,
	    struct dz_err *err);
/* How many requests of source for modem (NULL: any) are queued or running, or -1. */
int	store_ussd_pending(struct store *s, const char *source, const char *modem,
	    struct dz_err *err);
/*
 * Requests left running by modem (NULL: any; at start, all of them) were
 * interrupted: failed. Returns how many or -1.
 */
int	store_ussd_recover(struct store *s, const char *modem, time_t now,
	    struct dz_err *err);
/* Record a balance reading. 0 or -1. */
int	store_balance_add(struct store *s, const struct balance_reading *b,
	    struct dz_err *err);
/* The newest reading (parsed_only: the newest that was parsed): 1, 0 none, -1. */
int	store_balance_last(struct store *s, bool parsed_only,
	    struct balance_reading *b, struct dz_err *err);
/* The same for one modem's SIM (NULL: any). */
int	store_balance_last_of(struct store *s, const char *modem,
	    bool parsed_only, struct balance_reading *b, struct dz_err *err);

/* ---- store_delivery.c: status reports, their counts, stale numbers ---- */

/* The message a status report was matched to. */
struct delivery_match {
	int64_t		 outbox_id;
	enum lane	 lane;
	char		 number[STORE_NUM_MAX];
	int		 part, total;
	enum delivery	 message;	/* the whole message's delivery now */
};

/*
 * Record a status report of modem for message reference mr (own
 * transaction): the newest part sent by that modem with that reference
 * and a report requested (one still waiting first: references wrap at
 * 256), within 7 days of now. 1 matched (*m set), 0 no such part (the
 * caller logs it), -1.
 */
int	store_delivery_report(struct store *s, const char *modem, int mr,
	    enum delivery d, int tp_st, time_t at, time_t now,
	    struct delivery_match *m, struct dz_err *err);

struct delivery_counts {
	int	 n[DLV_N];		/* messages sent since `since`, by delivery */
	int	 nreasons;
	struct {
		int	 status;	/* TP-ST */
		int	 n;
	}	 notice_reasons[16];	/* undeliverable notices, by TP-ST */
};
/* Fill c for the messages sent since `since`. 0 or -1. */
int	store_delivery_counts(struct store *s, time_t since,
	    struct delivery_counts *c, struct dz_err *err);

/* A number messages keep failing to reach: perhaps stale on its dossiers. */
struct stale_number {
	char		 number[STORE_NUM_MAX];
	int		 failures;	/* undeliverable since the last delivered */
	int		 last_status;	/* TP-ST of the last failure */
	time_t		 last_at;
	char		 codes[256];	/* dossier codes noticed at it, comma separated */
};
typedef int (*store_stale_cb)(void *arg, const struct stale_number *n);
/*
 * Numbers with at least min_failures undeliverable messages since their
 * last delivered one, most failures first, each handed to cb. Count or -1.
 */
int	store_delivery_stale(struct store *s, int min_failures,
	    store_stale_cb cb, void *arg, struct dz_err *err);
const char	*store_delivery_name(enum delivery d);

/* ---- store_history.c: what one number sent and got back ---- */

/* One message to or from a number: an inbox row (incoming) or an outbox row. */
struct hist_row {
	bool		 incoming;
	int64_t		 id;
	time_t		 at;		/* received, or queued */
	char		 number[STORE_NUM_MAX];
	char		 text[STORE_TEXT_MAX];
	char		 kind[24];	/* incoming: lookup, help, ... */
	char		 outcome[128];	/* incoming: what came of it, or "pending" */
	enum lane	 lane;		/* outgoing: */
	enum out_state	 state;
	int		 attempts;
	time_t		 sent_at;	/* 0 not sent */
	int		 parts;
	char		 modem[32];
	char		 last_error[256];
	int64_t		 inbox_id;	/* the message it answers, 0 none */
	int64_t		 broadcast_id;	/* the broadcast it belongs to, 0 none */
	bool		 uncertain;	/* a send may have reached the phone */
	enum delivery	 delivery;	/* outgoing: what the status reports say */
	int		 delivery_status; /* TP-ST of the last report */
	time_t		 delivery_at;
};

typedef int (*store_hist_cb)(void *arg, const struct hist_row *r);
/*
 * Messages from and to number (also spelled national, as an inbox sender
 * may be) since `since`: the newest `limit`, oldest first, each handed to
 * cb (non-zero stops). *total: how many there are in all. Rows handed
 * over, or -1.
 */
int	store_history(struct store *s, const char *number, const char *national,
	    time_t since, int limit, store_hist_cb cb, void *arg, int *total,
	    struct dz_err *err);
/* One message: 1 found, 0 none, -1. */
int	store_message_get(struct store *s, bool incoming, int64_t id,
	    struct hist_row *r, struct dz_err *err);

/* ---- store_report.c: modem status, today's counts ---- */

/* Insert or replace the status row of ms->name. 0 or -1. */
int	store_modem_put(struct store *s, const struct modem_status *ms,
	    struct dz_err *err);
/* Reads modem rows in name order; returns how many (<= max) or -1. */
int	store_modem_list(struct store *s, struct modem_status *out, int max,
	    struct dz_err *err);

/* What happened since a moment (local midnight for "today"). */
struct store_today {
	int	received;			/* inbox messages */
	int	audit[AUDIT_NOUTCOMES];		/* audit rows by outcome */
	int	sent[LANE_COUNT];		/* outbox rows sent, by lane */
	int	failed;				/* failed or expired */
	int	uncertain;
	int	notices_due;			/* notice lane, waiting, due by now */
	int	notices_held;			/* notice lane, waiting, held past now */
};
/* Fill t with counts since `since`; "due" is relative to now. 0 or -1. */
/* Parts modem sent since `since` (its daily cap; status), or -1. */
int	store_modem_parts(struct store *s, const char *modem, time_t since,
	    struct dz_err *err);
/* Messages modem has claimed and is sending now, or -1. */
/* 1 if modem reported itself ready within the last minute, 0 if not, -1. */
int	store_modem_live(struct store *s, const char *modem, time_t now,
	    struct dz_err *err);
int	store_modem_claimed(struct store *s, const char *modem,
	    struct dz_err *err);
int	store_today(struct store *s, time_t since, time_t now,
	    struct store_today *t, struct dz_err *err);

#endif
