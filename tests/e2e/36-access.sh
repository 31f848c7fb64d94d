#!/bin/sh
# Staff access without sudo: dossierctl run by a user who may not read the
# configuration, the state database or the records database says what to do
# (join the dossierd group; the records database needs read access) instead
# of SQLite's "unable to open database file" or a wrong "not found".
# As root the checks run as nobody (setpriv); as anyone else, on files made
# unreadable to the user running the test.
. "$(dirname "$0")/lib.sh"
make_records 20
write_conf
CODE=000.00.12.H39-240824-0001
"$DOSSIERD" -n -c "$T/d.conf" >/dev/null 2>&1 || fail "dossierd -n"
# The daemon creates the state database.
start_daemon
stop_daemon

if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null || fail "setpriv is required (Debian package util-linux)"
	# nobody may pass through $T, and nothing more.
	chmod 711 "$T"
	as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	chown 65534 "$T/d.conf"
	deny() { chown 0 "$1"; chmod 600 "$1"; }
	allow() { chown 65534 "$1"; chmod 600 "$1"; }
else
	as_user() { "$@"; }
	deny() { chmod 000 "$1"; }
	allow() { chmod 600 "$1"; }
fi

# The configuration file.
deny "$T/d.conf"
if out=$(as_user "$DOSSIERCTL" -c "$T/d.conf" status 2>&1); then fail "an unreadable config was read: $out"; fi
assert_contains "$out" "no permission to read $T/d.conf: ask the administrator to add you to the dossierd group"
allow "$T/d.conf"

# The state database (and its -wal/-shm files).
deny "$T/state.db"
for f in "$T/state.db-wal" "$T/state.db-shm"; do [ -e "$f" ] && deny "$f"; done
if out=$(as_user "$DOSSIERCTL" -c "$T/d.conf" status 2>&1); then fail "an unreadable state database was opened: $out"; fi
assert_contains "$out" "no permission to open $T/state.db: ask the administrator to add you to the dossierd group"
allow "$T/state.db"
for f in "$T/state.db-wal" "$T/state.db-shm"; do [ -e "$f" ] && allow "$f"; done
[ "$(id -u)" = 0 ] && chown 65534 "$T"

# The records database: "permission denied", not "not found".
deny "$T/records.db"
if out=$(as_user "$DOSSIERCTL" -c "$T/d.conf" lookup "$CODE" 2>&1); then fail "an unreadable records database was read: $out"; fi
assert_contains "$out" "records db: $T/records.db: permission denied"
assert_not_contains "$out" "not found"
allow "$T/records.db"
out=$(as_user "$DOSSIERCTL" -c "$T/d.conf" lookup "$CODE" 2>&1) || fail "lookup with access: $out"
assert_contains "$out" "$CODE"
rm -f "$T/records.db"
if out=$(as_user "$DOSSIERCTL" -c "$T/d.conf" lookup "$CODE" 2>&1); then fail "a missing records database was read: $out"; fi
assert_contains "$out" "records db: $T/records.db: not found"
[ "$(id -u)" = 0 ] && chown 0 "$T"
echo "36-access: ok"
