/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every fuzz target shares: the entry point, an invariant check, the input as a C string. */
#ifndef DZ_FUZZ_H
#define DZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * abort(), not exit(): libFuzzer and the replay driver both report an
 * abort as a crash and keep the input that caused it.
 */
#define FUZZ_CHECK(e) do {						\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #e);				\
		abort();						\
	}								\
} while (0)

/* data as a C string (cut at a NUL byte), or NULL if out of memory. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* true if s[0..sz) holds a NUL: the output stayed within its buffer. */
static inline bool
fuzz_terminated(const char *s, size_t sz)
{
	return memchr(s, '\0', sz) != NULL;
}

#endif
