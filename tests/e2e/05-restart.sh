#!/bin/sh
# Inbound exactly once: a restart (SIGTERM or SIGKILL) never answers a message twice,
# and a message re-read from the modem after a crash (not yet deleted) is recognised.
. "$(dirname "$0")/lib.sh"
make_records 100
write_conf
start_daemon
inject 0912345678 "000.00.12.H39-240824-0001"
wait_handled 1
wait_all_sent
stop_daemon
grep -q "dossierd: stopped" "$T/dossierd.log" || fail "no clean stop"
start_daemon
inject 0987654321 "HD"
wait_handled 2
wait_all_sent
[ "$(sent_to +84912345678)" = 1 ] || fail "answered again after a restart"

# SIGKILL, then the same stored message is still on the modem (the crash came
# between the commit and the delete): it must be recognised, not answered again.
stop_daemon
inject 0933444555 "000.00.15.H39-261115-0007"
f=$(ls "$T/dummy/sms/1")
cp "$T/dummy/sms/1/$f" "$T/copy"
start_daemon
wait_handled 3
wait_all_sent
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
cp "$T/copy" "$T/dummy/sms/1/$f"
start_daemon
wait_for 20 "[ -z \"\$(ls '$T/dummy/sms/1')\" ]" || fail "the copy was not deleted"
wait_for 10 "grep -q 'already handled' '$T/dossierd.log'" || fail "duplicate not recognised"
[ "$(sent_to +84933444555)" = 1 ] || fail "re-read message answered twice"
[ "$(sql "SELECT count(*) FROM inbox")" = 3 ] || fail "duplicate inbox row"

# A reply in flight at a crash ("sending") is sent again after the restart (replies only).
sql "INSERT INTO outbox (lane, number, text, state, created_at, next_at) VALUES (0, '+84900000001', 'in flight', 'sending', strftime('%s','now'), strftime('%s','now'))"
sql "INSERT INTO outbox (lane, number, text, state, created_at, next_at) VALUES (2, '+84900000002', 'notice in flight', 'sending', strftime('%s','now'), strftime('%s','now'))"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
start_daemon
wait_for 20 "[ \"\$(sent_to +84900000001)\" = 1 ]" || fail "in-flight reply not resent"
[ "$(sql "SELECT state FROM outbox WHERE number = '+84900000002'")" = uncertain ] || fail "in-flight notice must not be resent"
[ "$(sqlite3 "$T/state.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity check"
echo "05-restart: ok"
