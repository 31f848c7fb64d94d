#!/bin/sh
# A pool of three fake AT modems on one queue, over libgammu's AT driver: one worker
# process per modem. Replies go out on the modem the query came in on; with
# reply_same_modem = false a burst of replies (the queries all arriving on one
# modem) goes out on all of them, none twice, none lost, the third modem stopping
# at its modems.per_day cap (and held to it when its worker starts again); a
# worker killed with SIGKILL mid-burst has its claim
# returned (a reply in flight is sent again, flagged uncertain) and is started
# again; a modem that hangs mid-burst does not hold the others; SIGTERM stops the
# workers and then the parent; every SIM's balance is read over USSD and a code
# can be run on one modem. Prints the burst's rate per modem.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
empty_records
DCTL="$DOSSIERCTL -c $T/d.conf"
start_fm() {	# start_fm NAME
	$FM --link "$T/$1" --log "$T/$1.log" --control "$T/$1.sock" --trace "$T/$1.trace" \
	    > "$T/$1.out" 2>&1 &
	EXTRA_PIDS="$EXTRA_PIDS $!"
	wait_for 10 "grep -q ready '$T/$1.out'" || fail "fake modem $1 did not start"
}
fmx() { _n=$1; shift; $FM ctl "$T/$_n.sock" "$@"; }
sent_on() { python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("event") == "sent"))' "$T/$1.log"; }
start_fm mA
start_fm mB
start_fm mC
cat > "$T/d.conf" <<CONF
modems = (
  { name = "usbA"; device = "$T/mA"; connection = "dku2at"; model = "at"; send_timeout = 15; step_timeout = 10; reply_same_modem = false; },
  { name = "usbB"; device = "$T/mB"; connection = "dku2at"; model = "at"; send_timeout = 15; step_timeout = 10; prefixes = [ "096" ]; },
  { name = "usbC"; device = "$T/mC"; connection = "dku2at"; model = "at"; send_timeout = 15; step_timeout = 10; per_day = 5; }
);
records = { path = "$T/records.db"; };
state = { path = "$T/state.db"; };
sms = { per_minute = 600; delivery_reports = false; };
notices = { window = "00:00-00:00"; };
CONF
"$DOSSIERD" -f -c "$T/d.conf" >> "$T/dossierd.log" 2>&1 &
DPID=$!
wait_for 30 "[ \"\$(sql \"SELECT count(*) FROM modems WHERE state = 'ready'\")\" = 3 ]" ||
    fail "the three modems are not ready: $(sql "SELECT name, state, last_error FROM modems")"
grep -q "started with 3 modem(s), one worker process each" "$T/dossierd.log" || fail "no pool"
for m in usbA usbB usbC; do
	[ "$(pgrep -f -- "-W $m" | wc -l)" = 1 ] || fail "not one worker process for $m: $(pgrep -a -f -- ' -W ')"
done

# --- USSD on every modem: each SIM's balance read at start, a code on one modem.
wait_for 30 "[ \"\$(sql \"SELECT count(DISTINCT modem) FROM balances WHERE parsed = 1\")\" = 3 ]" ||
    fail "not every SIM's balance was read: $(sql "SELECT modem, parsed, raw FROM balances")"
fmx mB ussd_reply code='*102#' text="So thue bao cua ban la 0912345678" >/dev/null || fail "ussd_reply"
out=$($DCTL ussd '*102#' --modem usbB) || fail "dossierctl ussd --modem usbB: $out"
assert_contains "$out" "So thue bao cua ban la 0912345678"
LANG=C $DCTL status >"$T/status.txt" || fail "status"
[ "$(grep -c "^  SIM balance: 25.000" "$T/status.txt")" = 3 ] || fail "status does not show each SIM's balance: $(cat "$T/status.txt")"

# --- Replies on the modem the query came in on (usbB keeps reply_same_modem).
for i in $(seq 10 19); do fmx mB inject from=+849120000$i text=HD >/dev/null || fail "inject $i"; done
wait_for 30 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE state = 'sent'\")\" = 10 ]" ||
    fail "replies to usbB's queries not sent: $(sql "SELECT state, modem, count(*) FROM outbox GROUP BY 1, 2")"
[ "$(sent_on mB)" = 10 ] && [ "$(sent_on mA)" = 0 ] && [ "$(sent_on mC)" = 0 ] ||
    fail "replies left on other modems: A $(sent_on mA), B $(sent_on mB), C $(sent_on mC)"
sql "DELETE FROM outbox" || fail "could not clear the outbox"

# --- A burst: 60 queries, all on modem A; the replies leave on all three. The
# network takes 0.3 s to confirm each part (a real one takes 1-3 s): sending, not
# modem A's reading of the queries, is what the pool shares.
for m in mA mB mC; do fmx $m latency cmgs:=0.3 >/dev/null || fail "latency on $m"; done
t0=$(now)
for i in $(seq 10 69); do fmx mA inject from=+849130000$i text=HD >/dev/null || fail "inject $i"; done
wait_for 90 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE state = 'sent'\")\" = 60 ]" ||
    fail "burst not sent: $(sql "SELECT state, modem, count(*) FROM outbox GROUP BY 1, 2")"
secs=$(elapsed "$t0")
a=$(sent_on mA) b=$(( $(sent_on mB) - 10 )) c=$(sent_on mC)
echo "31-pool: 60 replies in $secs s: $a on usbA, $b on usbB, $c on usbC (per_day 5)"
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$c" -gt 0 ] || fail "a modem sent nothing ($a / $b / $c)"
[ "$c" -le 5 ] || fail "usbC sent $c parts over its per_day cap of 5"
grep -q "usbC: 5 parts sent today, modems.per_day reached" "$T/dossierd.log" || fail "the cap was not logged"
[ $((a + b + c)) = 60 ] || fail "sent $((a + b + c)) parts for 60 one-part replies: a message went out twice"
for m in mA mB mC; do fmx $m latency cmgs:=0 >/dev/null || fail "latency on $m"; done
LANG=C $DCTL status | grep -A1 "^modem usbC" | grep -q "5 SMS part(s) sent today" || fail "status: $($DCTL status | head -9)"

