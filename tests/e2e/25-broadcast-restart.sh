#!/bin/sh
# Broadcasts at scale and across crashes: 50,000 recipients queued from a numbers
# file with flat memory (seconds and peak RSS of dossierctl printed); dossierctl
# killed with SIGKILL half-way through queuing, the daemon queues the rest, nobody
# twice; the daemon killed with SIGKILL while sending over libgammu's AT driver to
# the fake modem, restarted: every recipient got it at most once (counted from the
# modem's own log), and a recipient without it is exactly one left uncertain.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
DCTL="$DOSSIERCTL -c $T/d.conf"
empty_records
N=50000
RSS_GROWTH=8000	# kB more for 50,000 recipients than for 500: none is held in memory

# write_bconf MODEM-GROUP WINDOW
write_bconf() {
	cat > "$T/d.conf" <<CONF
modems = ( { $1 } );
records = { path = "$T/records.db"; };
state = { path = "$T/state.db"; };
sms = { per_minute = 600; retry_initial = 1; retry_max = 2; };
notices = { window = "$2"; per_number_per_day = 5; };
CONF
}
closed_window() {
	python3 -c 'import time; t = time.localtime(time.time() + 7200); print("%02d:00-%02d:00" % (t.tm_hour, (t.tm_hour + 1) % 24))'
}
# numbers FILE COUNT FIRST: COUNT distinct mobiles typed several ways, plus a
# duplicate of every 100th one
numbers() {
	python3 - "$1" "$2" "$3" <<'PY'
import sys
path, n, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
forms = ["0%d", "+84%d", "84 %d", "0084%d"]
with open(path, "w") as f:
    f.write("stt,so_dien_thoai\n")
    for i in range(n):
        num = 912000000 + first + i
        f.write("%d,%s\n" % (i + 1, forms[i % 4] % num))
        if i % 100 == 0:
            f.write("%d,0%d\n" % (i + 1, num))
PY
}
# measured CMD...: run CMD, then print "<seconds> <peak RSS kB>" of it on fd 3
cat > "$T/measure.py" <<'PY'
import resource, subprocess, sys, time
t = time.time()
rc = subprocess.call(sys.argv[2:])
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    f.write("%.2f %d\n" % (time.time() - t, ru.ru_maxrss))
sys.exit(rc)
PY

# --- 1. 50,000 recipients, measured against 500 (flat memory); the daemon is not
# running. Under AddressSanitizer its quarantine of freed memory would show as RSS:
# it is turned off for these two runs.
write_bconf "name = \"dummy\"; device = \"$T/dummy\"; connection = \"none\"; model = \"dummy\";" "$(closed_window)"
mkdir -p "$T/dummy/sms/1" "$T/dummy/sms/2" "$T/dummy/sms/3" "$T/dummy/sms/4" "$T/dummy/sms/5"
numbers "$T/small0.csv" 500 900000
numbers "$T/big.csv" $N 0
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0" python3 "$T/measure.py" "$T/m0" \
    $DCTL broadcast --numbers "$T/small0.csv" --text "Thu 500" --yes >"$T/out0" 2>&1 ||
    fail "500-recipient broadcast failed: $(tail -5 "$T/out0")"
read secs0 rss0 < "$T/m0"
$DCTL broadcast --cancel "$(sql "SELECT max(id) FROM broadcasts")" >/dev/null || fail "cancel 0"
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0" python3 "$T/measure.py" "$T/m1" \
    $DCTL broadcast --numbers "$T/big.csv" --text "Thong bao lich tiep dan thang 12" --yes >"$T/out1" 2>&1 ||
    fail "50,000-recipient broadcast failed: $(tail -5 "$T/out1")"
read secs rss < "$T/m1"
job1=$(sql "SELECT max(id) FROM broadcasts")
[ "$(sql "SELECT recipients || ' ' || ex_duplicate || ' ' || enqueued || ' ' || state FROM broadcasts WHERE id = $job1")" = "$N $((N / 100)) $N queued" ] ||
    fail "job: $(sql "SELECT * FROM broadcasts WHERE id = $job1")"
[ "$(sql "SELECT count(*), count(DISTINCT number) FROM outbox WHERE broadcast_id = $job1")" = "$N|$N" ] ||
    fail "outbox: $(sql "SELECT count(*), count(DISTINCT number) FROM outbox WHERE broadcast_id = $job1")"
echo "broadcast: queued $N recipients (+$((N / 100)) duplicates) in $secs s, dossierctl peak RSS $rss kB (500 recipients: $secs0 s, $rss0 kB)"
[ $((rss - rss0)) -lt $RSS_GROWTH ] || fail "dossierctl peak RSS $rss kB for $N recipients, $rss0 kB for 500: not flat"

