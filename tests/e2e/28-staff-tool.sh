#!/bin/sh
# dossierctl as office staff use it, over libgammu's AT driver and the fake modem:
# send with a preview equal to what the modem then receives (unquoted words, no
# terminal refused, a confirmation typed in a real pty, --wait); lookup equal to
# the real reply for the owner and for anyone else, leaving limits and the audit
# untouched; history across a lookup, its reply, a notice, a broadcast and a staff
# message, and show; retry of a message that may have reached the phone asks first;
# Vietnamese output under LANG=vi_VN.UTF-8 and English otherwise; table columns
# measured in display width with Vietnamese text.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
DCTL="$DOSSIERCTL -c $T/d.conf"
OWNER=+84912000001 OTHER=+84913000002
locale -a 2>/dev/null | grep -qi '^vi_VN\.utf-\?8$' ||
    fail "the vi_VN.UTF-8 locale is missing (sh .ci/install-deps generates it)"
command -v script >/dev/null || fail "script(1) (util-linux) is missing"

empty_records
days_ago() { date -d "$1 days ago" '+%Y-%m-%dT%H:%M:%S'; }
# One dossier ready yesterday (a notice to its owner), one in progress.
rsql "INSERT INTO dossiers (code, procedure, applicant, phone, office, status, due_at, finished_at, updated_at)
    VALUES ('000.00.12.H39-261120-0001', 'Chứng thực bản sao', 'Nguyễn Văn A', '0912000001', 'Bộ phận một cửa UBND xã Hòa Tiến', 9, '2026-12-20', '$(days_ago 1)', '$(days_ago 1)'),
           ('000.00.12.H39-261125-0002', 'Đăng ký khai sinh', 'Trần Thị B', '0912000001', 'Bộ phận một cửa UBND xã Hòa Tiến', 4, '2026-12-20', '', '$(days_ago 1)')"
start_fakemodem
FAULT_SMS="per_minute = 600; charset = \"ascii\"; max_parts = 3;"
FAULT_EXTRA='staff = { numbers = [ "0912999999" ]; pin = "2468"; };'
write_fault_conf
start_fault_daemon
wait_for 20 "[ \"\$(sent_to $OWNER)\" -ge 1 ]" || fail "no ready notice to the owner"

# --- lookup before any SMS: the exact replies, nothing sent, nothing counted.
audit0=$(sql "SELECT count(*) FROM audit") out0=$(sql "SELECT count(*) FROM outbox")
LANG=C $DCTL lookup HS 000.00.12.H39-261125-0002 >"$T/lookup.txt" || fail "lookup: $(cat "$T/lookup.txt")"
cat "$T/lookup.txt"
$DCTL lookup HS 000.00.12.H39-261125-0002 --json >"$T/lookup.json" || fail "lookup --json"
for i in 1 2 3 4 5 6 7 8; do $DCTL lookup 000.00.12.H39-261125-000$i >/dev/null || fail "lookup $i"; done
[ "$(sql "SELECT count(*) FROM audit")" = "$audit0" ] || fail "lookup wrote to the audit"
[ "$(sql "SELECT count(*) FROM outbox")" = "$out0" ] || fail "lookup queued a message"
# Now the real thing: the same text from the owner and from someone else.
fm inject from=$OWNER text="HS 000.00.12.H39-261125-0002" >/dev/null || fail "inject"
fm inject from=$OTHER text="HS 000.00.12.H39-261125-0002" >/dev/null || fail "inject"
wait_for 20 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE inbox_id IS NOT NULL AND state = 'sent'\")\" = 2 ]" ||
    fail "the two lookups were not answered: $(sql "SELECT id, number, state FROM outbox")"
python3 - "$T/lookup.json" "$(sql "SELECT text FROM outbox WHERE number = '$OWNER' AND inbox_id IS NOT NULL")" \
    "$(sql "SELECT text FROM outbox WHERE number = '$OTHER' AND inbox_id IS NOT NULL")" <<'PY' || fail "lookup differs from the real replies (above)"
import json, sys
d = json.load(open(sys.argv[1]))
views = {v["view"]: v for v in d["views"]}
assert views["owner"]["from"] == "+84912000001", views
assert views["owner"]["replies"] == [sys.argv[2]], (views["owner"], sys.argv[2])
assert views["other"]["replies"] == [sys.argv[3]], (views["other"], sys.argv[3])
assert sys.argv[2] != sys.argv[3], "owner and non-owner replies should differ (procedure name)"
print("lookup: owner view == real reply (%d chars), other view == real reply (%d chars)" % (len(sys.argv[2]), len(sys.argv[3])))
PY
assert_contains "$(cat "$T/lookup.txt")" "From the owner's number +84912000001"
assert_contains "$(cat "$T/lookup.txt")" "Nothing was sent"

