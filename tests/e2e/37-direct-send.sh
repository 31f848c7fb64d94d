#!/bin/sh
# modems.direct_send over libgammu's AT driver and the fake modem: dossierd writes
# AT+CMGS itself on libgammu's port. While it waits for the network's answer the
# modem says other things, and none of it is lost: a +CMTI (the query is read and
# answered at once, not at the next poll), a +CDS status report (recorded), junk
# lines libgammu would ignore. A refusal (+CMS ERROR) is retried as before; a
# second query waiting behind the first goes out too; a missing "> " prompt sends
# that part through libgammu and the next directly again. With direct_send = false
# every part goes through libgammu's GSM_SendSMS (its debug log says so), the
# same exchange works, and the same messages (GSM-7 and UCS-2) leave as the very
# same PDUs both ways. A stored query leaves the SIM with one AT+CMGD written by
# dossierd (modems.direct_delete), not libgammu's re-read and delete; a refused
# AT+CMGD falls back to libgammu's delete.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
N1=+84912000001 N2=+84912000002 N3=+84912000003
CODE=000.00.12.H39-261120-0042
empty_records
rsql "INSERT INTO dossiers (code, procedure, applicant, phone, office, status, due_at, updated_at)
    VALUES ('$CODE', 'Cấp bản sao', 'Lê Văn C', '0912000002', 'Bộ phận một cửa UBND xã Hòa Tiến', 4, '2026-12-20', '2026-12-01T08:00:00')"
start_fakemodem
# Inbox reads only on +CMTI (poll_interval 60): a lost +CMTI shows as a late answer.
FAULT_MODEM='poll_interval = 60; send_timeout = 20; status_interval = 60;'
FAULT_LOG_LEVEL=debug
FAULT_SMS='per_minute = 600; retry_initial = 1; retry_max = 2; charset = "auto";'
N6=+84912000006 N7=0912000007
TEXT6="Kết quả hồ sơ $CODE đã có, mời ông/bà đến nhận."
TEXT7="Ket qua ho so $CODE da co, moi ong/ba den nhan."
write_fault_conf
DOSSIERD_GAMMU_LOG=$T/gammu-direct.log
export DOSSIERD_GAMMU_LOG
start_fault_daemon

# --- The network answers AT+CMGS 3 s late; meanwhile a query, a report, junk.
fm latency cmgs:=3 >/dev/null || fail "fake modem: latency"
sent0=$(fm_stat sent_parts)
queue_send $N1 "Thong bao thu nhat"
fm wait event=sent count:=$((sent0 + 1)) timeout:=15 >/dev/null || fail "the first message never reached the modem"
fm inject from=$N2 text="HS $CODE" >/dev/null || fail "fake modem: inject"
fm status_report mr:=250 to=+84987654321 status:=0 >/dev/null || fail "fake modem: status_report"
fm garbage lines:=3 kind=urc >/dev/null || fail "fake modem: garbage"
t0=$(now)
wait_for 20 "[ \"\$(sent_to $N1)\" = 1 ]" || fail "N1 not sent: $(sql "SELECT state, last_error FROM outbox WHERE number = '$N1'")"
grep -q "during a send the modem said: ^" "$T/dossierd.log" || fail "the junk lines were not read during the send"
# The query came with a +CMTI during the send: answered without waiting for a poll.
wait_for 15 "[ \"\$(sent_to $N2)\" = 1 ]" || fail "the query announced during the send was not answered in time ($(elapsed "$t0") s)"
texts_to $N2 | grep -q "$CODE" || fail "N2's answer: $(texts_to $N2)"
grep -q "message reference 250 .*matches no message" "$T/dossierd.log" || fail "the +CDS that came during the send was lost"
wait_for 15 "[ \"\$(sql \"SELECT delivery FROM outbox WHERE number = '$N1'\")\" = delivered ]" ||
    fail "N1's own report: $(sql "SELECT delivery FROM outbox WHERE number = '$N1'")"
