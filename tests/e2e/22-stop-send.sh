#!/bin/sh
# A clean stop while a send is in flight, over the fake AT modem whose network
# answers each submission after a delay (fm latency): dossierd stops at once, lets
# the send in progress finish within modems.stop_grace, keeps what the network
# confirmed, exits 0, never sends a confirmed message twice, and does not spin.
#   A  SIGTERM after a one-part reply left the modem, before the network's answer
#      (3 s; default grace 10 s): exit 0 within the grace, row sent, no "hung",
#      < 0.5 s CPU during the stop; after a restart the modem sent it once.
#   B  SIGTERM between the two parts of a staff message: both parts go out, row
#      sent; after a restart the modem sent it once.
#   C  The answer does not come within the grace (latency 30 s, stop_grace = 3):
#      exit 0 after 3 s (not less); a reply goes back to queued with uncertain = 1 (sent
#      again after the restart, the documented exception); a notice (SIGINT this
#      time) becomes uncertain and is never sent again.
#   D  A second SIGTERM during the grace (latency 30 s, grace 10 s) ends it at
#      once: exit 0 within ~2 s of it; the staff message is queued, uncertain = 1.
# One line per stop, "stop: CASE: S s to exit, exit N, C s CPU during the stop,
# modem-side count K", gives the figures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
. "$(dirname "$0")/stop.sh"
BARRIER_PREFIX=+8491222090

