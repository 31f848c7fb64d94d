/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Broadcast jobs in the state database: the job, its recipients, which outbox rows it made. */
#include <stdio.h>
#include <string.h>

#include "store_priv.h"

static const char *const job_state_names[JOB_NSTATES] = {
	[JOB_COLLECTING] = "collecting", [JOB_CONFIRM] = "confirm",
	[JOB_QUEUING] = "queuing", [JOB_QUEUED] = "queued",
	[JOB_CANCELLED] = "cancelled", [JOB_EXPIRED] = "expired",
	[JOB_DRYRUN] = "dryrun", [JOB_ABANDONED] = "abandoned",
};

static const char *const exclusion_names[EXCL_NREASONS] = {
	[EXCL_DUPLICATE] = "duplicate", [EXCL_OPTOUT] = "opted_out",
	[EXCL_LANDLINE] = "landline", [EXCL_SHORTCODE] = "short_code",
	[EXCL_EMPTY] = "empty", [EXCL_INVALID] = "not_mobile",
	[EXCL_BAD_LINE] = "bad_line",
};

/* The columns of a job, in this order, in every SELECT below. */
#define JOB_COLUMNS	"id, created_at, source, audience, text, state," \
	" coalesce(staff_number, ''), coalesce(confirm_by, 0), cursor," \
	" recipients, ex_duplicate, ex_optout, ex_landline, ex_shortcode," \
	" ex_empty, ex_invalid, ex_bad_line, enqueued, segments, ucs2," \
	" coalesce(finished_at, 0)"

const char *
store_job_state_name(enum job_state st)
{
	return (unsigned)st < JOB_NSTATES ? job_state_names[st] : "?";
}

const char *
store_exclusion_name(enum job_exclusion e)
{
	return (unsigned)e < EXCL_NREASONS ? exclusion_names[e] : "?";
}

static void
read_job(sqlite3_stmt *st, struct job *j)
{
	int i;

	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(st, 0);
	j->created_at = sqlite3_column_int64(st, 1);
	store_col(st, 2, j->source, sizeof(j->source));
	store_col(st, 3, j->audience, sizeof(j->audience));
	store_col(st, 4, j->text, sizeof(j->text));
	j->state = (enum job_state)store_col_enum(st, 5, job_state_names,
	    JOB_NSTATES, JOB_ABANDONED);
	store_col(st, 6, j->staff_number, sizeof(j->staff_number));
	j->confirm_by = sqlite3_column_int64(st, 7);
	j->cursor = sqlite3_column_int64(st, 8);
	j->recipients = sqlite3_column_int(st, 9);
	for (i = 0; i < EXCL_NREASONS; i++)
		j->excluded[i] = sqlite3_column_int(st, 10 + i);
	j->enqueued = sqlite3_column_int(st, 17);
	j->segments = sqlite3_column_int(st, 18);
	j->ucs2 = sqlite3_column_int(st, 19) != 0;
	j->finished_at = sqlite3_column_int64(st, 20);
}

int
store_job_add(struct store *s, struct job *j, struct dz_err *err)
{
	static const char sql[] = "INSERT INTO broadcasts (created_at, source,"
	    " audience, text, state, staff_number, confirm_by, segments, ucs2)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, ''), nullif(?7, 0), ?8, ?9)";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, j->created_at);
	sqlite3_bind_text(st, 2, j->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, j->audience, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, j->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, store_job_state_name(j->state), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 6, j->staff_number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, j->confirm_by);
	sqlite3_bind_int(st, 8, j->segments);
	sqlite3_bind_int(st, 9, j->ucs2);
	if (store_run(s, st, "broadcast insert", err) == -1)
		return -1;
	j->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_job_get(struct store *s, int64_t id, struct job *j, struct dz_err *err)
{
	static const char sql[] = "SELECT " JOB_COLUMNS " FROM broadcasts"
	    " WHERE id = ?1";
	sqlite3_stmt *st;
	int r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((r = store_row(s, st, "broadcast", err)) == 1) {
		read_job(st, j);
		sqlite3_reset(st);
	}
	return r;
}

