/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: libconfig file -> struct conf, with defaults, ranges and file:line errors. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>

#include "conf.h"
#include "phone.h"
#include "template.h"

enum conf_type { CT_INT, CT_LONG, CT_STR, CT_BOOL, CT_CHARSET, CT_WINDOW, CT_LEVEL };

struct conf_key {
	const char	*path;
	enum conf_type	 type;
	size_t		 off;
	long		 min, max;
	long		 def;
	const char	*sdef;
};

#define O(f)	offsetof(struct conf, f)
#define T(f)	O(templates.f)

/* Defaults are Vietnamese with diacritics; sms.charset = "ascii" folds them. */
static const struct conf_key keys[] = {
	{ "records.path", CT_STR, O(records.path), .sdef = "/var/lib/dossierd/records.db" },
	{ "records.lookup_sql", CT_STR, O(records.lookup_sql), .sdef =
	    "SELECT code, procedure, phone, office, status, received_at, due_at,"
	    " finished_at, returned_at, notify_sms FROM dossiers WHERE code = :code" },
	{ "records.ready_sql", CT_STR, O(records.ready_sql), .sdef =
	    "SELECT code, procedure, phone, office, status, received_at, due_at,"
	    " finished_at, returned_at, notify_sms, updated_at FROM dossiers"
	    " WHERE updated_at >= :since ORDER BY updated_at" },
	{ "records.busy_timeout", CT_INT, O(records.busy_timeout), .min = 0, .max = 60000, .def = 2000 },
	{ "state.path", CT_STR, O(state.path), .sdef = "/var/lib/dossierd/state.db" },
	{ "log.level", CT_LEVEL, O(log.level), .sdef = "info" },
	{ "example_code", CT_STR, O(example_code), .sdef = "000.00.12.H39-240824-0001" },
	{ "sms.charset", CT_CHARSET, O(sms.charset), .sdef = "ascii" },
	{ "sms.max_parts", CT_INT, O(sms.max_parts), .min = 1, .max = 6, .def = 3 },
	{ "sms.per_minute", CT_INT, O(sms.per_minute), .min = 1, .max = 6000, .def = 20 },
	{ "sms.max_codes", CT_INT, O(sms.max_codes), .min = 1, .max = 10, .def = 3 },
	{ "sms.retry_initial", CT_INT, O(sms.retry_initial), .min = 1, .max = 3600, .def = 30 },
	{ "sms.retry_max", CT_INT, O(sms.retry_max), .min = 1, .max = 86400, .def = 3600 },
	{ "sms.max_attempts", CT_INT, O(sms.max_attempts), .min = 1, .max = 100, .def = 10 },
	{ "sms.reply_expiry", CT_INT, O(sms.reply_expiry), .min = 60, .max = 7 * 86400, .def = 86400 },
	{ "sms.delivery_reports", CT_BOOL, O(sms.delivery_reports), .min = 0, .max = 1, .def = 1 },
	{ "sms.flag_undeliverable", CT_INT, O(sms.flag_undeliverable), .min = 1, .max = 100, .def = 3 },
	{ "sms.multipart_timeout", CT_INT, O(sms.multipart_timeout), .min = 10, .max = 86400, .def = 600 },
	{ "notices.window", CT_WINDOW, O(notices.window_start), .sdef = "07:30-21:00" },
	{ "notices.backfill_days", CT_INT, O(notices.backfill_days), .min = 0, .max = 3650, .def = 3 },
	{ "notices.per_number_per_day", CT_INT, O(notices.per_number_per_day), .min = 1, .max = 100, .def = 3 },
	{ "notices.poll_interval", CT_INT, O(notices.poll_interval), .min = 1, .max = 3600, .def = 60 },
	{ "notices.day_seconds", CT_INT, O(notices.day_seconds), .min = 1, .max = 86400, .def = 86400 },
	{ "limits.lookups_per_day", CT_INT, O(limits.lookups_per_day), .min = 1, .max = 10000, .def = 20 },
	{ "limits.misses_per_hour", CT_INT, O(limits.misses_per_hour), .min = 1, .max = 10000, .def = 5 },
	{ "limits.replies_per_number_per_day", CT_INT, O(limits.replies_per_number_per_day), .min = 1, .max = 10000, .def = 30 },
	{ "limits.same_text_per_day", CT_INT, O(limits.same_text_per_day), .min = 2, .max = 10000, .def = 5 },
	{ "limits.global_misses_per_hour", CT_INT, O(limits.global_misses_per_hour), .min = 1, .max = 1000000, .def = 100 },
	{ "limits.alarm_delay", CT_INT, O(limits.alarm_delay), .min = 0, .max = 3600, .def = 120 },
	{ "audit.retention_days", CT_INT, O(audit.retention_days), .min = 1, .max = 3650, .def = 180 },
	{ "privacy.owner_only", CT_BOOL, O(privacy.owner_only), .min = 0, .max = 1, .def = 0 },
	{ "staff.pin", CT_STR, O(staff.pin), .sdef = NULL },
	{ "staff.max_pin_failures", CT_INT, O(staff.max_pin_failures), .min = 1, .max = 100, .def = 3 },
	{ "staff.confirm_timeout", CT_INT, O(staff.confirm_timeout), .min = 5, .max = 86400, .def = 600 },
	{ "ussd.balance_code", CT_STR, O(ussd.balance_code), .sdef = "*101#" },
	{ "ussd.interval", CT_INT, O(ussd.interval), .min = 0, .max = 30 * 86400, .def = 86400 },
	{ "ussd.balance_regex", CT_STR, O(ussd.balance_regex), .sdef = NULL },
	{ "ussd.low_balance", CT_LONG, O(ussd.low_balance), .min = 0, .max = 100000000, .def = 10000 },
	{ "ussd.timeout", CT_INT, O(ussd.timeout), .min = 5, .max = 90, .def = 30 },
	{ "ussd.check_after_sends", CT_INT, O(ussd.check_after_sends), .min = 0, .max = 100000, .def = 200 },
	{ "ussd.expiry_warn_days", CT_INT, O(ussd.expiry_warn_days), .min = 0, .max = 365, .def = 7 },
	{ "templates.reply", CT_STR, T(reply), .sdef =
	    "Hồ sơ {code}: {status}. Hẹn trả: {due}. Nơi nhận: {office}." },
	{ "templates.reply_owner", CT_STR, T(reply_owner), .sdef =
	    "Hồ sơ {code} ({procedure}): {status}. Hẹn trả: {due}. Nơi nhận: {office}." },
	{ "templates.overdue", CT_STR, T(overdue), .sdef =
	    "{status}, quá hạn {days} ngày" },
	{ "templates.not_found", CT_STR, T(not_found), .sdef =
	    "Không tìm thấy hồ sơ {code}. Vui lòng kiểm tra mã trên giấy biên nhận." },
	{ "templates.not_owner", CT_STR, T(not_owner), .sdef =
	    "Hồ sơ {code} chỉ tra cứu được từ số điện thoại đã đăng ký khi nộp hồ sơ." },
	{ "templates.bad_date", CT_STR, T(bad_date), .sdef =
	    "Mã {code} có ngày không hợp lệ. Vui lòng kiểm tra mã trên giấy biên nhận, VD: {example}." },
	{ "templates.procedure", CT_STR, T(procedure), .sdef =
	    "{code} là mã thủ tục, không phải mã hồ sơ. Mã hồ sơ in trên giấy biên nhận, VD: {example}." },
	{ "templates.bad_syntax", CT_STR, T(bad_syntax), .sdef =
	    "Chưa đúng cú pháp. Soạn mã hồ sơ in trên giấy biên nhận, VD: {example}. Soạn HD để xem hướng dẫn." },
	{ "templates.help", CT_STR, T(help), .sdef =
	    "Tra cứu hồ sơ: soạn mã hồ sơ trên giấy biên nhận, VD: {example}. Soạn TC để ngừng nhận thông báo, DK để nhận lại." },
	{ "templates.too_many", CT_STR, T(too_many), .sdef =
	    "Tin nhắn có {found} mã, chỉ trả lời {max} mã đầu. Vui lòng gửi các mã còn lại riêng." },
	{ "templates.opt_out", CT_STR, T(opt_out), .sdef =
	    "Đã ngừng gửi thông báo đến số này. Tra cứu vẫn hoạt động. Soạn DK để nhận lại thông báo." },
	{ "templates.opt_in", CT_STR, T(opt_in), .sdef =
	    "Đã đăng ký nhận lại thông báo về hồ sơ. Soạn TC để ngừng." },
	{ "templates.rate_limited", CT_STR, T(rate_limited), .sdef =
	    "Số này đã tra cứu quá số lần cho phép. Vui lòng thử lại sau." },
	{ "templates.notice", CT_STR, T(notice), .sdef =
	    "Hồ sơ {code} đã có kết quả. Mời đến nhận tại {office}. Soạn TC để ngừng nhận tin." },
	{ "templates.reminder", CT_STR, T(reminder), .sdef =
	    "Nhắc lần {n}: kết quả hồ sơ {code} đang chờ tại {office}. Soạn TC để ngừng." },
	{ "templates.staff_denied", CT_STR, T(staff_denied), .sdef =
	    "Sai mã PIN hoặc số không được phép." },
	{ "templates.staff_status", CT_STR, T(staff_status), .sdef =
	    "dossierd: hàng đợi {queued}, đã gửi hôm nay {sent}, lỗi {failed}, sóng {signal}, số dư {balance}." },
	{ "templates.staff_balance", CT_STR, T(staff_balance), .sdef =
	    "Số dư SIM: {balance} (cập nhật {age})." },
	{ "templates.staff_unsupported", CT_STR, T(staff_unsupported), .sdef =
	    "Lệnh không được hỗ trợ. Dùng: QT <PIN> SD | TT | TB <danh sách> <nội dung> | OK <số> | HUY <số>." },
	{ "templates.staff_broadcast_count", CT_STR, T(staff_broadcast_count), .sdef =
	    "TB #{id}: {recipients} người nhận, {parts} SMS mỗi tin, tổng {cost} SMS."
	    " Soạn QT <PIN> OK {id} trong 10 phút để gửi, QT <PIN> HUY {id} để hủy." },
	{ "templates.staff_broadcast_started", CT_STR, T(staff_broadcast_started), .sdef =
	    "TB #{id}: bắt đầu gửi tới {recipients} người." },
	{ "templates.staff_broadcast_cancelled", CT_STR, T(staff_broadcast_cancelled), .sdef =
	    "TB #{id}: đã hủy, {unsent} tin không gửi, {sent} tin đã gửi." },
	{ "templates.staff_broadcast_refused", CT_STR, T(staff_broadcast_refused), .sdef =
	    "TB: {reason}." },
	{ "templates.staff_lockout_alert", CT_STR, T(staff_lockout_alert), .sdef =
	    "Cảnh báo: số {number} nhập sai mã PIN {failures} lần hôm nay, đã bị khóa đến hết ngày." },
	{ "templates.staff_guessing_alert", CT_STR, T(staff_guessing_alert), .sdef =
	    "Cảnh báo dossierd: {misses} lần tra cứu mã không có trong 1 giờ qua, từ {numbers} số. Có thể đang dò mã hồ sơ; trả lời tra cứu được làm chậm {delay} giây." },
	{ "templates.low_balance_alert", CT_STR, T(low_balance_alert), .sdef =
	    "Cảnh báo dossierd: số dư SIM {modem} còn {balance}, dưới mức {low}. Cần nạp thêm để tiếp tục trả lời tin nhắn." },
	{ "templates.expiry_alert", CT_STR, T(expiry_alert), .sdef =
	    "Cảnh báo dossierd: SIM {modem} hết hạn sử dụng ngày {validity} (còn {days} ngày). Cần nạp thẻ để giữ số." },
};

