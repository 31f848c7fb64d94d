#!/bin/sh
# A PIN-locked SIM over the AT driver: the configured PIN unlocks it and lookups are
# answered; a wrong PIN is entered once and never again (three would PUK-lock the SIM),
# the modem stays down with a clear error, and the PIN never reaches the log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
make_records 50
start_fakemodem
fm sim state=pin pin=2580 >/dev/null || fail "fake modem: sim"
write_at_conf dku2at "" ""
sed -i 's/model = "at";/model = "at"; pin = "2580";/' "$T/d.conf"
start_daemon
fm inject from=+84912345678 "text=000.00.12.H39-240824-0001" >/dev/null
wait_for 30 "fm_text +84912345678 | grep -q '\"complete\": true'" || fail "no reply from the unlocked SIM"
stop_daemon

# Wrong PIN: the SIM is locked again (as after a power cycle) and the config is wrong.
fm sim state=pin pin=2580 >/dev/null
sed -i 's/pin = "2580";/pin = "1111";/' "$T/d.conf"
"$DOSSIERD" -f -c "$T/d.conf" >> "$T/dossierd.log" 2>&1 &
DPID=$!
wait_for 20 "grep -q 'refused the PIN' '$T/dossierd.log'" || fail "refused PIN not reported"
# Let several reconnect attempts pass (backoff 2, 4, 8 s).
wait_for 30 "[ \"\$(grep -c 'reconnecting in' '$T/dossierd.log')\" -ge 4 ]" || fail "no reconnect attempts"
tries=$(grep -c 'AT+CPIN="1111"' "$T/modem.trace")
[ "$tries" = 1 ] || fail "the wrong PIN was entered $tries times"
"$DOSSIERCTL" -c "$T/d.conf" status | grep -q "SIM refused the configured PIN" ||
    fail "status lacks the PIN error: $("$DOSSIERCTL" -c "$T/d.conf" status)"
stop_daemon
grep -q -e 2580 -e 1111 "$T/dossierd.log" && fail "a PIN reached the log"
echo "21-sim-pin: ok (wrong PIN entered once over $(grep -c 'reconnecting in' "$T/dossierd.log") reconnect attempts)"
