/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging: stderr with <N> priority prefixes under systemd or in the foreground, syslog otherwise. */
#ifndef DZ_LOG_H
#define DZ_LOG_H

#include <stdbool.h>

#define LOG_FMT(a, b)	__attribute__((format(printf, a, b)))

void	log_init(bool foreground, int verbosity);
void	log_setverbose(int verbosity);	/* 0 warnings, 1 info, 2 debug */
void	log_force(int verbosity);	/* fixed level: later log_setverbose ignored */
int	log_getverbose(void);
void	log_warn(const char *fmt, ...) LOG_FMT(1, 2);	/* appends strerror(errno) */
void	log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void	log_info(const char *fmt, ...) LOG_FMT(1, 2);
void	log_debug(const char *fmt, ...) LOG_FMT(1, 2);
void	fatal(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void	fatalx(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));

#endif
