#!/bin/sh
# USSD through libgammu's AT driver and the fake modem, then Gammu's dummy phone:
# dossierctl ussd round trips in GSM-7, UCS-2 and (huawei profile) packed hex; the
# balance and validity parsed into dossierctl status; an unparsable reply stored
# raw and flagged, never read as zero; a low balance alerts the staff numbers once
# a day, across a restart; an ending validity alerts once; a code never answered
# times out while SMS replies keep flowing, and its session is ended; +CUSD: 4
# and +CUSD: 5 are results; a menu is ended (AT+CUSD=2) unless answers were
# given, then walked in turn; a USSD request never goes between the parts of a
# long message.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
empty_records
DCTL="$DOSSIERCTL -c $T/d.conf"
S1=+84912000111 S2=+84912000222

conf() {	# conf MODEM-GROUP-BODY
	cat > "$T/d.conf" <<CONF
modems = ( { $1 } );
records = { path = "$T/records.db"; };
state = { path = "$T/state.db"; };
sms = { per_minute = 600; max_parts = 5; };
notices = { window = "00:00-00:00"; };
staff = { numbers = [ "0912000111", "0912000222" ]; pin = "2468"; };
ussd = { balance_code = "*101#"; interval = 86400; timeout = 5; low_balance = 10000; expiry_warn_days = 7; ${2:-} };
CONF
}
AT="name = \"usb0\"; device = \"$T/modem\"; connection = \"dku2at\"; model = \"at\"; poll_interval = 5; status_interval = 60;"
alerts() { sql "SELECT count(*) FROM outbox WHERE number = '$1' AND text LIKE 'Canh bao dossierd: so du%'"; }
expiry_alerts() { sql "SELECT count(*) FROM outbox WHERE number = '$1' AND text LIKE 'Canh bao dossierd: SIM%'"; }
status() { $DCTL status; }
# wait_ready: the (re)started daemon reports its modem ready
wait_ready() {
	wait_for 20 "[ \"\$(sql \"SELECT count(*) FROM modems WHERE state = 'ready'\")\" -ge 1 ]" || fail "the modem is not ready: $(sql "SELECT * FROM modems")"
}

start_fakemodem
conf "$AT"
start_fault_daemon
# The start-up balance check (no reading yet) uses the fake's default answer.
wait_for 20 "[ \"\$(sql \"SELECT count(*) FROM balances\")\" -ge 1 ]" || fail "no balance check at start"

# --- GSM-7 text: the round trip, and the parsed reading in dossierctl status.
out=$($DCTL ussd '*101#') || fail "dossierctl ussd: $out"
echo "ussd *101# -> $out"
assert_contains "$out" "TK chinh: 25000d, HSD 31/12/2026"
st=$(status)
echo "$st" | tail -2
assert_contains "$st" "SIM balance: 25.000"
assert_contains "$st" "valid until 2026-12-31"
json=$($DCTL status --json)
echo "$json" | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["balance_vnd"] == 25000 and d["validity"] == "2026-12-31", d' ||
    fail "status --json: $json"

# --- UCS-2 with Vietnamese letters.
fm ussd_reply code='*101#' text="Tài khoản chính của quý khách: 48.500đ, hạn sử dụng đến 15/01/2027." encoding=ucs2 >/dev/null
out=$($DCTL ussd '*101#') || fail "ussd ucs2: $out"
assert_contains "$out" "Tài khoản chính của quý khách: 48.500đ"
assert_contains "$(status)" "SIM balance: 48.500"
[ "$(sql "SELECT balance || ' ' || validity FROM balances ORDER BY id DESC LIMIT 1")" = "48500 2027-01-15" ] ||
    fail "ucs2 reading: $(sql "SELECT * FROM balances ORDER BY id DESC LIMIT 1")"

