#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dossierd benchmarks: figures, not pass/fail; never
# part of `make check`. Run with `make bench`, or by hand: sh bench/run.sh.
#
#   1. CPU instructions per handled query (callgrind, lib/ only), records
#      table at 10,000 and at 1,000,000 rows, found and not-found codes.
#   2. Instructions per idle ready-scan poll at 10,000 and 1,000,000 rows.
#      ... and per poll with 100 dossiers changed before each poll.
#   3. bench/suite.sh: the workloads of issue #15 over the fake AT modem
#      (tests/fakemodem) through libgammu's AT driver: whole-process
#      instructions per answered query (callgrind, two bursts; again on a
#      state db holding a year of history, bench/history.sql), latency
#      +CMTI -> AT+CMGS, idle cost, memory through a burst (and over many
#      messages on the dummy modem), and the peers smstools3 and gammu-smsd
#      on the same fake modem and the same records database.
#   4. Broadcast enqueue of 50,000 recipients (dossierctl, /usr/bin/time -v).
#   5. bench/report.py: one table, targets met/missed, into bench/results.md.
#
# CPU cost is counted in instructions (valgrind --tool=callgrind), as the
# difference of two runs that differ only in the number of operations, so
# that the fixed start-up cost cancels out. Wall-clock figures (sections 3-5)
# depend on the machine and its load: printed for reading side by side on one
# machine, never checked against a threshold.
#
# Environment: top_srcdir, top_builddir (make bench sets them; by hand they
# default to this script's ../ and ../build-plain or ../), CC, KEEP=1 keeps
# the work directory, BENCH_BIG (rows of the big records table, 1000000),
# BENCH_QUICK=1 (smaller bursts and idle periods in bench/suite.sh).
# Needs valgrind, sqlite3, python3, smstools (smsd) and gammu-smsd.
set -u

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
if [ -z "${top_builddir:-}" ]; then
	if [ -d "$top_srcdir/build-plain" ]; then
		top_builddir=$top_srcdir/build-plain
	else
		top_builddir=$top_srcdir
	fi
fi
BIG=${BENCH_BIG:-1000000}
SMALL=10000
E2E_N=${BENCH_E2E:-300}
LONG_N=${BENCH_LONG:-2000}
NOTICES_N=${BENCH_NOTICES:-1000}
SMSD_SLOW_N=${BENCH_SMSD_SLOW:-30}
DOSSIERD=$top_builddir/daemon/dossierd
DOSSIERCTL=$top_builddir/daemon/dossierctl
LIBDOSSIER=$top_builddir/lib/libdossier.a
COPY=${TMPDIR:-/tmp}/dossierd-bench-$(date +%Y%m%d-%H%M%S).txt

for f in "$DOSSIERD" "$DOSSIERCTL" "$LIBDOSSIER" "$top_builddir/config.h"; do
	if [ ! -e "$f" ]; then
		echo "bench: $f is missing: build first (make -C $top_builddir)" >&2
		exit 1
	fi
done
for t in sqlite3 perl; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "bench: $t is required" >&2
		exit 1
	fi
done

W=$(mktemp -d "${TMPDIR:-/tmp}/dossierd-bench.XXXXXX") || exit 1
DPID=""
SPID=""
STAMP_PID=""

cleanup() {
	for p in $DPID $SPID $STAMP_PID; do
		kill -TERM "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}

now_ms() { date +%s%3N; }
now_s() { date +%s.%N | cut -c1-14; }	# seconds with 3 decimals
# Elapsed seconds (3 decimals) between two now_ms values.
ms_diff() { echo "$1 $2" | awk '{ printf "%.3f", ($2 - $1) / 1000 }'; }
# awk arithmetic on the command line: calc 'a / b' (one expression, %.Nf format).
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# Thousands separators for integers.
th() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

# wait_for SECONDS 'shell condition'
wait_for() {
	_end=$(( $(date +%s) + $1 )); shift
	while ! eval "$*"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
	return 0
}

# The process's memory (kB) from /proc: vmrss PID, vmhwm PID.
vmrss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }
vmhwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }
# VmRSS split: anonymous (heap, stacks), file-backed (libraries), shared memory (SQLite's -shm).
rss_split() {
	awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } /^RssShmem/ { s = $2 }
	    END { printf "%s anon + %s file + %s shmem", a, f, s }' "/proc/$1/status" 2>/dev/null
}
rss_anon() { sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }
# CPU seconds of a process and its waited-for children (utime+stime+cutime+cstime).
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13 + $14 + $15) / hz }' \
	    "/proc/$1/stat" 2>/dev/null
}

