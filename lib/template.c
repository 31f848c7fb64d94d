/* SPDX-License-Identifier: GPL-2.0-or-later */
/* {placeholder} rendering of reply and notice templates. No I/O. */
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "template.h"

#define NAME_SHOWN	40	/* longest name quoted in an error */

/* One step through a template: a literal run or a placeholder. */
struct piece {
	const char	*s;	/* literal bytes, or the placeholder name */
	size_t		 len;
	bool		 placeholder;
};

/*
 * Read the piece at *p and advance *p; "{{" and "}}" are one literal
 * brace. Returns 1 for a piece, 0 at the end, -1 on an unterminated '{'.
 */
static int
next_piece(const char **p, struct piece *pc, struct dz_err *err)
{
	const char *s = *p, *close;

	if (*s == '\0')
		return 0;
	pc->placeholder = false;
	pc->s = s;
	if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
		pc->len = 1;
		*p = s + 2;
		return 1;
	}
	if (s[0] == '{') {
		close = strchr(s + 1, '}');
		if (close == NULL || memchr(s + 1, '{', close - s - 1) != NULL)
			return dz_err_set(err, DZ_EPERMANENT, "unterminated '{' in \"%.*s\"",
			    NAME_SHOWN, s);
		pc->placeholder = true;
		pc->s = s + 1;
		pc->len = close - s - 1;
		*p = close + 1;
		return 1;
	}
	/* A literal run up to the next brace; a lone '}' is literal. */
	pc->len = strcspn(s + 1, "{}") + 1;
	*p = s + pc->len;
	return 1;
}

static const struct template_var *
find_var(const struct piece *pc, const struct template_var *vars, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (vars[i].name != NULL && strlen(vars[i].name) == pc->len &&
		    memcmp(vars[i].name, pc->s, pc->len) == 0)
			return &vars[i];
	return NULL;
}

int
template_render(const char *tpl, const struct template_var *vars,
    size_t nvars, char *out, size_t outsz, struct dz_err *err)
{
	const struct template_var *v;
	struct piece pc;
	const char *src;
	size_t n = 0, len;
	int r;

	if (outsz == 0 || outsz > INT_MAX)
		return dz_err_set(err, DZ_EUSAGE, "bad output size %zu", outsz);
	out[0] = '\0';
	while ((r = next_piece(&tpl, &pc, err)) == 1) {
		src = pc.s;
		len = pc.len;
		if (pc.placeholder) {
			if ((v = find_var(&pc, vars, nvars)) == NULL) {
				out[0] = '\0';
				return dz_err_set(err, DZ_EPERMANENT, "unknown placeholder "
				    "{%.*s}", (int)(len < NAME_SHOWN ?
				    len : NAME_SHOWN), src);
			}
			src = v->value != NULL ? v->value : "";
			len = strlen(src);
		}
		if (len >= outsz - n) {
			out[0] = '\0';
			return dz_err_set(err, DZ_EPERMANENT, "rendered text longer than %zu "
			    "bytes", outsz - 1);
		}
		memcpy(out + n, src, len);
		n += len;
		out[n] = '\0';
	}
	if (r < 0)
		out[0] = '\0';
	return r < 0 ? -1 : (int)n;
}

int
template_check(const char *tpl, const char *const *allowed, size_t n,
    struct dz_err *err)
{
	/* What a records row may hold that never goes out by SMS. */
	static const char *const personal[] = { "applicant", "name",
	    "full_name", "ho_ten", "id_number", "cccd", "cmnd", "address",
	    "dia_chi", "birth", "birthday", "ngay_sinh", "phone", "email" };
	struct piece pc;
	size_t i;
	int r;

	while ((r = next_piece(&tpl, &pc, err)) == 1) {
		if (!pc.placeholder)
			continue;
		for (i = 0; i < n; i++)
			if (strlen(allowed[i]) == pc.len &&
			    memcmp(allowed[i], pc.s, pc.len) == 0)
				break;
		if (i < n)
			continue;
		for (i = 0; i < sizeof(personal) / sizeof(personal[0]); i++)
			if (strlen(personal[i]) == pc.len &&
			    strncasecmp(personal[i], pc.s, pc.len) == 0)
				return dz_err_set(err, DZ_EPERMANENT, "{%s} is the "
				    "applicant's personal data: it never goes "
				    "out by SMS, whatever the template says",
				    personal[i]);
		return dz_err_set(err, DZ_EPERMANENT, "unknown placeholder {%.*s}",
			    (int)(pc.len < NAME_SHOWN ? pc.len : NAME_SHOWN),
			    pc.s);
	}
	return r < 0 ? -1 : 0;
}
