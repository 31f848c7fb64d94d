/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: received SMS through inbound_handle_next into a real state database and records database, with the privacy and limit invariants. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>	/* strcasestr: config.h turns on the GNU extensions */
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "broadcast.h"
#include "conf.h"
#include "err.h"
#include "fuzz.h"
#include "inbound.h"
#include "pass.h"
#include "phone.h"
#include "policy.h"
#include "records.h"
#include "store.h"

/*
 * The input is one or more messages separated by '\n'. A message is one
 * header byte and its text. The header: bits 0-3 pick the sender
 * (senders[] below); 0x10 moves the clock on 25 minutes and 0x80 ten
 * hours before the message (limits by the hour and by the day); 0x20
 * delivers it as a concatenated message of two parts. The first
 * message's 0x40 bit picks the configuration: set (letters), conf A;
 * clear (digits, controls), conf B (owner only, unicode, tighter limits).
 * The clock starts each input at 2026-11-26 14:35 local time, with an
 * empty state database.
 */
#define MAX_MSGS	16
#define NSTAFF		2

struct sender {
	const char	*raw;		/* as the network delivers it */
	bool		 replyable;	/* what DESIGN.md section 10 says */
};

static const struct sender senders[16] = {
	{ "+84912345678", true },	/* 0: owner of D1 and D3 */
	{ "0912345678", true },		/* 1: the same, national */
	{ "84912345678", true },	/* 2: the same, no plus */
	{ "+84987000111", true },	/* 3: owns nothing */
	{ "0987654321", true },		/* 4: owner of D2 */
	{ "+84912000111", true },	/* 5: staff */
	{ "0912000222", true },		/* 6: staff, national */
	{ "8079", false },		/* 7: short code */
	{ "VIETTEL", false },		/* 8: sender name */
	{ "1234567890123456789012345678901234567890", false },	/* 9 */
	{ "+12025550123", true },	/* 10: foreign */
	{ "", false },			/* 11: no sender */
	{ "+84905111222", true },	/* 12: owner of D4 */
	{ "19001234", false },		/* 13: service number */
	{ "MobiFone", false },		/* 14: sender name */
	{ "+84 905-555 666", true },	/* 15: owner of D6, spaced */
};

/*
 * Every procedure carries a marker PZQXn (kept by ASCII folding): a reply
 * holding PZQXn must go to the owner of dossier n.
 */
#define NDOSSIERS	6
static const char *const owners[NDOSSIERS + 1] = {
	NULL, "0912 345 678", "0987.654.321", "+84 912 345 678", "0905111222",
	"0905333444", "0905555666",
};

static const char rows_sql[] =
    "INSERT INTO dossiers (code, procedure, applicant, phone, office, status,"
    " received_at, due_at, finished_at, returned_at, notify_sms, updated_at)"
    " VALUES"
    " ('000.00.12.H39-240824-0001', 'Đăng ký khai sinh PZQX1', 'Nguyễn Văn An',"
    "  '0912 345 678', 'Bộ phận một cửa UBND xã Hòa Tiến', 9, '2024-08-24',"
    "  '2024-08-27', '2024-08-26T15:00:00', NULL, 1, '2024-08-26T15:00:00'),"
    " ('000.00.12.H39-261101-0007', 'Cấp giấy phép xây dựng PZQX2',"
    "  'Trần Thị Bình', '0987.654.321', 'Bộ phận một cửa UBND xã Hòa Tiến', 4,"
    "  '2026-11-01', '2026-11-20', NULL, NULL, 1, '2026-11-01T08:00:00'),"
    " ('000.00.12.H39-240901-0002', 'Chứng thực bản sao PZQX3',"
    "  'Nguyễn Văn An', '+84 912 345 678', 'Bộ phận một cửa UBND xã Hòa Tiến',"
    "  10, '2024-09-01', '2024-09-05', '2024-09-04', '2024-09-06', 1,"
    "  '2024-09-06T09:00:00'),"
    " ('000.00.12.H39-261120-0003', 'Đăng ký kết hôn PZQX4', 'Lê Văn Cường',"
    "  '0905111222', 'Bộ phận một cửa UBND xã Hòa Tiến', 4, '2026-11-20',"
    "  '2026-11-26T17:00:00', NULL, NULL, 1, '2026-11-20T08:00:00'),"
    " ('000.00.12.H39-261118-0004', 'Đăng ký khai tử PZQX5', 'Phạm Thị Dung',"
    "  '0905333444', 'Bộ phận một cửa UBND xã Hòa Tiến', 5, '2026-11-18',"
    "  '2026-11-25', NULL, NULL, 0, '2026-11-24T08:00:00'),"
    " ('000.00.12.H39-261125-0005', 'Đăng ký thường trú PZQX6', 'Hoàng Văn Em',"
    "  '0905555666', 'Công an xã Hòa Tiến', 2, '2026-11-25', NULL,"
    "  NULL, NULL, 1, '2026-11-25T08:00:00');";

