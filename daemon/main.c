/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dossierd: command line, configuration check, and the run of the gateway's event loop. */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "gateway.h"
#include "log.h"
#include "loop.h"
#include "records.h"
#include "sqlmem.h"
#include "store.h"

#define DEFAULT_CONF	SYSCONFDIR "/dossierd/dossierd.conf"

static struct gateway *gw;

static void
usage(void)
{
	fprintf(stderr, "usage: dossierd [-fnv] [-c file]\n"
	    "  -c file  configuration (default " DEFAULT_CONF ")\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -n       check the configuration and databases, then exit\n"
	    "  -v       debug logging (overrides log.level)\n"
	    "  -V       print the version\n");
	exit(2);
}

/*
 * Files others may read that they must not: the config when it holds the
 * staff PIN, the state database (numbers and messages). Each warning to
 * warn; how many.
 */
static int
access_warnings(const char *path, const struct conf *c,
    void (*warn)(const char *, ...))
{
	struct stat st;
	int n = 0;

	if (c->staff.pin != NULL && stat(path, &st) == 0 &&
	    (st.st_mode & S_IROTH)) {
		warn("%s holds staff.pin and every user of this machine "
		    "can read it: chmod o-rwx %s", path, path);
		n++;
	}
	if (stat(c->state.path, &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH))) {
		warn("the state database %s (phone numbers and "
		    "messages) is open to every user of this machine: chmod "
		    "o-rwx %s", c->state.path, c->state.path);
		n++;
	}
	return n;
}

static void
print_warning(const char *fmt, ...)
{
	va_list ap;

	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Whether the directory of path exists and this user may create files in it. */
static bool
state_dir_writable(const char *path)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return access(".", W_OK | X_OK) == 0;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return access(dir, W_OK | X_OK) == 0;
}

/* dossierd -n: the config, the state database and the records SQL. */
static int
check(const char *path)
{
	struct conf c;
	struct dz_err err;
	struct store *s = NULL;
	struct records *r;
	const char *sql[2];
	int i, nwarn, rc = 0;

	if (conf_load(path, &c, &err) == -1) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	/*
	 * Never create it here: run by root (sudo dossierd -n) it would be
	 * root's, and the service could not open it. The daemon creates it.
	 */
	if (access(c.state.path, F_OK) == -1 && errno == ENOENT) {
		if (state_dir_writable(c.state.path))
			fprintf(stderr, "note: the state database %s does not "
			    "exist yet: dossierd creates it when it starts\n",
			    c.state.path);
		else {
			fprintf(stderr, "%s: state.path: cannot create %s: its "
			    "directory is missing or not writable by this user\n",
			    path, c.state.path);
			rc = 1;
		}
	} else if ((s = store_open(c.state.path, &err)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		rc = 1;
	}
	store_close(s);
	sql[0] = c.records.lookup_sql;
	sql[1] = c.records.ready_sql;
	r = records_new(c.records.path, c.records.busy_timeout);
	for (i = 0; r != NULL && rc == 0 && i < 2; i++) {
		if (records_check_sql(r, sql[i], &err) == -1) {
			fprintf(stderr, "%s: %s\n", path, err.msg);
			rc = 1;
		}
	}
	for (i = 0; r != NULL && rc == 0 && i < c.records.naudiences; i++) {
		if (records_check_sql(r, c.records.audiences[i].sql, &err) == -1) {
			fprintf(stderr, "%s: audience %s: %s\n", path,
			    c.records.audiences[i].name, err.msg);
			rc = 1;
		}
	}
	records_free(r);
	nwarn = access_warnings(path, &c, print_warning);
	conf_fini(&c);
	if (rc == 0 && nwarn == 0)
		printf("configuration OK\n");
	else if (rc == 0)
		printf("configuration OK, with %d warning(s) above\n", nwarn);
	return rc;
}

static void
on_reload(void)
{
	gateway_reload(gw);
}

int
main(int argc, char *argv[])
{
	const char *path = DEFAULT_CONF;
	struct conf *conf;
	struct dz_err err;
	struct gateway_opts o;
	bool foreground = false, check_only = false;
	int ch, verbose = 0;

	/* One thread per process (a pool forks a process per modem). */
	(void)store_single_thread();
	(void)sqlmem_install(SQLMEM_KEEP_BYTES);
	memset(&o, 0, sizeof(o));
	while ((ch = getopt(argc, argv, "c:fnvVhW:")) != -1) {
		switch (ch) {
		case 'W':	/* internal: a pool's worker for one modem */
			o.worker = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'n':
			check_only = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("dossierd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (check_only)
		return check(path);

	/* No fork, no PID file: systemd (Type=notify) or the shell supervises us. */
	log_init(true, 1);
	if ((conf = malloc(sizeof(*conf))) == NULL)
		fatalx("out of memory");
	if (conf_load(path, conf, &err) == -1)
		fatalx("%s", err.msg);
	log_init(foreground, conf->log.level);
	if (verbose > 0)
		log_force(2);
	loop_init();
	o.self = "/proc/self/exe";
	o.verbose = verbose;
	o.foreground = foreground;
	gw = gateway_new(conf, &o);
	if (o.worker == NULL)
		access_warnings(path, conf, log_warnx);
	loop_run(on_reload);
	gateway_free(gw);
	return 0;
}
