/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/policy.c: backoff, send windows, pacing, day numbers. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "err.h"
#include "policy.h"

#define W_START	450	/* 07:30 */
#define W_END	1260	/* 21:00 */
#define N_START	1320	/* 22:00: a night window wrapping past midnight */
#define N_END	360	/* 06:00 */

/* Delay before the next attempt: 30 s doubling, capped at one hour. */
static const struct {
	int	attempts, initial, max;
	int	want;
} backoffs[] = {
	{ 0, 30, 3600, 30 },
	{ 1, 30, 3600, 30 },
	{ 2, 30, 3600, 60 },
	{ 3, 30, 3600, 120 },
	{ 4, 30, 3600, 240 },
	{ 5, 30, 3600, 480 },
	{ 6, 30, 3600, 960 },
	{ 7, 30, 3600, 1920 },
	{ 8, 30, 3600, 3600 },	/* 3840 capped */
	{ 9, 30, 3600, 3600 },
	{ 100, 30, 3600, 3600 },
	{ 1000000, 30, 3600, 3600 },	/* no overflow however many */
	{ 40, 3600, 86400, 86400 },
	{ 1, 60, 30, 30 },	/* initial above the cap */
	{ 3, 1, 1, 1 },
	{ 31, 1, 2147483647, 1073741824 },
	{ 33, 1, 2147483647, 2147483647 },
};

static const struct {
	int	start, end, minute;
	bool	want;
} windows[] = {
	/* Normal window [07:30, 21:00). */
	{ W_START, W_END, 0, false },
	{ W_START, W_END, 449, false },
	{ W_START, W_END, 450, true },
	{ W_START, W_END, 720, true },
	{ W_START, W_END, 1259, true },
	{ W_START, W_END, 1260, false },
	{ W_START, W_END, 1439, false },
	/* Wrapping window [22:00, 06:00). */
	{ N_START, N_END, 1319, false },
	{ N_START, N_END, 1320, true },
	{ N_START, N_END, 1439, true },
	{ N_START, N_END, 0, true },
	{ N_START, N_END, 359, true },
	{ N_START, N_END, 360, false },
	{ N_START, N_END, 720, false },
	/* start == end: always open. */
	{ 0, 0, 0, true },
	{ 0, 0, 1439, true },
	{ 600, 600, 599, true },
	{ 600, 600, 600, true },
	{ 600, 600, 601, true },
	/* Whole day written 00:00-24:00. */
	{ 0, 1440, 0, true },
	{ 0, 1440, 1439, true },
};

static const struct {
	int	start, end, minute, second;
	int	want;
} untils[] = {
	{ W_START, W_END, 450, 0, 0 },		/* inside */
	{ W_START, W_END, 1259, 59, 0 },
	{ W_START, W_END, 420, 0, 1800 },	/* 07:00:00 -> 30 min */
	{ W_START, W_END, 420, 30, 1770 },
	{ W_START, W_END, 449, 59, 1 },
	{ W_START, W_END, 0, 0, 450 * 60 },
	{ W_START, W_END, 1260, 0, 630 * 60 },	/* 21:00 -> tomorrow 07:30 */
	{ W_START, W_END, 1439, 59, 450 * 60 + 1 },
	{ N_START, N_END, 360, 0, 960 * 60 },	/* 06:00 -> 22:00 */
	{ N_START, N_END, 1319, 59, 1 },
	{ N_START, N_END, 0, 0, 0 },
	{ N_START, N_END, 1400, 0, 0 },
	{ 600, 600, 0, 0, 0 },			/* always open */
	{ 600, 600, 1439, 59, 0 },
};

static const struct {
	int	per_minute;
	int	want;
} paces[] = {
	{ 20, 3000 },
	{ 60, 1000 },
	{ 1, 60000 },
	{ 7, 8571 },
	{ 600, 100 },
	{ 0, 0 },
	{ -5, 0 },
};

