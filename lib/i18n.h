/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translation of what dossierctl tells people: GNU gettext, domain "dossierd". */
#ifndef DZ_I18N_H
#define DZ_I18N_H

#include <libintl.h>

/* A message for people, translated at run time. */
#define _(s)		gettext(s)
/* A message marked for translation, translated where it is used. */
#define N_(s)		(s)
/* Singular or plural by n. */
#define P_(s, p, n)	ngettext((s), (p), (n))

#endif
