#!/bin/sh
# A send in flight meets a SIGHUP or a line drop, over the fake AT modem whose
# network answers each submission after a delay (fm latency).
#   H  SIGHUP after a one-part reply left the modem, before the network's answer
#      (3 s): the send completes and the row is sent, the reload is applied, the
#      daemon keeps running (no reconnect, no "hung", no busy wait) and answers the
#      next SMS; the modem sent each message exactly once.
#   R  The line drops (fm drop: the pty goes away, the link is re-pointed) while a
#      reply waits for its +CMGS answer: the part is uncertain, so the row goes
#      back to queued with uncertain = 1 (never retry or failed) and is sent once
#      more when dossierd has reconnected, the documented exception; the next SMS
#      is answered. After a restart nothing is sent a third time.
#   N  The same for a notice: the row becomes uncertain and is never sent again,
#      neither after the reconnect nor after a restart.
# One line per case ("hup: ...", "drop: ...") gives the figures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
. "$(dirname "$0")/stop.sh"
BARRIER_PREFIX=+8491223090

SEND_TIMEOUT=15
CPU_MAX=0.5		# s of CPU the daemon may use while it waits for an answer
# A delayed answer the daemon gave up on is still delivered by the fake modem when
# its latency runs out, to whatever port is open then: 60 s keeps it out of each
# case, and the fake modem is restarted between cases (restart_fakemodem).
DROP_LATENCY=60
H1=+84912230001 H2=+84912230002 R1=+84912230003 R2=+84912230004
NOTICE_PHONE=0912230005 N=+84912230005

# check_stop MAX_WALL: what every stop must show
check_stop() {
	[ "$EXIT" = 0 ] || problem "exit status $EXIT"
	le "$WALL" "$1" || problem "took $WALL s to exit (bound $1 s)"
	le "$CPU" "$CPU_MAX" || problem "used $CPU s of CPU during a stop of $WALL s (a busy wait?)"
	_s=$(sql "SELECT group_concat(id) FROM outbox WHERE state = 'sending'")
	[ -z "$_s" ] || problem "rows left in state sending after a clean stop: $_s"
}
# reconnects: "connected again" lines of this run
reconnects() { run_log | grep -c 'modem: usb0: connected again' || true; }
state_of() { sql "SELECT state FROM outbox WHERE id = $1"; }
# clean_stop: an idle daemon stops at once with status 0
clean_stop() {
	signal_stop TERM
	await_exit 10
	check_stop 3
}

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

# --- H: SIGHUP during a reply's wait for the network's answer.
CASE="SIGHUP during a one-part reply"
fm latency cmgs:=3 >/dev/null || give_up "latency"
n=$(fm_events sent)
fm inject from=$H1 text=HD >/dev/null || give_up "inject"
send_wait $((n + 1))
id=$(sql "SELECT id FROM outbox WHERE number = '$H1'")
sed -i 's/per_minute = 600;/per_minute = 599;/' "$T/d.conf"
r0=$(run_log | grep -c 'configuration reloaded' || true)
signal_stop HUP
wait_for $((SEND_TIMEOUT + 5)) "[ \"\$(state_of $id)\" != sending ] || [ -s '$T/run$RUN.exit' ]" ||
    problem "still sending $((SEND_TIMEOUT + 5)) s after the signal"
h_wall=$(elapsed "$T0")
h_cpu=$(awk -v a="$CPU0" -v b="$(cpu_of "$DPID")" 'BEGIN { printf "%.2f", b - a }')
if [ -s "$T/run$RUN.exit" ]; then
	problem "dossierd exited on SIGHUP ($(cat "$T/run$RUN.exit"))"
	give_up "dossierd exited on SIGHUP"
