#!/bin/sh
# The demo: a sample records database of a few thousand dossiers, dossierd on Gammu's
# dummy modem, a handful of citizen SMS through the real receive path, the conversation.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
D=${DEMO_DIR:-$top_builddir/demo}
DOSSIERD=$top_builddir/daemon/dossierd
DOSSIERCTL=$top_builddir/daemon/dossierctl
[ -x "$DOSSIERD" ] || { echo "build first: $DOSSIERD is missing" >&2; exit 1; }

rm -rf "$D"
mkdir -p "$D/dummy/sms/1" "$D/dummy/sms/2" "$D/dummy/sms/3" "$D/dummy/sms/4" "$D/dummy/sms/5"
sh "$top_srcdir/etc/demo/make-records.sh" "$D/records.db" 3000 || exit 1
cat > "$D/dossierd.conf" <<CONF
# Demo configuration: Gammu's dummy modem (a directory), the sample records database.
modems = ( { name = "demo"; device = "$D/dummy"; connection = "none"; model = "dummy"; poll_interval = 1; } );
records = { path = "$D/records.db";
  audiences = { waiting = "SELECT phone FROM dossiers WHERE status = 9 AND notify_sms = 1"; }; };
state = { path = "$D/state.db"; };
sms = { charset = "ascii"; per_minute = 600; };
# The demo sends its ready notices at any hour (the default window is 07:30-21:00).
notices = { window = "00:00-24:00"; };
CONF
"$DOSSIERD" -n -c "$D/dossierd.conf" || exit 1
"$DOSSIERD" -f -c "$D/dossierd.conf" > "$D/dossierd.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' EXIT INT TERM

wait_for() {	# wait_for SECONDS 'condition'
	end=$(( $(date +%s) + $1 )); shift
	while ! eval "$*"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
q() { sqlite3 -batch "$D/state.db" "$1" 2>/dev/null; }
wait_for 20 "grep -q connected '$D/dossierd.log'" || { cat "$D/dossierd.log"; exit 1; }

ctl() { "$DOSSIERCTL" -c "$D/dossierd.conf" "$@" >/dev/null || exit 1; }
# A sloppy valid code from the owner, an unknown code, help, a procedure code,
# two codes in one SMS (one due in the coming days, one overdue), and a returned
# result looked up from another number.
ctl inject 0912345678 "Tra cứu 000.00.12.h39 240824 1"
ctl inject 0903111222 "HS 000.00.12.H39-240824-0099"
ctl inject 0977123456 "hd"
ctl inject 0977123456 "1.001612.000.00.00.H48 la ma gi?"
# The sample is dated from the day the demo runs: take today's codes from it.
rq() { sqlite3 -batch "$D/records.db" "$1"; }
today=$(date +%Y-%m-%d)
due=$(rq "SELECT code FROM dossiers WHERE status = 4 AND due_at >= '$today' ORDER BY code LIMIT 1")
late=$(rq "SELECT code FROM dossiers WHERE status IN (2, 4) AND due_at < '$today' ORDER BY due_at DESC, code LIMIT 1")
done_=$(rq "SELECT code FROM dossiers WHERE status = 10 ORDER BY returned_at DESC, code LIMIT 1")
# Typed the way citizens type: spaces for dots, no separators, lower case and a short sequence.
ctl inject 0987654321 "$(echo "$due" | tr '.-' '  ' | sed 's/ 000*\([1-9]\)/ \1/'), $(echo "$late" | tr -d '.-')"
ctl inject 0909555666 "tra cuu $(echo "$done_" | tr 'A-Z' 'a-z' | sed 's/-000*\([1-9]\)/-\1/')"
n=6
# Replies go ahead of the ready notices the first scan of the sample records queued.
wait_for 60 "[ \"\$(q \"SELECT count(*) FROM inbox WHERE state = 'handled'\")\" = $n ] &&
    [ \"\$(q \"SELECT count(*) FROM outbox WHERE lane = 0 AND state IN ('queued', 'retry', 'sending')\")\" = 0 ]" ||
    { echo "demo: not all messages were answered; see $D/dossierd.log" >&2; exit 1; }
# Then the ready notices (the first scan, done before the replies, queued them)
# until none is due: one over a number's daily cap waits for tomorrow.
wait_for 30 "[ \"\$(q \"SELECT count(*) FROM outbox WHERE lane = 2 AND state IN ('queued', 'retry', 'sending')
    AND next_at <= strftime('%s', 'now')\")\" = 0 ]" ||
    echo "demo: ready notices still being sent; see $D/dossierd.log" >&2

echo
echo "=== SMS conversation through Gammu's dummy modem ==="
q "SELECT id, sender, text FROM inbox ORDER BY id" | while IFS='|' read -r id sender text; do
	printf '\n  %s -> gateway:  %s\n' "$sender" "$text"
	q "SELECT number, parts, text FROM outbox WHERE inbox_id = $id ORDER BY id" |
	    while IFS='|' read -r to parts body; do
		printf '  gateway -> %s (%s SMS):  %s\n' "$to" "$parts" "$body"
	done
done
echo
echo "=== Ready-for-pickup notices (the first scan of the records: results ready in the"
echo "    last notices.backfill_days days), e.g.:"
q "SELECT number, text FROM outbox WHERE lane = 2 ORDER BY id LIMIT 2" |
    while IFS='|' read -r to body; do printf '  gateway -> %s:  %s\n' "$to" "$body"; done
echo "  ($(q "SELECT count(*) FROM notices WHERE outcome = 'queued'") queued, $(q "SELECT count(*) FROM outbox WHERE lane = 2 AND state = 'sent'") sent so far, $(q "SELECT count(*) FROM notices WHERE outcome LIKE 'skipped%'") skipped: no consent or no mobile number)"
echo
echo "=== A staff broadcast to everyone with a result waiting: the dry run, then the real one ==="
BTEXT="Bộ phận một cửa nghỉ ngày 02/09. Kết quả hồ sơ của ông/bà vẫn được giữ. Xin cảm ơn."
echo "\$ dossierctl broadcast --audience waiting --text \"$BTEXT\" --dry-run"
"$DOSSIERCTL" -c "$D/dossierd.conf" broadcast --audience waiting --text "$BTEXT" --dry-run || exit 1
echo "\$ dossierctl broadcast --audience waiting --text \"...\" --yes"
"$DOSSIERCTL" -c "$D/dossierd.conf" broadcast --audience waiting --text "$BTEXT" --yes || exit 1
job=$(q "SELECT max(id) FROM broadcasts")
wait_for 90 "[ \"\$(q \"SELECT count(*) FROM outbox WHERE broadcast_id = $job AND state IN ('queued', 'retry', 'sending')
    AND next_at <= strftime('%s', 'now')\")\" = 0 ]" ||
    echo "demo: the broadcast is still being sent; see $D/dossierd.log" >&2
echo "\$ dossierctl broadcast --list"
"$DOSSIERCTL" -c "$D/dossierd.conf" broadcast --list
echo "  (each recipient once: $(q "SELECT count(*) FROM outbox WHERE broadcast_id = $job AND state = 'sent'") sent to $(q "SELECT count(DISTINCT number) FROM outbox WHERE broadcast_id = $job AND state = 'sent'") distinct numbers; over a number's daily cap: held to tomorrow)"
echo
"$DOSSIERCTL" -c "$D/dossierd.conf" status
kill -TERM $pid
wait $pid
trap - EXIT
echo
echo "demo files (config, databases, log) are in $D"
