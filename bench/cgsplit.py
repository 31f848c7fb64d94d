#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Split a callgrind profile of a gateway into libgammu's share and the
rest (dossierd's own: its code, SQLite, libconfig, libc called from them).

usage: cgsplit.py CALLGRIND.OUT [--per K] [--top N] [--json]

libgammu's share = the self cost of functions in libGammu.so plus the
inclusive cost of every call libGammu makes into another object (libc's
memset, usleep, read...: libgammu's work done by others). The rest is the
own share. Per function outside libGammu, the own part of its self cost is
what is not reached from libGammu callers (split pro rata over the call
edges into it, through chains of outside functions: libgammu's wctomb
reaches glibc's iconv through wcrtomb). One level of call edges is all
a callgrind profile keeps, so a function's share is its callers' share,
not the share of the particular calls it made for them.
"""
import collections
import json
import os
import re
import sys

GAMMU = re.compile(r"libGammu\.so")


def parse(path):
    names = {"ob": {}, "fn": {}, "fl": {}}
    selfc = collections.Counter()          # (ob, fn) -> self Ir
    edges = collections.Counter()          # ((ob, fn), (cob, cfn)) -> inclusive Ir
    total = None
    ob = fn = None
    cob = cfn = None
    pending_call = False

    def name(kind, rest):
        m = re.match(r"\((\d+)\)(?: (.*))?$", rest)
        if not m:
            return rest
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), rest)

    with open(path, errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                ir = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
                if pending_call:
                    edges[((ob, fn), (cob or ob, cfn))] += ir
                    pending_call = False
                    cob = cfn = None
                else:
                    selfc[(ob, fn)] += ir
                continue
            k, _, rest = line.partition("=")
            if k == "ob":
                ob = name("ob", rest)
            elif k == "fn":
                fn = name("fn", rest)
            elif k == "cob":
                cob = name("ob", rest)
            elif k == "cfn":
                cfn = name("fn", rest)
            elif k in ("fl", "fi", "fe", "cfi", "cfl"):
                name("fl", rest)
            elif k == "calls":
                pending_call = True
            elif line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    return total, selfc, edges


def split(path):
    total, selfc, edges = parse(path)
    if total is None:
        total = sum(selfc.values())
    into = collections.Counter()      # callee -> inclusive Ir over all edges
    from_gammu = collections.Counter()  # callee -> inclusive Ir from libGammu callers
    gammu_calls = collections.Counter()  # libGammu entry points -> Ir from outside
    for (caller, callee), ir in edges.items():
        if caller == callee:
            continue
        into[callee] += ir
        if caller[0] and GAMMU.search(caller[0]):
            from_gammu[callee] += ir
        elif callee[0] and GAMMU.search(callee[0]):
            gammu_calls[callee[1]] += ir
    gammu = sum(ir for f, ir in selfc.items() if f[0] and GAMMU.search(f[0]))
    gammu += sum(ir for (caller, callee), ir in edges.items()
                 if caller[0] and GAMMU.search(caller[0]) and
                 not (callee[0] and GAMMU.search(callee[0])))
    # The part of each outside function's calls that libGammu reached,
    # through any chain of outside functions (wctomb -> wcrtomb -> gconv):
    # one level of edges is kept, so the shares are propagated to a fixed
    # point, pro rata over the edges into each function.
    share = {}
    for _ in range(30):
        reach = collections.Counter()
        for (caller, callee), ir in edges.items():
            if caller == callee or (callee[0] and GAMMU.search(callee[0])):
                continue
            if caller[0] and GAMMU.search(caller[0]):
                reach[callee] += ir
            else:
                reach[callee] += ir * share.get(caller, 0.0)
        new = {f: min(1.0, r / into[f]) for f, r in reach.items() if into[f]}
        done = all(abs(new.get(f, 0.0) - share.get(f, 0.0)) < 1e-9 for f in set(new) | set(share))
        share = new
        if done:
            break
    own_self = collections.Counter()
    gammu_self = collections.Counter()
    for f, ir in selfc.items():
        if f[0] and GAMMU.search(f[0]):
            gammu_self[f] += ir
            continue
        f_share = share.get(f, 0.0)
        own_self[f] += ir * (1 - f_share)
        if f_share:
            gammu_self[f] += ir * f_share
    by_obj = collections.Counter()
    for f, ir in selfc.items():
        by_obj[os.path.basename(f[0] or "?")] += ir
    return {"total": total, "gammu": gammu, "own": total - gammu,
            "own_top": own_self.most_common(), "gammu_top": gammu_self.most_common(),
            "gammu_entry": gammu_calls.most_common(), "by_object": by_obj.most_common()}


def fmt(f):
    return "%s (%s)" % (f[1], os.path.basename(f[0] or "?"))


def main():
    args = sys.argv[1:]
    per, top, as_json = 1.0, 15, False
    if "--per" in args:
        i = args.index("--per")
        per = float(args[i + 1])
        del args[i:i + 2]
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    if "--json" in args:
        as_json = True
        args.remove("--json")
    r = split(args[0])
    if as_json:
        out = {k: r[k] for k in ("total", "gammu", "own")}
        out["own_top"] = [(fmt(f), ir) for f, ir in r["own_top"][:top]]
        out["gammu_top"] = [(fmt(f), ir) for f, ir in r["gammu_top"][:top]]
        out["gammu_entry"] = r["gammu_entry"][:top]
        out["by_object"] = r["by_object"][:top]
        json.dump(out, sys.stdout, indent=1)
        return
    print("total %.0f, libgammu %.0f (%.0f%%), own %.0f (per %g)" % (
        r["total"] / per, r["gammu"] / per, 100.0 * r["gammu"] / r["total"], r["own"] / per, per))
    print("libgammu entry points called from outside (inclusive):")
    for f, ir in r["gammu_entry"][:top]:
        print("  %12.0f  %s" % (ir / per, f))
    print("libgammu's share by function (self, incl. libc called from libgammu):")
    for f, ir in r["gammu_top"][:top]:
        print("  %12.0f  %s" % (ir / per, fmt(f)))
    print("own share by function (self):")
    for f, ir in r["own_top"][:top]:
        print("  %12.0f  %s" % (ir / per, fmt(f)))
    print("self cost by object:")
    for o, ir in r["by_object"][:top]:
        print("  %12.0f  %s" % (ir / per, o))


if __name__ == "__main__":
    main()
