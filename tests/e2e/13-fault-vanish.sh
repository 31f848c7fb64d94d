#!/bin/sh
# The device path disappears for 10 s and comes back as a new pty (a USB dongle
# re-enumerating). dossierd does not exit, reports the modem down with the error,
# retries with backoff, reconnects through the path once it exists again, reads what
# arrived meanwhile, and every queued message goes out once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
VANISH=10
empty_records
start_fakemodem
FAULT_SMS="per_minute = 600; retry_initial = 1; retry_max = 2; max_attempts = 20;"
write_fault_conf
start_fault_daemon
queue_send +84912130000 "Truoc khi mat"
wait_delivered 15 +84912130000 || fail "no send before the fault"

fm vanish seconds:=$VANISH >/dev/null || fail "vanish"
t0=$(now)
queue_send +84912130001 "Khi mat thiet bi 1"
queue_send +84912130002 "Khi mat thiet bi 2"
fm inject from=+84912130003 text=HD >/dev/null || fail "inject"
wait_for 8 "ctl_status | grep -q 'modem usb0: \\(backoff\\|down\\|opening\\)'" ||
    fail "status still says ready with the device gone: $(ctl_status | head -3)"
seen=$(elapsed "$t0")
wait_for 5 "ctl_status | grep -q 'last error: .'" || fail "no last error in the status: $(ctl_status | head -3)"
[ -e "$T/modem" ] && fail "the device came back too early"
wait_for $((VANISH + 5)) "[ -n \"\$(fm_t appear)\" ]" || fail "device did not reappear"
kill -0 "$DPID" 2>/dev/null || fail "dossierd exited while the device was gone"
wait_delivered 40 +84912130001 +84912130002 +84912130003 ||
    fail "not delivered after the device came back: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
rec=$(recovery_summary appear)
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
wait_for 10 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "message left on the SIM"
wait_for 15 "ctl_status | grep -q 'modem usb0: ready'" || fail "status not ready again: $(ctl_status | head -2)"
ctl_status | grep -q 'reconnects [1-9]' || fail "reconnect not counted: $(ctl_status | head -1)"
attempts=$(grep -c 'reconnecting in' "$T/dossierd.log")
fm_check_exactly_once
stop_daemon
echo "13-fault-vanish: ok (seen in $seen s; $attempts connection attempts failed; recovered: $rec)"
