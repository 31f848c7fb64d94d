#!/bin/sh
# The same citizen exchange over libgammu's AT driver (connection "at", as for a USB
# dongle) against the fake AT modem on a pseudo-terminal: +CMTI, AT+CMGL, AT+CMGD,
# AT+CMGS with its asynchronous send status; the fake modem decodes what really left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
make_records 100
start_fakemodem
write_at_conf at
start_daemon
wait_for 15 "[ \"\$(fm_stat cnmi)\" != None ] && [ \"\$(fm_stat cnmi)\" != '' ]" || fail "dossierd did not enable +CMTI"

fm inject from=+84912345678 "text=tra cuu 000.00.12.h39 240824 1" >/dev/null || fail "inject"
wait_for 30 "fm_text +84912345678 | grep -q '\"complete\": true'" || fail "no reply left the modem"
out=$(fm_text +84912345678)
assert_contains "$out" '"text": "Ho so 000.00.12.H39-240824-0001 (Dang ky khai sinh): Da co ket qua'
assert_contains "$out" '"coding": "gsm7"'
assert_contains "$out" '"parts": 1'
# Received through +CMTI (not the 30 s poll), committed, then deleted from the SIM.
wait_for 10 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "message not deleted from the SIM"
grep -q '"event": "deleted"' "$T/modem.log" || fail "no AT+CMGD seen"

# A long Vietnamese SMS in three UCS-2 parts, and a reply in several parts.
sed -i 's/per_minute = 600;/per_minute = 600; charset = "unicode"; max_parts = 4;/' "$T/d.conf"
kill -HUP "$DPID"
wait_for 10 "grep -q 'configuration reloaded' '$T/dossierd.log'" || fail "reload"
long="Kính gửi bộ phận một cửa, tôi đã nộp hồ sơ từ lâu mà vẫn chưa có kết quả, nhờ quý cơ quan kiểm tra giúp mã 000.00.12.H39-261101-0003. Xin chân thành cảm ơn quý cơ quan rất nhiều."
fm inject from=+84381234567 "text=$long" coding=ucs2 order=reverse >/dev/null || fail "inject long"
wait_for 60 "fm_text +84381234567 | grep -q '\"complete\": true'" || fail "no multipart reply"
out=$(fm_text +84381234567)
assert_contains "$out" '"coding": "ucs2"'
assert_contains "$out" "quá hạn"
assert_contains "$out" "quyền sử dụng đất"
parts=$(echo "$out" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["parts"])')
[ "$parts" -ge 2 ] || fail "reply should be multipart, was $parts part(s)"
[ "$(sql "SELECT count(*) FROM inbox")" = 2 ] || fail "parts not joined into one message"
[ "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent' AND lane = 0")" = 2 ] || fail "outbox"
# Modem health reaches the status table.
"$DOSSIERCTL" -c "$T/d.conf" status | grep -q "modem usb0: ready, signal" || fail "status: $("$DOSSIERCTL" -c "$T/d.conf" status)"
echo "07-at-modem: ok"
