#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fill a fresh sample records database (etc/records-schema.sql) with
# realistic, reproducible dossiers of a few commune one-stop shops.
#
# usage: make-records.sh [--ref YYYY-MM-DDTHH:MM:SS] OUT.db [COUNT]
#
# OUT.db gets 4 fixed well-known dossiers (below; demos and tests use them)
# plus exactly COUNT generated ones (default 3000, at most 5000000), so
# COUNT + 4 rows. The output depends on COUNT and the reference moment
# only: a MINSTD generator (Park-Miller, x * 48271 mod 2^31-1) in a
# recursive CTE replaces random(), with fixed seeds, and every date of a
# generated dossier is relative to the reference moment, local time: the
# sample's "now", nothing is dated after it. The same COUNT and the same
# reference moment give the same database, byte for byte; another
# reference moment moves the same draws along the calendar.
#
# The reference moment is --ref, else the environment variable
# DOSSIERD_RECORDS_REF (the same format), else the close of business,
# 17:30 local time, of the day the script runs, or the current time (to
# the minute) when that is earlier. Not a fixed date: dossierd's first
# scan notices only the results ready since notices.backfill_days
# (default 3) days before today, and a sample dated some days back shows
# no notice and every dossier due in its "coming days" overdue. Not
# later than the current time: a result dated this evening would get a
# ready notice, and a lookup its status, before it exists, and the
# gateway's watermark would run ahead of the clock. Not always the
# current time either: the offices close at 17:30 (online dossiers
# after 17:20 are left out), and every run of an evening gives the same
# database. So, run at any hour, the sample has results finished in the
# last working days, waiting for pickup, and dossiers in progress due in
# the coming working days, a few of them overdue. The tests pin
# --ref 2026-11-26T17:30:00 (close of business on Thursday 26 November
# 2026, the fixed reference moment of earlier versions); so can a demo:
# DOSSIERD_RECORDS_REF=2026-11-26T17:30:00 make demo. The reference day
# ("today" of the sample) is the day of the reference moment, or the day
# before when the moment is before 07:30, when the offices open. The 4
# fixed dossiers (received in August 2024 and November 2026) never move.
# The summary line printed at the end names the reference moment.
#
# The offices: eight commune one-stop shops of one merged province (since
# July 2025 there is no district tier), named after communes of the Đà Nẵng
# area; agency codes V1V2V3.Z1Z2.Y1Y2.MX1X2 with province H39, illustrative.
# Dossiers are received over the last 183 days: at the counter on working
# days (Saturday mornings too), and online at any hour on any day; on the
# reference day only until 10 minutes before the reference moment. Codes are
# <agency>-YYMMDD-XXXX, XXXX the per-agency daily sequence in order of
# arrival, skipping the numbers the fixed dossiers hold. Processing times
# are counted in working days (Mon-Fri; 1-2 September, National Day, off
# every year);
# statuses follow from the timeline: old dossiers are mostly returned
# (10), results not yet collected are ready (9), recent ones in progress
# (1, 2, 4), and a few are refused, withdrawn, stopped, waiting for papers
# or fees (3, 7, 8, 5, 6) or stuck past their due date. Phone numbers are
# typed the way clerks type them: 0912345678, 0912 345 678, 0912.345.678,
# +84..., 84..., legacy 11-digit 0168..., landlines, empty or NULL;
# citizens come back, so one number can own several dossiers.
#
# Needs only the sqlite3 command-line tool (3.25 or later: window functions).
# The file is built beside OUT.db and renamed over it when complete.
set -eu

prog=${0##*/}

usage()
{
	echo "usage: $prog [--ref YYYY-MM-DDTHH:MM:SS] OUT.db [COUNT]" >&2
	echo "  (the reference moment: --ref, else \$DOSSIERD_RECORDS_REF, else" >&2
	echo "  17:30 local time today, or now if that is earlier)" >&2
	exit 2
}

ref=${DOSSIERD_RECORDS_REF:-}
while [ $# -gt 0 ]; do
	case $1 in
	--ref=*) ref=${1#--ref=}; shift ;;
	--ref) [ $# -ge 2 ] || usage; ref=$2; shift 2 ;;
	--) shift; break ;;
	-?*) usage ;;
	*) break ;;
	esac
done
case $ref in
'') ;;
[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]) ;;
*)
	echo "$prog: reference moment '$ref' is not YYYY-MM-DDTHH:MM:SS" >&2
	exit 2 ;;
esac

case $# in
1|2) ;;
*) usage ;;
esac
out=$1
count=${2:-3000}
case $count in
''|*[!0-9]*)
	usage ;;