fi
[ "$(row "$id")" = "sent 0" ] || problem "want sent: $(row_info "$id")"
wait_for 10 "[ \"\$(run_log | grep -c 'configuration reloaded')\" -gt $r0 ]" || problem "the reload was not applied after the send"
le "$h_cpu" "$CPU_MAX" || problem "used $h_cpu s of CPU in the $h_wall s from the signal to the answer (a busy wait?)"
[ "$(reconnects)" = 0 ] || problem "the modem was reopened: $(run_log | grep 'modem: usb0' | tail -2 | tr '\n' '|')"
_h=$(run_log | grep -i 'hung' | head -1)
[ -z "$_h" ] || problem "logged: $_h"
fm latency cmgs:=0 >/dev/null || give_up "latency"
fm inject from=$H2 text=HD >/dev/null || give_up "inject"
wait_delivered 20 $H2 || problem "the next SMS after the SIGHUP was not answered: $(sql "SELECT id, number, state, last_error FROM outbox WHERE number = '$H2'")"
wait_for 20 "[ \"\$(outbox_open)\" = 0 ]" || problem "outbox not drained"
kill -0 "$DPID" 2>/dev/null || give_up "dossierd is gone"
k1=$(fm_complete_to $H1) k2=$(fm_complete_to $H2)
[ "$k1" = 1 ] && [ "$(fm_count sent to $H1)" = 1 ] || problem "the modem sent the reply $k1 time(s) ($(fm_count sent to $H1) part(s)), want once"
[ "$k2" = 1 ] && [ "$(fm_count sent to $H2)" = 1 ] || problem "the modem sent the next reply $k2 time(s), want once"
( fail() { exit 1; }; fm_check_exactly_once ) || problem "exactly-once check failed (above)"
echo "hup: $CASE: row sent $h_wall s after the signal, daemon running, $h_cpu s CPU meanwhile, modem-side count $k1; the next SMS answered, modem-side count $k2"

# --- R: the line drops while a reply waits for its +CMGS answer.
CASE="line drop while a reply waits for +CMGS"
fm latency cmgs:=$DROP_LATENCY >/dev/null || give_up "latency"
n=$(fm_events sent)
fm inject from=$R1 text=HD >/dev/null || give_up "inject"
send_wait $((n + 1))
id=$(sql "SELECT id FROM outbox WHERE number = '$R1'")
c0=$(reconnects)
CPU0=$(cpu_of "$DPID") T0=$(now)
fm drop >/dev/null || give_up "drop"
fm latency cmgs:=0 >/dev/null || give_up "latency"
wait_for $((SEND_TIMEOUT + 10)) "[ \"\$(sql \"SELECT state != 'sending' OR uncertain = 1 FROM outbox WHERE id = $id\")\" = 1 ]" ||
    problem "still sending, not uncertain, $((SEND_TIMEOUT + 10)) s after the drop"
r_seen=$(elapsed "$T0") r_state=$(row_info "$id")
case "$(state_of "$id")" in retry|failed) problem "the part was uncertain, but: $r_state" ;; esac
wait_for 30 "[ \"\$(reconnects)\" -gt $c0 ]" || problem "no reconnect within 30 s of noticing the drop"
r_conn=$(elapsed "$T0")
wait_for 30 "[ \"\$(state_of $id)\" = sent ]" || problem "the queued-again reply was not sent after the reconnect: $(row_info "$id")"
r_cpu=$(awk -v a="$CPU0" -v b="$(cpu_of "$DPID")" 'BEGIN { printf "%.2f", b - a }')
r_all=$(elapsed "$T0")
[ "$(row "$id")" = "sent 1" ] || problem "want sent with uncertain = 1 (an uncertain reply sent again): $(row_info "$id")"
_r=$(run_log | grep "outbox: #$id: .*retry in" | head -1)
[ -z "$_r" ] || problem "went through retry: $_r"
k=$(fm_complete_to $R1)
[ "$k" = 2 ] && [ "$(fm_count sent to $R1)" = 2 ] ||
    problem "the modem sent the reply $k time(s) ($(fm_count sent to $R1) part(s)); want twice: once before the drop, once after as an uncertain reply"
