/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stand-in for libFuzzer's main when the build has no --enable-fuzzing: runs
 * every file given on the command line, then a bounded number of inputs made
 * by mutating them with a fixed-seed generator (so a failure reproduces), all
 * through LLVMFuzzerTestOneInput. Built with ASan/UBSan in CI.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT	4096
#define MAX_SEEDS	256

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* One random edit: flip, insert, delete, or splice in a UTF-8 Vietnamese letter. */
static size_t
mutate(uint8_t *buf, size_t len)
{
	static const char *const spice[] = { "\xc4\x91", "\xe1\xbb\x87", ".", "-",
	    " ", "0", "9", "H", "QT ", "TC ", "\xff", "\xe1\xbb", "{", "}" };
	const char *sp;
	size_t pos = len ? next_rand() % (len + 1) : 0, n;

	switch (next_rand() % 4) {
	case 0:
		if (len > 0)
			buf[pos % len] ^= (uint8_t)(1u << (next_rand() % 8));
		return len;
	case 1:
		if (len > 0) {
			n = 1 + next_rand() % 4;
			if (pos + n > len)
				n = len - pos;
			memmove(buf + pos, buf + pos + n, len - pos - n);
			return len - n;
		}
		return len;
	default:
		sp = spice[next_rand() % (sizeof(spice) / sizeof(spice[0]))];
		n = strlen(sp);
		if (len + n > MAX_INPUT)
			return len;
		memmove(buf + pos + n, buf + pos, len - pos);
		memcpy(buf + pos, sp, n);
		return len + n;
	}
}

int
main(int argc, char *argv[])
{
	static uint8_t seeds[MAX_SEEDS][MAX_INPUT], buf[MAX_INPUT];
	size_t lens[MAX_SEEDS], len;
	long rounds = 200000;
	int i, nseeds = 0, k;
	FILE *f;

	if (getenv("FUZZ_ROUNDS") != NULL)
		rounds = atol(getenv("FUZZ_ROUNDS"));
	for (i = 1; i < argc && nseeds < MAX_SEEDS; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 99;
		}
		lens[nseeds] = fread(seeds[nseeds], 1, MAX_INPUT, f);
		fclose(f);
		LLVMFuzzerTestOneInput(seeds[nseeds], lens[nseeds]);
		nseeds++;
	}
	if (nseeds == 0) {
		fprintf(stderr, "usage: %s CORPUS-FILE...\n", argv[0]);
		return 99;
	}
	for (i = 0; i < rounds; i++) {
		k = (int)(next_rand() % (uint32_t)nseeds);
		memcpy(buf, seeds[k], lens[k]);
		len = lens[k];
		for (k = 1 + (int)(next_rand() % 8); k > 0; k--)
			len = mutate(buf, len);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%d seeds, %ld mutated inputs, no crash\n", nseeds, rounds);
	return 0;
}
