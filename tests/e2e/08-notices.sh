#!/bin/sh
# Ready-for-pickup notices over the real daemon: exactly once (also across SIGKILL),
# reminders on (shortened) days and none after status 10, opt-out/opt-in, the send
# window, the backfill limit, 1,000 dossiers at once, and a concurrent writer in
# rollback-journal and WAL mode that never fails a write.
. "$(dirname "$0")/lib.sh"
need python3
R="$T/records.db"
sqlite3 "$R" < "$top_srcdir/etc/records-schema.sql" || fail "schema"
now_iso() { date '+%Y-%m-%dT%H:%M:%S'; }
days_ago() { date -d "$1 days ago" '+%Y-%m-%dT%H:%M:%S'; }
add() {	# add CODE PHONE STATUS FINISHED UPDATED
	rsql "INSERT INTO dossiers (code, procedure, applicant, phone, office, status, due_at, finished_at, updated_at)
	    VALUES ('$1', 'Chứng thực bản sao', 'Nguyễn Văn A', '$2', 'Bộ phận một cửa UBND xã Hòa Tiến', $3, '2026-12-01', '$4', '$5')"
}
set_status() {	# set_status CODE STATUS
	rsql "UPDATE dossiers SET status = $2, finished_at = '$(now_iso)', updated_at = '$(now_iso)' WHERE code = '$1'"
}
notices_for() { sql "SELECT count(*) FROM outbox o JOIN notices n ON n.outbox_id = o.id WHERE n.code = '$1'"; }
ledger() { sql "SELECT count(*) FROM notices WHERE code = '$1' AND kind = '$2'"; }

# History: ready long ago (never noticed), ready yesterday (noticed: within backfill),
# finished long ago but touched yesterday (not noticed: finished before the window).
add 000.00.12.H39-261101-0001 0912000001 9 "$(days_ago 20)" "$(days_ago 20)"
add 000.00.12.H39-261120-0002 0912000002 9 "$(days_ago 1)" "$(days_ago 1)"
add 000.00.12.H39-261101-0003 0912000003 9 "$(days_ago 20)" "$(days_ago 1)"
add 000.00.12.H39-261125-0004 0912000004 4 "" "$(days_ago 1)"
add 000.00.12.H39-261125-0005 0912000005 4 "" "$(days_ago 1)"
add 000.00.12.H39-261125-0006 0912000006 4 "" "$(days_ago 1)"
add 000.00.12.H39-261125-0007 "" 4 "" "$(days_ago 1)"
add 000.00.12.H39-261125-0008 0243123456 4 "" "$(days_ago 1)"
rsql "INSERT INTO dossiers (code, phone, office, status, notify_sms, updated_at) VALUES ('000.00.12.H39-261125-0009', '0912000009', 'X', 4, 0, '$(days_ago 1)')"