#undef O
#undef T

/* Which placeholders each template may use. */
static const struct {
	const char	*key;
	const char	*vars[8];
} template_vars[] = {
	{ "templates.reply", { "code", "status", "due", "office", "received" } },
	{ "templates.reply_owner", { "code", "status", "due", "office", "received", "procedure" } },
	{ "templates.overdue", { "status", "days" } },
	{ "templates.not_found", { "code", "example" } },
	{ "templates.not_owner", { "code" } },
	{ "templates.staff_balance", { "balance", "age" } },
	{ "templates.bad_date", { "code", "example" } },
	{ "templates.procedure", { "code", "example" } },
	{ "templates.bad_syntax", { "example" } },
	{ "templates.help", { "example" } },
	{ "templates.too_many", { "max", "found" } },
	{ "templates.notice", { "code", "status", "office", "procedure", "due" } },
	{ "templates.reminder", { "code", "status", "office", "procedure", "due", "n" } },
	{ "templates.opt_out", { NULL } },
	{ "templates.opt_in", { NULL } },
	{ "templates.rate_limited", { NULL } },
	{ "templates.staff_denied", { NULL } },
	{ "templates.staff_unsupported", { NULL } },
	{ "templates.staff_status", { "queued", "sent", "failed", "signal", "balance" } },
	{ "templates.staff_broadcast_count", { "id", "recipients", "parts", "cost" } },
	{ "templates.staff_broadcast_started", { "id", "recipients" } },
	{ "templates.staff_broadcast_cancelled", { "id", "unsent", "sent" } },
	{ "templates.staff_broadcast_refused", { "reason" } },
	{ "templates.staff_lockout_alert", { "number", "failures" } },
	{ "templates.staff_guessing_alert", { "misses", "numbers", "delay" } },
	{ "templates.low_balance_alert", { "balance", "low", "modem" } },
	{ "templates.expiry_alert", { "validity", "days", "modem" } },
};

