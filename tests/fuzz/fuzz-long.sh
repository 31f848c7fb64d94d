#!/bin/sh
# Long fuzzing by hand, on a libFuzzer build (./configure --enable-fuzzing
# CC=clang, and --enable-sanitizers for ASan/UBSan/LeakSanitizer): each target
# for FUZZ_SECONDS (default 60) from a copy of its seed corpus, so that the
# tree's corpus stays as committed. Prints each target's final exec/s and cov;
# a crash leaves crash-* in FUZZ_OUT (default a temporary directory, then kept)
# and makes the exit status 1. Extra arguments go to every libFuzzer run.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${FUZZ_SECONDS:=60}"
for src in "$top_srcdir"/tests/fuzz/fuzz_*.c; do
	bin=$top_builddir/tests/fuzz/$(basename "$src" .c)
	# The replay driver takes files only: it knows no -help=1.
	if ! "$bin" -help=1 2>&1 | grep -q max_total_time; then
		echo "$bin: not a libFuzzer build" \
		    "(configure --enable-fuzzing CC=clang)" >&2
		exit 77
	fi
done
out=${FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/dz-fuzz.XXXXXX")} || exit 99
mkdir -p "$out" || exit 99
status=0
for src in "$top_srcdir"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	seeds=$top_srcdir/tests/fuzz/corpus_${name#fuzz_}
	[ "$name" = fuzz_inbound_text ] && seeds=$top_srcdir/tests/fuzz/corpus
	rm -rf "$out/$name.corpus"
	mkdir -p "$out/$name.corpus" &&
	    cp "$seeds"/* "$out/$name.corpus/" || exit 99
	"$top_builddir/tests/fuzz/$name" -max_total_time="$FUZZ_SECONDS" \
	    -print_final_stats=1 -artifact_prefix="$out/$name-" "$@" \
	    "$out/$name.corpus" >"$out/$name.log" 2>&1
	rc=$?
	# The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E ...".
	last=$(grep -E '^#[0-9]+' "$out/$name.log" | tail -n 1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	eps=$(printf '%s\n' "$last" | sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		echo "$name: exec/s ${eps:-?} cov: ${cov:-?}"
	else
		echo "$name: FAILED (exit $rc) exec/s ${eps:-?}" \
		    "cov: ${cov:-?};" \
		    "see $out/$name.log and $out/$name-crash-*"
		status=1
	fi
done
[ "$status" -eq 0 ] && [ -z "${FUZZ_OUT:-}" ] && rm -rf "$out"
exit $status
