#!/bin/sh
# Crash safety: SIGKILL dossierd at random points, at least 20 times, while 500
# inbound queries arrive and 200 dossiers turn ready; restart it each time. Then:
# every query answered exactly once, every dossier noticed exactly once (a notice
# in flight at a kill is marked uncertain and not resent; a reply in flight is
# queued again and may go out twice: both are counted), and the state database
# passes PRAGMA integrity_check after every kill.
. "$(dirname "$0")/lib.sh"

NQ=500		# inbound queries
NN=200		# dossiers turning ready (notices)
NLOOKUP=100	# dossiers that exist for lookups
BATCH=25	# queries injected per batch (NQ / BATCH batches)
NFLIP=25	# dossiers flipped to 9 per flip (after every other batch)
MINKILLS=20
DRAINKILLS=4	# kills after the last injection, while the queue drains
LIMIT=170	# seconds for the whole test (brief: < 3 minutes)

t0=$(date +%s)
elapsed() { echo $(( $(date +%s) - t0 )); }
now_iso() { date '+%Y-%m-%dT%H:%M:%S'; }
days_ago() { date -d "$1 days ago" '+%Y-%m-%dT%H:%M:%S'; }
# A random integer 0..65535 without $RANDOM.
rand16() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
# A random delay of 0.200-1.500 s, as sleep(1) takes it.
rand_delay() { _ms=$(( 200 + $(rand16) % 1301 )); printf '%d.%03d' $(( _ms / 1000 )) $(( _ms % 1000 )); }
# (dossierctl inject opens the state database too: wait for its locks as it waits for ours)
integrity() { sqlite3 -batch -cmd '.timeout 10000' "$T/state.db" 'PRAGMA integrity_check' 2>&1; }

# --- The records database: NN dossiers in status 4 (distinct mobiles 0913000001..),
# NLOOKUP dossiers to look up (status 5, phones 0914000001..).
R="$T/records.db"
sqlite3 "$R" < "$top_srcdir/etc/records-schema.sql" || fail "schema"
rsql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NN)
    INSERT INTO dossiers (code, procedure, phone, office, status, received_at, due_at, updated_at)
    SELECT printf('000.00.12.H39-261201-%04d', i), 'Chung thuc ban sao', printf('0913%06d', i),
        'UBND xa Hoa Tien', 4, '2026-11-20', '2026-12-20', '$(days_ago 1)' FROM n" || fail "records: notice rows"
rsql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NLOOKUP)
    INSERT INTO dossiers (code, procedure, phone, office, status, received_at, due_at, updated_at)
    SELECT printf('000.00.12.H39-261202-%04d', i), 'Cap ban sao trich luc', printf('0914%06d', i),
        'UBND xa Hoa Tien', 5, '2026-11-21', '2026-12-21', '$(days_ago 2)' FROM n" || fail "records: lookup rows"
[ "$(rsql 'SELECT count(*) FROM dossiers')" = $((NN + NLOOKUP)) ] || fail "records: row count"

write_conf "per_minute = 6000;" \
    "lookups_per_day = 10000; misses_per_hour = 10000; replies_per_number_per_day = 10000;" \
    'notices = { window = "00:00-00:00"; poll_interval = 1; };'

# start a daemon and wait for this run's "connected" (the log is appended to across runs)
nconnected() { grep -c 'modem: dummy: connected$' "$T/dossierd.log" || true; }
: >> "$T/dossierd.log"
restart() {
	_before=$(nconnected)
	"$DOSSIERD" -f -c "$T/d.conf" >> "$T/dossierd.log" 2>&1 &
	DPID=$!
	wait_for 20 "[ \"\$(nconnected)\" -gt $_before ] || ! kill -0 $DPID 2>/dev/null" ||
	    fail "restart after kill $kills: the daemon did not connect to the dummy modem"
	kill -0 "$DPID" 2>/dev/null || { wait "$DPID"; fail "restart after kill $kills: the daemon exited (status $?)"; }
}

