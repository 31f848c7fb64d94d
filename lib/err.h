/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error reporting for lib/: a class and a message in a buffer the caller owns, no allocation. */
#ifndef DZ_ERR_H
#define DZ_ERR_H

#include <stddef.h>

/*
 * What kind of failure an error is, decided where it is born, so that a
 * caller chooses what to do (wait and retry, give up on one item, stop)
 * from the class, never from the wording.
 */
enum dz_class {
	DZ_EUSAGE,	/* bad argument, input or configuration: fix the call */
	DZ_ETRANSIENT,	/* a resource is unavailable now (records DB missing or
			   locked, out of memory): the same call may work later */
	DZ_EPERMANENT,	/* this item can never succeed (a reply that cannot be
			   rendered): record it and go on with the next one */
	DZ_ESTATE,	/* the state database failed (read-only, corrupt, full,
			   I/O): nothing was changed */
};

struct dz_err {
	enum dz_class	cls;
	char		msg[256];
};

/*
 * Set err (which may be NULL) to class cls and the formatted message, and
 * return -1, so that a failing function can end with
 * "return dz_err_set(err, DZ_E..., ...);".
 */
int	dz_err_set(struct dz_err *err, enum dz_class cls, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The class's name: "usage", "transient", "permanent", "state". */
const char	*dz_class_name(enum dz_class cls);

/* Copy src into dst (size dstsz > 0), truncating; always NUL-terminates. Returns strlen(src). */
size_t	dz_strlcpy(char *dst, const char *src, size_t dstsz);

/*
 * Number formatting without printf, for hot paths; neither writes a NUL.
 * dz_put_digits: v as exactly n digits, zero-padded (v < 10^n); returns
 * p + n. dz_put_int: v in decimal (at most 20 characters); returns the end.
 */
char	*dz_put_digits(char *p, unsigned long v, int n);
char	*dz_put_int(char *p, long long v);

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

#endif
