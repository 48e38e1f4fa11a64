#!/usr/bin/env python3
"""No include cycle between the source files of mailroom (TAP).

A module is a .c file with its .h. Module a uses b when a's .c or .h
includes b.h. The build keeps the parts (core/util, core/decode, ...,
backends/ssh, tui) from including the wrong way; this keeps the files inside
a part from leaning on each other in a circle, which is how a part grows
into one knot. A backend's internal.h is its implementation's shared header,
not a module, and is left out.
"""
import collections
import os
import re
import sys

root = sys.argv[1]
files = []
for top in ("core", "backends", "tui", "tools"):
    for d, _, names in os.walk(os.path.join(root, top)):
        files += [os.path.join(d, n) for n in names if n.endswith((".c", ".h"))]

by_name = collections.defaultdict(list)
for f in files:
    by_name[os.path.basename(f)].append(f)


def module(path):
    return os.path.relpath(path, root)[:-2]


uses = collections.defaultdict(set)
for f in files:
    if os.path.basename(f) == "internal.h":
        continue
    with open(f, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    for inc in re.findall(r'^#include "([^"]+)"', text, re.M):
        name = os.path.basename(inc)
        if name == "internal.h":
            continue
        # As the compiler looks: the including file's folder first.
        near = os.path.join(os.path.dirname(f), inc)
        found = [near] if os.path.exists(near) else by_name.get(name, [])
        if found and module(found[0]) != module(f):
            uses[module(f)].add(module(found[0]))

# Tarjan's strongly connected components: each one larger than a file is a cycle.
index, low, stack, on, cycles = {}, {}, [], set(), []
sys.setrecursionlimit(10000)


def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in uses.get(v, ()):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            cycles.append(sorted(comp))


for v in sorted(set(uses) | {module(f) for f in files}):
    if v not in index:
        visit(v)

n_modules = len({module(f) for f in files})
print("1..2")
print(f"{'ok' if n_modules > 50 else 'not ok'} 1 - {n_modules} modules read")
if cycles:
    print("not ok 2 - include cycles: " + "; ".join(" <-> ".join(c) for c in cycles))
    sys.exit(1)
print(f"ok 2 - no include cycle among {n_modules} modules")
