#!/usr/bin/env python3
"""The screen's first moments on a big queue, in a real terminal (tmux).

Starts the real binary on each queue given (a saved postqueue -j listing, an
SQLite queue) in a private tmux server of 200x50, polls the screen every 10
ms, and prints when the terminal first showed anything (the progress line),
when the first rows of the list were on it, and when the status line showed
the whole queue; the best of RUNS, and beside them the time to read the file
once (from the page cache), the floor. Asserts nothing.

    tests/bench/first-screen.py [--runs N] MAILROOM QUEUE...

Make the queues with mailroom-gen, e.g. `mailroom-gen --seed 11
--postqueue-json --count 1000000 q.jsonl` and `mailroom-gen --seed 11
--count 1000000 q.db`.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROW = re.compile(r"^[0-9A-Za-z]{10,15} ", re.M)


def floor(path):
    """Seconds to read the file once, twice over: the second from the cache."""
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        with open(path, "rb") as f:
            while f.read(1 << 20):
                pass
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    return best


def one_run(tmux, mailroom, queue, whole_pattern):
    """(first output, first rows, whole queue) in seconds, None when not seen."""
    session = "fs%d" % os.getpid()
    env = "MAILROOM_NOW=1795435200 TZ=UTC LANG=C.UTF-8"
    t0 = time.perf_counter()
    subprocess.run(tmux + ["new-session", "-d", "-s", session, "-x", "200", "-y", "50",
                           "env %s %s --no-audit --refresh 0 %s; sleep 60" % (env, mailroom, queue)],
                   check=True)
    first = rows = whole = None
    while True:
        screen = subprocess.run(tmux + ["capture-pane", "-p", "-t", session],
                                capture_output=True, text=True).stdout
        t = time.perf_counter() - t0
        if first is None and screen.strip():
            first = t
        if rows is None and ROW.search(screen):
            rows = t
        if rows is not None and whole_pattern.search(screen):
            whole = t
            break
        if t > 120:
            break
        time.sleep(0.01)
    subprocess.run(tmux + ["kill-session", "-t", session])
    return first, rows, whole


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("mailroom")
    ap.add_argument("queues", nargs="+")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("first-screen: tmux is needed")
    tmp = tempfile.mkdtemp(prefix="mailroom-first-screen.")
    tmux = ["tmux", "-S", os.path.join(tmp, "tmux.sock"), "-f", "/dev/null"]
    try:
        for queue in args.queues:
            # The status line's count of the whole queue, with no "reading".
            count = subprocess.run([args.mailroom, "list", "--json", queue],
                                   capture_output=True, text=True).stdout.count("\n")
            whole = re.compile(r": %s messages " % format(count, ","))
            runs = [one_run(tmux, os.path.abspath(args.mailroom), os.path.abspath(queue), whole)
                    for _ in range(args.runs)]

            def best(i):
                seen = [r[i] for r in runs if r[i] is not None]
                return "%.2f s" % min(seen) if seen else "not seen"

            print("first-screen: %s (%s messages, %d MB), best of %d" %
                  (os.path.basename(queue), format(count, ","),
                   os.path.getsize(queue) >> 20, args.runs))
            print("  reading the file once          %.2f s" % floor(queue))
            print("  first output (progress line)   %s" % best(0))
            print("  first rows of the list         %s   (runs: %s)" %
                  (best(1), ", ".join("%.2f" % r[1] for r in runs if r[1] is not None)))
            print("  the whole queue on the screen  %s" % best(2))
    finally:
        subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
