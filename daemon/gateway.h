/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway: wires modems, the state database, the records database, inbound handling and the sender. */
#ifndef DZ_GATEWAY_H
#define DZ_GATEWAY_H

#include <stdbool.h>

#include "conf.h"

struct gateway;

/*
 * Open the databases and start the modem workers from conf, which the
 * gateway owns from now on. Exits via fatalx on a startup failure.
 */
/* How this process was started. */
struct gateway_opts {
	const char	*worker;	/* -W NAME: a pool's worker for that modem */
	const char	*self;		/* this binary, to start workers */
	int		 verbose;
	bool		 foreground;
};

struct gateway	*gateway_new(struct conf *conf, const struct gateway_opts *o);
/* SIGHUP: load the config file again; swap only if it is valid. */
void		 gateway_reload(struct gateway *g);
/* After the loop ends: close modems and databases, free everything. */
void		 gateway_free(struct gateway *g);

#endif
