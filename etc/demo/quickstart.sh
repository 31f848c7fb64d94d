#!/bin/sh
# Quick start on a fresh Debian machine: install what is missing, build, run the demo.
set -e
cd "$(dirname "$0")/../.."
sh .ci/install-deps
[ -f configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure -q
make -j2 >/dev/null
make -s demo
