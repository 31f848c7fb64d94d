/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure policy decisions: retry backoff, send windows, pacing, dates. Time is always an argument. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "policy.h"

int
policy_backoff(int attempts, int initial, int max)
{
	int d = initial;
	int i;

	/* Stop doubling at max: long is no wider than int on 32-bit ARM. */
	for (i = 1; i < attempts && d < max; i++)
		d = d > max / 2 ? max : d * 2;
	return d > max ? max : d;
}

bool
policy_send_give_up(int attempts, int max_attempts, bool permanent)
{
	return attempts >= max_attempts ||
	    (permanent && attempts >= POLICY_PERMANENT_ATTEMPTS);
}

bool
policy_in_window(int start, int end, int minute_of_day)
{
	if (start == end)
		return true;
	if (start < end)
		return minute_of_day >= start && minute_of_day < end;
	return minute_of_day >= start || minute_of_day < end;
}

int
policy_until_window(int start, int end, int minute_of_day, int second)
{
	int m;

	if (policy_in_window(start, end, minute_of_day))
		return 0;
	m = start - minute_of_day;
	if (m <= 0)
		m += 1440;
	return m * 60 - second;
}

int
policy_pace_ms(int per_minute)
{
	return per_minute > 0 ? 60000 / per_minute : 0;
}

/* Days from civil (Howard Hinnant's algorithm), proleptic Gregorian. */
static long
days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The n digits at s as a number, or -1 if one is not a digit. */
static int
digits_at(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int
parse_ymd(const char *iso, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (iso == NULL)
		return -1;
	/* YYYY-MM-DD as the records hold it read directly; the rest by sscanf. */
	if ((*y = digits_at(iso, 4)) < 0 || iso[4] != '-' ||
	    (*m = digits_at(iso + 5, 2)) < 0 || iso[7] != '-' ||
	    (*d = digits_at(iso + 8, 2)) < 0) {
		if (sscanf(iso, "%4d-%2d-%2d", y, m, d) != 3)
			return -1;
	}
	if (*y < 1900 || *m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1])
		return -1;
	if (*m == 2 && *d == 29 &&
	    !((*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0))
		return -1;
	return 0;
}

int
policy_parse_day(const char *iso, long *day)
{
	int y, m, d;

	if (parse_ymd(iso, &y, &m, &d) == -1)
		return -1;
	*day = days_from_civil(y, m, d);
	return 0;
}

void
policy_format_day(const char *iso, char *out, size_t outsz)
{
	char buf[sizeof("DD/MM/YYYY")], *p = buf;
	int y, m, d;

	if (parse_ymd(iso, &y, &m, &d) == -1) {
		buf[0] = '\0';
	} else {
		/* parse_ymd: 1900 <= y <= 9999, m and d two digits */
		p = dz_put_digits(p, (unsigned long)d, 2);
		*p++ = '/';
		p = dz_put_digits(p, (unsigned long)m, 2);
		*p++ = '/';
		*dz_put_digits(p, (unsigned long)y, 4) = '\0';
	}
	dz_strlcpy(out, buf, outsz);
}

void
policy_day_iso(long z, char *out, size_t outsz)
{
	long era, doe, yoe, y, doy, mp, d, m;

	/* civil_from_days (Howard Hinnant), the inverse of days_from_civil. */
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	snprintf(out, outsz, "%04ld-%02ld-%02ld", y + (m <= 2), m, d);
}

void
policy_iso_minus(const char *iso, long seconds, char *out, size_t outsz)
{
	long day;
	long long t;	/* seconds since 1970 pass 2^31 in 2038 */
	int h = 0, m = 0, sec = 0;
	char sep = 'T', date[16];

	if (policy_parse_day(iso, &day) == -1) {
		snprintf(out, outsz, "%s", iso);
		return;
	}
	if (strlen(iso) >= 19) {
		sep = iso[10];
		if (sscanf(iso + 11, "%2d:%2d:%2d", &h, &m, &sec) != 3) {
			snprintf(out, outsz, "%s", iso);
			return;
		}
	}
	t = day * 86400LL + h * 3600 + m * 60 + sec - seconds;
	day = (long)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
	t -= day * 86400LL;
	policy_day_iso(day, date, sizeof(date));
	snprintf(out, outsz, "%s%c%02lld:%02lld:%02lld", date, sep, t / 3600,
	    t / 60 % 60, t % 60);
}

long
policy_tm_day(const struct tm *tm)
{
	return days_from_civil(tm->tm_year + 1900L, tm->tm_mon + 1, tm->tm_mday);
}

enum delivery
policy_delivery(int tp_st)
{
	if (tp_st >= 0x00 && tp_st <= 0x1f)
		return DLV_DELIVERED;
	if (tp_st >= 0x20 && tp_st <= 0x3f)
		return DLV_PENDING;
	return DLV_UNDELIVERABLE;
}

const char *
policy_delivery_reason(int tp_st)
{
	static const struct { int st; const char *why; } reasons[] = {
		{ 0x00, N_("delivered") },
		{ 0x01, N_("forwarded, delivery not confirmed") },
		{ 0x02, N_("replaced by the network") },
		{ 0x20, N_("congestion, still trying") },
		{ 0x21, N_("phone busy, still trying") },
		{ 0x22, N_("no response from the phone, still trying") },
		{ 0x23, N_("service rejected, still trying") },
		{ 0x24, N_("quality of service not available, still trying") },
		{ 0x25, N_("error in the phone, still trying") },
		{ 0x40, N_("remote procedure error") },
		{ 0x41, N_("incompatible destination") },
		{ 0x42, N_("connection rejected by the phone") },
		{ 0x43, N_("number not obtainable") },
		{ 0x44, N_("quality of service not available") },
		{ 0x45, N_("no interworking available") },
		{ 0x46, N_("validity period expired (phone off or out of reach)") },
		{ 0x47, N_("deleted by the sender") },
		{ 0x48, N_("deleted by the network's administration") },
		{ 0x49, N_("the message does not exist") },
		{ 0x60, N_("congestion, gave up") },
		{ 0x61, N_("phone busy, gave up") },
		{ 0x62, N_("no response from the phone, gave up") },
		{ 0x63, N_("service rejected, gave up") },
		{ 0x64, N_("quality of service not available, gave up") },
		{ 0x65, N_("error in the phone, gave up") },
	};
	size_t i;

	for (i = 0; i < nitems(reasons); i++)
		if (reasons[i].st == tp_st)
			return reasons[i].why;
	switch (policy_delivery(tp_st)) {
	case DLV_DELIVERED:
		return N_("delivered (network-specific status)");
	case DLV_PENDING:
		return N_("network-specific error, still trying");
	default:
		return N_("network-specific error, gave up");
	}
}