# --- Not understood: stored raw, flagged; the last good reading stays.
fm ussd_reply code='*101#' text="He thong ban, vui long thu lai sau" >/dev/null
$DCTL ussd '*101#' >/dev/null || fail "ussd busy reply"
[ "$(sql "SELECT parsed || ' ' || coalesce(balance, 'NULL') || ' ' || raw FROM balances ORDER BY id DESC LIMIT 1")" = "0 NULL He thong ban, vui long thu lai sau" ] ||
    fail "unparsable reading: $(sql "SELECT * FROM balances ORDER BY id DESC LIMIT 1")"
st=$(status)
assert_contains "$st" "SIM balance: 48.500"
assert_contains "$st" "not understood: He thong ban"
[ "$(alerts $S1)" = 0 ] || fail "an unparsable reply raised a low-balance alert"

# --- Low balance: one alert a day to each staff number, also across a restart.
fm ussd_reply code='*101#' text="TKC 5.000d, HSD 31/12/2026" >/dev/null
$DCTL ussd '*101#' >/dev/null || fail "ussd low"
wait_for 10 "[ \"\$(alerts $S1)\" = 1 ] && [ \"\$(alerts $S2)\" = 1 ]" || fail "no low-balance alert: $(sql "SELECT number, text FROM outbox")"
wait_delivered 20 $S1 $S2 || fail "alerts not delivered"
$DCTL ussd '*101#' >/dev/null || fail "ussd low again"
stop_daemon
start_fault_daemon
wait_ready
$DCTL ussd '*101#' >/dev/null || fail "ussd after restart"
[ "$(sql "SELECT count(*) FROM balances WHERE balance = 5000")" -ge 3 ] || fail "readings after the restart"
[ "$(alerts $S1) $(alerts $S2)" = "1 1" ] || fail "low-balance alerts: $(alerts $S1) $(alerts $S2), want one each in a day"
grep -q "below ussd.low_balance" "$T/dossierd.log" || fail "no warning in the log"

# --- Validity ending in 3 days: one expiry alert.
soon=$(date -d '+3 days' +%d/%m/%Y)
fm ussd_reply code='*101#' text="TKC 50.000d, HSD $soon" >/dev/null
$DCTL ussd '*101#' >/dev/null || fail "ussd expiry"
wait_for 10 "[ \"\$(expiry_alerts $S1)\" = 1 ]" || fail "no expiry alert"
$DCTL ussd '*101#' >/dev/null || fail "ussd expiry again"
[ "$(expiry_alerts $S1)" = 1 ] || fail "the expiry alert was sent twice"
assert_contains "$(status)" "(3 days left)"

# --- A network-initiated USSD (an operator's notice): logged, nothing else.
n0=$(sql "SELECT count(*) FROM ussd")
fm ussd_push text="Khuyen mai: nap the hom nay duoc tang 20%" >/dev/null || fail "ussd_push"
wait_for 10 "grep -q 'USSD from the network.*Khuyen mai' '$T/dossierd.log'" || fail "network-initiated USSD not logged"
[ "$(sql "SELECT count(*) FROM ussd")" = "$n0" ] || fail "a network-initiated USSD made a request row"

# --- +CUSD: 4 (an unknown code) and +CUSD: 5 (the network timed out): results.
if out=$($DCTL ussd '*999#' 2>&1); then fail "an unsupported code succeeded: $out"; fi
assert_contains "$out" "+CUSD: 4"
fm ussd_reply code='*103#' status:=5 >/dev/null
if out=$($DCTL ussd '*103#' 2>&1); then fail "+CUSD: 5 succeeded: $out"; fi
assert_contains "$out" "timed out"

