# Helpers for tests that run dossierd on libgammu's AT driver against the fake
# AT modem on a pseudo-terminal (tests/fakemodem/fakemodem.py).
need python3
FM="python3 $top_srcdir/tests/fakemodem/fakemodem.py"
FMPID=""

start_fakemodem() {
	# The last one's "ready" must not pass for this one's (a restart).
	rm -f "$T/fakemodem.out"
	$FM --link "$T/modem" --log "$T/modem.log" --control "$T/modem.sock" \
	    --trace "$T/modem.trace" ${1:-} > "$T/fakemodem.out" 2>&1 &
	FMPID=$!
	EXTRA_PIDS="$EXTRA_PIDS $FMPID"
	wait_for 10 "grep -q ready '$T/fakemodem.out'" || fail "fake modem did not start: $(cat "$T/fakemodem.out")"
}

fm() { $FM ctl "$T/modem.sock" "$@"; }
# fm_sent: count of parts the fake modem really received for sending
fm_stat() { fm stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# fm_text NUMBER: the reassembled texts sent to NUMBER, one per line
fm_text() { $FM messages "$T/modem.log" --to "$1"; }

# write_at_conf CONNECTION [sms-body] [extra]
write_at_conf() {
	cat > "$T/d.conf" <<CONF
modems = ( { name = "usb0"; device = "$T/modem"; connection = "$1"; model = "at"; poll_interval = 30; send_timeout = 20; status_interval = 60; } );
records = { path = "$T/records.db"; };
state = { path = "$T/state.db"; };
sms = { per_minute = 600; ${2:-} };
${3:-}
CONF
}

# ---------------------------------------------------------------------------
# Helpers for the fault tests (tests/e2e/1N-fault-*.sh).

# empty_records: a records DB with the schema and no dossiers (so no notices).
empty_records() { sqlite3 "$T/records.db" < "$top_srcdir/etc/records-schema.sql" || fail "records schema"; }

# write_fault_conf: dossierd on the fake modem with short intervals. Override the
# key lists through FAULT_MODEM / FAULT_SMS / FAULT_EXTRA (set before calling).
write_fault_conf() {
	cat > "$T/d.conf" <<CONF
modems = ( { name = "usb0"; device = "$T/modem"; connection = "${FAULT_CONNECTION:-dku2at}"; model = "at";
    ${FAULT_MODEM:-poll_interval = 5; send_timeout = 15; status_interval = 10;} } );
records = { path = "$T/records.db"; };
state = { path = "$T/state.db"; };
sms = { ${FAULT_SMS:-per_minute = 600; retry_initial = 1; retry_max = 2;} };
notices = { window = "00:00-00:00"; };
log = { level = "${FAULT_LOG_LEVEL:-info}"; };
${FAULT_EXTRA:-}
CONF
}

# start_fault_daemon: start dossierd and wait until +CMTI is switched on.
start_fault_daemon() {
	start_daemon
	wait_for 15 "[ \"\$(fm_stat cnmi)\" != None ] && [ \"\$(fm_stat cnmi)\" != '' ]" ||
	    fail "dossierd did not enable +CMTI"
}

now() { date +%s.%N; }
# elapsed START: seconds since START (from now), one decimal
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ctl_status() { "$DOSSIERCTL" -c "$T/d.conf" status; }
# queue_send NUMBER TEXT: a staff message through dossierctl (the staff lane)
queue_send() { "$DOSSIERCTL" -c "$T/d.conf" send --yes "$1" "$2" >/dev/null || fail "dossierctl send $1"; }
# outbox_open: rows not yet in a final state
outbox_open() { sql "SELECT count(*) FROM outbox WHERE state IN ('queued','sending','retry')"; }
# fm_complete_to NUMBER: complete messages the fake modem really sent to NUMBER
fm_complete_to() { fm_text "$1" | grep -c '"complete": true'; }
# fm_count EVENT [KEY VALUE]: events of that name in the fake modem's log (optionally with KEY == VALUE)
fm_count() {
	python3 - "$T/modem.log" "$@" <<'PY'
import json, sys
log, ev = sys.argv[1], sys.argv[2]
key = sys.argv[3] if len(sys.argv) > 3 else None
val = sys.argv[4] if len(sys.argv) > 4 else None
n = 0
for line in open(log, encoding="utf-8"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") == ev and (key is None or str(e.get(key)) == val):
        n += 1
print(n)
PY
}
# fm_t EVENT [first|last]: the time (Unix, float) of that event in the fake modem's log, or empty
fm_t() {
	python3 - "$T/modem.log" "$1" "${2:-last}" <<'PY'
import json, sys
ts = []
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") == sys.argv[2]:
        ts.append(e["t"])
if ts:
    print(ts[0] if sys.argv[3] == "first" else ts[-1])
PY
}
# fm_recovery FROM: seconds from the last FROM event (or from the Unix time FROM,
# e.g. "$(now)" taken when the fault was set) to the last part that left
fm_recovery() {
	case "$1" in [0-9]*) _a=$1 ;; *) _a=$(fm_t "$1") ;; esac
	_b=$(fm_t sent)
	[ -n "$_a" ] && [ -n "$_b" ] || { echo "?"; return; }
	awk -v a="$_a" -v b="$_b" 'BEGIN { d = b - a; if (d < 0) d = 0; printf "%.1f", d }'
}
# wait_delivered SECONDS NUMBER...: each NUMBER got at least one complete message
wait_delivered() {
	_secs=$1; shift
	for _n in "$@"; do
		wait_for "$_secs" "[ \"\$(fm_complete_to $_n)\" -ge 1 ]" || return 1
	done
}

