/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: conf_load of the input written to a temporary file, and conf_fini. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>	/* memmem: config.h turns on the GNU extensions */
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "fuzz.h"

#if LIBCONFIG_VER_MAJOR == 1 && LIBCONFIG_VER_MINOR < 7
/*
 * libconfig before 1.7 leaks a string token its parser discards on a
 * syntax error ('a = 1 "z";'): hyperrealm/libconfig#142, fixed by #155.
 * Not ours to fix, and only on a file that is refused; LeakSanitizer
 * still reports anything else, conf.c's own leaks included.
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}
#endif

/* Write data to a new file under $TMPDIR (or /tmp); path receives its name. */
static void
write_tmp(const uint8_t *data, size_t size, char *path, size_t pathsz)
{
	const char *dir;
	ssize_t n;
	int fd;

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, pathsz, "%s/dz-fuzz-conf-XXXXXX", dir);
	/* Not an input's fault: stop the run rather than test nothing. */
	if ((fd = mkstemp(path)) == -1) {
		perror(path);
		abort();
	}
	for (; size > 0; data += n, size -= (size_t)n)
		if ((n = write(fd, data, size)) <= 0) {
			perror(path);
			abort();
		}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	struct dz_err err;
	char path[512], keys[512];
	int r, i;

	/*
	 * libconfig would open the file an @include names: the run would
	 * depend on this machine's files, or block on a FIFO or a tty.
	 */
	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	write_tmp(data, size, path, sizeof(path));
	memset(&err, 0, sizeof(err));
	r = conf_load(path, &c, &err);
	unlink(path);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r == -1) {
		/* "FILE:LINE: message" or "FILE: message" (conf.h). */
		FUZZ_CHECK(err.cls == DZ_EUSAGE && fuzz_terminated(err.msg,
		    sizeof(err.msg)));
		FUZZ_CHECK(strncmp(err.msg, path, strlen(path)) == 0 &&
		    err.msg[strlen(path)] == ':');
		return 0;
	}
	/* What loaded is in range: the daemon relies on it without checking. */
	FUZZ_CHECK(c.nmodems >= 1 && c.nmodems <= CONF_MAX_MODEMS);
	for (i = 0; i < c.nmodems; i++)
		FUZZ_CHECK(c.modems[i].device != NULL &&
		    c.modems[i].name != NULL);
	FUZZ_CHECK(c.sms.max_parts >= 1 && c.sms.max_parts <= 6);
	FUZZ_CHECK(c.sms.max_codes >= 1 && c.sms.max_codes <= 10);
	FUZZ_CHECK(c.staff.nnumbers >= 0 && c.staff.nnumbers <= CONF_MAX_STAFF);
	FUZZ_CHECK(c.notices.nreminders >= 0 &&
	    c.notices.nreminders <= CONF_MAX_REMINDERS);
	FUZZ_CHECK(c.templates.reply != NULL && c.templates.help != NULL);
	FUZZ_CHECK(c.ussd.balance_regex != NULL);
	FUZZ_CHECK(conf_needs_restart(&c, &c, keys, sizeof(keys)) == NULL);
	conf_fini(&c);
	return 0;
}