static const struct conf_key modem_keys[] = {
	{ "name", CT_STR, offsetof(struct conf_modem, name), .sdef = NULL },
	{ "device", CT_STR, offsetof(struct conf_modem, device), .sdef = "/dev/ttyUSB0" },
	{ "connection", CT_STR, offsetof(struct conf_modem, connection), .sdef = "at" },
	{ "model", CT_STR, offsetof(struct conf_modem, model), .sdef = "" },
	{ "pin", CT_STR, offsetof(struct conf_modem, pin), .sdef = NULL },
	{ "features", CT_STR, offsetof(struct conf_modem, features), .sdef = NULL },
	{ "poll_interval", CT_INT, offsetof(struct conf_modem, poll_interval), .min = 1, .max = 3600, .def = 30 },
	{ "send_timeout", CT_INT, offsetof(struct conf_modem, send_timeout), .min = 5, .max = 100, .def = 60 },
	{ "status_interval", CT_INT, offsetof(struct conf_modem, status_interval), .min = 10, .max = 86400, .def = 300 },
	{ "step_timeout", CT_INT, offsetof(struct conf_modem, step_timeout), .min = 5, .max = 100, .def = 30 },
	{ "stop_grace", CT_INT, offsetof(struct conf_modem, stop_grace), .min = 1, .max = 60, .def = 10 },
	{ "reply_same_modem", CT_BOOL, offsetof(struct conf_modem, reply_same_modem), .min = 0, .max = 1, .def = 1 },
	{ "per_minute", CT_INT, offsetof(struct conf_modem, per_minute), .min = 0, .max = 6000, .def = 0 },
	{ "per_day", CT_INT, offsetof(struct conf_modem, per_day), .min = 0, .max = 1000000, .def = 0 },
	{ "direct_send", CT_BOOL, offsetof(struct conf_modem, direct_send), .min = 0, .max = 1, .def = 1 },
	{ "direct_delete", CT_BOOL, offsetof(struct conf_modem, direct_delete), .min = 0, .max = 1, .def = 1 },
};

