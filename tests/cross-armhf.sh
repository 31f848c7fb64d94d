#!/bin/sh
# The 32-bit ARM (armhf) cross build, tested under qemu-arm: installs Debian's
# cross toolchain, qemu-user and the :armhf libraries, builds out of tree in
# build-armhf/, runs every unit test (tests/unit/test_*) and every fuzz replay
# (tests/fuzz/run-all.sh) under qemu-arm, prints "N passed, N failed" and the
# stripped sizes of dossierd and dossierctl. Needs root or sudo for apt-get;
# safe to run again (reuses build-armhf/). Run by `make cross-check`, never by
# make check or CI.
#
# CROSS_BUILDDIR (default build-armhf/ in the source tree) moves the build;
# CROSS_FUZZ_ROUNDS sets the replay driver's mutated inputs per fuzz target
# (FUZZ_ROUNDS of tests/fuzz/run-all.sh; its defaults otherwise).
set -u
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
host=arm-linux-gnueabihf
B=${CROSS_BUILDDIR:-$top/build-armhf}
qemu="qemu-arm -L /usr/$host"
start=$(date +%s)
last=$start
laps=""

# Seconds since the previous lap, for the summary line.
lap()
{
	now=$(date +%s)
	laps="$laps${laps:+, }$1 $((now - last))"
	last=$now
}

die()
{
	echo "cross-armhf: $*" >&2
	exit 1
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 ||
	    die "run as root, or install sudo (apt-get needs root)"
	SUDO=sudo
fi
command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 ||
    die "needs Debian (dpkg, apt-get); tested on Debian 12 amd64"
[ -f "$top/config.status" ] &&
    die "$top is configured in tree: run make distclean there first"
mkdir -p "$B" || die "cannot create $B"

# The native tools: autotools, gettext, autopoint (autogen.sh, msgfmt).
sh "$top/.ci/install-deps" || die "installing the native build dependencies failed"

updated=no
apt_update()
{
	[ "$updated" = yes ] && return 0
	echo "apt-get update"
	$SUDO apt-get update -qq || die "apt-get update failed"
	updated=yes
}
if ! dpkg --print-foreign-architectures | grep -qx armhf; then
	echo "dpkg --add-architecture armhf"
	$SUDO dpkg --add-architecture armhf || die "dpkg --add-architecture armhf failed"
	apt_update
fi

# libgammu8 and libgammu-dev are not Multi-Arch: same on bookworm (the library
# is in /usr/lib, not /usr/lib/<triplet>): installing the :armhf ones removes
# the native gammu. Their .debs are unpacked into build-armhf/gammu instead.
G=$B/gammu
if ! ls "$G"/libgammu8_*_armhf.deb "$G"/libgammu-dev_*_armhf.deb >/dev/null 2>&1; then
	mkdir -p "$G"
	if ! (cd "$G" && apt-get download -qq libgammu8:armhf libgammu-dev:armhf \
	    2>&1 | grep -v 'unsandboxed'); then :; fi
	if ! ls "$G"/libgammu-dev_*_armhf.deb >/dev/null 2>&1; then
		apt_update
		(cd "$G" && apt-get download -qq libgammu8:armhf \
		    libgammu-dev:armhf 2>&1 | grep -v 'unsandboxed')
	fi
	ls "$G"/libgammu8_*_armhf.deb "$G"/libgammu-dev_*_armhf.deb >/dev/null 2>&1 ||
	    die "apt-get download libgammu8:armhf libgammu-dev:armhf failed"
fi
if [ ! -f "$G/pkgconfig/gammu.pc" ]; then
	for deb in "$G"/libgammu8_*_armhf.deb "$G"/libgammu-dev_*_armhf.deb; do
		dpkg-deb -x "$deb" "$G/root" || die "cannot unpack $deb"
	done
	mkdir -p "$G/pkgconfig"
	sed "s|^prefix=.*|prefix=$G/root/usr|" \
	    "$G/root/usr/lib/$host/pkgconfig/gammu.pc" >"$G/pkgconfig/gammu.pc" ||
	    die "no gammu.pc in libgammu-dev:armhf"
fi
# What libGammu.so.8 links against (glib, bluez, libusb) is Multi-Arch: same.
gammu_deps=$(dpkg-deb -f "$G"/libgammu8_*_armhf.deb Depends |
    tr ',' '\n' | sed 's/(.*//; s/[[:space:]]//g' | grep -v '^libc6$' |
    sed 's/$/:armhf/' | tr '\n' ' ')

PKGS="crossbuild-essential-armhf qemu-user file pkgconf:armhf
libsqlite3-dev:armhf libconfig-dev:armhf $gammu_deps"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt_update
	echo "installing:$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	    --no-install-recommends $missing >"$B/apt.out" 2>&1 || {
		tail -20 "$B/apt.out" >&2
		die "apt-get install failed:$missing"
	}
