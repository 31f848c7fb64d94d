/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error reporting for lib/: a fixed buffer the caller owns, no allocation. */
#ifndef DZ_ERR_H
#define DZ_ERR_H

#include <stddef.h>

struct dz_err {
	char	msg[256];
};

/*
 * Format a message into err (which may be NULL) and return -1, so that a
 * failing function can end with "return dz_err_set(err, ...);".
 */
int	dz_err_set(struct dz_err *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Copy src into dst (size dstsz > 0), truncating; always NUL-terminates. Returns strlen(src). */
size_t	dz_strlcpy(char *dst, const char *src, size_t dstsz);

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

#endif
