#!/usr/bin/env python3
"""A stand-in for the office's records software: keeps committing to the records
database for a while (as the real writer would while dossierd scans it) and
reports how many writes failed. Usage: writer.py DB SECONDS JOURNAL_MODE"""
import random
import sqlite3
import sys
import time

db, seconds, mode = sys.argv[1], float(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(db, timeout=0.5, isolation_level=None)
con.execute("PRAGMA journal_mode=%s" % mode)
codes = [r[0] for r in con.execute("SELECT code FROM dossiers")]
writes = failures = 0
end = time.time() + seconds
while time.time() < end:
    try:
        con.execute("BEGIN IMMEDIATE")
        for _ in range(5):
            con.execute("UPDATE dossiers SET due_at = due_at, updated_at = ? WHERE code = ?",
                        (time.strftime("%Y-%m-%dT%H:%M:%S"), random.choice(codes)))
        con.execute("COMMIT")
        writes += 1
    except sqlite3.Error as e:
        failures += 1
        print("write failed: %s" % e, file=sys.stderr)
        try:
            con.execute("ROLLBACK")
        except sqlite3.Error:
            pass
    time.sleep(0.005)
print("%d writes, %d failures" % (writes, failures))
sys.exit(1 if failures else 0)
