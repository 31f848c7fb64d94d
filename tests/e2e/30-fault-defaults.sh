#!/bin/sh
# Recovery at the speed of the fault with the default modem settings (send_timeout
# 60, step_timeout 30, the default poll and status intervals) over libgammu's AT
# driver and the fake modem: a line drop while replies are queued, a 40 s hang, a
# device that vanishes for 45 s. A message the modem failed to take (the line
# dropped under it) goes first once the modem is back, with no retry backoff; after
# a hang or a lost device the port is probed every second with a plain AT and used
# as soon as it answers, not when a grown backoff ends (nor reopened while it
# still hangs). Each must be answered within 10 s of the device being back
# (before this, 67 s after a drop and 87 s after a 40 s hang; 15 s after the
# hang before the probe covered failures on an open line); the figures are printed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
empty_records
start_fakemodem
FAULT_MODEM=" "
FAULT_SMS="per_minute = 600;"
write_fault_conf
grep -q "send_timeout\|step_timeout\|poll_interval" "$T/d.conf" && fail "the configuration is not the default one"
start_fault_daemon
queue_send +84912300000 "Truoc su co"
wait_delivered 20 +84912300000 || fail "no send before the faults"
BOUND=10
within() {	# within EVENT WHAT: the last send came at most BOUND s after EVENT
	r=$(fm_recovery "$1")
	echo "30-fault-defaults: $2: all out $r s after $1"
	awk -v r="$r" -v b=$BOUND 'BEGIN { exit !(r != "?" && r + 0 <= b) }' ||
	    fail "$2: answered $r s after $1, more than $BOUND s"
}

# --- A line drop while replies wait (the device is back at once, re-pointed).
# The drop first: replies queued before it could all be sent before it on a
# fast run, and an idle line is only found dropped at the next poll (30 s).
fm drop >/dev/null || fail "drop"
for i in 1 2 3; do queue_send +8491230000$i "Hang doi $i"; done
fm inject from=+84912300004 text=HD >/dev/null || fail "inject"
wait_delivered 60 +84912300001 +84912300002 +84912300003 +84912300004 ||
    fail "not delivered after the drop: $(sql "SELECT id, number, state, last_error FROM outbox")"
within drop "line drop with replies queued"

# --- A 40 s hang: abandoned at step_timeout, then probed until it answers.
fm hang seconds:=40 >/dev/null || fail "hang"
wait_for 5 "[ \"\$(fm_stat hang)\" != False ]" || fail "the fake modem did not hang"
queue_send +84912300005 "Trong luc treo"
fm inject from=+84912300006 text=HD >/dev/null || fail "inject"
wait_for 60 "[ -n \"\$(fm_t hang_end)\" ]" || fail "the hang did not end"
wait_delivered 60 +84912300005 +84912300006 ||
    fail "not delivered after the hang: $(sql "SELECT id, number, state, last_error FROM outbox")"
within hang_end "40 s hang"

# --- The device vanishes for 45 s: the backoff has grown to 32 s by then.
fm vanish seconds:=45 >/dev/null || fail "vanish"
queue_send +84912300007 "Khi mat thiet bi"
fm inject from=+84912300008 text=HD >/dev/null || fail "inject"
wait_for 60 "[ -n \"\$(fm_t appear)\" ]" || fail "the device did not reappear"
wait_delivered 60 +84912300007 +84912300008 ||
    fail "not delivered after the device came back: $(sql "SELECT id, number, state, last_error FROM outbox")"
within appear "device gone 45 s"
grep -q "answers again" "$T/dossierd.log" || fail "the device was not probed back"
fm_check_exactly_once || fail "a message went out twice or not at all"
stop_daemon
echo "30-fault-defaults: ok"