# ---------------------------------------------------------------- records
# gen_records DB N: etc/records-schema.sql, N generated dossiers received
# 2026-01-01 onwards (9,000 a day, codes 000.00.12.H39-YYMMDD-XXXX, updated
# at most a few months later: all older than any backfill window), and 4
# dossiers changed on 2026-11-26 between 09:00 and 12:00, three of them
# ready: the only rows a ready scan on that day reads, whatever N is.
gen_records() {
	rm -f "$1"
	sqlite3 -batch "$1" < "$top_srcdir/etc/records-schema.sql" || return 1
	sqlite3 -batch "$1" >/dev/null <<SQL || return 1
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -200000;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $2 - 1)
INSERT INTO dossiers (code, procedure, applicant, phone, office, status,
  received_at, due_at, finished_at, returned_at, notify_sms, updated_at)
SELECT printf('000.00.12.H39-%s-%04d',
    substr(strftime('%Y%m%d', '2026-01-01', '+' || (i / 9000) || ' days'), 3),
    i % 9000 + 1),
  'Đăng ký khai sinh cho trẻ em', 'Nguyễn Văn An',
  printf('09%08d', (i * 7919) % 100000000),
  'Bộ phận một cửa UBND xã Hòa Tiến', CASE WHEN i % 7 = 0 THEN 9 ELSE 10 END,
  date('2026-01-01', '+' || (i / 9000) || ' days'),
  date('2026-01-01', '+' || (i / 9000 + 5) || ' days'),
  date('2026-01-01', '+' || (i / 9000 + 4) || ' days'),
  CASE WHEN i % 7 = 0 THEN NULL
    ELSE date('2026-01-01', '+' || (i / 9000 + 6) || ' days') END,
  1,
  strftime('%Y-%m-%dT%H:%M:%S', '2026-01-01', '+' || (i / 9000) || ' days',
    '+' || ((i % 9000) * 9) || ' seconds')
FROM n;
INSERT INTO dossiers VALUES
 ('000.00.12.H39-261126-0001', 'Đăng ký khai sinh', 'Trần Thị Bình', '0912000001',
  'Bộ phận một cửa UBND xã Hòa Tiến', 9, '2026-11-20', '2026-11-26', '2026-11-26',
  NULL, 1, '2026-11-26T09:00:00'),
 ('000.00.12.H39-261126-0002', 'Đăng ký khai sinh', 'Lê Văn Cường', '0912000002',
  'Bộ phận một cửa UBND xã Hòa Tiến', 9, '2026-11-20', '2026-11-26', '2026-11-26',
  NULL, 1, '2026-11-26T10:00:00'),
 ('000.00.12.H39-261126-0003', 'Đăng ký khai sinh', 'Phạm Thị Dung', '0912000003',
  'Bộ phận một cửa UBND xã Hòa Tiến', 4, '2026-11-20', '2026-11-30', NULL,
  NULL, 1, '2026-11-26T11:00:00'),
 ('000.00.12.H39-261126-0004', 'Đăng ký khai sinh', 'Hoàng Văn Em', '0912000004',
  'Bộ phận một cửa UBND xã Hòa Tiến', 9, '2026-11-20', '2026-11-26', '2026-11-26',
  NULL, 1, '2026-11-26T12:00:00');
COMMIT;
SQL
}
NOTFOUND_CODE=000.00.12.H39-251201-0001	# a valid date, no such dossier

