#!/bin/sh
# Layering rules: lib/ has no gammu, exit, syslog, sleep or clock reads; file-scope
# mutable state only in daemon/main.c, loop.c, log.c and sqlmem.c; the state database's schema
# (its tables, outbox states and lane numbers) is known to lib/store*.c alone.
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
# const, not a function, outside main.c, loop.c, log.c (and sqlmem.c, below).
for f in "$src"/lib/*.c "$src"/daemon/*.c; do
	# sqlmem.c: SQLite's allocator callbacks take no context, so its pool is the
	# process's (the daemon runs SQLite in one thread).
	case "$(basename "$f")" in main.c|loop.c|log.c|sqlmem.c) continue ;; esac
	if grep -nE '^static[^(]*(=|;)[[:space:]]*$' "$f" | grep -v 'const' ; then
		echo "layering: file-scope mutable state in $f (above)"; fail=1
	fi
done
# The state schema: no SQL against its tables, no outbox state or lane literal in
# SQL, outside lib/store*.c (dossierctl and the daemon go through lib/store.h).
tables='inbox|parts|outbox|notices|optouts|audit|modems|meta'
for f in "$src"/lib/*.[ch] "$src"/daemon/*.[ch]; do
	case "$(basename "$f")" in store.[ch]|store_*.[ch]) continue ;; esac
	if grep -niE "\b(from|into|update|join|table)[[:space:]]+($tables)\b" "$f" |
	    grep -vE '^[0-9]+:[[:space:]]*(/?\*|//)'; then
		echo "layering: SQL against the state tables in $f (above): use lib/store.h"; fail=1
	fi
	if grep -nE "'(queued|sending|sent|retry|failed|expired|uncertain)'|lane[[:space:]]*(=|IN)[[:space:]]*\(?[0-9]" "$f"; then
		echo "layering: an outbox state or lane number spelled out in $f (above)"; fail=1
	fi
done
# The check above must be able to fail: it finds the SQL lib/store_outbox.c has.
grep -qiE "\b(from|into|update)[[:space:]]+outbox\b" "$src"/lib/store_outbox.c ||
    { echo "layering: the schema check found no SQL in lib/store_outbox.c"; fail=1; }
[ $fail -eq 0 ] && echo "layering: ok"
exit $fail
