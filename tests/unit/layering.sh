#!/bin/sh
# Layering rules of STYLE.md section 1: lib/ has no gammu, exit, syslog, sleep or clock
# reads; file-scope mutable state only in daemon/main.c, loop.c and log.c.
src=${top_srcdir:-$(dirname "$0")/../..}
fail=0
if grep -ln 'gammu' "$src"/lib/*.c "$src"/lib/*.h; then
	echo "layering: lib/ mentions gammu (above)"; fail=1
fi
if grep -nE '\b(exit|_exit|syslog|sleep|usleep|nanosleep|time|clock_gettime|gettimeofday)[[:space:]]*\(' \
    "$src"/lib/*.c | grep -v '^\s*/\*'; then
	echo "layering: lib/ calls exit/syslog/sleep or reads the clock (above)"; fail=1
fi
# File-scope mutable state: a line at column 0 starting with "static" that is not
# const, not a function, outside main.c, loop.c, log.c.
for f in "$src"/lib/*.c "$src"/daemon/*.c; do
	case "$(basename "$f")" in main.c|loop.c|log.c) continue ;; esac
	if grep -nE '^static[^(]*(=|;)[[:space:]]*$' "$f" | grep -v 'const' ; then
		echo "layering: file-scope mutable state in $f (above)"; fail=1
	fi
done
[ $fail -eq 0 ] && echo "layering: ok"
exit $fail