static const char *const status_fields[] = { "code", "text", "notice", "final", "done" };
static const char *const office_fields[] = { "match", "notice", "reminder" };
static const char *const notice_vars[] = { "code", "status", "office", "procedure", "due", "n" };

/* National status codes (Cổng dịch vụ công quốc gia), defaults. */
static const struct conf_status default_statuses[CONF_NSTATUS + 1] = {
	[1] = { "Mới đăng ký, chờ tiếp nhận", false, false, false },
	[2] = { "Đã tiếp nhận", false, false, false },
	[3] = { "Không được tiếp nhận", false, false, true },
	[4] = { "Đang xử lý", false, false, false },
	[5] = { "Cần bổ sung hồ sơ", false, false, false },
	[6] = { "Chờ thực hiện nghĩa vụ tài chính", false, false, false },
	[7] = { "Đã rút hồ sơ theo yêu cầu", false, false, true },
	[8] = { "Dừng xử lý", false, false, true },
	[9] = { "Đã có kết quả, mời đến nhận", true, false, true },
	[10] = { "Đã trả kết quả", false, true, true },
};

/* Report "FILE:LINE: fmt a" for setting s (class DZ_EUSAGE); returns -1. */
static int
error_at(const config_setting_t *s, const struct conf *c, struct dz_err *err,
    const char *fmt, const char *a)
{
	const char *f = config_setting_source_file(s);

	return dz_err_set(err, DZ_EUSAGE, "%s:%u: %s%s", f ? f : c->file,
	    config_setting_source_line(s), fmt, a ? a : "");
}

static int
parse_window(const char *v, int *start, int *end)
{
	int h1, m1, h2, m2;
	char tail;

	if (sscanf(v, "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &tail) != 4)
		return -1;
	if (h1 < 0 || h1 > 24 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 ||
	    m2 < 0 || m2 > 59 || h1 * 60 + m1 > 1440 || h2 * 60 + m2 > 1440)
		return -1;
	*start = h1 * 60 + m1;
	*end = h2 * 60 + m2;
	return 0;
}

static int
set_default(const struct conf_key *k, char *base)
{
	switch (k->type) {
	case CT_INT:
	case CT_BOOL:
		if (k->type == CT_BOOL)
			*(bool *)(base + k->off) = k->def != 0;
		else
			*(int *)(base + k->off) = (int)k->def;
		break;
	case CT_LONG:
		*(long *)(base + k->off) = k->def;
		break;
	case CT_STR:
		*(const char **)(base + k->off) = k->sdef;
		break;
	case CT_CHARSET:
		*(enum text_charset *)(base + k->off) = TEXT_ASCII;
		break;
	case CT_WINDOW:
		return parse_window(k->sdef, (int *)(base + k->off),
		    (int *)(base + k->off) + 1);
	case CT_LEVEL:
		*(int *)(base + k->off) = 1;
		break;
	}
	return 0;
}

static int
apply_key(const struct conf_key *k, const config_setting_t *s, char *base,
    const struct conf *c, struct dz_err *err)
{
	long long v;
	const char *str;
	char msg[160];

	switch (k->type) {
	case CT_INT:
	case CT_LONG:
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64)
			return error_at(s, c, err, "expected an integer for ", k->path);
		v = config_setting_get_int64(s);
		if (v < k->min || v > k->max) {
			snprintf(msg, sizeof(msg), "%s = %lld is out of range %ld..%ld",
			    k->path, v, k->min, k->max);
			return error_at(s, c, err, msg, NULL);
		}
		if (k->type == CT_INT)
			*(int *)(base + k->off) = (int)v;
		else
			*(long *)(base + k->off) = (long)v;
		return 0;
	case CT_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return error_at(s, c, err, "expected true or false for ", k->path);
		*(bool *)(base + k->off) = config_setting_get_bool(s);
		return 0;
	default:
		break;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return error_at(s, c, err, "expected a string for ", k->path);
	str = config_setting_get_string(s);
	switch (k->type) {
	case CT_STR:
		*(const char **)(base + k->off) = str;
		return 0;
	case CT_CHARSET:
		if (strcmp(str, "ascii") == 0)
			*(enum text_charset *)(base + k->off) = TEXT_ASCII;
		else if (strcmp(str, "unicode") == 0)
			*(enum text_charset *)(base + k->off) = TEXT_UNICODE;
		else if (strcmp(str, "auto") == 0)
			*(enum text_charset *)(base + k->off) = TEXT_AUTO;
		else
			return error_at(s, c, err, "sms.charset must be \"ascii\", "
			    "\"unicode\" or \"auto\", not ", str);
		return 0;
	case CT_WINDOW:
		if (parse_window(str, (int *)(base + k->off),
		    (int *)(base + k->off) + 1) == -1)
			return error_at(s, c, err, "expected a window like "
			    "\"07:30-21:00\", not ", str);
		return 0;
	case CT_LEVEL:
		if (strcmp(str, "warning") == 0)
			*(int *)(base + k->off) = 0;
		else if (strcmp(str, "info") == 0)
			*(int *)(base + k->off) = 1;
		else if (strcmp(str, "debug") == 0)
			*(int *)(base + k->off) = 2;
		else
			return error_at(s, c, err, "log.level must be \"warning\", "
			    "\"info\" or \"debug\", not ", str);
		return 0;
	default:
		return -1;
	}
}

static const struct conf_key *
find_key(const struct conf_key *tab, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].path, path) == 0)
			return &tab[i];
	return NULL;
}

