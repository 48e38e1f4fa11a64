#!/usr/bin/env python3
"""Runs a command five times, its output to /dev/null, and prints the best
wall-clock time in seconds (for the listing benchmarks).

    best-of.py COMMAND [ARG...]
"""
import subprocess
import sys
import time

runs = []
for _ in range(5):
    start = time.perf_counter()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
    runs.append(time.perf_counter() - start)
print("%.3f" % min(runs))
