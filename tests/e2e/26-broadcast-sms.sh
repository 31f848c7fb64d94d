#!/bin/sh
# Broadcasts from a staff SMS over the real daemon on Gammu's dummy modem:
# QT <PIN> TB counts and asks for an OK; OK from another staff number is refused;
# OK from the asker starts it and everyone gets it once; a job not confirmed in
# time expires with nothing sent; HUY cancels what is not sent; an unknown audience
# and a repeat within 24 hours are refused; wrong PINs lock a staff number out and
# alert the other staff numbers once; QT from a citizen gets a citizen's answer.
. "$(dirname "$0")/lib.sh"
make_records 3000
S1=0912000111 S2=0912000222 CIT=0987654321
mkdir -p "$T/dummy/sms/1" "$T/dummy/sms/2" "$T/dummy/sms/3" "$T/dummy/sms/4" "$T/dummy/sms/5"
cat > "$T/d.conf" <<CONF
modems = ( { name = "dummy"; device = "$T/dummy"; connection = "none"; model = "dummy"; poll_interval = 1; } );
records = { path = "$T/records.db";
  audiences = { waiting = "SELECT phone FROM dossiers WHERE status = 9 AND notify_sms = 1";
                missing_papers = "SELECT phone FROM dossiers WHERE status = 5 AND notify_sms = 1"; }; };
state = { path = "$T/state.db"; };
sms = { per_minute = 6000; };
notices = { window = "00:00-00:00"; backfill_days = 0; };
staff = { numbers = [ "$S1", "$S2" ]; pin = "2468"; max_pin_failures = 3; confirm_timeout = 6; };
CONF
start_daemon
# last_to NUMBER: the newest text queued to NUMBER
last_to() { sql "SELECT text FROM outbox WHERE number = '+84${1#0}' ORDER BY id DESC LIMIT 1"; }
count_to() { sql "SELECT count(*) FROM outbox WHERE number = '+84${1#0}'"; }
# ask NUMBER TEXT: inject and wait for one more message queued to NUMBER
ask() {
	_n=$(count_to "$1")
	inject "$1" "$2"
	wait_for 20 "[ \"\$(count_to $1)\" -gt $_n ]" || fail "no answer to $1 for: $2"
	last_to "$1"
}

# --- TB: counted, then a request for the OK; nothing queued yet.
r=$(ask $S1 "QT 2468 TB waiting Bộ phận một cửa nghỉ ngày 02/09")
echo "TB -> $r"
assert_contains "$r" "TB #1:"
assert_contains "$r" "nguoi nhan"
assert_contains "$r" "QT <PIN> OK 1"
assert_not_contains "$r" "2468"
n=$(sql "SELECT recipients FROM broadcasts WHERE id = 1")
[ "$n" -gt 100 ] || fail "job 1 counts $n recipients"
assert_contains "$r" "$n nguoi nhan"
[ "$(sql "SELECT state || ' ' || staff_number FROM broadcasts WHERE id = 1")" = "confirm +84912000111" ] ||
    fail "job 1: $(sql "SELECT state, staff_number FROM broadcasts WHERE id = 1")"
[ "$(sql "SELECT count(*) FROM outbox WHERE lane = 3")" = 0 ] || fail "queued before the OK"
# The same as counted by dossierctl's dry run.
dry=$("$DOSSIERCTL" -c "$T/d.conf" broadcast --audience waiting --text "Bộ phận một cửa nghỉ ngày 02/09" --dry-run)
assert_contains "$dry" "recipients:  $n"

# --- OK from the other staff number: refused. OK from the asker: started.
r=$(ask $S2 "QT 2468 OK 1")
assert_contains "$r" "chi so da tao"
r=$(ask $S1 "qt 2468 ok 1")
echo "OK -> $r"
assert_contains "$r" "TB #1: bat dau gui toi $n nguoi"
wait_for 60 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE broadcast_id = 1 AND state = 'sent'\")\" = $n ]" ||
    fail "job 1 not sent: $(sql "SELECT state, count(*) FROM outbox WHERE broadcast_id = 1 GROUP BY state")"
[ "$(sql "SELECT count(DISTINCT number) FROM outbox WHERE broadcast_id = 1")" = "$n" ] || fail "a recipient twice"
# A second OK: refused (already started).
r=$(ask $S1 "QT 2468 OK 1")
assert_contains "$r" "khong cho xac nhan"

