#!/bin/sh
# Hostile SMS through the real daemon on libgammu's AT driver and the fake modem:
# lone UTF-16 surrogates, 8-bit and binary data (a WAP push, a port-addressed
# UDH), a flash SMS, empty texts, 1,600-character multiparts (GSM-7, and UCS-2
# past the 4,095-byte limit on a reassembled text), a multipart with a part that
# never comes (handled as it is after sms.multipart_timeout), parts and whole
# messages delivered twice, NUL (UCS-2 U+0000, GSM-7 '@' = septet 0), SQL and
# format strings, right-to-left and emoji text, a 40-digit and alphanumeric
# senders (never answered), status reports stored like an SMS. Each gets the
# outcome asserted in the table below; afterwards the daemon is the same
# process, the records database is byte-identical, every inbox row is handled,
# every text in the inbox is UTF-8, no reply carries a dossier to a request
# that did not name it, nothing is left on the SIM, no sanitizer report; then a
# genuine lookup is still answered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
need sha256sum
PDU="python3 $top_srcdir/tests/e2e/hostile-pdu.py"
C1=000.00.12.H39-240824-0001 C3=000.00.12.H39-261101-0003
HELP="Tra cuu ho so: soan ma ho so" SYNTAX="Chua dung cu phap"
R1="Ho so $C1: Dang xu ly" R3="Ho so $C3: Can bo sung ho so"
OWNER=+84912345678
# ucs2 TEXT: the text as UCS-2 (UTF-16BE) hex
ucs2() { python3 -c 'import sys; print(sys.argv[1].encode("utf-16-be").hex().upper())' "$1"; }
# expect SENDER KIND OUTCOME REPLIES [TEXT-IN-EVERY-REPLY]: one inbox row, as handled
expect() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >> "$T/expect"; }
# inject_pdu NAME PDU
inject_pdu() { fm inject_pdu "pdu=$2" >/dev/null || fail "fake modem: inject_pdu $1"; }
# finj NAME ARGS...: fakemodem inject
finj() { _n=$1; shift; fm inject "$@" >/dev/null || fail "fake modem: inject $_n"; }

empty_records
rsql "INSERT INTO dossiers (code, procedure, applicant, phone, office, status, due_at, updated_at) VALUES
    ('$C1', 'Đăng ký khai sinh', 'Nguyễn Thị Lan', '0912345678', 'UBND xã Hòa Tiến', 4, '2027-01-20', '2026-01-05T08:00:00'),
    ('$C3', 'Cấp giấy chứng nhận quyền sử dụng đất', 'Trần Văn Hùng', '0987000003', 'UBND xã Hòa Tiến', 5, '2027-01-20', '2026-01-05T08:00:00')" ||
    fail "records"
records_sum=$(sha256sum < "$T/records.db")
start_fakemodem
# multipart_timeout at its minimum (lib/conf.c): the lone parts are flushed within 25 s.
FAULT_SMS="per_minute = 600; retry_initial = 1; retry_max = 2; multipart_timeout = 10;"
FAULT_LOG_LEVEL=debug	# full numbers and more paths through the logger
write_fault_conf
start_fault_daemon
pid=$DPID

# --- 5. A multipart whose part 2 never comes: part 1 and 3 handled as they are
# after the timeout (first, so that the wait overlaps the rest).
drop="$(python3 -c 'import sys; print(("HS " + sys.argv[1] + " " + "xin cam on " * 40)[:400])' $C3)"
finj drop from=+84912100011 "text=$drop" drop_parts:=[2]
expect +84912100011 lookup answered 1 "$R3"

# --- 1. Lone surrogates in UCS-2 (Gammu encodes them as ED A0 80: no UTF-8).
inject_pdu lone-high "$($PDU deliver +84912100001 08 "$(ucs2 HD)D800$(ucs2 ' x')")"
expect +84912100001 help answered 1 "$HELP"
inject_pdu lone-low "$($PDU deliver +84912100002 08 "$(ucs2 $C3)DC00")"
expect +84912100002 lookup answered 1 "$R3"
# 8-bit data with every byte 0x80-0xFF: binary, nothing a citizen typed.
inject_pdu 8bit "$($PDU deliver +84912100003 04 "$(python3 -c 'print(bytes(range(0x80, 0x100)).hex())')")"
expect +84912100003 empty "empty, ignored" 0