fi
for t in $host-gcc $host-strip $host-pkg-config qemu-arm file autoreconf autopoint msgfmt; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found after installing"
done
$host-pkg-config --exists sqlite3 libconfig ||
    die "$host-pkg-config finds no sqlite3.pc or libconfig.pc for armhf"
lap install

# Bootstrap, configure once, build; a re-run reuses build-armhf/.
if [ ! -f "$top/configure" ]; then
	echo "./autogen.sh"
	"$top/autogen.sh" >"$B/autogen.out" 2>&1 || {
		tail -20 "$B/autogen.out" >&2
		die "autogen.sh failed"
	}
fi
if [ ! -f "$B/config.status" ]; then
	echo "configure --host=$host (in $B)"
	(cd "$B" && "$top/configure" -q --host=$host \
	    PKG_CONFIG_PATH="$G/pkgconfig" >configure.out 2>&1) || {
		tail -30 "$B/configure.out" "$B/config.log" >&2
		die "configure --host=$host failed (see $B/config.log)"
	}
fi
echo "make -j2 (in $B)"
(cd "$B" && make -j2 >make.out 2>&1 && make -j2 check TESTS= >>make.out 2>&1) || {
	tail -40 "$B/make.out" >&2
	die "the armhf build failed (see $B/make.out)"
}
file "$B/daemon/dossierd" | grep -q 'ELF 32-bit LSB.*ARM' ||
    die "daemon/dossierd is not a 32-bit ARM executable: $(file "$B/daemon/dossierd")"
lap build

# The unit tests under qemu-arm, with make check's environment
# (AM_TESTS_ENVIRONMENT in Makefile.am), from the top of the build tree.
echo "== unit tests under $qemu"
pass=0
failed=0
units=0
for src in "$top"/tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	bin=$B/tests/unit/$name
	log=$B/tests/unit/$name.qemu.log
	units=$((units + 1))
	if [ ! -x "$bin" ]; then
		echo "FAIL: $name (not built)"
		failed=$((failed + 1))
		continue
	fi
	(cd "$B" && top_srcdir=$top top_builddir=$B \
	    DOSSIERD_LOCALEDIR=$B/tests/locale $qemu "$bin" >"$log" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS: $name"
		pass=$((pass + 1))
	else
		# 77 (skip) counts as a failure, as in tests/run.sh.
		echo "FAIL: $name (exit $rc)"
		tail -20 "$log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "unit tests: $pass passed, $failed failed (of $units)"
lap "unit tests"

echo "== fuzz replays under $qemu"
fuzzlog=$B/tests/fuzz/run-all.qemu.log
rounds=${CROSS_FUZZ_ROUNDS:-}
(cd "$B" && env top_srcdir="$top" top_builddir="$B" FUZZ_EXEC="$qemu" \
    ${rounds:+FUZZ_ROUNDS=$rounds} sh "$top/tests/fuzz/run-all.sh") \
    >"$fuzzlog" 2>&1
sed 's/^/  /' "$fuzzlog"
fpass=$(grep -c '^PASS' "$fuzzlog")
ffail=$(grep -c '^FAIL' "$fuzzlog")
[ "$fpass" -eq 0 ] && ffail=$((ffail + 1))
echo "fuzz replays: $fpass passed, $ffail failed"
lap "fuzz replays"

# The binaries start on ARM: version and a config check of the sample config.
echo "== smoke"
ver=$($qemu -E LD_LIBRARY_PATH="$G/root/usr/lib" "$B/daemon/dossierd" -V 2>&1) ||
    { echo "FAIL: dossierd -V: $ver"; failed=$((failed + 1)); }
echo "  dossierd -V: $ver"

# Stripped copies: what an embedded image would carry.
echo "== stripped sizes"
mkdir -p "$B/stripped"
for p in dossierd dossierctl; do
	$host-strip -o "$B/stripped/$p" "$B/daemon/$p" || die "$host-strip $p failed"
	printf '  %-10s %8s bytes (unstripped %s)\n' "$p" \
	    "$(wc -c <"$B/stripped/$p")" "$(wc -c <"$B/daemon/$p")"
	echo "    $(file -b "$B/stripped/$p")"
done

end=$(date +%s)
pass=$((pass + fpass))
failed=$((failed + ffail))
echo "wall time: $((end - start)) s ($laps)"
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
