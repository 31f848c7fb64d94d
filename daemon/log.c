/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging: stderr with <N> priority prefixes under systemd or in the foreground, syslog otherwise. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool	log_stderr = true;
static bool	log_journal;
static int	log_verbose = 1;
static bool	log_forced;	/* -v on the command line beats log.level */

void
log_init(bool foreground, int verbosity)
{
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	log_stderr = foreground || log_journal;
	log_verbose = verbosity;
	if (!log_stderr)
		openlog("dossierd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setverbose(int verbosity)
{
	if (!log_forced)
		log_verbose = verbosity;
}

void
log_force(int verbosity)
{
	log_forced = true;
	log_verbose = verbosity;
}

int
log_getverbose(void)
{
	return log_verbose;
}

/*
 * One event, one line: control characters a message carries (a USSD menu's
 * line breaks, whatever an SMS holds) are written as \n, \r, \t or \xNN,
 * so no text from outside can start a log line of its own.
 */
static void
escape_controls(const char *in, char *out, size_t outsz)
{
	const unsigned char *p;
	size_t n = 0;

	for (p = (const unsigned char *)in; *p != '\0' && n + 5 < outsz; p++) {
		if (*p >= 0x20 && *p != 0x7f)
			out[n++] = (char)*p;
		else if (*p == '\n' || *p == '\r' || *p == '\t') {
			out[n++] = '\\';
			out[n++] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
		} else
			n += (size_t)snprintf(out + n, outsz - n, "\\x%02x", *p);
	}
	out[n] = '\0';
}

/* Appends src to the line of n bytes in dst: what fits. */
static size_t
line_cat(char *dst, size_t dstsz, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len > dstsz - n)
		len = dstsz - n;
	memcpy(dst + n, src, len);
	return n + len;
}

/*
 * One write of the whole line (stderr has no buffer: each part would be a
 * write of its own), put together without another pass of vfprintf.
 */
static void
write_line(const char *head, const char *msg, const char *suffix)
{
	char line[2200];
	size_t n;

	n = line_cat(line, sizeof(line) - 1, 0, head);
	n = line_cat(line, sizeof(line) - 1, n, msg);
	if (suffix != NULL) {
		n = line_cat(line, sizeof(line) - 1, n, ": ");
		n = line_cat(line, sizeof(line) - 1, n, suffix);
	}
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char raw[1024], msg[1024];
	int saved = errno;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	escape_controls(raw, msg, sizeof(msg));
	if (!log_stderr)
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
	else if (log_journal) {
		/* A severity, LOG_EMERG (0) to LOG_DEBUG (7): one digit. */
		char head[4] = { '<', (char)('0' + (pri & 7)), '>', '\0' };

		write_line(head, msg, suffix);
	} else {
		/* The same second as the last line: its stamp (localtime_r
		 * and strftime cost more than the rest of a line). */
		static char ts[32];
		static time_t ts_at = (time_t)-1;
		time_t now = time(NULL);
		struct tm tm;

		if (now != ts_at) {
			strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S ",
			    localtime_r(&now, &tm));
			ts_at = now;
		}
		write_line(ts, msg, suffix);
	}
	fflush(stderr);
	errno = saved;
}

#define LOG_BODY(pri, min, suffix) do {					\
	va_list ap;							\
	if (log_verbose < (min))					\
		return;							\
	va_start(ap, fmt);						\
	vlog((pri), fmt, ap, (suffix));					\
	va_end(ap);							\
} while (0)

void
log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);

	LOG_BODY(LOG_WARNING, 0, e);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, 1, NULL);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_DEBUG, 2, NULL);
}

void
fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, e);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