/* Valid dates and their day numbers (days since 1970-01-01). */
static const struct {
	const char	*iso;
	long		 day;
	const char	*fmt;
} days[] = {
	{ "1970-01-01", 0, "01/01/1970" },
	{ "1970-01-02", 1, "02/01/1970" },
	{ "1969-12-31", -1, "31/12/1969" },
	{ "1900-01-01", -25567, "01/01/1900" },
	{ "2024-08-27", 19962, "27/08/2024" },
	{ "2024-08-27T16:00:00", 19962, "27/08/2024" },
	{ "2024-08-27 16:00", 19962, "27/08/2024" },
	{ "2024-08-27T16:00:00+07:00", 19962, "27/08/2024" },
	{ "2024-02-29", 19782, "29/02/2024" },	/* leap year */
	{ "2000-02-29", 11016, "29/02/2000" },	/* divisible by 400 */
	{ "2000-03-01", 11017, "01/03/2000" },
	{ "2026-11-26", 20783, "26/11/2026" },
	{ "2038-01-19", 24855, "19/01/2038" },
	{ "2100-12-31", 47846, "31/12/2100" },
};

/* Not YYYY-MM-DD to the digit, as some records software writes: read by sscanf. */
static const struct {
	const char	*iso;
	long		 day;
	const char	*fmt;
} loose_days[] = {
	{ "2024-8-27", 19962, "27/08/2024" },
	{ " 2024-08-27", 19962, "27/08/2024" },
	{ "2024-08-7", 19942, "07/08/2024" },
};

/* policy_iso_minus: the notices' rescan margin, across midnight and 2038. */
static const struct {
	const char	*iso;
	long		 seconds;
	const char	*want;
} minus[] = {
	{ "2024-08-27T16:00:00", 600, "2024-08-27T15:50:00" },
	{ "2024-08-27 00:05:00", 600, "2024-08-26 23:55:00" },
	{ "2024-08-27", 60, "2024-08-26T23:59:00" },
	{ "2024-03-01T00:00:00", 1, "2024-02-29T23:59:59" },
	{ "1970-01-01T00:00:00", 1, "1969-12-31T23:59:59" },
	{ "2038-01-19T03:14:08", 1, "2038-01-19T03:14:07" },	/* 2^31 s */
	{ "2040-01-01T00:05:00", 600, "2039-12-31T23:55:00" },
	{ "2100-03-01T00:00:00", 86400, "2100-02-28T00:00:00" },
	{ "2024-08-27T16:00:00", -3600, "2024-08-27T17:00:00" },
	{ "garbage", 600, "garbage" },
};

/* Not calendar dates, or not dates at all. */
static const char *const bad_days[] = {
	"",
	"garbage",
	"2025-02-29",	/* not a leap year */
	"1900-02-29",	/* divisible by 100, not by 400 */
	"2100-02-29",
	"2024-02-30",
	"2024-04-31",
	"2024-06-31",
	"2024-09-31",
	"2024-11-31",
	"2024-01-32",
	"2024-00-10",
	"2024-13-01",
	"2024-08-00",
	"1899-12-31",	/* before the supported range */
	"27/08/2024",
	"27-08-2024",
	"20240827",
	"2024/08/27",
	"2024-08",
	"2024",
	"T16:00:00",
	"ngày 27 tháng 8",
};

static void
test_backoff(void)
{
	size_t i;
	int a, prev = 0, d;

	for (i = 0; i < nitems(backoffs); i++)
		CHECK_INT(policy_backoff(backoffs[i].attempts, backoffs[i].initial,
		    backoffs[i].max), backoffs[i].want);

	/* The sequence never shrinks and never exceeds the cap. */
	for (a = 1; a <= 64; a++) {
		d = policy_backoff(a, 30, 3600);
		CHECK(d >= prev);
		CHECK(d <= 3600);
		prev = d;
	}
	CHECK_INT(prev, 3600);
}

