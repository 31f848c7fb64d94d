/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error reporting for lib/: a fixed buffer the caller owns, no allocation. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
dz_err_set(struct dz_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

size_t
dz_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t n = strlen(src);

	if (dstsz > 0) {
		size_t c = n < dstsz - 1 ? n : dstsz - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}