# --- send: unquoted words; no terminal and no --yes: refused, nothing queued.
n0=$(sql "SELECT count(*) FROM outbox")
if out=$(LANG=C $DCTL send 0913 000 002 Kết quả hồ sơ đã có 2>&1 </dev/null); then fail "send without a number accepted: $out"; fi
if out=$(LANG=C $DCTL send 0913000002 Kết quả hồ sơ của anh đã có, mời đến nhận 2>&1 </dev/null); then
	fail "send without a terminal and without --yes queued: $out"
fi
assert_contains "$out" "not sent: confirm on a terminal, or add --yes"
[ "$(sql "SELECT count(*) FROM outbox")" = "$n0" ] || fail "a refused send queued something"
# Typed confirmation in a real pty, in Vietnamese ("c" = có).
printf 'c\n' | LANG=vi_VN.UTF-8 script -qec "$DCTL send 0913000002 Kết quả hồ sơ của anh đã có, mời đến nhận" /dev/null >"$T/send.pty" 2>&1 ||
    fail "send confirmed in a pty: $(cat "$T/send.pty")"
cat "$T/send.pty"
[ "$(sql "SELECT count(*) FROM outbox WHERE lane = 1")" = 1 ] || fail "the confirmed send was not queued"
# --wait: the outcome; the preview's text is exactly what the modem receives.
LANG=C $DCTL send --yes --wait 0913000002 Kết quả hồ sơ của anh đã có, mời đến nhận tại Bộ phận một cửa >"$T/send.txt" 2>&1 ||
    fail "send --wait: $(cat "$T/send.txt")"
cat "$T/send.txt"
assert_contains "$(cat "$T/send.txt")" "diacritics are removed"
assert_contains "$(tail -1 "$T/send.txt")" ": sent."
preview=$(sed -n 's/^Text:    //p' "$T/send.txt")
[ "$preview" = "Ket qua ho so cua anh da co, moi den nhan tai Bo phan mot cua" ] || fail "preview: $preview"
fm_text $OTHER | python3 -c '
import json, sys
want = sys.argv[1]
got = [m["text"] for m in map(json.loads, sys.stdin) if m.get("complete")]
assert want in got, (want, got)
print("send: the preview is what the modem received:", want)' "$preview" || fail "the modem received something else than the preview"

# --- broadcast to the owner, then history across everything.
printf '0912000001\n' > "$T/nums.txt"
$DCTL broadcast --numbers "$T/nums.txt" --text "Bo phan mot cua nghi le ngay 02/09" --yes >/dev/null || fail "broadcast"
wait_for 20 "[ \"\$(sent_to $OWNER)\" -ge 3 ]" || fail "broadcast not sent: $(texts_to $OWNER)"
$DCTL history 0912000001 --json >"$T/hist.json" || fail "history --json"
python3 - "$T/hist.json" <<'PY' || fail "history (above)"
import json, sys
d = json.load(open(sys.argv[1]))
kinds = [("in" if m["direction"] == "in" else m["lane"] + ("/b" if m["broadcast_id"] else ""))
         for m in d["messages"]]
assert d["number"] == "+84912000001", d["number"]
for k in ("notice", "in", "reply", "broadcast/b"):
    assert k in kinds, (k, kinds)
assert all(m["state"] == "sent" for m in d["messages"] if m["direction"] == "out"), d
assert d["total"] == len(d["messages"]), d
ats = [m["at"] for m in d["messages"]]
assert ats == sorted(ats), ats
print("history:", " ".join(kinds))
PY
COLUMNS=100 LANG=C $DCTL history +84 912 000 001 >/dev/null 2>&1 && fail "history with a split number accepted"
COLUMNS=100 LANG=C $DCTL history 84912000001 >"$T/hist.txt" || fail "history (84...)"
cat "$T/hist.txt"
assert_contains "$(cat "$T/hist.txt")" "Messages from and to +84912000001"
$DCTL history 0912000001 --limit 2 >"$T/hist2.txt" || fail "history --limit"
assert_contains "$(cat "$T/hist2.txt")" "more, use --limit"
in_id=$(sql "SELECT id FROM inbox WHERE sender = '$OWNER' LIMIT 1")
LANG=C $DCTL show "i$in_id" >"$T/show.txt" || fail "show i$in_id"
assert_contains "$(cat "$T/show.txt")" "HS 000.00.12.H39-261125-0002"
out_id=$(sql "SELECT id FROM outbox WHERE number = '$OWNER' AND inbox_id IS NOT NULL")
LANG=C $DCTL show "$out_id" >"$T/show2.txt" || fail "show $out_id"
assert_contains "$(cat "$T/show2.txt")" "Answers:      i$in_id"

