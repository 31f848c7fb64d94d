#!/bin/sh
# An inbound flood: 1,000 SMS from 1,000 different numbers reach ONE modem (the
# number printed on the receipts) within a minute, 15% of them back to back (a
# backlog after a network outage); its SIM has 30 slots (the fake modem's
# default), so during the burst the network keeps messages waiting (pending)
# until dossierd frees a slot. The replies go out through a pool on one queue: the
# inbound modem and FLOOD_SENDERS more (libgammu waits ~0.7 s in every send, so
# one modem alone would need ~13 minutes for 1,000 replies).
# Asserted: every message is answered exactly once with the right kind of reply;
# the inbox follows the order the messages reached the SIM and replies are
# claimed in inbox order; the SIM is never full with messages waiting for long;
# the daemon and every worker survive; nothing is left in the inbox, nothing
# failed. Prints the injection span, the SIM-full figures, the time to the last
# reply and each modem's share. Environment: FLOOD_N (1000), FLOOD_SECONDS (60),
# FLOOD_SENDERS (5), KEEP=1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fakemodem.sh"
N=${FLOOD_N:-1000}
SPAN=${FLOOD_SECONDS:-60}
K=${FLOOD_SENDERS:-5}
CAP=30
t_start=$(now)
make_records 300

start_fm() {	# start_fm NAME: a fake modem, SIM of $CAP slots
	$FM --link "$T/$1" --log "$T/$1.log" --control "$T/$1.sock" --trace "$T/$1.trace" \
	    --sim-capacity $CAP > "$T/$1.out" 2>&1 &
	EXTRA_PIDS="$EXTRA_PIDS $!"
	wait_for 10 "grep -qs ready '$T/$1.out'" || fail "fake modem $1 did not start"
}
# The modem citizens text: its replies may go out on any modem (reply_same_modem
# = false), or it would be the only one answering its own flood.
MODEM="inb"
mods="{ name = \"$MODEM\"; device = \"$T/$MODEM\"; connection = \"dku2at\"; model = \"at\";
    reply_same_modem = false; poll_interval = 10; send_timeout = 15; step_timeout = 10; status_interval = 60; }"
start_fm "$MODEM"
i=1
while [ $i -le "$K" ]; do
	start_fm "s$i"
	mods="$mods,
  { name = \"s$i\"; device = \"$T/s$i\"; connection = \"dku2at\"; model = \"at\";
    poll_interval = 30; send_timeout = 15; step_timeout = 10; status_interval = 60; }"
	i=$((i + 1))
done
# sms.per_minute paces each modem (100 ms between sends here, below libgammu's own
# ~0.7 s); the limits are per number and each number sends one message, but they
# are set here so that a change of the defaults cannot silence part of the flood.
# The guessing alarm stays off: 209 misses from 209 numbers in a minute would
# raise it and hold every lookup reply limits.alarm_delay s, out of arrival
# order (34-guessing.sh tests it). No delivery reports (they would be stored on
# the sending SIMs), no USSD, no notices from the sample records.
cat > "$T/d.conf" <<CONF
modems = ( $mods );
records = { path = "$T/records.db"; };
state = { path = "$T/state.db"; };
sms = { per_minute = 600; delivery_reports = false; max_codes = 3; };
limits = { lookups_per_day = 20; misses_per_hour = 5; replies_per_number_per_day = 30;
    global_misses_per_hour = 1000000; };
notices = { backfill_days = 0; };
ussd = { interval = 0; };
CONF
"$DOSSIERD" -f -c "$T/d.conf" >> "$T/dossierd.log" 2>&1 &
DPID=$!
wait_for 60 "[ \"\$(sql \"SELECT count(*) FROM modems WHERE state = 'ready'\" 2>/dev/null)\" = $((K + 1)) ]" ||
    fail "the modems are not ready: $(sql "SELECT name, state, last_error FROM modems")"
wait_for 15 "[ \"\$($FM ctl $T/$MODEM.sock stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"cnmi\"])')\" != None ]" ||
    fail "dossierd did not enable +CMTI on $MODEM"
echo "33-flood: $((K + 1)) modems ready in $(elapsed "$t_start") s"

