#!/bin/sh
# systemd notification: READY=1 once serving, WATCHDOG=1 at half of WATCHDOG_USEC while
# the loop makes progress, none while a modem step is stuck inside libgammu, and again
# after the step deadline frees it. A stand-in for systemd listens on NOTIFY_SOCKET.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
make_records 50
start_fakemodem
write_at_conf dku2at "" ""
sed -i 's/status_interval = 60;/status_interval = 10; step_timeout = 8;/' "$T/d.conf"
python3 - "$T/notify" "$T/notify.log" > "$T/listener.out" 2>&1 <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
with open(sys.argv[2], "a") as log:
    while True:
        msg = s.recv(4096).decode()
        for line in msg.splitlines():
            log.write("%.3f %s\n" % (time.time(), line))
        log.flush()
PY
EXTRA_PIDS="$EXTRA_PIDS $!"
wait_for 10 "grep -q ready '$T/listener.out'" || fail "listener"
NOTIFY_SOCKET="$T/notify" WATCHDOG_USEC=2000000 "$DOSSIERD" -f -c "$T/d.conf" >> "$T/dossierd.log" 2>&1 &
DPID=$!
wait_for 20 "grep -q 'READY=1' '$T/notify.log'" || fail "no READY=1"
wait_for 10 "[ \"\$(grep -c 'WATCHDOG=1' '$T/notify.log')\" -ge 4 ]" || fail "no watchdog pings"

# Hang with chatter: the next status refresh sticks inside libgammu until step_timeout.
fm hang seconds:=40 chatter:=true >/dev/null
t0=$(python3 -c 'import time; print("%.3f" % time.time())')
wait_for 30 "grep -q 'modem step took over 8 s' '$T/dossierd.log'" || fail "stuck step not abandoned"
fm resume >/dev/null
wait_for 10 "awk '\$1 > $t0 + 0' '$T/notify.log' | grep -q WATCHDOG" || fail "pings did not resume"
# The longest silence between pings after the hang began: the stuck step, not the 1 s rhythm.
gap=$(grep WATCHDOG "$T/notify.log" | awk -v t0="$t0" '{ if (p && $1 > t0 && $1 - p > g) g = $1 - p; p = $1 } END { printf "%.1f", g }')
awk -v g="$gap" 'BEGIN { exit !(g >= 4) }' || fail "watchdog kept being fed while the modem step was stuck (longest gap $gap s)"
before=$(grep -c WATCHDOG "$T/notify.log")
wait_for 10 "[ \"\$(grep -c WATCHDOG '$T/notify.log')\" -ge $((before + 3)) ]" || fail "pings not regular after recovery"
stop_daemon
grep -q 'STOPPING=1' "$T/notify.log" || fail "no STOPPING=1"
echo "19-watchdog: ok (no ping for $gap s while a modem step was stuck)"
