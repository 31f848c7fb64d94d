#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The sample records generator (etc/demo/make-records.sh) makes the schema
# of etc/records-schema.sql, canonical codes, every status, consistent
# timestamps and the fixed demo dossiers, and does so reproducibly: pinned
# with --ref (or DOSSIERD_RECORDS_REF) to the reference moment below, and by
# default dated by today.
# Exit 0 pass, 1 fail, 77 skip (no sqlite3).
set -u

top=${top_srcdir:-$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)}
gen=$top/etc/demo/make-records.sh
REF=2026-11-26
NOW=2026-11-26T17:30:00
CODE_GLOB='[0-9][0-9][0-9].[0-9][0-9].[0-9][0-9].[A-Z][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]'

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: no sqlite3"; exit 77; }

T=$(mktemp -d) || exit 1
trap 'rm -rf -- "$T"' EXIT
trap 'exit 1' HUP INT TERM

fail()
{
	echo "FAIL: records-gen-check: $*" >&2
	exit 1
}

q()
{
	sqlite3 -batch "$1" "$2" || fail "query failed on $1: $2"
}

# expect DB 'SQL' VALUE WHAT: the query's single result must be VALUE.
expect()
{
	got=$(q "$1" "$2")
	[ "$got" = "$3" ] || fail "$4: got '$got', want '$3'"
}

unset DOSSIERD_RECORDS_REF

# --- run pinned to the reference moment -------------------------------
start=$(date +%s)
sh "$gen" --ref "$NOW" "$T/a.db" >"$T/a.out" 2>"$T/a.err" ||
    fail "make-records.sh exited $?: $(cat "$T/a.err")"
elapsed=$(($(date +%s) - start))
[ "$elapsed" -le 30 ] || fail "3000 dossiers took ${elapsed}s"
[ ! -s "$T/a.err" ] || fail "stderr not empty: $(cat "$T/a.err")"
[ "$(wc -l <"$T/a.out")" -eq 1 ] ||
    fail "summary is not one line: $(cat "$T/a.out")"
grep -q '3004 dossiers (3000 generated + 4 fixed)' "$T/a.out" ||
    fail "unexpected summary: $(cat "$T/a.out")"
