#!/usr/bin/env python3
"""Time commands against their alternatives, interleaved.

  scripts/bench-pairs.py ROUNDS NAME CMD ALT_NAME ALT_CMD [NAME CMD ALT_NAME ALT_CMD ...]

Each round runs every command once, in turn (through sh -c), so that a
machine whose speed drifts (a shared VM) slows both sides of a pair
alike; one warm-up round is not counted. BENCH_BEFORE, when set, is a
command run before each timed one and not timed (removing the outputs of
the round before: replacing a file of 85 MB frees its pages, 27 ms that
belong to neither side). Prints a Markdown table: per
command the median wall time and the median CPU time (user + system, all
threads), and per pair the median of the rounds' ratios (CMD / ALT_CMD),
wall and CPU.
"""
import os
import resource
import statistics
import subprocess
import sys
import time


def run(cmd):
    setup = os.environ.get("BENCH_BEFORE")
    if setup:
        subprocess.run(["sh", "-c", setup], check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(["sh", "-c", cmd])
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        sys.exit(f"bench-pairs: {cmd!r} exited {done.returncode}")
    return wall, cpu


def main():
    if len(sys.argv) < 6 or (len(sys.argv) - 2) % 4:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    args = sys.argv[2:]
    pairs = [args[i:i + 4] for i in range(0, len(args), 4)]
    times = {}
    for r in range(rounds + 1):
        for name, cmd, alt_name, alt_cmd in pairs:
            for n, c in ((name, cmd), (alt_name, alt_cmd)):
                t = run(c)
                if r:
                    times.setdefault(n, []).append(t)
    load = os.getloadavg()[0]
    print(f"{rounds} interleaved rounds, load {load:.2f} at the end\n")
    print("| command | wall (median) | CPU (median) | alternative | wall | CPU | ratio wall | ratio CPU |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for name, _, alt_name, _ in pairs:
        ours, theirs = times[name], times[alt_name]
        med = lambda xs, i: statistics.median(x[i] for x in xs)
        ratio = lambda i: statistics.median(a[i] / b[i] for a, b in zip(ours, theirs))
        print(f"| {name} | {med(ours, 0) * 1000:.0f} ms | {med(ours, 1) * 1000:.0f} ms "
              f"| {alt_name} | {med(theirs, 0) * 1000:.0f} ms | {med(theirs, 1) * 1000:.0f} ms "
              f"| **{ratio(0):.3f}** | {ratio(1):.3f} |")


if __name__ == "__main__":
    main()
