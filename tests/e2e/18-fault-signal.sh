#!/bin/sh
# Low signal: `dossierctl status` (text and --json) shows it within status_interval,
# messages still go out, and the normal level shows again afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
empty_records
start_fakemodem
FAULT_MODEM="poll_interval = 5; send_timeout = 15; status_interval = 10;"
write_fault_conf
start_fault_daemon
sig() { "$DOSSIERCTL" -c "$T/d.conf" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["modems"][0]["signal"])'; }
wait_for 15 "[ \"\$(sig)\" -ge 50 ]" || fail "normal signal not shown: $(ctl_status | head -1)"
normal=$(sig)

t0=$(now)
fm signal rssi:=3 >/dev/null || fail "signal"
wait_for 15 "[ \"\$(sig)\" -ge 0 ] && [ \"\$(sig)\" -le 15 ]" || fail "low signal not shown: $(ctl_status | head -1)"
seen=$(elapsed "$t0")
low=$(sig)
ctl_status | grep -q "modem usb0: ready, signal $low%" || fail "text status: $(ctl_status | head -1)"
queue_send +84912180001 "Song yeu"
fm inject from=+84912180002 text=HD >/dev/null || fail "inject"
wait_delivered 20 +84912180001 +84912180002 || fail "not delivered with a low signal"

fm signal rssi:=99 >/dev/null || fail "signal"
wait_for 15 "ctl_status | grep -q 'signal unknown'" || fail "unknown signal (rssi 99) not shown as unknown: $(ctl_status | head -1)"
t1=$(now)
fm signal rssi:=20 >/dev/null || fail "signal"
wait_for 15 "[ \"\$(sig)\" = $normal ]" || fail "normal signal not shown again: $(ctl_status | head -1)"
back=$(elapsed "$t1")
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
fm_check_exactly_once
stop_daemon
echo "18-fault-signal: ok (low signal shown as $low% after $seen s, normal $normal% again after $back s)"