static void
test_windows(void)
{
	size_t i;
	int m;

	for (i = 0; i < nitems(windows); i++) {
		if (policy_in_window(windows[i].start, windows[i].end,
		    windows[i].minute) != windows[i].want) {
			fprintf(stderr, "window %d-%d minute %d\n", windows[i].start,
			    windows[i].end, windows[i].minute);
			CHECK(!"policy_in_window");
		}
	}
	/* A wrapping window is exactly the complement of the normal one. */
	for (m = 0; m < 1440; m++)
		CHECK(policy_in_window(W_START, W_END, m) !=
		    policy_in_window(W_END, W_START, m));
	/* The default window is open 13.5 hours a day. */
	for (i = 0, m = 0; m < 1440; m++)
		i += policy_in_window(W_START, W_END, m);
	CHECK_INT(i, 810);
}

static void
test_until_window(void)
{
	size_t i;
	int m, s, wait;

	for (i = 0; i < nitems(untils); i++) {
		if (policy_until_window(untils[i].start, untils[i].end,
		    untils[i].minute, untils[i].second) != untils[i].want) {
			fprintf(stderr, "window %d-%d at %d:%d\n", untils[i].start,
			    untils[i].end, untils[i].minute, untils[i].second);
			CHECK_INT(policy_until_window(untils[i].start,
			    untils[i].end, untils[i].minute, untils[i].second),
			    untils[i].want);
		}
	}
	/* From any closed minute, waiting lands exactly on the opening. */
	for (m = 0; m < 1440; m++) {
		for (s = 0; s < 60; s += 59) {
			wait = policy_until_window(N_START, N_END, m, s);
			if (policy_in_window(N_START, N_END, m)) {
				CHECK_INT(wait, 0);
				continue;
			}
			CHECK(wait > 0 && wait <= 1440 * 60);
			CHECK_INT((m * 60 + s + wait) % 86400, N_START * 60);
		}
	}
}

static void
test_pace(void)
{
	size_t i;

	for (i = 0; i < nitems(paces); i++)
		CHECK_INT(policy_pace_ms(paces[i].per_minute), paces[i].want);
}

static void
test_parse_day(void)
{
	size_t i;
	long day;

	for (i = 0; i < nitems(days); i++) {
		day = 12345678;
		if (policy_parse_day(days[i].iso, &day) != 0)
			fprintf(stderr, "parse_day(\"%s\")\n", days[i].iso);
		CHECK_INT(policy_parse_day(days[i].iso, &day), 0);
		CHECK_INT(day, days[i].day);
	}
	for (i = 0; i < nitems(bad_days); i++) {
		day = 12345678;
		if (policy_parse_day(bad_days[i], &day) != -1)
			fprintf(stderr, "parse_day(\"%s\") accepted\n", bad_days[i]);
		CHECK_INT(policy_parse_day(bad_days[i], &day), -1);
		CHECK_INT(day, 12345678);	/* untouched */
	}
	CHECK_INT(policy_parse_day(NULL, &day), -1);
	for (i = 0; i < nitems(loose_days); i++) {
		CHECK_INT(policy_parse_day(loose_days[i].iso, &day), 0);
		CHECK_INT(day, loose_days[i].day);
	}
}

static void
test_format_day(void)
{
	char out[16];
	size_t i;

	for (i = 0; i < nitems(days); i++) {
		policy_format_day(days[i].iso, out, sizeof(out));
		CHECK_STR(out, days[i].fmt);
	}
	for (i = 0; i < nitems(loose_days); i++) {
		policy_format_day(loose_days[i].iso, out, sizeof(out));
		CHECK_STR(out, loose_days[i].fmt);
	}
	for (i = 0; i < nitems(bad_days); i++) {
		memcpy(out, "xxxxxxxxxxxxxxx", sizeof(out));
		policy_format_day(bad_days[i], out, sizeof(out));
		CHECK_STR(out, "");
	}
	memcpy(out, "xxxxxxxxxxxxxxx", sizeof(out));
	policy_format_day(NULL, out, sizeof(out));
	CHECK_STR(out, "");
	/* Exactly fits, and truncated (always terminated). */
	policy_format_day("2024-08-27", out, 11);
	CHECK_STR(out, "27/08/2024");
	policy_format_day("2024-08-27", out, 6);
	CHECK_STR(out, "27/08");
}

