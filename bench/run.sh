#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dossierd benchmarks: figures, not pass/fail; never
# part of `make check`. Run with `make bench`, or by hand: sh bench/run.sh.
#
#   1. CPU instructions per handled query (callgrind, lib/ only), records
#      table at 10,000 and at 1,000,000 rows, found and not-found codes.
#   2. Instructions per idle ready-scan poll at 10,000 and 1,000,000 rows.
#   3. End-to-end throughput and latency of dossierd on Gammu's dummy modem.
#   4. Resident memory over a longer run (queries and ready notices).
#   5. The same workload through gammu-smsd with a RunOnReceive script.
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
# BENCH_E2E (queries in section 3, 300), BENCH_LONG (queries in section 4,
# 2000), BENCH_NOTICES (ready notices in section 4, 1000), BENCH_SMSD=0
# skips section 5, BENCH_SMSD_SLOW (queries through gammu-smsd with its
# default LoopSleep, 30).
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
	echo "== 2. Ready-scan idle poll (notices_scan with nothing new since the watermark)"
	echo "   callgrind totals of M=10 and M=110 idle polls after the first (backfill) poll;"
	echo "   marginal = (Ir(110) - Ir(10)) / 100. Each idle poll re-reads the rows changed"
	echo "   within RESCAN_MARGIN (600 s) of the watermark: here exactly 1 at every size."
	printf '   %-16s %14s %14s %10s %13s %12s\n' "records" "Ir(M=10)" "Ir(M=110)" "Ir/poll" \
	    "rows re-read" "native us/p"
	for _db in small big; do
		if [ $_db = small ]; then _rows=$SMALL; else _rows=$BIG; fi
		_a=$(cg_ir "$W/bench_scan" "$W/records-$_db.db" 10) || return 1
		_b=$(cg_ir "$W/bench_scan" "$W/records-$_db.db" 110) || return 1
		[ $_db = big ] && cp "$W/cg.out" "$W/cg-scan.out"
		_rr=$(awk '{ for (i = 1; i < NF; i++) if ($i == "rows_per_idle_poll") print $(i + 1) }' \
		    "$W/cg.stdout")
		_us=$("$W/bench_scan" "$W/records-$_db.db" 110 |
		    awk '{ for (i = 1; i < NF; i++) if ($i == "loop_us") printf "%.0f", $(i + 1) / 110 }')
		printf '   %-16s %14s %14s %10s %13s %12s\n' "$(th "$_rows") rows" "$(th "$_a")" \
		    "$(th "$_b")" "$(th "$(marginal "$_a" "$_b" 100)")" "$_rr" "$_us"
	done
	echo "   Where an idle poll's instructions go (inclusive, Ir / 110 from the M=110 profile"
	echo "   at $(th "$BIG") rows, whose set-up is about a third of the run):"
	top_lib "$W/cg-scan.out" 110 6
}

# ---------------------------------------------------------------- daemon
# write_dconf DIR: a config on Gammu's dummy modem in DIR/dummy.
write_dconf() {
	mkdir -p "$1/dummy/sms/1" "$1/dummy/sms/2" "$1/dummy/sms/3" "$1/dummy/sms/4" \
	    "$1/dummy/sms/5"
	cat > "$1/d.conf" <<CONF
modems = ( { name = "dummy"; device = "$1/dummy"; connection = "none"; model = "dummy"; poll_interval = 1; } );
records = { path = "$1/records.db"; };
state = { path = "$1/state.db"; };
sms = { per_minute = 6000; };
limits = { lookups_per_day = 10000; misses_per_hour = 10000; replies_per_number_per_day = 10000; };
notices = { window = "00:00-00:00"; poll_interval = 1; per_number_per_day = 100; };
CONF
}

