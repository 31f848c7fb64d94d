#!/bin/sh
# Delivery reports over libgammu's AT driver and the fake modem: every message asks
# for a status report; delivered, undeliverable (with the network's reason), pending
# then delivered, a multipart (delivered only when every part is), a report that
# arrives while dossierd is stopped (read from the SIM after the restart), a report
# for an unknown reference (logged, ignored, never a citizen's text), reports as
# +CDS lines (the default) as well as stored (+CDSI); dossierctl status counts them by reason and
# flags a number that keeps failing, dossierctl undeliverable lists it with its
# dossiers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
DCTL="$DOSSIERCTL -c $T/d.conf"
N1=+84912000001 N2=+84912000002 N3=+84912000003 N4=+84912000004 N5=+84912000005
delivery() { sql "SELECT coalesce(delivery, 'none') FROM outbox WHERE number = '$1' ORDER BY id DESC LIMIT 1"; }
wait_delivery() {	# wait_delivery NUMBER STATE [SECONDS]
	wait_for "${3:-20}" "[ \"\$(delivery $1)\" = $2 ]" ||
	    fail "$1: delivery $(delivery $1), want $2: $(sql "SELECT id, state, delivery, delivery_status FROM outbox WHERE number = '$1'")"
}
empty_records
rsql "INSERT INTO dossiers (code, procedure, applicant, phone, office, status, due_at, finished_at, updated_at)
    VALUES ('000.00.12.H39-261120-0042', 'Cấp bản sao', 'Lê Văn C', '0912000002', 'Bộ phận một cửa UBND xã Hòa Tiến', 9, '2026-12-20',
            '$(date -d '1 day ago' '+%Y-%m-%dT%H:%M:%S')', '$(date -d '1 day ago' '+%Y-%m-%dT%H:%M:%S')')"
start_fakemodem
# 0x46: validity period expired (the phone has been off); 0x21: busy, still trying.
fm report to=$N2 status:=70 >/dev/null || fail "fake modem: report"
fm report to=$N3 status:=33 then:=0 then_delay:=2 >/dev/null || fail "fake modem: report then"
# Stored reports (+CDSI) first: what a report that comes while dossierd is stopped needs.
FAULT_MODEM='poll_interval = 5; send_timeout = 15; status_interval = 10; status_reports = "stored";'
write_fault_conf
start_fault_daemon
[ "$(fm_stat cnmi | tr -d ' ')" = "[2,1,0,2,0]" ] || fail "status_reports stored: AT+CNMI $(fm_stat cnmi)"

# --- The notice to N2 comes back undeliverable; a reply to N1 delivered.
queue_send $N1 "Ket qua ho so da co"
wait_delivery $N1 delivered
wait_delivery $N2 undeliverable
[ "$(sql "SELECT delivery_status FROM outbox WHERE number = '$N2'")" = 70 ] || fail "undeliverable reason not kept"
grep -q "undeliverable to .*validity period expired" "$T/dossierd.log" || fail "undeliverable not logged with its reason"
[ "$(fm_count sent srr True)" -ge 2 ] || fail "sends without a status report request"

# --- Pending, then delivered.
queue_send $N3 "Ho so dang xu ly"
wait_delivery $N3 pending
wait_delivery $N3 delivered

# --- A multipart: delivered once every part is.
queue_send $N4 "$(python3 -c 'print(("Thong bao dai cua bo phan mot cua. " * 12)[:400])')"
wait_delivery $N4 delivered 30
[ "$(sql "SELECT count(*) FROM sent_parts s JOIN outbox o ON o.id = s.outbox_id WHERE o.number = '$N4' AND s.delivery = 'delivered'")" = 3 ] ||
    fail "multipart: $(sql "SELECT s.part, s.mr, s.delivery FROM sent_parts s JOIN outbox o ON o.id = s.outbox_id WHERE o.number = '$N4'")"

# --- A report for a reference nobody sent: logged, ignored, no inbox row.
in0=$(sql "SELECT count(*) FROM inbox")
fm status_report mr:=250 to=+84987654321 status:=0 >/dev/null || fail "fake modem: status_report"
wait_for 15 "grep -q 'message reference 250 .*matches no message' '$T/dossierd.log'" || fail "unknown reference not logged"
[ "$(sql "SELECT count(*) FROM inbox")" = "$in0" ] || fail "a status report became an inbox message"

