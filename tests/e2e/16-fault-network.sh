#!/bin/sh
# No network for a while: sends are refused with +CMS ERROR 331 and retried, the
# status shows the lost registration; when the network is back every message goes
# out once (none marked failed for an outage shorter than the retry schedule).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
empty_records
start_fakemodem
FAULT_MODEM="poll_interval = 5; send_timeout = 15; status_interval = 10;"
FAULT_SMS="per_minute = 600; retry_initial = 1; retry_max = 3; max_attempts = 10;"
write_fault_conf
start_fault_daemon
queue_send +84912160000 "Truoc khi mat song"
wait_delivered 15 +84912160000 || fail "no send before the fault"

fm no_network >/dev/null || fail "no_network"
fm inject from=+84912160001 text=HD >/dev/null || fail "inject"
queue_send +84912160002 "Khi mat song 2"
queue_send +84912160003 "Khi mat song 3"
wait_for 15 "[ \"\$(fm_count send_failed code 331)\" -ge 3 ]" || fail "sends not refused with 331: $(fm_count send_failed code 331)"
wait_for 15 "ctl_status | grep -q 'network none'" || fail "status does not show the lost network: $(ctl_status | head -2)"
[ "$(fm_count sent)" = 1 ] || fail "something left without a network"
[ "$(sql "SELECT count(*) FROM outbox WHERE state = 'failed'")" = 0 ] || fail "messages failed during a short outage"
fm network state=home >/dev/null || fail "network"
wait_delivered 30 +84912160001 +84912160002 +84912160003 ||
    fail "not delivered after the network came back: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
rec=$(recovery_summary network "the network came back")
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
wait_for 15 "ctl_status | grep -q 'network home'" || fail "status does not show the network back: $(ctl_status | head -2)"
refused=$(fm_count send_failed code 331)
grep -q 'reconnecting' "$T/dossierd.log" && fail "a lost network made dossierd reconnect"
fm_check_exactly_once
stop_daemon
echo "16-fault-network: ok ($refused sends refused with 331; recovered: $rec)"