# start_stamped DIR LOG CMD...: run CMD in the background with its stderr
# through a FIFO to a line-timestamper (epoch seconds, ms) writing DIR/LOG;
# sets BGPID to CMD's pid and STAMP_PID to the timestamper's.
start_stamped() {
	_d=$1; _log=$2; shift 2
	rm -f "$_d/$_log.fifo"
	: > "$_d/$_log"
	mkfifo "$_d/$_log.fifo" || return 1
	perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.3f %s", time, $_' \
	    < "$_d/$_log.fifo" > "$_d/$_log" &
	STAMP_PID=$!
	"$@" > /dev/null 2> "$_d/$_log.fifo" &
	BGPID=$!
}

stop_bg() {	# stop_bg PID
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	[ -n "$STAMP_PID" ] && wait "$STAMP_PID" 2>/dev/null
	STAMP_PID=""
}

start_dossierd() {
	start_stamped "$1" dossierd.log "$DOSSIERD" -f -c "$1/d.conf" || return 1
	DPID=$BGPID
	if ! wait_for 30 "grep -q 'connected' '$1/dossierd.log'"; then
		echo "bench: dossierd did not connect to the dummy modem:" >&2
		tail -20 "$1/dossierd.log" >&2
		return 1
	fi
}

dq() { sqlite3 -batch "$1/state.db" "$2" 2>/dev/null; }

# inject_all DIR CONF FIRST N: N lookups of distinct existing codes (rowid
# FIRST.. of DIR/records.db) from distinct numbers +8491N..., one dossierctl
# process each; appends "number,epoch_s" to DIR/inject.csv.
inject_all() {
	sqlite3 -batch "$1/records.db" \
	    "SELECT rowid, code FROM dossiers WHERE rowid >= $3 ORDER BY rowid LIMIT $4" |
	while IFS='|' read -r _id _code; do
		_num=$(printf '+8491%07d' "$_id")
		"$DOSSIERCTL" -c "$2" inject "$_num" "HS $_code" >/dev/null ||
		    { echo "bench: inject failed" >&2; return 1; }
		echo "$_num,$(now_s)" >> "$1/inject.csv"
	done
}

# pct DB TABLE COLUMN P: the P-th percentile (nearest rank) of a column.
pct() {
	sqlite3 -batch "$1" "SELECT $3 FROM $2 ORDER BY $3 LIMIT 1 OFFSET
	    (SELECT max(0, (count(*) * $4 + 99) / 100 - 1) FROM $2)"
}

section_e2e() {
	_d=$W/e2e
	mkdir -p "$_d"
	cp "$W/records-small.db" "$_d/records.db"
	write_dconf "$_d"
	echo
	echo "== 3. End to end: dossierd on Gammu's dummy modem, $E2E_N lookups injected while running"
	echo "   (sms.per_minute = 6000, i.e. one send per 10 ms; modem poll_interval = 1 s;"
	echo "   records: $(th $SMALL) rows; every SMS a distinct code from a distinct number)"
	start_dossierd "$_d" || return 1
	sleep 2
	_rss0=$(vmrss $DPID)
	_split0=$(rss_split $DPID)
	_icpu0=$(cpu_s $DPID)
	sleep 5
	_idle=$(calc '%.2f' "$(cpu_s $DPID) - $_icpu0")
	_cpu0=$(cpu_s $DPID)
	: > "$_d/inject.csv"
	_t0=$(now_ms)
	inject_all "$_d" "$_d/d.conf" 1 "$E2E_N" || return 1
	_t1=$(now_ms)
	wait_for 120 "[ \"\$(dq '$_d' \"SELECT count(*) FROM outbox WHERE lane = 0 AND state = 'sent'\")\" -ge $E2E_N ]" ||
	    { echo "bench: not all replies were sent; see $_d/dossierd.log" >&2; KEEP=1; return 1; }
	_cpu1=$(cpu_s $DPID)
	_hwm=$(vmhwm $DPID)
	_rss1=$(vmrss $DPID)
	_split1=$(rss_split $DPID)
	stop_bg $DPID
	DPID=""
	e2e_report "$_d" "$_t0" "$_t1" "$E2E_N"
	echo "   dossierd CPU: $(calc '%.2f' "$_cpu1 - $_cpu0") s during the run, $_idle s in 5 s idle before it (the dummy"
	echo "   phone's inbox poll, ~92 M instructions, once a second, is most of both: 5 folders x 10,000 file names)"
	echo "   dossierd memory: peak (VmHWM) $_hwm kB; VmRSS $_rss0 kB idle before ($_split0),"
	echo "   $_rss1 kB after ($_split1)"
	_n=$(sqlite3 -batch "$_d/an.db" "SELECT count(*) FROM lat")
	_last=$(sqlite3 -batch "$_d/an.db" "SELECT max(t) FROM sent")
	_wall=$(awk -v a="$_t0" -v b="$_last" 'BEGIN { printf "%.3f", b - a / 1000 }')
	DZ_ROW=$(printf '%-24s %6s %9s %9s %9s %9s %9s %9s %9s' "dossierd" "$_n" "$_wall" \
	    "$(calc '%.1f' "$_n / $_wall")" "$(pct "$_d/an.db" lat ms 50 | cut -d. -f1)" \
	    "$(pct "$_d/an.db" lat ms 95 | cut -d. -f1)" "$(calc '%.2f' "$_cpu1 - $_cpu0")" "$_idle" "$_hwm")
}

