/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error reporting for lib/: a class and a message in a buffer the caller owns, no allocation. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
dz_err_set(struct dz_err *err, enum dz_class cls, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->cls = cls;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
dz_class_name(enum dz_class cls)
{
	switch (cls) {
	case DZ_EUSAGE:
		return "usage";
	case DZ_ETRANSIENT:
		return "transient";
	case DZ_EPERMANENT:
		return "permanent";
	case DZ_ESTATE:
		return "state";
	}
	return "?";
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

char *
dz_put_digits(char *p, unsigned long v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

char *
dz_put_int(char *p, long long v)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;
	char tmp[20], *t = tmp + sizeof(tmp);
	size_t n;

	do
		*--t = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	n = (size_t)(tmp + sizeof(tmp) - t);
	if (v < 0)
		*p++ = '-';
	memcpy(p, t, n);
	return p + n;
}