/*
 * modems.prefixes = [ "086", "+8496", ... ]: number prefixes in any usual
 * form, kept as ",+8486,+8496," (the form numbers are normalised to).
 */
static int
load_prefixes(struct conf *c, struct conf_modem *m, config_setting_t *a,
    struct dz_err *err)
{
	config_setting_t *e;
	const char *v;
	char digits[32];
	size_t len, n;
	int i;

	if (!config_setting_is_array(a) && !config_setting_is_list(a))
		return error_at(a, c, err, "modems.prefixes must be an array "
		    "[ \"086\", \"+8496\", ... ]", NULL);
	snprintf(m->prefixes, sizeof(m->prefixes), ",");
	for (i = 0; (e = config_setting_get_elem(a, (unsigned)i)) != NULL; i++) {
		if ((v = config_setting_get_string(e)) == NULL)
			return error_at(e, c, err, "modems.prefixes entries must "
			    "be strings of digits", NULL);
		for (n = 0; *v != '\0' && n < sizeof(digits) - 1; v++)
			if (*v >= '0' && *v <= '9')
				digits[n++] = *v;
			else if (*v != '+' && *v != ' ' && *v != '.')
				return error_at(e, c, err, "modems.prefixes entries "
				    "must be digits (\"086\" or \"+8486\")", NULL);
		digits[n] = '\0';
		if (n < 2)
			return error_at(e, c, err, "modems.prefixes entries need "
			    "at least two digits", NULL);
		len = strlen(m->prefixes);
		if (snprintf(m->prefixes + len, sizeof(m->prefixes) - len, "+%s%s,",
		    digits[0] == '0' ? "84" : "", digits[0] == '0' ? digits + 1 :
		    digits) >= (int)(sizeof(m->prefixes) - len))
			return error_at(e, c, err, "too many modems.prefixes", NULL);
	}
	return 0;
}

static int
load_modem(struct conf *c, config_setting_t *g, int idx, struct dz_err *err)
{
	struct conf_modem *m = &c->modems[idx];
	const struct conf_key *k;
	config_setting_t *s;
	unsigned int i;
	char msg[64];

	if (!config_setting_is_group(g))
		return error_at(g, c, err, "each modems entry must be a group { ... }", NULL);
	for (i = 0; i < nitems(modem_keys); i++)
		set_default(&modem_keys[i], (char *)m);
	m->prefixes[0] = '\0';
	m->reports_stored = false;
	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		if (strcmp(config_setting_name(s), "prefixes") == 0) {
			if (load_prefixes(c, m, s, err) == -1)
				return -1;
			continue;
		}
		if (strcmp(config_setting_name(s), "status_reports") == 0) {
			const char *v = config_setting_get_string(s);

			if (v == NULL || (strcmp(v, "direct") != 0 &&
			    strcmp(v, "stored") != 0))
				return error_at(s, c, err, "modems.status_reports "
				    "must be \"direct\" or \"stored\"", NULL);
			m->reports_stored = strcmp(v, "stored") == 0;
			continue;
		}
		k = find_key(modem_keys, nitems(modem_keys), config_setting_name(s));
		if (k == NULL)
			return error_at(s, c, err, "unknown key modems.",
			    config_setting_name(s));
		if (apply_key(k, s, (char *)m, c, err) == -1)
			return -1;
	}
	if (m->name == NULL) {
		snprintf(msg, sizeof(msg), "modem%d", idx + 1);
		s = config_setting_add(g, "name", CONFIG_TYPE_STRING);
		config_setting_set_string(s, msg);
		m->name = config_setting_get_string(s);
	}
	if (m->pin != NULL && (strlen(m->pin) < 4 || strlen(m->pin) > 8 ||
	    strspn(m->pin, "0123456789") != strlen(m->pin)))
		return error_at(config_setting_get_member(g, "pin"), c, err,
		    "modems.pin must be 4 to 8 digits", NULL);
	return 0;
}