# --- The traffic: a background loop injecting batches of BATCH distinct queries
# (sender 0915000001.. each once), paced by the killer (batch b goes after kill b-1)
# so that traffic flows through every kill, and flipping NFLIP dossiers to status 9
# after every other batch.
query_text() {	# query_text I: a found code, a not-found code, or sloppy spacing
	_i=$1
	case $(( _i % 5 )) in
	0) printf '000.00.12.H39-261209-%04d' "$_i" ;;			# not found
	1) printf 'tra cuu 000.00.12.H39 261202 %d' $(( _i % NLOOKUP + 1 )) ;;
	*) printf '000.00.12.H39-261202-%04d' $(( _i % NLOOKUP + 1 )) ;;
	esac
}
echo 0 > "$T/kills"
traffic() {
	trap - EXIT
	b=0 i=0 f=0
	while [ $i -lt $NQ ]; do
		# wait for the killer (bounded: the killer fails the test on its own
		# deadline, and the cleanup then ends this loop)
		while [ "$(cat "$T/kills")" -lt $b ]; do sleep 0.05; done
		n=0
		while [ $n -lt $BATCH ] && [ $i -lt $NQ ]; do
			i=$((i + 1)); n=$((n + 1))
			"$DOSSIERCTL" -c "$T/d.conf" inject "$(printf '0915%06d' "$i")" "$(query_text "$i")" \
			    >/dev/null 2>>"$T/inject.err" || { echo "inject $i failed" >> "$T/inject.failed"; exit 1; }
		done
		b=$((b + 1))
		if [ $((b % 2)) = 0 ] && [ $f -lt $NN ]; then
			t=$(now_iso)
			sqlite3 -batch -cmd '.timeout 10000' "$R" "UPDATE dossiers SET status = 9,
			    finished_at = '$t', updated_at = '$t'
			    WHERE code > '000.00.12.H39-261201-$(printf %04d $f)'
			      AND code <= '000.00.12.H39-261201-$(printf %04d $((f + NFLIP)))'" \
			    2>>"$T/inject.err" || { echo "flip $f failed" >> "$T/inject.failed"; exit 1; }
			f=$((f + NFLIP))
		fi
	done
	# any dossiers not flipped yet (NQ / BATCH / 2 * NFLIP < NN): all at once now
	if [ $f -lt $NN ]; then
		t=$(now_iso)
		sqlite3 -batch -cmd '.timeout 10000' "$R" "UPDATE dossiers SET status = 9, finished_at = '$t',
		    updated_at = '$t' WHERE code LIKE '000.00.12.H39-261201-%' AND status = 4" \
		    2>>"$T/inject.err" || { echo "final flip failed" >> "$T/inject.failed"; exit 1; }
	fi
	echo "$i" > "$T/inject.done"
}

kills=0
restart
traffic &
TPID=$!
EXTRA_PIDS="$TPID"

# --- The killer: random 0.2-1.5 s of running, SIGKILL, integrity check, restart.
while :; do
	[ -f "$T/inject.failed" ] && fail "traffic: $(cat "$T/inject.failed"): $(tail -3 "$T/inject.err")"
	if [ -f "$T/inject.done" ] && [ $kills -ge $MINKILLS ]; then
		[ -z "${done_at:-}" ] && done_at=$kills
		[ $kills -ge $((done_at + DRAINKILLS)) ] && break
	fi
	[ "$(elapsed)" -lt $((LIMIT - 40)) ] ||
	    fail "kill loop still running after $(elapsed) s ($kills kills, injected: $(cat "$T/inject.done" 2>/dev/null || echo unfinished))"
	sleep "$(rand_delay)"
	kill -0 "$DPID" 2>/dev/null || { wait "$DPID"; fail "the daemon exited on its own (status $?) before kill $((kills + 1))"; }
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null
	DPID=""
	kills=$((kills + 1))
	echo "$kills" > "$T/kills.new" && mv "$T/kills.new" "$T/kills"	# atomic for the traffic loop
	ic=$(integrity)
	[ "$ic" = ok ] || fail "PRAGMA integrity_check after kill $kills: $ic"
	restart
done
wait "$TPID" || fail "traffic loop failed: $(cat "$T/inject.failed" 2>/dev/null)"
EXTRA_PIDS=""
[ "$(cat "$T/inject.done")" = $NQ ] || fail "injected $(cat "$T/inject.done"), want $NQ"