# ---------------------------------------------------------------- callgrind
# cg_ir CMD ARGS...: total instructions of one run (the program's stdout
# goes to $W/cg.stdout); empty if the run failed.
cg_ir() {
	valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" "$@" \
	    > "$W/cg.stdout" 2> "$W/cg.stderr" || { cat "$W/cg.stderr" >&2; return 1; }
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$W/cg.stderr"
}
# marginal IR_SMALL IR_BIG DELTA: (big - small) / delta, rounded.
marginal() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { printf "%.0f", (b - a) / d }'; }

build_benches() {
	_flags="-std=c11 -O2 -g -Wall -Wextra -include $top_builddir/config.h -I$top_srcdir/lib \
	    -I$top_srcdir/tests/unit"
	_libs="$(pkg-config --libs sqlite3 libconfig 2>/dev/null || echo -lsqlite3 -lconfig) -lm"
	for _p in inbound scan; do
		# shellcheck disable=SC2086
		${CC:-cc} $_flags -o "$W/bench_$_p" "$here/bench_$_p.c" "$LIBDOSSIER" \
		    $_libs || return 1
	done
}

section_cpu() {
	echo
	echo "== 1. Instructions per handled query (lib/: inbox insert + inbound_handle_next)"
	echo "   callgrind totals of K=100 and K=1100 queries \"HS <code>\", each from its own number;"
	echo "   marginal = (Ir(1100) - Ir(100)) / 1000: set-up and statement preparation cancel out."
	printf '   %-16s %-9s %14s %14s %10s %12s\n' "records" "code" "Ir(K=100)" "Ir(K=1100)" \
	    "Ir/query" "native us/q"
	for _db in small big; do
		if [ $_db = small ]; then _rows=$SMALL; else _rows=$BIG; fi
		_found=$(sqlite3 -batch "$W/records-$_db.db" \
		    "SELECT code FROM dossiers WHERE rowid = $(( _rows / 2 ))")
		for _mode in found notfound; do
			if [ $_mode = found ]; then _code=$_found; else _code=$NOTFOUND_CODE; fi
			_a=$(cg_ir "$W/bench_inbound" "$W/records-$_db.db" 100 "$_code" $_mode) || return 1
			_b=$(cg_ir "$W/bench_inbound" "$W/records-$_db.db" 1100 "$_code" $_mode) || return 1
			[ $_db = small ] && [ $_mode = found ] && cp "$W/cg.out" "$W/cg-found.out"
			# The same loop natively, for an idea of the wall time (indicative only).
			_us=$("$W/bench_inbound" "$W/records-$_db.db" 1100 "$_code" $_mode |
			    awk '{ for (i = 1; i < NF; i++) if ($i == "loop_us") printf "%.0f", $(i + 1) / 1100 }')
			printf '   %-16s %-9s %14s %14s %10s %12s\n' "$(th "$_rows") rows" \
			    "$_mode" "$(th "$_a")" "$(th "$_b")" "$(th "$(marginal "$_a" "$_b" 1000)")" "$_us"
		done
	done
	echo "   Where a found query's instructions go (inclusive Ir of lib/ functions and of"
	echo "   sqlite3_prepare_v2, divided by K; 10,000 rows, K=1100 profile, set-up < 10% of it):"
	top_lib "$W/cg-found.out" 1100 12
}