# --- The flood: N messages from N numbers over SPAN seconds, through the control
# socket directly (one JSON line each), the plan written for the checks below.
python3 - "$T" "$MODEM" "$N" "$SPAN" <<'PY' || fail "injection (above)"
import json, random, socket, sqlite3, sys, time
T, modem, n, span = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
rnd = random.Random(33)
codes = [r[0] for r in sqlite3.connect(T + "/records.db").execute(
    "SELECT code FROM dossiers ORDER BY code")]
# Vietnamese mobile prefixes (Viettel, Vinaphone, MobiFone, Vietnamobile, Gmobile, Itel).
prefixes = ["32", "33", "34", "35", "36", "37", "38", "39", "86", "96", "97", "98",
            "81", "82", "83", "84", "85", "88", "91", "94", "70", "76", "77", "78", "79",
            "89", "90", "93", "52", "56", "58", "92", "59", "99", "87"]
numbers = set()
while len(numbers) < n:
    numbers.add("+84" + rnd.choice(prefixes) + "%07d" % rnd.randrange(10 ** 7))
numbers = sorted(numbers)
rnd.shuffle(numbers)

def sloppy(code):
    """A real code as citizens type it."""
    agency, day, seq = code.split("-")
    return rnd.choice([
        code, code.lower(), "TRA CUU " + code, "Tra cứu " + agency.lower() + " " + day + " " + str(int(seq)),
        "HS " + code, "tc " + code.replace(".", " "), code.replace(".", "").replace("-", ""),
        "Cho hỏi hồ sơ " + code + " đã xong chưa ạ", "cho hoi ho so " + code + " da xong chua",
        "Kính gửi bộ phận một cửa, tôi muốn tra cứu tình trạng hồ sơ số " + code +
        " đã nộp tháng trước, xin cảm ơn nhiều ạ"])

def missing():
    """A well-formed code that is not in the records."""
    while True:
        c = "000.00.%02d.H39-2%d%02d%02d-%04d" % (rnd.choice([11, 12, 15, 24, 27]), rnd.choice([5, 6]),
                                                rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(900, 9999))
        if c not in codes:
            return c

helps = ["HD", "hd", "Hướng dẫn", "huong dan", "HELP", "?", "Huong Dan"]
chat = ["xin chào", "Cho tôi hỏi hồ sơ của tôi đến đâu rồi", "cho toi hoi ho so cua toi den dau roi",
        "Bao giờ có kết quả ạ?", "alo", "Tôi đã nộp hồ sơ đăng ký khai sinh cho con, khi nào thì nhận được?",
        "ok cam on", "Làm sao để tra cứu hồ sơ đất đai"]
plan = []
for i, num in enumerate(numbers):
    r = rnd.random()
    if r < 0.45:
        code = rnd.choice(codes)
        plan.append({"from": num, "text": sloppy(code), "kind": "found", "code": code})
    elif r < 0.65:
        code = missing()
        text = rnd.choice([code, "tra cuu " + code, "Tra cứu hồ sơ " + code])
        plan.append({"from": num, "text": text, "kind": "not_found", "code": code})
    elif r < 0.80:
        plan.append({"from": num, "text": rnd.choice(helps), "kind": "help"})
    else:
        plan.append({"from": num, "text": rnd.choice(chat), "kind": "bad_syntax"})
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(T + "/" + modem + ".sock")
f = s.makefile("rw", encoding="utf-8", newline="\n")
# Evenly over the span, but for a backlog the network hands over at once at 30%
# of it (as after a network outage): 15% of the messages back to back, then the
# rest evenly to the end. The burst fills the SIM and the network queues.
b0, b1 = int(n * 0.30), int(n * 0.45)
def due(i):
    if i < b0:
        return i * span / n
    if i < b1:
        return b0 * span / n
    return b0 * span / n + (i - b1 + 1) * (span - b0 * span / n) / (n - b1)
t0 = time.time()
for i, p in enumerate(plan):
    d = t0 + due(i) - time.time()
    if d > 0:
        time.sleep(d)
    f.write(json.dumps({"cmd": "inject", "from": p["from"], "text": p["text"]}) + "\n")
    f.flush()
    a = json.loads(f.readline())
    if not a.get("ok"):
        sys.exit("inject %d: %s" % (i, a))
    p["t"] = time.time()
    p["parts"] = a["parts"]