# fm_check_exactly_once [FAILED_NUMBER...]: compare the fake modem's log with the
# state DB. Every outbox row is final (sent, or failed only for the numbers given);
# per recipient, the texts of the sent rows are exactly the complete messages that
# left the modem (no copy missing, none twice, no stray part) and the parts add up;
# nothing left for a failed row. Every message the modem received is one inbox
# row, handled; every answered inbox row has its reply sent.
fm_check_exactly_once() {
	python3 - "$top_srcdir/tests/fakemodem" "$T" "$@" <<'PY' || fail "exactly-once check (above)"
import collections, sqlite3, sys
sys.path.insert(0, sys.argv[1])
import fakemodem
T, failed_ok = sys.argv[2], set(sys.argv[3:])
ev = fakemodem.read_log(T + "/modem.log")
db = sqlite3.connect(T + "/state.db")
err = []
def key(n):
    d = "".join(c for c in (n or "") if c.isdigit())
    return d[-9:] if len(d) >= 9 else (n or "")
rows = db.execute("SELECT id, number, state, text, parts, attempts, last_error FROM outbox").fetchall()
want, want_parts = collections.Counter(), collections.Counter()
for i, num, state, text, parts, att, le in rows:
    if state == "sent":
        want[(num, text)] += 1
        want_parts[num] += parts or 0
    elif state == "failed" and num in failed_ok:
        pass
    else:
        err.append("outbox #%d to %s is %s after %d attempt(s) (%s)" % (i, num, state, att, le))
msgs = fakemodem.reassemble(ev, "sent")
got = collections.Counter((m["to"], m["text"]) for m in msgs if m["complete"])
for m in msgs:
    if not m["complete"]:
        err.append("incomplete message to %s (missing parts %s): %r" % (m["to"], m["missing"], m["text"]))
for k in sorted(set(want) | set(got)):
    if want[k] != got[k]:
        err.append("%s: state DB says %d sent, the modem sent %d of %r" % (k[0], want[k], got[k], k[1]))
parts = collections.Counter(e.get("to") for e in ev if e.get("event") == "sent")
for num in sorted(set(parts) | set(want_parts)):
    if parts[num] != want_parts[num]:
        err.append("%s: %d part(s) left the modem, outbox counts %d" % (num, parts[num], want_parts[num]))
recv = [m for m in fakemodem.reassemble(ev, "received") if m["complete"]]
rin = collections.Counter((key(m["to"]), m["text"]) for m in recv)
inbox = db.execute("SELECT id, sender, text, state, outcome FROM inbox").fetchall()
gin = collections.Counter((key(s), t) for _, s, t, _, _ in inbox)
for k in sorted(set(rin) | set(gin)):
    if rin[k] != gin[k]:
        err.append("inbound from ...%s: received by the modem %d time(s), %d inbox row(s): %r" % (k[0], rin[k], gin[k], k[1]))
for i, s, t, state, outcome in inbox:
    if state != "handled":
        err.append("inbox #%d from %s is %s" % (i, s, state))
    if outcome == "answered":
        n = db.execute("SELECT count(*) FROM outbox WHERE inbox_id = ? AND state = 'sent'", (i,)).fetchone()[0]
        if n < 1:
            err.append("inbox #%d from %s answered but no reply sent" % (i, s))
if err:
    print("exactly-once check failed:\n  " + "\n  ".join(err), file=sys.stderr)
    sys.exit(1)
print("checked: %d message(s) out (%d parts), %d in, exactly once" %
      (sum(got.values()), sum(parts.values()), len(inbox)))
PY
}
# fm_first_out FROM: seconds from the last FROM event (or Unix time) to the first part that left after it
fm_first_out() {
	python3 - "$T/modem.log" "$1" <<'PY'
import json, sys
evs = []
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        evs.append(json.loads(line))
    except ValueError:
        pass
a = sys.argv[2]
ts = [float(a)] if a[:1].isdigit() else [e["t"] for e in evs if e.get("event") == a]
after = [e["t"] for e in evs if ts and e.get("event") == "sent" and e["t"] >= ts[-1]]
print("%.1f" % (after[0] - ts[-1]) if after else "?")
PY
}
# recovery_summary FROM [LABEL]: "first part out X s, all out Y s after LABEL" (FROM as for fm_recovery)
recovery_summary() {
	_f=$(fm_first_out "$1")
	if [ "$_f" = "?" ]; then echo "all out while the fault lasted"
	else echo "first part out $_f s, all out $(fm_recovery "$1") s after ${2:-$1}"; fi
}
# fm_trace_tail [N]: the last N AT commands/answers of the dialogue, on one line
fm_trace_tail() { tail -"${1:-4}" "$T/modem.trace" 2>/dev/null | cut -c1-120 | tr '\n' '|'; }
