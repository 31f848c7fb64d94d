/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/phone.c: VN numbers, legacy prefixes, short codes, senders. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "phone.h"

static const struct {
	const char	*in;
	enum phone_kind	 kind;
	const char	*want;
} cases[] = {
	/* Today's mobile numbers, every prefix style. */
	{ "0912345678", PHONE_VN_MOBILE, "+84912345678" },
	{ "+84912345678", PHONE_VN_MOBILE, "+84912345678" },
	{ "84912345678", PHONE_VN_MOBILE, "+84912345678" },
	{ "0084912345678", PHONE_VN_MOBILE, "+84912345678" },
	{ "840912345678", PHONE_VN_MOBILE, "+84912345678" },
	{ "912345678", PHONE_VN_MOBILE, "+84912345678" },
	{ "841234567", PHONE_VN_MOBILE, "+84841234567" },	/* bare 084 */
	{ "0841234567", PHONE_VN_MOBILE, "+84841234567" },
	{ " 0912 345 678 ", PHONE_VN_MOBILE, "+84912345678" },
	{ "0912.345.678", PHONE_VN_MOBILE, "+84912345678" },
	{ "0912-345-678", PHONE_VN_MOBILE, "+84912345678" },
	{ "(+84) 912 345 678", PHONE_VN_MOBILE, "+84912345678" },
	{ "+84 (0) 912 345 678", PHONE_VN_MOBILE, "+84912345678" },
	{ "+84-912-345-678", PHONE_VN_MOBILE, "+84912345678" },
	{ "0912\xC2\xA0" "345\xC2\xA0" "678", PHONE_VN_MOBILE, "+84912345678" },
	{ "0321234567", PHONE_VN_MOBILE, "+84321234567" },
	{ "0561234567", PHONE_VN_MOBILE, "+84561234567" },
	{ "0701234567", PHONE_VN_MOBILE, "+84701234567" },
	{ "0861234567", PHONE_VN_MOBILE, "+84861234567" },
	/* Legacy 11-digit mobile prefixes, 2018 renumbering. */
	{ "01621234567", PHONE_VN_MOBILE, "+84321234567" },
	{ "01631234567", PHONE_VN_MOBILE, "+84331234567" },
	{ "01641234567", PHONE_VN_MOBILE, "+84341234567" },
	{ "01651234567", PHONE_VN_MOBILE, "+84351234567" },
	{ "01661234567", PHONE_VN_MOBILE, "+84361234567" },
	{ "01671234567", PHONE_VN_MOBILE, "+84371234567" },
	{ "01681234567", PHONE_VN_MOBILE, "+84381234567" },
	{ "01691234567", PHONE_VN_MOBILE, "+84391234567" },
	{ "01201234567", PHONE_VN_MOBILE, "+84701234567" },
	{ "01211234567", PHONE_VN_MOBILE, "+84791234567" },
	{ "01221234567", PHONE_VN_MOBILE, "+84771234567" },
	{ "01261234567", PHONE_VN_MOBILE, "+84761234567" },
	{ "01281234567", PHONE_VN_MOBILE, "+84781234567" },
	{ "01231234567", PHONE_VN_MOBILE, "+84831234567" },
	{ "01241234567", PHONE_VN_MOBILE, "+84841234567" },
	{ "01251234567", PHONE_VN_MOBILE, "+84851234567" },
	{ "01271234567", PHONE_VN_MOBILE, "+84811234567" },
	{ "01291234567", PHONE_VN_MOBILE, "+84821234567" },
	{ "01861234567", PHONE_VN_MOBILE, "+84561234567" },
	{ "01881234567", PHONE_VN_MOBILE, "+84581234567" },
	{ "01991234567", PHONE_VN_MOBILE, "+84591234567" },
	{ "+841621234567", PHONE_VN_MOBILE, "+84321234567" },
	{ "841621234567", PHONE_VN_MOBILE, "+84321234567" },
	{ "00841991234567", PHONE_VN_MOBILE, "+84591234567" },
	{ "1621234567", PHONE_VN_MOBILE, "+84321234567" },
	{ "0162 123 4567", PHONE_VN_MOBILE, "+84321234567" },
	{ "01301234567", PHONE_INVALID, "" },		/* never allocated */
	{ "01621234", PHONE_INVALID, "" },
	/* Landlines: 02x + 8 digits. */
	{ "02438251234", PHONE_VN_FIXED, "+842438251234" },
	{ "(024) 3825 1234", PHONE_VN_FIXED, "+842438251234" },
	{ "+842838123456", PHONE_VN_FIXED, "+842838123456" },
	{ "842838123456", PHONE_VN_FIXED, "+842838123456" },
	{ "0236.3822.123", PHONE_VN_FIXED, "+842363822123" },
	{ "0243825123", PHONE_INVALID, "" },		/* 9 digits after 02 */
	/* Short codes and service numbers. */
	{ "191", PHONE_SHORTCODE, "191" },
	{ "8088", PHONE_SHORTCODE, "8088" },
	{ "9029", PHONE_SHORTCODE, "9029" },
	{ "123456", PHONE_SHORTCODE, "123456" },
	{ "19001234", PHONE_SHORTCODE, "19001234" },
	{ "1900 1234", PHONE_SHORTCODE, "19001234" },
	{ "1900.123.456", PHONE_SHORTCODE, "1900123456" },
	{ "18001091", PHONE_SHORTCODE, "18001091" },
	{ "1800 599 920", PHONE_SHORTCODE, "1800599920" },
	/* Alphanumeric senders. */
	{ "VIETTEL", PHONE_ALPHANUMERIC, "VIETTEL" },
	{ "MobiFone", PHONE_ALPHANUMERIC, "MobiFone" },
	{ " Agribank ", PHONE_ALPHANUMERIC, "Agribank" },
	{ "VNPT-HN", PHONE_ALPHANUMERIC, "VNPT-HN" },
	{ "Điện lực", PHONE_ALPHANUMERIC, "Điện lực" },
	{ "Shop123", PHONE_ALPHANUMERIC, "Shop123" },
	/* Foreign numbers. */
	{ "+14155552671", PHONE_FOREIGN, "+14155552671" },
	{ "+44 20 7946 0958", PHONE_FOREIGN, "+442079460958" },
	{ "0014155552671", PHONE_FOREIGN, "+14155552671" },
	{ "+8613812345678", PHONE_FOREIGN, "+8613812345678" },
	{ "+6512345678", PHONE_FOREIGN, "+6512345678" },
	{ "+1234567", PHONE_INVALID, "" },		/* 7 digits */
	{ "+1234567890123456", PHONE_INVALID, "" },	/* 16 digits */
	{ "+0912345678", PHONE_INVALID, "" },
	{ "+84", PHONE_INVALID, "" },
	{ "+8412345678", PHONE_INVALID, "" },
	{ "+84123456789", PHONE_INVALID, "" },		/* 01x without legacy */
	/* Junk. */
	{ "", PHONE_INVALID, "" },
	{ "   ", PHONE_INVALID, "" },
	{ "+", PHONE_INVALID, "" },
	{ "--", PHONE_INVALID, "" },
	{ "12", PHONE_INVALID, "" },
	{ "0912345", PHONE_INVALID, "" },
	{ "09123456789", PHONE_INVALID, "" },
	{ "0612345678", PHONE_INVALID, "" },
	{ "0412345678", PHONE_INVALID, "" },
	{ "*101#", PHONE_INVALID, "" },
	{ "0912345678, 0987654321", PHONE_INVALID, "" },
	{ "++84912345678", PHONE_INVALID, "" },
	{ "12345678901234567890123", PHONE_INVALID, "" },
};