t1 = time.time()
with open(T + "/plan.jsonl", "w", encoding="utf-8") as out:
    for p in plan:
        out.write(json.dumps(p, ensure_ascii=False) + "\n")
kinds = {}
for p in plan:
    kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
print("33-flood: injected %d messages (%d parts; %s) in %.1f s, %d of them back to back in %.2f s" %
      (n, sum(p["parts"] for p in plan), ", ".join("%s %d" % kv for kv in sorted(kinds.items())),
       t1 - t0, b1 - b0, plan[b1 - 1]["t"] - plan[b0]["t"]))
with open(T + "/inject.t", "w") as out:
    out.write("%f %f\n" % (t0, t1))
PY

# --- Every one answered: all N handled, all replies sent.
done_sql="SELECT (SELECT count(*) FROM outbox WHERE state = 'sent') >= $N
    AND (SELECT count(*) FROM inbox WHERE state != 'handled') = 0
    AND (SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending', 'retry')) = 0"
wait_for 600 "[ \"\$(sql \"\$done_sql\")\" = 1 ]" ||
    fail "flood not answered: inbox $(sql "SELECT state, count(*) FROM inbox GROUP BY 1"), outbox $(sql "SELECT state, count(*) FROM outbox GROUP BY 1")"
kill -0 "$DPID" 2>/dev/null || fail "dossierd died"
for m in $MODEM $(i=1; while [ $i -le "$K" ]; do echo "s$i"; i=$((i + 1)); done); do
	[ "$(pgrep -f -- "-c $T/d.conf -W $m\$" | wc -l)" = 1 ] || fail "not one worker process for $m"
done
[ "$(grep -c 'worker started' "$T/dossierd.log")" = $((K + 1)) ] ||
    fail "a worker was started again: $(grep 'pool:' "$T/dossierd.log" | tail -5)"
# Stopped before the checks: nothing can leave after them.
stop_daemon
grep -q "dossierd: stopped" "$T/dossierd.log" || fail "no clean stop"

python3 - "$top_srcdir/tests/fakemodem" "$T" "$MODEM" "$K" "$CAP" <<'PY' || fail "flood checks (above)"
import bisect, collections, json, sqlite3, sys
sys.path.insert(0, sys.argv[1])
import fakemodem
T, inb, k, cap = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
names = [inb] + ["s%d" % i for i in range(1, k + 1)]
logs = {m: fakemodem.read_log("%s/%s.log" % (T, m)) for m in names}
plan = [json.loads(l) for l in open(T + "/plan.jsonl", encoding="utf-8")]
t0, t1 = (float(x) for x in open(T + "/inject.t").read().split())
db = sqlite3.connect(T + "/state.db")
err = []

# -- Exactly once: the state DB against what left the modems, per recipient.
rows = db.execute("SELECT id, number, state, text, parts, lane, inbox_id, uncertain, attempts FROM outbox").fetchall()
by_num = collections.defaultdict(list)
for r in rows:
    by_num[r[1]].append(r)
    if r[2] != "sent" or r[7] or r[8] != 1:
        err.append("outbox #%d to %s: %s, uncertain %d, %d attempt(s)" % (r[0], r[1], r[2], r[7], r[8]))
lanes = collections.Counter(r[5] for r in rows)
if len(lanes) != 1:
    err.append("not only replies in the outbox: lanes %s" % dict(lanes))
out = collections.defaultdict(list)	# number -> [(modem, message)]
first_t, last_t = {}, {}		# number -> time of its first / last part on the wire
seq = collections.defaultdict(list)	# modem -> [(t first part, t last part, number)]
for m in names:
    for msg in fakemodem.reassemble(logs[m], "sent"):
        out[msg["to"]].append((m, msg))
        if not msg["complete"]:
            err.append("incomplete message to %s on %s: %r" % (msg["to"], m, msg["text"]))
    ts = collections.defaultdict(list)
    for e in logs[m]:
        if e.get("event") == "sent":
            ts[e["to"]].append(e["t"])
        if e.get("event") in ("send_failed", "bad_pdu"):
            err.append("%s on %s: %s" % (e["event"], m, e))
    for num, v in ts.items():
        first_t[num], last_t[num] = min(v), max(v)
        seq[m].append((min(v), max(v), num))
for p in plan:
    num = p["from"]
    got, want = out.get(num, []), by_num.get(num, [])
    if len(got) != 1 or len(want) != 1:
        err.append("%s (%s %r): %d message(s) out, %d outbox row(s)" % (num, p["kind"], p["text"], len(got), len(want)))
        continue
    text = got[0][1]["text"]
    if text != want[0][3]:
        err.append("%s: the modem sent %r, the outbox has %r" % (num, text, want[0][3]))
    expect = {"found": p.get("code", ""), "not_found": "Khong tim thay ho so " + p.get("code", ""),
              "help": "Tra cuu ho so", "bad_syntax": "Chua dung cu phap"}[p["kind"]]
    if expect not in text or (p["kind"] == "found" and ("Khong tim thay" in text or "Hen tra" not in text)):
        err.append("%s sent %r (%s) and got %r" % (num, p["text"], p["kind"], text))
extra = set(out) - set(p["from"] for p in plan)
if extra:
    err.append("messages to numbers that sent nothing: %s" % sorted(extra)[:5])

# -- Inbound: each message one inbox row, handled, answered, nothing else.
inbox = db.execute("SELECT id, sender, text, state, outcome FROM inbox ORDER BY id").fetchall()
want_in = collections.Counter((p["from"], p["text"]) for p in plan)
got_in = collections.Counter((s, t) for _, s, t, _, _ in inbox)
for kx in sorted(set(want_in) | set(got_in)):
    if want_in[kx] != got_in[kx]:
        err.append("from %s: sent %d time(s), %d inbox row(s): %r" % (kx[0], want_in[kx], got_in[kx], kx[1]))
for i, s, t, state, outcome in inbox:
    if state != "handled" or outcome != "answered":
        err.append("inbox #%d from %s: %s, %s" % (i, s, state, outcome))
recv = collections.Counter()
for e in logs[inb]:
    if e.get("event") == "received":
        recv[e["from"]] += 1
for m in names[1:]:
    if any(e.get("event") in ("received", "pending") for e in logs[m]):
        err.append("modem %s received messages" % m)
missing_parts = [p["from"] for p in plan if recv[p["from"]] != p["parts"]]
if missing_parts:
    err.append("%d sender(s) with parts never stored on the SIM, e.g. %s" % (len(missing_parts), missing_parts[:3]))

# -- Order: a message reaches the modem when its last part is stored on the SIM
# (its "received" event; one sender, one message). The inbox must follow that
# order, since the reply lane is served in inbox order.
arrived = {}
for e in logs[inb]:
    if e.get("event") == "received":
        arrived[e["from"]] = e["t"]
inv = [(a, b) for a, b in zip(inbox, inbox[1:]) if arrived.get(b[1], 0) < arrived.get(a[1], 0)]
if inv:
    a, b = inv[0]
    err.append("%d inbox row(s) out of arrival order, e.g. #%d (stored %.3f) before #%d (stored %.3f)" %
               (len(inv), a[0], arrived.get(a[1], 0), b[0], arrived.get(b[1], 0)))
# Outbox ids follow inbox ids (one reply each, queued as the message is handled).
oid = {r[6]: r[0] for r in rows}
ids = [oid.get(i) for i, _, _, _, _ in inbox]
if None in ids or ids != sorted(ids):
    err.append("reply ids do not follow inbox ids")
# Claims: each modem sends one message at a time and always claims the lowest
# waiting id, so (1) every modem's replies leave in increasing id order and (2)
# a reply with a higher id may reach the network before a lower one only if it
# left after the lower one's modem had finished its previous send (the lower one
# was then already claimed and in flight on that modem): that is the only
# interleaving the pool explains. Nothing else is allowed.
rid = collections.defaultdict(int, {r[1]: r[0] for r in rows})	# 0: no row (reported above)
prev_end = {}	# number -> when its modem's previous send ended (0: its first)
for m in names:
    v = sorted(seq[m])
    for a, b in zip(v, v[1:]):
        if rid[b[2]] < rid[a[2]]:
            err.append("%s sent #%d after #%d" % (m, rid[b[2]], rid[a[2]]))
    for j, x in enumerate(v):
        prev_end[x[2]] = v[j - 1][1] if j > 0 else 0.0
sent_sorted = sorted((first_t[num], rid[num]) for num in first_t)
top, hi = [], 0	# top[j]: the highest id among the first j + 1 replies on the wire
for _, i2 in sent_sorted:
    hi = max(hi, i2)
    top.append(hi)
times = [t for t, _ in sent_sorted]
late = 0
for num in first_t:
    j = bisect.bisect_left(times, prev_end[num])
    if j > 0 and top[j - 1] > rid[num]:
        late += 1
        if late <= 3:
            err.append("a reply with a higher id than #%d left before its modem was free (%.2f)" %
                       (rid[num], prev_end[num]))
overtaken = sum(1 for a, b in zip(sent_sorted, sent_sorted[1:]) if b[1] < a[1])
share = collections.Counter()
for m in names:
    share[m] = len(seq[m])

# -- The SIM of the inbound modem: occupancy from received/deleted events, the
# network's queue from pending events (each sender sends one message, so a part
# is known by sender and part number).
occ, pend, waiting = set(), {}, []
full_since, longest, full_total, max_pend = None, 0.0, 0.0, 0
max_occ = 0
for e in logs[inb]:
    ev, t = e.get("event"), e["t"]
    if ev == "pending":
        pend[(e.get("from"), e.get("part"))] = t
    elif ev == "received":
        occ.add(e["index"])
        w = pend.pop((e.get("from"), e.get("part")), None)
        if w is not None:
            waiting.append(t - w)
    elif ev == "deleted":
        occ.discard(e["index"])
    elif ev == "status_report" and e.get("index") is not None:
        occ.add(e["index"])
    else:
        continue
    max_occ, max_pend = max(max_occ, len(occ)), max(max_pend, len(pend))
    now_full = len(occ) >= cap and len(pend) > 0
    if now_full and full_since is None:
        full_since = t
    elif not now_full and full_since is not None:
        longest = max(longest, t - full_since)
        full_total += t - full_since
        full_since = None
if full_since is not None:
    err.append("the SIM is still full with %d message(s) waiting" % len(pend))
if pend:
    err.append("%d part(s) still waiting for a slot" % len(pend))
last = max(last_t.values()) if last_t else t0
longest_wait = max(waiting) if waiting else 0.0
print("33-flood: SIM of %d slots: at most %d used, %d part(s) waited for a slot (at most %d at once, "
      "longest wait %.1f s); full with messages waiting %.1f s in all, longest stretch %.1f s" %
      (cap, max_occ, len(waiting), max_pend, longest_wait, full_total, longest))
print("33-flood: last reply out %.1f s after the first message, %.1f s after the last; "
      "%d replies in inbox order, %d overtaken by a later one on another modem; share %s" %
      (last - t0, last - t1, len(rows), overtaken, ", ".join("%s %d" % (m, share[m]) for m in names)))
# Bounds. dossierd reads the SIM as soon as +CMTI comes and deletes what it
# committed, so with the SIM full a slot comes free within one read cycle (list,
# commit, delete: well under a second for 30 messages here) plus the send the
# inbound modem may be in (~0.7 s a part, at most 3 parts): 10 s leaves room for
# a sanitizer build on a busy box. A part waits while the backlog ahead of it is
# read: 15% of the flood arrives at once, ~160 parts, read at well over 10 a
# second: 30 s.
if longest > 10:
    err.append("the SIM stayed full with messages waiting for %.1f s (bound 10 s)" % longest)
if longest_wait > 30:
    err.append("a part waited %.1f s for a free slot (bound 30 s)" % longest_wait)
if err:
    print("flood check failed:\n  " + "\n  ".join(err[:40]) + ("\n  ... %d more" % (len(err) - 40) if len(err) > 40 else ""), file=sys.stderr)
    sys.exit(1)
PY
[ "$(sql "SELECT count(*) FROM outbox WHERE state = 'failed'")" = 0 ] || fail "failed outbox rows"
echo "33-flood: ok in $(elapsed "$t_start") s"