# --- A menu (+CUSD: 1): the session is ended (AT+CUSD=2) unless the caller gave
# the answers; given, each goes in turn and the last screen is the reply.
fm ussd_reply code='*100#' status:=1 text="1. Goi cuoc
2. Khuyen mai" >/dev/null
fm ussd_reply code='*100#>1' status:=1 text="1. Goi ngay
2. Goi thang" >/dev/null
fm ussd_reply code='*100#>1>2' text="Goi thang: 70.000d/30 ngay" >/dev/null
c0=$(fm_count ussd_cancel session '*100#')
$DCTL ussd '*100#' >"$T/m.out" 2>"$T/m.err" || fail "ussd menu: $(cat "$T/m.out" "$T/m.err")"
assert_contains "$(cat "$T/m.out")" "1. Goi cuoc"
assert_contains "$(cat "$T/m.err")" "the session was ended"
[ "$(fm_count ussd_cancel session '*100#')" = $((c0 + 1)) ] || fail "the menu's session was not ended (AT+CUSD=2)"
grep -q 'asks for input ("1. Goi cuoc\\n2. Khuyen mai") and the request has no answer' "$T/dossierd.log" ||
    fail "menu end not logged on one line"
[ "$(sql "SELECT status FROM ussd ORDER BY id DESC LIMIT 1")" = "menu, ended" ] ||
    fail "menu request: $(sql "SELECT * FROM ussd ORDER BY id DESC LIMIT 1")"
out=$($DCTL ussd '*100#' 1 2 2>"$T/m.err") || fail "ussd menu answers: $out $(cat "$T/m.err")"
[ "$out" = "Goi thang: 70.000d/30 ngay" ] || fail "menu walk ended on: $out"
[ ! -s "$T/m.err" ] || fail "a finished menu walk warned: $(cat "$T/m.err")"
[ "$(fm_count ussd_cancel session '*100#')" = $((c0 + 1)) ] || fail "a menu walk that ended by itself was cancelled"
python3 - "$T/modem.log" <<'PY' || fail "the menu answers did not go in turn in one session"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
paths = [e["path"] for e in ev if e["event"] == "ussd"][-3:]
assert paths == ["*100#", "*100#>1", "*100#>1>2"], paths
print("ussd: menu walk", " -> ".join(paths))
PY
# A menu answer the network does not know (+CUSD: 4 inside the session).
if out=$($DCTL ussd '*100#' 9 2>&1); then fail "an unknown menu answer succeeded: $out"; fi
assert_contains "$out" "+CUSD: 4"
# The modem is free again: the balance code answers as before.
out=$($DCTL ussd '*101#') || fail "ussd after the menus: $out"

# --- A code never answered: times out after ussd.timeout while replies keep flowing.
fm ussd_reply code='*102#' noreply:=true >/dev/null
t0=$(now)
$DCTL ussd '*102#' --timeout 5 >"$T/u.out" 2>&1 &
UP=$!
wait_for 10 "[ \"\$(fm_count ussd code '*102#')\" = 1 ]" || fail "*102# not dialled"
fm inject from=+84913000001 text=HD >/dev/null || fail "inject"
wait_delivered 10 +84913000001 || fail "a reply waited for the USSD answer"
replied=$(elapsed "$t0")
wait $UP && fail "a code never answered succeeded: $(cat "$T/u.out")"
assert_contains "$(cat "$T/u.out")" "no answer within 5 s"
[ "$(fm_count ussd_cancel session '*102#')" = 1 ] || fail "the unanswered code's session was not ended"
echo "ussd: a code never answered timed out after ussd.timeout; a reply meanwhile went out $replied s after the dial"

# --- USSD while a long message goes out: never between its parts.
fm latency cmgs:=1 >/dev/null
fm ussd_reply code='*101#' text="TKC 60.000d" >/dev/null
queue_send +84913000002 "$(python3 -c 'print(("Thong bao dai cua bo phan mot cua. " * 14)[:450])')"
$DCTL ussd '*101#' --timeout 60 >"$T/u2.out" 2>&1 || fail "ussd during a long send: $(cat "$T/u2.out")"
wait_delivered 30 +84913000002 || fail "long message"
fm latency cmgs:=0 >/dev/null
python3 - "$T/modem.log" <<'PY' || fail "a USSD request went between the parts of a long message (above)"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
seq = [("s%d" % e["part"]) if e["event"] == "sent" else "u" for e in ev
       if (e["event"] == "sent" and e.get("to") == "+84913000002") or e["event"] == "ussd"]