static int
load_modems(struct conf *c, config_setting_t *list, struct dz_err *err)
{
	int i, n;

	if (!config_setting_is_list(list) && !config_setting_is_array(list))
		return error_at(list, c, err, "modems must be a list ( { ... }, ... )", NULL);
	n = config_setting_length(list);
	if (n < 1 || n > CONF_MAX_MODEMS)
		return error_at(list, c, err, "modems needs 1 to 8 entries", NULL);
	for (i = 0; i < n; i++)
		if (load_modem(c, config_setting_get_elem(list, i), i, err) == -1)
			return -1;
	c->nmodems = n;
	return 0;
}

static int
load_status(struct conf *c, config_setting_t *g, struct dz_err *err)
{
	config_setting_t *s;
	struct conf_status *st;
	int code, b;
	unsigned int i, j;

	if (!config_setting_is_group(g) || !config_setting_lookup_int(g, "code", &code))
		return error_at(g, c, err, "each statuses entry needs code = 1..10", NULL);
	if (code < 1 || code > CONF_NSTATUS)
		return error_at(g, c, err, "statuses code must be 1..10", NULL);
	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		for (j = 0; j < nitems(status_fields); j++)
			if (strcmp(config_setting_name(s), status_fields[j]) == 0)
				break;
		if (j == nitems(status_fields))
			return error_at(s, c, err, "unknown key statuses.",
			    config_setting_name(s));
	}
	st = &c->statuses[code];
	if ((s = config_setting_get_member(g, "text")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return error_at(s, c, err, "statuses text must be a string", NULL);
		st->text = config_setting_get_string(s);
	}
	for (j = 2; j < nitems(status_fields); j++) {
		if ((s = config_setting_get_member(g, status_fields[j])) == NULL)
			continue;
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return error_at(s, c, err, "expected true or false for statuses.",
			    status_fields[j]);
		b = config_setting_get_bool(s);
		if (j == 2)
			st->notice = b;
		else if (j == 3)
			st->final = b;
		else
			st->done = b;
	}
	return 0;
}

static int
load_int_array(struct conf *c, config_setting_t *a, int *out, int max,
    int lo, int hi, struct dz_err *err)
{
	config_setting_t *e;
	int i, n = config_setting_length(a);

	if (!config_setting_is_array(a) && !config_setting_is_list(a))
		return error_at(a, c, err, "expected an array [ ... ] for ",
		    config_setting_name(a));
	if (n > max)
		return error_at(a, c, err, "too many entries in ", config_setting_name(a));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(a, i);
		if (config_setting_type(e) != CONFIG_TYPE_INT ||
		    config_setting_get_int(e) < lo || config_setting_get_int(e) > hi)
			return error_at(e, c, err, "out-of-range entry in ",
			    config_setting_name(a));
		out[i] = config_setting_get_int(e);
		if (i > 0 && out[i] <= out[i - 1])
			return error_at(e, c, err, "entries must increase in ",
			    config_setting_name(a));
	}
	return n;
}

static int
load_staff_numbers(struct conf *c, config_setting_t *a, struct dz_err *err)
{
	config_setting_t *e;
	int i, n = config_setting_length(a);

	if (!config_setting_is_array(a) && !config_setting_is_list(a))
		return error_at(a, c, err, "staff.numbers must be an array [ \"...\" ]", NULL);
	if (n > CONF_MAX_STAFF)
		return error_at(a, c, err, "too many staff.numbers", NULL);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(a, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return error_at(e, c, err, "staff.numbers entries must be strings", NULL);
		if (phone_normalize(config_setting_get_string(e), c->staff.numbers[i],
		    sizeof(c->staff.numbers[i])) != PHONE_VN_MOBILE &&
		    c->staff.numbers[i][0] != '+')
			return error_at(e, c, err, "not a mobile number in staff.numbers: ",
			    config_setting_get_string(e));
	}
	c->staff.nnumbers = n;
	return 0;
}

static int
load_audiences(struct conf *c, config_setting_t *g, struct dz_err *err)
{
	config_setting_t *e;
	int i, n = config_setting_length(g);

	if (!config_setting_is_group(g))
		return error_at(g, c, err, "records.audiences must be a group { name = \"SQL\"; }", NULL);
	if (n > CONF_MAX_AUDIENCES)
		return error_at(g, c, err, "too many records.audiences", NULL);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(g, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return error_at(e, c, err, "audience SQL must be a string: ",
			    config_setting_name(e));
		c->records.audiences[i].name = config_setting_name(e);
		c->records.audiences[i].sql = config_setting_get_string(e);
	}
	c->records.naudiences = n;
	return 0;
}

