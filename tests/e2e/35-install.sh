#!/bin/sh
# make install DESTDIR=...: the files where configure said, with sane modes; a
# second install keeps a changed configuration; the installed dossierd and
# dossierctl answer an SMS on the dummy modem with the installed sample config.
. "$(dirname "$0")/lib.sh"
for v in DZ_SBINDIR DZ_BINDIR DZ_CONFDIR DZ_DATADIR DZ_MANDIR DZ_LOCALEDIR DZ_UNITDIR; do
	eval "[ -n \"\${$v:-}\" ]" || { echo "FAIL: $v unset: run through make check" >&2; exit 99; }
done
D=$T/dest
# MAKEFLAGS from make check's own make (the jobserver) are passed on: fine.
make -C "$top_builddir" install DESTDIR="$D" >"$T/install1.out" 2>&1 ||
    { tail -30 "$T/install1.out" >&2; fail "make install DESTDIR failed"; }

mode() { stat -c %a "$1" 2>/dev/null || echo missing; }
expect_mode() {	# expect_mode MODE FILE
	[ "$(mode "$D$2")" = "$1" ] || fail "$2: mode $(mode "$D$2"), expected $1"
}
expect_mode 755 "$DZ_SBINDIR/dossierd"
expect_mode 755 "$DZ_BINDIR/dossierctl"
expect_mode 644 "$DZ_CONFDIR/dossierd.conf"
expect_mode 644 "$DZ_DATADIR/dossierd.conf"
expect_mode 644 "$DZ_DATADIR/records-schema.sql"
expect_mode 755 "$DZ_DATADIR/make-records.sh"
expect_mode 644 "$DZ_UNITDIR/dossierd.service"
expect_mode 644 "$DZ_MANDIR/man8/dossierd.8"
expect_mode 644 "$DZ_MANDIR/man1/dossierctl.1"
expect_mode 644 "$DZ_MANDIR/man5/dossierd.conf.5"
expect_mode 644 "$DZ_LOCALEDIR/vi/LC_MESSAGES/dossierd.mo"
cmp -s "$top_srcdir/etc/dossierd.conf" "$D$DZ_CONFDIR/dossierd.conf" ||
    fail "the installed config is not the sample"
w=$(find "$D" -perm -o+w ! -type l)
[ -z "$w" ] || fail "world-writable after install: $w"

# The unit runs the installed daemon on the installed config.
unit=$(cat "$D$DZ_UNITDIR/dossierd.service")
assert_contains "$unit" "ExecStart=$DZ_SBINDIR/dossierd -f -c $DZ_CONFDIR/dossierd.conf"
echo "$unit" | grep -qE '@[a-z_]+@' && fail "unit with an unsubstituted @var@: $unit"

# A second install keeps the office's configuration, and says so.
echo '# changed by the office' >> "$D$DZ_CONFDIR/dossierd.conf"
cp "$D$DZ_CONFDIR/dossierd.conf" "$T/conf.before"
make -C "$top_builddir" install DESTDIR="$D" >"$T/install2.out" 2>&1 ||
    { tail -30 "$T/install2.out" >&2; fail "second make install failed"; }
cmp -s "$T/conf.before" "$D$DZ_CONFDIR/dossierd.conf" ||
    fail "a second install overwrote the configuration"
grep -q "keeping the existing $D$DZ_CONFDIR/dossierd.conf" "$T/install2.out" ||
    fail "the second install did not say it kept the config: $(cat "$T/install2.out")"

# The installed programs, the installed sample config with its paths on this
# test's directory and on Gammu's dummy modem, a records database made by the
# installed generator.
DOSSIERD=$D$DZ_SBINDIR/dossierd
DOSSIERCTL=$D$DZ_BINDIR/dossierctl
sh "$D$DZ_DATADIR/make-records.sh" --ref 2026-11-26T17:30:00 "$T/records.db" 100 \
    >/dev/null || fail "the installed records generator failed"
mkdir -p "$T/dummy/sms/1" "$T/dummy/sms/2" "$T/dummy/sms/3" "$T/dummy/sms/4" "$T/dummy/sms/5"
sed -e "s|\"/var/lib/dossierd/records.db\"|\"$T/records.db\"|" \
    -e "s|\"/var/lib/dossierd/state.db\"|\"$T/state.db\"|" \
    -e "s|device = \"/dev/serial/[^\"]*\"|device = \"$T/dummy\"|" \
    -e 's|connection = "at";|connection = "none";|' \
    -e 's|model = "at"|model = "dummy"|' \
    -e 's|poll_interval = 30;|poll_interval = 1;|' \
    "$D$DZ_CONFDIR/dossierd.conf" > "$T/d.conf"
for k in "$T/records.db" "$T/state.db" "device = \"$T/dummy\"" 'connection = "none"' \
    'model = "dummy"' 'poll_interval = 1;'; do
	grep -qF "$k" "$T/d.conf" || fail "adapting the sample config: no $k (sample changed?)"
done
out=$("$DOSSIERD" -n -c "$T/d.conf" 2>"$T/n.err") || fail "installed dossierd -n: $out $(cat "$T/n.err")"
[ "$out" = "configuration OK" ] || fail "installed dossierd -n: $out"
# The check never creates the state database (run as root it would be root's).
[ ! -e "$T/state.db" ] || fail "dossierd -n created the state database"
grep -q "does not exist yet: dossierd creates it when it starts" "$T/n.err" || fail "no note on the missing state database: $(cat "$T/n.err")"

# Staff inject while the daemon runs as user dossierd: the part must be
# readable by another user (mkstemp's 0600 was not).
inject 0912345678 "tra cuu 000.00.12.h39 240824 1"
[ "$(mode "$T/dummy/sms/1/1")" = 644 ] ||
    fail "injected part has mode $(mode "$T/dummy/sms/1/1"), the daemon's user cannot read it"
start_daemon
wait_handled 1
wait_all_sent
r=$(texts_to +84912345678)
assert_contains "$r" "000.00.12.H39-240824-0001"
assert_contains "$r" "27/08/2024"
out=$("$DOSSIERCTL" -c "$T/d.conf" history 0912345678 2>&1) || fail "installed dossierctl history: $out"
assert_contains "$out" "Ho so 000.00.12.H39-240824-0001"
id=$(sql "SELECT id FROM outbox WHERE number = '+84912345678'")
out=$("$DOSSIERCTL" -c "$T/d.conf" show "$id" 2>&1) || fail "installed dossierctl show: $out"
assert_contains "$out" "27/08/2024"
# The installed catalogue speaks Vietnamese.
if locale -a 2>/dev/null | grep -qi '^vi_VN\.utf-\?8$'; then
	out=$(LANG=vi_VN.UTF-8 DOSSIERD_LOCALEDIR=$D$DZ_LOCALEDIR "$DOSSIERCTL" -c "$T/d.conf" status 2>&1) ||
	    fail "installed dossierctl status (vi): $out"
	assert_contains "$out" "lần gửi gần nhất"
else
	fail "the vi_VN.UTF-8 locale is missing (sh .ci/install-deps generates it)"
fi
stop_daemon
echo "35-install: ok"