int
store_job_update(struct store *s, const struct job *j, struct dz_err *err)
{
	static const char sql[] = "UPDATE broadcasts SET state = ?2,"
	    " cursor = ?3, recipients = ?4, ex_duplicate = ?5, ex_optout = ?6,"
	    " ex_landline = ?7, ex_shortcode = ?8, ex_empty = ?9,"
	    " ex_invalid = ?10, ex_bad_line = ?11, enqueued = ?12,"
	    " finished_at = nullif(?13, 0), confirm_by = nullif(?14, 0)"
	    " WHERE id = ?1";
	sqlite3_stmt *st;
	int i;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, j->id);
	sqlite3_bind_text(st, 2, store_job_state_name(j->state), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, j->cursor);
	sqlite3_bind_int(st, 4, j->recipients);
	for (i = 0; i < EXCL_NREASONS; i++)
		sqlite3_bind_int(st, 5 + i, j->excluded[i]);
	sqlite3_bind_int(st, 12, j->enqueued);
	sqlite3_bind_int64(st, 13, j->finished_at);
	sqlite3_bind_int64(st, 14, j->confirm_by);
	return store_run(s, st, "broadcast update", err) < 0 ? -1 : 0;
}

int
store_job_delete(struct store *s, int64_t id, struct dz_err *err)
{
	static const char to[] = "DELETE FROM broadcast_to WHERE broadcast_id = ?1";
	static const char job[] = "DELETE FROM broadcasts WHERE id = ?1";
	sqlite3_stmt *st;

	if ((st = store_prep(s, to, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (store_run(s, st, "broadcast delete", err) == -1 ||
	    (st = store_prep(s, job, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_run(s, st, "broadcast delete", err) < 0 ? -1 : 0;
}

int
store_job_add_recipient(struct store *s, int64_t id, const char *number,
    int seq, struct dz_err *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO broadcast_to"
	    " (broadcast_id, number, seq) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, seq);
	return store_run(s, st, "broadcast recipient", err);
}

int
store_job_pending(struct store *s, int64_t id, char (*numbers)[STORE_NUM_MAX],
    int max, struct dz_err *err)
{
	static const char sql[] = "SELECT number FROM broadcast_to"
	    " WHERE broadcast_id = ?1 AND outbox_id IS NULL ORDER BY seq LIMIT ?2";
	sqlite3_stmt *st;
	int n = 0, r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, max);
	while (n < max && (r = store_row(s, st, "broadcast pending", err)) == 1)
		store_col(st, 0, numbers[n++], STORE_NUM_MAX);
	if (n == max)
		sqlite3_reset(st);
	else if (r == -1)
		return -1;
	return n;
}

int
store_job_queued(struct store *s, int64_t id, const char *number,
    int64_t outbox_id, struct dz_err *err)
{
	static const char sql[] = "UPDATE broadcast_to SET outbox_id = ?3"
	    " WHERE broadcast_id = ?1 AND number = ?2";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, outbox_id);
	return store_run(s, st, "broadcast queued", err) < 0 ? -1 : 0;
}

int
store_outbox_set_job(struct store *s, int64_t outbox_id, int64_t id,
    struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET broadcast_id = ?2"
	    " WHERE id = ?1";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, outbox_id);
	sqlite3_bind_int64(st, 2, id);
	return store_run(s, st, "outbox job", err) < 0 ? -1 : 0;
}

int
store_job_cancel_rows(struct store *s, int64_t id, struct dz_err *err)
{
	static const char sql[] = "UPDATE outbox SET state = " Q_CANCELLED ","
	    " last_error = 'broadcast cancelled' WHERE broadcast_id = ?1"
	    " AND state IN (" Q_QUEUED ", " Q_RETRY ")";
	sqlite3_stmt *st;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_run(s, st, "broadcast cancel", err);
}

int
store_job_progress(struct store *s, int64_t id, struct job_progress *p,
    struct dz_err *err)
{
	static const char rows[] = "SELECT"
	    " count(*) FILTER (WHERE state IN (" Q_QUEUED ", " Q_RETRY ", "
	    Q_SENDING ")),"
	    " count(*) FILTER (WHERE state = " Q_SENT "),"
	    " count(*) FILTER (WHERE state IN (" Q_FAILED ", " Q_EXPIRED ", "
	    Q_UNCERTAIN ")),"
	    " count(*) FILTER (WHERE state = " Q_CANCELLED ")"
	    " FROM outbox WHERE broadcast_id = ?1";
	static const char pending[] = "SELECT count(*) FROM broadcast_to"
	    " WHERE broadcast_id = ?1 AND outbox_id IS NULL";
	sqlite3_stmt *st;
	int r;

	memset(p, 0, sizeof(*p));
	if ((st = store_prep(s, rows, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((r = store_row(s, st, "broadcast progress", err)) == 1) {
		p->waiting = sqlite3_column_int(st, 0);
		p->sent = sqlite3_column_int(st, 1);
		p->failed = sqlite3_column_int(st, 2);
		p->cancelled = sqlite3_column_int(st, 3);
		sqlite3_reset(st);
	}
	if (r == -1 || (st = store_prep(s, pending, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return (p->pending = store_count(s, st, "broadcast progress", err)) < 0 ?
	    -1 : 0;
}

/* ",state,state," of the states in mask (0: every state but dry runs). */
static void
state_set(unsigned mask, char *out, size_t outsz)
{
	if (mask == 0)
		mask = ((1u << JOB_NSTATES) - 1) & ~(1u << JOB_DRYRUN);
	store_name_set(job_state_names, JOB_NSTATES, mask, out, outsz);
}

int
store_job_list(struct store *s, unsigned states, int limit, store_job_cb cb,
    void *arg, struct dz_err *err)
{
	static const char sql[] = "SELECT " JOB_COLUMNS " FROM broadcasts"
	    " WHERE instr(?1, ',' || state || ',') > 0 ORDER BY id DESC LIMIT ?2";
	struct job j;
	sqlite3_stmt *st;
	char set[160];
	int n = 0, r;

	state_set(states, set, sizeof(set));
	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, set, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	while ((r = store_row(s, st, "broadcast list", err)) == 1) {
		read_job(st, &j);
		n++;
		if (cb(arg, &j) != 0) {
			sqlite3_reset(st);
			break;
		}
	}
	return r == -1 ? -1 : n;
}

int
store_job_next(struct store *s, unsigned states, int from_sms, struct job *j,
    struct dz_err *err)
{
	static const char sql[] = "SELECT " JOB_COLUMNS " FROM broadcasts"
	    " WHERE instr(?1, ',' || state || ',') > 0 AND (?2 < 0"
	    " OR (staff_number IS NOT NULL) = ?2) ORDER BY id LIMIT 1";
	sqlite3_stmt *st;
	char set[160];
	int r;

	state_set(states, set, sizeof(set));
	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, set, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, from_sms);
	if ((r = store_row(s, st, "broadcast next", err)) == 1) {
		read_job(st, j);
		sqlite3_reset(st);
	}
	return r;
}

int64_t
store_job_same(struct store *s, const char *audience, const char *text,
    time_t since, struct dz_err *err)
{
	static const char sql[] = "SELECT coalesce(max(id), 0) FROM broadcasts"
	    " WHERE audience = ?1 AND text = ?2 AND created_at >= ?3"
	    " AND state IN ('collecting', 'confirm', 'queuing', 'queued')";
	sqlite3_stmt *st;
	int64_t id = 0;
	int r;

	if ((st = store_prep(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, audience, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	if ((r = store_row(s, st, "broadcast same", err)) == 1) {
		id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return r < 0 ? -1 : id;
}
