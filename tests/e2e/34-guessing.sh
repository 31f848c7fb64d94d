#!/bin/sh
# Hostile use over the real daemon (dummy modem): many numbers guessing codes
# (the global alarm: lookup replies held, the staff told once an hour), an
# auto-responder loop (silent for the day, logged once), the audit trail
# (dossierctl audit with masked numbers, audit.retention_days) and the
# warnings about files every user can read.
. "$(dirname "$0")/lib.sh"
make_records 100
write_conf "" "misses_per_hour = 3; global_misses_per_hour = 6; alarm_delay = 20; same_text_per_day = 3;" \
    'staff = { numbers = [ "0912000111", "0912000222" ]; pin = "2468"; };
audit = { retention_days = 30; };'
DCTL="$DOSSIERCTL -c $T/d.conf"
CODE=000.00.12.H39-240824-0001

# --- Files others can read: the config holding the PIN, the state database.
chmod 644 "$T/d.conf"
out=$("$DOSSIERD" -n -c "$T/d.conf" 2>&1) || fail "dossierd -n: $out"
assert_contains "$out" "holds staff.pin and every user of this machine can read it: chmod o-rwx $T/d.conf"
assert_contains "$out" "configuration OK, with 1 warning(s) above"
# The check never creates the state database; the daemon does.
assert_contains "$out" "note: the state database $T/state.db does not exist yet: dossierd creates it when it starts"
[ ! -e "$T/state.db" ] || fail "dossierd -n created the state database"
chmod 640 "$T/d.conf"
start_daemon
stop_daemon
# Created by the daemon under umask 022: owner and group only.
mode=$(stat -c %a "$T/state.db")
[ "$mode" = 640 ] || fail "state database created $mode, want 640"
out=$("$DOSSIERD" -n -c "$T/d.conf" 2>&1) || fail "dossierd -n: $out"
[ "$out" = "configuration OK" ] || fail "dossierd -n after chmod: $out"
chmod 644 "$T/state.db"
out=$("$DOSSIERD" -n -c "$T/d.conf" 2>&1) || fail "dossierd -n: $out"
assert_contains "$out" "the state database $T/state.db (phone numbers and messages) is open to every user"
start_daemon
wait_for 10 "grep -q 'state database.*open to every user' '$T/dossierd.log'" || fail "no warning at start"
chmod 640 "$T/state.db"

# --- Guessing: six numbers miss one code each; the next lookups are held.
for i in 1 2 3 4 5 6; do inject 098800000$i "000.00.12.H39-240101-90$i$i"; done
wait_handled 6
wait_all_sent
[ "$(sql "SELECT count(*) FROM outbox WHERE sent_at - created_at >= 20")" = 0 ] || fail "a reply was held before the alarm"
[ "$(sql "SELECT count(*) FROM outbox WHERE lane = 1")" = 0 ] || fail "staff alerted before the alarm"
inject 0977000001 "$CODE"
wait_handled 7
# (A held row stays queued, untouched, until its next_at.)
held=$(sql "SELECT state || ' ' || (next_at - created_at) FROM outbox WHERE number = '+84977000001'")
[ "$held" = "queued 20" ] || fail "the lookup reply during the alarm was not held 20 s: '$held'"
wait_for 10 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE lane = 1 AND text LIKE 'Canh bao dossierd: 6 lan tra cuu%'\")\" = 2 ]" ||
    fail "the staff were not alerted: $(sql "SELECT number, text FROM outbox WHERE lane = 1")"
grep -q "6 misses from 6 numbers in the last hour.*someone may be guessing dossier codes; lookup replies wait 20 s, 2 staff number(s) alerted" "$T/dossierd.log" ||
    fail "no guessing warning in the log"