# e2e_report DIR T0_MS T1_MS N: throughput and latency of the replies.
e2e_report() {
	sed -n 's/^\([0-9.]*\) .* outbox: #\([0-9]*\): sent to .*(reply, .*/\2,\1/p' \
	    "$1/dossierd.log" > "$1/sent.csv"
	rm -f "$1/an.db"
	sqlite3 -batch "$1/an.db" <<SQL
CREATE TABLE inj (number TEXT, t REAL);
CREATE TABLE sent (id INTEGER, t REAL);
.mode csv
.import $1/inject.csv inj
.import $1/sent.csv sent
ATTACH '$1/state.db' AS s;
CREATE TABLE lat AS SELECT o.id, o.sent_at - i.received_at AS db_s,
    (sent.t - inj.t) * 1000 AS ms
  FROM s.outbox o JOIN s.inbox i ON i.id = o.inbox_id
  JOIN sent ON sent.id = o.id JOIN inj ON inj.number = o.number
  WHERE o.lane = 0 AND o.state = 'sent';
SQL
	_n=$(sqlite3 -batch "$1/an.db" "SELECT count(*) FROM lat")
	_last=$(sqlite3 -batch "$1/an.db" "SELECT max(t) FROM sent")
	_wall=$(awk -v a="$2" -v b="$_last" 'BEGIN { printf "%.3f", b - a / 1000 }')
	echo "   injected $4 SMS in $(ms_diff "$2" "$3") s ($(calc '%.0f' "$4 / ($3 - $2) * 1000") SMS/s, one dossierctl process each)"
	echo "   replies sent: $_n; first inject -> last reply sent: $_wall s = $(calc '%.1f' "$_n / $_wall") replies/s"
	_burst=$(sqlite3 -batch "$1/an.db" "SELECT printf('%.3f s = %.1f replies/s', max(t) - min(t),
	    (count(*) - 1) / (max(t) - min(t))) FROM sent")
	echo "   first reply sent -> last: $_burst (ceiling of sms.per_minute 6000: 100/s)"
	echo "   latency, inject -> sent (ms, from timestamped log; includes waiting for the 1 s modem poll):"
	echo "     median $(pct "$1/an.db" lat ms 50 | cut -d. -f1), p95 $(pct "$1/an.db" lat ms 95 | cut -d. -f1), max $(sqlite3 -batch "$1/an.db" 'SELECT CAST(max(ms) AS INTEGER) FROM lat')"
	echo "   latency, inbox received_at -> outbox sent_at (state DB, whole seconds):"
	echo "     median $(pct "$1/an.db" lat db_s 50) s, p95 $(pct "$1/an.db" lat db_s 95) s, max $(sqlite3 -batch "$1/an.db" 'SELECT max(db_s) FROM lat') s"
}