# top_lib CALLGRIND_OUT K N: the N costliest lib/ functions (inclusive), Ir / K.
top_lib() {
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
	    awk -v k="$2" -v max="$3" '($0 ~ /\/lib\/[a-z]*\.c:/ && $0 !~ /_open|_load|_new|conf_/) ||
		$0 ~ /:sqlite3_prepare_v2 / {
		gsub(",", "", $1); f = $0; sub(/ \[.*/, "", f);
		if (f ~ /sqlite3_prepare_v2/) f = "libsqlite3: sqlite3_prepare_v2 (SQL compiled again)";
		else sub(/.*\/lib\//, "lib/", f);
		if (n++ < max) printf "     %10.0f  %s\n", $1 / k, f }'
}

section_scan() {
	echo
	echo "== 2. Ready-scan poll (notices_scan), idle and with 100 changes before each poll"
	echo "   idle: callgrind totals of M=10 and M=110 polls after the first (backfill) poll,"
	echo "   marginal = (Ir(110) - Ir(10)) / 100; changes: M=5 and M=25, each poll after 100"
	echo "   dossiers turned ready (the update not counted), marginal = (Ir(25) - Ir(5)) / 20."
	printf '   %-16s %8s %14s %14s %10s %13s\n' "records" "changes" "Ir(small M)" "Ir(big M)" "Ir/poll" \
	    "rows read"
	: > "$RES/scan.txt"
	for _db in small big; do
		if [ $_db = small ]; then _rows=$SMALL; else _rows=$BIG; fi
		for _ch in 0 100; do
			if [ $_ch = 0 ]; then _m1=10 _m2=110; else _m1=5 _m2=25; fi
			cp "$W/records-$_db.db" "$W/scan.db"
			_a=$(cg_ir "$W/bench_scan" "$W/scan.db" $_m1 $_ch) || return 1
			cp "$W/records-$_db.db" "$W/scan.db"
			_b=$(cg_ir "$W/bench_scan" "$W/scan.db" $_m2 $_ch) || return 1
			[ $_db = big ] && [ $_ch = 0 ] && cp "$W/cg.out" "$W/cg-scan.out"
			_rr=$(awk '{ for (i = 1; i < NF; i++) if ($i == "rows_per_idle_poll") print $(i + 1) }' \
			    "$W/cg.stdout")
			_per=$(marginal "$_a" "$_b" $(( _m2 - _m1 )))
			echo "$_rows $_ch $_per $_rr" >> "$RES/scan.txt"
			printf '   %-16s %8s %14s %14s %10s %13s\n' "$(th "$_rows") rows" "$_ch" "$(th "$_a")" \
			    "$(th "$_b")" "$(th "$_per")" "$_rr"
		done
	done
	rm -f "$W/scan.db"
	echo "   Where an idle poll's instructions go (inclusive, Ir / 110 from the M=110 profile"
	echo "   at $(th "$BIG") rows, whose set-up is about a third of the run):"
	top_lib "$W/cg-scan.out" 110 6
}

section_broadcast() {
	echo
	echo "== 4. Broadcast enqueue: dossierctl broadcast --numbers FILE (50,000 numbers) --yes"
	mkdir -p "$W/bc"
	cat > "$W/bc/d.conf" <<CONF
modems = ( { device = "$W/bc/modem"; } );
records = { path = "$W/records-small.db"; };
state = { path = "$W/bc/state.db"; };
CONF
	awk 'BEGIN { for (i = 0; i < 50000; i++) printf "09%08d\n", 10000000 + i * 13 }' > "$W/bc/numbers.txt"
	/usr/bin/time -v "$DOSSIERCTL" -c "$W/bc/d.conf" broadcast --numbers "$W/bc/numbers.txt" \
	    --text "Thong bao: UBND xa Hoa Tien nghi le ngay 2/9." --yes > "$W/bc/out.txt" 2> "$W/bc/time.txt" ||
	    { cat "$W/bc/out.txt" "$W/bc/time.txt" >&2; return 1; }
	awk -F': ' '/Elapsed/ { n = split($2, t, ":"); w = t[n] + (n > 1 ? 60 * t[n - 1] : 0) }
	    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { m = $2 }
	    END { printf "n=50000 wall=%.2f cpu=%.2f hwm=%d\n", w, u + s, m }' "$W/bc/time.txt" > "$RES/broadcast.txt"
	sed 's/^/   /' "$RES/broadcast.txt"
}

# ---------------------------------------------------------------- main
main() {
	_start=$(date +%s)
	RES=$W/res
	mkdir -p "$RES"
	UPTIME0=$(uptime | sed 's/.*load/load/')
	GIT0=$(git -C "$top_srcdir" describe --always --dirty 2>/dev/null || echo "(not a git tree)")
	echo "dossierd benchmarks, $(date '+%Y-%m-%d %H:%M:%S %Z')"
	echo "machine: $(nproc) CPU(s), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1),"
	echo "         $(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
	echo "versions: $("$DOSSIERD" -V 2>&1 | head -1), sqlite $(sqlite3 -batch :memory: 'SELECT sqlite_version()'),"
	echo "          libconfig $(pkg-config --modversion libconfig 2>/dev/null || echo '?'), libgammu $(pkg-config --modversion gammu 2>/dev/null || echo '?'),"
	echo "          $(valgrind --version 2>/dev/null || echo 'valgrind missing'), $(${CC:-cc} --version | head -1)"
	echo "build: $top_builddir (CFLAGS of that build; the bench programs: -O2)"

	gen_records "$W/records-small.db" $SMALL || { echo "bench: records generation failed" >&2; return 1; }
	if command -v valgrind >/dev/null 2>&1; then
		_t=$(date +%s)
		gen_records "$W/records-big.db" "$BIG" ||
		    { echo "bench: records generation failed" >&2; return 1; }
		echo "records: generated $(th "$BIG") dossiers (+4 recent) in $(( $(date +%s) - _t )) s," \
		    "$(( $(stat -c %s "$W/records-big.db") / 1048576 )) MB"
		build_benches || { echo "bench: cannot build the bench programs" >&2; return 1; }
		for _t in smsd gammu-smsd gammu-smsd-inject; do
			command -v $_t >/dev/null 2>&1 ||
			    { echo "bench: $_t is required (apt-get install smstools gammu-smsd)" >&2; return 1; }
		done
		section_cpu || return 1
		section_scan || return 1
	else
		echo
		echo "== 1-2. skipped: valgrind is not installed (apt-get install valgrind)"
	fi
	echo
	echo "== 3. bench/suite.sh: dossierd and the peers on fake AT modems (this is the long part)"
	# The slow disk of suite.sh's dz-lat-slow (bench/at.py --slow-sync).
	${CC:-cc} -std=c11 -O2 -Wall -Wextra -shared -fPIC -o "$W/slowsync.so" \
	    "$here/slowsync.c" -ldl ||
	    { echo "bench: cannot build bench/slowsync.c" >&2; return 1; }
	top_srcdir=$top_srcdir top_builddir=$top_builddir RES=$RES BIG=$W/records-big.db \
	    BENCH_SLOWSYNC=$W/slowsync.so sh "$here/suite.sh" || return 1
	rm -f "$W/records-big.db"	# several hundred MB
	section_broadcast || return 1
	{
		echo "# dossierd benchmark results"
		echo
		echo "Written by \`make bench\` (bench/run.sh$( [ "${BENCH_QUICK:-0}" = 1 ] && echo ', BENCH_QUICK=1')) on $(date '+%Y-%m-%d %H:%M %Z')."
		echo
		echo "- machine: $(nproc) CPU(s), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
		echo "- load: at start $UPTIME0; at the end $(uptime | sed 's/.*load/load/')"
		echo "- versions: $("$DOSSIERD" -V 2>&1 | head -1), sqlite $(sqlite3 -batch :memory: 'SELECT sqlite_version()'), libgammu $(pkg-config --modversion gammu 2>/dev/null || echo '?'), $(valgrind --version), gammu-smsd $(gammu-smsd --version 2>/dev/null | sed -n '1s/[^0-9]*\([0-9][0-9.]*\).*/\1/p'), smstools3 $(dpkg-query -W -f='${Version}' smstools 2>/dev/null)"
		echo "- build: $(sed -n 's/^CFLAGS = //p' "$top_builddir/Makefile" | head -1) (CFLAGS of $top_builddir), git $GIT0 when the run started"
		echo "- configuration: records $(th "$BIG") generated dossiers; fake AT modem tests/fakemodem (connection dku2at, model at, SIM of 30 slots); see bench/suite.sh for each run"
	} > "$RES/header.txt"
	python3 "$here/report.py" "$RES" "$top_srcdir/bench/results.md" || return 1
	echo
	echo "total time of bench/run.sh: $(( $(date +%s) - _start )) s"
}

(
	trap cleanup EXIT
	trap 'exit 1' INT TERM
	main
	echo $? > "$W.rc"
) 2>&1 | tee "$COPY"
rc=$(cat "$W.rc" 2>/dev/null || echo 1)
rm -f "$W.rc"
echo "(a copy of this output: $COPY)"
exit "$rc"
