#!/bin/sh
# dossierd -n: a good config passes; bad lines are reported as FILE:LINE; missing records DB fails.
. "$(dirname "$0")/lib.sh"
make_records 50
write_conf
out=$("$DOSSIERD" -n -c "$T/d.conf" 2>&1) || fail "valid config rejected: $out"
[ "$out" = "configuration OK" ] || fail "unexpected output: $out"

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
