#!/bin/sh
# A hung modem that keeps emitting ^RSSI: lines (which reset libgammu's own timeouts,
# tests/fakemodem/README.md): dossierd must still abandon the stuck call within its deadline
# (send_timeout + the guard's 15 s), report the modem not ready and reconnect; once
# the modem answers again everything queued or received meanwhile goes out once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
SEND_TIMEOUT=5
empty_records
start_fakemodem
# A read step (a status report or +CMTI arriving just before the hang) is bounded
# by step_timeout, a send by send_timeout: both inside the bound below.
FAULT_MODEM="poll_interval = 5; send_timeout = $SEND_TIMEOUT; step_timeout = $SEND_TIMEOUT; status_interval = 10;"
FAULT_SMS="per_minute = 600; retry_initial = 1; retry_max = 2; max_attempts = 20;"
write_fault_conf
start_fault_daemon
queue_send +84912170000 "Truoc khi treo"
wait_delivered 15 +84912170000 || fail "no send before the fault"

fm hang chatter:=true interval:=1 >/dev/null || fail "hang"
t0=$(now)
queue_send +84912170001 "Trong khi treo 1"
queue_send +84912170002 "Trong khi treo 2"
fm inject from=+84912170003 text=HD >/dev/null || fail "inject"
bound=$((SEND_TIMEOUT + 15 + 5))
wait_for $bound "grep -q 'reconnecting in' '$T/dossierd.log'" ||
    fail "dossierd still stuck $bound s into a chattering hang (status: $(ctl_status | head -2 | tr '\n' ' '))"
seen=$(elapsed "$t0")
wait_for 5 "ctl_status | grep -q 'modem usb0: \\(backoff\\|down\\|opening\\)'" ||
    fail "status says ready while the modem is hung: $(ctl_status | head -2)"
[ "$(fm_count sent)" = 1 ] || fail "something left during the hang"
fm resume >/dev/null || fail "resume"
wait_delivered 40 +84912170001 +84912170002 +84912170003 ||
    fail "not delivered after the hang: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
rec=$(recovery_summary hang_end)
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
wait_for 10 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "message left on the SIM"
kill -0 "$DPID" 2>/dev/null || fail "dossierd exited"
wait_for 15 "ctl_status | grep -q 'modem usb0: ready'" || fail "status not ready again: $(ctl_status | head -2)"
fm_check_exactly_once
stop_daemon
echo "17-fault-hang-chatter: ok (stuck call abandoned after $seen s; recovered: $rec)"
