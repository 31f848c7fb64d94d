# Shared helpers for the end-to-end tests: a temp dir, a records DB, a config on
# Gammu's dummy modem, the real daemon, and waiting on conditions with deadlines.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
DOSSIERD=$top_builddir/daemon/dossierd
DOSSIERCTL=$top_builddir/daemon/dossierctl
T=$(mktemp -d "${TMPDIR:-/tmp}/dossierd-e2e.XXXXXX")
DPID=""
EXTRA_PIDS=""

# A sanitizer's report in any log of the run (the daemon's stderr is its log;
# a leak shows when it exits) fails the test whatever else it said.
sanitizer_reports() {
	grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T"/*.log 2>/dev/null
}

cleanup() {
	_rc=$?
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null
	for p in $EXTRA_PIDS; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	if _logs=$(sanitizer_reports); then
		for _l in $_logs; do
			echo "FAIL: sanitizer report in $_l:" >&2
			grep -E -A25 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$_l" | head -60 >&2
		done
		_rc=1
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	exit $_rc
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T/dossierd.log" ]; then
		echo "--- dossierd log (tail)" >&2
		tail -40 "$T/dossierd.log" >&2
	fi
	exit 1
}

need() {
	command -v "$1" >/dev/null 2>&1 || { echo "FAIL: $1 is required (install it; see .ci/run)" >&2; exit 99; }
}
need sqlite3

# wait_for SECONDS 'shell condition': poll until true or the deadline passes.
wait_for() {
	_secs=$1; shift
	_end=$(( $(date +%s) + _secs ))
	while ! eval "$*"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
	return 0
}

sql() { sqlite3 -batch -cmd ".timeout 10000" "$T/state.db" "$1"; }
rsql() { sqlite3 -batch "$T/records.db" "$1"; }

make_records() { sh "$top_srcdir/etc/demo/make-records.sh" --ref 2026-11-26T17:30:00 "$T/records.db" "${1:-300}" >/dev/null || fail "records generator"; }

# write_conf [sms-group-body] [limits-group-body] [extra top-level text]
write_conf() {
	_sms=${1:-}
	case "$_sms" in *per_minute*) ;; *) _sms="per_minute = 600; $_sms" ;; esac
	mkdir -p "$T/dummy/sms/1" "$T/dummy/sms/2" "$T/dummy/sms/3" "$T/dummy/sms/4" "$T/dummy/sms/5"
	cat > "$T/d.conf" <<CONF
modems = ( { name = "dummy"; device = "$T/dummy"; connection = "none"; model = "dummy"; poll_interval = 1; } );
records = { path = "$T/records.db"; };
state = { path = "$T/state.db"; };
sms = { $_sms };
limits = { ${2:-} };
${3:-}
CONF
}

# start_daemon: start dossierd and wait until it says its modem is connected
# (in this run's lines: the log keeps the earlier runs of a test).
start_daemon() {
	_c=$(grep -c 'connected' "$T/dossierd.log" 2>/dev/null)
	"$DOSSIERD" -f -c "$T/d.conf" >> "$T/dossierd.log" 2>&1 &
	DPID=$!
	wait_for 20 "[ \"\$(grep -c 'connected' '$T/dossierd.log')\" -gt ${_c:-0} ]" ||
	    fail "daemon did not connect to the dummy modem"
}

stop_daemon() {
	kill -TERM "$DPID" 2>/dev/null || fail "daemon not running"
	wait_for 20 "! kill -0 $DPID 2>/dev/null" || fail "daemon did not stop on SIGTERM"
	wait "$DPID" 2>/dev/null
	_st=$?
	DPID=""
	# 0, or a sanitizer's exit (a leak report) that cleanup then shows.
	[ "$_st" = 0 ] || fail "the daemon exited with status $_st on SIGTERM"
}

inject() { "$DOSSIERCTL" -c "$T/d.conf" inject "$1" "$2" >/dev/null || fail "inject failed"; }

# Number of handled inbox rows, and of sent replies to a number.
handled() { sql "SELECT count(*) FROM inbox WHERE state = 'handled'"; }
sent_to() { sql "SELECT count(*) FROM outbox WHERE number = '$1' AND state = 'sent'"; }
texts_to() { sql "SELECT text FROM outbox WHERE number = '$1' ORDER BY id"; }
wait_handled() { wait_for "${2:-20}" "[ \"\$(handled)\" -ge $1 ]" || fail "expected $1 handled messages, got $(handled)"; }
wait_all_sent() {
	wait_for 20 "[ \"\$(sql \"SELECT count(*) FROM outbox WHERE state IN ('queued','sending','retry')\")\" = 0 ]" ||
	    fail "outbox did not drain"
}
assert_contains() { case "$1" in *"$2"*) ;; *) fail "expected \"$2\" in: $1" ;; esac; }
assert_not_contains() { case "$1" in *"$2"*) fail "did not expect \"$2\" in: $1" ;; esac; }