static void
test_iso_minus(void)
{
	char out[32];
	size_t i;

	for (i = 0; i < nitems(minus); i++) {
		policy_iso_minus(minus[i].iso, minus[i].seconds, out,
		    sizeof(out));
		CHECK_STR(out, minus[i].want);
	}
}

/*
 * policy_tm_day agrees with parse_day and with the C library's calendar,
 * where time_t reaches (1901-12-14 to 2038-01-18 with a 32-bit time_t, as
 * on Debian 12 armhf); policy_day_iso is its inverse on every day.
 */
static void
test_tm_day(void)
{
	struct tm tm, *g;
	char iso[64], back[16];
	long d, parsed;
	size_t i;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 26;
	tm.tm_hour = 14;
	tm.tm_min = 35;
	CHECK_INT(policy_tm_day(&tm), 20783);
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	CHECK_INT(policy_tm_day(&tm), 20783);	/* the time of day does not matter */

	tm.tm_year = 124;
	tm.tm_mon = 1;
	tm.tm_mday = 29;
	CHECK(policy_parse_day("2024-02-29", &parsed) == 0);
	CHECK_INT(policy_tm_day(&tm), parsed);

	/* Every day from 1900 to 2100, through gmtime() where time_t reaches. */
	for (d = -25567; d <= 47846; d++) {
		policy_day_iso(d, back, sizeof(back));
		if (policy_parse_day(back, &parsed) != 0 || parsed != d) {
			fprintf(stderr, "parse_day(\"%s\")\n", back);
			CHECK_INT(parsed, d);
		}
		if (sizeof(time_t) < 8 && (d < -24855 || d > 24854))
			continue;
		t = (time_t)d * 86400 + 43200;
		if ((g = gmtime(&t)) == NULL)
			CHECK(g != NULL);
		if (policy_tm_day(g) != d)
			CHECK_INT(policy_tm_day(g), d);
		snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:00:00",
		    g->tm_year + 1900, g->tm_mon + 1, g->tm_mday, g->tm_hour);
		if (policy_parse_day(iso, &parsed) != 0 || parsed != d) {
			fprintf(stderr, "parse_day(\"%s\")\n", iso);
			CHECK_INT(parsed, d);
		}
		iso[10] = '\0';
		if (strcmp(back, iso) != 0)
			CHECK_STR(back, iso);
	}
	CHECK_INT(d, 47847);

	for (i = 0; i < nitems(days); i++) {
		policy_day_iso(days[i].day, back, sizeof(back));
		CHECK(strncmp(back, days[i].iso, 10) == 0 && strlen(back) == 10);
	}
	policy_day_iso(0, back, 5);
	CHECK_STR(back, "1970");	/* truncated, terminated */
}

/* dz_put_int and dz_put_digits (the dates' formatting) against printf. */
static void
test_put_numbers(void)
{
	static const long long ints[] = {
		0, 1, -1, 9, 10, 99, 100, 255, 65535, -65536, INT_MAX, INT_MIN,
		LLONG_MAX, LLONG_MIN, 1000000007LL,
	};
	char got[32], want[32], *e;
	size_t i;
	unsigned long v;

	for (i = 0; i < nitems(ints); i++) {
		memset(got, 'x', sizeof(got));
		e = dz_put_int(got, ints[i]);
		CHECK(e > got && e < got + 21 && *e == 'x');
		*e = '\0';
		snprintf(want, sizeof(want), "%lld", ints[i]);
		CHECK_STR(got, want);
	}
	for (v = 0; v < 10000; v += 7) {
		memset(got, 'x', sizeof(got));
		e = dz_put_digits(got, v, 4);
		CHECK(e == got + 4 && *e == 'x');
		*e = '\0';
		snprintf(want, sizeof(want), "%04lu", v);
		CHECK_STR(got, want);
	}
	*dz_put_digits(got, 7, 2) = '\0';
	CHECK_STR(got, "07");
}

int
main(void)
{
	test_backoff();
	test_windows();
	test_until_window();
	test_pace();
	test_parse_day();
	test_format_day();
	test_tm_day();
	test_iso_minus();
	test_put_numbers();
	CHECK_DONE();
}
