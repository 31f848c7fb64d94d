#!/bin/sh
# Privacy (procedure name only to the owner) and abuse limits (misses per hour, lookups
# per day, replies per day) over the real daemon.
. "$(dirname "$0")/lib.sh"
make_records 100
write_conf "" "misses_per_hour = 2; lookups_per_day = 4; replies_per_number_per_day = 6;"
start_daemon

# Owner (the number on the dossier, typed "0912 345 678" by the clerk) vs another number.
inject +84912345678 "000.00.12.H39-240824-0001"
inject 0988777666 "000.00.12.H39-240824-0001"
wait_handled 2
assert_contains "$(texts_to +84912345678)" "Dang ky khai sinh"
other=$(texts_to +84988777666)
assert_contains "$other" "000.00.12.H39-240824-0001"
assert_not_contains "$other" "Dang ky khai sinh"
assert_not_contains "$other" "Nguyen Thi Lan"
# Legacy 11-digit number on the dossier (0168 123 4567 -> 038 123 4567) is still the owner.
inject 0381234567 "000.00.12.H39-261101-0003"
wait_handled 3
assert_contains "$(texts_to +84381234567)" "quyen su dung dat"

# Misses: 2 unknown codes answered, the 3rd gets one "limit" reply, the 4th nothing.
for i in 1 2 3 4; do inject 0977000111 "000.00.12.H39-240101-900$i"; done
wait_handled 7
wait_all_sent
t=$(texts_to +84977000111)
[ "$(echo "$t" | grep -c 'Khong tim thay')" = 2 ] || fail "expected 2 not-found replies: $t"
[ "$(echo "$t" | grep -c 'qua so lan')" = 1 ] || fail "expected one limit reply: $t"
[ "$(sql "SELECT count(*) FROM outbox WHERE number = '+84977000111'")" = 3 ] || fail "4th miss was answered"

# Lookups per day: 4 found lookups, then one limit reply, then silence.
for i in 1 2 3 4 5 6; do inject 0966000222 "lan $i: 000.00.15.H39-261115-0007"; done
wait_handled 13
wait_all_sent
t=$(texts_to +84966000222)
[ "$(echo "$t" | grep -c 'Da tra ket qua')" = 4 ] || fail "expected 4 answers: $t"
[ "$(echo "$t" | grep -c 'qua so lan')" = 1 ] || fail "expected one limit reply: $t"

# Replies per day: help is not a lookup, but the reply cap (6) still holds.
# (Texts differ: the same text from the same number in the same second is one
# message, and texts differing only in digits are the same text to the loop check.)
for i in a b c d e f g h; do inject 0955000333 "HD $i"; done
wait_handled 21
[ "$(sql "SELECT count(*) FROM outbox WHERE number = '+84955000333'")" = 6 ] || fail "reply cap not applied"
[ "$(sql "SELECT count(*) FROM inbox WHERE outcome LIKE 'reply cap%'")" = 2 ] || fail "capped messages not recorded"
# Every lookup is audited.
[ "$(sql "SELECT count(*) FROM audit WHERE number = '+84988777666' AND code = '000.00.12.H39-240824-0001'")" = 1 ] || fail "audit"
echo "03-privacy-limits: ok"
