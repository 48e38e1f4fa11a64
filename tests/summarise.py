#!/usr/bin/env python3
"""Count the checks of one or more meson test runs: "N passed, N failed, N skipped".

Usage: summarise.py BUILD_DIR...

Every TAP "ok"/"not ok" line is one check; a test that is not TAP, or that
crashed before printing its failures, counts as one. A skipped check (a TAP
"# SKIP", or a whole test that skipped, "1..0 # SKIP reason") is counted as
skipped and listed by name with its reason; with CI=true it counts as a
failure as well (CI must run everything). Exit status: 0 when nothing failed,
1 otherwise.
"""
import json
import os
import re
import sys

TAP_LINE = re.compile(r"^(not ok|ok)\b(.*)$")
SKIP = re.compile(r"#\s*skip\b", re.IGNORECASE)
TODO = re.compile(r"#\s*todo\b", re.IGNORECASE)


def summarise(build_dir, strict):
    path = os.path.join(build_dir, "meson-logs", "testlog.json")
    passed = failed = skipped = 0
    notes = []
    try:
        with open(path, encoding="utf-8") as log:
            records = [json.loads(line) for line in log if line.strip()]
    except OSError as err:
        return 0, 1, 0, [f"{path}: {err.strerror}; did the build fail?"]
    for rec in records:
        name = f"{build_dir}: {rec['name']}"
        result = rec["result"]
        oks = fails = skips = 0
        whole_skip = ""
        for line in (rec.get("stdout") or "").splitlines():
            if line.startswith("1..0") and SKIP.search(line):
                whole_skip = line.split("#", 1)[1].strip()
            match = TAP_LINE.match(line)
            if not match:
                continue
            if SKIP.search(match.group(2)):
                notes.append(f"skipped: {name}:{match.group(2)}")
                skips += 1
                if strict:
                    fails += 1
                continue
            if match.group(1) == "ok" or TODO.search(match.group(2)):
                oks += 1
            else:
                fails += 1
        if result == "SKIP":
            notes.append(f"skipped: {name}" + (f" ({whole_skip})" if whole_skip else ""))
            skips += 1
            if strict:
                fails += 1
        elif result != "OK" and fails == 0:
            # Crashed, timed out or broke its plan without a "not ok" line.
            notes.append(f"{result.lower()}: {name}")
            fails += 1
        elif oks == 0 and fails == 0:
            oks = 1  # a plain exit-status test
        passed += oks
        failed += fails
        skipped += skips
    return passed, failed, skipped, notes


def main():
    strict = os.environ.get("CI", "").lower() == "true"
    passed = failed = skipped = 0
    for build_dir in sys.argv[1:]:
        p, f, s, notes = summarise(build_dir, strict)
        passed += p
        failed += f
        skipped += s
        for note in notes:
            print(note)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
