#!/bin/sh
# +CMS ERROR on sends. Temporary causes (38 network out of order, 42 congestion):
# the message is retried and delivered once. Permanent causes (21 rejected,
# 96 invalid mandatory information, 28 unidentified subscriber): that message is
# marked failed after a bounded number of attempts (2, dossierd.conf(5)) while other
# messages go out at once, not behind its backoff. Asserted from the fake modem's log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
empty_records
start_fakemodem
# retry_initial 8: a permanent failure's second attempt comes 8 s later, time enough
# to see another message overtake it (and to re-arm the fault in between) even on
# a busy machine (3 s was not, with the suite's tests three at a time).
FAULT_SMS="per_minute = 600; retry_initial = 8; retry_max = 8; max_attempts = 6;"
write_fault_conf
start_fault_daemon

# --- temporary: 3 x 38 then 2 x 42, whichever messages they hit ---
fm fail_sends count:=3 code:=38 >/dev/null || fail "fail_sends"
queue_send +84912100001 "Thong bao tam thoi 1"
queue_send +84912100002 "Thong bao tam thoi 2"
fm inject from=+84912100003 text=HD >/dev/null || fail "inject"
wait_delivered 40 +84912100001 +84912100002 +84912100003 || fail "temporary +CMS 38: not all delivered: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
[ "$(fm_count send_failed code 38)" = 3 ] || fail "expected 3 refused sends (38), saw $(fm_count send_failed code 38)"
fm fail_sends count:=2 code:=42 >/dev/null || fail "fail_sends"
queue_send +84912100004 "Thong bao tam thoi 4"
queue_send +84912100005 "Thong bao tam thoi 5"
wait_delivered 40 +84912100004 +84912100005 || fail "temporary +CMS 42: not all delivered: $(sql "SELECT id, number, state, attempts, last_error FROM outbox")"
[ "$(fm_count send_failed code 42)" = 2 ] || fail "expected 2 refused sends (42)"
temp_rec=$(fm_recovery send_failed)
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
[ "$(sql "SELECT sum(attempts) FROM outbox")" = $((5 + 5)) ] || fail "attempts: $(sql "SELECT number, attempts FROM outbox")"
grep -q 'network refused: +CMS ERROR 38; retry in' "$T/dossierd.log" || fail "no retry logged for +CMS ERROR 38"
fm_check_exactly_once

# --- permanent: one message fails after 2 attempts; another one does not wait ---
perm_fail=""
for code in 21 96 28; do
	a=+849122000$code b=+849123000$code
	nf=$(fm_count send_failed)
	fm fail_sends count:=1 code:=$code >/dev/null || fail "fail_sends"
	queue_send $a "Gui so sai $code"
	wait_for 15 "[ \"\$(fm_count send_failed)\" = $((nf + 1)) ]" || fail "$code: first attempt not refused"
	t0=$(now)
	queue_send $b "Gui so dung $code"
	wait_delivered 10 $b || fail "$code: the other message was not delivered"
	lat=$(elapsed "$t0")
	# Re-arm for the failing message's second attempt, which must not have happened yet.
	fm fail_sends count:=1 code:=$code >/dev/null || fail "fail_sends"
	r=$(sql "SELECT state || ' ' || attempts FROM outbox WHERE number = '$a'")
	[ "$r" = "retry 1" ] || [ "$r" = "failed 1" ] ||
	    fail "$code: the other message took $lat s and came after the failing one's retry ($r): behind its backoff?"
	wait_for 20 "[ \"\$(sql \"SELECT state FROM outbox WHERE number = '$a'\")\" = failed ] || [ \"\$(fm_complete_to $a)\" != 0 ]" ||
	    fail "$code: message to a rejected number not failed: $(sql "SELECT state, attempts, last_error FROM outbox WHERE number = '$a'")"
	wait_for 10 "[ \"\$(sql \"SELECT state FROM outbox WHERE number = '$a'\")\" != sending ]"
	r=$(sql "SELECT state || ' ' || attempts FROM outbox WHERE number = '$a'")
	if [ "$r" != "failed 2" ] || [ "$(fm_complete_to $a)" != 0 ]; then
		fm fail_sends count:=0 >/dev/null
		perm_fail="$perm_fail
  +CMS ERROR $code: message to $a ended '$r', the modem sent it $(fm_complete_to $a) time(s) after $(fm_count send_failed to $a) refusal(s); want 'failed 2', never sent. dossierd.log: $(grep "\.\.\.00$code" "$T/dossierd.log" | sed 's/^[0-9-]* //' | tr '\n' '|')"
		continue
	fi
	assert_contains "$(sql "SELECT last_error FROM outbox WHERE number = '$a'")" "+CMS ERROR $code"
	# The other message: queued -> sent without waiting for the failing one's backoff.
	awk -v l="$lat" 'BEGIN { exit !(l < 6) }' || fail "$code: the other message took $lat s"
	[ "$(sql "SELECT state || ' ' || attempts FROM outbox WHERE number = '$b'")" = "sent 1" ] || fail "$code: other message attempts"
	[ "$(fm_count send_failed to $b)" = 0 ] || fail "$code: the other message was refused"
	perm_lat="${perm_lat:-}${perm_lat:+, }$code: other message in $lat s"
done
[ -z "$perm_fail" ] || fail "permanent +CMS errors:$perm_fail"
wait_for 10 "[ \"\$(outbox_open)\" = 0 ]" || fail "outbox not drained"
fm_check_exactly_once +84912200021 +84912200096 +84912200028
grep -q 'connected again' "$T/dossierd.log" && fail "a +CMS error made dossierd reconnect"
stop_daemon
echo "10-fault-cms: ok (recovered in $temp_rec s after the last temporary refusal; $perm_lat)"