#define CONF_COMMON							\
	"modems = ( { device = \"%s/dz-phone\"; model = \"dummy\";"	\
	" connection = \"none\"; } );\n"				\
	"records = { path = \"%s\"; audiences = {"			\
	" tatca = \"SELECT phone FROM dossiers\";"			\
	" cho = \"SELECT phone FROM dossiers WHERE status = 9\"; }; };\n" \
	"state = { path = \"%s\"; };\n"					\
	"staff = { numbers = [\"0912 000 111\", \"+84 912 000 222\"];"	\
	" pin = \"2468\"; max_pin_failures = 3; };\n"

static const char conf_a[] = CONF_COMMON
    "limits = { lookups_per_day = 4; misses_per_hour = 3;"
    " replies_per_number_per_day = 6; };\n"
    "sms = { max_codes = 3; };\n";
static const char conf_b[] = CONF_COMMON
    "limits = { lookups_per_day = 3; misses_per_hour = 2;"
    " replies_per_number_per_day = 3; same_text_per_day = 3;"
    " global_misses_per_hour = 4; alarm_delay = 30; };\n"
    "privacy = { owner_only = true; };\n"
    "sms = { charset = \"unicode\"; max_codes = 2; max_parts = 1; };\n";

static struct {
	bool		 ready;
	char		 dir[512];
	char		 records_path[600];
	char		 state_path[600];
	struct conf	 conf[2];
	struct store	*store;
	struct records	*records;
	sqlite3		*watch;		/* our own connection to the records */
	int		 data_version;
	struct stat	 records_st;
	char		 owner_norm[NDOSSIERS + 1][PHONE_BUFSZ];
	time_t		 start;
} fx;

static void	setup_fail(const char *, const char *) __attribute__((noreturn));

/* Not an input's fault: stop the run rather than test nothing. */
static void
setup_fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_inbound: set-up: %s: %s\n", what, why);
	abort();
}

static void
remove_db(const char *path)
{
	static const char *const side[] = { "", "-wal", "-shm", "-journal" };
	char p[700];
	size_t i;

	for (i = 0; i < nitems(side); i++) {
		snprintf(p, sizeof(p), "%s%s", path, side[i]);
		unlink(p);
	}
}

static void
cleanup(void)
{
	int i;

	if (!fx.ready)
		return;
	sqlite3_close(fx.watch);
	records_free(fx.records);
	store_close(fx.store);
	for (i = 0; i < 2; i++)
		conf_fini(&fx.conf[i]);
	remove_db(fx.records_path);
	remove_db(fx.state_path);
	rmdir(fx.dir);
	fx.ready = false;
}

