#!/bin/sh
# Short fuzz run in `make check`: the fuzz target over the corpus plus bounded
# fixed-seed mutations (tests/fuzz/driver.c); with --enable-fuzzing the same
# target links against libFuzzer instead (run it by hand for long sessions).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
exec "$top_builddir/tests/fuzz/fuzz_inbound_text" "$top_srcdir"/tests/fuzz/corpus/*
