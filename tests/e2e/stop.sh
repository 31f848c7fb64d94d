# Helpers for the stop tests (tests/e2e/2N-stop-*.sh): dossierd runs under a small
# Python wrapper that reports its exit status, CPU time and exit time; the signals,
# the bounds every stop must keep, and the modem-side counts of every message.
# Sourced after lib.sh and fakemodem.sh; the test sets CPU_MAX.
# --- The harness: dossierd runs as the child of a small Python wrapper that writes
# the daemon's PID, then waits for it with wait4() and writes its exit status, its
# CPU time and the time of its exit. Signals go to the daemon itself.
cat > "$T/wrap.py" <<'PY'
import os, subprocess, sys, time
base, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(cmd)
with open(base + ".pid.tmp", "w") as f:
    f.write("%d\n" % p.pid)
os.replace(base + ".pid.tmp", base + ".pid")
while True:
    try:
        _, status, ru = os.wait4(p.pid, 0)
        break
    except InterruptedError:
        continue
t = time.time()
p.returncode = os.waitstatus_to_exitcode(status)
with open(base + ".exit.tmp", "w") as f:
    f.write("exit=%d utime=%.3f stime=%.3f t=%.6f\n" % (p.returncode, ru.ru_utime, ru.ru_stime, t))
os.replace(base + ".exit.tmp", base + ".exit")
PY

PROBLEMS="" CASE="" RUN=0 LOG0=1
: >> "$T/dossierd.log"
problem() {
	PROBLEMS="$PROBLEMS
  $CASE: $*"
	echo "problem: $CASE: $*" >&2
}
# give_up MESSAGE: the harness cannot go on; report what was found so far too.
give_up() { fail "$*${PROBLEMS:+
problems found before:$PROBLEMS}"; }

# await_exit BOUND: wait for the daemon's exit (SIGKILL after BOUND s). Sets EXIT,
# WALL (s from the last signal_stop) and CPU (s used since the first one).
await_exit() {
	_f="$T/run$RUN.exit"
	if ! wait_for "$1" "[ -s '$_f' ]"; then
		problem "still running $1 s after the signal (killed)"
		kill -KILL "$DPID"
		wait_for 5 "[ -s '$_f' ]" || give_up "dossierd survived SIGKILL"
	fi
	DPID=""
	eval "$(tr ' ' '\n' < "$_f" | sed 's/^/X_/')"
	EXIT=$X_exit
	WALL=$(awk -v a="$T0" -v b="$X_t" 'BEGIN { printf "%.1f", b - a }')
	CPU=$(awk -v u="$X_utime" -v s="$X_stime" -v c="${CPU0:-0}" 'BEGIN { printf "%.2f", u + s - c }')
}

# final_counts: every outbox row against the fake modem's own log, over all runs:
# a row sent (uncertain = 0) left the modem exactly once with exactly its parts;
# a row sent with uncertain = 1 (a reply or staff message queued again) left twice;
# a row left uncertain left at most once. No part to a number without a row.
final_counts() {
	python3 - "$top_srcdir/tests/fakemodem" "$T" <<'PY'
import collections, sqlite3, sys
sys.path.insert(0, sys.argv[1])
import fakemodem
T = sys.argv[2]
ev = fakemodem.read_log(T + "/modem.log")
complete = collections.Counter((m["to"], m["text"]) for m in fakemodem.reassemble(ev, "sent") if m["complete"])
parts = collections.Counter(e.get("to") for e in ev if e.get("event") == "sent")
db = sqlite3.connect(T + "/state.db")
err, seen, n = [], set(), collections.Counter()
for i, num, lane, state, unc, text, np in db.execute(
        "SELECT id, number, lane, state, uncertain, text, coalesce(parts, 0) FROM outbox ORDER BY id"):
    seen.add(num)
    c, p = complete[(num, text)], parts[num]
    if state == "sent" and not unc:
        ok, want = c == 1 and p == np, "once, %d part(s)" % np
    elif state == "sent" and lane in (0, 1):
        ok, want = c == 2 and p == 2 * np, "twice (uncertain, queued again), %d part(s)" % (2 * np)
    elif state == "uncertain" and lane in (2, 3):
        ok, want = c <= 1, "at most once (uncertain, never resent)"
    else:
        ok, want = False, "a final state"
    n["sent again (uncertain)" if state == "sent" and unc else state] += 1
    if not ok:
        err.append("outbox #%d (lane %d) to %s is %s, uncertain %d: the modem sent it %d time(s) complete, %d part(s); want %s"
                   % (i, lane, num, state, unc, c, p, want))
for num in sorted(set(parts) - seen):
    err.append("%d part(s) went to %s, which has no outbox row" % (parts[num], num))
if err:
    print("modem-side counts:\n  " + "\n  ".join(err), file=sys.stderr)
    sys.exit(1)
print("modem-side counts: %s; %d part(s) in all, as the outbox says" %
      (", ".join("%d %s" % (v, k) for k, v in sorted(n.items())), sum(parts.values())))
PY
}

