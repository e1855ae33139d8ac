#!/usr/bin/env bash
# dropwatch benchmarks (see docs/performance-dropwatch.md).
#  1. rename-into-place -> event latency over N files, dropwatch watch beside
#     inotifywait, in the same run;
#  2. a full scan over FILES files: watch --once and sweep --dry-run beside
#     find and a plain Python walk+stat, with hyperfine.
# Usage: dropwatch/benches/run.sh [N=1000] [FILES=100000]
set -euo pipefail
# The Python references write through their buffer, as a merchant's script
# does (PYTHONUNBUFFERED would make every write a system call).
unset PYTHONUNBUFFERED
N=${1:-1000}
FILES=${2:-100000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cargo build --release -q -p dropwatch --manifest-path "$root/Cargo.toml"
DW="$CARGO_TARGET_DIR/release/dropwatch"
for t in inotifywait hyperfine python3 find; do
  command -v "$t" >/dev/null || { echo "run.sh: $t is not installed (apt-get install -y inotify-tools hyperfine)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== machine"
echo "$(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kernel: $(uname -r); $("$DW" --version)"

echo "== 1. rename into place -> event, $N files (median, p99)"
# dropwatch prints a JSON line; the sentinel's line is its READY signal.
python3 "$here/latency.py" "$N" "$work/lat-dw" sh -c \
  "\"$DW\" watch --no-state --gateway lyra \"$work/lat-dw\" | sed -u 's/99999999/READY/'" \
  | sed 's/^/dropwatch watch (default --settle 1s):  /'
python3 "$here/latency.py" "$N" "$work/lat-iw" sh -c \
  "inotifywait -q -m -e moved_to --format '%f' \"$work/lat-iw\" | sed -u 's/99999999/READY/'" \
  | sed 's/^/inotifywait -m -e moved_to:            /'

echo "== 1b. idle: CPU used by a live watcher over 60 s with nothing to do"
mkdir -p "$work/idle"
"$DW" watch --no-state "$work/idle" > /dev/null &
idle=$!
sleep 2
t0=$(awk '{print $14+$15}' /proc/$idle/stat)
sleep 60
t1=$(awk '{print $14+$15}' /proc/$idle/stat)
kill $idle
echo "dropwatch watch, idle 60 s: $((t1 - t0)) ticks of CPU (1 tick = 10 ms; 1 % of a core = 60 ticks)"

echo "== 2. full scan of $FILES files"
tree="$work/tree"
python3 - "$tree" "$FILES" <<'PY'
import os, sys, time
root, n = sys.argv[1], int(sys.argv[2])
old = time.time() - 10 * 86400
for i in range(n):
    d = os.path.join(root, "%08d" % (10000000 + i % 100), "result_ips")
    if i < 100: os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "20261%03d.%08d.PAY.ANS.T.%02d" % (101 + i // 9900 % 30, 10000000 + i % 100, i // 100 % 99 + 1))
    with open(p, "w") as f: f.write("x")
    if i % 2: os.utime(p, (old, old))
PY
echo "files: $(find "$tree" -type f | wc -l)"
hyperfine -w 1 -r 5 -N --export-markdown "$work/scan.md" \
  "find $tree -type f -printf '%s %T@ %p\n'" \
  "python3 $here/scan.py $tree" \
  "$DW watch --once --no-state --settle 0s $tree" \
  "$DW watch --once --state $work/watch-state.json --settle 0s $tree" \
  "$DW sweep --dry-run $tree"
cat "$work/scan.md"