fm inject from=$R2 text=HD >/dev/null || give_up "inject"
wait_delivered 20 $R2 || problem "the next SMS after the drop was not answered: $(sql "SELECT id, number, state, last_error FROM outbox WHERE number = '$R2'")"
[ "$(fm_complete_to $R2)" = 1 ] || problem "the next reply went out $(fm_complete_to $R2) time(s)"
kill -0 "$DPID" 2>/dev/null || give_up "dossierd is gone"
echo "drop: $CASE: row out of sending $r_seen s after the drop ($r_state), reconnected after $r_conn s, sent again after $r_all s, $r_cpu s CPU meanwhile, modem-side count $k (want 2: an uncertain reply is sent again); the next SMS answered, modem-side count $(fm_complete_to $R2)"
clean_stop
restart_fakemodem
start_run
barrier
[ "$(fm_count sent to $R1)" = 2 ] && [ "$(fm_count sent to $R2)" = 1 ] ||
    problem "after the restart: the modem took $(fm_count sent to $R1) part(s) to $R1 (want 2), $(fm_count sent to $R2) to $R2 (want 1)"

# --- N: the line drops while a notice waits for its +CMGS answer.
CASE="line drop while a notice waits for +CMGS"
fm latency cmgs:=$DROP_LATENCY >/dev/null || give_up "latency"
n=$(fm_events sent)
t=$(date '+%Y-%m-%dT%H:%M:%S')
rsql "INSERT INTO dossiers (code, procedure, phone, office, status, received_at, due_at, finished_at, updated_at)
    VALUES ('000.00.12.H39-261130-0105', 'Chung thuc ban sao', '$NOTICE_PHONE', 'UBND xa Hoa Tien', 9,
        '2026-11-20', '2026-12-20', '$t', '$t')" || give_up "records: notice row"
send_wait $((n + 1))
[ "$(fm_count sent to $N)" -ge 1 ] || give_up "the part that left was not the notice: $(sql "SELECT id, lane, number, state FROM outbox WHERE state != 'sent'")"
id=$(sql "SELECT id FROM outbox WHERE number = '$N' AND lane = 2")
[ -n "$id" ] || give_up "no notice row"
n_parts=$(fm_count sent to $N)
c0=$(reconnects)
CPU0=$(cpu_of "$DPID") T0=$(now)
fm drop >/dev/null || give_up "drop"
fm latency cmgs:=0 >/dev/null || give_up "latency"
wait_for $((SEND_TIMEOUT + 10)) "[ \"\$(state_of $id)\" != sending ]" ||
    problem "still sending $((SEND_TIMEOUT + 10)) s after the drop"
n_seen=$(elapsed "$T0") n_state=$(row_info "$id")
[ "$(row "$id")" = "uncertain 1" ] || problem "want state uncertain: $n_state"
wait_for 30 "[ \"\$(reconnects)\" -gt $c0 ]" || problem "no reconnect within 30 s of noticing the drop"
n_conn=$(elapsed "$T0")
barrier
n_cpu=$(awk -v a="$CPU0" -v b="$(cpu_of "$DPID")" 'BEGIN { printf "%.2f", b - a }')
[ "$(fm_count sent to $N)" = "$n_parts" ] && [ "$(row "$id")" = "uncertain 1" ] ||
    problem "an uncertain notice was sent again after the reconnect ($n_parts part(s) before, $(fm_count sent to $N) after): $(row_info "$id")"
clean_stop
restart_fakemodem
start_run
barrier
k=$(fm_complete_to $N)
[ "$(fm_count sent to $N)" = "$n_parts" ] && [ "$(row "$id")" = "uncertain 1" ] ||
    problem "an uncertain notice was sent again after the restart ($n_parts part(s) before, $(fm_count sent to $N) after): $(row_info "$id")"
echo "drop: $CASE: row out of sending $n_seen s after the drop ($n_state), reconnected after $n_conn s, $n_cpu s CPU until the next message was out, modem-side count $k (want 1: an uncertain notice is never sent again, also after a restart)"
clean_stop

CASE="all runs"
final_counts || problem "modem-side counts (above)"
[ -z "$PROBLEMS" ] || fail "a SIGHUP or a line drop during a send:$PROBLEMS"
echo "23-stop-hup-drop: ok (SIGHUP: the send completed, reloaded, sent once; line drop: the reply uncertain and sent again once, the notice uncertain and never resent; reconnected and kept working)"