# --- retry of a message that may have reached the phone asks first.
sql "UPDATE outbox SET state = 'uncertain' WHERE id = $out_id"
if out=$(LANG=C $DCTL retry "$out_id" 2>&1 </dev/null); then fail "retry of an uncertain message did not ask: $out"; fi
assert_contains "$out" "may already have reached the phone"
[ "$(sql "SELECT state FROM outbox WHERE id = $out_id")" = uncertain ] || fail "a refused retry queued it"
LANG=C $DCTL retry "$out_id" --yes >/dev/null || fail "retry --yes"
wait_for 20 "[ \"\$(sql \"SELECT state FROM outbox WHERE id = $out_id\")\" = sent ]" || fail "retried message not sent"

# --- Vietnamese and English; display-width columns with Vietnamese text.
stop_daemon	# what is queued now stays waiting, for the listing
queue_send 0913000002 "Thông báo: hồ sơ đăng ký khai sinh của chị đã có kết quả, mời đến nhận"
for i in 1 2 3; do queue_send 091300000$i "Kết quả hồ sơ số $i: đã có, mời đến Bộ phận một cửa UBND xã Hòa Tiến"; done
COLUMNS=100 LANG=vi_VN.UTF-8 $DCTL queue >"$T/queue.vi" || fail "queue (vi)"
COLUMNS=100 LANG=C $DCTL queue >"$T/queue.en" || fail "queue (en)"
cat "$T/queue.vi"
LANG=vi_VN.UTF-8 $DCTL status >"$T/status.vi" || fail "status (vi)"
LANG=C $DCTL status >"$T/status.en" || fail "status (en)"
assert_contains "$(cat "$T/status.en")" "last send:"
grep -q "last send:" "$T/status.vi" && fail "status under vi_VN is still English: $(cat "$T/status.vi")"
grep -q "NỘI DUNG" "$T/queue.vi" || fail "queue headings not Vietnamese: $(head -1 "$T/queue.vi")"
python3 - "$T/queue.vi" "$T/queue.en" <<'PY' || fail "queue columns misaligned (above)"
import sys, unicodedata
def width(s):
    w = 0
    for ch in s:
        if unicodedata.combining(ch): continue
        w += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return w
for path in sys.argv[1:]:
    lines = [l.rstrip("\n") for l in open(path, encoding="utf-8")]
    rows = [l for l in lines if l[:1].isdigit()]
    assert len(rows) >= 3, lines
    for l in lines:
        assert width(l) <= 100, (width(l), l)
    # The text column starts at the same display column on every row: the
    # number column (a +84 number) ends at the same place.
    ends = {width(l[:l.index("+84") + 12]) for l in rows}
    assert len(ends) == 1, (ends, rows)
    assert any("…" in l for l in rows), "no long text was ellipsised"
print("queue: %d rows, aligned in display width, at most 100 columns" % len(rows))
PY
# Colours only on a terminal, never with NO_COLOR.
esc=$(printf '\033[')
TERM=xterm script -qec "$DCTL queue" /dev/null | grep -qF "$esc" || fail "no colours on a terminal"
TERM=xterm NO_COLOR=1 script -qec "$DCTL queue" /dev/null | grep -qF "$esc" && fail "colours despite NO_COLOR"
grep -qF "$esc" "$T/queue.en" && fail "colours in a pipe"
LANG=vi_VN.UTF-8 $DCTL frobnicate 2>"$T/usage.vi"; [ $? = 2 ] || fail "usage exit code"
assert_contains "$(cat "$T/usage.vi")" "cách dùng"
$DCTL --help-all 2>&1 | grep -q "inject" || fail "--help-all does not show inject"
$DCTL frobnicate 2>&1 | grep -q "inject" && fail "the staff usage shows inject"
echo "28-staff-tool: ok"
