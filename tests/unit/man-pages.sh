#!/bin/sh
# Every man page renders with man --warnings and not one warning.
set -u
src=${top_srcdir:?}
command -v man >/dev/null || { echo "man-pages: man missing (Debian package man-db)"; exit 1; }
status=0 n=0
for page in "$src"/man/*.[1-8]; do
	n=$((n + 1))
	w=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	if [ -n "$w" ]; then
		echo "man-pages: $(basename "$page"):"
		printf '%s\n' "$w"
		status=1
	fi
done
[ "$n" -ge 3 ] || { echo "man-pages: only $n pages found"; exit 1; }
[ $status -eq 0 ] && echo "man-pages: $n pages, no warnings"
exit $status