# --- 2. A WAP push (DCS 0xF5, ports 2948 -> 9200), 8-bit "HD" to an application
# port (IEI 04), a flash SMS (class 0) saying HD.
inject_pdu wap "$($PDU deliver +84912100004 F5 01060403AE81EA0203 0605040B8423F0)"
expect +84912100004 empty "empty, ignored" 0
inject_pdu port "$($PDU deliver +84912100005 04 "$(printf HD | od -An -tx1 | tr -d ' ')" 0404021234)"
expect +84912100005 empty "empty, ignored" 0
finj flash from=+84912100006 text=HD class:=0
expect +84912100006 help answered 1 "$HELP"

# --- 3. Empty SMS (user data length 0), GSM-7 and UCS-2.
finj empty from=+84912100007 text=
expect +84912100007 empty "empty, ignored" 0
finj empty-ucs2 from=+84912100008 text= coding=ucs2
expect +84912100008 empty "empty, ignored" 0

# --- 4. 1,600 characters: in GSM-7 (11 parts, kept whole, the code at the very
# end is found); in UCS-2 Vietnamese (24 parts, ~4,800 bytes: cut at the last
# whole character within STORE_TEXT_MAX - 1 = 4,095 bytes; the code at the start
# is answered).
long7="$(python3 -c 'import sys; print(("xin chao " * 200)[:1600 - 26] + " " + sys.argv[1])' $C1)"
finj long-gsm7 from=+84912100009 "text=$long7"
expect +84912100009 lookup answered 1 "$R1"
longu="$(python3 -c 'import sys; print((sys.argv[1] + " " + "ệ" * 2000)[:1600])' $C3)"
finj long-ucs2 from=+84912100010 "text=$longu" coding=ucs2
expect +84912100010 lookup answered 1 "$R3"

# --- 6. The same PDU twice; a multipart's part 1 twice (same reference and
# SMSC time), then the whole message again once it was handled.
dup=$($PDU deliver +84912100012 08 "$(ucs2 HD)")
inject_pdu dup-1 "$dup"
inject_pdu dup-2 "$dup"
expect +84912100012 help answered 1 "$HELP"
sent_at=$(date -d '1 min ago' '+%Y-%m-%dT%H:%M:%S')
twice="$(python3 -c 'import sys; print(("TRA CUU " + sys.argv[1] + " " + "cam on " * 40)[:250])' $C1)"
finj twice-1 from=+84912100013 "text=$twice" ref:=77 "time=$sent_at" drop_parts:=[2]
finj twice-2 from=+84912100013 "text=$twice" ref:=77 "time=$sent_at"
expect +84912100013 lookup answered 1 "$R1"

# --- 7. NUL: UCS-2 U+0000 ends Gammu's text (what follows is never seen), the
# GSM-7 '@' is septet 0 and an ordinary character.
inject_pdu nul-mid "$($PDU deliver +84912100014 08 "$(ucs2 HD)0000$(ucs2 $C3)")"
expect +84912100014 help answered 1 "$HELP"
inject_pdu nul-first "$($PDU deliver +84912100015 08 "0000$(ucs2 HD)")"
expect +84912100015 empty "empty, ignored" 0
finj at from=+84912100016 text=@@@
expect +84912100016 bad_syntax answered 1 "$SYNTAX"
finj at-code from=+84912100017 "text=@$C1@"
expect +84912100017 lookup answered 1 "$R1"

# --- 8. SQL, alone and after a code (only that code is looked up).
finj sql from=+84912100018 "text='; DROP TABLE dossiers; --"
expect +84912100018 bad_syntax answered 1 "$SYNTAX"
finj sql-code from=+84912100019 "text=$C3' OR '1'='1'; DROP TABLE dossiers; --"
expect +84912100019 lookup answered 1 "$R3"

# --- 9. Format strings, alone and around a code.
finj fmt from=+84912100020 "text=%s%n%x%p%99999999d"
expect +84912100020 bad_syntax answered 1 "$SYNTAX"
finj fmt-code from=+84912100021 "text=HS %s%n $C1 %99999999d"
expect +84912100021 lookup answered 1 "$R1"

# --- 10. Arabic; U+202E (right-to-left override), a code and Hebrew; emoji
# (surrogate pairs in UCS-2) with HD and around a code.
finj arabic from=+84912100022 "text=مرحبا بكم"
expect +84912100022 bad_syntax answered 1 "$SYNTAX"
finj rlo from=+84912100023 "text=$(printf '\342\200\256')$C3 שלום"
expect +84912100023 lookup answered 1 "$R3"
finj emoji from=+84912100024 "text=😀👍🏽 HD"
expect +84912100024 help answered 1 "$HELP"
finj emoji-code from=+84912100025 "text=😀${C1}😀"
expect +84912100025 lookup answered 1 "$R1"

