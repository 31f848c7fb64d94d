#!/bin/sh
# Staff broadcasts from dossierctl over the real daemon on Gammu's dummy modem: the
# dry run counts what the real run queues, four ways of typing one number are one
# recipient, opt-outs/landlines/short codes/empty numbers and a CSV's bad lines are
# left out and counted, no terminal and no --yes refuses, the same text to the same
# audience is refused within 24 hours unless --force, the send window holds a job
# while replies go out, a cancel leaves the unsent part unsent, and each recipient
# gets the broadcast exactly once.
. "$(dirname "$0")/lib.sh"
DCTL="$DOSSIERCTL -c $T/d.conf"
make_records 3000
WAITING="SELECT phone FROM dossiers WHERE status = 9 AND notify_sms = 1"

# write_bconf WINDOW: the dummy modem, two audiences, the send window WINDOW.
write_bconf() {
	mkdir -p "$T/dummy/sms/1" "$T/dummy/sms/2" "$T/dummy/sms/3" "$T/dummy/sms/4" "$T/dummy/sms/5"
	cat > "$T/d.conf" <<CONF
modems = ( { name = "dummy"; device = "$T/dummy"; connection = "none"; model = "dummy"; poll_interval = 1; } );
records = { path = "$T/records.db";
  audiences = { waiting = "$WAITING"; open = "SELECT phone FROM dossiers WHERE status IN (1, 2, 4, 5, 6) AND notify_sms = 1"; }; };
state = { path = "$T/state.db"; };
sms = { per_minute = 6000; };
notices = { window = "$1"; backfill_days = 0; };
CONF
}
# A window that is closed now: it opens two hours from now, for one hour.
closed_window() {
	python3 -c 'import time; t = time.localtime(time.time() + 7200); print("%02d:%02d-%02d:%02d" % (t.tm_hour, 0, (t.tm_hour + 1) % 24, 0))'
}
field() { printf '%s\n' "$1" | sed -n "s/^  $2: *\([0-9]*\).*/\1/p"; }

write_bconf "00:00-00:00"
TEXT="Bộ phận một cửa nghỉ ngày 02/09. Xin cảm ơn."

# --- 1. The dry run's counts are the real run's.
dry=$($DCTL broadcast --audience waiting --text "$TEXT" --dry-run) || fail "dry run failed"
echo "$dry"
assert_contains "$dry" "dry run"
assert_contains "$dry" "Bo phan mot cua nghi ngay 02/09. Xin cam on."	# as sent: ascii folding
assert_contains "$dry" "GSM-7, 1 SMS per recipient"
dry_n=$(field "$dry" recipients)
dry_x=$(field "$dry" excluded)
[ "$dry_n" -gt 100 ] || fail "the waiting audience has $dry_n recipients"
[ "$(sql "SELECT count(*) FROM broadcasts")" = 0 ] || fail "a dry run left a job"
[ "$(sql "SELECT count(*) FROM outbox")" = 0 ] || fail "a dry run queued messages"
# Every row of the audience is a recipient or an exclusion: none lost silently.
rows=$(rsql "SELECT count(*) FROM ($WAITING)")
[ $((dry_n + dry_x)) = "$rows" ] || fail "dry run: $dry_n recipients + $dry_x excluded, the audience has $rows rows"

# --- 2. No terminal and no --yes: refused, nothing queued.
if $DCTL broadcast --audience waiting --text "$TEXT" </dev/null >"$T/out" 2>&1; then
	fail "a broadcast without a terminal and without --yes was accepted"
fi
assert_contains "$(cat "$T/out")" "--yes"
[ "$(sql "SELECT count(*) FROM outbox") $(sql "SELECT count(*) FROM broadcasts")" = "0 0" ] ||
    fail "a refused broadcast left rows"

# --- 3. The real run, with the window open: same counts, everyone once.
real=$($DCTL broadcast --audience waiting --text "$TEXT" --yes) || fail "broadcast failed: $real"
echo "$real"
[ "$(field "$real" recipients) $(field "$real" excluded)" = "$dry_n $dry_x" ] ||
    fail "the real run counts $(field "$real" recipients)/$(field "$real" excluded), the dry run $dry_n/$dry_x"
assert_contains "$real" "queued $dry_n of $dry_n"
job=$(sql "SELECT max(id) FROM broadcasts")
[ "$(sql "SELECT count(*), count(DISTINCT number) FROM outbox WHERE broadcast_id = $job AND lane = 3")" = "$dry_n|$dry_n" ] ||
    fail "outbox rows of the job: $(sql "SELECT count(*), count(DISTINCT number) FROM outbox WHERE broadcast_id = $job")"

# --- 4. The same text to the same audience again: refused, then --force.
if $DCTL broadcast --audience waiting --text "$TEXT" --yes >"$T/out" 2>&1; then
	fail "the same broadcast twice within 24 hours was accepted"
fi
assert_contains "$(cat "$T/out")" "--force"
[ "$(sql "SELECT count(*) FROM broadcasts")" = 1 ] || fail "a refused repeat left a job"