section_long() {
	_d=$W/long
	mkdir -p "$_d"
	cp "$W/records-small.db" "$_d/records.db"
	write_dconf "$_d"
	_total=$(( LONG_N + NOTICES_N ))
	echo
	echo "== 4. Memory over a longer run: $LONG_N lookups + $NOTICES_N ready notices through dossierd"
	start_dossierd "$_d" || return 1
	sleep 2
	_t0=$(now_ms)
	printf '   %-28s %10s %10s %10s %8s\n' "point" "VmRSS kB" "RssAnon kB" "VmHWM kB" "CPU s"
	printf '   %-28s %10s %10s %10s %8s\n' "connected, idle" "$(vmrss $DPID)" "$(rss_anon $DPID)" \
	    "$(vmhwm $DPID)" "$(cpu_s $DPID)"
	: > "$_d/inject.csv"
	# Half the lookups, then 1,000 dossiers turn ready (the records software's
	# write), then the other half, all while the daemon answers and sends.
	_half=$(( LONG_N / 2 ))
	inject_all "$_d" "$_d/d.conf" 1 $_half || return 1
	sqlite3 -batch "$_d/records.db" "UPDATE dossiers SET status = 9,
	    finished_at = date('now', 'localtime'), returned_at = NULL, notify_sms = 1,
	    phone = printf('0914%06d', rowid),
	    updated_at = strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime')
	    WHERE rowid > $LONG_N AND rowid <= $(( LONG_N + NOTICES_N ))" ||
	    { echo "bench: records update failed" >&2; return 1; }
	inject_all "$_d" "$_d/d.conf" $(( _half + 1 )) $(( LONG_N - _half )) || return 1
	_next=500
	_end=$(( $(date +%s) + 300 ))
	while :; do
		_sent=$(dq "$_d" "SELECT count(*) FROM outbox WHERE state = 'sent'")
		_sent=${_sent:-0}
		while [ "$_sent" -ge $_next ] && [ $_next -le $_total ]; do
			printf '   %-28s %10s %10s %10s %8s\n' "$(th $_next) messages sent" "$(vmrss $DPID)" \
			    "$(rss_anon $DPID)" "$(vmhwm $DPID)" "$(cpu_s $DPID)"
			_next=$(( _next + 500 ))
		done
		[ "$_sent" -ge $_total ] && break
		if [ "$(date +%s)" -ge $_end ]; then
			echo "bench: only $_sent of $_total messages sent; see $_d/dossierd.log" >&2
			KEEP=1
			return 1
		fi
		sleep 0.2
	done
	_t1=$(now_ms)
	sleep 5
	printf '   %-28s %10s %10s %10s %8s\n' "all sent, 5 s idle" "$(vmrss $DPID)" "$(rss_anon $DPID)" \
	    "$(vmhwm $DPID)" "$(cpu_s $DPID)"
	echo "   $_total messages ($(dq "$_d" "SELECT count(*) FROM outbox WHERE lane = 2 AND state = 'sent'") notices) sent in $(ms_diff "$_t0" "$_t1") s from the first inject;"
	echo "   state DB $(( $(stat -c %s "$_d/state.db") / 1024 )) kB + WAL $(( $(stat -c %s "$_d/state.db-wal" 2>/dev/null || echo 0) / 1024 )) kB"
	stop_bg $DPID
	DPID=""
}