# --- Prefix routing: a broadcast to 096 numbers goes out on usbB alone (its
# prefixes), to 097 numbers on any modem.
: > "$T/nums.txt"
for i in $(seq 10 19); do echo "09600000$i" >> "$T/nums.txt"; echo "09700000$i" >> "$T/nums.txt"; done
$DCTL broadcast --numbers "$T/nums.txt" --text "Thong bao nghi le" --yes >/dev/null || fail "broadcast"
wait_for 60 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE state = 'sent' AND broadcast_id IS NOT NULL\")\" = 20 ]" ||
    fail "broadcast not sent: $(sql "SELECT state, modem, count(*) FROM outbox WHERE broadcast_id IS NOT NULL GROUP BY 1, 2")"
[ "$(sql "SELECT count(*) FROM outbox WHERE number LIKE '+8496%' AND modem != 'usbB'")" = 0 ] ||
    fail "096 numbers went out elsewhere: $(sql "SELECT modem, count(*) FROM outbox WHERE number LIKE '+8496%' GROUP BY 1")"
echo "31-pool: broadcast by prefix: 096 $(sql "SELECT group_concat(modem || ' ' || n) FROM (SELECT modem, count(*) n FROM outbox WHERE number LIKE '+8496%' GROUP BY 1)"); 097 $(sql "SELECT group_concat(modem || ' ' || n) FROM (SELECT modem, count(*) n FROM outbox WHERE number LIKE '+8497%' GROUP BY 1)")"

# --- usbC's worker killed at its cap: started again, it counts today's parts
# from the state db and sends no more.
kill -KILL "$(pgrep -f -- "-W usbC")" || fail "no worker for usbC"
wait_for 15 "grep -q 'pool: usbC: worker .* killed by signal 9' '$T/dossierd.log'" || fail "the killed worker usbC was not seen"
wait_for 15 "[ \"\$(pgrep -f -- '-W usbC' | wc -l)\" = 1 ]" || fail "the worker usbC was not started again"

# --- A worker killed mid-burst: its claim comes back, nothing lost.
for i in $(seq 10 49); do fmx mA inject from=+849140000$i text=HD >/dev/null || fail "inject $i"; done
wait_for 30 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE state = 'sent' AND number LIKE '+8491400%'\")\" -ge 6 ]" ||
    fail "second burst did not start"
kill -KILL "$(pgrep -f -- "-W usbB")" || fail "no worker for usbB"
wait_for 15 "grep -q 'pool: usbB: worker .* killed by signal 9' '$T/dossierd.log'" || fail "the killed worker was not seen"
wait_for 15 "[ \"\$(pgrep -f -- '-W usbB' | wc -l)\" = 1 ]" || fail "the worker was not started again"
wait_for 90 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE state = 'sent' AND number LIKE '+8491400%'\")\" = 40 ]" ||
    fail "second burst not sent after the kill: $(sql "SELECT state, modem, uncertain, count(*) FROM outbox WHERE number LIKE '+8491400%' GROUP BY 1, 2, 3")"
[ "$(sent_on mC)" = 5 ] || fail "usbC sent $(sent_on mC) parts today after its worker was started again (per_day 5)"
python3 - "$T" <<'PY' || fail "exactly once across the two modems (above)"
import json, sqlite3, sys, collections
T = sys.argv[1]
sent = collections.Counter()
for m in ("mA", "mB", "mC"):
    for l in open(T + "/" + m + ".log"):
        e = json.loads(l)
        if e.get("event") == "sent":
            sent[e["to"]] += 1
db = sqlite3.connect(T + "/state.db")
rows = db.execute("SELECT number, uncertain FROM outbox").fetchall()
bad = []
for number, uncertain in rows:
    n = sent.get(number, 0)
    if n == 0 or (n > 1 and not uncertain):
        bad.append((number, n, uncertain))
if bad:
    print("sent counts off:", bad[:10], file=sys.stderr)
    sys.exit(1)
twice = sum(1 for number, u in rows if sent[number] > 1)
print("31-pool: %d messages, each out once (%d sent again after the kill, flagged uncertain)" % (len(rows), twice))
PY

# --- A modem that hangs mid-burst does not hold the other.
for i in $(seq 10 39); do fmx mA inject from=+849150000$i text=HD >/dev/null || fail "inject $i"; done
fmx mB hang seconds:=40 >/dev/null || fail "hang"
t1=$(now)
wait_for 60 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE state = 'sent' AND number LIKE '+8491500%'\")\" = 30 ]" ||
    fail "the hung modem held the queue: $(sql "SELECT state, modem, count(*) FROM outbox WHERE number LIKE '+8491500%' GROUP BY 1, 2")"
echo "31-pool: with usbB hung, $(sql "SELECT count(*) FROM outbox WHERE state = 'sent' AND number LIKE '+8491500%'") of 30 replies out in $(elapsed "$t1") s"

# --- SIGTERM: the workers stop, then the parent.
stop_daemon
[ "$(pgrep -f -- "-c $T/d.conf -W" | wc -l)" = 0 ] || fail "a worker outlived the parent"
grep -q "dossierd: stopped" "$T/dossierd.log" || fail "no clean stop"
echo "31-pool: ok"