# --- The same text again within 24 hours: refused.
r=$(ask $S1 "QT 2468 TB waiting Bộ phận một cửa nghỉ ngày 02/09")
assert_contains "$r" "trong 24 gio qua (TB #1)"
# An unknown audience: refused, with the names there are.
r=$(ask $S1 "QT 2468 TB everyone Xin chao")
assert_contains "$r" "khong co danh sach"
assert_contains "$r" "waiting"

# --- Not confirmed in time (confirm_timeout = 6 s): expired, nothing sent.
r=$(ask $S2 "QT 2468 TB missing_papers Moi bo sung giay to")
job=$(sql "SELECT max(id) FROM broadcasts")
assert_contains "$r" "TB #$job:"
wait_for 20 "[ \"\$(sql \"SELECT state FROM broadcasts WHERE id = $job\")\" = expired ]" ||
    fail "job $job did not expire: $(sql "SELECT state, confirm_by FROM broadcasts WHERE id = $job")"
assert_contains "$(last_to $S2)" "khong duoc xac nhan kip"
r=$(ask $S2 "QT 2468 OK $job")
assert_contains "$r" "het han"
[ "$(sql "SELECT count(*) FROM outbox WHERE broadcast_id = $job")" = 0 ] || fail "an expired job queued messages"

# --- HUY: what is not sent is never sent.
r=$(ask $S1 "QT 2468 TB waiting Ket qua dang cho ong ba, xin den nhan")
job=$(sql "SELECT max(id) FROM broadcasts")
m=$(sql "SELECT recipients FROM broadcasts WHERE id = $job")
inject $S1 "QT 2468 OK $job"
inject $S1 "QT 2468 HUY $job"
wait_for 30 "last_to $S1 | grep -q 'da huy'" || fail "no answer to HUY: $(last_to $S1)"
r=$(last_to $S1)
echo "HUY -> $r"
wait_for 20 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE broadcast_id = $job AND state IN ('queued', 'sending', 'retry')\")\" = 0 ]" ||
    fail "job $job still sending after HUY"
sent=$(sql "SELECT count(*) FROM outbox WHERE broadcast_id = $job AND state = 'sent'")
cancelled=$(sql "SELECT count(*) FROM outbox WHERE broadcast_id = $job AND state = 'cancelled'")
pending=$(sql "SELECT count(*) FROM broadcast_to WHERE broadcast_id = $job AND outbox_id IS NULL")
[ $((sent + cancelled + pending)) = "$m" ] || fail "job $job: $sent sent + $cancelled cancelled + $pending never queued != $m"
[ $((cancelled + pending)) -gt 0 ] || fail "HUY came too late to cancel anything (all $sent sent)"
assert_contains "$r" "$((cancelled + pending)) tin khong gui"

# --- Wrong PINs: three answered, the third locks S2 out and alerts S1 once.
a0=$(sql "SELECT count(*) FROM outbox WHERE number = '+84912000111' AND text LIKE 'Canh bao%'")
for pin in 1111 2222 3333; do
	r=$(ask $S2 "QT $pin TT")
	assert_contains "$r" "Sai ma PIN"
done
wait_for 10 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE number = '+84912000111' AND text LIKE 'Canh bao%'\")\" = $((a0 + 1)) ]" ||
    fail "no lockout alert to the other staff number"
assert_contains "$(sql "SELECT text FROM outbox WHERE number = '+84912000111' AND text LIKE 'Canh bao%'")" "+84912000222"
[ "$(sql "SELECT count(*) FROM outbox WHERE number = '+84912000222' AND text LIKE 'Canh bao%'")" = 0 ] ||
    fail "the locked-out number was alerted about itself"
inject $S2 "QT 4444 TT"
inject $S2 "QT 2468 TT"
wait_handled "$(( $(handled) + 2 ))"
[ "$(sql "SELECT count(*) FROM outbox WHERE number = '+84912000111' AND text LIKE 'Canh bao%'")" = $((a0 + 1)) ] ||
    fail "the lockout alert was sent more than once"

# --- QT from a citizen: a citizen's answer, no job, no lockout.
j0=$(sql "SELECT count(*) FROM broadcasts")
r=$(ask $CIT "QT 2468 TB waiting Xin chao")
assert_contains "$r" "Chua dung cu phap"
[ "$(sql "SELECT count(*) FROM broadcasts")" = "$j0" ] || fail "a citizen's QT made a job"
[ "$(sql "SELECT count(*) FROM audit WHERE number = '+84987654321' AND outcome LIKE 'staff%'")" = 0 ] ||
    fail "a citizen's QT was audited as a staff command"
echo "26-broadcast-sms: ok (TB counted $n, OK from the asker only, expiry, repeat and unknown audience refused, HUY left $((cancelled + pending)) of $m unsent, lockout alert once)"
