#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Memory over many handled messages on Gammu's dummy modem: dossierd
answers N lookups (distinct codes from distinct numbers) fed into the dummy
phone's inbox folder a batch at a time; VmRSS/VmHWM sampled as it goes.

usage: dummy_long.py WORK RECORDS.db N OUT.json
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

SRC = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLD = os.environ.get("top_builddir") or SRC


def status(pid):
    out = {}
    if not os.path.exists("/proc/%d/status" % pid):
        return out
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[k] = int(v.split()[0])
    return out


def part(number, text):
    hexs = "".join("%04X" % ord(c) for c in text)
    return ("[SMSBackup000]\nNumber = \"%s\"\nCoding = Default\nPDU = Deliver\n"
            "Sent = %s\nState = UnRead\nText00 = %s\n" %
            (number, time.strftime("%Y%m%dT%H%M%S"), hexs))


def on_term(signum, frame):
    raise SystemExit("dummy_long: signal %d: stopping" % signum)


def main():
    signal.signal(signal.SIGTERM, on_term)
    w, records, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    inbox = os.path.join(w, "dummy", "sms", "1")
    for i in range(1, 6):
        os.makedirs(os.path.join(w, "dummy", "sms", str(i)), exist_ok=True)
    conf = os.path.join(w, "d.conf")
    with open(conf, "w") as fh:
        fh.write('modems = ( { name = "dummy"; device = "%s/dummy"; connection = "none"; '
                 'model = "dummy"; poll_interval = 1; } );\n' % w)
        fh.write('records = { path = "%s"; };\nstate = { path = "%s/state.db"; };\n' % (records, w))
        fh.write('sms = { per_minute = 6000; delivery_reports = false; };\n')
        fh.write('limits = { lookups_per_day = 10000; misses_per_hour = 10000; '
                 'replies_per_number_per_day = 10000; global_misses_per_hour = 1000000; };\n')
        fh.write('ussd = { interval = 0; };\n')
    con = sqlite3.connect("file:%s?mode=ro" % records, uri=True)
    top = con.execute("SELECT max(rowid) FROM dossiers").fetchone()[0]
    log = open(os.path.join(w, "dossierd.log"), "w")
    p = subprocess.Popen([os.path.join(BLD, "daemon", "dossierd"), "-f", "-c", conf],
                         stdout=log, stderr=subprocess.STDOUT)
    samples = []
    t0 = time.time()
    try:
        time.sleep(3)
        samples.append((0, round(time.time() - t0, 1), status(p.pid)))
        fed, loc, next_sample = 0, 0, 1000
        st = sqlite3.connect("file:%s/state.db?mode=ro" % w, uri=True, timeout=10)
        while True:
            pending = len(os.listdir(inbox))
            if fed < n and pending < 500:
                batch = min(n - fed, 1000)
                rows = con.execute(
                    "SELECT code FROM dossiers WHERE rowid IN (%s)" % ",".join(
                        str(1 + (fed + i) * 7 % top) for i in range(batch))).fetchall()
                for i, (code,) in enumerate(rows):
                    loc = loc % 9000 + 1
                    while os.path.exists(os.path.join(inbox, str(loc))):
                        loc = loc % 9000 + 1
                    tmp = os.path.join(w, "dummy", "sms", ".f")
                    with open(tmp, "w") as fh:
                        fh.write(part("+849%08d" % (fed + i + 1), "HS " + code))
                    os.rename(tmp, os.path.join(inbox, str(loc)))
                fed += len(rows)
            handled = st.execute("SELECT count(*) FROM inbox WHERE state = 'handled'").fetchone()[0]
            while handled >= next_sample:
                samples.append((next_sample, round(time.time() - t0, 1), status(p.pid)))
                next_sample += max(1000, n // 20)
            if handled >= n:
                break
            if p.poll() is not None:
                raise SystemExit("dummy_long: dossierd died")
            time.sleep(0.5)
        t_handled = round(time.time() - t0, 1)
        samples.append((n, t_handled, status(p.pid)))
        # Then the replies: the dummy phone sends far slower than the lookups
        # are handled (its GSM_GetNextSMS walks the inbox folder between sends),
        # so wait at most BENCH_LONG_DRAIN (300) s and report how many left.
        end = time.time() + float(os.environ.get("BENCH_LONG_DRAIN", "300"))
        while time.time() < end:
            sent = st.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0]
            if sent >= n or p.poll() is not None:
                break
            time.sleep(1)
        samples.append(("sent %d" % sent, round(time.time() - t0, 1), status(p.pid)))
        res = {"n": n, "handled": handled, "sent": sent, "wall_s": round(time.time() - t0, 1), "handled_s": t_handled,
               "samples": samples, "peak_hwm_kb": samples[-1][2]["VmHWM"],
               "rss_start_kb": samples[0][2]["VmRSS"], "rss_end_kb": samples[-1][2]["VmRSS"]}
        with open(out, "w") as fh:
            json.dump(res, fh, indent=1)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


if __name__ == "__main__":
    main()
