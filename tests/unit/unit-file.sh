#!/bin/sh
# The systemd unit as the build writes it: systemd-analyze verify accepts it,
# and its exposure (systemd-analyze security --offline) is at most 2.0. The
# installed paths do not exist here, so ExecStart points at the build tree.
set -u
src=${top_srcdir:?} bld=${top_builddir:?}
command -v systemd-analyze >/dev/null ||
    { echo "unit-file: systemd-analyze missing (Debian package systemd)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dossierd-unit.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
unit=$tmp/dossierd.service
sed -e "s|@sbindir[@]|$bld/daemon|g" -e "s|@sysconfdir[@]|$tmp|g" \
    "$src/systemd/dossierd.service.in" > "$unit" || exit 99
if ! out=$(systemd-analyze verify --man=no "$unit" 2>&1) || [ -n "$out" ]; then
	echo "unit-file: systemd-analyze verify: $out"
	exit 1
fi
sec=$(systemd-analyze security --offline=true "$unit" 2>&1 |
    sed -n 's/.*Overall exposure level for dossierd.service: \([0-9.]*\).*/\1/p')
[ -n "$sec" ] || { echo "unit-file: no exposure figure from systemd-analyze security"; exit 1; }
awk -v s="$sec" 'BEGIN { exit !(s <= 2.0) }' ||
    { echo "unit-file: exposure $sec, want at most 2.0"; exit 1; }
echo "unit-file: verify ok, exposure $sec"
