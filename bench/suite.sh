#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The AT-modem workloads of issue #15 (see bench/run.sh for the whole
# `make bench`): dossierd, smstools3 and gammu-smsd on fresh fake AT modems,
# run side by side (the wall-clock of a reply is libgammu's sleeps, not
# CPU), each run writing one JSON file into $RES. Instruction counts are
# callgrind's and do not depend on the load; latencies do (see uptime).
#
# Environment: top_srcdir, top_builddir, RES (output dir), BIG (records DB
# of 1,000,000 dossiers), BENCH_SLOWSYNC (bench/slowsync.c built as a shared
# object), BENCH_QUICK=1 (smaller counts, ~12 min).
set -u
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
AT="python3 $here/at.py"
Q=${BENCH_QUICK:-0}
if [ "$Q" = 1 ]; then
	K1=20 K2=220 KB=300 KL=60 IDLE=120 PK1=3 PK2=13 PL=10 NLONG=10000 NAT=5000
	YK2=220 YEAR=30000
else
	K1=50 K2=1050 KB=1000 KL=200 IDLE=600 PK1=5 PK2=35 PL=30 NLONG=100000 NAT=50000
	YK2=550 YEAR=300000
fi
W=$RES/work
mkdir -p "$W"
# A state db after a year of use, YEAR answered queries (bench/history.sql):
# the dz-year runs start on copies of it.
SEED=$W/state-year.db
printf 'modems = ( { name = "usb0"; device = "/dev/null"; connection = "at"; } );\n%s\n%s\n' \
    "records = { path = \"$BIG\"; };" "state = { path = \"$SEED\"; };" > "$W/seed.conf"
if ! "$top_builddir/daemon/dossierctl" -c "$W/seed.conf" status >/dev/null ||
    ! sqlite3 -batch -cmd ".parameter set :N $YEAR" "$SEED" < "$here/history.sql" >/dev/null; then
	echo "suite: the year-old state db could not be made" >&2
	exit 1
fi
PIDS=""
# Interrupted: stop the runs (each stops its fake modem and gateway on SIGTERM).
trap 'for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done; wait; exit 1' INT TERM
run() {	# run NAME ARGS...: one at.py run in the background
	_n=$1; shift
	$AT --work "$W/$_n" --records "$BIG" --out "$RES/$_n.json" "$@" > "$RES/$_n.txt" 2>&1 &
	PIDS="$PIDS $!"
}
# dossierd: per-query cost (callgrind, two bursts), idle cost, memory and
# throughput through a burst, latency with the default configuration.
run dz-cg-k1 --target dossierd --profile burst --callgrind --queries $K1 --idle-before 10
run dz-cg-k2 --target dossierd --profile burst --callgrind --queries $K2 --idle-before 10 --timeout $((K2 * 4 + 300))
run dz-idle --target dossierd --profile default --callgrind --idle-before $IDLE
run dz-burst --target dossierd --profile burst --queries $KB --idle-before 5 --idle-after 10
run dz-lat --target dossierd --profile default --queries $KL --spacing 3.5 --idle-before 5 --idle-after 5
# The same on a slow disk: every fsync 150 ms (BENCH_SLOWSYNC, bench/slowsync.c).
run dz-lat-slow --target dossierd --profile default --queries $KL --spacing 3.5 --idle-before 5 \
    --idle-after 5 --slow-sync 150
# Memory over 100,000 handled messages on the AT modem: NAT queries in, NAT
# replies out (about 14 ms a query on the fake modem).
run dz-at-long --target dossierd --profile burst --queries $NAT --idle-before 5 --idle-after 10 \
    --timeout $((NAT / 10 + 900))
# smstools3: a 300-query burst at stock and fast settings, per-query cost,
# idle cost, latency spread in time.
run smsd-burst-stock --target smsd --profile stock --queries 300 --idle-before 5
run smsd-cg-k1 --target smsd --profile stock --callgrind --queries $PK1 --idle-before 5
run smsd-cg-k2 --target smsd --profile stock --callgrind --queries $PK2 --idle-before 5 --timeout 1800
run smsd-idle --target smsd --profile stock --callgrind --idle-before $IDLE
run smsd-lat --target smsd --profile stock --queries $PL --spacing 4 --idle-before 5
# gammu-smsd at stock settings.
run gs-cg-k1 --target gammu-smsd --profile stock --callgrind --queries $PK1 --idle-before 5
run gs-cg-k2 --target gammu-smsd --profile stock --callgrind --queries $PK2 --idle-before 5 --timeout 1800
run gs-idle --target gammu-smsd --profile stock --callgrind --idle-before $IDLE
run gs-lat --target gammu-smsd --profile stock --queries $PL --spacing 4 --idle-before 5 --timeout 900
# dossierd on the dummy modem: memory over many handled messages (its driver
# keeps what it has read: a figure of the dummy, not of a modem).
BENCH_LONG_DRAIN=${BENCH_LONG_DRAIN:-300} python3 "$here/dummy_long.py" "$W/dz-long" "$BIG" $NLONG "$RES/dz-long.json" > "$RES/dz-long.txt" 2>&1 &
PIDS="$PIDS $!"
for p in $PIDS; do wait "$p"; done
# gammu-smsd at its fastest (LoopSleep 0: a busy loop that takes a core,
# so after the others).
PIDS=""
run gs-fast-cg-k1 --target gammu-smsd --profile fast --callgrind --queries $PK1 --idle-before 5
run gs-fast-cg-k2 --target gammu-smsd --profile fast --callgrind --queries $PK2 --idle-before 5 --timeout 1800
run gs-fast-idle --target gammu-smsd --profile fast --callgrind --idle-before 60
run smsd-burst-fast --target smsd --profile fast --queries 300 --idle-before 5
for p in $PIDS; do wait "$p"; done
PIDS=""
run gs-fast-lat --target gammu-smsd --profile fast --queries $PL --spacing 2 --idle-before 5
run smsd-fast-lat --target smsd --profile fast --queries $PL --spacing 4 --idle-before 5
for p in $PIDS; do wait "$p"; done
# The per-query cost again on the year-old state db (every table deeper), by
# themselves: the latencies above are not measured beside them.
PIDS=""
run dz-year-k1 --target dossierd --profile burst --callgrind --queries $K1 --idle-before 10 --state-seed "$SEED"
run dz-year-k2 --target dossierd --profile burst --callgrind --queries $YK2 --idle-before 10 \
    --state-seed "$SEED" --timeout $((YK2 * 4 + 300))
for p in $PIDS; do wait "$p"; done
