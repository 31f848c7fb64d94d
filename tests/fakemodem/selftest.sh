#!/bin/bash
# Self-test of fakemodem.py against the real libgammu AT driver, through the
# gammu command-line tool.  Everything that leaves the fake modem is decoded by
# fakemodem.py itself and checked here from its event log.
#
#   tests/fakemodem/selftest.sh            exit 0 = pass, 1 = fail, 77 = skipped
#   KEEP=1 tests/fakemodem/selftest.sh     keep the work directory for inspection
#
# Needs: python3 (standard library only), gammu (CLI, Debian package "gammu").

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}
FMPY="$HERE/fakemodem.py"
export FM_DIR="$HERE"
export PYTHONDONTWRITEBYTECODE=1   # never leave __pycache__ in the source tree

if ! command -v gammu >/dev/null 2>&1; then
    echo "selftest: SKIP: gammu command not found" >&2
    exit 77
fi
if ! command -v "$PY" >/dev/null 2>&1; then
    echo "selftest: SKIP: $PY not found" >&2
    exit 77
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fakemodem-selftest.XXXXXX") || exit 1
LINK=$WORK/modem
LOG=$WORK/events.jsonl
SOCK=$WORK/ctl.sock
RC=$WORK/gammurc
FMPID=
BGPIDS=
MARK=0
STEP=""
START_TIME=$(date +%s)

