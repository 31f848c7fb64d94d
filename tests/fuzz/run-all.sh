#!/bin/sh
# Every fuzz target over its seed corpus (tests/fuzz/corpus_NAME/, and
# tests/fuzz/corpus/ for fuzz_inbound_text), each followed by the replay
# driver's bounded fixed-seed mutations (tests/fuzz/driver.c; FUZZ_ROUNDS sets
# how many, default 200000, 20000 for fuzz_inbound). One line per target;
# non-zero exit if any target fails, is not built or has no seeds. The
# targets are found from tests/fuzz/fuzz_*.c, so a new one cannot be left
# out here. FUZZ_EXEC, if set, runs each target (tests/cross-armhf.sh sets
# it to qemu-arm for the armhf build).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
err=$(mktemp "${TMPDIR:-/tmp}/dz-fuzz-err.XXXXXX") || exit 99
trap 'rm -f "$err"' EXIT
status=0
for src in "$top_srcdir"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=$top_builddir/tests/fuzz/$name
	corpus=$top_srcdir/tests/fuzz/corpus_${name#fuzz_}
	[ "$name" = fuzz_inbound_text ] && corpus=$top_srcdir/tests/fuzz/corpus
	# fuzz_inbound runs state transactions per input, some thousand a
	# second: a tenth of the driver's default rounds keeps make check short.
	rounds=${FUZZ_ROUNDS:-}
	[ "$name" = fuzz_inbound ] && [ -z "$rounds" ] && rounds=20000
	n=$(find "$corpus" -type f 2>/dev/null | wc -l)
	if [ ! -x "$bin" ]; then
		echo "FAIL $name: not built ($bin)"
		status=1
	elif [ "$n" -eq 0 ]; then
		echo "FAIL $name: no seed files in $corpus"
		status=1
	elif out=$(env ${rounds:+FUZZ_ROUNDS=$rounds} ${FUZZ_EXEC:-} "$bin" \
	    "$corpus"/* 2>"$err"); then
		# The driver sums up on stdout; libFuzzer runs each file once.
		echo "PASS $name: $n seed files, $(printf '%s\n' \
		    "${out:-each run once (libFuzzer build)}" | tail -n 1)"
	else
		echo "FAIL $name: $n seed files, exit $?"
		# The sanitizer's report or the failed invariant, and the stack.
		tail -n 40 "$err" >&2
		status=1
	fi
done
exit $status