grep -q "PDU mode: AT+CMGS written directly" "$T/dossierd.log" || fail "the direct send was not used"
grep -q "port descriptor [0-9]*, libgammu's plain AT module" "$T/dossierd.log" ||
    fail "the port was not recognised as libgammu's plain AT module"
grep -q "sending through libgammu" "$T/dossierd.log" && fail "fell back to libgammu: $(grep 'libgammu' "$T/dossierd.log")"
grep -q "Sending SMS" "$DOSSIERD_GAMMU_LOG" && fail "libgammu's GSM_SendSMS sent a part"
# The direct delete: N2's query left the SIM with one AT+CMGD, not libgammu's
# re-read (AT+CPMS, AT+CMGR, AT+CPMS) before it.
wait_for 10 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "N2's query was not deleted: $(fm_stat stored) stored"
grep -q "Deleting SMS" "$DOSSIERD_GAMMU_LOG" && fail "libgammu's GSM_DeleteSMS deleted a message"
grep -q "< AT+CMGR" "$T/modem.trace" && fail "a message was read again before its delete: $(grep '< AT+CMGR' "$T/modem.trace")"
grep -q "< AT+CMGD=" "$T/modem.trace" || fail "no AT+CMGD reached the modem"
# A refused AT+CMGD: libgammu's delete does it, and the query is answered once.
fm fail_deletes count:=1 code:=500 >/dev/null || fail "fake modem: fail_deletes"
N5=+84912000005
fm inject from=$N5 text="HS $CODE" >/dev/null || fail "fake modem: inject"
wait_for 20 "[ \"\$(sent_to $N5)\" = 1 ]" || fail "N5's query after a refused delete was not answered"
wait_for 20 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "after a refused AT+CMGD the query stayed: $(fm_stat stored) stored"
[ "$(fm_count delete_failed)" = 1 ] || fail "delete_failed events: $(fm_count delete_failed)"
grep -q "Deleting SMS" "$DOSSIERD_GAMMU_LOG" || fail "after a refused AT+CMGD libgammu's delete was not used"