# ---------------------------------------------------------------- gammu-smsd
# The naive alternative: gammu-smsd (files service) and a RunOnReceive shell
# script that extracts the code, reads records.db with sqlite3 and queues the
# answer with gammu-smsd-inject: no parsing of sloppy codes, no limits, no
# privacy rules, no audit, no lanes; a lower bound of the work, not equal work.
write_smsd() {	# write_smsd DIR LOOPSLEEP
	mkdir -p "$1/phone/sms/1" "$1/phone/sms/2" "$1/phone/sms/3" "$1/phone/sms/4" \
	    "$1/phone/sms/5" "$1/in" "$1/out" "$1/sent" "$1/err"
	cat > "$1/onreceive.sh" <<EOF
#!/bin/sh
# RunOnReceive: look the dossier up, queue the answer.
code=\$(printf '%s\n' "\$SMS_1_TEXT" |
    sed -n 's/.*\([0-9]\{3\}\.[0-9][0-9]\.[0-9][0-9]\.[A-Z][0-9][0-9]-[0-9]\{6\}-[0-9]\{1,4\}\).*/\1/p')
if [ -z "\$code" ]; then
	reply="Chua dung cu phap. Vi du: HS 000.00.12.H39-240824-0001"
else
	row=\$(sqlite3 -readonly -batch '$1/records.db' \
	    "SELECT status, due_at FROM dossiers WHERE code = '\$code'")
	if [ -n "\$row" ]; then
		reply="Ho so \$code: trang thai \${row%%|*}. Hen tra: \${row#*|}."
	else
		reply="Khong tim thay ho so \$code."
	fi
fi
exec gammu-smsd-inject -c '$1/smsd.conf' TEXT "\$SMS_1_NUMBER" -text "\$reply" >/dev/null 2>&1
EOF
	cat > "$1/smsd.conf" <<EOF
[gammu]
device = $1/phone
model = dummy
connection = none

[smsd]
service = files
logfile = stderr
debuglevel = 0
inboxpath = $1/in/
outboxpath = $1/out/
sentsmspath = $1/sent/
errorsmspath = $1/err/
RunOnReceive = sh $1/onreceive.sh
CheckSecurity = 0
CheckBattery = 0
CheckSignal = 0
CheckNetwork = 0
StatusFrequency = 0
ReceiveFrequency = 1
CommTimeout = 1
LoopSleep = $2
EOF
	# dossierctl inject only needs a config naming the dummy phone.
	cat > "$1/inject.conf" <<EOF
modems = ( { device = "$1/phone"; model = "dummy"; connection = "none"; } );
records = { path = "$1/records.db"; };
state = { path = "$1/inject-state.db"; };
EOF
}

# smsd_run DIR LOOPSLEEP N: one gammu-smsd run; prints a table row.
smsd_run() {
	_d=$1
	mkdir -p "$_d"
	cp "$W/records-small.db" "$_d/records.db"
	write_smsd "$_d" "$2"
	start_stamped "$_d" smsd.log gammu-smsd -c "$_d/smsd.conf" || return 1
	SPID=$BGPID
	if ! wait_for 30 "grep -q 'Starting phone communication' '$_d/smsd.log'"; then
		echo "bench: gammu-smsd did not start:" >&2
		tail -20 "$_d/smsd.log" >&2
		return 1
	fi
	sleep 2
	_icpu0=$(cpu_s $SPID)
	sleep 5
	_idle=$(calc '%.2f' "$(cpu_s $SPID) - $_icpu0")
	_cpu0=$(cpu_s $SPID)
	: > "$_d/inject.csv"
	_t0=$(now_ms)
	inject_all "$_d" "$_d/inject.conf" 1 "$3" || return 1
	_t1=$(now_ms)
	wait_for $(( 60 + 3 * $3 )) "[ \$(ls '$_d/sent' | wc -l) -ge $3 ]" ||
	    { echo "bench: gammu-smsd sent only $(ls "$_d/sent" | wc -l) of $3; see $_d/smsd.log" >&2; KEEP=1; return 1; }
	_cpu1=$(cpu_s $SPID)
	_hwm=$(vmhwm $SPID)
	stop_bg $SPID
	SPID=""
	sed -n 's/^\([0-9.]*\) .* Transmitted .* to \(+[0-9]*\), .*/\2,\1/p' "$_d/smsd.log" > "$_d/sent.csv"
	rm -f "$_d/an.db"
	sqlite3 -batch "$_d/an.db" <<SQL
CREATE TABLE inj (number TEXT, t REAL);
CREATE TABLE sent (number TEXT, t REAL);
.mode csv
.import $_d/inject.csv inj
.import $_d/sent.csv sent
CREATE TABLE lat AS SELECT (sent.t - inj.t) * 1000 AS ms FROM sent JOIN inj USING (number);
SQL
	_n=$(sqlite3 -batch "$_d/an.db" "SELECT count(*) FROM lat")
	_last=$(sqlite3 -batch "$_d/an.db" "SELECT max(t) FROM sent")
	_wall=$(awk -v a="$_t0" -v b="$_last" 'BEGIN { printf "%.3f", b - a / 1000 }')
	SMSD_ROW=$(printf '%-24s %6s %9s %9s %9s %9s %9s %9s %9s' "gammu-smsd LoopSleep=$2" "$_n" "$_wall" \
	    "$(calc '%.1f' "$_n / $_wall")" "$(pct "$_d/an.db" lat ms 50 | cut -d. -f1)" \
	    "$(pct "$_d/an.db" lat ms 95 | cut -d. -f1)" "$(calc '%.2f' "$_cpu1 - $_cpu0")" "$_idle" "$_hwm")
}