static int
load_office(struct conf *c, config_setting_t *g, struct dz_err *err)
{
	struct conf_office *o = &c->offices[c->noffices];
	config_setting_t *s;
	struct dz_err terr;
	unsigned int i, j;

	if (!config_setting_is_group(g))
		return error_at(g, c, err, "each offices entry must be a group { match = ...; }", NULL);
	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		for (j = 0; j < nitems(office_fields); j++)
			if (strcmp(config_setting_name(s), office_fields[j]) == 0)
				break;
		if (j == nitems(office_fields))
			return error_at(s, c, err, "unknown key offices.",
			    config_setting_name(s));
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return error_at(s, c, err, "expected a string for offices.",
			    config_setting_name(s));
		if (j > 0 && template_check(config_setting_get_string(s),
		    notice_vars, nitems(notice_vars), &terr) == -1)
			return error_at(s, c, err, terr.msg, NULL);
	}
	memset(o, 0, sizeof(*o));
	config_setting_lookup_string(g, "match", &o->match);
	config_setting_lookup_string(g, "notice", &o->notice);
	config_setting_lookup_string(g, "reminder", &o->reminder);
	if (o->match == NULL || *o->match == '\0')
		return error_at(g, c, err, "offices entry needs match = \"...\"", NULL);
	c->noffices++;
	return 0;
}

/* Special keys whose value is not a plain scalar of the key table. */
static int
load_special(struct conf *c, const char *path, config_setting_t *s,
    struct dz_err *err)
{
	int i, n;

	if (strcmp(path, "modems") == 0)
		return load_modems(c, s, err);
	if (strcmp(path, "records.audiences") == 0)
		return load_audiences(c, s, err);
	if (strcmp(path, "staff.numbers") == 0)
		return load_staff_numbers(c, s, err);
	if (strcmp(path, "notices.reminder_days") == 0) {
		n = load_int_array(c, s, c->notices.reminder_days,
		    CONF_MAX_REMINDERS, 1, 365, err);
		if (n < 0)
			return -1;
		c->notices.nreminders = n;
		return 0;
	}
	if (strcmp(path, "offices") == 0) {
		if (!config_setting_is_list(s))
			return error_at(s, c, err, "offices must be a list ( { match = ...; } )", NULL);
		if (config_setting_length(s) > CONF_MAX_OFFICES)
			return error_at(s, c, err, "too many offices", NULL);
		for (i = 0; i < config_setting_length(s); i++)
			if (load_office(c, config_setting_get_elem(s, i), err) == -1)
				return -1;
		return 0;
	}
	if (strcmp(path, "statuses") == 0) {
		if (!config_setting_is_list(s))
			return error_at(s, c, err, "statuses must be a list ( { code = N; ... } )", NULL);
		for (i = 0; i < config_setting_length(s); i++)
			if (load_status(c, config_setting_get_elem(s, i), err) == -1)
				return -1;
		return 0;
	}
	return 1;	/* not special */
}

static bool
is_group_name(const char *name)
{
	static const char *const groups[] = { "records", "state", "log",
	    "templates", "sms", "notices", "limits", "privacy", "staff", "ussd",
	    "audit" };
	size_t i;

	for (i = 0; i < nitems(groups); i++)
		if (strcmp(groups[i], name) == 0)
			return true;
	return false;
}

/* Walk every setting: known keys applied, groups descended, the rest rejected. */
static int
walk(struct conf *c, config_setting_t *g, const char *prefix, struct dz_err *err)
{
	config_setting_t *s;
	const struct conf_key *k;
	char path[128];
	unsigned int i;
	int r;

	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
		    config_setting_name(s));
		if ((r = load_special(c, path, s, err)) <= 0) {
			if (r == -1)
				return -1;
			continue;
		}
		if ((k = find_key(keys, nitems(keys), path)) != NULL) {
			if (apply_key(k, s, (char *)c, c, err) == -1)
				return -1;
			continue;
		}
		if (config_setting_is_group(s) && *prefix == '\0' &&
		    strchr(path, '.') == NULL && is_group_name(path)) {
			if (walk(c, s, path, err) == -1)
				return -1;
			continue;
		}
		return error_at(s, c, err, "unknown key ", path);
	}
	return 0;
}

/* Report a problem with the key at path as FILE:LINE when the file sets it. */
static int
key_error(struct conf *c, const char *path, struct dz_err *err, const char *msg)
{
	config_setting_t *s = config_lookup(&c->cfg, path);

	if (s != NULL)
		return error_at(s, c, err, msg, NULL);
	return dz_err_set(err, DZ_EUSAGE, "%s: %s", c->file, msg);
}

