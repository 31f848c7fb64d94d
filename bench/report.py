#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Assemble the figures of bench/suite.sh (JSON files in RES), the ready
scan (RES/scan.txt) and the broadcast (RES/broadcast.txt) into one table
with the targets of issue #15 met/missed; print it and write it, with the
header (RES/header.txt), to OUT (bench/results.md).

usage: report.py RES OUT
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cgsplit  # noqa: E402

RES, OUT = sys.argv[1], sys.argv[2]


def load(name):
    try:
        with open(os.path.join(RES, name + ".json")) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def th(x, nd=0):
    if x is None:
        return "n/a"
    return ("{:,.%df}" % nd).format(x)


def mib(kb):
    return None if kb is None else kb / 1024.0


def marginal(k1, k2, with_children=True, phase="burst"):
    """Instructions per query: difference of two bursts over the difference
    of their sizes, the gateway's own processes (burst phase) plus, if asked,
    every process it started (scripts...)."""
    if not k1 or not k2 or "ir_phases" not in k1 or "ir_phases" not in k2:
        return None
    a = k1["ir_phases"].get(phase, 0) + (k1.get("ir_children_total", 0) if with_children else 0)
    b = k2["ir_phases"].get(phase, 0) + (k2.get("ir_children_total", 0) if with_children else 0)
    return (b - a) / float(k2["queries"] - k1["queries"])


def idle_rate(r):
    """Instructions per second over the idle phase."""
    if not r or "ir_phases" not in r:
        return None
    t = dict(r["phase_times"])
    return r["ir_phases"].get("idle", 0) / (t["idle"] - t["startup"])


def cgfile(r, phase):
    f = (r or {}).get("cg_files", {}).get(phase)
    return [f] if isinstance(f, str) else (f or [])


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "MISSED")


rows, targets, notes = [], [], []


def row(*cells):
    rows.append(cells)


dz1, dz2 = load("dz-cg-k1"), load("dz-cg-k2")
dz_q = marginal(dz1, dz2)
split1 = split2 = None
def split_sum(files):
    """cgsplit.split over several dumps of one phase, added up."""
    tot = None
    for f in files:
        r = cgsplit.split(f)
        if tot is None:
            tot = {k: (dict(v) if isinstance(v, list) else v) for k, v in r.items()}
            continue
        for k, v in r.items():
            if isinstance(v, list):
                for name, ir in v:
                    tot[k][name] = tot[k].get(name, 0) + ir
            else:
                tot[k] += v
    for k, v in tot.items():
        if isinstance(v, dict):
            tot[k] = sorted(v.items(), key=lambda x: -x[1])
    return tot


if cgfile(dz1, "burst") and cgfile(dz2, "burst"):
    split1 = split_sum(cgfile(dz1, "burst"))
    split2 = split_sum(cgfile(dz2, "burst"))
dk = (dz2["queries"] - dz1["queries"]) if dz1 and dz2 else None
dz_gammu = (split2["gammu"] - split1["gammu"]) / dk if split1 else None
dz_own = (split2["own"] - split1["own"]) / dk if split1 else None
row("1", "dossierd whole process per answered query, AT modem, 1M dossiers "
    "(burst %s - %s)" % (dz2 and dz2["queries"], dz1 and dz1["queries"]), th(dz_q) + " Ir")
row("1", "  of which libgammu (incl. libc called from it)", "%s Ir (%s%%)" % (
    th(dz_gammu), th(100.0 * dz_gammu / dz_q if dz_gammu and dz_q else None)))
row("1", "  of which dossierd's own (outside libgammu)", th(dz_own) + " Ir")
if dz2:
    row("1", "  start-up (until +CMTI is on)", th(dz2["ir_phases"].get("startup")) + " Ir")
    row("1", "  idle polls before the burst (10 s)", th(dz2["ir_phases"].get("idle")) + " Ir")

