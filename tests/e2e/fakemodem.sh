# Helpers for tests that run dossierd on libgammu's AT driver against the fake
# AT modem on a pseudo-terminal (tests/fakemodem/fakemodem.py).
need python3
FM="python3 $top_srcdir/tests/fakemodem/fakemodem.py"
FMPID=""

start_fakemodem() {
	$FM --link "$T/modem" --log "$T/modem.log" --control "$T/modem.sock" \
	    --trace "$T/modem.trace" ${1:-} > "$T/fakemodem.out" 2>&1 &
	FMPID=$!
	EXTRA_PIDS="$EXTRA_PIDS $FMPID"
	wait_for 10 "grep -q ready '$T/fakemodem.out'" || fail "fake modem did not start: $(cat "$T/fakemodem.out")"
}

fm() { $FM ctl "$T/modem.sock" "$@"; }
# fm_sent: count of parts the fake modem really received for sending
fm_stat() { fm stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# fm_text NUMBER: the reassembled texts sent to NUMBER, one per line
fm_text() { $FM messages "$T/modem.log" --to "$1"; }

# write_at_conf CONNECTION [sms-body] [extra]
write_at_conf() {
	cat > "$T/d.conf" <<CONF
modems = ( { name = "usb0"; device = "$T/modem"; connection = "$1"; model = "at"; poll_interval = 30; send_timeout = 20; status_interval = 60; } );
records = { path = "$T/records.db"; };
state = { path = "$T/state.db"; };
sms = { per_minute = 600; ${2:-} };
${3:-}
CONF
}