static int
validate(struct conf *c, struct dz_err *err)
{
	const struct conf_key *k;
	const char *tpl;
	struct dz_err terr;
	char msg[400];
	regex_t re;
	size_t i, n;

	for (i = 0; i < nitems(template_vars); i++) {
		k = find_key(keys, nitems(keys), template_vars[i].key);
		tpl = *(const char **)((char *)c + k->off);
		for (n = 0; n < nitems(template_vars[i].vars) &&
		    template_vars[i].vars[n] != NULL; n++)
			;
		if (template_check(tpl, template_vars[i].vars, n, &terr) == -1) {
			snprintf(msg, sizeof(msg), "%s: %s", k->path, terr.msg);
			return key_error(c, k->path, err, msg);
		}
	}
	for (i = 0; i < nitems(keys); i++) {
		if (keys[i].type != CT_STR || keys[i].sdef == NULL)
			continue;
		tpl = *(const char **)((char *)c + keys[i].off);
		if (tpl == NULL || *tpl == '\0') {
			snprintf(msg, sizeof(msg), "%s must not be empty", keys[i].path);
			return key_error(c, keys[i].path, err, msg);
		}
	}
	if (c->ussd.balance_regex == NULL)
		c->ussd.balance_regex = "";	/* the built-in reading */
	else if (*c->ussd.balance_regex == '\0' ||
	    regcomp(&re, c->ussd.balance_regex, REG_EXTENDED) != 0)
		return key_error(c, "ussd.balance_regex", err, "ussd.balance_regex "
		    "is not a valid extended regular expression");
	else
		regfree(&re);
	if (c->sms.retry_max < c->sms.retry_initial)
		return key_error(c, "sms.retry_max", err,
		    "sms.retry_max is below sms.retry_initial");
	if (c->staff.nnumbers > 0 && (c->staff.pin == NULL ||
	    strlen(c->staff.pin) < 4))
		return key_error(c, "staff.numbers", err, "staff.numbers needs "
		    "staff.pin (at least 4 characters)");
	if (c->nmodems == 0)
		return dz_err_set(err, DZ_EUSAGE, "%s: no modems configured", c->file);
	return 0;
}

/*
 * One file, no @include: libconfig 1.5 ends the whole process (exit 2) on an
 * @include of a directory, which would take a running daemon down at a
 * reload. The line that has one is refused before libconfig reads the file.
 * 1 if found (err set), 0 if not, or if the file cannot be read (then
 * libconfig reports it).
 */
static int
refuse_include(const char *path, struct dz_err *err)
{
	char line[1024];
	const char *p;
	FILE *f;
	int n = 0, found = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		n++;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (strncmp(p, "@include", 8) == 0)
			found = 1;
	}
	fclose(f);
	if (found)
		dz_err_set(err, DZ_EUSAGE, "%s:%d: @include is not supported: "
		    "keep the whole configuration in this one file", path, n);
	return found;
}

int
conf_load(const char *path, struct conf *c, struct dz_err *err)
{
	static const int default_reminders[] = { 3, 7 };
	size_t i;

	memset(c, 0, sizeof(*c));
	snprintf(c->file, sizeof(c->file), "%s", path);
	if (refuse_include(path, err))
		return -1;
	config_init(&c->cfg);
	if (!config_read_file(&c->cfg, path)) {
		if (config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO)
			dz_err_set(err, DZ_EUSAGE, "%s: cannot read file", path);
		else
			dz_err_set(err, DZ_EUSAGE, "%s:%d: %s", config_error_file(&c->cfg) ?
			    config_error_file(&c->cfg) : path,
			    config_error_line(&c->cfg), config_error_text(&c->cfg));
		config_destroy(&c->cfg);
		return -1;
	}
	for (i = 0; i < nitems(keys); i++)
		set_default(&keys[i], (char *)c);
	memcpy(c->statuses, default_statuses, sizeof(c->statuses));
	c->notices.nreminders = (int)nitems(default_reminders);
	memcpy(c->notices.reminder_days, default_reminders, sizeof(default_reminders));
	if (walk(c, config_root_setting(&c->cfg), "", err) == -1 ||
	    validate(c, err) == -1) {
		config_destroy(&c->cfg);
		return -1;
	}
	return 0;
}

void
conf_fini(struct conf *c)
{
	config_destroy(&c->cfg);
}

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* Append "what" to the list in buf (", " between). */
static void
add_key(char *buf, size_t bufsz, const char *what)
{
	size_t len = strlen(buf);

	snprintf(buf + len, bufsz - len, "%s%s", len ? ", " : "", what);
}

const char *
conf_needs_restart(const struct conf *o, const struct conf *n, char *buf,
    size_t bufsz)
{
	static const char *const fields[] = { "name", "device", "connection",
	    "model", "pin", "features" };
	const char *a[nitems(fields)], *b[nitems(fields)];
	char key[96];
	size_t f;
	int i;

	buf[0] = '\0';
	if (str_differs(o->state.path, n->state.path))
		add_key(buf, bufsz, "state.path");
	if (o->nmodems != n->nmodems)
		add_key(buf, bufsz, "the number of modems");
	for (i = 0; i < o->nmodems && i < n->nmodems; i++) {
		a[0] = o->modems[i].name, b[0] = n->modems[i].name;
		a[1] = o->modems[i].device, b[1] = n->modems[i].device;
		a[2] = o->modems[i].connection, b[2] = n->modems[i].connection;
		a[3] = o->modems[i].model, b[3] = n->modems[i].model;
		a[4] = o->modems[i].pin, b[4] = n->modems[i].pin;
		a[5] = o->modems[i].features, b[5] = n->modems[i].features;
		for (f = 0; f < nitems(fields); f++) {
			if (!str_differs(a[f], b[f]))
				continue;
			snprintf(key, sizeof(key), "modems[%d].%s", i, fields[f]);
			add_key(buf, bufsz, key);
		}
	}
	return buf[0] != '\0' ? buf : NULL;
}
