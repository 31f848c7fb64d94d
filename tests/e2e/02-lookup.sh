#!/bin/sh
# Citizens' lookups over the real daemon on Gammu's dummy modem: found (sloppy code),
# not found, overdue, help, procedure code, two codes, bad syntax, bad date, ignored senders.
. "$(dirname "$0")/lib.sh"
make_records 300
write_conf
start_daemon

inject 0912345678 "tra cuu 000.00.12.h39 240824 1"
inject 0911000001 "HS 000.00.12.H39-240824-9999"
inject 0911000002 "Hướng dẫn"
inject 0911000003 "1.001612.000.00.00.H48"
inject 0911000004 "ho so 000.00.12.H39-261120-0002 va 0000015H392611150007 nhe"
inject 0911000005 "xin chao"
inject 0911000006 "000.00.12.H39-240231-0001"
inject 0911000007 "tc 000.00.12.H39 261101 3"
inject 19001234 "000.00.12.H39-240824-0001"
inject VIETTEL "KM: tang 50% the nap"
wait_handled 10
wait_all_sent

r=$(texts_to +84912345678)
assert_contains "$r" "000.00.12.H39-240824-0001"
assert_contains "$r" "Da co ket qua"
assert_contains "$r" "27/08/2024"
assert_contains "$r" "Hoa Tien"
[ "$(sql "SELECT parts FROM outbox WHERE number = '+84912345678'")" = 1 ] || fail "must-show reply is not one SMS"
[ "$(sql "SELECT count(*) FROM outbox WHERE number = '+84912345678'")" = 1 ] || fail "expected exactly one reply"
case "$r" in *[![:print:]]*) fail "ascii mode reply has non-ASCII: $r" ;; esac

assert_contains "$(texts_to +84911000001)" "Khong tim thay ho so 000.00.12.H39-240824-9999"
assert_contains "$(texts_to +84911000002)" "Tra cuu ho so"
assert_contains "$(texts_to +84911000003)" "ma thu tuc"
two=$(texts_to +84911000004)
assert_contains "$two" "000.00.12.H39-261120-0002: Dang xu ly"
assert_contains "$two" "000.00.15.H39-261115-0007: Da tra ket qua"
assert_contains "$(texts_to +84911000005)" "Chua dung cu phap"
assert_contains "$(texts_to +84911000006)" "ngay khong hop le"
assert_contains "$(texts_to +84911000007)" "qua han"

[ "$(sql "SELECT count(*) FROM outbox WHERE number IN ('19001234', 'VIETTEL')")" = 0 ] || fail "answered a short code or sender name"
[ "$(sql "SELECT count(*) FROM inbox WHERE kind = 'ignored'")" = 2 ] || fail "ignored senders not recorded"
[ "$(sql "SELECT count(*) FROM audit WHERE outcome = 'found'")" = 4 ] || fail "audit found count"
# every message was deleted from the dummy phone after it was committed
[ -z "$(ls "$T/dummy/sms/1")" ] || fail "messages left on the modem: $(ls "$T/dummy/sms/1")"
"$DOSSIERCTL" -c "$T/d.conf" status | grep -q "today: 10 queries (4 found" || fail "status: $("$DOSSIERCTL" -c "$T/d.conf" status)"
"$DOSSIERCTL" -c "$T/d.conf" status --json | grep -q '"found":4' || fail "status --json"
echo "02-lookup: ok"
