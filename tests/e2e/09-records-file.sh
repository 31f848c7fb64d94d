#!/bin/sh
# The shared records database absent at start, then created, then replaced by a new
# file (as office software does on a restore): lookups wait and are answered, notices
# resume; per-office notice texts; notices fit one SMS in ascii mode.
. "$(dirname "$0")/lib.sh"
R="$T/records.db"
now_iso() { date '+%Y-%m-%dT%H:%M:%S'; }
write_conf "" "" "notices = { window = \"00:00-00:00\"; poll_interval = 1; };
offices = ( { match = \"hoa chau\"; notice = \"HS {code}: co ket qua, nhan tai UBND xa Hoa Chau sang T2-T7. Soan TC de ngung.\"; } );"
start_daemon
inject 0912345678 "000.00.12.H39-240824-0001"
inject 0912345679 "HD"
# Help needs no records: answered at once; the lookup waits for the file.
wait_for 20 "[ \"\$(sent_to +84912345679)\" = 1 ]" || fail "help held by the missing records file"
wait_for 10 "grep -q 'records db: .*not found; will retry' '$T/dossierd.log'" || fail "missing records file not reported"
[ "$(sql "SELECT state FROM inbox WHERE sender = '0912345678'")" = pending ] || fail "lookup not waiting"

# The records file appears (built aside, moved in).
sqlite3 "$T/new.db" < "$top_srcdir/etc/records-schema.sql"
sqlite3 "$T/new.db" "INSERT INTO dossiers (code, procedure, phone, office, status, due_at, finished_at, updated_at) VALUES
    ('000.00.12.H39-240824-0001', 'Đăng ký khai sinh', '0912 345 678', 'Bộ phận một cửa UBND xã Hòa Tiến', 9, '2024-08-27', '$(now_iso)', '$(now_iso)')"
mv "$T/new.db" "$R"
wait_for 20 "texts_to +84912345678 | grep -q '0001 (Dang ky khai sinh): Da co ket qua'" ||
    fail "waiting lookup not answered once the file appeared"
wait_for 20 "[ \"\$(sql \"SELECT count(*) FROM notices WHERE code = '000.00.12.H39-240824-0001'\")\" = 1 ]" ||
    fail "notice scan did not resume"

# Replaced by a restored copy with one more ready dossier at another office.
cp "$R" "$T/restored.db"
sqlite3 "$T/restored.db" "INSERT INTO dossiers (code, procedure, phone, office, status, due_at, finished_at, updated_at) VALUES
    ('000.00.15.H39-261115-0007', 'Đăng ký kết hôn', '0903111222', 'Bộ phận một cửa UBND xã Hòa Châu', 9, '2026-11-17', '$(now_iso)', '$(now_iso)')"
mv "$T/restored.db" "$R"
wait_for 20 "[ \"\$(sent_to +84903111222)\" = 1 ]" || fail "no notice from the replaced file"
wait_all_sent
assert_contains "$(texts_to +84903111222)" "nhan tai UBND xa Hoa Chau sang T2-T7"
assert_contains "$(texts_to +84912345678)" "Bo phan mot cua UBND xa Hoa Tien. Soan TC"
[ "$(sql "SELECT count(*) FROM outbox WHERE lane = 2 AND parts != 1")" = 0 ] || fail "a notice took more than one SMS"
inject 0903111222 "000.00.15.H39-261115-0007"
wait_for 20 "[ \"\$(sent_to +84903111222)\" = 2 ]" || fail "lookup in the replaced file"
grep -q "inbox: working again" "$T/dossierd.log" || fail "recovery not logged"
echo "09-records-file: ok"
