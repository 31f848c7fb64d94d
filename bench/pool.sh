#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Throughput of a pool of modems: the same burst of replies through 1, 2 and 3
# fake AT modems (tests/fakemodem) over libgammu's AT driver, all queries arriving
# on the first modem, replies allowed on any (reply_same_modem = false), pacing
# out of the way (per_minute 6000), no delivery reports. Prints messages per
# minute from the fake modems' own logs (first to last part accepted) and each
# modem's share. Figures, not pass/fail; never part of `make check`.
#
# Environment: top_srcdir, top_builddir (default: this script's ../ and
# ../build-plain or ../), BENCH_POOL (replies per run, 120), KEEP=1.
set -u
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
if [ -z "${top_builddir:-}" ]; then
	if [ -x "$top_srcdir/build-plain/daemon/dossierd" ]; then top_builddir=$top_srcdir/build-plain
	else top_builddir=$top_srcdir; fi
fi
N=${BENCH_POOL:-120}
DOSSIERD=$top_builddir/daemon/dossierd
FM="python3 $top_srcdir/tests/fakemodem/fakemodem.py"
W=$(mktemp -d "${TMPDIR:-/tmp}/dossierd-bench-pool.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
[ -x "$DOSSIERD" ] || { echo "bench/pool.sh: build first ($DOSSIERD missing)" >&2; exit 1; }

run() {	# run K: a pool of K modems, N replies
	k=$1 d="$W/k$k"
	mkdir -p "$d"
	sqlite3 "$d/records.db" < "$top_srcdir/etc/records-schema.sql"
	mods=""
	for i in $(seq 1 "$k"); do
		$FM --link "$d/m$i" --log "$d/m$i.log" --control "$d/m$i.sock" > "$d/m$i.out" 2>&1 &
		PIDS="$PIDS $!"
		mods="$mods{ name = \"usb$i\"; device = \"$d/m$i\"; connection = \"dku2at\"; model = \"at\"; reply_same_modem = false; },"
	done
	for i in $(seq 1 "$k"); do
		t=0; until grep -q ready "$d/m$i.out" 2>/dev/null; do sleep 0.1; t=$((t + 1)); [ $t -gt 100 ] && exit 1; done
	done
	cat > "$d/d.conf" <<CONF
modems = ( ${mods%,} );
records = { path = "$d/records.db"; };
state = { path = "$d/state.db"; };
sms = { per_minute = 6000; delivery_reports = false; };
limits = { replies_per_number_per_day = 10000; };
ussd = { interval = 0; };
CONF
	"$DOSSIERD" -f -c "$d/d.conf" > "$d/dossierd.log" 2>&1 &
	dp=$!
	PIDS="$PIDS $dp"
	t=0
	until [ "$(sqlite3 -cmd '.timeout 5000' "$d/state.db" "SELECT count(*) FROM modems WHERE state = 'ready'" 2>/dev/null)" = "$k" ]; do
		sleep 0.2; t=$((t + 1)); [ $t -gt 200 ] && { echo "modems not ready" >&2; exit 1; }
	done
	i=0
	while [ $i -lt "$N" ]; do
		$FM ctl "$d/m1.sock" inject from=+8491$(printf '%07d' $i) text=HD >/dev/null
		i=$((i + 1))
	done
	t=0
	until [ "$(sqlite3 -cmd '.timeout 5000' "$d/state.db" "SELECT count(*) FROM outbox WHERE state = 'sent'")" = "$N" ]; do
		sleep 0.5; t=$((t + 1)); [ $t -gt 1200 ] && { echo "burst not sent" >&2; exit 1; }
	done
	kill -TERM "$dp"; wait "$dp" 2>/dev/null
	python3 - "$d" "$k" "$N" <<'PY'
import json, sys
d, k, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ts, share = [], []
for i in range(1, k + 1):
    s = [json.loads(l)["t"] for l in open("%s/m%d.log" % (d, i)) if '"event": "sent"' in l]
    share.append(len(s))
    ts += s
span = max(ts) - min(ts)
print("%d modem(s): %d replies in %.1f s: %.0f messages/min (%s)" % (k, n, span, n / span * 60,
      ", ".join("usb%d %d" % (i + 1, c) for i, c in enumerate(share))))
PY
}
echo "pool throughput, $N one-part replies, all queries on usb1:"
for k in 1 2 3; do run "$k"; done