# --- 11. Never answered: a sender of 40 digits (kept as its first 31
# characters), sender names, one of them a format string asking for a dossier.
long_from=+84$(python3 -c 'print("9" + "1234567890" * 4)' | cut -c1-38)
finj long-sender from="$long_from" text=HD
expect "$(printf %s "$long_from" | cut -c1-31)" ignored "invalid sender" 0
finj alpha from=VIETTEL from_type=alphanumeric text=HD
expect VIETTEL ignored "alphanumeric sender" 0
finj alpha-fmt from=%s%n%x%p from_type=alphanumeric "text=$C1"
expect %s%n%x%p ignored "alphanumeric sender" 0

# --- 12. Status reports for references never handed out: a raw
# SMS-STATUS-REPORT stored in the SIM and announced with +CMTI like an SMS, and
# one stored with +CDSI. Logged and dropped, never an inbox row.
inject_pdu report "$($PDU report 251 +84987654321)"
fm status_report mr:=252 to=+84987654322 >/dev/null || fail "fake modem: status_report"

# --- Every input handled, every reply out, the lone parts flushed.
n=$(wc -l < "$T/expect")
replies=$(awk -F '\t' '{ s += $4 } END { print s }' "$T/expect")
wait_for 75 "[ \"\$(sql \"SELECT count(*) FROM inbox WHERE state = 'handled'\")\" -ge $n ]" ||
    fail "$(sql "SELECT count(*) FROM inbox WHERE state = 'handled'") of $n messages handled: $(sql "SELECT id, sender, state FROM inbox")"
wait_for 30 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE state = 'sent'\")\" -ge $replies ]" ||
    fail "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'") of $replies replies sent"
for mr in 251 252; do
	wait_for 15 "grep -q 'message reference $mr .*matches no message' '$T/dossierd.log'" ||
	    fail "status report $mr not logged as unmatched"
done
wait_for 15 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "left on the SIM: $(fm list)"
[ "$(grep -c 'already handled, deleting the copy' "$T/dossierd.log")" -ge 2 ] ||
    fail "the copies delivered twice were not recognised"
# The whole multipart delivered once more after it was handled: all copies.
copies=$(grep -c 'already handled, deleting the copy' "$T/dossierd.log")
finj twice-3 from=+84912100013 "text=$twice" ref:=77 "time=$sent_at"
wait_for 15 "[ \"\$(grep -c 'already handled, deleting the copy' '$T/dossierd.log')\" -ge $((copies + 2)) ]" ||
    fail "the multipart delivered again was not recognised as a copy"
wait_for 15 "[ \"\$(fm_stat stored)\" = 0 ]" || fail "the copy was left on the SIM"

# --- The outcomes, against the table.
python3 - "$T" "$top_srcdir/tests/fakemodem" "$long7" "$longu" "$drop" <<'PY' || fail "hostile outcomes (above)"
import collections, sqlite3, sys
T, fmdir, long7, longu, drop = sys.argv[1:6]
sys.path.insert(0, fmdir)
import fakemodem
db = sqlite3.connect(T + "/state.db")
db.text_factory = bytes
err = []
want = {}
for line in open(T + "/expect", encoding="utf-8"):
    sender, kind, outcome, nrep, must = line.rstrip("\n").split("\t")
    want[sender] = (kind, outcome, int(nrep), must)
rows = db.execute("SELECT id, sender, text, state, kind, outcome FROM inbox ORDER BY id").fetchall()
got = collections.defaultdict(list)
texts = {}
for i, sender, text, state, kind, outcome in rows:
    sender = sender.decode()
    try:
        texts[sender] = text.decode("utf-8")
    except UnicodeDecodeError as e:
        err.append("inbox #%d from %s: not UTF-8 (%s): %r" % (i, sender, e, text[:80]))
    if state != b"handled":
        err.append("inbox #%d from %s is %s" % (i, sender, state.decode()))
    got[sender].append((i, (kind or b"").decode(), (outcome or b"").decode()))
for sender, (kind, outcome, nrep, must) in want.items():
    g = got.pop(sender, [])
    if len(g) != 1:
        err.append("%s: %d inbox rows, want 1" % (sender, len(g)))
        continue
    i, k, o = g[0]
    if (k, o) != (kind, outcome):
        err.append("%s: inbox #%d is %s / %s, want %s / %s" % (sender, i, k, o, kind, outcome))
    reps = db.execute("SELECT number, text, state, lane FROM outbox WHERE inbox_id = ?", (i,)).fetchall()
    if len(reps) != nrep:
        err.append("%s: %d replies, want %d: %r" % (sender, len(reps), nrep, reps))
    for number, text, state, lane in reps:
        text = text.decode()
        if state != b"sent" or lane != 0 or not text.startswith(must):
            err.append("%s: reply %s (lane %d) %r, want one starting %r" % (sender, state.decode(), lane, text, must))