# send_wait N: wait for the N-th part the running fake modem accepts
send_wait() { fm wait event=sent count:=$1 timeout:=30 >/dev/null || give_up "$CASE: part $1 did not leave the modem: $(sql "SELECT id, number, state, last_error FROM outbox WHERE state != 'sent'")"; }

run_log() { tail -n +"$LOG0" "$T/dossierd.log"; }
# fm_events EVENT: events of that name the running fake modem logged since it started
fm_events() { fm stats | python3 -c "import json,sys; print(json.load(sys.stdin)['events'].get('$1', 0))"; }
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null; }
row() { sql "SELECT state || ' ' || uncertain FROM outbox WHERE id = $1"; }
row_info() { sql "SELECT 'outbox #' || id || ' ' || state || ', uncertain ' || uncertain || ', ' || attempts || ' attempt(s), ' || coalesce(parts, 0) || ' part(s), last error: ' || coalesce(last_error, '-') FROM outbox WHERE id = $1"; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# start_run: dossierd under the wrapper; wait for it to switch +CMTI on.
start_run() {
	RUN=$((RUN + 1))
	LOG0=$(( $(wc -l < "$T/dossierd.log") + 1 ))
	_c=$(fm_count cnmi)
	python3 "$T/wrap.py" "$T/run$RUN" "$DOSSIERD" -f -c "$T/d.conf" >> "$T/dossierd.log" 2>&1 &
	EXTRA_PIDS="$EXTRA_PIDS $!"
	wait_for 10 "[ -s '$T/run$RUN.pid' ]" || give_up "the wrapper did not start dossierd"
	DPID=$(cat "$T/run$RUN.pid")
	wait_for 20 "[ \"\$(fm_count cnmi)\" -gt $_c ] || [ -s '$T/run$RUN.exit' ]" ||
	    give_up "run $RUN: dossierd did not enable +CMTI"
	if [ -s "$T/run$RUN.exit" ]; then
		DPID=""
		give_up "run $RUN: dossierd exited at start ($(cat "$T/run$RUN.exit")): $(run_log | tail -3)"
	fi
}
# signal_stop SIG: note the daemon's CPU time and the time, then send it SIG.
signal_stop() {
	CPU0=$(cpu_of "$DPID")
	T0=$(now)
	kill -"$1" "$DPID" || give_up "dossierd is not running"
}
# barrier: a staff message to a fresh number goes out, then nothing is left to send;
# whatever a restart would send again has been sent by then. The test sets
# BARRIER_PREFIX (the numbers are BARRIER_PREFIX1, 2, ...).
MARK=0
barrier() {
	MARK=$((MARK + 1))
	_m=$BARRIER_PREFIX$MARK
	queue_send $_m "Kiem tra $MARK"
	wait_delivered 30 $_m || give_up "run $RUN: the check message was not delivered: $(sql "SELECT id, number, state, attempts, last_error FROM outbox WHERE state != 'sent'")"
	wait_for 30 "[ \"\$(outbox_open)\" = 0 ]" || problem "outbox not drained after the restart: $(sql "SELECT id, number, state, attempts, last_error FROM outbox WHERE state IN ('queued','sending','retry')")"
}
# restart_fakemodem: a fresh fake modem (same log), so that a delayed +CMGS answer
# still pending for a part the stop gave up on cannot reach the next daemon.
restart_fakemodem() {
	kill -TERM "$FMPID" 2>/dev/null
	wait_for 10 "! kill -0 $FMPID 2>/dev/null" || give_up "fake modem did not stop"
	wait "$FMPID" 2>/dev/null
	start_fakemodem
}
