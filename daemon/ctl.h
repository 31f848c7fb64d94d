/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the files of dossierctl share: the handle of one run, errors, output helpers. */
#ifndef DZ_CTL_H
#define DZ_CTL_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "records.h"
#include "store.h"

struct ctl {
	struct conf	 conf;
	struct store	*store;
	struct records	*records;	/* opened by the commands that read it */
	bool		 json;
	bool		 loaded;	/* conf holds a loaded file */
};

/* One clear line on stderr, exit 1; c (may be NULL) is closed first. */
void	ctl_die(struct ctl *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/* The usage text on stderr, exit 2. */
void	ctl_usage(void) __attribute__((noreturn));
/* "YYYY-MM-DD HH:MM:SS" local, or "never" for t <= 0. */
void	ctl_fmt_time(time_t t, char *buf, size_t bufsz);
/* s as a JSON string on stdout. */
void	ctl_json_str(const char *s);

/* dossierctl broadcast ...: argv after "broadcast". */
int	ctl_broadcast(struct ctl *c, int argc, char **argv);
/* Exit 2 unless argv is a valid broadcast command line (before any file is read). */
void	ctl_broadcast_check_usage(int argc, char **argv);

#endif