esac
count=${count#"${count%%[!0]*}"}	# no leading zeros: not octal
count=${count:-0}
if [ ${#count} -gt 7 ] || [ "$count" -gt 5000000 ]; then
	echo "$prog: COUNT must be at most 5000000" >&2
	exit 2
fi

# The schema: etc/records-schema.sql in the source tree, or beside the
# script where both are installed ($(datadir)/dossierd).
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
schema=$here/../records-schema.sql
[ -r "$schema" ] || schema=$here/records-schema.sql
if [ ! -r "$schema" ]; then
	echo "$prog: records-schema.sql not found in $here/.. or $here" >&2
	exit 1
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "$prog: sqlite3 command-line tool not found" >&2
	exit 1
fi
if ! sqlite3 :memory: 'SELECT count(*) OVER () FROM (SELECT 1)' \
    >/dev/null 2>&1; then
	echo "$prog: sqlite3 too old (window functions need 3.25)" >&2
	exit 1
fi

tmp=$out.tmp.$$
trap 'rm -f -- "$tmp" "$tmp-journal"' EXIT
trap 'exit 1' HUP INT TERM
rm -f -- "$tmp" "$tmp-journal"

# NOW, the reference moment (nothing happens after it); REF, the reference
# day ("today" of the sample); L, the minutes from midnight of REF to 10
# minutes before NOW, the end of the receptions (more than 1440 when REF is
# the day before NOW). Without --ref or DOSSIERD_RECORDS_REF the clock is
# read here, once.
# shellcheck disable=SC2046 # three words wanted
set -- $(sqlite3 -batch -separator " " :memory: "SELECT n, date(n, '-450 minutes'),
    CAST(round((julianday(substr(n, 1, 16)) - julianday(date(n,
        '-450 minutes'))) * 1440) AS INTEGER) - 10
    FROM (SELECT CASE WHEN '$ref' <> '' THEN
        CASE WHEN strftime('%Y-%m-%dT%H:%M:%S', '$ref', '+0 days') = '$ref'
            THEN '$ref'
        END
    ELSE min(strftime('%Y-%m-%dT%H:%M:00', 'now', 'localtime'),
        date('now', 'localtime') || 'T17:30:00') END AS n)")
if [ $# -ne 3 ]; then
	echo "$prog: reference moment '$ref' is not a valid date and time" >&2
	exit 2
fi
NOW=$1				# reference moment: nothing happens after it
REF=$2				# reference day: "today" of the sample
L=$3				# receptions end: minute L of REF
# Counter receptions on REF: office minutes before minute L, mornings
# (07:30-11:30) and afternoons (13:30-17:00).
EM=$((L < 450 ? 0 : L < 690 ? L - 450 : 240))
EA=$((L < 810 ? 0 : L < 1020 ? L - 810 : 210))
# Online receptions on REF: from 06:00 up to minute L.
OSPAN=$((L - 360 < 1080 ? L - 360 : 1080))
M=2147483647			# MINSTD modulus, 2^31 - 1

# SQL expression: MINSTD output number $2 (1-based) of the run that
# starts at state column $1, i.e. $1 * 48271^($2-1) mod M.
d()
{
	case $2 in
	1) echo "($1)" ;;
	2) echo "($1 * 48271 % $M)" ;;
	3) echo "($1 * 182605794 % $M)" ;;
	4) echo "($1 * 1291394886 % $M)" ;;
	5) echo "($1 * 1914720637 % $M)" ;;
	6) echo "($1 * 2078669041 % $M)" ;;
	7) echo "($1 * 407355683 % $M)" ;;
	8) echo "($1 * 1105902161 % $M)" ;;
	9) echo "($1 * 854716505 % $M)" ;;
	10) echo "($1 * 564586691 % $M)" ;;
	11) echo "($1 * 1596680831 % $M)" ;;
	12) echo "($1 * 192302371 % $M)" ;;
	esac
}
STEP6=407355683			# 48271^6 mod M: a person uses 6 outputs
STEP12=1203428207		# 48271^12 mod M: a dossier uses 12 outputs

# SQL expression: a 'HH:MM:SS' office-hours time drawn from number $1;
# mornings 07:30-11:30 (60%), afternoons 13:30-17:00; mornings only if $2.
otime()
{
	m="(CASE WHEN $2 OR ($1) % 100 < 60 THEN 450 + ($1) / 100 % 240"
	m="$m ELSE 810 + ($1) / 100 % 210 END)"
	echo "printf('%02d:%02d:%02d', $m / 60, $m % 60, ($1) / 100000 % 60)"
}