static const struct {
	const char	*in;
	const char	*want;
} masks[] = {
	{ "+84912344567", "...4567" },
	{ "0912 345 678", "...5678" },
	{ "191", "...191" },
	{ "VIETTEL", "..." },
	{ "", "..." },
};

int
main(void)
{
	char out[PHONE_BUFSZ], small[6];
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		memset(out, 'x', sizeof(out));
		CHECK_INT(phone_normalize(cases[i].in, out, sizeof(out)),
		    cases[i].kind);
		CHECK_STR(out, cases[i].want);
	}
	CHECK_INT(phone_normalize(NULL, out, sizeof(out)), PHONE_INVALID);

	CHECK(phone_kind_is_replyable(PHONE_VN_MOBILE));
	CHECK(phone_kind_is_replyable(PHONE_FOREIGN));
	CHECK(!phone_kind_is_replyable(PHONE_VN_FIXED));
	CHECK(!phone_kind_is_replyable(PHONE_SHORTCODE));
	CHECK(!phone_kind_is_replyable(PHONE_ALPHANUMERIC));
	CHECK(!phone_kind_is_replyable(PHONE_INVALID));

	for (i = 0; i < nitems(masks); i++)
		CHECK_STR(phone_mask(masks[i].in, out, sizeof(out)),
		    masks[i].want);
	CHECK_STR(phone_mask(NULL, out, sizeof(out)), "...");
	CHECK_STR(phone_mask("+84912344567", small, sizeof(small)), "...45");
	CHECK_DONE();
}