SEND_TIMEOUT=15		# above every grace used here: the grace, not send_timeout, bounds a stop
DEFAULT_GRACE=10
CPU_MAX=0.5		# s of CPU a whole stop may use
A=+84912220001 B=+84912220002 C=+84912220003 D=+84912220004 B2=+84912220006
NOTICE_PHONE=0912220005 N=+84912220005
LONG="Thong bao cua Bo phan mot cua UBND xa Hoa Tien: ho so cua ong ba da duoc tiep nhan va dang duoc xu ly theo dung quy dinh."
LONG="$LONG Ket qua se duoc tra trong thoi han ghi tren giay hen; khi co ket qua chung toi se nhan tin bao. Xin cam on ong ba da su dung dich vu."
[ ${#LONG} -gt 160 ] && [ ${#LONG} -le 306 ] || fail "test text must take exactly 2 SMS parts (${#LONG} characters)"

# signal_late SIG: the same, sent at 0.8 s into a second of CLOCK_MONOTONIC (the
# daemon's clock), so that a grace counted from a start rounded down to the whole
# second shows as 0.8 s short every time, not now and then.
signal_late() {
	CPU0=$(cpu_of "$DPID")
	T0=$(python3 -c 'import os, signal, sys, time
time.sleep((0.8 - time.monotonic()) % 1)
os.kill(int(sys.argv[1]), signal.Signals["SIG" + sys.argv[2]])
print("%.6f" % time.time())' "$DPID" "$1") || give_up "dossierd is not running"
}
# check_stop MAX_WALL [MIN_WALL]: what every stop must show
check_stop() {
	[ "$EXIT" = 0 ] || problem "exit status $EXIT"
	le "$WALL" "$1" || problem "took $WALL s to exit (bound $1 s)"
	[ -z "${2:-}" ] || le "$2" "$WALL" || problem "exited $WALL s after the signal with a part unanswered: before the grace ran out (want at least $2 s)"
	le "$CPU" "$CPU_MAX" || problem "used $CPU s of CPU during a stop of $WALL s (a busy wait?)"
	_h=$(run_log | grep -i 'hung' | head -1)
	[ -z "$_h" ] || problem "a step ended by the stop was logged as a hung modem: ${_h#* * }"
	_s=$(sql "SELECT group_concat(id) FROM outbox WHERE state = 'sending'")
	[ -z "$_s" ] || problem "rows left in state sending after a clean stop: $_s"
}
# report COUNT [NOTE]: the figures of one stop
report() { echo "stop: $CASE: $WALL s to exit, exit $EXIT, $CPU s CPU during the stop, modem-side count $1${2:+ ($2)}"; }

empty_records
start_fakemodem
conf() {
	FAULT_MODEM="poll_interval = 5; send_timeout = $SEND_TIMEOUT; status_interval = 10; ${1:-}"
	write_fault_conf
	sed -i 's/notices = { window = "00:00-00:00"; };/notices = { window = "00:00-00:00"; poll_interval = 1; };/' "$T/d.conf"
	grep -q 'poll_interval = 1; }' "$T/d.conf" || give_up "could not set notices.poll_interval"
}
conf
start_run

# --- A: SIGTERM during a one-part reply, after the PDU left, before the answer.
CASE="single-part reply"
fm latency cmgs:=3 >/dev/null || give_up "latency"
n=$(fm_events sent)
fm inject from=$A text=HD >/dev/null || give_up "inject"
send_wait $((n + 1))
signal_stop TERM
await_exit $((SEND_TIMEOUT + 5))
id=$(sql "SELECT id FROM outbox WHERE number = '$A'")
check_stop $((DEFAULT_GRACE - 1))
[ "$(row "$id")" = "sent 0" ] || problem "the network confirmed it, but: $(row_info "$id")"
a_wall=$WALL a_exit=$EXIT a_cpu=$CPU
fm latency cmgs:=0 >/dev/null || give_up "latency"
start_run
barrier
k=$(fm_complete_to $A)
[ "$k" = 1 ] && [ "$(fm_count sent to $A)" = 1 ] ||
    problem "after the restart the modem sent it $k time(s) ($(fm_count sent to $A) part(s)), want once: $(row_info "$id")"
WALL=$a_wall EXIT=$a_exit CPU=$a_cpu report "$k"

# --- B: SIGTERM between the parts of a 2-part staff message: both parts go out.
CASE="2-part staff message between parts"
fm latency cmgs:=3 >/dev/null || give_up "latency"
n=$(fm_events sent)
queue_send $B "$LONG"
send_wait $((n + 1))
signal_stop TERM
await_exit $((SEND_TIMEOUT + 5))
id=$(sql "SELECT id FROM outbox WHERE number = '$B'")
check_stop $((DEFAULT_GRACE - 1))
[ "$(row "$id")" = "sent 0" ] && [ "$(sql "SELECT parts FROM outbox WHERE id = $id")" = 2 ] ||
    problem "both parts had time to go out, but: $(row_info "$id"); the modem took $(fm_count sent to $B) part(s)"
b_wall=$WALL b_exit=$EXIT b_cpu=$CPU
fm latency cmgs:=0 >/dev/null || give_up "latency"
conf "stop_grace = 3;"
start_run
barrier
k=$(fm_complete_to $B)
[ "$k" = 1 ] && [ "$(fm_count sent to $B)" = 2 ] ||
    problem "after the restart the modem sent it $k time(s) complete ($(fm_count sent to $B) part(s)), want once (2 parts): $(row_info "$id")"
WALL=$b_wall EXIT=$b_exit CPU=$b_cpu report "$k"
( fail() { exit 1; }; fm_check_exactly_once ) || problem "exactly-once check after A and B failed (above)"

# --- B2: the grace (5 s) has no room for part 2 after part 1 took ~3.7 s: the
# message stops at the part boundary, nothing uncertain; after the restart part 2
# follows with the same concatenation reference, and the phone gets one message.
CASE="2-part staff message, no room for part 2 (stop_grace = 5)"
signal_stop TERM
await_exit 10
conf "stop_grace = 5;"
start_run
fm latency cmgs:=3 >/dev/null || give_up "latency"
n=$(fm_events sent)
queue_send $B2 "$LONG"
send_wait $((n + 1))
signal_stop TERM
await_exit $((SEND_TIMEOUT + 5))
id=$(sql "SELECT id FROM outbox WHERE number = '$B2'")
check_stop 6
[ "$(sql "SELECT state || ' ' || uncertain || ' ' || parts_sent || '/' || parts_total FROM outbox WHERE id = $id")" = "queued 0 1/2" ] ||
    problem "want queued with part 1 of 2 confirmed, got: $(row_info "$id"), $(sql "SELECT parts_sent || '/' || parts_total FROM outbox WHERE id = $id")"
[ "$(fm_count sent to $B2)" = 1 ] || problem "$(fm_count sent to $B2) part(s) left before the restart, want 1"
b2_wall=$WALL b2_exit=$EXIT b2_cpu=$CPU
fm latency cmgs:=0 >/dev/null || give_up "latency"
conf "stop_grace = 3;"
start_run
barrier
k=$(fm_complete_to $B2)
[ "$k" = 1 ] && [ "$(fm_count sent to $B2)" = 2 ] ||
    problem "after the restart: $k complete message(s), $(fm_count sent to $B2) part(s) to $B2; want 1 message of 2 parts: $(fm_text $B2)"
[ "$(sql "SELECT count(*) FROM sent_parts WHERE outbox_id = $id")" = 2 ] ||
    problem "sent_parts of #$id: $(sql "SELECT part, mr FROM sent_parts WHERE outbox_id = $id")"
WALL=$b2_wall EXIT=$b2_exit CPU=$b2_cpu report "$k" "part 2 after the restart, same reference"

# --- C1: the network does not answer within stop_grace = 3: a reply is uncertain,
# queued again (uncertain = 1) and sent once more after the restart.
CASE="reply unanswered at stop_grace = 3"
fm latency cmgs:=30 >/dev/null || give_up "latency"
n=$(fm_events sent)
fm inject from=$C text=HD >/dev/null || give_up "inject"
send_wait $((n + 1))
signal_late TERM
await_exit $((SEND_TIMEOUT + 5))
id=$(sql "SELECT id FROM outbox WHERE number = '$C'")
check_stop 6.5 2.8
[ "$(row "$id")" = "queued 1" ] || problem "want queued with uncertain = 1: $(row_info "$id")"
c_wall=$WALL c_exit=$EXIT c_cpu=$CPU
restart_fakemodem
start_run
barrier
k=$(fm_complete_to $C)
[ "$(row "$id")" = "sent 1" ] && [ "$k" = 2 ] ||
    problem "an uncertain reply is sent once more after the restart; the modem sent it $k time(s): $(row_info "$id")"
WALL=$c_wall EXIT=$c_exit CPU=$c_cpu report "$k" "want 2: an uncertain reply is sent again after the restart"

# --- C2: the same for a notice, stopped by SIGINT: uncertain, never sent again.
CASE="notice unanswered at stop_grace = 3 (SIGINT)"
fm latency cmgs:=30 >/dev/null || give_up "latency"
n=$(fm_events sent)
t=$(date '+%Y-%m-%dT%H:%M:%S')
rsql "INSERT INTO dossiers (code, procedure, phone, office, status, received_at, due_at, finished_at, updated_at)
    VALUES ('000.00.12.H39-261130-0005', 'Chung thuc ban sao', '$NOTICE_PHONE', 'UBND xa Hoa Tien', 9,
        '2026-11-20', '2026-12-20', '$t', '$t')" || give_up "records: notice row"
send_wait $((n + 1))
[ "$(fm_count sent to $N)" -ge 1 ] || give_up "the part that left was not the notice: $(sql "SELECT id, lane, number, state FROM outbox WHERE state != 'sent'")"
signal_late INT
await_exit $((SEND_TIMEOUT + 5))
id=$(sql "SELECT id FROM outbox WHERE number = '$N' AND lane = 2")
[ -n "$id" ] || give_up "no notice row"
check_stop 6.5 2.8
[ "$(row "$id")" = "uncertain 1" ] || problem "want state uncertain: $(row_info "$id")"
n_parts=$(fm_count sent to $N)
c2_wall=$WALL c2_exit=$EXIT c2_cpu=$CPU
restart_fakemodem
conf			# D runs with the default grace
start_run
barrier
[ "$(fm_count sent to $N)" = "$n_parts" ] && [ "$(row "$id")" = "uncertain 1" ] ||
    problem "an uncertain notice was sent again after the restart ($n_parts part(s) before, $(fm_count sent to $N) after): $(row_info "$id")"
WALL=$c2_wall EXIT=$c2_exit CPU=$c2_cpu report "$(fm_complete_to $N)" "want 1: an uncertain notice is never sent again"

# --- D: a second SIGTERM during the grace (latency 30, grace 10) ends it at once.
CASE="second SIGTERM during the grace"
fm latency cmgs:=30 >/dev/null || give_up "latency"
n=$(fm_events sent)
queue_send $D "Tin nhan can bo so 4"
send_wait $((n + 1))
signal_stop TERM
d_cpu0=$CPU0
sleep 1		# not waiting for anything: the gap between the two signals
if [ -s "$T/run$RUN.exit" ]; then
	problem "exited within 1 s of the first SIGTERM with the part unanswered and 9 s of grace left ($(cat "$T/run$RUN.exit"))"
	await_exit 1
else
	signal_stop TERM
	CPU0=$d_cpu0
	await_exit $((SEND_TIMEOUT + 5))
fi
id=$(sql "SELECT id FROM outbox WHERE number = '$D'")
check_stop 2.5
[ "$(row "$id")" = "queued 1" ] || problem "want queued with uncertain = 1: $(row_info "$id")"
d_wall=$WALL d_exit=$EXIT d_cpu=$CPU
restart_fakemodem
start_run
barrier
k=$(fm_complete_to $D)
[ "$(row "$id")" = "sent 1" ] && [ "$k" = 2 ] ||
    problem "an uncertain staff message is sent once more after the restart; the modem sent it $k time(s): $(row_info "$id")"
WALL=$d_wall EXIT=$d_exit CPU=$d_cpu report "$k" "want 2: an uncertain staff message is sent again after the restart" |
    sed 's/s to exit/s to exit after the second signal/'

# --- An idle stop: prompt, exit 0.
CASE="idle stop"
signal_stop TERM
await_exit 10
check_stop 2
echo "stop: $CASE: $WALL s to exit, exit $EXIT, $CPU s CPU during the stop"

CASE="all runs"
final_counts || problem "modem-side counts (above)"
[ -z "$PROBLEMS" ] || fail "a stop during a send:$PROBLEMS"
echo "22-stop-send: ok (a confirmed reply and a 2-part message kept and sent once across a stop;" \
    "unanswered parts uncertain at stop_grace; a second SIGTERM ends the grace; no busy wait)"