# Closed window: outside it nothing proactive leaves (replies do).
h=$(date +%H); h=${h#0}
closed=$(printf '"%02d:00-%02d:00"' $(( (h + 2) % 24 )) $(( (h + 3) % 24 )))
write_conf "per_minute = 6000;" "" "notices = { window = $closed; poll_interval = 1; day_seconds = 4; reminder_days = [1, 2]; backfill_days = 3; };"
start_daemon
wait_for 15 "[ \"\$(ledger 000.00.12.H39-261120-0002 ready)\" = 1 ]" || fail "recent ready dossier not noticed"
[ "$(ledger 000.00.12.H39-261101-0001 ready)" = 0 ] || fail "old ready dossier noticed (backfill)"
[ "$(sql "SELECT outcome FROM notices WHERE code = '000.00.12.H39-261101-0003'")" = "skipped: ready before backfill window" ] ||
    fail "finished-long-ago dossier not skipped"
inject 0912999999 "HD"
wait_handled 1
wait_for 10 "[ \"\$(sent_to +84912999999)\" = 1 ]" || fail "a reply was held by the send window"
[ "$(sql "SELECT count(*) FROM outbox WHERE lane = 2 AND state = 'sent'")" = 0 ] || fail "notice sent outside the window"

# Turning ready while the window is closed, SIGKILL in between, re-read row: still one notice.
set_status 000.00.12.H39-261125-0004 9
wait_for 15 "[ \"\$(ledger 000.00.12.H39-261125-0004 ready)\" = 1 ]" || fail "notice not queued"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
touched=$(date -d '1 second' '+%Y-%m-%dT%H:%M:%S')
rsql "UPDATE dossiers SET updated_at = '$touched' WHERE code = '000.00.12.H39-261125-0004'"
start_daemon
wait_for 15 "[ \"\$(sql \"SELECT value FROM meta WHERE key = 'notices.watermark'\")\" = '$touched' ]" ||
    fail "the re-read row was not scanned"
[ "$(ledger 000.00.12.H39-261125-0004 ready)" = 1 ] || fail "duplicate ledger row after SIGKILL and re-read"
[ "$(sql "SELECT count(*) FROM outbox WHERE number = '+84912000004' AND text LIKE '%da co ket qua%'")" = 1 ] ||
    fail "duplicate notice after SIGKILL and re-read"

# No phone, a landline, no consent: skipped and counted, never retried.
for c in 7 8 9; do set_status 000.00.12.H39-261125-000$c 9; done
wait_for 15 "[ \"\$(sql \"SELECT count(*) FROM notices WHERE outcome LIKE 'skipped%' AND code LIKE '%261125-000%'\")\" = 3 ]" ||
    fail "unusable numbers not skipped"

# Opt-out stops notices but not lookups; opt-in restores.
inject 0912000005 "TU CHOI"
wait_handled 2
set_status 000.00.12.H39-261125-0005 9
wait_for 15 "[ \"\$(sql \"SELECT outcome FROM notices WHERE code = '000.00.12.H39-261125-0005'\")\" = 'skipped: opted out' ]" ||
    fail "opted-out number got a notice"
inject 0912000005 "000.00.12.H39-261125-0005"
wait_handled 3
assert_contains "$(texts_to +84912000005)" "261125-0005"
inject 0912000006 "tc"
inject 0912000006 "dang ky"
wait_handled 5
[ "$(sql "SELECT count(*) FROM optouts WHERE number = '+84912000006'")" = 0 ] || fail "opt-in did not restore"
set_status 000.00.12.H39-261125-0006 9
wait_for 15 "[ \"\$(notices_for 000.00.12.H39-261125-0006)\" = 1 ]" || fail "opted-in number got no notice"

# Open the window: everything waiting goes out, once.
sed -i "s/window = $closed;/window = \"00:00-00:00\";/" "$T/d.conf"
kill -HUP "$DPID"
wait_for 20 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE lane = 2 AND state != 'sent'\")\" = 0 ]" ||
    fail "notices did not go out when the window opened"
[ "$(sql "SELECT count(*) FROM outbox WHERE number = '+84912000004' AND text LIKE 'Ho so%da co ket qua%'")" = 1 ] ||
    fail "notice count"
assert_contains "$(texts_to +84912000004)" "da co ket qua"
assert_contains "$(texts_to +84912000004)" "Soan TC"

# Reminders: dossier 0002 stays ready -> reminders 1 and 2; 0006 collected -> none.
set_status 000.00.12.H39-261125-0006 10
wait_for 30 "[ \"\$(ledger 000.00.12.H39-261120-0002 reminder)\" = 2 ]" || fail "reminders not sent on schedule"
assert_contains "$(texts_to +84912000002)" "Nhac lan 2"
# 0006's first reminder comes due 4 s after its notice: the live status (10) ends the series.
wait_for 20 "[ -z \"\$(sql \"SELECT next_at FROM notices WHERE code = '000.00.12.H39-261125-0006' AND kind = 'ready'\")\" ]" ||
    fail "reminders for a collected dossier still scheduled"
[ "$(ledger 000.00.12.H39-261125-0006 reminder)" = 0 ] || fail "reminder after status 10"
[ "$(ledger 000.00.12.H39-261120-0002 reminder)" = 2 ] || fail "more reminders than configured"

# 1,000 dossiers turning ready at once, while the records software keeps writing.
# (Real-length days from here on, so the batch brings no reminders within the test.)
sed -i 's/day_seconds = 4;/day_seconds = 86400;/' "$T/d.conf"
kill -HUP "$DPID"
wait_for 10 "[ \"\$(grep -c 'configuration reloaded' '$T/dossierd.log')\" = 2 ]" || fail "reload"
for mode in delete wal; do
	base=$(sql "SELECT count(*) FROM notices")
	rsql "PRAGMA journal_mode = $mode" >/dev/null
	rsql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
	    INSERT INTO dossiers (code, phone, office, status, updated_at)
	    SELECT printf('000.00.2%d.H39-261126-%04d', $([ $mode = wal ] && echo 1 || echo 0), i),
	        printf('09%08d', i + $([ $mode = wal ] && echo 20000 || echo 10000)), 'UBND xa Hoa Tien', 4, '$(days_ago 1)' FROM n"
	python3 "$top_srcdir/tests/e2e/writer.py" "$R" 6 "$mode" > "$T/writer.$mode" 2>&1 &
	wpid=$!
	rsql "UPDATE dossiers SET status = 9, finished_at = '$(now_iso)', updated_at = '$(now_iso)' WHERE code LIKE '000.00.2_.H39-261126-%' AND status = 4"
	wait_for 60 "[ \"\$(sql 'SELECT count(*) FROM notices') \" -ge $((base + 1000)) ]" || fail "$mode: not all 1000 noticed"
	wait "$wpid" || fail "$mode: the records writer had failed writes: $(cat "$T/writer.$mode")"
	n=$(sql "SELECT count(*), count(DISTINCT o.number) FROM notices n JOIN outbox o ON o.id = n.outbox_id WHERE n.code LIKE '000.00.2_.H39-261126-%' AND n.kind = 'ready'")
	want=$([ $mode = wal ] && echo "2000|2000" || echo "1000|1000")
	[ "$n" = "$want" ] || fail "$mode: notices/distinct numbers = $n, want $want"
done
wait_for 60 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE state != 'sent'\")\" = 0 ]" || fail "2000 notices not all sent"
grep -q "write failed" "$T"/writer.* && fail "writer failures"
"$DOSSIERCTL" -c "$T/d.conf" status | grep -q "notices today: [0-9]* sent.*skipped: 1 no consent, 2 no mobile number, 1 opted out, [12] ready before" || fail "status lacks notice counts: $("$DOSSIERCTL" -c "$T/d.conf" status)"
echo "08-notices: ok ($(cat "$T/writer.delete"; echo ", WAL:"; cat "$T/writer.wal"))"
