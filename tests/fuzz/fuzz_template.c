/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: template_render of the input as a template into several sizes, never past outsz. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "template.h"

#define CANARY	16

/* As replies have them: diacritics, a NULL, braces in a value, a name twice. */
static const struct template_var vars[] = {
	{ "code", "000.00.12.H39-240824-0001" },
	{ "status", "Đã có kết quả" },
	{ "office", "Bộ phận Một cửa UBND phường 3" },
	{ "due", NULL },
	{ "brace", "{code}" },
	{ "example", NULL },
	{ "code", "shadowed" },
};
static const char *const allowed[] = { "code", "status", "due" };
static const size_t sizes[] = { 0, 1, 2, 3, 8, 16, 26, 64, 256 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dz_err err;
	char *s, *ref, *buf;
	size_t refsz, i, j;
	int r, want;

	/* No value is 5 times its "{name}": ref is never too short. */
	refsz = 8 * size + 64;
	s = fuzz_str(data, size);
	ref = malloc(refsz);
	buf = malloc(sizes[nitems(sizes) - 1] + CANARY);
	if (s == NULL || ref == NULL || buf == NULL)
		goto done;
	want = template_render(s, vars, nitems(vars), ref, refsz, &err);
	FUZZ_CHECK(want >= -1 && want < (int)refsz);
	FUZZ_CHECK(want == -1 ? ref[0] == '\0' : strlen(ref) == (size_t)want);
	if (want == -1)
		FUZZ_CHECK(err.msg[0] != '\0' && err.cls == DZ_EPERMANENT);
	/* What template_check accepts renders with a superset of its names. */
	if (template_check(s, allowed, nitems(allowed), &err) == 0)
		FUZZ_CHECK(want >= 0);
	for (i = 0; i < nitems(sizes); i++) {
		memset(buf, 0xA5, sizes[i] + CANARY);
		r = template_render(s, vars, nitems(vars), buf, sizes[i], NULL);
		for (j = sizes[i]; j < sizes[i] + CANARY; j++)
			FUZZ_CHECK(buf[j] == (char)0xA5);
		if (want >= 0 && (size_t)want < sizes[i]) {
			FUZZ_CHECK(r == want && strcmp(buf, ref) == 0);
			continue;
		}
		FUZZ_CHECK(r == -1);
		FUZZ_CHECK(sizes[i] == 0 || buf[0] == '\0');
	}
	/* Without vars only placeholder-free templates render, and alike. */
	if ((r = template_render(s, NULL, 0, buf, 256, &err)) >= 0)
		FUZZ_CHECK(r == want && strcmp(buf, ref) == 0);
done:
	free(buf);
	free(ref);
	free(s);
	return 0;
}