# --- A refusal (+CMS ERROR 38, network out of order) is retried; then it goes.
fm latency cmgs:=0 >/dev/null
fm fail_sends count:=1 code:=38 >/dev/null || fail "fake modem: fail_sends"
queue_send $N3 "Thong bao thu ba"
wait_for 20 "[ \"\$(sent_to $N3)\" = 1 ]" || fail "N3 after a refusal: $(sql "SELECT state, attempts, last_error FROM outbox WHERE number = '$N3'")"
[ "$(sql "SELECT attempts FROM outbox WHERE number = '$N3'")" = 2 ] || fail "N3: $(sql "SELECT attempts, last_error FROM outbox WHERE number = '$N3'")"
[ "$(fm_count send_failed)" = 1 ] || fail "send_failed events: $(fm_count send_failed)"
# The refusal made dossierd check the balance (*101#); while that answer is
# awaited a send goes through libgammu, so the missing prompt below waits for it.
wait_for 20 "[ \"\$(grep -c 'ussd: usb0: balance check queued (the network refused a send)' '$T/dossierd.log')\" = 1 ] &&
    [ \"\$(grep -c 'ussd: usb0: \\*101# answered' '$T/dossierd.log')\" -ge \"\$(grep -c 'ussd: usb0: balance check queued' '$T/dossierd.log')\" ]" ||
    fail "the balance check after the refusal: $(grep 'ussd:' "$T/dossierd.log")"
# --- No "> " prompt (a modem too busy to answer): ESC, that part through
# libgammu, and the next one directly again.
g0=$(grep -c "Sending SMS" "$DOSSIERD_GAMMU_LOG")
fm no_prompt count:=1 >/dev/null || fail "fake modem: no_prompt"
N8=+84912000008 N9=+84912000009
queue_send $N8 "Thong bao luc modem ban"
wait_for 30 "[ \"\$(sent_to $N8)\" = 1 ]" || fail "N8 after a missing prompt: $(sql "SELECT state, attempts, last_error FROM outbox WHERE number = '$N8'")"
[ "$(fm_count no_prompt)" = 1 ] || fail "the fake swallowed $(fm_count no_prompt) AT+CMGS"
grep -q 'no "> " prompt within 5 s of AT+CMGS: sending through libgammu this time' "$T/dossierd.log" ||
    fail "the missing prompt was not logged"
g1=$(grep -c "Sending SMS" "$DOSSIERD_GAMMU_LOG")
[ "$g1" -gt "$g0" ] || fail "after the missing prompt the part did not go through libgammu"
queue_send $N9 "Thong bao sau do"
wait_for 20 "[ \"\$(sent_to $N9)\" = 1 ]" || fail "N9 not sent"
[ "$(grep -c "Sending SMS" "$DOSSIERD_GAMMU_LOG")" = "$g1" ] || fail "the part after the missing prompt did not go directly"

queue_send $N6 "$TEXT6"
queue_send $N7 "$TEXT7"
wait_for 20 "[ \"\$(sent_to $N6)\" = 1 ] && [ \"\$(sent_to +84912000007)\" = 1 ]" || fail "N6/N7 not sent directly"
fm_check_exactly_once
stop_daemon

# --- direct_send = false: libgammu's own send, the same exchange.
FAULT_MODEM='poll_interval = 60; send_timeout = 20; status_interval = 60; direct_send = false;'
write_fault_conf
DOSSIERD_GAMMU_LOG=$T/gammu-libgammu.log
export DOSSIERD_GAMMU_LOG
n_direct=$(grep -c "PDU mode: AT+CMGS written directly" "$T/dossierd.log")
start_fault_daemon
N4=+84912000004
queue_send $N4 "Thong bao qua libgammu"
wait_for 20 "[ \"\$(sent_to $N4)\" = 1 ]" || fail "N4 not sent through libgammu"
grep -q "Sending SMS" "$DOSSIERD_GAMMU_LOG" || fail "libgammu's GSM_SendSMS did not send with direct_send = false"
# ... and its delete, re-read first.
fm inject from=$N5 text="HS $CODE" >/dev/null || fail "fake modem: inject"
wait_for 20 "[ \"\$(sent_to $N5)\" = 2 ]" || fail "N5's second query not answered with direct_send = false"
wait_for 20 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "N5's second query not deleted with direct_send = false"
grep -q "Deleting SMS" "$DOSSIERD_GAMMU_LOG" || fail "libgammu's GSM_DeleteSMS did not delete with direct_send = false"
queue_send $N6 "$TEXT6"
queue_send $N7 "$TEXT7"
wait_for 20 "[ \"\$(sent_to $N6)\" = 2 ] && [ \"\$(sent_to +84912000007)\" = 2 ]" || fail "N6/N7 not sent through libgammu"
# The same message, the same PDU: the direct layout is libgammu's own.
python3 - "$T/modem.log" <<'PY' || fail "the direct send's PDUs differ from libgammu's (above)"
import collections, json, sys
pdus = collections.defaultdict(list)
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if e.get("event") == "sent" and e.get("to") in ("+84912000006", "+84912000007"):
        pdus[e["to"]].append((e["coding"], e["pdu"]))
bad = 0
for to, got in sorted(pdus.items()):
    print("%s: %s" % (to, " / ".join("%s %s" % g for g in got)))
    if len(got) != 2 or got[0] != got[1]:
        bad = 1
if sorted(c for c, _ in (g[0] for g in pdus.values() if g)) != ["gsm7", "ucs2"] and not bad:
    print("codings: %r" % {k: v[0][0] for k, v in pdus.items()})
    bad = 1
sys.exit(bad)
PY
[ "$(grep -c "PDU mode: AT+CMGS written directly" "$T/dossierd.log")" = "$n_direct" ] || fail "direct send used with direct_send = false"
stop_daemon
echo "direct send: a +CMTI, a +CDS and junk during a 3 s send all handled; refusal retried; direct delete, a refused one through libgammu; libgammu's send and delete with direct_send = false"
