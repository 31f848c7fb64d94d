/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Terminal column width of UTF-8 text, decoded without the locale. */
#ifndef DZ_WIDTH_H
#define DZ_WIDTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Largest cell, in bytes with the NUL, that width_pad writes; longer is cut. */
#define WIDTH_PAD_MAX	1024

/*
 * Display columns of the UTF-8 string s: combining marks, zero-width
 * characters (U+200B-200F, U+2060, U+FEFF) and control characters count
 * 0, East Asian Wide and Fullwidth characters and common emoji count 2,
 * anything else 1. Each byte of an invalid sequence counts 1, as it is
 * shown as U+FFFD.
 */
size_t	width_of(const char *s);

/*
 * Copy into out (outsz bytes, including the NUL) the longest prefix of s
 * that fits in cols columns. If s does not fit, the prefix is shortened
 * so that "…" (U+2026, one column) follows it within cols. The cut never
 * splits a UTF-8 sequence nor a base character from its combining marks.
 * Control characters (\n, \t, ...) become one space each and invalid
 * bytes U+FFFD, so the result is valid UTF-8 and stays on one line. If
 * outsz is too small for the text, it is cut the same way on a character
 * boundary; if it is too small even for "…" (outsz < 4), the prefix that
 * fits is kept without it. out is always NUL-terminated when outsz > 0;
 * cols == 0 gives "". Returns the display width of out (<= cols).
 */
size_t	width_fit(const char *s, size_t cols, char *out, size_t outsz);

/*
 * Write s to f fitted to cols (as width_fit, at most WIDTH_PAD_MAX bytes)
 * and padded with spaces to exactly cols columns: left-aligned, or
 * right-aligned if right. Write errors are left in ferror(f).
 */
void	width_pad(FILE *f, const char *s, size_t cols, bool right);

/* Number of code points in s; each byte of an invalid sequence counts 1. */
size_t	width_char_count(const char *s);

#endif
