/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal unit-test assertions: print file:line and exit 1 on failure. */
#ifndef DZ_CHECK_H
#define DZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_count;

#define CHECK(expr) do {						\
	check_count++;							\
	if (!(expr)) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #expr);				\
		exit(1);						\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *check_g_ = (got), *check_w_ = (want);		\
	check_count++;							\
	if (check_g_ == NULL || strcmp(check_g_, check_w_) != 0) {	\
		fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, check_g_ ? check_g_ : "(null)",	\
		    check_w_);						\
		exit(1);						\
	}								\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long check_g_ = (got), check_w_ = (want);			\
	check_count++;							\
	if (check_g_ != check_w_) {					\
		fprintf(stderr, "%s:%d: %s = %lld, want %lld\n",	\
		    __FILE__, __LINE__, #got, check_g_, check_w_);	\
		exit(1);						\
	}								\
} while (0)

#define CHECK_DONE() do {						\
	printf("%s: %d checks passed\n", __FILE__, check_count);	\
	return 0;							\
} while (0)

#endif