static char *
read_schema(void)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	FILE *f;
	char *buf;
	long len;

	snprintf(path, sizeof(path), "%s/etc/records-schema.sql",
	    top != NULL ? top : FUZZ_SRCDIR);
	if ((f = fopen(path, "rb")) == NULL)
		setup_fail(path, "cannot open (set top_srcdir)");
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0)
		setup_fail(path, "cannot read");
	rewind(f);
	if ((buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len)
		setup_fail(path, "cannot read");
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void
make_records(void)
{
	char *schema, *msg = NULL;
	sqlite3 *db;

	schema = read_schema();
	if (sqlite3_open(fx.records_path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, rows_sql, NULL, NULL, &msg) != SQLITE_OK)
		setup_fail(fx.records_path, msg ? msg : sqlite3_errmsg(db));
	sqlite3_close(db);
	free(schema);
}

static void
load_conf(struct conf *c, const char *fmt)
{
	struct dz_err err;
	char path[700];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/conf-XXXXXX", fx.dir);
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		setup_fail(path, "cannot create");
	fprintf(f, fmt, fx.dir, fx.records_path, fx.state_path);
	if (fclose(f) != 0)
		setup_fail(path, "cannot write");
	if (conf_load(path, c, &err) == -1)
		setup_fail(path, err.msg);
	unlink(path);
}

static int
cb_int(void *arg, int ncol, char **vals, char **names)
{
	(void)names;
	*(long long *)arg = ncol > 0 && vals[0] != NULL ? atoll(vals[0]) : 0;
	return 0;
}

static long long
query_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The first column of the last row of the SQL, as a number (0 if no row). */
static long long
query_int(const char *fmt, ...)
{
	struct dz_err err;
	char sql[512];
	long long v = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (store_exec(fx.store, sql, cb_int, &v, &err) == -1) {
		fprintf(stderr, "%s: %s\n", sql, err.msg);
		abort();
	}
	return v;
}

static int
records_version(void)
{
	sqlite3_stmt *st;
	int v;

	if (sqlite3_prepare_v2(fx.watch, "PRAGMA data_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		setup_fail("records data_version", sqlite3_errmsg(fx.watch));
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	struct dz_err err;
	struct stat sb;
	struct tm tm;
	int i;

	/* /dev/shm: no disk behind each input's transactions. */
	if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    access("/dev/shm", W_OK) == 0)
		tmp = "/dev/shm";
	else if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(fx.dir, sizeof(fx.dir), "%s/dz-fuzz-inbound-XXXXXX", tmp);
	if (mkdtemp(fx.dir) == NULL)
		setup_fail(fx.dir, "mkdtemp failed");
	snprintf(fx.records_path, sizeof(fx.records_path), "%s/records.db",
	    fx.dir);
	snprintf(fx.state_path, sizeof(fx.state_path), "%s/state.db", fx.dir);
	make_records();
	load_conf(&fx.conf[0], conf_a);
	load_conf(&fx.conf[1], conf_b);
	if ((fx.store = store_open(fx.state_path, &err)) == NULL)
		setup_fail(fx.state_path, err.msg);
	if ((fx.records = records_new(fx.records_path,
	    fx.conf[0].records.busy_timeout)) == NULL)
		setup_fail(fx.records_path, "out of memory");
	if (sqlite3_open_v2(fx.records_path, &fx.watch, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK)
		setup_fail(fx.records_path, sqlite3_errmsg(fx.watch));
	fx.data_version = records_version();
	if (stat(fx.records_path, &fx.records_st) == -1)
		setup_fail(fx.records_path, "stat failed");
	for (i = 1; i <= NDOSSIERS; i++)
		if (phone_normalize(owners[i], fx.owner_norm[i],
		    sizeof(fx.owner_norm[i])) != PHONE_VN_MOBILE)
			setup_fail(owners[i], "not a mobile number");
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 26;
	tm.tm_hour = 14;
	tm.tm_min = 35;
	tm.tm_isdst = -1;
	fx.start = mktime(&tm);
	fx.ready = true;
	atexit(cleanup);
}

/* An empty state database for the next input (ids go on growing). */
static void
reset_state(void)
{
	struct dz_err err;

	if (store_exec(fx.store, "BEGIN; DELETE FROM sent_parts;"
	    " DELETE FROM broadcast_to; DELETE FROM outbox;"
	    " DELETE FROM broadcasts; DELETE FROM parts; DELETE FROM inbox;"
	    " DELETE FROM audit; DELETE FROM optouts; DELETE FROM notices;"
	    " COMMIT;", NULL, NULL, &err) == -1)
		setup_fail("reset", err.msg);
}

/* Receive text from sender as the modem code hands it over, in one or two parts. */
static int
receive(const char *sender, const char *text, size_t len, bool split,
    int seq, time_t now)
{
	struct in_part p;
	struct dz_err err;
	size_t half = split ? len / 2 : len;
	int i, r, n = 0;

	for (i = 0; i < (split ? 2 : 1); i++) {
		memset(&p, 0, sizeof(p));
		dz_strlcpy(p.sender, sender, sizeof(p.sender));
		snprintf(p.smsc_time, sizeof(p.smsc_time), "20261126T%06d",
		    seq);
		p.ref = split ? seq & 0xff : 0;
		p.part = split ? i + 1 : 0;
		p.total = split ? 2 : 1;
		if (i == 0)
			snprintf(p.text, sizeof(p.text), "%.*s", (int)half, text);
		else
			snprintf(p.text, sizeof(p.text), "%.*s",
			    (int)(len - half), text + half);
		snprintf(p.modem, sizeof(p.modem), "modem1");
		if ((r = store_inbox_add_part(fx.store, &p, now, &err)) == -1) {
			fprintf(stderr, "store_inbox_add_part: %s\n", err.msg);
			abort();
		}
		n += r;
	}
	return n;
}

static long long
replies_since(const char *number, time_t since)
{
	return query_int("SELECT count(*) FROM outbox WHERE lane = %d AND"
	    " number = '%s' AND created_at >= %lld", LANE_REPLY, number,
	    (long long)since);
}

/* Handle everything pending, checking each message's handling. */
static void
drain(const struct conf *c, struct pass *p, int sender)
{
	struct inbound_result res;
	struct dz_err err;
	char num[PHONE_BUFSZ];
	long long rows, replies = 0, denied = 0, lookups, looping = 0;
	bool staff_num;
	int r, i;

	phone_normalize(senders[sender].raw, num, sizeof(num));
	staff_num = strcmp(num, c->staff.numbers[0]) == 0 ||
	    strcmp(num, c->staff.numbers[1]) == 0;
	if (senders[sender].replyable) {
		replies = replies_since(num, p->day_start);
		denied = query_int("SELECT count(*) FROM audit WHERE number = '%s'"
		    " AND outcome = '%s' AND at >= %lld", num,
		    store_audit_name(AUDIT_STAFF_DENIED), (long long)p->day_start);
		looping = query_int("SELECT count(*) FROM audit WHERE number = '%s'"
		    " AND outcome = '%s' AND at >= %lld", num,
		    store_audit_name(AUDIT_LOOP), (long long)p->day_start);
	}
	for (i = 0;; i++) {
		FUZZ_CHECK(i <= 2);
		rows = query_int("SELECT count(*) FROM outbox");
		if ((r = inbound_handle_next(p, &res, &err)) == 0)
			break;
		if (r == -1) {
			fprintf(stderr, "inbound_handle_next: %s\n", err.msg);
			FUZZ_CHECK(r != -1);
		}
		FUZZ_CHECK(r == 1 && res.kind != NULL && res.outcome != NULL);
		/* FUZZ_TRACE=1: what each message came to, to read a crash. */
		if (getenv("FUZZ_TRACE") != NULL)
			fprintf(stderr, "#%lld from \"%s\" (conf %c): %s, %s, %d"
			    " replies\n", (long long)res.id, senders[sender].raw,
			    c == &fx.conf[0] ? 'A' : 'B', res.kind, res.outcome,
			    res.replies);
		/* Nothing here makes a reply that cannot be sent. */
		if (strncmp(res.outcome, "failed", 6) == 0) {
			fprintf(stderr, "#%lld: %s\n", (long long)res.id,
			    res.outcome);
			FUZZ_CHECK(strncmp(res.outcome, "failed", 6) != 0);
		}
		FUZZ_CHECK(query_int("SELECT count(*) FROM inbox WHERE id = %lld"
		    " AND state = 'pending'", (long long)res.id) == 0);
		rows = query_int("SELECT count(*) FROM outbox") - rows;
		/* Short codes and sender names: nothing, ever. */
		if (!senders[sender].replyable) {
			FUZZ_CHECK(rows == 0 && res.replies == 0);
			continue;
		}
		/* Lookups and the "too many codes" line at most. */
		FUZZ_CHECK(res.replies >= 0 && res.replies <= c->sms.max_codes + 1);
		/*
		 * What it says it queued, and the lockout alerts to the other
		 * staff number, or the guessing alarm's to both.
		 */
		FUZZ_CHECK(rows == res.replies ||
		    (strcmp(res.outcome, "staff denied") == 0 &&
		    rows > res.replies && rows - res.replies <= NSTAFF - 1) ||
		    (strstr(res.warning, "guessing") != NULL &&
		    rows - res.replies == NSTAFF));
		/* A number found looping earlier today: silence, whatever it sends. */
		if (looping > 0 && strcmp(res.kind, "staff") != 0)
			FUZZ_CHECK(rows == 0);
		FUZZ_CHECK(query_int("SELECT count(*) FROM outbox WHERE"
		    " inbox_id = %lld", (long long)res.id) <= res.replies);
		if (strcmp(res.kind, "staff") == 0) {
			/* Only a staff number's QT is a staff command. */
			FUZZ_CHECK(staff_num);
			/* Locked out: silence. */
			if (denied >= c->staff.max_pin_failures)
				FUZZ_CHECK(rows == 0);
			FUZZ_CHECK(query_int("SELECT count(*) FROM audit WHERE"
			    " number = '%s' AND outcome = '%s' AND at >= %lld",
			    num, store_audit_name(AUDIT_STAFF_DENIED),
			    (long long)p->day_start) <= c->staff.max_pin_failures);
			continue;
		}
		/* The per-number daily cap, checked before each message. */
		if (replies >= c->limits.replies_per_number_per_day)
			FUZZ_CHECK(rows == 0);
		/* (A staff number's wrong PINs are answered in this lane too.) */
		FUZZ_CHECK(replies_since(num, p->day_start) <=
		    c->limits.replies_per_number_per_day + c->sms.max_codes +
		    (staff_num ? c->staff.max_pin_failures : 0));
		/* Lookups a day: the limit, checked before each message's codes. */
		lookups = query_int("SELECT count(*) FROM audit WHERE number = '%s'"
		    " AND outcome IN ('%s', '%s', '%s') AND at >= %lld", num,
		    store_audit_name(AUDIT_FOUND), store_audit_name(AUDIT_NOT_FOUND),
		    store_audit_name(AUDIT_BAD_DATE), (long long)p->day_start);
		FUZZ_CHECK(lookups < c->limits.lookups_per_day + c->sms.max_codes);
	}
}

/* The daemon's share of a staff TB: count it, ask for the OK, queue it once confirmed. */
static void
broadcasts(const struct pass *p)
{
	struct dz_err err;
	struct job j;
	int r, steps;

	for (steps = 0; (r = broadcast_sms_step(p, &err)) == 1; steps++)
		FUZZ_CHECK(steps < 8);
	if (r == 0 && (r = store_job_next(p->store, 1u << JOB_QUEUING, -1, &j,
	    &err)) == 1)
		r = broadcast_queue_step(p, &j, BROADCAST_BATCH, &err);
	if (r == -1) {
		fprintf(stderr, "broadcast: %s\n", err.msg);
		abort();
	}
}

static int
cb_row(void *arg, int ncol, char **vals, char **names)
{
	char num[PHONE_BUFSZ], marker[8];
	int lane, i;

	(void)arg;
	(void)names;
	FUZZ_CHECK(ncol == 3 && vals[0] && vals[1] && vals[2]);
	lane = atoi(vals[0]);
	/* Every row goes to a number a reply may go to. */
	FUZZ_CHECK(phone_kind_is_replyable(phone_normalize(vals[1], num,
	    sizeof(num))));
	FUZZ_CHECK(strcmp(num, vals[1]) == 0);
	/* The procedure name only to the owner (staff may type anything). */
	if (lane != LANE_REPLY)
		return 0;
	for (i = 1; i <= NDOSSIERS; i++) {
		snprintf(marker, sizeof(marker), "PZQX%d", i);
		if (strcasestr(vals[2], marker) == NULL)
			continue;
		if (strcmp(vals[1], fx.owner_norm[i]) != 0)
			fprintf(stderr, "procedure %d to %s: %s\n", i, vals[1],
			    vals[2]);
		FUZZ_CHECK(strcmp(vals[1], fx.owner_norm[i]) == 0);
	}
	return 0;
}

static void
check_end(int received)
{
	struct dz_err err;
	struct stat sb;

	/* Every message reached the inbox once and was handled. */
	FUZZ_CHECK(query_int("SELECT count(*) FROM inbox") == received);
	FUZZ_CHECK(query_int("SELECT count(*) FROM inbox WHERE state ="
	    " 'pending'") == 0);
	if (store_exec(fx.store, "SELECT lane, number, text FROM outbox",
	    cb_row, NULL, &err) == -1) {
		fprintf(stderr, "outbox: %s\n", err.msg);
		abort();
	}
	/* The records database is read, never written. */
	FUZZ_CHECK(records_version() == fx.data_version);
	FUZZ_CHECK(stat(fx.records_path, &sb) == 0);
	FUZZ_CHECK(sb.st_size == fx.records_st.st_size &&
	    sb.st_mtim.tv_sec == fx.records_st.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == fx.records_st.st_mtim.tv_nsec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct conf *c;
	struct pass p;
	const char *text, *end;
	time_t now;
	size_t len;
	int nmsg = 0, received = 0;
	uint8_t h;

	if (!fx.ready)
		setup();
	if (size == 0)
		return 0;
	/* Bounded work per input: a message in SMS terms, a few of them. */
	if (size > MAX_MSGS * 640)
		return 0;
	reset_state();
	c = &fx.conf[data[0] & 0x40 ? 0 : 1];
	now = fx.start;
	text = (const char *)data;
	end = text + size;
	while (text < end && nmsg < MAX_MSGS) {
		h = (uint8_t)*text++;
		len = (size_t)(end - text);
		if (memchr(text, '\n', len) != NULL)
			len = (size_t)((const char *)memchr(text, '\n', len) - text);
		if (len >= STORE_TEXT_MAX)
			len = STORE_TEXT_MAX - 1;
		if (h & 0x10)
			now += 25 * 60;
		if (h & 0x80)
			now += 10 * 3600;
		/* A text with a NUL is what no modem delivers: cut there. */
		len = strnlen(text, len);
		/* The concatenated parts join into one inbox row. */
		FUZZ_CHECK(receive(senders[h & 0x0f].raw, text, len, h & 0x20,
		    ++nmsg, now) == (h & 0x20 ? 2 : 1));
		received++;
		pass_init(&p, c, fx.store, fx.records, now);
		snprintf(p.balance, sizeof(p.balance), "52.300 VND");
		snprintf(p.balance_at, sizeof(p.balance_at), "%lld",
		    (long long)(fx.start - 3600));
		drain(c, &p, h & 0x0f);
		broadcasts(&p);
		text = memchr(text, '\n', (size_t)(end - text));
		if (text == NULL)
			break;
		text++;
	}
	check_end(received);
	return 0;
}