yr1, yr2 = load("dz-year-k1"), load("dz-year-k2")
yr_q = marginal(yr1, yr2)
if cgfile(yr1, "burst") and cgfile(yr2, "burst"):
    y1, y2 = split_sum(cgfile(yr1, "burst")), split_sum(cgfile(yr2, "burst"))
    yk = yr2["queries"] - yr1["queries"]
    yr_own = (y2["own"] - y1["own"]) / yk
    row("1", "  on a state db after a year (%s queries answered, bench/history.sql): "
        "whole / own" % th(yr2.get("state_rows", {}).get("outbox")),
        "%s / %s Ir (own %+.0f%%)" % (th(yr_q), th(yr_own),
                                     100.0 * (yr_own - dz_own) / dz_own if dz_own else 0))

lat = load("dz-lat")
if lat:
    L = lat["latency_ms"]
    row("2", "latency +CMTI -> AT+CMGS, default config, %d queries 3.5 s apart" % L["n"],
        "p50 %s / p95 %s / p99 %s / max %s ms" % (th(L["p50"]), th(L["p95"]), th(L["p99"]), th(L["max"])))

slow = load("dz-lat-slow")
if slow:
    L = slow["latency_ms"]
    row("2", "  the same on a slow disk: every fsync %s ms (an SD card's flush, bench/slowsync.c)"
        % th(slow.get("slow_sync_ms")),
        "p50 %s / p95 %s / p99 %s / max %s ms" % (th(L["p50"]), th(L["p95"]), th(L["p99"]), th(L["max"])))

idle = load("dz-idle")
dz_idle = idle_rate(idle)
if idle:
    t = dict(idle["phase_times"])
    secs = t["idle"] - t["startup"]
    row("3", "idle, default config (%.0f s: signal/network refresh, ready scan, USSD)" % secs,
        "%s Ir/s = %s Ir/hour (%s%% of one 2 GHz core at 1 instr/cycle)" % (
            th(dz_idle), th(dz_idle * 3600), th(dz_idle / 2e9 * 100, 4)))

try:
    with open(os.path.join(RES, "scan.txt")) as fh:
        scan = [l.split() for l in fh if l.strip()]
except OSError:
    scan = []
scan_cost = {}
for rows_, ch, ir, rr in scan:
    scan_cost[(rows_, ch)] = float(ir)
    row("4", "ready scan per poll, %s dossiers, %s changes (rows read %s)" % (
        th(int(rows_)), ch, rr), th(float(ir)) + " Ir")

burst = load("dz-burst")
dummy_long = load("dz-long")
at_long = load("dz-at-long")
# The long run of the targets: NAT queries and their replies on the AT modem.
long_ = None
if at_long and at_long.get("mem_start") and at_long.get("mem_final"):
    long_ = {"n": 2 * at_long["queries"], "sent": (at_long.get("modem_stats") or {}).get("sent_parts"),
             "peak_hwm_kb": at_long["peak_hwm_kb"], "rss_start_kb": at_long["mem_start"]["rss_kb"],
             "rss_end_kb": at_long["mem_final"]["rss_kb"],
             "anon": (at_long["mem_start"].get("anon_kb"), at_long["mem_final"].get("anon_kb")),
             "file": (at_long["mem_start"].get("file_kb"), at_long["mem_final"].get("file_kb"))}


def halves(run):
    """RSS (KiB) when half the replies had gone out and at the end of the
    run, from at.py's samples (one a second): growth per message shows in the
    second half; what the first replies load (statements prepared, caches
    and allocator arenas filled) does not. None without samples."""
    series = (run or {}).get("mem_series") or []
    if len(series) < 3:
        return None
    total = series[-1][1]
    mid = next((s for s in series if s[1] >= total / 2), None)
    if mid is None or mid is series[-1]:
        return None
    return {"mid_sent": mid[1], "mid_kb": mid[2], "end_sent": total, "end_kb": series[-1][2]}


half_burst, half_long = halves(burst), halves(at_long)


