#!/usr/bin/env bash
# The floor under seal's speed (issue 27): for each shape of shapes.sh,
# the time a line that 20x the plain Python reference leaves seal
# (`--seal-only`, the operation where Python does least), beside what
# the parts seal cannot skip cost a line, each timed alone on one core
# (floor/src/main.rs): finding the lines and checking UTF-8, the
# pasted-secret check, reading the JSON (seal's reader, and the fastest
# in Rust: sonic-rs, simd-json), building the seal string, HMAC-SHA-256.
# Their sum with the fastest reader is the least CPU a line any design
# of these parts spends; two cores at best halve it in wall time.
# Usage: [ROUNDS=5] [SHAPES="raw cart"] floor.sh [N].
set -euo pipefail
unset PYTHONUNBUFFERED
cd "$(dirname "$0")/../.."
n=${1:-60000}
rounds=${ROUNDS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet -p seal
cargo build --release --quiet --manifest-path seal/benches/floor/Cargo.toml
floor=seal/benches/floor/target/release/seal-floor
printf '002001000000001_KEY1\n' > "$work/key"; chmod 600 "$work/key"
for shape in ${SHAPES:-compact spaced sealed nested raw escaped shuffled cart}; do
    python3 seal/benches/gen.py "$n" "$shape" > "$work/$shape.jsonl"
    python3 - "$shape" "$work" "$rounds" "$floor" "$PWD/target/release/seal" <<'PY'
import os, statistics, subprocess, sys, time
shape, work, rounds, floor, seal = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
src = f"{work}/{shape}.jsonl"
n = sum(1 for line in open(src, "rb") if line.strip())
def timed(cmd, **kw):
    t0, r0 = time.perf_counter(), os.times()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    t1, r1 = time.perf_counter(), os.times()
    cpu = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
    return (t1 - t0) * 1e6 / n, cpu * 1e6 / n
py, sl = [], []
for _ in range(rounds):  # interleaved
    with open(src, "rb") as f:
        py.append(timed(["python3", "seal/benches/reference.py", f"{work}/key", "seal-only"], stdin=f))
    sl.append(timed([seal, "compute", "--jsonl", "--seal-only", "-q", "--key-file", f"{work}/key", src, "-o", f"{work}/out"]))
py_wall = statistics.median(w for w, _ in py)
seal_wall = statistics.median(w for w, _ in sl)
seal_cpu = statistics.median(c for _, c in sl)
out = subprocess.run([floor, f"{work}/key", src, str(rounds)], check=True, capture_output=True, text=True).stdout
p = dict((k, float(v)) for k, v in (line.split() for line in out.splitlines()))
best = min(p["read.seal"], p["read.sonic-rs"], p["read.simd-json"])
build = max(p["string.seal"] - p["read.seal"], 0.0)
least = p["lines"] + p["secret"] + best + build + p["hmac"]
budget = py_wall / 20
print(f"| {shape} | {py_wall:.2f} | {budget:.3f} | {seal_wall:.3f} | {seal_cpu:.3f} | "
      f"{p['lines']:.3f} | {p['secret']:.3f} | {p['read.seal']:.3f} | {p['read.sonic-rs']:.3f} | "
      f"{p['read.simd-json']:.3f} | {build:.3f} | {p['hmac']:.3f} | {least:.3f} | {least / 2 / budget:.2f} |")
PY
done | { echo "input: $n objects per shape; $(nproc) cores; microseconds a line, medians of $rounds interleaved rounds"
         echo
         echo "| shape | python wall | 20x budget, wall | seal wall | seal CPU | lines + UTF-8 | secret check | read (seal) | read (sonic-rs) | read (simd-json) | seal string | HMAC | least CPU | least / 2 cores / budget |"
         echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
         cat; }
