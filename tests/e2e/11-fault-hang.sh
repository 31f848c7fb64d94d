#!/bin/sh
# The modem stops answering for 30 s (input discarded, no +CMTI) while messages are
# queued and one is received. dossierd gives up on the stuck step within its send
# deadline (send_timeout + the guard's 15 s), says in its status that the modem is not
# ready, stays up, and after the hang everything goes out once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
HANG=30 SEND_TIMEOUT=5
empty_records
start_fakemodem
# A read step (a status report or +CMTI arriving just before the hang) is bounded
# by step_timeout, a send by send_timeout: both inside the bound below.
FAULT_MODEM="poll_interval = 5; send_timeout = $SEND_TIMEOUT; step_timeout = $SEND_TIMEOUT; status_interval = 10;"
FAULT_SMS="per_minute = 600; retry_initial = 1; retry_max = 2; max_attempts = 20;"
write_fault_conf
start_fault_daemon
queue_send +84912110000 "Truoc khi treo"
wait_delivered 15 +84912110000 || fail "no send before the fault"

fm hang seconds:=$HANG >/dev/null || fail "hang"
t0=$(now)
queue_send +84912110001 "Trong khi treo 1"
queue_send +84912110002 "Trong khi treo 2"
fm inject from=+84912110003 text=HD >/dev/null || fail "inject"
# While hung nothing leaves, and the status says so within the send deadline.
bound=$((SEND_TIMEOUT + 15 + 5))
wait_for $bound "ctl_status | grep -q 'modem usb0: \\(backoff\\|down\\|opening\\)'" ||
    fail "status still says ready $bound s into the hang: $(ctl_status | head -2)"
seen=$(elapsed "$t0")
[ "$(fm_stat hang)" != False ] || fail "the hang ended before dossierd noticed it"
[ "$(fm_count sent)" = 1 ] || fail "something left during the hang"
wait_for $((HANG + 5)) "[ -n \"\$(fm_t hang_end)\" ]" || fail "hang did not end"
wait_delivered 40 +84912110001 +84912110002 +84912110003 ||
    fail "not delivered after the hang: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
rec=$(recovery_summary hang_end)
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
wait_for 10 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "message left on the SIM"
kill -0 "$DPID" 2>/dev/null || fail "dossierd exited"
wait_for 15 "ctl_status | grep -q 'modem usb0: ready'" || fail "status not ready again: $(ctl_status | head -2)"
fm_check_exactly_once
stop_daemon
echo "11-fault-hang: ok (hang seen in $seen s; recovered: $rec)"
