#!/bin/sh
# Junk on the line. A flood of unsolicited result codes libgammu knows (^RSSI, ^BOOT,
# ^DSFLOWRPT...) while idle and while sending and receiving; then random bytes mixed
# with them on an idle line, followed by traffic. Every message still goes out once,
# every received one is answered once, and junk never holds the gateway longer than
# one modem step may (step_timeout, then a reconnect): libgammu keeps lines it does
# not recognise in its buffer and would wait for ever; the step deadline frees it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
SEND_TIMEOUT=5
empty_records
start_fakemodem
STEP_TIMEOUT=10
FAULT_MODEM="poll_interval = 5; send_timeout = $SEND_TIMEOUT; status_interval = 10; step_timeout = $STEP_TIMEOUT;"
FAULT_SMS="per_minute = 600; retry_initial = 1; retry_max = 2; max_attempts = 20;"
write_fault_conf
start_fault_daemon
# flood KIND BURSTS: BURSTS bursts of 20 lines, 0.2 s apart
flood() { _i=0; while [ $_i -lt "$2" ]; do fm garbage lines:=20 kind=$1 >/dev/null; sleep 0.2; _i=$((_i + 1)); done; }

# --- 1. URC flood while idle, then traffic ---
flood urc 10
queue_send +84912140001 "Sau con lu 1"
fm inject from=+84912140002 text=HD >/dev/null || fail "inject"
wait_delivered 20 +84912140001 +84912140002 || fail "not delivered after a URC flood: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
rec1=$(recovery_summary garbage)

# --- 2. URC flood during traffic ---
for i in 3 4 5 6; do queue_send +8491214000$i "Trong con lu urc $i"; done
fm inject from=+84912140007 text=HD >/dev/null || fail "inject"
flood urc 25
wait_delivered 20 +84912140003 +84912140004 +84912140005 +84912140006 +84912140007 ||
    fail "not delivered during a URC flood: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
rec2=$(recovery_summary garbage)
wait_for 20 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
grep -q 'reconnecting' "$T/dossierd.log" && fail "known URCs made dossierd reconnect"

# --- 3. random bytes among the URCs on an idle line, then traffic ---
flood mixed 3
t0=$(now)
fm inject from=+84912140101 text=HD >/dev/null || fail "inject"
for i in 2 3 4; do queue_send +8491214010$i "Sau rac $i"; done
bound=$((STEP_TIMEOUT + SEND_TIMEOUT + 10))
wait_delivered $bound +84912140101 +84912140102 +84912140103 +84912140104 ||
    fail "junk on the line held traffic for over $bound s: $(sql "SELECT id, number, state, attempts, last_error FROM outbox WHERE number LIKE '%4010_'" | tr '\n' ' '); the modem's last exchanges: $(fm_trace_tail 3)"
rec3=$(recovery_summary garbage)
wait_for 20 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
wait_for 10 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "message left on the SIM"
kill -0 "$DPID" 2>/dev/null || fail "dossierd exited"
fm_check_exactly_once
stop_daemon
echo "14-fault-garbage: ok ($(fm_stat garbage_lines) junk lines; idle URC flood: $rec1; URC flood in traffic: $rec2; random junk: $rec3)"
