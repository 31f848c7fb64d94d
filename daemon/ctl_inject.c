/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dossierctl inject: for tests and demos, an SMS dropped into the dummy phone's inbox folder. */
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "text.h"

#define die(c, msg)	ctl_die((c), "%s", (msg))

/* UTF-8 -> UTF-16 code units; invalid bytes become U+FFFD. Returns units written. */
static size_t
utf16_units(const char *s, unsigned *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	unsigned cp;
	int len, i;

	while (*p && n + 2 <= max) {
		if (*p < 0x80) {
			cp = *p;
			len = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			len = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			len = 3;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			len = 4;
		} else {
			cp = 0xfffd;
			len = 1;
		}
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				cp = 0xfffd;
				len = i;
				break;
			}
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		p += len;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			out[n++] = 0xd800 | (cp >> 10);
			out[n++] = 0xdc00 | (cp & 0x3ff);
		} else
			out[n++] = cp;
	}
	return n;
}

static int
write_part(FILE *f, const char *number, const char *sent, bool ucs2,
    const unsigned *u, size_t n, int ref, int part, int total)
{
	size_t i;
	int line = 0;

	fprintf(f, "[SMSBackup%03d]\nNumber = \"%s\"\nCoding = %s\n"
	    "PDU = Deliver\nSent = %s\nState = UnRead\n", 0, number,
	    ucs2 ? "Unicode" : "Default", sent);
	if (total > 1)
		fprintf(f, "UDH = 050003%02X%02X%02X\n", ref & 0xff, total, part);
	/* The text as UCS-2 big-endian hex, 200 hex digits (50 units) a line. */
	for (i = 0; i < n; i++) {
		if (i % 50 == 0)
			fprintf(f, "%sText%02d = ", i ? "\n" : "", line++);
		fprintf(f, "%04X", u[i]);
	}
	if (n == 0)
		fprintf(f, "Text00 = ");
	fprintf(f, "\n");
	return ferror(f) ? -1 : 0;
}

/* Drop one part into <dir>/sms/1 at a free location: written aside, then linked in. */
static void
inject_file(const char *dir, const char *number, const char *sent, bool ucs2,
    const unsigned *u, size_t n, int ref, int part, int total)
{
	char tmp[512], dst[512];
	FILE *f;
	int loc, fd;

	snprintf(tmp, sizeof(tmp), "%s/sms/.inject.XXXXXX", dir);
	/*
	 * mkstemp() makes it 0600, but the daemon that reads and deletes it
	 * runs as user dossierd while staff inject: readable like a file of
	 * fopen(), the folder's own mode keeps everyone else out.
	 */
	if ((fd = mkstemp(tmp)) == -1 || fchmod(fd, 0644) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "dossierctl: %s: %s\n", tmp, strerror(errno));
		exit(1);
	}
	if (write_part(f, number, sent, ucs2, u, n, ref, part, total) == -1 ||
	    fclose(f) != 0) {
		unlink(tmp);
		die(NULL, "writing the message failed");
	}
	for (loc = 1; loc <= 10000; loc++) {
		snprintf(dst, sizeof(dst), "%s/sms/1/%d", dir, loc);
		if (link(tmp, dst) == 0)
			break;
		if (errno != EEXIST) {
			unlink(tmp);
			fprintf(stderr, "dossierctl: %s: %s\n", dst, strerror(errno));
			exit(1);
		}
	}
	unlink(tmp);
	if (loc > 10000)
		die(NULL, "the dummy phone's inbox is full");
}

int
ctl_inject(struct ctl *c, const char *number, const char *text)
{
	const struct conf_modem *m = NULL;
	unsigned u[4096];
	char dir[512], sent[32];
	size_t n, per, off;
	time_t now = time(NULL);
	struct tm tm;
	bool ucs2;
	int i, total, ref;

	for (i = 0; i < c->conf.nmodems && m == NULL; i++)
		if (strcmp(c->conf.modems[i].model, "dummy") == 0)
			m = &c->conf.modems[i];
	if (m == NULL)
		die(c, "inject needs a modem with model = \"dummy\"");
	if (!text_utf8_valid(text))
		die(c, "text must be UTF-8");
	snprintf(dir, sizeof(dir), "%s/sms/1", m->device);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		die(c, "cannot create the dummy phone's inbox folder");
	ucs2 = !text_is_gsm7(text);
	n = utf16_units(text, u, nitems(u));
	per = ucs2 ? TEXT_UCS2_MULTI : TEXT_GSM7_MULTI;
	total = n <= (ucs2 ? TEXT_UCS2_SINGLE : TEXT_GSM7_SINGLE) ? 1 :
	    (int)((n + per - 1) / per);
	if (total > 255)
		die(c, "text too long");
	strftime(sent, sizeof(sent), "%Y%m%dT%H%M%S", localtime_r(&now, &tm));
	ref = (int)((now ^ getpid()) & 0xff);
	for (i = 0, off = 0; i < total; i++, off += per)
		inject_file(m->device, number, sent, ucs2, u + (total > 1 ? off : 0),
		    total > 1 ? (n - off < per ? n - off : per) : n, ref, i + 1,
		    total);
	printf("injected %d part%s from %s into %s\n", total, total == 1 ? "" : "s",
	    number, dir);
	return 0;
}