parts = [i for i, x in enumerate(seq) if x.startswith("s")]
assert len(parts) >= 3, seq
inside = [x for x in seq[parts[0]:parts[-1]] if x == "u"]
if inside:
    print("order of parts and USSD requests:", seq, file=sys.stderr)
    sys.exit(1)
print("ussd: %d-part message and USSD requests in order %s" % (len(parts), " ".join(seq[-8:])))
PY
stop_daemon

# --- The huawei profile: libgammu sends and reads USSD as packed GSM-7 hex.
kill -TERM "$FMPID"; wait "$FMPID" 2>/dev/null
start_fakemodem "--profile huawei"
fm ussd_mode mode=packed >/dev/null
fm ussd_reply code='*101#' text="TKC 33.000d, HSD 31/12/2027" encoding=packed >/dev/null
start_fault_daemon
wait_ready
out=$($DCTL ussd '*101#') || fail "ussd packed: $out"
assert_contains "$out" "TKC 33.000d, HSD 31/12/2027"
[ "$(fm_count ussd encoding packed)" -ge 1 ] || fail "the request was not packed hex"
assert_contains "$(status)" "SIM balance: 33.000"
stop_daemon

# --- modems.features = "ENCODED_USSD" on the generic profile: packed hex too.
kill -TERM "$FMPID"; wait "$FMPID" 2>/dev/null
start_fakemodem
fm ussd_reply code='*101#' text="TKC 44.000d" >/dev/null
conf "$AT features = \"ENCODED_USSD\";"
p0=$(fm_count ussd encoding packed)
start_fault_daemon
wait_ready
out=$($DCTL ussd '*101#') || fail "ussd with ENCODED_USSD: $out"
assert_contains "$out" "TKC 44.000d"
[ "$(fm_count ussd encoding packed)" -gt "$p0" ] || fail "modems.features ENCODED_USSD: the request was not packed hex"
stop_daemon

# --- Gammu's dummy phone: its fixed answer is not a balance: stored raw, flagged.
mkdir -p "$T/dummy/sms/1" "$T/dummy/sms/2" "$T/dummy/sms/3" "$T/dummy/sms/4" "$T/dummy/sms/5"
conf "name = \"dummy\"; device = \"$T/dummy\"; connection = \"none\"; model = \"dummy\"; poll_interval = 1;"
start_daemon
wait_ready
out=$($DCTL ussd '*101#') || fail "dummy ussd: $out"
assert_contains "$out" "Reply for *101#"
[ "$(sql "SELECT parsed || ' ' || raw FROM balances ORDER BY id DESC LIMIT 1")" = "0 Reply for *101#" ] ||
    fail "dummy reading: $(sql "SELECT * FROM balances ORDER BY id DESC LIMIT 1")"
stop_daemon
# An operator's own pattern (ussd.balance_regex): its first group is the amount.
conf "name = \"dummy\"; device = \"$T/dummy\"; connection = \"none\"; model = \"dummy\"; poll_interval = 1;" \
    'balance_regex = "REPLY FOR [*]([0-9]+)#";'
start_daemon
wait_ready
$DCTL ussd '*101#' >/dev/null || fail "dummy ussd with balance_regex"
[ "$(sql "SELECT parsed || ' ' || balance FROM balances ORDER BY id DESC LIMIT 1")" = "1 101" ] ||
    fail "balance_regex reading: $(sql "SELECT * FROM balances ORDER BY id DESC LIMIT 1")"
stop_daemon
# Without a running daemon, a clear error.
if out=$($DCTL ussd '*101#' 2>&1); then fail "ussd without a daemon succeeded"; fi
assert_contains "$out" "dossierd is not running"
echo "27-ussd: ok"
