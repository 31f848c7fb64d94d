#!/bin/sh
# Long messages both ways: a citizen's SMS in several parts is joined before it is read;
# a reply longer than one SMS goes out as a concatenated multipart message.
. "$(dirname "$0")/lib.sh"
make_records 100
write_conf "charset = \"unicode\"; max_parts = 4;"
start_daemon

long="Kính gửi bộ phận một cửa, tôi đã nộp hồ sơ đăng ký khai sinh cho con tôi từ tháng tám năm ngoái và đến nay vẫn chưa nhận được kết quả, mong quý cơ quan kiểm tra giúp mã hồ sơ 000.00.12.H39-240824-0001. Xin cảm ơn."
inject 0912345678 "$long"
parts=$(ls "$T/dummy/sms/1" | wc -l)
[ "$parts" -ge 3 ] || fail "inject did not split the long text ($parts parts)"
wait_handled 1
[ "$(sql "SELECT count(*) FROM inbox")" = 1 ] || fail "parts were not joined into one message"
assert_contains "$(sql "SELECT text FROM inbox")" "$long"
wait_all_sent
r=$(texts_to +84912345678)
# unicode charset keeps the diacritics; owner reply with the procedure is over 70 UCS-2 characters
assert_contains "$r" "Đăng ký khai sinh"
assert_contains "$r" "Hòa Tiến"
p=$(sql "SELECT parts FROM outbox WHERE number = '+84912345678'")
[ "$p" -ge 2 ] || fail "reply of ${#r} bytes should be multipart in UCS-2, went as $p part(s)"
[ "$(sql "SELECT state FROM outbox WHERE number = '+84912345678'")" = sent ] || fail "multipart reply not sent"

# A lone part of a message whose other parts never arrive is handled after the timeout.
sed -i 's/max_parts = 4;/max_parts = 4; multipart_timeout = 10;/' "$T/d.conf"
kill -HUP "$DPID"
wait_for 10 "grep -q 'configuration reloaded' '$T/dossierd.log'" || fail "reload"
mkdir -p "$T/aside"
cat > "$T/aside/part" <<P
[SMSBackup000]
Number = "+84911222333"
Coding = Default
PDU = Deliver
Sent = 20261126T080000
State = UnRead
UDH = 050003AA0201
Text00 = 0048005300200030003000300030003000310035004800330039003200360031003100310035003000300030003700200078
P
mv "$T/aside/part" "$T/dummy/sms/1/77"
wait_for 40 "[ \"\$(sql \"SELECT count(*) FROM inbox WHERE sender = '+84911222333'\")\" = 1 ]" ||
    fail "incomplete multipart message never handled"
wait_handled 2
assert_contains "$(texts_to +84911222333)" "000.00.15.H39-261115-0007"
echo "04-multipart: ok"