for f in "$T"/*.tmp.*; do
	[ ! -e "$f" ] || fail "temporary file left behind: $f"
done

db=$T/a.db
# The schema is exactly etc/records-schema.sql.
sqlite3 "$T/ref.db" <"$top/etc/records-schema.sql" ||
    fail "schema does not load"
expect "$db" "SELECT group_concat(sql, ';') FROM sqlite_master" \
    "$(q "$T/ref.db" "SELECT group_concat(sql, ';') FROM sqlite_master")" \
    "schema differs from etc/records-schema.sql"
expect "$db" "PRAGMA integrity_check" ok "integrity"

expect "$db" "SELECT count(*) FROM dossiers" 3004 "row count"
expect "$db" "SELECT count(*) FROM dossiers WHERE code NOT GLOB '$CODE_GLOB'
    OR length(code) <> 25" 0 "codes not canonical"
# The date in the code is the day received.
expect "$db" "SELECT count(*) FROM dossiers WHERE substr(code, 15, 6) <>
    substr(replace(received_at, '-', ''), 3, 6)" 0 "code date != received day"
# The sequence starts at 0001 and has no gaps, except around fixed rows.
fixed="'000.00.12.H39-240824-0001', '000.00.12.H39-261120-0002',
    '000.00.12.H39-261101-0003', '000.00.15.H39-261115-0007'"
expect "$db" "SELECT count(*) FROM (SELECT substr(code, 1, 20) d
    FROM dossiers WHERE code NOT IN ($fixed) GROUP BY d
    HAVING min(substr(code, 22)) <> '0001')" 0 \
    "a day's sequence does not start at 0001"
expect "$db" "SELECT count(*) FROM (SELECT substr(code, 1, 20) d
    FROM dossiers GROUP BY d HAVING max(0 + substr(code, 22)) <> count(*)
    AND d NOT IN (SELECT substr(code, 1, 20) FROM dossiers
        WHERE code IN ($fixed)))" 0 "gaps in a day's sequence"
expect "$db" "SELECT count(DISTINCT substr(code, 1, 13)) >= 5 FROM dossiers" 1 \
    "fewer than 5 agencies"

# Every national status, mostly ready or returned; some in progress/overdue.
expect "$db" "SELECT group_concat(status) FROM (SELECT DISTINCT status
    FROM dossiers ORDER BY status)" "1,2,3,4,5,6,7,8,9,10" "statuses"
expect "$db" "SELECT sum(status IN (9, 10)) * 2 > count(*) FROM dossiers" 1 \
    "9 and 10 are not the majority"
expect "$db" "SELECT count(*) > 0 FROM dossiers WHERE status IN (2, 3, 4)" 1 \
    "nothing in progress"
expect "$db" "SELECT count(*) > 10 FROM dossiers WHERE due_at < '$REF'
    AND status NOT IN (9, 10)" 1 "no overdue dossiers"
expect "$db" "SELECT count(*) > 10 FROM dossiers WHERE due_at < '$REF'
    AND status IN (2, 4, 5, 6)" 1 "no open overdue dossiers"

# Timestamps: ISO 8601, in order, nothing after the reference moment.
expect "$db" "SELECT count(*) FROM dossiers WHERE
    received_at IS NULL OR updated_at IS NULL
    OR datetime(received_at) IS NULL OR datetime(updated_at) IS NULL
    OR (due_at IS NOT NULL AND (length(due_at) <> 10 OR date(due_at) <> due_at))
    OR (finished_at IS NOT NULL AND datetime(finished_at) IS NULL)
    OR (returned_at IS NOT NULL AND datetime(returned_at) IS NULL)
    OR (length(received_at) <> 19 AND length(received_at) <> 10)" 0 \
    "malformed timestamps"
expect "$db" "SELECT count(*) FROM dossiers WHERE finished_at < received_at
    OR returned_at < finished_at OR due_at < substr(received_at, 1, 10)
    OR updated_at < received_at OR updated_at < finished_at
    OR updated_at < returned_at
    OR max(received_at, ifnull(finished_at, ''), ifnull(returned_at, ''),
        updated_at) > '$NOW'" 0 "timestamps out of order"
expect "$db" "SELECT count(*) FROM dossiers WHERE
    (status = 9 AND (finished_at IS NULL OR returned_at IS NOT NULL))
    OR (status = 10 AND (finished_at IS NULL OR returned_at IS NULL))
    OR (status IN (1, 2, 4, 5, 6) AND finished_at IS NOT NULL)" 0 \
    "status inconsistent with timestamps"
expect "$db" "SELECT min(received_at) >= '2026-05-28'
    FROM dossiers WHERE code NOT LIKE '%-240824-%'" 1 \
    "dossiers older than 6 months"

# Realistic text: diacritics, the clerk's phone formats, notify mostly on.
expect "$db" "SELECT count(*) FROM dossiers WHERE office NOT LIKE '%xã %'
    OR procedure IS NULL OR applicant IS NULL" 0 "office/procedure/applicant"
expect "$db" "SELECT count(*) > 0 FROM dossiers WHERE office LIKE '%Hòa Tiến%'
    AND applicant LIKE 'Nguyễn %' AND procedure LIKE 'Đăng ký%'" 1 \
    "no diacritics"
for pat in "phone GLOB '0[35789][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'" \
    "phone GLOB '0[0-9][0-9][0-9] [0-9][0-9][0-9] [0-9][0-9][0-9]'" \
    "phone GLOB '+84[0-9]*'" "phone GLOB '84[0-9]*'" \
    "phone GLOB '01[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'" \
    "phone GLOB '02[0-9]*'" "phone = ''" "phone IS NULL"; do
	expect "$db" "SELECT count(*) > 0 FROM dossiers WHERE $pat" 1 \
	    "no phone with $pat"
done
expect "$db" "SELECT sum(notify_sms = 1) * 10 > count(*) * 8 FROM dossiers" 1 \
    "notify_sms not mostly 1"

# The fixed rows, field by field.
expect "$db" "SELECT procedure, applicant, phone, office, status, received_at,
    due_at, finished_at, ifnull(returned_at, '-'), notify_sms
    FROM dossiers WHERE code = '000.00.12.H39-240824-0001'" \
    "Đăng ký khai sinh|Nguyễn Thị Lan|0912 345 678|Bộ phận một cửa UBND xã Hòa Tiến|9|2024-08-24T08:15:00|2024-08-27|2024-08-26T16:00:00|-|1" \
    "fixed row 240824-0001"
expect "$db" "SELECT procedure, phone, office, status, due_at,
    due_at >= '$REF' FROM dossiers WHERE code = '000.00.12.H39-261120-0002'" \
    "Chứng thực bản sao|0987654321|Bộ phận một cửa UBND xã Hòa Tiến|4|2026-12-01|1" \
    "fixed row 261120-0002"
expect "$db" "SELECT procedure, phone, office, status, due_at,
    due_at < '$REF' FROM dossiers WHERE code = '000.00.12.H39-261101-0003'" \
    "Cấp giấy chứng nhận quyền sử dụng đất|0168 123 4567|Bộ phận một cửa UBND xã Hòa Tiến|4|2026-11-15|1" \
    "fixed row 261101-0003"
expect "$db" "SELECT procedure, phone, office, status, returned_at
    FROM dossiers WHERE code = '000.00.15.H39-261115-0007'" \
    "Đăng ký kết hôn|+84 903 111 222|Bộ phận một cửa UBND xã Hòa Châu|10|2026-11-20T09:30:00" \
    "fixed row 261115-0007"
# Generated dossiers share the fixed rows' days without taking their codes.
expect "$db" "SELECT count(*) > 0 FROM dossiers
    WHERE code GLOB '000.00.12.H39-261120-*'
    AND code <> '000.00.12.H39-261120-0002'" 1 "no generated rows on 261120"

# --- reproducible ----------------------------------------------------
sh "$gen" --ref "$NOW" "$T/b.db" >"$T/b.out" 2>&1 ||
    fail "second run failed: $(cat "$T/b.out")"
codes='SELECT group_concat(code) FROM (SELECT code FROM dossiers ORDER BY code)'
[ "$(q "$T/a.db" "$codes" | cksum)" = "$(q "$T/b.db" "$codes" | cksum)" ] ||
    fail "codes differ between two runs"
[ "$(sqlite3 "$T/a.db" .dump | cksum)" = \
    "$(sqlite3 "$T/b.db" .dump | cksum)" ] ||
    fail "contents differ between two runs"
[ "$(sed 's/^[^:]*: //' "$T/a.out")" = "$(sed 's/^[^:]*: //' "$T/b.out")" ] ||
    fail "summaries differ between two runs"
cmp -s "$T/a.db" "$T/b.db" || fail "files differ between two runs"
# The environment variable pins it the same way; --ref comes first.
DOSSIERD_RECORDS_REF=$NOW sh "$gen" "$T/e.db" >"$T/e.out" 2>&1 ||
    fail "run with DOSSIERD_RECORDS_REF failed: $(cat "$T/e.out")"
cmp -s "$T/a.db" "$T/e.db" || fail "DOSSIERD_RECORDS_REF=$NOW differs from --ref"
DOSSIERD_RECORDS_REF=2027-03-01T09:00:00 sh "$gen" --ref="$NOW" "$T/e.db" \
    >"$T/e.out" 2>&1 || fail "--ref= failed: $(cat "$T/e.out")"
cmp -s "$T/a.db" "$T/e.db" || fail "--ref does not override DOSSIERD_RECORDS_REF"

# --- other reference moments: the same draws, later, nothing after it --
# timeline DB NOW: the generated rows' timestamps in order, none after NOW.
timeline()
{
	expect "$1" "SELECT count(*) FROM dossiers WHERE code NOT IN ($fixed)
	    AND (finished_at < received_at OR returned_at < finished_at
	    OR due_at < substr(received_at, 1, 10) OR updated_at < received_at
	    OR updated_at < finished_at OR updated_at < returned_at
	    OR max(received_at, ifnull(finished_at, ''),
	        ifnull(returned_at, ''), updated_at) > '$2')" 0 \
	    "timestamps out of order or after $2"
	expect "$1" "SELECT count(*) FROM dossiers WHERE
	    (status = 9 AND (finished_at IS NULL OR returned_at IS NOT NULL))
	    OR (status = 10 AND (finished_at IS NULL OR returned_at IS NULL))
	    OR (status IN (1, 2, 4, 5, 6) AND finished_at IS NOT NULL)" 0 \
	    "status inconsistent with timestamps (reference $2)"
	expect "$1" "SELECT count(*) FROM dossiers WHERE substr(code, 15, 6) <>
	    substr(replace(received_at, '-', ''), 3, 6)" 0 \
	    "code date != received day (reference $2)"
}
# Mid-morning (receptions end 10 minutes before), before the offices open
# (the day before is "today"), a Saturday, a year on.
for r in 2026-12-01T10:00:00 2026-12-01T07:00:00 2026-11-28T10:00:00 \
    2027-11-26T17:30:00; do
	sh "$gen" --ref "$r" "$T/r.db" >"$T/r.out" 2>&1 ||
	    fail "--ref $r failed: $(cat "$T/r.out")"
	grep -q "3004 dossiers (3000 generated + 4 fixed).*; reference moment $r\$" \
	    "$T/r.out" || fail "unexpected summary: $(cat "$T/r.out")"
	timeline "$T/r.db" "$r"
	expect "$T/r.db" "SELECT count(*) FROM dossiers WHERE code IN ($fixed)" 4 \
	    "fixed rows (reference $r)"
	expect "$T/r.db" "SELECT max(received_at) >= strftime('%Y-%m-%dT%H:%M:%S',
	        '$r', '-2 days')
	    AND max(received_at) < strftime('%Y-%m-%dT%H:%M:%S', '$r',
	        '-10 minutes')
	    FROM dossiers WHERE code NOT IN ($fixed)" 1 \
	    "newest dossier not in the 2 days before $r"
done
expect "$T/r.db" "SELECT min(received_at) >= '2027-05-28' FROM dossiers
    WHERE code NOT IN ($fixed)" 1 "dossiers older than 6 months (2027)"
# The fixed rows do not move.
rows="SELECT group_concat(r, ';') FROM (SELECT quote(code) || ',' ||
    quote(status) || ',' || quote(received_at) || ',' || quote(due_at) || ',' ||
    quote(finished_at) || ',' || quote(returned_at) || ',' || quote(updated_at)
    AS r FROM dossiers WHERE code IN ($fixed) ORDER BY code)"
expect "$T/r.db" "$rows" "$(q "$T/a.db" "$rows")" \
    "fixed rows moved with the reference moment"

# --- by default: close of business today, or now if earlier -----------
cob="SELECT min(strftime('%Y-%m-%dT%H:%M:00', 'now', 'localtime'),
    date('now', 'localtime') || 'T17:30:00')"
before=$(q :memory: "$cob")
sh "$gen" "$T/d.db" >"$T/d.out" 2>&1 ||
    fail "run without a reference moment failed: $(cat "$T/d.out")"
after=$(q :memory: "$cob")
dref=$(sed -n 's/.*; reference moment //p' "$T/d.out")
[ "$dref" = "$before" ] || [ "$dref" = "$after" ] ||
    fail "default reference moment '$dref', want '$before' (or '$after')"
timeline "$T/d.db" "$dref"
expect "$T/d.db" "SELECT max(received_at) >= date('now', 'localtime', '-3 days')
    AND max(received_at) <= strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime')
    FROM dossiers WHERE code NOT IN ($fixed)" 1 \
    "newest dossier not of the last days (by default)"
# What the demo needs: results ready within the default backfill window (3
# days) for dossierd's first scan, dossiers in progress due from today on.
expect "$T/d.db" "SELECT count(*) > 0 FROM dossiers WHERE status = 9
    AND finished_at >= date('now', 'localtime', '-3 days')
    AND notify_sms = 1" 1 "no result ready in the last 3 days (by default)"
expect "$T/d.db" "SELECT count(*) > 0 FROM dossiers WHERE status IN (2, 4)
    AND due_at >= date('now', 'localtime')" 1 \
    "nothing in progress due from today on (by default)"

# --- COUNT argument, rerun over an existing file, usage errors --------
sh "$gen" --ref "$NOW" "$T/a.db" 50 >"$T/c.out" 2>&1 ||
    fail "COUNT 50 failed: $(cat "$T/c.out")"
expect "$T/a.db" "SELECT count(*) FROM dossiers" 54 "COUNT 50 row count"
sh "$gen" --ref "$NOW" "$T/z.db" 0 >"$T/c.out" 2>&1 ||
    fail "COUNT 0 failed: $(cat "$T/c.out")"
expect "$T/z.db" "SELECT count(*) FROM dossiers" 4 "COUNT 0 row count"
for args in "" "$T/u.db 12x" "$T/u.db -1" "$T/u.db 1 2" "--ref" "--bogus $T/u.db" \
    "--ref 2026-11-26 $T/u.db" "--ref 2026-02-30T10:00:00 $T/u.db" \
    "--ref=2026-11-26T24:00:00 $T/u.db"; do
	# shellcheck disable=SC2086 # word splitting wanted
	sh "$gen" $args >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || fail "usage error '$args' exited $rc, want 2"
done
[ ! -e "$T/u.db" ] || fail "usage error created a file"

echo "PASS: records-gen-check: $(cat "$T/b.out")"
exit 0
