#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One benchmark run on the fake AT modem (tests/fakemodem): a gateway
(dossierd, gammu-smsd + RunOnReceive, or smstools3 + eventhandler) on a
fresh fake modem, optionally under callgrind, idle, then K queries (a burst
or spread in time), then idle again. Writes one JSON object of figures.
Figures, not pass/fail; never part of `make check`.

usage: at.py --target dossierd|gammu-smsd|smsd --profile P --work DIR
             --records DB --out JSON [--queries K] [--spacing S]
             [--idle-before S] [--idle-after S] [--callgrind]
             [--sim-capacity N] [--timeout S]

Profiles: dossierd "burst" (sms.per_minute 6000, limits out of the way) or
"default" (only the modem's device, connection and model set); gammu-smsd
"stock" (documented defaults) or "fast" (LoopSleep 0, CommTimeout 0,
ReceiveFrequency 0, no status checks); smsd "stock" or "fast"
(delaytime 1).

With --callgrind the gateway runs under valgrind --tool=callgrind
--trace-children=yes; for the gateway's own process, callgrind_control -d
cuts the counts into phases: start-up (until the gateway is ready), idle
(--idle-before), burst (until K replies left the modem), tail
(--idle-after). Children (scripts, sqlite3, gammu-smsd-inject...) each have
their own file; their sum is reported apart.
"""
import argparse
import bisect
import glob
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("top_srcdir") or os.path.dirname(HERE)
BLD = os.environ.get("top_builddir") or SRC
FAKE = os.path.join(SRC, "tests", "fakemodem", "fakemodem.py")


def key(num):
    d = "".join(c for c in (num or "") if c.isdigit())
    return d[-9:]


class Fake:
    """The fake modem process and a control connection to it."""

    def __init__(self, work, capacity):
        self.link = os.path.join(work, "modem")
        self.log = os.path.join(work, "modem.log")
        self.sock_path = os.path.join(work, "modem.sock")
        self.trace = os.path.join(work, "modem.trace")
        self.out = open(os.path.join(work, "fakemodem.out"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, FAKE, "--link", self.link, "--log", self.log,
             "--control", self.sock_path, "--trace", self.trace,
             "--sim-capacity", str(capacity)], stdout=self.out, stderr=subprocess.STDOUT)
        end = time.time() + 20
        while time.time() < end:
            if os.path.exists(self.sock_path) and os.path.lexists(self.link):
                break
            time.sleep(0.1)
        else:
            raise SystemExit("at.py: the fake modem did not start")
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(self.sock_path)
        self.f = self.s.makefile("rw", encoding="utf-8")

    def ctl(self, **cmd):
        self.f.write(json.dumps(cmd) + "\n")
        self.f.flush()
        return json.loads(self.f.readline())

    def stop(self):
        try:
            self.s.close()
        except OSError:
            pass
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------------------ targets

def write_dossierd(a, w, link):
    conf = os.path.join(w, "d.conf")
    modem = 'name = "usb0"; device = "%s"; connection = "dku2at"; model = "at";' % link
    body = ['modems = ( { %s } );' % modem,
            'records = { path = "%s"; };' % a.records,
            'state = { path = "%s/state.db"; };' % w]
    if a.profile == "burst":
        body += ['sms = { per_minute = 6000; };',
                 'limits = { lookups_per_day = 10000; misses_per_hour = 10000; '
                 'replies_per_number_per_day = 10000; global_misses_per_hour = 1000000; };']
    elif a.profile != "default":
        raise SystemExit("at.py: dossierd profiles: burst, default")
    with open(conf, "w") as fh:
        fh.write("\n".join(body) + "\n")
    return [os.path.join(BLD, "daemon", "dossierd"), "-f", "-c", conf]


# The peers' scripts: the same lookup of $code into $reply, as dossierd does it.
LOOKUP = r"""if [ -z "$code" ]; then
	reply="Chua dung cu phap. Vi du: HS 000.00.12.H39-240824-0001"
else
	row=$(sqlite3 -readonly -batch '%(records)s' \
	    "SELECT status, due_at FROM dossiers WHERE code = '$code'")
	if [ -n "$row" ]; then
		reply="Ho so $code: trang thai ${row%%%%|*}. Hen tra: ${row#*|}."
	else
		reply="Khong tim thay ho so $code."
	fi
fi
"""


ONRECEIVE = r"""#!/bin/sh
# RunOnReceive: look the dossier up in the records database, queue the answer.
code=$(printf '%%s\n' "$SMS_1_TEXT" |
    sed -n 's/.*\([0-9]\{3\}\.[0-9][0-9]\.[0-9][0-9]\.[A-Z][0-9][0-9]-[0-9]\{6\}-[0-9]\{1,4\}\).*/\1/p')
%(lookup)sgammu-smsd-inject -c '%(conf)s' TEXT "$SMS_1_NUMBER" -text "$reply" >/dev/null 2>&1
"""


def write_gammu_smsd(a, w, link):
    for d in ("in", "out", "sent", "err"):
        os.makedirs(os.path.join(w, d), exist_ok=True)
    conf = os.path.join(w, "smsd.conf")
    script = os.path.join(w, "onreceive.sh")
    with open(script, "w") as fh:
        fh.write(ONRECEIVE % {"lookup": LOOKUP % {"records": a.records}, "conf": conf})
    lines = ["[gammu]", "device = %s" % link, "connection = dku2at", "model = at", "",
             "[smsd]", "service = files", "logfile = %s/smsd.log" % w, "debuglevel = 1",
             "inboxpath = %s/in/" % w, "outboxpath = %s/out/" % w,
             "sentsmspath = %s/sent/" % w, "errorsmspath = %s/err/" % w,
             "RunOnReceive = /bin/sh %s" % script]
    if a.profile == "fast":
        lines += ["LoopSleep = 0", "CommTimeout = 0", "ReceiveFrequency = 0",
                  "StatusFrequency = 0", "CheckSecurity = 0", "CheckBattery = 0",
                  "CheckSignal = 0", "CheckNetwork = 0"]
    elif a.profile != "stock":
        raise SystemExit("at.py: gammu-smsd profiles: stock, fast")
    with open(conf, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return ["gammu-smsd", "-c", conf]


EVENTHANDLER = r"""#!/bin/sh
# smstools3 eventhandler: on RECEIVED, look the code up, write the reply file.
[ "$1" = RECEIVED ] || exit 0
from=$(sed -n 's/^From: //p' "$2" | head -1)
code=$(sed '1,/^$/d' "$2" |
    sed -n 's/.*\([0-9]\{3\}\.[0-9][0-9]\.[0-9][0-9]\.[A-Z][0-9][0-9]-[0-9]\{6\}-[0-9]\{1,4\}\).*/\1/p')
%(lookup)stmp=$(mktemp '%(w)s/tmp/reply.XXXXXX')
printf 'To: %%s\n\n%%s\n' "$from" "$reply" > "$tmp"
mv "$tmp" '%(w)s/outgoing/'
"""


def write_smsd(a, w, link):
    for d in ("outgoing", "checked", "incoming", "failed", "sent", "tmp"):
        os.makedirs(os.path.join(w, d), exist_ok=True)
    conf = os.path.join(w, "smsd.conf")
    script = os.path.join(w, "event.sh")
    with open(script, "w") as fh:
        fh.write(EVENTHANDLER % {"lookup": LOOKUP % {"records": a.records}, "w": w})
    os.chmod(script, 0o755)
    lines = ["devices = GSM1", "logfile = %s/smsd.log" % w, "loglevel = 5",
             "outgoing = %s/outgoing" % w, "checked = %s/checked" % w,
             "incoming = %s/incoming" % w, "failed = %s/failed" % w,
             "sent = %s/sent" % w, "infofile = %s/smsd.working" % w,
             "pidfile = %s/smsd.pid" % w, "eventhandler = %s" % script,
             "stats = %s" % "", ]
    lines = [l for l in lines if not l.endswith("= ")]
    if a.profile == "fast":
        lines += ["delaytime = 1", "delaytime_mainprocess = 1"]
    elif a.profile != "stock":
        raise SystemExit("at.py: smsd profiles: stock, fast")
    lines += ["", "[GSM1]", "device = %s" % link, "incoming = yes", "baudrate = 115200"]
    with open(conf, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return ["smsd", "-t", "-c", conf]


WRITERS = {"dossierd": write_dossierd, "gammu-smsd": write_gammu_smsd, "smsd": write_smsd}


# ------------------------------------------------------------------ measuring

def status_kb(pid, field):
    try:
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def tree_pids(pid):
    """pid and its descendants (smstools3 forks a modem process)."""
    kids = {}
    for st in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(st) as fh:
                s = fh.read()
            p = int(st.split("/")[2])
            ppid = int(s[s.rindex(")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(p)
        except (OSError, ValueError):
            pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def long_lived(pid):
    """The gateway's long-lived processes: itself and children that are not
    scripts started per message (smstools3's modem process)."""
    res = []
    for p in tree_pids(pid):
        try:
            with open("/proc/%d/comm" % p) as fh:
                comm = fh.read().strip()
        except OSError:
            continue
        if comm in ("sh", "sed", "sqlite3", "gammu-smsd-inj", "mktemp", "mv", "head"):
            continue
        res.append(p)
    return res


def cg_total(path):
    tot = None
    with open(path, errors="replace") as fh:
        for line in fh:
            if line.startswith("summary:") or line.startswith("totals:"):
                tot = int(line.split()[1])
    return tot


def cg_cmd(path):
    with open(path, errors="replace") as fh:
        for line in fh:
            if line.startswith("cmd:"):
                return line[4:].strip()
    return ""


def trace_times(path):
    """(+CMTI times by SIM index, AT+CMGS times) from the fake modem's trace."""
    cmti, cmgs = [], []
    with open(path, errors="replace") as fh:
        for line in fh:
            t, _, msg = line.rstrip("\n").partition(" ")
            if msg.startswith("< AT+CMGS="):
                cmgs.append(float(t))
            elif msg.startswith("> (unsolicited) +CMTI:"):
                m = re.search(r",\s*(\d+)", msg)
                cmti.append((float(t), int(m.group(1)) if m else -1))
    return cmti, cmgs


def pctl(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, -(-len(xs) * p // 100) - 1))
    return xs[int(k)]


def latencies(fake):
    """Per query: arrival at the modem (its +CMTI line, or the received
    event when the gateway never asked for +CMTI) -> the AT+CMGS that
    handed its reply over (the last AT+CMGS before the part was accepted)."""
    ev = []
    with open(fake.log, encoding="utf-8") as fh:
        for line in fh:
            try:
                ev.append(json.loads(line))
            except ValueError:
                pass
    cmti, cmgs = trace_times(fake.trace)
    # Sorted, searched with bisect: a long run has tens of thousands of each.
    by_index = {}
    for c, idx in cmti:
        by_index.setdefault(idx, []).append(c)
    for v in by_index.values():
        v.sort()
    cmgs.sort()
    arrivals = {}
    for e in ev:
        if e.get("event") == "received" and e.get("filler") is not True:
            t = e["t"]
            if e.get("cmti"):
                ts = by_index.get(e.get("index"), [])
                i = bisect.bisect_left(ts, t - 0.05)
                if i < len(ts):
                    t = ts[i]  # the first +CMTI of that index from then on
            arrivals.setdefault(key(e.get("from")), t)
    lat, used = [], set()
    for e in ev:
        if e.get("event") != "sent":
            continue
        k = key(e.get("to"))
        if k not in arrivals or k in used:
            continue
        i = bisect.bisect_right(cmgs, e["t"])
        if i == 0:
            continue
        used.add(k)
        lat.append((cmgs[i - 1] - arrivals[k]) * 1000.0)
    sent_t = [e["t"] for e in ev if e.get("event") == "sent"]
    return lat, sent_t, arrivals


def codes(db, k):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    n = con.execute("SELECT max(rowid) FROM dossiers").fetchone()[0]
    step = max(1, (n - 10) // max(1, k))
    out = [r[0] for r in con.execute(
        "SELECT code FROM dossiers WHERE rowid IN (%s)" %
        ",".join(str(1 + i * step) for i in range(k)))]
    con.close()
    return out


def on_term(signum, frame):
    # Started in the background by sh, SIGINT is ignored: SIGTERM (and
    # SIGINT when it is not) unwinds through the clean-up below.
    raise SystemExit("at.py: signal %d: stopping" % signum)


def main():
    signal.signal(signal.SIGTERM, on_term)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, on_term)
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True, choices=sorted(WRITERS))
    ap.add_argument("--profile", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--records", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--queries", type=int, default=0)
    ap.add_argument("--spacing", type=float, default=0.0)
    ap.add_argument("--idle-before", type=float, default=5.0)
    ap.add_argument("--idle-after", type=float, default=2.0)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--sim-capacity", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=0)
    # dossierd: start on a copy of this state database (a year of history).
    ap.add_argument("--state-seed")
    # Every fsync of the target takes this many ms (bench/slowsync.c, built
    # by run.sh; its path in BENCH_SLOWSYNC): an SD card's flush.
    ap.add_argument("--slow-sync", type=int, default=0)
    a = ap.parse_args()
    w = os.path.abspath(a.work)
    os.makedirs(w, exist_ok=True)
    res = {"target": a.target, "profile": a.profile, "queries": a.queries,
           "spacing": a.spacing, "callgrind": a.callgrind, "records": a.records}
    if a.state_seed:
        if a.target != "dossierd":
            raise SystemExit("at.py: --state-seed is for dossierd")
        shutil.copyfile(a.state_seed, os.path.join(w, "state.db"))
        db = sqlite3.connect(os.path.join(w, "state.db"))
        res["state_rows"] = {t: db.execute("SELECT count(*) FROM " + t).fetchone()[0]
                             for t in ("inbox", "outbox", "sent_parts", "audit")}
        db.close()
    fake = Fake(w, a.sim_capacity)
    cmd = WRITERS[a.target](a, w, fake.link)
    if a.callgrind:
        cmd = ["valgrind", "--tool=callgrind", "--trace-children=yes",
               "--callgrind-out-file=%s/cg.%%p.out" % w] + cmd
    errf = open(os.path.join(w, "gateway.log"), "w")
    t_start = time.time()
    env = None
    if a.slow_sync:
        lib = os.environ.get("BENCH_SLOWSYNC", "")
        if not os.path.isfile(lib):
            raise SystemExit("at.py: --slow-sync needs BENCH_SLOWSYNC, the path of "
                             "bench/slowsync.c built as a shared object (bench/run.sh does)")
        env = dict(os.environ, LD_PRELOAD=lib, SLOW_SYNC_MS=str(a.slow_sync))
        res["slow_sync_ms"] = a.slow_sync
    proc = subprocess.Popen(cmd, stdout=errf, stderr=subprocess.STDOUT, cwd=w, env=env)
    pid = proc.pid
    ok = False
    try:
        # Ready: dossierd and gammu-smsd once they switched on +CMTI or listed
        # the SIM, smstools3 once it asked for the SIM's fill level.
        end = time.time() + (240 if a.callgrind else 60)
        want = {"dossierd": "< AT+CNMI=2", "gammu-smsd": "< AT+CPMS=\"SM\"", "smsd": "< AT+CPMS?"}[a.target]
        while time.time() < end:
            if proc.poll() is not None:
                raise SystemExit("at.py: %s exited early; see %s/gateway.log" % (a.target, w))
            try:
                with open(fake.trace, errors="replace") as fh:
                    if any(want in l for l in fh):
                        break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("at.py: %s never got ready (%s); see %s" % (a.target, want, w))
        time.sleep(1.0)
        res["ready_s"] = round(time.time() - t_start, 2)
        phases = []
        phased = []

        def phase(name):
            if a.callgrind:
                # Every process under valgrind from the start (smstools3 forks a
                # modem process): each dump closes a phase of that process.
                for p in (tree_pids(pid) if name == "startup" else phased):
                    r = subprocess.run(["callgrind_control", "-d", name, str(p)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    if name == "startup" and r.returncode == 0:
                        phased.append(p)
            phases.append((name, time.time()))

        def mem():
            pids = long_lived(pid)
            return {"rss_kb": sum(status_kb(p, "VmRSS") or 0 for p in pids),
                    "hwm_kb": sum(status_kb(p, "VmHWM") or 0 for p in pids),
                    # VmRSS split: heap and stacks, library pages, SQLite's -shm
                    "anon_kb": sum(status_kb(p, "RssAnon") or 0 for p in pids),
                    "file_kb": sum(status_kb(p, "RssFile") or 0 for p in pids),
                    "shmem_kb": sum(status_kb(p, "RssShmem") or 0 for p in pids),
                    "processes": len(pids)}

        phase("startup")
        res["mem_start"] = mem()
        time.sleep(a.idle_before)
        phase("idle")
        res["mem_after_idle"] = mem()
        todo = codes(a.records, a.queries) if a.queries else []
        t_inj = []
        for i, c in enumerate(todo):
            num = "+8491%07d" % (i + 1)
            r = fake.ctl(cmd="inject", **{"from": num, "text": "HS " + c})
            if not r.get("ok"):
                raise SystemExit("at.py: inject: %r" % r)
            t_inj.append(time.time())
            if a.spacing:
                time.sleep(a.spacing)
        hwm_peak = 0
        # RSS against replies sent, every second: growth that stops after the
        # first queries (statements prepared, caches filled) is not growth
        # per message.
        series, next_sample = [], 0.0
        if todo:
            to = a.timeout or (120 + 6.0 * len(todo))
            end = time.time() + to
            while time.time() < end:
                st = fake.ctl(cmd="stats")
                m = mem()
                hwm_peak = max(hwm_peak, m["hwm_kb"])
                sent = st.get("sent_parts", 0)
                done = sent >= len(todo)
                if done or time.time() >= next_sample:
                    series.append((round(time.time() - t_start, 1), sent,
                                   m["rss_kb"], m["anon_kb"], m["file_kb"]))
                    next_sample = time.time() + 1.0
                if done:
                    break
                if proc.poll() is not None:
                    raise SystemExit("at.py: %s died" % a.target)
                time.sleep(0.5)
            else:
                res["error"] = "only %s of %d replies left the modem in %.0f s" % (
                    fake.ctl(cmd="stats").get("sent_parts"), len(todo), to)
        phase("burst")
        res["mem_end"] = mem()
        res["mem_series"] = series
        time.sleep(a.idle_after)
        phases.append(("tail", time.time()))
        res["mem_final"] = mem()
        res["peak_hwm_kb"] = max(hwm_peak, res["mem_final"]["hwm_kb"])
        res["cpu_ticks"] = None
        try:
            with open("/proc/%d/stat" % pid) as fh:
                s = fh.read()
            f = s[s.rindex(")") + 2:].split()
            res["cpu_s"] = (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
        res["phase_times"] = [(n, round(t - t_start, 3)) for n, t in phases]
        st = fake.ctl(cmd="stats")
        res["modem_stats"] = {k: st.get(k) for k in ("sent_parts", "received_parts", "commands",
                                                   "unknown_commands", "cmti_sent", "deleted")}
        ok = True
    finally:
        for p in reversed(tree_pids(pid)):
            try:
                os.kill(p, signal.SIGTERM)
            except OSError:
                pass
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        # smstools3's modem process and valgrind'ed children may linger a moment.
        time.sleep(2 if a.callgrind else 0.5)
        fake.stop()
    if not ok:
        return 1
    lat, sent_t, arrivals = latencies(fake)
    res["latency_ms"] = {"n": len(lat), "p50": pctl(lat, 50), "p95": pctl(lat, 95),
                         "p99": pctl(lat, 99), "max": max(lat) if lat else None}
    if t_inj and sent_t:
        s = sorted(t for t in sent_t if t >= t_inj[0])
        res["burst_s"] = round(s[-1] - t_inj[0], 3) if s else None
        res["burst_first300_s"] = round(s[299] - t_inj[0], 3) if len(s) >= 300 else None
    if a.callgrind:
        per_pid = {}
        for f in glob.glob(os.path.join(w, "cg.*.out*")):
            m = re.match(r"cg\.(\d+)\.out(?:\.(\d+))?$", os.path.basename(f))
            if m:
                per_pid.setdefault(int(m.group(1)), []).append((int(m.group(2) or 99), f))
        names = ["startup", "idle", "burst", "tail"]
        res["ir_phases"] = {}
        res["cg_files"] = {}
        res["phased_pids"] = phased
        child = []
        for p, files in per_pid.items():
            files.sort()
            if p not in phased:
                child += [f for _, f in files]
                continue
            for i, (_, f) in enumerate(files):
                n = names[i] if i < len(names) else "extra%d" % i
                res["ir_phases"][n] = res["ir_phases"].get(n, 0) + (cg_total(f) or 0)
                res["cg_files"].setdefault(n, []).append(f)
        kids = {}
        for f in child:
            c = os.path.basename(cg_cmd(f).split()[0]) if cg_cmd(f) else "?"
            if c in ("sh", "dash") and len(cg_cmd(f).split()) > 1:
                c = "sh " + os.path.basename(cg_cmd(f).split()[1])
            k = kids.setdefault(c, [0, 0])
            k[0] += 1
            k[1] += cg_total(f) or 0
        res["ir_children"] = kids
        res["ir_children_total"] = sum(v[1] for v in kids.values())
    with open(a.out, "w") as fh:
        json.dump(res, fh, indent=1)
    return 0 if "error" not in res else 1


if __name__ == "__main__":
    sys.exit(main())
