#!/bin/sh
# SIM full. While dossierd runs: every slot is filled (alphanumeric-sender messages,
# never answered) and three citizens' messages, one of them in two parts, wait in the
# network for a free slot. While dossierd is stopped: the same, so the start-up
# listing finds a full SIM. dossierd must read and delete, so the waiting messages
# are stored, received and answered, each exactly once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
empty_records
start_fakemodem
FAULT_SMS="per_minute = 600; retry_initial = 1; retry_max = 2; max_attempts = 20; max_parts = 4;"
write_fault_conf
start_fault_daemon
long="Xin chao, toi muon hoi ve ho so cua toi da nop tu tuan truoc tai bo phan mot cua, den nay van chua thay tin nhan bao ket qua. Nho quy co quan huong dan giup toi cach tra cuu. HD"
cap=$(fm_stat capacity)

# --- 1. full while running ---
t1=$(now)
# What the fake filled (a status report may hold a slot already).
f1=$(fm sim_full | python3 -c 'import json, sys; print(json.load(sys.stdin)["filled"])') || fail "sim_full"
fm inject from=+84912150001 text=HD >/dev/null || fail "inject"
fm inject from=+84912150002 "text=$long" >/dev/null || fail "inject"
fm inject from=+84912150003 text=DK >/dev/null || fail "inject"
wait_delivered 40 +84912150001 +84912150002 +84912150003 ||
    fail "waiting messages not answered: stored $(fm_stat stored), pending $(fm_stat pending), inbox $(sql "SELECT count(*) FROM inbox")"
rec1=$(recovery_summary "$t1" "the SIM filled up")
wait_for 15 "[ \"\$(fm_stat stored)\" = 0 ] && [ \"\$(fm_stat pending)\" = 0 ]" ||
    fail "SIM not emptied: stored $(fm_stat stored), pending $(fm_stat pending)"
[ "$(sql "SELECT count(*) FROM inbox WHERE sender = 'FILLER'")" = "$f1" ] || fail "filler messages: $(sql "SELECT count(*) FROM inbox WHERE sender = 'FILLER'") of $f1 in the inbox"

# --- 2. full while dossierd is stopped ---
stop_daemon
f2=$(fm sim_full | python3 -c 'import json, sys; print(json.load(sys.stdin)["filled"])') || fail "sim_full"
fm inject from=+84912150004 text=HD >/dev/null || fail "inject"
fm inject from=+84912150005 text=HD >/dev/null || fail "inject"
[ "$(fm_stat pending)" = 2 ] || fail "the SIM was not full: pending $(fm_stat pending)"
mv "$T/dossierd.log" "$T/dossierd.log.1"
t2=$(now)
start_daemon
wait_delivered 40 +84912150004 +84912150005 ||
    fail "messages waiting for a slot at start-up not answered: stored $(fm_stat stored), pending $(fm_stat pending)"
rec2=$(recovery_summary "$t2" "the start")
wait_for 15 "[ \"\$(fm_stat stored)\" = 0 ] && [ \"\$(fm_stat pending)\" = 0 ]" ||
    fail "SIM not emptied: stored $(fm_stat stored), pending $(fm_stat pending)"
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
[ "$(sql "SELECT count(*) FROM inbox WHERE sender = 'FILLER'")" = $((f1 + f2)) ] || fail "filler messages in the inbox: $(sql "SELECT count(*) FROM inbox WHERE sender = 'FILLER'"), want $((f1 + f2))"
[ $((f1 + f2)) -ge $((2 * cap - 4)) ] || fail "the SIM was far from full: $f1 + $f2 fillers for $cap slots"
[ "$(sql "SELECT count(*) FROM outbox WHERE number LIKE '%FILLER%'")" = 0 ] || fail "answered an alphanumeric sender"
fm_check_exactly_once
stop_daemon
echo "15-fault-simfull: ok (SIM of $cap; while running: $rec1; at start-up: $rec2)"
