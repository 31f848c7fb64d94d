/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SQLite's allocator in the daemon: small freed blocks kept for the next statement. */
#ifndef DZ_SQLMEM_H
#define DZ_SQLMEM_H

#include <stdbool.h>
#include <stddef.h>

/* Blocks up to this size are kept by size class (16-byte steps). */
#define SQLMEM_SMALL		1024
/*
 * What the daemon keeps at most in freed blocks, all classes together;
 * nothing under AddressSanitizer, so that every block SQLite frees goes
 * back to it to be watched.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SQLMEM_KEEP_BYTES	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SQLMEM_KEEP_BYTES	0
#endif
#endif
#ifndef SQLMEM_KEEP_BYTES
#define SQLMEM_KEEP_BYTES	(128 * 1024)
#endif

/*
 * Make SQLite allocate through sqlmem, keeping at most keep_bytes of
 * freed small blocks for reuse (0: every block goes back to malloc).
 * Debian's SQLite is built without its lookaside (SQLITE_OMIT_LOOKASIDE),
 * so every statement step mallocs and frees its cursors and values. Call
 * before any other use of SQLite, from one thread only (the callbacks
 * take no lock: store_single_thread). false if SQLite refused it (in use
 * already).
 */
bool	sqlmem_install(size_t keep_bytes);

/* What sqlmem holds: blocks in use (all sizes), bytes in freed small blocks. */
struct sqlmem_stats {
	long	in_use;
	size_t	kept_bytes;
	long	reused;		/* allocations served from a kept block */
};
void	sqlmem_stats(struct sqlmem_stats *st);

#endif
