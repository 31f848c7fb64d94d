#!/bin/sh
# Line drop: the pty goes away under dossierd (reads return 0, writes fail) and the
# link is re-pointed to a new device, like a USB dongle re-enumerating. Once while
# idle, once with messages queued (between two paced sends), once while a command
# waits for its answer. dossierd reconnects
# through the link without spinning the CPU, reads what arrived meanwhile, and
# everything goes out once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
empty_records
start_fakemodem
# per_minute 30: 2 s between sends, so the second drop falls between two sends.
FAULT_SMS="per_minute = 30; retry_initial = 1; retry_max = 2; max_attempts = 20;"
# step_timeout 12: the command the hang catches may be a poll, bounded like the send.
FAULT_MODEM="poll_interval = 5; send_timeout = 15; status_interval = 10; step_timeout = 12;"
write_fault_conf
start_fault_daemon
queue_send +84912120000 "Truoc khi rot"
wait_delivered 15 +84912120000 || fail "no send before the fault"
cpu() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }

# --- 1. drop while idle, then traffic ---
c0=$(cpu) t0=$(now)
fm drop >/dev/null || fail "drop"
fm inject from=+84912120001 text=HD >/dev/null || fail "inject"
queue_send +84912120002 "Sau khi rot 2"
queue_send +84912120003 "Sau khi rot 3"
wait_delivered 40 +84912120001 +84912120002 +84912120003 ||
    fail "not delivered after the drop: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
rec1=$(recovery_summary drop)
secs=$(elapsed "$t0")
cpu_pct=$(awk -v c="$(( $(cpu) - c0 ))" -v hz="$(getconf CLK_TCK)" -v s="$secs" 'BEGIN { printf "%d", 100 * c / hz / s }')
[ "$cpu_pct" -lt 50 ] || fail "dossierd used $cpu_pct% CPU over the $secs s after the drop (a read loop spinning on a dead line?)"

# --- 2. drop with messages queued ---
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
for i in 4 5 6 7; do queue_send +8491212000$i "Hang doi $i"; done
wait_delivered 15 +84912120004 || fail "queue did not start"
fm drop >/dev/null || fail "drop"
fm inject from=+84912120008 text=HD >/dev/null || fail "inject"
wait_delivered 40 +84912120005 +84912120006 +84912120007 +84912120008 ||
    fail "not delivered after the second drop: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
rec2=$(recovery_summary drop)
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"

# --- 3. drop while a command waits for its answer (the stick stops answering, then
# re-enumerates). The line is gone: reads return 0, writes fail (tests/fakemodem/README.md), so
# dossierd should reopen promptly, not wait out its deadline for a hung modem.
# The command caught by the hang is the send, or a poll that came first (status
# reports, signal, a new-SMS check: on a busy machine either may win); both must
# end at the drop, and the message then go once.
d0=$(fm_stat discarded_bytes)
fm hang >/dev/null || fail "hang"
queue_send +84912120009 "Rot giua lenh"
wait_for 10 "[ \"\$(sql \"SELECT state FROM outbox WHERE number = '+84912120009'\")\" = sending ] || [ \"\$(fm_stat discarded_bytes)\" -gt $d0 ]" ||
    fail "no command reached the hung modem"
sleep 1	# let the command reach the (hung) modem
t3=$(now)
fm drop >/dev/null || fail "drop"
fm resume >/dev/null || fail "resume"
# The send is abandoned at send_timeout (15 s here), then the modem reopened.
DROP_BOUND=20
wait_delivered $DROP_BOUND +84912120009 ||
    fail "a drop during a command went unnoticed for over $DROP_BOUND s ($(sql "SELECT state, attempts, last_error FROM outbox WHERE number = '+84912120009'"); the modem's last exchanges: $(fm_trace_tail 3))"
rec3=$(recovery_summary "$t3" "the drop")
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
wait_for 10 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "message left on the SIM"
[ "$(grep -c 'connected again' "$T/dossierd.log")" -ge 3 ] || fail "expected three reconnects"
kill -0 "$DPID" 2>/dev/null || fail "dossierd exited"
fm_check_exactly_once
stop_daemon
echo "12-fault-drop: ok (idle drop: $rec1; drop with a queue: $rec2; drop during a command: $rec3; $cpu_pct% CPU after the idle drop)"
