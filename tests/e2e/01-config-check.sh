#!/bin/sh
# dossierd -n: a good config passes; bad lines are reported as FILE:LINE; missing records DB fails.
. "$(dirname "$0")/lib.sh"
make_records 50
write_conf
out=$("$DOSSIERD" -n -c "$T/d.conf" 2>"$T/n.err") || fail "valid config rejected: $out $(cat "$T/n.err")"
[ "$out" = "configuration OK" ] || fail "unexpected output: $out"
# No state database yet: a note, and none is created (the daemon makes it).
[ "$(cat "$T/n.err")" = "note: the state database $T/state.db does not exist yet: dossierd creates it when it starts" ] ||
    fail "dossierd -n on a missing state database: $(cat "$T/n.err")"
[ ! -e "$T/state.db" ] || fail "dossierd -n created the state database"
# Nor in a directory it could not create it in.
sed "s|$T/state.db|$T/no/such/dir/state.db|" "$T/d.conf" > "$T/nodir.conf"
if out=$("$DOSSIERD" -n -c "$T/nodir.conf" 2>&1); then fail "a state.path in a missing directory passed: $out"; fi
assert_contains "$out" "state.path: cannot create $T/no/such/dir/state.db: its directory is missing or not writable by this user"

# The shipped sample parses (paths in it do not exist here, so only the parse is checked).
out=$("$DOSSIERD" -n -c "$top_srcdir/etc/dossierd.conf" 2>&1)
echo "$out" | grep -qE 'dossierd.conf:[0-9]+:' && fail "sample config does not parse: $out"

check_bad() {	# check_bad LINE-NUMBER EXPECTED-TEXT
	out=$("$DOSSIERD" -n -c "$T/bad.conf" 2>&1) && fail "bad config accepted: $(cat "$T/bad.conf")"
	assert_contains "$out" "$T/bad.conf:$1:"
	assert_contains "$out" "$2"
}
cp "$T/d.conf" "$T/bad.conf"; echo 'sms2 = { x = 1; };' >> "$T/bad.conf"
check_bad 7 "unknown key sms2"
sed 's/per_minute = 600;/per_minute = 600; max_parts = 99;/' "$T/d.conf" > "$T/bad.conf"
check_bad 4 "sms.max_parts = 99 is out of range 1..6"
sed 's/per_minute = 600;/per_minute = 600; charset = "latin1";/' "$T/d.conf" > "$T/bad.conf"
check_bad 4 "sms.charset"
sed 's/poll_interval = 1;/poll_interval = 1; baud = 9600;/' "$T/d.conf" > "$T/bad.conf"
check_bad 1 "unknown key modems.baud"
sed 's/per_minute = 600;/per_minute = 600/' "$T/d.conf" > "$T/bad.conf"
printf 'notices = { window = "7h-21h"; };\n' >> "$T/bad.conf"
out=$("$DOSSIERD" -n -c "$T/bad.conf" 2>&1) && fail "syntax error accepted"
assert_contains "$out" "$T/bad.conf:"
cp "$T/d.conf" "$T/bad.conf"; printf 'notices = { window = "7h-21h"; };\n' >> "$T/bad.conf"
check_bad 7 "window"
cp "$T/d.conf" "$T/bad.conf"; printf 'templates = {\n  reply = "{code} {nope}";\n};\n' >> "$T/bad.conf"
out=$("$DOSSIERD" -n -c "$T/bad.conf" 2>&1) && fail "bad template accepted"
assert_contains "$out" "templates.reply"
assert_contains "$out" "nope"

# The records database must be reachable for -n.
sed "s|$T/records.db|$T/missing.db|" "$T/d.conf" > "$T/bad.conf"
out=$("$DOSSIERD" -n -c "$T/bad.conf" 2>&1) && fail "missing records db accepted"
assert_contains "$out" "not found"

# Usage errors exit 2.
"$DOSSIERD" -x >/dev/null 2>&1; [ $? -eq 2 ] || fail "dossierd usage exit code"
"$DOSSIERCTL" -c "$T/d.conf" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "dossierctl usage exit code"
# Nonexistent config: clear one-line error, exit 1.
out=$("$DOSSIERD" -n -c "$T/nope.conf" 2>&1); [ $? -eq 1 ] || fail "missing config exit code"
assert_contains "$out" "nope.conf"
echo "01-config-check: ok"