def halves_row(h, what):
    if h:
        row("5", "  RSS of %s after %s replies -> after %s (growth per message)" % (
            what, th(h["mid_sent"]), th(h["end_sent"])),
            "%s -> %s MiB (%+d KiB)" % (th(mib(h["mid_kb"]), 2), th(mib(h["end_kb"]), 2),
                                        h["end_kb"] - h["mid_kb"]))


if burst:
    row("5", "peak RSS (VmHWM) through a burst of %d queries, AT modem" % burst["queries"],
        "%s MiB (RSS start %s, end %s MiB)" % (th(mib(burst["peak_hwm_kb"]), 1),
                                            th(mib(burst["mem_start"]["rss_kb"]), 1),
                                            th(mib(burst["mem_final"]["rss_kb"]), 1)))
    halves_row(half_burst, "the burst")
    row("5", "burst of %d queries on one AT modem, inject -> last reply" % burst["queries"],
        "%s s (first 300: %s s)" % (th(burst.get("burst_s"), 1), th(burst.get("burst_first300_s"), 1)))
if long_:
    row("5", "peak RSS over %s handled messages, AT modem (%s queries, %s replies sent)" % (
        th(long_["n"]), th(long_["n"] // 2), th(long_["sent"])),
        "%s MiB (RSS start %s, end %s MiB)" % (th(mib(long_["peak_hwm_kb"]), 1),
                                            th(mib(long_["rss_start_kb"]), 1),
                                            th(mib(long_["rss_end_kb"]), 1)))
    if None not in long_["anon"] + long_["file"]:
        row("5", "  RSS of that run: heap and stacks / library pages, start -> end",
            "%s -> %s / %s -> %s MiB" % tuple(th(mib(x), 2) for x in long_["anon"] + long_["file"]))
    halves_row(half_long, "that run")
    if at_long.get("error"):
        row("5", "  that run's error", at_long["error"])
if dummy_long:
    row("5", "peak RSS over %s handled messages, DUMMY modem (%s replies sent)" % (
        th(dummy_long["n"]), th(dummy_long["sent"])),
        "%s MiB (RSS start %s, end %s MiB)" % (th(mib(dummy_long["peak_hwm_kb"]), 1),
                                            th(mib(dummy_long["rss_start_kb"]), 1),
                                            th(mib(dummy_long["rss_end_kb"]), 1)))
try:
    with open(os.path.join(RES, "broadcast.txt")) as fh:
        bc = dict(l.split("=", 1) for l in fh.read().split())
    row("6", "broadcast enqueue of %s recipients (dossierctl)" % th(int(bc["n"])),
        "%s s wall, %s s CPU, peak RSS %s MiB" % (bc["wall"], bc["cpu"], th(int(bc["hwm"]) / 1024.0, 1)))
except (OSError, KeyError, ValueError):
    bc = None

# Peers.
peers = {}
for name, k1, k2, idl, latn, bst in (
        ("smstools3 (stock)", "smsd-cg-k1", "smsd-cg-k2", "smsd-idle", "smsd-lat", "smsd-burst-stock"),
        ("smstools3 (delaytime 1)", None, None, None, "smsd-fast-lat", "smsd-burst-fast"),
        ("gammu-smsd (stock)", "gs-cg-k1", "gs-cg-k2", "gs-idle", "gs-lat", None),
        ("gammu-smsd (fastest)", "gs-fast-cg-k1", "gs-fast-cg-k2", "gs-fast-idle", "gs-fast-lat", None)):
    r1, r2 = (load(k1), load(k2)) if k1 else (None, None)
    p = {"q": marginal(r1, r2), "q_noscript": marginal(r1, r2, with_children=False),
         "idle": idle_rate(load(idl)) if idl else None}
    lr = load(latn) if latn else None
    p["lat"] = lr["latency_ms"] if lr else None
    p["hwm"] = lr["peak_hwm_kb"] if lr else None
    br = load(bst) if bst else None
    p["burst"] = br.get("burst_s") if br else None
    p["burst_hwm"] = br["peak_hwm_kb"] if br else None
    peers[name] = p
    if p["q"] is not None:
        row("7", "%s per query, whole process + script children (w/o script)" % name,
            "%s Ir (%s) = %sx dossierd" % (th(p["q"]), th(p["q_noscript"]),
                                          th(p["q"] / dz_q if dz_q else None, 1)))
    if p["idle"] is not None:
        row("7", "%s idle" % name, "%s Ir/s = %sx dossierd" % (
            th(p["idle"]), th(p["idle"] / dz_idle if dz_idle else None, 2)))
    if p["lat"]:
        L = p["lat"]
        row("7", "%s latency arrival -> AT+CMGS, %d queries spread" % (name, L["n"]),
            "p50 %s / p99 %s / max %s ms" % (th(L["p50"]), th(L["p99"]), th(L["max"])))
    if p["hwm"] is not None:
        row("7", "%s peak RSS (all its long-lived processes)" % name,
            "%s MiB = %sx dossierd's burst peak" % (th(mib(p["hwm"]), 1), th(
                p["hwm"] / burst["peak_hwm_kb"] if burst else None, 2)))
    if p["burst"] is not None:
        row("7", "%s burst of 300 queries, inject -> last reply" % name,
            "%s s (dossierd first 300 of its burst: %s s)" % (
                th(p["burst"], 1), th(burst.get("burst_first300_s") if burst else None, 1)))

# Targets.
gs = peers["gammu-smsd (stock)"]
sm = peers["smstools3 (stock)"]
fastest_smsd = min([x for x in (sm["burst"], peers["smstools3 (delaytime 1)"]["burst"]) if x] or [None]) \
    if (sm["burst"] or peers["smstools3 (delaytime 1)"]["burst"]) else None
t = targets
t.append(("dossierd's own Ir per answered query <= 200,000", th(dz_own),
          verdict(dz_own <= 200000 if dz_own is not None else None)))
t.append(("whole process per answered query on AT <= 1,000,000", th(dz_q),
          verdict(dz_q <= 1e6 if dz_q is not None else None)))
t.append(("whole process >= 10x fewer Ir than gammu-smsd + RunOnReceive",
          "%sx" % th(gs["q"] / dz_q if gs["q"] and dz_q else None, 1),
          verdict(gs["q"] >= 10 * dz_q if gs["q"] and dz_q else None)))
pk = [x for x in ((burst or {}).get("peak_hwm_kb"), (long_ or {}).get("peak_hwm_kb")) if x]
flat = None
if burst and long_:
    flat = (burst["mem_final"]["rss_kb"] - burst["mem_start"]["rss_kb"] <= 512 and
            long_["rss_end_kb"] - long_["rss_start_kb"] <= 512)
t.append(("peak RSS <= 5 MiB (1,000 burst and 100,000 messages)",
          " / ".join("%s MiB" % th(mib(x), 1) for x in pk),
          verdict(all(x <= 5120 for x in pk) if pk else None)))
t.append(("RSS flat from start to end (within 0.5 MiB)",
          "burst %s -> %s, AT long %s -> %s MiB" % (
              th(mib(burst["mem_start"]["rss_kb"]) if burst else None, 1),
              th(mib(burst["mem_final"]["rss_kb"]) if burst else None, 1),
              th(mib(long_["rss_start_kb"]) if long_ else None, 1),
              th(mib(long_["rss_end_kb"]) if long_ else None, 1)) +
          "".join("; %s's second half %+d KiB" % (w, h["end_kb"] - h["mid_kb"])
                  for w, h in (("burst", half_burst), ("AT long", half_long)) if h),
          verdict(flat)))
p99 = lat["latency_ms"]["p99"] if lat else None
t.append(("reply handed over within 300 ms of +CMTI at p99, default config", "%s ms" % th(p99),
          verdict(p99 <= 300 if p99 is not None else None)))
p99s = slow["latency_ms"]["p99"] if slow else None
t.append(("  the same on a slow disk (every fsync 150 ms)", "%s ms" % th(p99s),
          verdict(p99s <= 300 if p99s is not None else None)))
t.append(("idle Ir/s <= gammu-smsd stock", "%s vs %s" % (th(dz_idle), th(gs["idle"])),
          verdict(dz_idle <= gs["idle"] if dz_idle is not None and gs["idle"] is not None else None)))
b300 = burst.get("burst_first300_s") if burst else None
t.append(("300-query burst at least as fast as smstools3", "%s s vs %s s" % (th(b300, 1), th(fastest_smsd, 1)),
          verdict(b300 <= fastest_smsd if b300 and fastest_smsd else None)))
s10, s1m = scan_cost.get(("10000", "0")), scan_cost.get(("1000000", "0"))
c10, c1m = scan_cost.get(("10000", "100")), scan_cost.get(("1000000", "100"))
t.append(("ready scan per poll at 1M within 2x of 10k (idle / 100 changes)",
          "%sx / %sx" % (th(s1m / s10 if s1m and s10 else None, 2), th(c1m / c10 if c1m and c10 else None, 2)),
          verdict((s1m <= 2 * s10 and (c1m is None or c1m <= 2 * c10)) if s1m and s10 else None)))

lines = []
try:
    with open(os.path.join(RES, "header.txt")) as fh:
        lines += [l.rstrip("\n") for l in fh]
except OSError:
    pass
lines += ["", "| # | figure | value |", "|---|---|---|"]
lines += ["| %s | %s | %s |" % r for r in rows]
lines += ["", "| target | measured | |", "|---|---|---|"]
lines += ["| %s | %s | %s |" % r for r in targets]
if split2 and dk:
    lines += ["", "dossierd, burst of %d minus burst of %d, per query (cgsplit.py):" % (
        dz2["queries"], dz1["queries"]), "", "```"]
    o1 = dict(split1["own_top"])
    own = sorted(((ir - o1.get(f, 0)) / dk, f) for f, ir in split2["own_top"])[::-1][:15]
    g1 = dict(split1["gammu_top"])
    gam = sorted(((ir - g1.get(f, 0)) / dk, f) for f, ir in split2["gammu_top"])[::-1][:10]
    e1 = dict(split1["gammu_entry"])
    ent = sorted(((ir - e1.get(f, 0)) / dk, f) for f, ir in split2["gammu_entry"])[::-1][:10]
    lines.append("libgammu entry points (inclusive Ir per query):")
    lines += ["  %12s  %s" % (th(ir), f) for ir, f in ent]
    lines.append("libgammu's share by function (self Ir per query):")
    lines += ["  %12s  %s" % (th(ir), cgsplit.fmt(f)) for ir, f in gam]
    lines.append("dossierd's own share by function (self Ir per query):")
    lines += ["  %12s  %s" % (th(ir), cgsplit.fmt(f)) for ir, f in own]
    lines.append("```")
    try:
        bf = cgfile(dz2, "burst")
        per = dz2.get("last_burst_dump_replies", dz2["queries"]) if len(bf) > 1 else dz2["queries"]
        ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", bf[-1]],
                             capture_output=True, text=True).stdout.splitlines()
        pat = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?)(?:\s+\[(.*)\])?$")
        lines += ["", "callgrind_annotate --inclusive=yes over the burst of %d, top 25 (Ir per reply, "
                  "%d replies in that dump):" % (dz2["queries"], per), "", "```"]
        n = 0
        for l in ann:
            m = pat.match(l)
            if not m or "PROGRAM TOTALS" in l or m.group(3) is None:
                continue
            obj = m.group(3)
            tag = "libgammu" if "libGammu" in obj else os.path.basename(obj)
            lines.append("  %12s  %-58s %s" % (th(int(m.group(1).replace(",", "")) / float(per)),
                                               m.group(2)[:58], tag))
            n += 1
            if n == 25:
                break
        lines.append("```")
    except (OSError, ValueError):
        pass
try:
    with open(os.path.join(RES, "notes.md")) as fh:
        lines += ["", fh.read().rstrip("\n")]
except OSError:
    pass
text = "\n".join(lines) + "\n"
sys.stdout.write(text)
with open(OUT, "w") as fh:
    fh.write(text)