# SQL expression: a 'HH:MM:SS' time on the reference day drawn from number
# $1 when the offices are still open at minute L: any of the EM + EA office
# minutes before L, uniformly.
ptime()
{
	m="(($1) / 100 % $((EM + EA > 0 ? EM + EA : 1)))"
	m="(CASE WHEN $m < 240 THEN 450 + $m ELSE 570 + $m END)"
	echo "printf('%02d:%02d:%02d', $m / 60, $m % 60, ($1) / 100000 % 60)"
}

# SQL expression: the working day with ordinal $1 (see table cal).
wday()
{
	echo "(SELECT day FROM wd WHERE ord = $1)"
}

# SQL expression: timestamp $1 plus $2 minutes.
plus()
{
	echo "strftime('%Y-%m-%dT%H:%M:%S', $1, '+' || ($2) || ' minutes')"
}

summary=$(
{
	echo "BEGIN;"
	cat -- "$schema"
	cat <<EOF
-- The fixed well-known dossiers, inserted first.
INSERT INTO dossiers (code, procedure, applicant, phone, office, status,
    received_at, due_at, finished_at, returned_at, notify_sms, updated_at)
VALUES
('000.00.12.H39-240824-0001', 'Đăng ký khai sinh', 'Nguyễn Thị Lan',
 '0912 345 678', 'Bộ phận một cửa UBND xã Hòa Tiến', 9,
 '2024-08-24T08:15:00', '2024-08-27', '2024-08-26T16:00:00', NULL, 1,
 '2024-08-26T16:00:00'),
('000.00.12.H39-261120-0002', 'Chứng thực bản sao', 'Trần Văn Hùng',
 '0987654321', 'Bộ phận một cửa UBND xã Hòa Tiến', 4,
 '2026-11-20T07:48:00', '2026-12-01', NULL, NULL, 1,
 '2026-11-24T10:12:00'),
('000.00.12.H39-261101-0003', 'Cấp giấy chứng nhận quyền sử dụng đất',
 'Lê Văn Phúc', '0168 123 4567', 'Bộ phận một cửa UBND xã Hòa Tiến', 4,
 '2026-11-01T21:14:00', '2026-11-15', NULL, NULL, 1,
 '2026-11-05T14:20:00'),
('000.00.15.H39-261115-0007', 'Đăng ký kết hôn', 'Phạm Minh Tuấn',
 '+84 903 111 222', 'Bộ phận một cửa UBND xã Hòa Châu', 10,
 '2026-11-15T19:02:00', '2026-11-17', '2026-11-17T10:45:00',
 '2026-11-20T09:30:00', 1, '2026-11-20T09:30:00');

-- Offices, weighted by the size of the commune.
CREATE TEMP TABLE ag (k INTEGER PRIMARY KEY, agency TEXT, office TEXT,
    w INTEGER, cum INTEGER);
INSERT INTO ag (k, agency, office, w) VALUES
(0, '000.00.11.H39', 'Trung tâm Phục vụ hành chính công xã Hòa Vang, 2 Hoàng Văn Thái', 16),
(1, '000.00.12.H39', 'Bộ phận một cửa UBND xã Hòa Tiến', 14),
(2, '000.00.13.H39', 'UBND xã Bà Nà, Bộ phận tiếp nhận và trả kết quả, thôn An Sơn', 6),
(3, '000.00.15.H39', 'Bộ phận một cửa UBND xã Hòa Châu', 10),
(4, '000.00.21.H39', 'Bộ phận một cửa xã Đại Lộc, 56 Hùng Vương', 16),
(5, '000.00.24.H39', 'UBND xã Duy Xuyên, 112 Trần Hưng Đạo', 14),
(6, '000.00.27.H39', 'Bộ phận một cửa UBND xã Thăng Bình, 35 Tiểu La', 16),
(7, '000.00.31.H39', 'Bộ phận một cửa xã Núi Thành, 201 Phan Châu Trinh', 12);
UPDATE ag SET cum = (SELECT sum(w) FROM ag a2 WHERE a2.k <= ag.k);

-- Procedures: processing time in working days, land (may wait for fees).
CREATE TEMP TABLE pr (k INTEGER PRIMARY KEY, name TEXT, days INTEGER,
    land INTEGER, w INTEGER, cum INTEGER);
INSERT INTO pr (k, name, days, land, w) VALUES
(0, 'Chứng thực bản sao từ bản chính giấy tờ, văn bản', 0, 0, 22),
(1, 'Chứng thực chữ ký trong giấy tờ, văn bản', 0, 0, 6),
(2, 'Đăng ký khai sinh', 1, 0, 10),
(3, 'Đăng ký khai tử', 1, 0, 3),
(4, 'Đăng ký kết hôn', 1, 0, 4),
(5, 'Cấp Giấy xác nhận tình trạng hôn nhân', 3, 0, 8),
(6, 'Cấp bản sao trích lục hộ tịch', 0, 0, 6),
(7, 'Đăng ký thường trú', 7, 0, 5),
(8, 'Đăng ký tạm trú', 3, 0, 3),
(9, 'Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu', 20, 1, 4),
(10, 'Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất', 10, 1, 4),
(11, 'Cấp giấy phép xây dựng nhà ở riêng lẻ', 15, 1, 2),
(12, 'Đăng ký thành lập hộ kinh doanh', 3, 0, 3),
(13, 'Đăng ký nhận cha, mẹ, con', 3, 0, 1),
(14, 'Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng', 15, 0, 2),
(15, 'Đăng ký lại khai sinh', 5, 0, 1);
UPDATE pr SET cum = (SELECT sum(w) FROM pr p2 WHERE p2.k <= pr.k);

-- Names: family names weighted (central Viet Nam), then uniform choices.
CREATE TEMP TABLE fam (k INTEGER PRIMARY KEY, name TEXT, w INTEGER,
    cum INTEGER);
INSERT INTO fam (k, name, w) VALUES
(0, 'Nguyễn', 31), (1, 'Trần', 11), (2, 'Lê', 10), (3, 'Phạm', 7),
(4, 'Huỳnh', 5), (5, 'Võ', 6), (6, 'Phan', 5), (7, 'Hoàng', 3),
(8, 'Hồ', 3), (9, 'Đặng', 2), (10, 'Bùi', 2), (11, 'Đỗ', 2),
(12, 'Ngô', 2), (13, 'Trương', 2), (14, 'Đoàn', 2), (15, 'Dương', 1),
(16, 'Lý', 1), (17, 'Mai', 1), (18, 'Lương', 1), (19, 'Tô', 1);
UPDATE fam SET cum = (SELECT sum(w) FROM fam f2 WHERE f2.k <= fam.k);
CREATE TEMP TABLE mid (sex INTEGER, k INTEGER, name TEXT,
    PRIMARY KEY (sex, k));
INSERT INTO mid VALUES
(0, 0, 'Văn'), (0, 1, 'Văn'), (0, 2, 'Văn'), (0, 3, 'Hữu'), (0, 4, 'Đức'),
(0, 5, 'Đình'), (0, 6, 'Quốc'), (0, 7, 'Công'), (0, 8, 'Thanh'),
(0, 9, 'Ngọc'), (0, 10, 'Xuân'), (0, 11, 'Trọng'),
(1, 0, 'Thị'), (1, 1, 'Thị'), (1, 2, 'Thị'), (1, 3, 'Thị'), (1, 4, 'Ngọc'),
(1, 5, 'Thu'), (1, 6, 'Thanh'), (1, 7, 'Kim'), (1, 8, 'Mỹ'),
(1, 9, 'Thị Thu'), (1, 10, 'Thị Ngọc'), (1, 11, 'Bảo');
CREATE TEMP TABLE giv (sex INTEGER, k INTEGER, name TEXT,
    PRIMARY KEY (sex, k));
INSERT INTO giv VALUES
(0, 0, 'Hùng'), (0, 1, 'Dũng'), (0, 2, 'Tuấn'), (0, 3, 'Minh'),
(0, 4, 'Nam'), (0, 5, 'Hải'), (0, 6, 'Long'), (0, 7, 'Phúc'),
(0, 8, 'Khoa'), (0, 9, 'Quang'), (0, 10, 'Sơn'), (0, 11, 'Tài'),
(0, 12, 'Thắng'), (0, 13, 'Trung'), (0, 14, 'Vinh'), (0, 15, 'Hoàng'),
(0, 16, 'Đạt'), (0, 17, 'Huy'), (0, 18, 'Lợi'), (0, 19, 'Tâm'),
(0, 20, 'Bảo'), (0, 21, 'Khánh'), (0, 22, 'Nghĩa'), (0, 23, 'Thành'),
(1, 0, 'Lan'), (1, 1, 'Hoa'), (1, 2, 'Hương'), (1, 3, 'Mai'),
(1, 4, 'Linh'), (1, 5, 'Trang'), (1, 6, 'Thảo'), (1, 7, 'Anh'),
(1, 8, 'Hằng'), (1, 9, 'Nhung'), (1, 10, 'Phương'), (1, 11, 'Thủy'),
(1, 12, 'Yến'), (1, 13, 'Vy'), (1, 14, 'Nhi'), (1, 15, 'Hạnh'),
(1, 16, 'Loan'), (1, 17, 'Dung'), (1, 18, 'Trinh'), (1, 19, 'Hiền'),
(1, 20, 'Ánh'), (1, 21, 'Diễm'), (1, 22, 'Oanh'), (1, 23, 'Quyên');

-- Mobile prefixes after the 2018 renumbering and the 11-digit prefix each
-- replaced (NULL: a prefix that never had one).
CREATE TEMP TABLE mp (k INTEGER PRIMARY KEY, pfx TEXT, old TEXT);
INSERT INTO mp VALUES
(0, '86', NULL), (1, '96', NULL), (2, '97', NULL), (3, '98', NULL),
(4, '32', '162'), (5, '33', '163'), (6, '34', '164'), (7, '35', '165'),
(8, '36', '166'), (9, '37', '167'), (10, '38', '168'), (11, '39', '169'),
(12, '91', NULL), (13, '94', NULL), (14, '81', '127'), (15, '82', '129'),
(16, '83', '123'), (17, '84', '124'), (18, '85', '125'), (19, '88', NULL),
(20, '90', NULL), (21, '93', NULL), (22, '89', NULL), (23, '70', '120'),
(24, '76', '126'), (25, '77', '122'), (26, '78', '128'), (27, '79', '121'),
(28, '92', NULL), (29, '56', '186'), (30, '58', '188'), (31, '99', NULL),
(32, '59', '199'), (33, '90', NULL), (34, '93', NULL), (35, '98', NULL);

-- Calendar around the reference day. work: a working day (Mon-Fri, not a
-- public holiday); ord: working days up to and including this day; wrecv:
-- weight of counter reception (Saturday: mornings only), 0 outside the
-- 183-day window.
CREATE TEMP TABLE cal (day TEXT PRIMARY KEY, dow INTEGER, work INTEGER,
    wrecv INTEGER, ord INTEGER, cum INTEGER);
WITH RECURSIVE c(n) AS (
	SELECT -200 UNION ALL SELECT n + 1 FROM c WHERE n < 200
), d AS (
	SELECT n, date('$REF', n || ' days') AS day,
	    CAST(strftime('%w', date('$REF', n || ' days')) AS INTEGER) AS dow
	FROM c
), w AS (
	SELECT n, day, dow,
	    (dow BETWEEN 1 AND 5 AND substr(day, 6) NOT IN ('09-01', '09-02'))
	    AS work
	FROM d
), r AS (
	SELECT n, day, dow, work,
	    CASE WHEN n NOT BETWEEN -182 AND 0 THEN 0
	        WHEN work AND (n < 0 OR $L >= 1020) THEN 10
	        WHEN work THEN CAST(round(10 * (0.6 * $EM / 240
	            + 0.4 * $EA / 210)) AS INTEGER)
	        WHEN dow = 6 AND (n < 0 OR $L >= 690) THEN 2
	        WHEN dow = 6 THEN CAST(round(2.0 * $EM / 240) AS INTEGER)
	        ELSE 0 END AS wrecv
	FROM w
)
INSERT INTO cal
SELECT day, dow, work, wrecv,
    sum(work) OVER (ORDER BY n), sum(wrecv) OVER (ORDER BY n)
FROM r;
CREATE INDEX cal_cum ON cal (cum, day);
CREATE TEMP TABLE wd (ord INTEGER PRIMARY KEY, day TEXT);
INSERT INTO wd SELECT ord, day FROM cal WHERE work;

-- People: a pool smaller than the dossiers, so some come back.
CREATE TEMP TABLE person (pid INTEGER PRIMARY KEY, kind INTEGER,
    name TEXT, nsn TEXT, pfx INTEGER);
WITH RECURSIVE g(pid, x) AS (
	SELECT 0, 1179 WHERE $count > 0
	UNION ALL
	SELECT pid + 1, x * $STEP6 % $M FROM g
	WHERE pid + 1 < max(1, $count * 3 / 4)
), v AS (
	SELECT pid, $(d x 1) % 100 AS kind, $(d x 2) % 2 AS sex,
	    $(d x 3) AS v3, $(d x 4) AS v4, $(d x 5) AS v5, $(d x 6) AS v6
	FROM g
)
INSERT INTO person
SELECT pid,
    CASE WHEN kind < 90 THEN 0 WHEN kind < 95 THEN 1 ELSE 2 END,
    (SELECT name FROM fam WHERE cum > v3 % (SELECT max(cum) FROM fam)
        ORDER BY cum LIMIT 1) || ' ' ||
    (SELECT name FROM mid WHERE mid.sex = v.sex AND k = v4 % 12) || ' ' ||
    (SELECT name FROM giv WHERE giv.sex = v.sex AND k = v5 % 24),
    CASE WHEN kind < 90 THEN
        (SELECT pfx FROM mp WHERE k = v6 % 36) || printf('%07d', v3 % 10000000)
    WHEN kind < 95 THEN
        CASE WHEN v6 % 10 < 6 THEN '2363' || printf('%06d', v4 % 1000000)
        WHEN v6 % 10 < 9 THEN '2353' || printf('%06d', v4 % 1000000)
        ELSE '243' || printf('%07d', v4 % 10000000) END
    END,
    v6 % 36
FROM v;

-- Dossiers, stage 1: the draws.
CREATE TEMP TABLE g1 (i INTEGER PRIMARY KEY, ag INTEGER, online INTEGER,
    rday TEXT, rmin INTEGER, pr INTEGER, pid INTEGER, fmt INTEGER,
    notify INTEGER, bucket INTEGER, e1, e2, e3, e4, e5, e6);
WITH RECURSIVE g(i, x) AS (
	SELECT 1, 20261126 WHERE $count > 0
	UNION ALL
	SELECT i + 1, x * $STEP12 % $M FROM g WHERE i < $count
), v AS (
	SELECT i, $(d x 1) AS a, $(d x 2) AS b, $(d x 3) AS c,
	    $(d x 4) AS e0, $(d x 5) AS e1, $(d x 6) AS e2, $(d x 7) AS e3,
	    $(d x 8) AS e4, $(d x 9) AS e5, $(d x 10) AS e6, $(d x 11) AS f,
	    $(d x 12) AS h
	FROM g
)
INSERT INTO g1
SELECT i,
    (SELECT k FROM ag WHERE cum > a % (SELECT max(cum) FROM ag)
        ORDER BY cum LIMIT 1),
    b % 100 < 8,
    CASE WHEN b % 100 < 8 THEN date('$REF', '-' || (c % 183) || ' days')
    ELSE (SELECT day FROM cal WHERE cum > c % (SELECT max(cum) FROM cal)
        ORDER BY cum, day LIMIT 1) END,
    e0,
    (SELECT k FROM pr WHERE cum > f % (SELECT max(cum) FROM pr)
        ORDER BY cum LIMIT 1),
    h % max(1, $count * 3 / 4),
    f / 1000 % 100,
    a / 1000 % 100 < 93,
    b / 1000 % 1000,
    e1, e2, e3, e4, e5, e6
FROM v;

-- Stage 2: received_at; dord, the working days up to the day received;
-- rord, the working day the clock starts (the next one for Saturdays,
-- holidays and online dossiers sent after hours); age in days.
CREATE TEMP TABLE g2 (i INTEGER PRIMARY KEY, ag INTEGER, online INTEGER,
    rday TEXT, dow INTEGER, rts TEXT, dord INTEGER, rord INTEGER,
    pr INTEGER, days INTEGER, land INTEGER, pid INTEGER, fmt INTEGER,
    notify INTEGER, bucket INTEGER, age INTEGER, e1, e2, e3, e4, e5, e6);
INSERT INTO g2
SELECT i, ag, online, rday, dow, rts, ord,
    CASE WHEN work AND (NOT online OR substr(rts, 12) < '17:00:00')
    THEN ord ELSE ord + 1 END,
    g1.pr, pr.days, pr.land, pid, fmt, notify, bucket,
    CAST(julianday('$REF') - julianday(rday) AS INTEGER),
    e1, e2, e3, e4, e5, e6
FROM (SELECT g1.*, cal.work, cal.ord, cal.dow, rday || 'T' || CASE
        WHEN NOT online AND rday = '$REF'
            AND $L < CASE cal.dow WHEN 6 THEN 690 ELSE 1020 END
            THEN $(ptime rmin)
        WHEN NOT online THEN $(otime rmin "cal.dow = 6")
        ELSE printf('%02d:%02d:%02d',
            (360 + rmin % CASE WHEN rday = '$REF' THEN $OSPAN ELSE 1080 END) / 60,
            (360 + rmin % CASE WHEN rday = '$REF' THEN $OSPAN ELSE 1080 END) % 60,
            rmin / 100000 % 60) END AS rts
    FROM g1 JOIN cal ON cal.day = g1.rday) g1
JOIN pr ON pr.k = g1.pr;

-- Stage 3: fin, when processing finished (same day at the counter while
-- the office is open, else on a later working day; late for 8%); ev, when
-- a step happened (refusal, request for papers or fees, withdrawal, stop,
-- start of processing). Each timestamp stays after the one it follows.
CREATE TEMP TABLE g3 (i INTEGER PRIMARY KEY, fin TEXT, ev TEXT);
INSERT INTO g3
SELECT i,
    max(CASE WHEN foff = 0 AND NOT online
            AND substr(sd, 12) <= CASE dow WHEN 6 THEN '11:30:00'
                ELSE '17:00:00' END THEN sd
        WHEN foff = 0 THEN $(wday "dord + 1") || 'T' || $(otime e2 0)
        ELSE $(wday "rord + foff") || 'T' || $(otime e2 0) END,
        $(plus rts 10)),
    max($(wday "rord + CASE
            WHEN bucket < 40 THEN e5 % (days + 1)
            WHEN bucket < 65 THEN min(1, days) + e5 % 2
            WHEN bucket < 90 THEN 1 + e5 % 3
            ELSE days / 2 END") || 'T' || $(otime e6 0),
        $(plus rts 10))
FROM (SELECT i, online, dow, rts, dord, rord, days, bucket, e2, e5, e6,
        $(plus rts "10 + e2 % 90") AS sd, CASE
        WHEN days = 0 THEN e1 % 10 = 9
        WHEN e1 % 100 < 8 THEN days + 1 + e1 / 100 % 10
        ELSE days - e1 / 100 % (days / 2 + 1) END AS foff
    FROM g2);

-- Stage 4: ret, when the result was collected (35%: while the office is
-- still open that day, 10%: not yet); refused, when a refused dossier was
-- handed back; the status as of the reference moment (a dossier refused
-- only after it is still in progress). Open dossiers older than 90 days
-- were stopped or finished.
CREATE TEMP TABLE g4 (i INTEGER PRIMARY KEY, ret TEXT, refused TEXT,
    status INTEGER);
INSERT INTO g4
SELECT i, ret, CASE WHEN online THEN ev ELSE $(plus rts "5 + e5 % 20") END,
    CASE
    WHEN age <= 1 AND e6 % 100 < 15 THEN 1
    WHEN bucket < 15 THEN CASE WHEN (CASE WHEN online THEN ev
        ELSE $(plus rts "5 + e5 % 20") END) <= '$NOW' THEN 3 ELSE 4 END
    WHEN bucket < 30 THEN CASE WHEN ev <= '$NOW' THEN 7 ELSE 4 END
    WHEN bucket < 40 OR (bucket < 65 AND age > 90) THEN
        CASE WHEN ev <= '$NOW' THEN 8 ELSE 4 END
    WHEN bucket < 65 THEN CASE WHEN ev <= '$NOW' THEN 5 ELSE 2 END
    WHEN bucket < 90 AND age <= 90 THEN 4
    WHEN land AND bucket < 250 AND age <= 60 THEN
        CASE WHEN ev <= '$NOW' THEN 6 ELSE 4 END
    WHEN fin > '$NOW' THEN
        CASE WHEN rord >= (SELECT ord FROM cal WHERE day = '$REF')
            AND e5 % 2 = 0 THEN 2 ELSE 4 END
    WHEN ret IS NULL OR ret > '$NOW' THEN 9
    ELSE 10 END
FROM (SELECT i, online, rts, age, bucket, land, rord, e5, e6, fin, ev, CASE
        WHEN e3 % 100 < 10 THEN NULL
        WHEN e3 % 100 < 45 AND substr(sr, 12) <= CASE
            strftime('%w', fin) WHEN '6' THEN '11:30:00'
            ELSE '17:00:00' END THEN sr
        ELSE max($(wday "(SELECT ord FROM cal WHERE day = substr(fin, 1, 10))
            + CASE WHEN e3 % 100 < 80 THEN 1 + e3 / 100 % 5
            ELSE 6 + e3 / 100 % 20 END") || 'T' || $(otime e4 0),
            $(plus fin 5)) END AS ret
    FROM (SELECT g2.*, fin, ev, $(plus fin "5 + e4 % 85") AS sr
        FROM g2 JOIN g3 USING (i)));

-- Stage 5: codes. The n-th arrival of an agency's day gets the n-th
-- sequence number not held by an existing (fixed) dossier: with the held
-- numbers s_0 < s_1 < ... that is n + #{j : s_j - j <= n}.
CREATE TEMP TABLE held (agency TEXT, ymd TEXT, key INTEGER);
INSERT INTO held
SELECT substr(code, 1, 13), substr(code, 15, 6),
    CAST(substr(code, 22, 4) AS INTEGER) - (row_number() OVER (
        PARTITION BY substr(code, 1, 20)
        ORDER BY substr(code, 22, 4)) - 1)
FROM dossiers;
CREATE INDEX held_k ON held (agency, ymd, key);
CREATE TEMP TABLE final (i INTEGER PRIMARY KEY, code TEXT UNIQUE,
    seq INTEGER CHECK (seq BETWEEN 1 AND 9999), procedure TEXT,
    applicant TEXT, phone TEXT, office TEXT, status INTEGER,
    received_at TEXT, due_at TEXT, finished_at TEXT, returned_at TEXT,
    notify_sms INTEGER, updated_at TEXT);
INSERT INTO final
SELECT i, agency || '-' || ymd || '-' || printf('%04d', seq), seq,
    procedure, applicant, phone, office, status, received_at, due_at,
    finished_at, returned_at, notify_sms, updated_at
FROM (SELECT *, rn + (SELECT count(*) FROM held h WHERE h.agency = q.agency
        AND h.ymd = q.ymd AND h.key <= rn) AS seq
    FROM (SELECT g2.i, ag.agency, substr(replace(rday, '-', ''), 3) AS ymd,
        row_number() OVER (PARTITION BY g2.ag, rday ORDER BY rts, g2.i)
            AS rn,
        pr.name AS procedure, p.name AS applicant,
        CASE p.kind
        WHEN 2 THEN CASE WHEN fmt % 3 = 0 THEN '' END
        WHEN 1 THEN CASE WHEN fmt < 50 THEN '0' || p.nsn
            WHEN p.nsn LIKE '24%' THEN '024 ' || substr(p.nsn, 3, 4) || ' '
                || substr(p.nsn, 7, 4)
            ELSE '0' || substr(p.nsn, 1, 3) || ' ' || substr(p.nsn, 4, 3)
                || ' ' || substr(p.nsn, 7, 4) END
        ELSE CASE
            WHEN fmt < 3 THEN NULL
            WHEN fmt < 5 THEN ''
            WHEN fmt < 45 THEN '0' || p.nsn
            WHEN fmt < 60 THEN '0' || substr(p.nsn, 1, 3) || ' '
                || substr(p.nsn, 4, 3) || ' ' || substr(p.nsn, 7, 3)
            WHEN fmt < 64 THEN '0' || substr(p.nsn, 1, 3) || '.'
                || substr(p.nsn, 4, 3) || '.' || substr(p.nsn, 7, 3)
            WHEN fmt < 72 THEN '+84' || p.nsn
            WHEN fmt < 75 THEN '+84 ' || substr(p.nsn, 1, 3) || ' '
                || substr(p.nsn, 4, 3) || ' ' || substr(p.nsn, 7, 3)
            WHEN fmt < 80 THEN '84' || p.nsn
            WHEN fmt < 84 AND mp.old IS NOT NULL THEN
                '0' || mp.old || substr(p.nsn, 3)
            WHEN fmt < 86 AND mp.old IS NOT NULL THEN
                '0' || mp.old || ' ' || substr(p.nsn, 3, 3) || ' '
                || substr(p.nsn, 6, 4)
            ELSE '0' || p.nsn END
        END AS phone,
        ag.office, status, rts AS received_at,
        CASE WHEN status IN (1, 3) THEN NULL
            ELSE $(wday "rord + g2.days") END AS due_at,
        CASE WHEN status = 3 THEN refused
            WHEN status IN (7, 8) THEN ev
            WHEN status IN (9, 10) THEN fin END AS finished_at,
        CASE WHEN status = 10 THEN ret END AS returned_at,
        notify AS notify_sms,
        CASE WHEN status = 1 THEN rts
            WHEN status = 3 THEN refused
            WHEN status IN (2, 4) THEN
                CASE WHEN ev <= '$NOW' THEN ev ELSE $(plus rts 5) END
            WHEN status IN (5, 6, 7, 8) THEN ev
            WHEN status = 9 THEN fin
            ELSE ret END AS updated_at
    FROM g2 JOIN g3 USING (i) JOIN g4 USING (i)
    JOIN ag ON ag.k = g2.ag JOIN pr ON pr.k = g2.pr
    JOIN person p ON p.pid = g2.pid LEFT JOIN mp ON mp.k = p.pfx) q);

-- Rows in order of arrival, as the records software would have written them.
INSERT INTO dossiers (code, procedure, applicant, phone, office, status,
    received_at, due_at, finished_at, returned_at, notify_sms, updated_at)
SELECT code, procedure, applicant, phone, office, status, received_at,
    due_at, finished_at, returned_at, notify_sms, updated_at
FROM final ORDER BY received_at, code;
COMMIT;

WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 10)
SELECT (SELECT count(*) FROM dossiers) || ' dossiers (' || $count
    || ' generated + ' || ((SELECT count(*) FROM dossiers) - $count)
    || ' fixed); by status '
    || (SELECT group_concat(v || ':' || n, ' ') FROM (SELECT v,
        (SELECT count(*) FROM dossiers WHERE status = v) AS n
        FROM s ORDER BY v))
    || '; overdue (open, past due_at) ' || (SELECT count(*) FROM dossiers
        WHERE due_at < substr('$NOW', 1, 10) AND status IN (1, 2, 4, 5, 6))
    || '; reference moment $NOW';
EOF
} | sqlite3 -batch -bail "$tmp"
)
rm -f -- "$out-journal" "$out-wal"
mv -f -- "$tmp" "$out"
echo "$out: $summary"