cleanup() {
    local p
    for p in $BGPIDS; do
        kill -INT "$p" 2>/dev/null
    done
    for p in $BGPIDS; do
        wait "$p" 2>/dev/null
    done
    if [ -n "$FMPID" ]; then
        kill -TERM "$FMPID" 2>/dev/null
        wait "$FMPID" 2>/dev/null
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "selftest: work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

fail() {
    echo "selftest: FAIL [$STEP]: $*" >&2
    if [ -s "$WORK/g.out" ]; then
        echo "--- last gammu output:" >&2
        tail -n 15 "$WORK/g.out" >&2
    fi
    if [ -s "$LOG" ]; then
        echo "--- last events:" >&2
        tail -n 8 "$LOG" | cut -c1-300 >&2
    fi
    [ -s "$WORK/fm.err" ] && { echo "--- fakemodem stderr:" >&2; tail -n 20 "$WORK/fm.err" >&2; }
    exit 1
}

step() {
    STEP=$1
    echo "selftest: $1"
}

# Events logged from now on are the ones pycheck looks at; wait_event counts
# from here too (the fake modem's per-event counters are recorded).
mark() {
    MARK=$(wc -l <"$LOG")
    "$PY" "$FMPY" ctl "$SOCK" stats >"$WORK/mark.json" 2>&1 || fail "stats: $(cat "$WORK/mark.json")"
}

ctl() {
    "$PY" "$FMPY" ctl "$SOCK" "$@" >"$WORK/ctl.out" 2>&1 || fail "ctl $*: $(cat "$WORK/ctl.out")"
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND until it succeeds.
wait_for() {
    local secs=$1 what=$2 i=0 n
    shift 2
    n=$((secs * 20))
    while ! "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -ge "$n" ] && fail "timed out after ${secs}s waiting for $what"
        sleep 0.05
    done
}

# wait_event EVENT N [TIMEOUT]: wait until N EVENTs were logged since the last mark.
wait_event() {
    local base
    base=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"].get(sys.argv[2], 0))' \
        "$WORK/mark.json" "$1") || fail "cannot read $WORK/mark.json"
    ctl wait event="$1" count:=$((base + $2)) timeout:="${3:-10}"
}

gammu_run() { # OUTFILE ARGS...: returns gammu's status (bounded by a deadline)
    local out=$1
    shift
    timeout 60 env LC_ALL=C.UTF-8 gammu -c "$RC" "$@" >"$out" 2>&1
}

g() { # run gammu, must succeed; output in $WORK/g.out
    gammu_run "$WORK/g.out" "$@" || fail "gammu $* exited with status $?"
}

g_bg() { # start gammu in the background; output in $1
    local out=$1
    shift
    LC_ALL=C.UTF-8 stdbuf -oL gammu -c "$RC" "$@" >"$out" 2>&1 &
    BGPID=$!
    BGPIDS="$BGPIDS $BGPID"
}

stop_bg() { # interrupt a background gammu (it then leaves cleanly)
    kill -INT "$1" 2>/dev/null
    local i=0
    while kill -0 "$1" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -ge 200 ] && { kill -KILL "$1" 2>/dev/null; break; }
        sleep 0.05
    done
    wait "$1" 2>/dev/null
    BGPIDS=$(echo "$BGPIDS" | sed "s/ $1\b//")
}

expect_out() { # FILE STRING: FILE must contain STRING
    grep -qF -- "$2" "$1" || fail "expected \"$2\" in the output of gammu; got: $(head -c 1500 "$1")"
}

# pycheck DESCRIPTION EXPR: EXPR (Python) must be true.  Names available:
# E (events since the last mark), ev(name) (those events of one kind),
# msgs (sent parts reassembled into messages), stats (control "stats"),
# env (os.environ), fm (the fakemodem module).
pycheck() {
    "$PY" - "$LOG" "$MARK" "$SOCK" "$2" <<'PYEOF' || fail "$1"
import json, os, socket, sys
sys.path.insert(0, os.environ["FM_DIR"])
import fakemodem as fm
log, mark, sock, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
E = fm.read_log(log)[mark:]
env = os.environ
def ev(name):
    return [e for e in E if e["event"] == name]
msgs = fm.reassemble(E)
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
s.sendall(b'{"cmd":"stats"}\n')
buf = b""
while not buf.endswith(b"\n"):
    buf += s.recv(65536)
stats = json.loads(buf)
ok = eval("(\n" + expr + "\n)")
if not ok:
    sys.stderr.write("check failed: %s\n" % expr)
    for e in E[-12:]:
        sys.stderr.write("  " + json.dumps(e, ensure_ascii=False)[:400] + "\n")
    sys.exit(1)
PYEOF
}

write_rc() { # CONNECTION
    cat >"$RC" <<EOF
[gammu]
device = $LINK
connection = $1
model = at
logfile = $WORK/gammu.log
logformat = textalldate
EOF
}

start_modem() { # extra fakemodem options...
    : >"$WORK/fm.out"
    "$PY" "$FMPY" --link "$LINK" --log "$LOG" --control "$SOCK" --trace "$WORK/at-trace.txt" "$@" \
        >"$WORK/fm.out" 2>"$WORK/fm.err" &
    FMPID=$!
    wait_for 10 "fakemodem to print ready" grep -qx ready "$WORK/fm.out"
    [ -L "$LINK" ] || fail "link $LINK was not created"
}

stop_modem() {
    kill -TERM "$FMPID"
    wait "$FMPID"
    local st=$?
    FMPID=
    [ "$st" = 0 ] || fail "fakemodem exited with status $st on SIGTERM"
    [ -e "$LINK" ] && fail "link still present after shutdown"
    return 0
}

at_cmd() { # raw AT dialogue through fakemodem.py at; JSON answers in $WORK/at.out
    "$PY" "$FMPY" at "$LINK" "$@" >"$WORK/at.out" 2>&1
}

export LONG_GSM LONG_UCS VN_TEXT EXT_TEXT LONG400
LONG_GSM=$("$PY" -c 'print("".join("Doan %02d. " % i for i in range(1, 41)) + "Het {} [ok] €")')
LONG_UCS=$("$PY" -c 'print(" ".join("Hồ sơ số %02d đã sẵn sàng." % i for i in range(1, 8)))')
VN_TEXT="Hồ sơ HS-2026-0001 đã sẵn sàng, mời ông/bà đến nhận 😀"
EXT_TEXT='Ma HS: [HS-2026-0001] {ok} ~ ^ | \ € end'

############################################################################
step "start the fake modem"
start_modem
mark

step "raw AT parsing (CR, LF, CRLF, chained commands, errors, prompt)"
at_cmd 'AT' 'AT+CSQ;+CREG?' 'at+cgmi' 'AT+NOSUCH' 'AT+CMEE=1;+CPMS="ME"' 'AT+CMGS=12' ||
    fail "raw AT: $(cat "$WORK/at.out")"
"$PY" - "$WORK/at.out" <<'PYEOF' || fail "raw AT answers wrong: $(cat "$WORK/at.out")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert r[0]["final"] == "OK", r[0]
assert "+CSQ: 20,99" in r[1]["lines"] and "+CREG: 0,1" in r[1]["lines"] and r[1]["final"] == "OK", r[1]
assert "DOSSIER-FAKE" in r[2]["lines"], r[2]
assert r[3]["final"] == "ERROR", r[3]
assert r[4]["final"] == "+CMS ERROR: 302", r[4]
assert r[5]["final"] == "> ", r[5]
PYEOF
at_cmd --eol lf 'AT+CGMM' || fail "LF-terminated command got no answer"
grep -qF 'FM-1' "$WORK/at.out" || fail "AT+CGMM: $(cat "$WORK/at.out")"
at_cmd --eol crlf 'AT+CGMR' || fail "CRLF-terminated command got no answer"
at_cmd --escapes --finals 2 'AT\rAT+CBC' || fail "two commands in one write: $(cat "$WORK/at.out")"
grep -qF '+CBC: 0,100' "$WORK/at.out" || fail "AT+CBC: $(cat "$WORK/at.out")"

step "identify over connection 'at' (slow writes until the model is known)"
write_rc at
mark
g identify
expect_out "$WORK/g.out" "DOSSIER-FAKE"
expect_out "$WORK/g.out" "356938035643809"
expect_out "$WORK/g.out" "452040123456789"
pycheck "one open, one connect, one close" 'len(ev("open")) == 1 and len(ev("connect")) == 1 and len(ev("close")) == 1'

# Everything else uses 'dku2at': the same serial AT driver, but it writes at
# full speed from the start (connect takes ~0.05 s instead of ~3.5 s).
write_rc dku2at

step "incoming SMS: inject, then gammu getallsms / geteachsms"
mark
ctl inject from=+84912345678 text="Tra cuu HS-2026-0001 [ok] €"
ctl inject from=0987654321 text="$VN_TEXT"
ctl inject from=VIETTEL text="$LONG_GSM"
ctl inject from=1900 text="$LONG_UCS" ref16:=true order=reverse
pycheck "8 parts stored" 'len(ev("received")) == 8 and stats["stored"] == 8'
g getallsms
expect_out "$WORK/g.out" "Tra cuu HS-2026-0001 [ok] €"
expect_out "$WORK/g.out" "$VN_TEXT"
expect_out "$WORK/g.out" '"VIETTEL"'
expect_out "$WORK/g.out" '"0987654321"'
expect_out "$WORK/g.out" "8 SMS parts in 8 SMS sequences"
g geteachsms
expect_out "$WORK/g.out" "$LONG_GSM"
expect_out "$WORK/g.out" "$LONG_UCS"
expect_out "$WORK/g.out" "ID (16 bit)"
pycheck "messages were listed with AT+CMGL and are now read" 'len(ev("list")) >= 1 and stats["unread"] == 0'

step "send a GSM-7 SMS with extension-table characters"
mark
g sendsms TEXT +84912345678 -textutf8 "$EXT_TEXT"
expect_out "$WORK/g.out" "OK, message reference="
pycheck "decoded GSM-7 text" 'len(ev("sent")) == 1 and ev("sent")[0]["to"] == "+84912345678" and ev("sent")[0]["coding"] == "gsm7" and ev("sent")[0]["text"] == env["EXT_TEXT"] and ev("sent")[0]["parts"] == 1'

step "send a 3-part concatenated GSM-7 SMS (-len 400)"
mark
LONG400=$("$PY" -c 'print("".join("Thong bao %03d. " % i for i in range(27))[:400])')
export LONG400
g sendsms TEXT 0912345678 -len 400 -textutf8 "$LONG400"
pycheck "3 parts, one reference, reassembled text" '
    len(ev("sent")) == 3 and len({e["ref"] for e in ev("sent")}) == 1
    and sorted(e["part"] for e in ev("sent")) == [1, 2, 3]
    and all(e["parts"] == 3 and e["to"] == "0912345678" and e["to_type"] == "unknown" for e in ev("sent"))
    and len(msgs) == 1 and msgs[0]["complete"] and msgs[0]["text"] == env["LONG400"]'

step "send a UCS-2 SMS (-unicode), Vietnamese text and an emoji"
mark
g sendsms TEXT +84912345678 -unicode -textutf8 "$VN_TEXT"
pycheck "decoded UCS-2 text" 'len(ev("sent")) == 1 and ev("sent")[0]["coding"] == "ucs2" and ev("sent")[0]["text"] == env["VN_TEXT"]'

step "send a concatenated UCS-2 SMS (-unicode -len 300)"
mark
g sendsms TEXT +84912345678 -unicode -len 300 -textutf8 "$LONG_UCS"
pycheck "UCS-2 parts reassembled" '
    len(msgs) == 1 and msgs[0]["complete"] and msgs[0]["parts"] >= 2 and msgs[0]["coding"] == "ucs2"
    and msgs[0]["text"] == env["LONG_UCS"] and all(e["ref_bits"] == 8 for e in ev("sent"))'

step "send failure: next AT+CMGS answers +CMS ERROR: 500"
mark
ctl fail_sends count:=1 code:=500
if gammu_run "$WORK/g.out" sendsms TEXT +84912345678 -text "should fail"; then
    fail "gammu sendsms succeeded although the modem answered +CMS ERROR"
fi
expect_out "$WORK/g.out" "error 500"
g sendsms TEXT +84912345678 -text "should pass"
pycheck "one failure then one success" '
    [e["text"] for e in ev("send_failed")] == ["should fail"] and ev("send_failed")[0]["code"] == 500
    and [e["text"] for e in ev("sent")] == ["should pass"] and stats["fail_sends_left"] == 0'

step "delete all messages in the SIM inbox (deleteallsms 1)"
mark
g deleteallsms 1
pycheck "8 deletions logged, SIM empty" 'len(ev("deleted")) == 8 and stats["stored"] == 0'

step "+CMTI: gammu monitor is told about a new message and reads it"
mark
g_bg "$WORK/monitor.out" monitor
MONPID=$BGPID
wait_event cnmi 1 10
ctl garbage lines:=6 kind=urc
ctl inject from=+84911111111 text="Tin nhan moi HS-2026-0042"
wait_for 10 "gammu monitor to print the new message" grep -qF "Tin nhan moi HS-2026-0042" "$WORK/monitor.out"
expect_out "$WORK/monitor.out" "SMS message received"
stop_bg "$MONPID"
pycheck "announced with +CMTI and read with AT+CMGR" '
    ev("received")[0]["cmti"] is True and any(e["index"] == ev("received")[0]["index"] for e in ev("read"))'

step "USSD balance request (*101#)"
mark
g_bg "$WORK/ussd.out" getussd '*101#'
USSDPID=$BGPID
wait_event ussd_reply 1 10
wait_for 10 "gammu to print the USSD reply" grep -qF "TK chinh: 25000d, HSD 31/12/2026" "$WORK/ussd.out"
stop_bg "$USSDPID"
pycheck "USSD code decoded" 'ev("ussd")[0]["code"] == "*101#" and ev("ussd")[0]["presentation"] == 1'

step "network info and signal"
g networkinfo
expect_out "$WORK/g.out" "home network"
expect_out "$WORK/g.out" "452 04"
expect_out "$WORK/g.out" '"Viettel"'
ctl signal rssi:=31
g monitor 1
expect_out "$WORK/g.out" "-51 dBm"
expect_out "$WORK/g.out" "100 percent"
expect_out "$WORK/g.out" "1 used, 0 unread, 30 locations"
ctl no_network
g networkinfo
expect_out "$WORK/g.out" "not logged into network"
mark
if gammu_run "$WORK/g.out" sendsms TEXT +84912345678 -text "no network"; then
    fail "sending succeeded without network"
fi
pycheck "send refused with 331" 'ev("send_failed")[0]["code"] == 331'
ctl network state=home

step "line drop: the device is re-created and the link re-pointed"
mark
OLDDEV=$(readlink "$LINK")
ctl drop
[ "$(readlink "$LINK")" != "$OLDDEV" ] || fail "link still points at $OLDDEV after drop"
g identify
expect_out "$WORK/g.out" "DOSSIER-FAKE"

step "device vanishes for 1 s"
mark
ctl vanish seconds:=1
[ -e "$LINK" ] && fail "link still exists while vanished"
if gammu_run "$WORK/g.out" identify; then
    fail "identify worked while the device was gone"
fi
wait_event appear 1 10
g identify
expect_out "$WORK/g.out" "DOSSIER-FAKE"

step "hang: no answer while hung, normal again after resume"
ctl hang
if at_cmd --timeout 0.5 AT; then
    fail "modem answered while hung: $(cat "$WORK/at.out")"
fi
ctl resume
at_cmd AT || fail "no answer after resume"

step "SIM full: a new message waits until a slot is freed"
mark
ctl sim_full
ctl inject from=+84922222222 text="Sau khi day"
pycheck "SIM full, one pending" 'stats["stored"] == stats["capacity"] == 30 and stats["pending"] == 1'
g deletesms 1 1
pycheck "pending message stored in the freed slot" '
    ev("deleted")[0]["index"] == 1 and ev("received")[-1]["text"] == "Sau khi day" and ev("received")[-1]["index"] == 1
    and stats["pending"] == 0'
ctl clear

step "status reports, CNMI ds=2: stored in the SIM with +CDSI, read with gammu"
export WORK   # pycheck reads gammu's output files
mark
g monitor 1   # AT+CNMI=? offers ds 0,1,2: libgammu sets AT+CNMI=2,1,0,2,0
pycheck "libgammu chose ds=2" 'stats["cnmi"][3] == 2'
ctl report to=+84912000002 status=0x20 then:=0 delay:=0.2 then_delay:=0.3
ctl report to=0912000003 status=0x41
ctl report to=+84912000005 none:=true
REPORT200=$("$PY" -c 'print("".join("Bao cao %03d. " % i for i in range(20))[:200])')
g sendsms TEXT +84912000001 -report -text "Bao cao giao 1"
g sendsms TEXT +84912000002 -report -len 200 -textutf8 "$REPORT200"
g sendsms TEXT 0912000003 -report -text "Bao cao giao 3"
g sendsms TEXT +84912000004 -text "khong yeu cau bao cao"
g sendsms TEXT +84912000005 -report -text "bao cao bi giu lai"
wait_event status_report 6 10
g_bg "$WORK/monitor-cdsi.out" monitor
MONPID=$BGPID
wait_for 10 "gammu monitor to enable incoming SMS" grep -qF "Enabling info about incoming CB" "$WORK/monitor-cdsi.out"
ctl status_report mr:=250 to=+84919999999 status:=0
wait_for 10 "gammu monitor to read the +CDSI report" grep -qF "Reference number     : 250" "$WORK/monitor-cdsi.out"
stop_bg "$MONPID"
expect_out "$WORK/monitor-cdsi.out" "SMS status report"
pycheck "one report per SRR part, with the +CMGS reference, routed to the SIM" '
    [(e["to"], e["srr"]) for e in ev("sent")] == [("+84912000001", True), ("+84912000002", True),
        ("+84912000002", True), ("0912000003", True), ("+84912000004", False), ("+84912000005", True)]
    and len(ev("status_report")) == 7 and all(r["via"] == "cdsi" and r["index"] is not None for r in ev("status_report"))
    and sorted((r["to"], r["mr"]) for r in ev("status_report") if r["step"] == 1 and not r["injected"])
        == sorted((e["to"], e["mr"]) for e in ev("sent") if e["srr"] and e["to"] != "+84912000005")
    and sorted((r["mr"], r["step"], r["status"]) for r in ev("status_report") if r["to"] == "+84912000002")
        == sorted((e["mr"], k, st) for e in ev("sent") if e["to"] == "+84912000002" for k, st in ((1, 0x20), (2, 0)))
    and [r["status"] for r in ev("status_report") if r["to"] == "0912000003"] == [0x41]
    and [r["urc"] for r in ev("status_report") if r["injected"]] == [True]
    and all(fm.decode_pdu(r["pdu"])["type"] == "status_report" and fm.decode_pdu(r["pdu"])["mr"] == r["mr"]
            and fm.decode_pdu(r["pdu"])["to"] == r["to"] and fm.decode_pdu(r["pdu"])["status"] == r["status"]
            and fm.decode_pdu(r["pdu"])["smsc"] == "+84980200030" for r in ev("status_report"))
    and fm.decode_pdu([r for r in ev("status_report") if r["to"] == "0912000003"][0]["pdu"])["to_type"] == "unknown"
    and stats["status_reports"] == 7 and stats["status_reports_stored"] == 7 and stats["status_reports_withheld"] == 1
    and stats["stored"] == 7 and stats["reports_scheduled"] == 0'
g getallsms
expect_out "$WORK/g.out" "SMS status report"
expect_out "$WORK/g.out" "Delivery status      : Delivered"
expect_out "$WORK/g.out" "Delivery status      : Pending"
expect_out "$WORK/g.out" "Delivery status      : Failed"
expect_out "$WORK/g.out" "Permanent error, Incompatible destination"
expect_out "$WORK/g.out" "7 SMS parts in 7 SMS sequences"
pycheck "gammu getallsms shows the references of the reports" '
    sorted(int(l.split(":")[1]) for l in open(env["WORK"] + "/g.out", encoding="utf-8") if l.startswith("Reference number"))
        == sorted(r["mr"] for r in ev("status_report"))'
g deleteallsms 1
pycheck "reports deleted with AT+CMGD" 'len(ev("deleted")) == 7 and stats["stored"] == 0'

step "status reports, CNMI ds=1 (report_mode ds=1): +CDS to a listening gammu monitor"
ctl report_mode ds=1
ctl report to=+84912000006 delay:=2
mark
g sendsms TEXT +84912000006 -report -text "Bao cao qua +CDS"
g_bg "$WORK/monitor-cds.out" monitor
MONPID=$BGPID
wait_for 10 "gammu monitor to enable incoming SMS" grep -qF "Enabling info about incoming CB" "$WORK/monitor-cds.out"
pycheck "libgammu chose ds=1, the report is not sent yet" 'stats["cnmi"][3] == 1 and stats["reports_scheduled"] == 1'
wait_event status_report 1 10
wait_for 10 "gammu monitor to print the +CDS report" grep -qF "Delivery status      : Delivered" "$WORK/monitor-cds.out"
stop_bg "$MONPID"
expect_out "$WORK/monitor-cds.out" "SMS status report"
expect_out "$WORK/monitor-cds.out" '"+84912000006"'
grep -qF "(unsolicited) +CDS: 25" "$WORK/at-trace.txt" || fail "no +CDS line in the AT trace"
pycheck "+CDS carried the report of the sent part" '
    len(ev("status_report")) == 1 and ev("status_report")[0]["via"] == "cds" and ev("status_report")[0]["urc"]
    and ev("status_report")[0]["mr"] == ev("sent")[0]["mr"] and ev("status_report")[0]["index"] is None
    and ("Reference number     : %d" % ev("sent")[0]["mr"]) in open(env["WORK"] + "/monitor-cds.out", encoding="utf-8").read()
    and stats["status_reports_cds"] == 1 and stats["stored"] == 0'

step "status reports, CNMI ds=0: not delivered"
ctl report_mode ds=0,1,2
at_cmd 'AT+CNMI=2,1,0,0,0' || fail "AT+CNMI=2,1,0,0,0: $(cat "$WORK/at.out")"
mark
ctl status_report mr:=7 to=+84912000007 status=0x62
pycheck "counted, not stored" '
    ev("status_report")[0]["via"] == "none" and not ev("status_report")[0]["urc"] and stats["stored"] == 0
    and stats["status_reports_lost"] == 1'
step "reassembly helper (fakemodem.py messages)"
"$PY" "$FMPY" messages "$LOG" >"$WORK/messages.out" || fail "messages helper failed"
"$PY" - "$WORK/messages.out" "$LONG400" <<'PYEOF' || fail "messages helper output wrong"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert any(m["text"] == sys.argv[2] and m["parts"] == 3 and m["complete"] for m in msgs), msgs
PYEOF

step "SIGTERM stops the fake modem and removes the link"
stop_modem

step "Huawei E173 profile: 0-based SIM indexes and packed GSM-7 USSD"
rm -f "$LOG"
start_modem --profile huawei
mark
g identify
expect_out "$WORK/g.out" "E173"
ctl inject from=+84912345678 text="Xin chao Huawei"
g getallsms
expect_out "$WORK/g.out" "Xin chao Huawei"
g deleteallsms 1
pycheck "modem index 0 used and deleted" 'ev("received")[0]["index"] == 0 and ev("deleted")[0]["index"] == 0'
g_bg "$WORK/ussd.out" getussd '*101#'
USSDPID=$BGPID
wait_event ussd_reply 1 10
wait_for 10 "gammu to print the USSD reply" grep -qF "TK chinh: 25000d, HSD 31/12/2026" "$WORK/ussd.out"
stop_bg "$USSDPID"
pycheck "USSD request was GSM-7 packed" 'ev("ussd")[0]["encoding"] == "packed" and ev("ussd")[0]["code"] == "*101#"'
stop_modem

echo "selftest: PASS ($(($(date +%s) - START_TIME)) s)"
exit 0
