#!/bin/sh
# The whole test suite: installs what is missing, builds twice (plain, and with
# AddressSanitizer + UBSan), runs `make check` in each and prints "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
sh .ci/install-deps || { echo "installing dependencies failed" >&2; exit 1; }
[ -f configure ] || ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed" >&2; exit 1; }
# An in-tree configure blocks out-of-tree builds.
[ -f config.status ] && make distclean >/dev/null 2>&1

status=0
for variant in plain asan; do
	dir="$top/build-$variant"
	flags=""
	[ "$variant" = asan ] && flags="--enable-sanitizers"
	mkdir -p "$dir"
	echo "== $variant build"
	if ! (cd "$dir" && "$top/configure" -q $flags >configure.out 2>&1 &&
	    make -j2 >make.out 2>&1); then
		echo "build failed ($variant):" >&2
		tail -30 "$dir/make.out" "$dir/configure.out" 2>/dev/null >&2
		status=1
		continue
	fi
	# -j3 on two cores: the end-to-end tests mostly wait on modems and timers.
	(cd "$dir" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 make -j3 check >check.out 2>&1) || status=1
	grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP|XFAIL):' "$dir/check.out" | sed "s/^/$variant: /"
	for f in $(grep -lE ':test-result: (FAIL|ERROR|XPASS)' $(find "$dir/tests" -name '*.trs')); do
		echo "--- ${f%.trs}.log" >&2
		tail -40 "${f%.trs}.log" >&2
	done
done

# Count from the test logs, not from a constant.
trs=$(find "$top"/build-plain/tests "$top"/build-asan/tests -name '*.trs' 2>/dev/null)
pass=0; failed=0; skipped=0
if [ -n "$trs" ]; then
	pass=$(cat $trs | grep -c ':test-result: PASS')
	failed=$(cat $trs | grep -cE ':test-result: (FAIL|ERROR|XPASS)')
	skipped=$(cat $trs | grep -c ':test-result: SKIP')
fi
[ "$pass" -eq 0 ] && status=1
[ "$failed" -gt 0 ] && status=1
# A skipped test hides a missing part: count it as a failure.
[ "$skipped" -gt 0 ] && { echo "skipped tests count as failures" >&2; failed=$((failed + skipped)); status=1; }
echo "$pass passed, $failed failed"
exit $status
