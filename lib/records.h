/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read-only access to the office's shared records database through the configured SQL. */
#ifndef DZ_RECORDS_H
#define DZ_RECORDS_H

#include "err.h"

/* One dossier as the configured SQL returns it; columns are found by name, missing ones are empty. */
struct dossier {
	char	code[64];
	char	procedure[256];
	char	phone[64];
	char	office[256];
	int	status;		/* 1..10, 0 if missing */
	char	received_at[32];
	char	due_at[32];
	char	finished_at[32];
	char	returned_at[32];
	int	notify_sms;	/* 1 unless the column says 0 */
	char	updated_at[32];
};

struct records;

/*
 * Prepare access to the database at path (not opened yet: the file may be
 * absent at start). busy_ms: how long a read waits for the writer's lock.
 */
struct records	*records_new(const char *path, int busy_ms);
void		 records_free(struct records *r);

/*
 * Look up one code with sql (binding :code). Opens or reopens the file as
 * needed (also when it was replaced). 1 found, 0 not found, -1 the
 * database could not be read now (missing, locked, bad SQL): err says why,
 * class DZ_ETRANSIENT (every failure of this module is: the file may be
 * back, unlocked or fixed at the next try).
 */
int	records_lookup(struct records *r, const char *sql, const char *code,
	    struct dossier *d, struct dz_err *err);

/*
 * Run sql (binding :since and :code where present) in one short read
 * transaction and call cb for each row, at most max rows; cb returning
 * non-zero stops the scan early. Returns rows seen or -1 (DZ_ETRANSIENT).
 */
int	records_scan(struct records *r, const char *sql, const char *since,
	    int max, int (*cb)(const struct dossier *, void *), void *arg,
	    struct dz_err *err);

/*
 * Read the phone column of an audience's sql (a SELECT returning a column
 * named phone), rows offset .. offset + max - 1, in one short read
 * transaction: cb gets each phone value as text ("" for NULL). Returns
 * the rows read (< max: the end) or -1 (DZ_ETRANSIENT; an SQL without a
 * phone column fails with "no such column: phone").
 */
int	records_audience(struct records *r, const char *sql, long offset, int max,
	    int (*cb)(const char *phone, void *), void *arg, struct dz_err *err);

/* Check sql compiles against the database (for dossierd -n). */
int	records_check_sql(struct records *r, const char *sql, struct dz_err *err);

#endif
