/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the lib/store*.c files share: the handle, the statement cache, small SQLite helpers. Not for other code. */
#ifndef DZ_STORE_PRIV_H
#define DZ_STORE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "store.h"

#define STORE_NSTMT	80

/*
 * Outbox states in SQL text: parameters that store_prep binds to the names
 * of enum out_state (Q_QUEUED is ?60 + OUT_QUEUED, ...), so that no state
 * name is spelled twice. Numbered high so they never meet a statement's own
 * parameters (?1, ?2, ...).
 */
#define Q_STATE_BASE	60
#define Q_QUEUED	"?60"
#define Q_SENDING	"?61"
#define Q_SENT		"?62"
#define Q_RETRY		"?63"
#define Q_FAILED	"?64"
#define Q_EXPIRED	"?65"
#define Q_UNCERTAIN	"?66"
#define Q_CANCELLED	"?67"
/*
 * States spelled out, for the partial indexes outbox_waiting and
 * outbox_sending (a query can only use one with the index's own literal
 * terms); test_store checks them against store_state_names.
 */
#define Q_WAITING_LITERAL	"('queued', 'retry')"
#define Q_SENDING_LITERAL	"'sending'"

/* A cached prepared statement. */
struct store_stmt {
	const char	*sql;		/* keyed by address: static SQL only */
	sqlite3_stmt	*st;
	unsigned	 states;	/* OUT_BIT mask of the Q_ parameters it has */
};

/* store_prep's hint: the cache slot + 1 a SQL address last hashed to. */
#define STORE_HINTS	256
#define STORE_HINT(sql)	((unsigned)((uintptr_t)(sql) >> 4) % STORE_HINTS)
_Static_assert(STORE_NSTMT < 255, "a hint is a cache slot + 1 in a byte");

struct store {
	sqlite3			*db;
	struct store_stmt	 cache[STORE_NSTMT];
	unsigned char		 hint[STORE_HINTS];
	bool			 batch;		/* store_batch_begin: steps are savepoints */
	bool			 batch_lost;	/* SQLite ended the batch's transaction */
	bool			 step;		/* a step's savepoint is open */
	int			 wal_pages;	/* the log's, at this connection's last commit */
	int			 wal_done;	/* of them, checkpointed by store_checkpoint */
};

/*
 * The cached statement for sql, reset, with its state parameters bound;
 * NULL with err (DZ_ESTATE) if it cannot be prepared. Bindings persist
 * from one use to the next (clearing them costs more than a query's
 * lookups): every function binds each parameter it uses, every time,
 * with sqlite3_bind_null where a value is absent.
 */
sqlite3_stmt	*store_prep(struct store *s, const char *sql, struct dz_err *err);
/*
 * Step a statement that returns no rows (or whose rows are not wanted)
 * and reset it. Returns sqlite3_changes() or -1 with err naming what.
 */
int		 store_run(struct store *s, sqlite3_stmt *st, const char *what,
		    struct dz_err *err);
/* Step a statement that returns one integer (count(*)): the value or -1. */
int		 store_count(struct store *s, sqlite3_stmt *st, const char *what,
		    struct dz_err *err);
/* Step a statement for its next row: 1 row, 0 done, -1 error (reset then). */
int		 store_row(struct store *s, sqlite3_stmt *st, const char *what,
		    struct dz_err *err);
/* Set err from the connection's last error: "state db: what: why", DZ_ESTATE, -1. */
int		 store_fail(struct store *s, const char *what, struct dz_err *err);
/* The index of name in names[0..n), or notfound. */
int		 store_name_find(const char *const *names, int n,
		    const char *name, int notfound);
/* Column col read as one of names[0..n): its index, or notfound. */
int		 store_col_enum(sqlite3_stmt *st, int col,
		    const char *const *names, int n, int notfound);
/* Column col as text into dst ("" for NULL). */
void		 store_col(sqlite3_stmt *st, int col, char *dst, size_t dstsz);
/*
 * ",name,name," for the names (of names[0..n)) whose bit is in mask, for
 * SQL of the form instr(?, ',' || column || ',').
 */
void		 store_name_set(const char *const *names, int n, unsigned mask,
		    char *out, size_t outsz);

/* Column col as an enum delivery ("" or NULL: DLV_NONE). */
enum delivery	 store_delivery_parse(sqlite3_stmt *st, int col);

/* The names of the enums, indexed by value. */
extern const char *const store_state_names[OUT_NSTATES];
extern const char *const store_audit_names[AUDIT_NOUTCOMES];
extern const char *const store_outcome_names[NOTICE_NOUTCOMES];
extern const char *const store_kind_names[2];

#endif