# --- A report that arrives while dossierd is stopped: read from the SIM after.
fm report to=$N5 delay:=4 >/dev/null || fail "fake modem: report delay"
queue_send $N5 "Moi ong ba den nhan ket qua"
wait_for 20 "[ \"\$(sent_to $N5)\" = 1 ]" || fail "N5 not sent"
stop_daemon
[ "$(delivery $N5)" = waiting ] || fail "N5 delivery before the restart: $(delivery $N5)"
wait_for 15 "[ \"\$(fm_count status_report to $N5)\" -ge 1 ]" || fail "the fake sent no report for N5"
start_fault_daemon
wait_delivery $N5 delivered

# --- Undeliverable again and again: N2 is flagged as a stale number.
queue_send $N2 "Nhac lan 2"
queue_send $N2 "Nhac lan 3"
wait_for 30 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE number = '$N2' AND delivery = 'undeliverable'\")\" = 3 ]" ||
    fail "N2: $(sql "SELECT id, state, delivery FROM outbox WHERE number = '$N2'")"
LANG=C $DCTL status >"$T/status.txt" || fail "status"
cat "$T/status.txt"
grep -q "delivery today: [0-9]* delivered, 0 not delivered yet, 0 waiting for a report, 3 undeliverable" "$T/status.txt" ||
    fail "status: no delivery counts"
grep -q "1 notice undeliverable: validity period expired" "$T/status.txt" || fail "status: undeliverable notices by reason"
grep -q "+84912000002: 3 times, last: validity period expired.*; dossiers: 000.00.12.H39-261120-0042" "$T/status.txt" ||
    fail "status: the stale number is not flagged"
$DCTL undeliverable --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["total"] == 1 and d["numbers"][0]["number"] == "+84912000002", d
assert d["numbers"][0]["failures"] == 3 and d["numbers"][0]["last_status"] == 70, d
print("undeliverable:", d["numbers"][0])' || fail "dossierctl undeliverable"
$DCTL status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)["delivery_today"]
assert d["undeliverable"] == 3 and d["delivered"] >= 4, d
assert d["undeliverable_notices"] == [{"status": 70, "reason": "validity period expired (phone off or out of reach)", "count": 1}], d' ||
    fail "status --json delivery"
LANG=C $DCTL queue --undelivered >"$T/undelivered.txt" || fail "queue --undelivered"
grep -q "undeliverable: *validity period expired" "$T/undelivered.txt" || fail "queue --undelivered: $(cat "$T/undelivered.txt")"
LANG=C $DCTL history $N1 | grep -q "delivered" || fail "history does not show delivered"

# --- Reports as +CDS lines: the default (modems.status_reports "direct").
delivered_n1() { sql "SELECT count(*) FROM outbox WHERE number = '$N1' AND delivery = 'delivered'"; }
stop_daemon
cdsi0=$(fm_count status_report via cdsi)
FAULT_MODEM='poll_interval = 5; send_timeout = 15; status_interval = 10;'
write_fault_conf
start_fault_daemon
[ "$(fm_stat cnmi | tr -d ' ')" = "[2,1,0,1,0]" ] || fail "status_reports default: AT+CNMI $(fm_stat cnmi)"
queue_send $N1 "Qua +CDS"
wait_for 20 "[ \"\$(delivered_n1)\" = 2 ]" ||
    fail "+CDS report not recorded: $(sql "SELECT id, delivery FROM outbox WHERE number = '$N1'")"
[ "$(fm_count status_report via cds)" -ge 1 ] || fail "the fake did not send +CDS"
[ "$(fm_count status_report via cdsi)" = "$cdsi0" ] || fail "a report was stored in direct mode"

# --- Stored asked for, but the modem has no report storage: +CDS all the same.
stop_daemon
fm report_mode ds=1 >/dev/null || fail "fake modem: report_mode"
FAULT_MODEM='poll_interval = 5; send_timeout = 15; status_interval = 10; status_reports = "stored";'
write_fault_conf
start_fault_daemon
queue_send $N1 "Qua +CDS lan 2"
wait_for 20 "[ \"\$(delivered_n1)\" = 3 ]" ||
    fail "+CDS report (no storage) not recorded: $(sql "SELECT id, delivery FROM outbox WHERE number = '$N1'")"
[ "$(fm_count status_report via cds)" -ge 2 ] || fail "the fake did not send +CDS"
stop_daemon
echo "29-delivery-reports: ok"
