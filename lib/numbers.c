/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Broadcast number files (a plain list or a spreadsheet's CSV export) split line by line into phone fields; text only. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "numbers.h"
#include "text.h"

#define FOLD_MAX	64	/* a longer folded header field names nothing */
#define NAMES_HELP	"phone, sdt, so_dien_thoai, số điện thoại, điện thoại or mobile"
#define UTF8_BOM	"\xEF\xBB\xBF"

/* Names of the phone column as is_phone_name folds them. */
static const char *const phone_names[] = {
	"PHONE", "SDT", "SO DIEN THOAI", "DIEN THOAI", "MOBILE",
};

/* Separators in the order that wins a tie. */
static const char seps[] = "\t;,";

/* The text of one line and room for one decoded field of it. */
struct line {
	char	text[NUMBERS_LINE_MAX + 1];
	char	field[NUMBERS_LINE_MAX + 1];
};

/* Where numbers_line writes what it found. */
struct result {
	char	*out, *why;
	size_t	 outsz, whysz;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A no-break space (UTF-8 C2 A0), as numbers pasted from documents carry. */
static bool
is_nbsp(const char *s)
{
	return (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0;
}

/* Skip white space and NBSP at s. */
static char *
skip_blank(char *s)
{
	for (;;) {
		if (is_blank(*s))
			s++;
		else if (is_nbsp(s))
			s += 2;
		else
			return s;
	}
}

/* Cut white space and NBSP off the end of s, in place. */
static void
cut_blank(char *s)
{
	size_t n = strlen(s);

	for (;;) {
		if (n > 0 && is_blank(s[n - 1]))
			n--;
		else if (n > 1 && is_nbsp(s + n - 2))
			n -= 2;
		else
			break;
	}
	s[n] = '\0';
}

/* s without surrounding white space and NBSP, cut in place. */
static char *
trim(char *s)
{
	s = skip_blank(s);
	cut_blank(s);
	return s;
}

/* A cell's text: trimmed, Excel's ="..." and leading ' wrappers removed, in place. */
static char *
unwrap(char *v)
{
	size_t n;

	v = trim(v);
	n = strlen(v);
	if (n >= 3 && v[0] == '=' && v[1] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		v = trim(v + 2);
	}
	if (v[0] == '\'')
		v = trim(v + 1);
	return v;
}

/*
 * Decode the field at *sp, which ends at the separator sep (0: at the end
 * of the text), into val (room for strlen(*sp) + 1), and move *sp past it
 * and its separator; *more tells whether a separator followed. A field is
 * quoted if it starts, after white space, with '"' (or Excel's ="). Returns
 * NULL, or why the field cannot be read.
 */
static const char *
field_next(const char **sp, char sep, char *val, bool *more)
{
	const char *s = *sp;
	size_t n = 0;

	while (*s != sep && is_blank(*s))
		s++;
	if (s[0] == '=' && s[1] == '"')
		s++;
	if (*s == '"') {
		for (s++;; s++) {
			if (*s == '\0')
				return "unterminated quote";
			if (*s == '"' && *++s != '"')
				break;
			val[n++] = *s;
		}
		while (*s != sep && is_blank(*s))
			s++;
		if (*s != '\0' && *s != sep)
			return "text after a closing quote";
	} else {
		while (*s != '\0' && *s != sep)
			val[n++] = *s++;
	}
	val[n] = '\0';
	*more = sep != '\0' && *s == sep;
	*sp = *more ? s + 1 : s;
	return NULL;
}

/* true if a header field names the phone column. */
static bool
is_phone_name(const char *field)
{
	char f[FOLD_MAX];
	size_t i;

	if (text_fold_upper(field, f, sizeof(f)) >= sizeof(f))
		return false;
	for (i = 0; f[i] != '\0'; i++)
		if (f[i] == '_' || f[i] == '-')
			f[i] = ' ';
	for (i = 0; i < nitems(phone_names); i++)
		if (strcmp(f, phone_names[i]) == 0)
			return true;
	return false;
}

/* The separator of a first line: the most frequent outside quotes; 0 if none. */
static char
detect_sep(const char *s)
{
	size_t count[sizeof(seps) - 1] = { 0 }, i, best = 0;
	const char *c;
	bool quoted = false;

	for (; *s != '\0'; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && (c = strchr(seps, *s)) != NULL)
			count[c - seps]++;
	}
	for (i = 1; i < nitems(count); i++)
		if (count[i] > count[best])
			best = i;
	return count[best] > 0 ? seps[best] : '\0';
}

static const char *
sep_name(char sep)
{
	return sep == '\t' ? "TAB" : sep == ';' ? "';'" : "','";
}

/* Set why to "line N: " and the formatted reason; returns NUMBERS_BAD. */
static int
bad(const struct numbers_parser *p, const struct result *res,
    const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(const struct numbers_parser *p, const struct result *res,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	res->out[0] = '\0';
	n = snprintf(res->why, res->whysz, "line %d: ", p->lineno);
	if (n >= 0 && (size_t)n < res->whysz) {
		va_start(ap, fmt);
		vsnprintf(res->why + n, res->whysz - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return NUMBERS_BAD;
}

/* Copy the phone field v to out: NUMBERS_ENTRY, or NUMBERS_BAD (too long, not UTF-8). */
static int
entry(const struct numbers_parser *p, const struct result *res, const char *v)
{
	if (!text_utf8_valid(v))
		return bad(p, res, "the number is not UTF-8");
	if (strlen(v) >= res->outsz)
		return bad(p, res, "the number is longer than %zu bytes",
		    res->outsz - 1);
	dz_strlcpy(res->out, v, res->outsz);
	return NUMBERS_ENTRY;
}

/* A line of a plain list (s trimmed, not blank). */
static int
plain_line(const struct numbers_parser *p, const struct result *res,
    const char *s, struct line *l)
{
	const char *why;
	bool more;

	if (*s == '#')
		return NUMBERS_SKIP;
	if (!text_utf8_valid(s))
		return bad(p, res, "not UTF-8");
	if ((why = field_next(&s, '\0', l->field, &more)) != NULL)
		return bad(p, res, "%s", why);
	return entry(p, res, unwrap(l->field));
}

/* A row of a CSV file after its header. */
static int
csv_row(const struct numbers_parser *p, const struct result *res,
    struct line *l)
{
	const char *s = l->text, *why;
	char *v;
	int n;
	bool more = true, content = false;

	res->out[0] = '\0';
	for (n = 0; more; n++) {
		if ((why = field_next(&s, p->sep, l->field, &more)) != NULL)
			return bad(p, res, "field %d: %s", n + 1, why);
		v = unwrap(l->field);
		content = content || *v != '\0';
		/* The field is decoded over the next: keep the phone's now. */
		if (n == p->column && entry(p, res, v) == NUMBERS_BAD)
			return NUMBERS_BAD;
	}
	if (!content)
		return NUMBERS_SKIP;
	if (n <= p->column)
		return bad(p, res, "%d field%s, the phone column is field %d",
		    n, n == 1 ? "" : "s", p->column + 1);
	return NUMBERS_ENTRY;
}

/* Mark the file unusable; returns -1, err set to "line N: " and the message. */
static int
unusable(struct numbers_parser *p, struct dz_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
unusable(struct numbers_parser *p, struct dz_err *err, const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	p->format = NUMBERS_UNUSABLE;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dz_err_set(err, DZ_EUSAGE, "line %d: %s", p->lineno, msg);
}

/* What a header line says: its phone column, a second one, a broken field. */
struct header {
	int		 col, dup;	/* phone columns from 0, or -1 */
	int		 broken;	/* the field that cannot be read, from 1; or 0 */
	const char	*why;		/* why it cannot */
};

static void
scan_header(const char *s, char sep, char *field, struct header *h)
{
	bool more = true;
	int n;

	h->col = h->dup = -1;
	h->broken = 0;
	for (n = 0; more; n++) {
		if ((h->why = field_next(&s, sep, field, &more)) != NULL) {
			h->broken = n + 1;
			return;
		}
		if (!is_phone_name(unwrap(field)))
			continue;
		if (h->col < 0)
			h->col = n;
		else if (h->dup < 0)
			h->dup = n;
	}
}

/* The header of a CSV file with separator sep: find its phone column. */
static int
csv_header(struct numbers_parser *p, const char *s, char sep, struct line *l,
    struct dz_err *err)
{
	struct header h;

	scan_header(s, sep, l->field, &h);
	if (h.broken > 0)
		return unusable(p, err, "the header, field %d: %s", h.broken,
		    h.why);
	if (h.dup >= 0)
		return unusable(p, err, "two phone columns, fields %d and %d: "
		    "keep one", h.col + 1, h.dup + 1);
	if (h.col < 0)
		return unusable(p, err, "%s-separated, but no field names the "
		    "phone column%s: a CSV file needs a header row with a "
		    "column " NAMES_HELP, sep_name(sep), text_utf8_valid(s) ?
		    "" : " (not UTF-8: save it as \"CSV UTF-8\")");
	p->format = NUMBERS_CSV;
	p->sep = sep;
	p->column = h.col;
	return NUMBERS_SKIP;
}

/* The first line with content decides the format (rules in numbers.h). */
static int
first_line(struct numbers_parser *p, const struct result *res,
    struct line *l, struct dz_err *err)
{
	struct header h;
	const char *s;
	char *t, sep;
	bool more;

	cut_blank(l->text);
	t = skip_blank(l->text);
	sep = detect_sep(l->text);
	if (*t == '#') {
		/* A comment, unless a header whose first column is "#". */
		if (sep != '\0')
			scan_header(l->text, sep, l->field, &h);
		if (sep == '\0' || h.broken > 0 || h.col < 0)
			return NUMBERS_SKIP;
	}
	if (sep != '\0')
		return csv_header(p, l->text, sep, l, err);
	s = t;
	if (field_next(&s, '\0', l->field, &more) == NULL &&
	    is_phone_name(unwrap(l->field))) {
		p->format = NUMBERS_CSV;
		p->sep = '\0';
		p->column = 0;
		return NUMBERS_SKIP;
	}
	p->format = NUMBERS_PLAIN;
	return plain_line(p, res, t, l);
}

/* numbers_line without the counting. */
static int
classify(struct numbers_parser *p, const struct result *res, const char *line,
    size_t len, struct line *l, struct dz_err *err)
{
	bool first = p->lineno == 1;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (first && len >= 3 && memcmp(line, UTF8_BOM, 3) == 0) {
		line += 3;
		len -= 3;
	}
	if (first && len >= 2 && (memcmp(line, "\xFF\xFE", 2) == 0 ||
	    memcmp(line, "\xFE\xFF", 2) == 0))
		return unusable(p, err, "the file is UTF-16 (Excel's \"Unicode "
		    "Text\"): save it as \"CSV UTF-8\"");
	if (len > NUMBERS_LINE_MAX)
		return bad(p, res, "longer than %d bytes", NUMBERS_LINE_MAX);
	if (memchr(line, '\0', len) != NULL) {
		if (p->format == NUMBERS_UNDECIDED)
			return unusable(p, err, "NUL bytes: not a text file "
			    "(an .xlsx or UTF-16 file?): save it as "
			    "\"CSV UTF-8\"");
		return bad(p, res, "a NUL byte");
	}
	memcpy(l->text, line, len);
	l->text[len] = '\0';
	if (*skip_blank(l->text) == '\0')
		return NUMBERS_SKIP;
	if (p->format == NUMBERS_UNDECIDED)
		return first_line(p, res, l, err);
	if (p->format == NUMBERS_PLAIN)
		return plain_line(p, res, trim(l->text), l);
	return csv_row(p, res, l);
}

void
numbers_init(struct numbers_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->format = NUMBERS_UNDECIDED;
}

int
numbers_line(struct numbers_parser *p, const char *line, size_t len,
    char *out, size_t outsz, char *why, size_t whysz, struct dz_err *err)
{
	const struct result res = { out, why, outsz, whysz };
	struct line l;
	int k;

	out[0] = why[0] = '\0';
	p->lineno++;
	if (p->format == NUMBERS_UNUSABLE)
		return dz_err_set(err, DZ_EUSAGE, "line %d: an earlier line "
		    "made the file unusable", p->lineno);
	k = classify(p, &res, line, len, &l, err);
	if (k == NUMBERS_ENTRY)
		p->entries++;
	else if (k == NUMBERS_SKIP)
		p->skipped++;
	else if (k == NUMBERS_BAD)
		p->bad++;
	return k;
}

/*
 * Read one line of f into buf (bufsz bytes, not NUL-terminated) without its
 * line end (LF, CRLF, lone CR); *len receives its length, but at most
 * bufsz: the rest of a longer line is read and dropped. Returns 1, 0 at
 * the end of the file, -1 on a read error.
 */
static int
read_line(FILE *f, char *buf, size_t bufsz, size_t *len)
{
	size_t n = 0;
	bool any = false;
	int c;

	while ((c = getc(f)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (c == '\r') {
			if ((c = getc(f)) != '\n' && c != EOF)
				ungetc(c, f);
			break;
		}
		if (n < bufsz)
			buf[n++] = (char)c;
	}
	*len = n;
	if (ferror(f))
		return -1;
	return any ? 1 : 0;
}

int
numbers_read(FILE *f, struct numbers_parser *p, numbers_cb cb, void *arg,
    struct dz_err *err)
{
	/* One byte more than a line may have, to see that it is too long. */
	char line[NUMBERS_LINE_MAX + 1], out[NUMBERS_BUFSZ], why[NUMBERS_WHYSZ];
	size_t len;
	int r, k;

	while ((r = read_line(f, line, sizeof(line), &len)) == 1) {
		k = numbers_line(p, line, len, out, sizeof(out), why,
		    sizeof(why), err);
		if (k == -1)
			return -1;
		if (k == NUMBERS_SKIP)
			continue;
		if ((r = cb(arg, p->lineno, (enum numbers_kind)k, out,
		    why)) != 0)
			return r;
	}
	if (r == -1)
		return dz_err_set(err, DZ_ETRANSIENT, "reading the numbers "
		    "after line %d: %s", p->lineno, strerror(errno));
	return 0;
}
