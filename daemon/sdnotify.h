/* SPDX-License-Identifier: GPL-2.0-or-later */
/* systemd notification protocol (READY=1, WATCHDOG=1, STATUS=) without libsystemd. */
#ifndef DZ_SDNOTIFY_H
#define DZ_SDNOTIFY_H

#include <stdint.h>

/* Send state to $NOTIFY_SOCKET if set; silently nothing otherwise. */
void	sd_notify_send(const char *state);
/* Watchdog interval in ms from $WATCHDOG_USEC (for this pid), or 0. */
int64_t	sd_watchdog_ms(void);

#endif