# Help is no lookup (not held); another miss is held, with no second alert.
inject 0977000002 "HD"
inject 0977000003 "000.00.12.H39-240101-9777"
wait_handled 9
[ "$(sql "SELECT state || ' ' || (next_at - created_at) FROM outbox WHERE number = '+84977000003'")" = "queued 20" ] || fail "a miss was not held"
wait_for 15 "[ \"\$(sql \"SELECT state FROM outbox WHERE number = '+84977000002'\")\" = sent ]" || fail "help not sent"
[ "$(sql "SELECT sent_at - created_at < 20 FROM outbox WHERE number = '+84977000002'")" = 1 ] || fail "help was held"
# The held replies go out once their time comes, not before.
wait_for 40 "[ \"\$(sql \"SELECT state FROM outbox WHERE number = '+84977000001'\")\" = sent ]" || fail "held reply never sent"
[ "$(sql "SELECT sent_at - created_at >= 20 FROM outbox WHERE number = '+84977000001'")" = 1 ] || fail "held reply sent early"
assert_contains "$(texts_to +84977000001)" "$CODE"
[ "$(sql "SELECT count(*) FROM outbox WHERE lane = 1")" = 2 ] || fail "a second alert within the hour"
[ "$(grep -c 'someone may be guessing' "$T/dossierd.log")" = 1 ] || fail "the alarm was logged more than once"

# --- An auto-responder: the same text but for its digits, again and again.
for i in 1 2 3 4; do inject 0933000444 "Toi dang ban, se goi lai sau. (tu dong 10:0$i)"; done
wait_handled 13
[ "$(sql "SELECT count(*) FROM outbox WHERE number = '+84933000444'")" = 2 ] || fail "the loop was answered: $(texts_to +84933000444)"
[ "$(sql "SELECT count(*) FROM inbox WHERE sender = '0933000444' AND outcome = 'same text again and again, not answered today'")" = 2 ] ||
    fail "loop outcomes: $(sql "SELECT outcome FROM inbox WHERE sender = '0933000444'")"
inject 0933000444 "$CODE"
wait_handled 14
[ "$(sql "SELECT count(*) FROM outbox WHERE number = '+84933000444'")" = 2 ] || fail "a looping number was answered the same day"
[ "$(grep -c 'sent the same text 3 times today (an auto-responder?)' "$T/dossierd.log")" = 1 ] || fail "the loop was not logged exactly once"

# --- The audit trail: every lookup, numbers masked unless --full.
out=$($DCTL audit) || fail "dossierctl audit: $out"
assert_contains "$out" "...0001"
assert_contains "$out" "$CODE"
assert_contains "$out" "no such code"
assert_contains "$out" "same text again and again"
assert_contains "$out" "(Numbers are masked; --full shows them.)"
assert_not_contains "$out" "+84977000001"
assert_not_contains "$out" "+84988000001"
out=$($DCTL audit --full --number 0977000001) || fail "audit --full: $out"
assert_contains "$out" "+84977000001"
[ "$(printf '%s\n' "$out" | grep -c '+849')" = 1 ] || fail "--number did not filter: $out"
json=$($DCTL audit --code "$CODE" --json) || fail "audit --json: $json"
printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["total"] == 1 and len(d["rows"]) == 1, d
r = d["rows"][0]
assert r["code"] == sys.argv[1] and r["outcome"] == "found" and r["number"] == "...0001", r
' "$CODE" || fail "audit --json: $json"
out=$($DCTL audit --since 2099-01-01) || fail "audit --since: $out"
assert_contains "$out" "No lookups or staff commands in that time."
if out=$($DCTL audit --since yesterday 2>&1); then fail "a bad --since was accepted: $out"; fi
assert_contains "$out" "--since yesterday: write a date as 2026-12-01"
n=$($DCTL audit --json --limit 3 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["rows"]), d["total"] > 3)')
[ "$n" = "3 True" ] || fail "audit --limit: $n"

# --- Retention: rows older than audit.retention_days go in housekeeping.
stop_daemon
now=$(date +%s)
sql "INSERT INTO audit (at, number, code, outcome) VALUES ($((now - 40 * 86400)), '+84911000001', 'old', 'found'),
    ($((now - 10 * 86400)), '+84911000002', 'recent', 'found')"
start_daemon
wait_for 40 "[ \"\$(sql \"SELECT count(*) FROM audit WHERE code = 'old'\")\" = 0 ]" || fail "the old audit row was kept"
[ "$(sql "SELECT count(*) FROM audit WHERE code = 'recent'")" = 1 ] || fail "a recent audit row was deleted"
grep -q "audit: 1 row(s) older than 30 days deleted (audit.retention_days)" "$T/dossierd.log" || fail "retention not logged"
stop_daemon
echo "34-guessing: ok"
