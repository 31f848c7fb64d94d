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
	bool		 tty;		/* stdout is a terminal */
	bool		 color;		/* and colours are wanted (not NO_COLOR) */
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

/* ---- ctl_out.c: output for people ---- */

/* The locale's language (LANG=vi_VN.UTF-8: Vietnamese), catalogues bound. */
void	ctl_i18n_init(void);
/* c->tty and c->color from stdout, TERM and NO_COLOR. */
void	ctl_term_init(struct ctl *c);
/* The words staff read for a state or a kind of message (translated). */
const char	*ctl_state_word(enum out_state st);
const char	*ctl_lane_word(enum lane l);
/* What the status reports say of a sent message, in words ("" none asked). */
const char	*ctl_delivery_word(enum delivery d);
/* A stored name and the words staff read for it (N_ marked). */
struct ctl_word {
	const char	*en, *msg;
};
/* The translated words for key in w[0..n), or key itself if it has none. */
const char	*ctl_word(const struct ctl_word *w, size_t n, const char *key);
/* What came of an incoming message (the handling's outcome), in words. */
const char	*ctl_outcome_word(const char *outcome);
/* s in exactly cols display columns: cut with "…" or padded. */
void	ctl_cell(const struct ctl *c, const char *s, size_t cols, bool right);
/* The last cell of a row: s cut to cols with "…", not padded, then a newline. */
void	ctl_last_cell(const struct ctl *c, const char *s, size_t cols);
/* The state's word in cols columns, coloured on a terminal. */
void	ctl_state_cell(const struct ctl *c, enum out_state st, size_t cols);
/* "... N more, use --limit" when a listing stopped at its limit. */
void	ctl_more(const struct ctl *c, int shown, int total);
/* Append word to text, a space between words; too long: a usage error. */
void	ctl_add_word(char *text, size_t textsz, const char *word);
/* Ask question on the terminal: true only for a yes typed there. */
bool	ctl_confirm(const struct ctl *c, const char *question);

/* ---- ctl_msg.c: messages one by one ---- */

int	ctl_send(struct ctl *c, int argc, char **argv);
void	ctl_send_check_usage(int argc, char **argv);
int	ctl_queue(struct ctl *c, int argc, char **argv);
void	ctl_queue_check_usage(int argc, char **argv);
int	ctl_retry(struct ctl *c, int argc, char **argv);
void	ctl_retry_check_usage(int argc, char **argv);
int	ctl_history(struct ctl *c, int argc, char **argv);
void	ctl_history_check_usage(int argc, char **argv);
int	ctl_show(struct ctl *c, int argc, char **argv);
void	ctl_show_check_usage(int argc, char **argv);

/* ---- ctl_inject.c: tests and demos ---- */

int	ctl_inject(struct ctl *c, const char *number, const char *text);

/* ---- ctl_lookup.c ---- */

int	ctl_lookup(struct ctl *c, int argc, char **argv);
void	ctl_lookup_check_usage(int argc, char **argv);

/* ---- ctl_audit.c ---- */

int	ctl_audit(struct ctl *c, int argc, char **argv);
void	ctl_audit_check_usage(int argc, char **argv);

/* Whether the daemon runs a ready modem now: NULL if so, else why not (why). */
const char	*ctl_daemon_down(struct ctl *c, char *why, size_t whysz);

/* dossierctl broadcast ...: argv after "broadcast". */
int	ctl_broadcast(struct ctl *c, int argc, char **argv);
/* Exit 2 unless argv is a valid broadcast command line (before any file is read). */
void	ctl_broadcast_check_usage(int argc, char **argv);

#endif
