#!/bin/sh
# Benchmark xmlbatch build and status against a plain Python reference, in
# the same run, and measure peak memory.
#
#   xmlbatch/benches/run.sh [ROWS]      (default 1000000; RUNS=2 hyperfine runs per command)
#
# Needs: cargo (release build), python3, hyperfine, /usr/bin/time (GNU).
set -eu
ROWS=${1:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build --release -p xmlbatch --manifest-path "$ROOT/Cargo.toml" -q
BIN="$CARGO_TARGET_DIR/release/xmlbatch"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== input: $ROWS rows"
python3 - "$ROWS" > "$WORK/rows.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("type,amount,currency,reference,pan,expiry,cvv")
for i in range(1, n + 1):
    print("authorize_capture,%d,EUR,ORDER-%d <&>,1111222233334444,1230,123" % (100 + i % 99999, i))
PY
ls -l "$WORK/rows.csv"
BUILD="$BIN build --site 1999888 --rank 32 --batch 1 --created-on 2026-11-22T10:15:00+01:00"
$BUILD "$WORK/rows.csv" > "$WORK/question.xml"
$BIN respond "$WORK/question.xml" > "$WORK/status.xml"
ls -l "$WORK/question.xml" "$WORK/status.xml"

echo "== time"
hyperfine --runs ${RUNS:-2} --export-markdown "$WORK/times.md" \
  -n "xmlbatch build" "$BUILD $WORK/rows.csv > /dev/null" \
  -n "python build" "python3 $HERE/reference.py build < $WORK/rows.csv > /dev/null" \
  -n "xmlbatch status" "$BIN status $WORK/status.xml > /dev/null 2>&1 || true" \
  -n "python status" "python3 $HERE/reference.py status < $WORK/status.xml > /dev/null"
cat "$WORK/times.md"

echo "== peak memory (maximum resident set size, KiB)"
peak() { /usr/bin/time -v sh -c "$1" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
echo "xmlbatch build:  $(peak "$BUILD $WORK/rows.csv > /dev/null")"
echo "python build:    $(peak "python3 $HERE/reference.py build < $WORK/rows.csv > /dev/null")"
echo "xmlbatch status: $(peak "$BIN status $WORK/status.xml > /dev/null 2>/dev/null; true")"
echo "python status:   $(peak "python3 $HERE/reference.py status < $WORK/status.xml > /dev/null")"
echo "(xmlbatch build on stdout spools to an unnamed temporary file, so its memory does not grow with the input)"