for sender, g in got.items():
    if sender != "+84912345678":
        err.append("inbox rows from %s, not in the table: %r" % (sender, g))
# What is known of the texts: kept whole, cut at a character, the parts present.
exact = {"+84912100001": "HD\ufffd x", "+84912100002": "000.00.12.H39-261101-0003\ufffd",
         "+84912100009": long7, "+84912100014": "HD", "+84912100015": "",
         "+84912100011": drop[:153] + drop[306:]}
for sender, text in exact.items():
    if texts.get(sender) != text:
        err.append("%s: inbox text %r, want %r" % (sender, texts.get(sender), text))
u = texts.get("+84912100010", "")
if not (4092 <= len(u.encode()) <= 4095 and longu.startswith(u)):
    err.append("+84912100010: inbox text of %d bytes, %d characters: want the first 4,092-4,095 bytes" %
               (len(u.encode()), len(u)))
n = db.execute("SELECT count(*) FROM parts WHERE inbox_id IS NULL").fetchone()[0]
if n:
    err.append("%d part(s) never joined into a message" % n)
# No dossier to a request that did not name it, the procedure only to its owner.
for number, text, inbox in db.execute("SELECT o.number, o.text, i.text FROM outbox o LEFT JOIN inbox i ON i.id = o.inbox_id"):
    number, text = number.decode(), text.decode()
    asked = "".join(c for c in (inbox or b"").decode("utf-8", "replace").upper() if c.isalnum())
    if text.startswith("Ho so "):
        code = text.split()[2].rstrip(":")
        if "".join(c for c in code if c.isalnum()) not in asked and number != "+84912345678":
            err.append("reply to %s carries %s, which it did not ask for" % (number, code))
    if ("Dang ky khai sinh" in text and number != "+84912345678") or "Cap giay" in text:
        err.append("procedure name to a number not on the dossier: %s: %r" % (number, text))
# What left the modem is what the outbox says, and only to numbers that may be answered.
sent = collections.Counter((m["to"], m["text"]) for m in fakemodem.reassemble(fakemodem.read_log(T + "/modem.log"))
                           if m["complete"])
out = collections.Counter((n.decode(), t.decode()) for n, t in db.execute("SELECT number, text FROM outbox WHERE state = 'sent'"))
if sent != out:
    err.append("the modem sent %r, the outbox says %r" % (sent - out, out - sent))
for to, _ in sent:
    if not (to.startswith("+849") and len(to) == 12):
        err.append("a reply left the modem to %r" % to)
if err:
    print("hostile outcomes:\n  " + "\n  ".join(err), file=sys.stderr)
    sys.exit(1)
print("hostile: %d messages, %d replies, as the table says" % (len(want), sum(out.values())))
PY

# --- Still healthy: a genuine lookup from the dossier's owner, the full answer.
finj genuine from=$OWNER "text=tra cuu 000.00.12.h39 240824 1"
wait_for 30 "fm_text $OWNER | grep -q '\"complete\": true'" || fail "the genuine lookup was not answered"
assert_contains "$(fm_text $OWNER)" "\"text\": \"Ho so $C1 (Dang ky khai sinh): Dang xu ly. Hen tra: 20/01/2027. Noi nhan: UBND xa Hoa Tien.\""
[ "$(sql "SELECT count(*) FROM inbox WHERE state != 'handled'")" = 0 ] || fail "inbox rows left unhandled"

# --- The same process all along, the records untouched, no sanitizer report.
kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q dossierd ||
    fail "dossierd (pid $pid) is gone"
[ "$(grep -c 'dossierd: started' "$T/dossierd.log")" = 1 ] || fail "dossierd restarted"
[ "$(sha256sum < "$T/records.db")" = "$records_sum" ] || fail "the records database changed"
[ "$(rsql "SELECT count(*) FROM dossiers")" = 2 ] || fail "dossiers table"
if grep -nE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error|[Aa]ssert' "$T/dossierd.log"; then
	fail "sanitizer or assertion report in the log (above)"
fi
if grep -n 'Traceback' "$T/fakemodem.out"; then
	fail "the fake modem failed (above)"
fi
stop_daemon
echo "32-hostile: ok"
