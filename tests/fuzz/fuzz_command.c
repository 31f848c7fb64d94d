/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: command_parse and command_parse_citizen, the cap on codes taken from the first byte. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "command.h"
#include "fuzz.h"

/* What any parse must give, whatever the text. */
static void
check(const struct command *cmd, int max)
{
	int i;

	FUZZ_CHECK(cmd->kind >= CMD_LOOKUP && cmd->kind <= CMD_EMPTY);
	FUZZ_CHECK(cmd->ncodes >= 0 && cmd->ncodes <= max);
	FUZZ_CHECK(cmd->ncodes <= cmd->ncodes_found);
	for (i = 0; i < cmd->ncodes; i++)
		FUZZ_CHECK(fuzz_terminated(cmd->codes[i].code, CODE_BUFSZ));
	if (cmd->kind == CMD_LOOKUP)
		FUZZ_CHECK(cmd->ncodes >= 1);
	if (cmd->kind != CMD_STAFF)
		return;
	FUZZ_CHECK(fuzz_terminated(cmd->pin, sizeof(cmd->pin)));
	FUZZ_CHECK(fuzz_terminated(cmd->audience, sizeof(cmd->audience)));
	FUZZ_CHECK(fuzz_terminated(cmd->text, sizeof(cmd->text)));
	FUZZ_CHECK(cmd->verb >= STAFF_NONE && cmd->verb <= STAFF_UNKNOWN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct command cmd, cit;
	char *s;
	int max;

	if (size == 0)
		return 0;
	/* 1..COMMAND_MAX_CODES, the range conf allows for sms.max_codes. */
	max = 1 + data[0] % COMMAND_MAX_CODES;
	if ((s = fuzz_str(data + 1, size - 1)) == NULL)
		return 0;
	memset(&cmd, 0xA5, sizeof(cmd));
	command_parse(s, max, &cmd);
	check(&cmd, max);
	memset(&cit, 0xA5, sizeof(cit));
	command_parse_citizen(s, max, &cit);
	check(&cit, max);
	/* A citizen cannot reach the staff commands; other texts read alike. */
	FUZZ_CHECK(cit.kind != CMD_STAFF);
	if (cmd.kind != CMD_STAFF) {
		FUZZ_CHECK(cit.kind == cmd.kind);
		FUZZ_CHECK(cit.ncodes_found == cmd.ncodes_found);
	}
	free(s);
	return 0;
}
