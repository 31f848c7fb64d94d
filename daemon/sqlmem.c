/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SQLite's allocator in the daemon: small freed blocks kept by size class for the next statement. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sqlmem.h"

#define STEP	16			/* between size classes */
#define NCLASS	(SQLMEM_SMALL / STEP)
#define CLASS(sz)	((sz) / STEP - 1)

/*
 * Each block has its usable size in the 8 bytes before it (SQLite asks for
 * 8-byte alignment, as its own allocator gives): a kept block holds the
 * next kept block of its class where SQLite's data was.
 */
struct kept {
	struct kept	*next;
};

struct pool {
	struct kept	*free[NCLASS];
	size_t		 keep;		/* at most, in kept blocks */
	size_t		 kept;
	long		 in_use;
	long		 reused;
};

/*
 * The process's: SQLite's allocator callbacks take no context. One thread
 * uses SQLite (SQLITE_CONFIG_SINGLETHREAD), so no lock either.
 */
static struct pool pool;

static size_t
round_size(int n)
{
	size_t sz = n > 0 ? (size_t)n : 1;

	if (sz <= SQLMEM_SMALL)
		return (sz + STEP - 1) & ~(size_t)(STEP - 1);
	return (sz + 7) & ~(size_t)7;
}

static size_t
size_of(void *p)
{
	return (size_t)((int64_t *)p)[-1];
}

static void *
mem_malloc(int n)
{
	size_t sz = round_size(n);
	struct kept *k;
	int64_t *h;

	if (sz <= SQLMEM_SMALL && (k = pool.free[CLASS(sz)]) != NULL) {
		pool.free[CLASS(sz)] = k->next;
		pool.kept -= sz;
		pool.reused++;
		pool.in_use++;
		return k;
	}
	if ((h = malloc(sz + sizeof(*h))) == NULL)
		return NULL;
	h[0] = (int64_t)sz;
	pool.in_use++;
	return h + 1;
}

static void
mem_free(void *p)
{
	struct kept *k = p;
	size_t sz;

	if (p == NULL)
		return;
	pool.in_use--;
	sz = size_of(p);
	if (sz <= SQLMEM_SMALL && pool.kept + sz <= pool.keep) {
		k->next = pool.free[CLASS(sz)];
		pool.free[CLASS(sz)] = k;
		pool.kept += sz;
		return;
	}
	free((int64_t *)p - 1);
}

static void *
mem_realloc(void *p, int n)
{
	size_t sz = round_size(n), old;
	int64_t *h;
	void *q;

	if (p == NULL)
		return mem_malloc(n);
	if ((old = size_of(p)) == sz)
		return p;
	if (old > SQLMEM_SMALL && sz > SQLMEM_SMALL) {
		if ((h = realloc((int64_t *)p - 1, sz + sizeof(*h))) == NULL)
			return NULL;
		h[0] = (int64_t)sz;
		return h + 1;
	}
	if ((q = mem_malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < sz ? old : sz);
	mem_free(p);
	return q;
}

static int
mem_size(void *p)
{
	return p == NULL ? 0 : (int)size_of(p);
}

static int
mem_roundup(int n)
{
	return (int)round_size(n);
}

static int
mem_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void
mem_shutdown(void *arg)
{
	struct kept *k;
	int i;

	(void)arg;
	for (i = 0; i < NCLASS; i++)
		while ((k = pool.free[i]) != NULL) {
			pool.free[i] = k->next;
			free((int64_t *)(void *)k - 1);
		}
	pool.kept = 0;
}

bool
sqlmem_install(size_t keep_bytes)
{
	static const sqlite3_mem_methods m = {
		mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup,
		mem_init, mem_shutdown, NULL,
	};

	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
		return false;
	pool.keep = keep_bytes;
	return true;
}

void
sqlmem_stats(struct sqlmem_stats *st)
{
	st->in_use = pool.in_use;
	st->kept_bytes = pool.kept;
	st->reused = pool.reused;
}