# --- 5. A numbers file: one person typed four ways, exclusions by reason, bad lines.
start_daemon
inject 0911000009 "TC"		# opts out
wait_handled 1
wait_for 10 "[ \"\$(sql \"SELECT count(*) FROM optouts\")\" = 1 ]" || fail "opt-out not recorded"
printf '\357\273\277Họ tên;SĐT;Ghi chú\r\n' > "$T/list.csv"
cat >> "$T/list.csv" <<'CSV'
Nguyễn Văn A;0915123456;
Nguyễn Văn A;+84915123456;again
"Trần, Thị B";84 915 123 456;x
Lê C;0084915123456;
Phạm D;0911000009;opted out
Hoàng E;02363822123;landline
Vũ F;19001234;short code
Đỗ G;;no number
just a note without separators
"Bùi H;0916000001;unterminated quote
Ngô I;0916000002;ok
CSV
out=$($DCTL broadcast --numbers "$T/list.csv" --text "Hop to dan pho luc 19h thu Sau" --yes 2>"$T/err") ||
    fail "numbers file broadcast failed: $out $(cat "$T/err")"
echo "$out"; cat "$T/err"
assert_contains "$out" "recipients:  2"
assert_contains "$out" "3 duplicates"
assert_contains "$out" "1 opted out"
assert_contains "$out" "1 landlines"
assert_contains "$out" "1 short codes"
assert_contains "$out" "1 no number"
assert_contains "$out" "2 unreadable lines"
assert_contains "$(cat "$T/err")" "line 10"
assert_contains "$(cat "$T/err")" "line 11"
fjob=$(sql "SELECT max(id) FROM broadcasts")
[ "$(sql "SELECT group_concat(number, ' ') FROM (SELECT number FROM outbox WHERE broadcast_id = $fjob ORDER BY number)")" = "+84915123456 +84916000001" ] ||
    [ "$(sql "SELECT group_concat(number, ' ') FROM (SELECT number FROM outbox WHERE broadcast_id = $fjob ORDER BY number)")" = "+84915123456 +84916000002" ] ||
    fail "file recipients: $(sql "SELECT group_concat(number, ' ') FROM outbox WHERE broadcast_id = $fjob")"

# Everything goes out, each once; the list and show agree.
wait_for 60 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE lane = 3 AND state <> 'sent'\")\" = 0 ]" ||
    fail "broadcasts not sent: $(sql "SELECT state, count(*) FROM outbox WHERE lane = 3 GROUP BY state")"
[ "$(sql "SELECT count(*) FROM (SELECT number FROM outbox WHERE lane = 3 AND broadcast_id = $job GROUP BY number HAVING count(*) > 1)")" = 0 ] ||
    fail "a recipient got the broadcast twice"
list=$($DCTL broadcast --list) || fail "--list failed"
echo "$list"
assert_contains "$list" "queued"
show=$($DCTL broadcast --show "$job") || fail "--show failed"
assert_contains "$show" "$dry_n sent, 0 waiting"
json=$($DCTL broadcast --list --json) || fail "--list --json failed"
echo "$json" | python3 -c "
import json, sys
jobs = {j['id']: j for j in json.load(sys.stdin)}
j = jobs[$job]
assert j['sent'] == $dry_n and j['remaining'] == 0 and j['recipients'] == $dry_n, j
assert jobs[$fjob]['excluded']['duplicate'] == 3 and jobs[$fjob]['excluded']['bad_line'] == 2, jobs[$fjob]
" || fail "--list --json: $json"
stop_daemon

# --- 6. The window holds a job at night while replies still go out; cancel leaves
# the unsent part unsent.
write_bconf "$(closed_window)"
start_daemon
out=$($DCTL broadcast --audience open --text "Xin moi ong ba den bo sung giay to" --yes) || fail "open broadcast: $out"
ojob=$(sql "SELECT max(id) FROM broadcasts")
on=$(field "$out" recipients)
[ "$on" -gt 100 ] || fail "the open audience has $on recipients"
assert_contains "$out" "when the send window"
inject 0912345678 "HD"
wait_for 20 "[ \"\$(sent_to +84912345678)\" = 1 ]" || fail "a reply did not go out while the window was closed"
[ "$(sql "SELECT count(*) FROM outbox WHERE broadcast_id = $ojob AND state = 'sent'")" = 0 ] ||
    fail "a broadcast went out outside the send window"
c=$($DCTL broadcast --cancel "$ojob") || fail "cancel failed: $c"
echo "$c"
assert_contains "$c" "$on messages not sent"
[ "$(sql "SELECT count(*) FROM outbox WHERE broadcast_id = $ojob AND state = 'cancelled'")" = "$on" ] ||
    fail "cancelled rows: $(sql "SELECT state, count(*) FROM outbox WHERE broadcast_id = $ojob GROUP BY state")"
# The window opens: nothing of the cancelled job leaves.
write_bconf "00:00-00:00"
kill -HUP "$DPID"
wait_for 10 "grep -q 'configuration reloaded' '$T/dossierd.log'" || fail "reload"
inject 0912345679 "HD"
wait_for 20 "[ \"\$(sent_to +84912345679)\" = 1 ]" || fail "reply after reload"
[ "$(sql "SELECT count(*) FROM outbox WHERE broadcast_id = $ojob AND state <> 'cancelled'")" = 0 ] ||
    fail "a cancelled broadcast was sent"
if $DCTL broadcast --cancel "$ojob" >/dev/null 2>&1; then fail "cancelling twice succeeded"; fi
stop_daemon
echo "24-broadcast: ok (waiting: $dry_n recipients, $dry_x excluded; open: $on held by the window, then cancelled)"
