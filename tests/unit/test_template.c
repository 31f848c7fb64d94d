/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/template.c: {placeholder} rendering and checking. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "template.h"

static const struct template_var vars[] = {
	{ "code", "000.00.12.H39-240824-0001" },
	{ "status", "Đã có kết quả" },
	{ "office", "Bộ phận Một cửa UBND phường 3" },
	{ "due", NULL },
	{ "brace", "{code}" },
	{ "code", "shadowed" },
};

static const struct {
	const char	*tpl;
	const char	*want;	/* NULL: rendering fails */
} cases[] = {
	{ "", "" },
	{ "no placeholders", "no placeholders" },
	{ "{code}", "000.00.12.H39-240824-0001" },
	{ "Ho so {code}: {status}. Nhan tai {office}.",
	    "Ho so 000.00.12.H39-240824-0001: Đã có kết quả. Nhan tai "
	    "Bộ phận Một cửa UBND phường 3." },
	{ "Hen tra: [{due}]", "Hen tra: []" },
	{ "{{code}}", "{code}" },
	{ "{{{code}}}", "{000.00.12.H39-240824-0001}" },
	{ "a }} b {{", "a } b {" },
	{ "lone } brace", "lone } brace" },
	{ "{brace}", "{code}" },		/* values are not re-expanded */
	{ "{code}{code}", "000.00.12.H39-240824-00010"
	    "00.00.12.H39-240824-0001" },
	{ "{nope}", NULL },
	{ "{}", NULL },
	{ "{ code }", NULL },
	{ "{CODE}", NULL },
	{ "unterminated {code", NULL },
	{ "nested {co{de}", NULL },
	{ "{", NULL },
};

static void
test_render(void)
{
	struct dz_err err;
	char out[256];
	size_t i;
	int r;

	for (i = 0; i < nitems(cases); i++) {
		err.msg[0] = '\0';
		r = template_render(cases[i].tpl, vars, nitems(vars), out,
		    sizeof(out), &err);
		if (cases[i].want == NULL) {
			CHECK_INT(r, -1);
			CHECK(err.msg[0] != '\0');
			CHECK_STR(out, "");
		} else {
			CHECK_INT(r, strlen(cases[i].want));
			CHECK_STR(out, cases[i].want);
		}
	}
	CHECK_INT(template_render("{nope}", vars, nitems(vars), out,
	    sizeof(out), &err), -1);
	CHECK_STR(err.msg, "unknown placeholder {nope}");
	CHECK_INT(template_render("x {code", vars, nitems(vars), out,
	    sizeof(out), NULL), -1);

	/* Output exactly outsz - 1 bytes fits; one more fails. */
	CHECK_INT(template_render("{code}", vars, 1, out, 26, &err), 25);
	CHECK_INT(template_render("{code}", vars, 1, out, 25, &err), -1);
	CHECK_STR(out, "");
	CHECK(strstr(err.msg, "24") != NULL);
	CHECK_INT(template_render("abc", vars, 0, out, 4, &err), 3);
	CHECK_INT(template_render("abcd", NULL, 0, out, 4, &err), -1);
	CHECK_INT(template_render("{code}", NULL, 0, out, 4, &err), -1);
	CHECK_INT(template_render("abc", vars, 0, out, 0, &err), -1);
}

static void
test_check(void)
{
	static const char *const allowed[] = { "code", "status", "office" };
	struct dz_err err;

	CHECK_INT(template_check("Ho so {code}: {status} tai {office}",
	    allowed, nitems(allowed), &err), 0);
	CHECK_INT(template_check("{{literal}} only", allowed, nitems(allowed),
	    &err), 0);
	CHECK_INT(template_check("", allowed, nitems(allowed), &err), 0);
	CHECK_INT(template_check("{code} {phon}", allowed, nitems(allowed),
	    &err), -1);
	CHECK_STR(err.msg, "unknown placeholder {phon}");
	/* The applicant's personal data, named as such. */
	CHECK_INT(template_check("{code} {phone}", allowed, nitems(allowed),
	    &err), -1);
	CHECK_STR(err.msg, "{phone} is the applicant's personal data: it never "
	    "goes out by SMS, whatever the template says");
	CHECK_INT(template_check("{code", allowed, nitems(allowed), &err), -1);
	CHECK(strstr(err.msg, "unterminated") != NULL);
	CHECK_INT(template_check("{code}", allowed, 0, &err), -1);
	CHECK_INT(template_check("{cod}", allowed, nitems(allowed), &err), -1);
	CHECK_INT(template_check("{codes}", allowed, nitems(allowed), &err),
	    -1);
}

int
main(void)
{
	test_render();
	test_check();
	CHECK_DONE();
}
