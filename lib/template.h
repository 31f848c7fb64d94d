/* SPDX-License-Identifier: GPL-2.0-or-later */
/* {placeholder} rendering of reply and notice templates. No I/O. */
#ifndef DZ_TEMPLATE_H
#define DZ_TEMPLATE_H

#include <stddef.h>

#include "err.h"

struct template_var {
	const char	*name;
	const char	*value;	/* NULL renders as empty */
};

/*
 * Render tpl into out, replacing {name} with the value of the var of that
 * name; "{{" and "}}" give literal braces. Fails (-1, err, class
 * DZ_EPERMANENT: the same template never renders) on an unknown
 * placeholder, an unterminated '{', or output longer than outsz - 1.
 * Returns the output length.
 */
int	template_render(const char *tpl, const struct template_var *vars,
	    size_t nvars, char *out, size_t outsz, struct dz_err *err);

/*
 * Check tpl uses only placeholders named in allowed[0..n); for config
 * validation. Returns 0, or -1 with err naming the bad placeholder.
 */
int	template_check(const char *tpl, const char *const *allowed, size_t n,
	    struct dz_err *err);

#endif
