#!/bin/sh
# SIGHUP reloads a valid config and keeps the old one when the new one is bad;
# SIGTERM stops cleanly with exit status 0; the SIM PIN never reaches the log.
. "$(dirname "$0")/lib.sh"
make_records 100
write_conf "" "" 'templates = { help = "Huong dan v1"; };'
start_daemon
inject 0911000001 "HD"
wait_handled 1
assert_contains "$(texts_to +84911000001)" "Huong dan v1"

sed -i 's/Huong dan v1/Huong dan v2/' "$T/d.conf"
kill -HUP "$DPID"
wait_for 10 "grep -q 'configuration reloaded' '$T/dossierd.log'" || fail "valid reload not applied"
inject 0911000002 "HD"
wait_handled 2
assert_contains "$(texts_to +84911000002)" "Huong dan v2"

cp "$T/d.conf" "$T/good.conf"
sed -i 's/Huong dan v2";/Huong dan v3"; bogus = 1;/' "$T/d.conf"
kill -HUP "$DPID"
wait_for 10 "grep -q 'keeping the running configuration' '$T/dossierd.log'" || fail "bad reload not reported"
grep 'keeping the running' "$T/dossierd.log" | grep -q "d.conf:6: unknown key templates.bogus" || fail "bad reload lacks FILE:LINE"
"$DOSSIERCTL" -c "$T/good.conf" inject 0911000003 "HD" >/dev/null || fail "inject"
wait_handled 3
assert_contains "$(texts_to +84911000003)" "Huong dan v2"

# Keys a reload cannot change are named in the log; the rest of the file applies.
sed -e 's/Huong dan v2/Huong dan v4/' -e "s|$T/state.db|$T/other.db|" "$T/good.conf" > "$T/d.conf"
kill -HUP "$DPID"
wait_for 10 "grep -q 'reload: state.path changed: a restart is needed for that (systemctl restart dossierd); the running values stay in use until then' '$T/dossierd.log'" ||
    fail "a reload that changes state.path did not say it needs a restart"
"$DOSSIERCTL" -c "$T/good.conf" inject 0911000004 "HD" >/dev/null || fail "inject"
wait_handled 4
assert_contains "$(texts_to +84911000004)" "Huong dan v4"
[ ! -e "$T/other.db" ] || fail "a reload opened the new state.path"

kill -TERM "$DPID"
wait "$DPID"; rc=$?
DPID=""
[ $rc -eq 0 ] || fail "exit status $rc after SIGTERM"
grep -q "dossierd: stopped" "$T/dossierd.log" || fail "no clean stop logged"
[ "$(sql "SELECT state FROM modems")" = down ] || fail "modem state not recorded as down"

# A configured PIN is never logged, even at debug level (the dummy SIM asks for none).
write_conf "" "" 'templates = { help = "x"; };'
sed -i 's/poll_interval = 1;/poll_interval = 1; pin = "4812";/' "$T/d.conf"
c0=$(grep -c 'connected' "$T/dossierd.log")
"$DOSSIERD" -f -v -v -c "$T/d.conf" >> "$T/dossierd.log" 2>&1 &
DPID=$!
wait_for 20 "[ \"\$(grep -c 'connected' '$T/dossierd.log')\" -gt $c0 ]" || fail "no connect with a PIN set"
stop_daemon
grep -q 4812 "$T/dossierd.log" && fail "the PIN reached the log"
echo "06-signals: ok"
