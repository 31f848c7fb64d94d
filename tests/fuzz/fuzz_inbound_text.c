/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: everything a citizen's SMS text goes through before any database. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "command.h"
#include "phone.h"
#include "template.h"
#include "text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct code_match m[4];
	struct command cmd;
	struct dz_err err;
	const struct template_var v[] = { { "code", "x" }, { "status", NULL } };
	char *s, out[512], big[4096], num[PHONE_BUFSZ];
	bool ucs2;
	int i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)text_utf8_valid(s);
	(void)text_utf8_len(s);
	text_fold_ascii(s, out, sizeof(out));
	text_fold_upper(s, out, sizeof(out));
	(void)text_is_gsm7(s);
	(void)text_sms_parts(s, false);
	(void)text_sms_parts(s, true);
	for (i = 1; i <= 3; i++) {
		text_prepare_sms(s, TEXT_ASCII, i, big, sizeof(big), &ucs2);
		text_prepare_sms(s, TEXT_AUTO, i, big, sizeof(big), &ucs2);
		text_prepare_sms(s, TEXT_UNICODE, i, big, sizeof(big), &ucs2);
	}
	(void)code_find(s, m, 4);
	command_parse(s, 3, &cmd);
	phone_normalize(s, num, sizeof(num));
	template_render(s, v, 2, out, sizeof(out), &err);
	free(s);
	return 0;
}