# --- Drain: everything read from the modem, handled, sent (or uncertain).
left=$((LIMIT - $(elapsed)))
[ $left -gt 5 ] || fail "no time left to drain ($(elapsed) s)"
wait_for $left "[ -z \"\$(ls '$T/dummy/sms/1')\" ] &&
    [ \"\$(sql \"SELECT count(*) FROM inbox WHERE state = 'handled'\")\" = $NQ ] &&
    [ \"\$(sql \"SELECT count(*) FROM notices WHERE kind = 'ready'\")\" = $NN ] &&
    [ \"\$(sql \"SELECT count(*) FROM outbox WHERE state IN ('queued', 'retry', 'sending')\")\" = 0 ]" ||
    fail "did not drain in $(elapsed) s: left on the modem: $(ls "$T/dummy/sms/1" | wc -l);" \
        "inbox by state: $(sql "SELECT group_concat(state || '=' || c) FROM (SELECT state, count(*) c FROM inbox GROUP BY state)");" \
        "ready notices: $(sql "SELECT count(*) FROM notices WHERE kind = 'ready'");" \
        "outbox by lane/state: $(sql "SELECT group_concat(lane || '/' || state || '=' || c) FROM (SELECT lane, state, count(*) c FROM outbox GROUP BY lane, state)")"
stop_daemon
ic=$(integrity)
[ "$ic" = ok ] || fail "PRAGMA integrity_check after the run: $ic"

# Rows to show when an assertion fails.
show() { sqlite3 -batch -header -column "$T/state.db" "$1" | head -20; }

# --- Inbound: each of the NQ messages stored once and handled once.
[ "$(sql "SELECT count(*), count(DISTINCT sender) FROM inbox")" = "$NQ|$NQ" ] ||
    fail "inbox rows/distinct senders = $(sql "SELECT count(*), count(DISTINCT sender) FROM inbox"), want $NQ|$NQ:
$(show "SELECT sender, count(*) n, group_concat(id) ids FROM inbox GROUP BY sender HAVING n > 1")"
[ "$(sql "SELECT count(*) FROM inbox WHERE state != 'handled' OR kind IS NULL OR handled_at IS NULL")" = 0 ] ||
    fail "inbox rows not handled: $(show "SELECT id, sender, state, kind, outcome FROM inbox WHERE state != 'handled'")"
[ "$(sql "SELECT count(*) FROM parts")" = 0 ] || fail "multipart rows from single-part queries"
# a query is logged once when its handling commits: twice would be a second handling
dup=$(sed -n 's/.*inbox: #\([0-9]*\) from .*/\1/p' "$T/dossierd.log" | sort | uniq -d | head -5)
[ -z "$dup" ] || fail "inbox rows handled twice according to the log: $(echo "$dup" | paste -sd' ' -)
$(grep -E "inbox: #($(echo "$dup" | paste -sd'|' -)) from" "$T/dossierd.log")"
# lookups are audited in the same transaction: one audit row per query
[ "$(sql "SELECT count(*) FROM audit WHERE outcome IN ('found', 'not_found')")" = $NQ ] ||
    fail "audit rows: $(sql "SELECT group_concat(outcome || '=' || c) FROM (SELECT outcome, count(*) c FROM audit GROUP BY outcome)"), want $NQ lookups"
nf=$(sql "SELECT count(*) FROM audit WHERE outcome = 'not_found'")
[ "$nf" = $((NQ / 5)) ] || fail "not-found lookups: $nf, want $((NQ / 5))"

# --- Replies: exactly one reply row per query, all sent; resent (uncertain) ones counted.
[ "$(sql "SELECT count(*), count(DISTINCT inbox_id), count(DISTINCT number) FROM outbox WHERE lane = 0")" = "$NQ|$NQ|$NQ" ] ||
    fail "reply rows/distinct queries/distinct numbers = $(sql "SELECT count(*), count(DISTINCT inbox_id), count(DISTINCT number) FROM outbox WHERE lane = 0"), want $NQ|$NQ|$NQ:
$(show "SELECT inbox_id, number, count(*) n, group_concat(id) outbox_ids FROM outbox WHERE lane = 0 GROUP BY inbox_id HAVING n > 1")"
[ "$(sql "SELECT count(*) FROM inbox i LEFT JOIN outbox o ON o.inbox_id = i.id AND o.lane = 0
    WHERE o.id IS NULL OR o.number != '+84' || substr(i.sender, 2)")" = 0 ] ||
    fail "queries without their reply: $(show "SELECT i.id, i.sender, o.id, o.number FROM inbox i LEFT JOIN outbox o ON o.inbox_id = i.id AND o.lane = 0 WHERE o.id IS NULL OR o.number != '+84' || substr(i.sender, 2)")"
answered=$(sql "SELECT count(*) FROM outbox WHERE lane = 0 AND state = 'sent'")
[ "$answered" = $NQ ] ||
    fail "replies sent: $answered of $NQ: $(show "SELECT id, inbox_id, state, attempts, uncertain, last_error FROM outbox WHERE lane = 0 AND state != 'sent'")"
[ "$(sql "SELECT count(*) FROM outbox WHERE lane NOT IN (0, 2)")" = 0 ] ||
    fail "unexpected outbox lanes: $(show "SELECT id, lane, number, state FROM outbox WHERE lane NOT IN (0, 2)")"
# "sent to" is logged after the sent commit: more than once only for a row queued
# again after a kill (uncertain = 1), the documented exception for replies.
sentlog() { sed -n 's/.*outbox: #\([0-9]*\): sent to .*/\1/p' "$T/dossierd.log" | sort | uniq -c | awk '$1 > 1 { print $2 }'; }
multi=$(sentlog)
if [ -n "$multi" ]; then
	ids=$(echo "$multi" | paste -sd, -)
	bad=$(sql "SELECT group_concat(id) FROM outbox WHERE id IN ($ids) AND NOT (lane = 0 AND uncertain = 1)")
	[ -z "$bad" ] || fail "outbox rows sent more than once without being uncertain replies: $bad
$(show "SELECT id, lane, number, state, attempts, uncertain, last_error FROM outbox WHERE id IN ($bad)")
$(grep -E "outbox: #($(echo "$bad" | tr ',' '|')): sent to" "$T/dossierd.log")"
fi
resent=$(sql "SELECT count(*) FROM outbox WHERE lane = 0 AND uncertain = 1")
if [ "$resent" != 0 ]; then
	echo "20-kill-restart: $resent reply row(s) were in flight at a kill and queued again (may have gone out twice):"
	show "SELECT id, inbox_id, number, state, attempts, uncertain FROM outbox WHERE lane = 0 AND uncertain = 1"
fi

# --- Notices: one ledger row per dossier, one outbox row each, sent or uncertain, none resent.
[ "$(sql "SELECT count(*), count(DISTINCT code), count(DISTINCT outbox_id), count(DISTINCT number) FROM notices WHERE kind = 'ready'")" = "$NN|$NN|$NN|$NN" ] ||
    fail "ready notices rows/codes/outbox rows/numbers = $(sql "SELECT count(*), count(DISTINCT code), count(DISTINCT outbox_id), count(DISTINCT number) FROM notices WHERE kind = 'ready'"), want $NN:
$(show "SELECT code, count(*) n, group_concat(outbox_id) FROM notices WHERE kind = 'ready' GROUP BY code HAVING n > 1")"
[ "$(sql "SELECT count(*) FROM notices WHERE kind != 'ready' OR outcome != 'queued' OR code NOT LIKE '000.00.12.H39-261201-%'")" = 0 ] ||
    fail "unexpected ledger rows: $(show "SELECT id, code, kind, n, outcome FROM notices WHERE kind != 'ready' OR outcome != 'queued' OR code NOT LIKE '000.00.12.H39-261201-%'")"
[ "$(sql "SELECT count(*) FROM outbox WHERE lane = 2")" = $NN ] ||
    fail "notice outbox rows: $(sql "SELECT count(*) FROM outbox WHERE lane = 2"), want $NN:
$(show "SELECT number, count(*) n, group_concat(id) FROM outbox WHERE lane = 2 GROUP BY number HAVING n > 1")"
[ "$(sql "SELECT count(*) FROM notices n JOIN outbox o ON o.id = n.outbox_id
    WHERE o.lane = 2 AND o.number = n.number AND n.number = '+8491300' || substr(n.code, -4)
      AND o.text LIKE '%' || n.code || '%'")" = $NN ] ||
    fail "notices not matching their dossier: $(show "SELECT n.code, n.number, o.id, o.lane, o.number, o.text FROM notices n LEFT JOIN outbox o ON o.id = n.outbox_id WHERE o.id IS NULL OR o.lane != 2 OR o.number != n.number OR n.number != '+8491300' || substr(n.code, -4)")"
[ "$(sql "SELECT count(*) FROM outbox WHERE lane = 2 AND NOT (state = 'sent' AND uncertain = 0 OR state = 'uncertain' AND uncertain = 1)")" = 0 ] ||
    fail "notice rows neither sent nor uncertain (an uncertain notice must never be resent):
$(show "SELECT id, number, state, attempts, uncertain, last_error FROM outbox WHERE lane = 2 AND NOT (state = 'sent' AND uncertain = 0 OR state = 'uncertain' AND uncertain = 1)")"
notices=$(sql "SELECT count(*) FROM outbox WHERE lane = 2 AND state = 'sent'")
unc=$(sql "SELECT count(*) FROM outbox WHERE lane = 2 AND state = 'uncertain'")
if [ "$unc" != 0 ]; then
	echo "20-kill-restart: $unc notice(s) were in flight at a kill and are uncertain (not resent):"
	show "SELECT o.id, n.code, o.number, o.state, o.attempts, o.last_error FROM outbox o JOIN notices n ON n.outbox_id = o.id WHERE o.lane = 2 AND o.state = 'uncertain'"
fi
[ $((notices + unc)) = $NN ] || fail "notices sent $notices + uncertain $unc != $NN"
[ $kills -ge $MINKILLS ] || fail "only $kills kills"
grep -q 'fatal\|corrupt\|malformed' "$T/dossierd.log" &&
    fail "errors in the log: $(grep 'fatal\|corrupt\|malformed' "$T/dossierd.log" | head -5)"
echo "20-kill-restart: ok ($(elapsed) s: $kills kills, $answered/$NQ answered, $((notices + unc))/$NN notices once ($notices sent, $unc uncertain not resent), $resent uncertain replies resent)"
