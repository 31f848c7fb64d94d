/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The context of one pass over the work, and queuing an SMS the way the configuration says. */
#include <string.h>

#include "pass.h"
#include "policy.h"
#include "text.h"

void
pass_init(struct pass *p, const struct conf *c, struct store *s,
    struct records *r, time_t now)
{
	struct tm tm;

	memset(p, 0, sizeof(*p));
	p->conf = c;
	p->store = s;
	p->records = r;
	p->now = now;
	localtime_r(&now, &tm);
	p->today = policy_tm_day(&tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	p->day_start = mktime(&tm);
}

int
pass_prepare_sms(const struct pass *p, const char *text, char *body,
    size_t bodysz, struct dz_err *err)
{
	bool ucs2;
	int parts;

	if ((parts = text_prepare_sms(text, p->conf->sms.charset,
	    p->conf->sms.max_parts, body, bodysz, &ucs2)) == -1)
		return dz_err_set(err, DZ_EPERMANENT, "text too long to prepare "
		    "as SMS");
	return parts;
}

int64_t
pass_queue_sms(const struct pass *p, enum lane lane, const char *number,
    const char *text, time_t expires, int64_t inbox_id, struct dz_err *err)
{
	char body[STORE_TEXT_MAX];

	if (pass_prepare_sms(p, text, body, sizeof(body), err) == -1)
		return -1;
	return store_outbox_add(p->store, lane, number, body, p->now, expires,
	    inbox_id, err);
}
