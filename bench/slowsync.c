/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A slow disk for bench/at.py --slow-sync MS (LD_PRELOAD): every fsync and
 * fdatasync of the process first sleeps SLOW_SYNC_MS milliseconds, as an
 * SD card's or a cheap eMMC's flush can take. Nothing else changes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void
nap(void)
{
	const char *e = getenv("SLOW_SYNC_MS");
	long ms = e != NULL ? atol(e) : 0;
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&t, NULL);
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	nap();
	return real(fd);
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	nap();
	return real(fd);
}