# --- 2. dossierctl killed half-way through queuing: the daemon queues the rest.
numbers "$T/big2.csv" $N 100000
$DCTL broadcast --numbers "$T/big2.csv" --text "Thong bao thu hai" --yes >"$T/out2" 2>&1 &
CPID=$!
job2=$((job1 + 1))
wait_for 60 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE broadcast_id = $job2\" 2>/dev/null)\" -gt 1000 ]" ||
    fail "the second job never started queuing: $(cat "$T/out2")"
kill -KILL $CPID
wait $CPID 2>/dev/null
at_kill=$(sql "SELECT count(*) FROM outbox WHERE broadcast_id = $job2")
[ "$at_kill" -lt $N ] || fail "dossierctl finished before it could be killed ($at_kill queued); raise N"
[ "$(sql "SELECT state FROM broadcasts WHERE id = $job2")" = queuing ] || fail "job 2 is not queuing"
start_daemon
wait_for 60 "[ \"\$(sql \"SELECT state FROM broadcasts WHERE id = $job2\")\" = queued ]" ||
    fail "the daemon did not finish queuing job 2: $(sql "SELECT state, enqueued FROM broadcasts WHERE id = $job2")"
[ "$(sql "SELECT count(*), count(DISTINCT number) FROM outbox WHERE broadcast_id = $job2")" = "$N|$N" ] ||
    fail "after the kill: $(sql "SELECT count(*), count(DISTINCT number) FROM outbox WHERE broadcast_id = $job2")"
[ "$(sql "SELECT enqueued FROM broadcasts WHERE id = $job2")" = $N ] || fail "job 2's count is off"
[ "$(sql "SELECT count(*) FROM broadcast_to WHERE broadcast_id = $job2 AND outbox_id IS NULL")" = 0 ] ||
    fail "recipients left unqueued"
echo "broadcast: dossierctl killed with $at_kill of $N queued; the daemon queued the rest, each once"
# Nothing of it leaves outside the window.
[ "$(sql "SELECT count(*) FROM outbox WHERE lane = 3 AND state NOT IN ('queued', 'cancelled')")" = 0 ] ||
    fail "broadcasts sent outside the window"
# Both jobs cancelled (so that part 3 has the modem to itself).
$DCTL broadcast --cancel "$job1" >/dev/null || fail "cancel 1"
$DCTL broadcast --cancel "$job2" >/dev/null || fail "cancel 2"
stop_daemon

# --- 3. The daemon killed while sending over the AT driver; restarted.
start_fakemodem
fm latency cmgs:=0.3 >/dev/null || fail "latency"
write_bconf "name = \"usb0\"; device = \"$T/modem\"; connection = \"dku2at\"; model = \"at\"; poll_interval = 5; send_timeout = 15; status_interval = 60;" "00:00-00:00"
numbers "$T/small.csv" 40 500000
start_fault_daemon
$DCTL broadcast --numbers "$T/small.csv" --text "Moi ong ba den nhan ket qua" --yes --force >"$T/out3" 2>&1 ||
    fail "small broadcast: $(cat "$T/out3")"
job3=$(sql "SELECT max(id) FROM broadcasts")
wait_for 60 "[ \"\$(fm_count sent)\" -ge 8 ]" || fail "sending did not start: $(fm_count sent) sent"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
killed_at=$(fm_count sent)
start_fault_daemon
wait_for 120 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE broadcast_id = $job3 AND state IN ('queued', 'sending', 'retry')\")\" = 0 ]" ||
    fail "job 3 did not finish: $(sql "SELECT state, count(*) FROM outbox WHERE broadcast_id = $job3 GROUP BY state")"
python3 - "$top_srcdir/tests/fakemodem" "$T" "$job3" <<'PY' || fail "exactly-once check of the broadcast (above)"
import collections, sqlite3, sys
sys.path.insert(0, sys.argv[1])
import fakemodem
T, job = sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(T + "/state.db")
rows = db.execute("SELECT number, state FROM outbox WHERE broadcast_id = ?", (job,)).fetchall()
got = collections.Counter(m["to"] for m in fakemodem.reassemble(fakemodem.read_log(T + "/modem.log"), "sent")
                          if m["complete"])
err = []
for number, state in rows:
    n = got.get(number, 0)
    if n > 1:
        err.append("%s got the broadcast %d times" % (number, n))
    if state == "sent" and n != 1:
        err.append("%s is sent in the state db, the modem sent it %d times" % (number, n))
    if state not in ("sent", "uncertain"):
        err.append("%s is %s" % (number, state))
unc = [r for r in rows if r[1] == "uncertain"]
if len(unc) > 1:
    err.append("%d rows uncertain after one kill" % len(unc))
if err:
    print("\n".join(err), file=sys.stderr)
    sys.exit(1)
print("broadcast: 40 recipients, the daemon killed while sending; after the restart "
      "%d sent once each (modem log), %d uncertain (in flight at the kill, not resent), none twice"
      % (sum(1 for r in rows if r[1] == "sent"), len(unc)))
PY
echo "broadcast: the kill came after $killed_at part(s) had left the modem"
echo "25-broadcast-restart: ok"