section_smsd() {
	echo
	echo "== 5. Side by side: the same lookups through gammu-smsd + RunOnReceive script"
	if [ "${BENCH_SMSD:-1}" = 0 ]; then
		echo "   skipped (BENCH_SMSD=0)"
		return 0
	fi
	if ! command -v gammu-smsd >/dev/null 2>&1 || ! command -v gammu-smsd-inject >/dev/null 2>&1; then
		echo "   skipped: gammu-smsd is not installed (Debian package gammu-smsd)"
		return 0
	fi
	echo "   gammu-smsd $(gammu-smsd --version 2>/dev/null | sed -n '1s/[^0-9]*\([0-9][0-9.]*\).*/\1/p'), files service, dummy phone;"
	echo "   RunOnReceive = sh script: sed extracts a well-formed code, sqlite3 reads records.db,"
	echo "   gammu-smsd-inject queues the answer. It does much less than dossierd (no sloppy-code"
	echo "   parsing, limits, privacy, audit, lanes, exactly-once): a floor, not equal work."
	echo "   gammu-smsd sends one message per main-loop pass and sleeps LoopSleep s between passes:"
	echo "   LoopSleep = 0 (fast, but the loop never sleeps: see the idle CPU column) on the full"
	echo "   workload, the default LoopSleep = 1 on $SMSD_SLOW_N lookups."
	echo "   CPU = user+sys of the daemon and its waited-for children during the run;"
	echo "   idle CPU = the same over 5 s with nothing to do; latency inject -> sent."
	echo "   The dossierd row is section 3's run."
	smsd_run "$W/smsd0" 0 "$E2E_N" || return 1
	_row0=$SMSD_ROW
	smsd_run "$W/smsd1" 1 "$SMSD_SLOW_N" || return 1
	_row1=$SMSD_ROW
	printf '   %-24s %6s %9s %9s %9s %9s %9s %9s %9s\n' "" "SMS" "wall s" "SMS/s" "p50 ms" \
	    "p95 ms" "CPU s" "idle 5s" "HWM kB"
	echo "   $DZ_ROW"
	echo "   $_row0"
	echo "   $_row1"
	echo "   (gammu-smsd's HWM is the daemon alone: each message also starts sh, sed, sqlite3 and"
	echo "   gammu-smsd-inject processes)"
}

# ---------------------------------------------------------------- main
main() {
	_start=$(date +%s)
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
		section_cpu || return 1
		section_scan || return 1
	else
		echo
		echo "== 1-2. skipped: valgrind is not installed (apt-get install valgrind)"
	fi
	rm -f "$W/records-big.db"	# several hundred MB
	section_e2e || return 1
	section_long || return 1
	section_smsd || return 1
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
