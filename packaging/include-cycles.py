#!/usr/bin/env python3
"""Fails (exit 1) when the tree's own headers include each other in a circle.

Builds the graph of `#include "..."` lines between the tracked headers (resolved the way the
build's include paths do: beside the including file, then the repository root, shared/ and the
test folders) and prints every strongly connected component of more than one header, or a
header that includes itself. Run by `packaging/dev.sh format` (and so by CI).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE_DIRS = ["", "shared", "tests", "tests/e2e", "tests/relay", "tests/support"]
HEADER = (".h", ".hpp")


def main():
    listed = subprocess.run(["git", "ls-files", "*.h", "*.hpp", "*.cpp", "*.cc"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    files = {f for f in listed if os.path.exists(os.path.join(ROOT, f))}

    def resolve(src, name):
        for base in [os.path.dirname(src)] + INCLUDE_DIRS:
            path = os.path.normpath(os.path.join(base, name))
            if path in files:
                return path
        return None

    graph = {}
    for f in sorted(files):
        if not f.endswith(HEADER):
            continue
        graph[f] = []
        with open(os.path.join(ROOT, f), errors="replace") as text:
            for line in text:
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                target = m and resolve(f, m.group(1))
                if target and target.endswith(HEADER):
                    graph[f].append(target)

    # Tarjan's strongly connected components, iteratively (no recursion limit on deep chains).
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = graph.get(node, [])
            if i < len(edges):
                work.append((node, i + 1))
                nxt = edges[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1 or node in graph.get(node, []):
                    cycles.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])

    for comp in cycles:
        print("include cycle: " + " <-> ".join(comp), file=sys.stderr)
    if cycles:
        return 1
    print("include cycles: none among %d headers (%d includes)"
          % (len(graph), sum(len(e) for e in graph.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
