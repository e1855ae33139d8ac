#!/bin/sh
# Benchmark xmlbatch build and status, Paybox and Lyra, against a plain
# Python reference, in the same run, and measure peak memory.
#
#   xmlbatch/benches/run.sh [ROWS]      (default 1000000; ROUNDS=5 interleaved rounds)
#
# The Lyra file takes at most 999,999 rows (its sequence number is NUMERIC 6).
# Python runs with PYTHONUNBUFFERED unset: a merchant's script writes
# through Python's buffer, not one system call per write.
#
# Needs: cargo (release build), python3, /usr/bin/time (GNU).
set -eu
ROWS=${1:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
cargo build --release -p xmlbatch --manifest-path "$ROOT/Cargo.toml" -q
BIN="$CARGO_TARGET_DIR/release/xmlbatch"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
unset PYTHONUNBUFFERED
LYRA_ROWS=$(( ROWS < 999999 ? ROWS : 999999 ))
ROUNDS=${ROUNDS:-5}

echo "== input: $ROWS rows"
python3 - "$ROWS" > "$WORK/rows.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("type,amount,currency,reference,pan,expiry,cvv")
for i in range(1, n + 1):
    print("authorize_capture,%d,EUR,ORDER-%d <&>,1111222233334444,1249,123" % (100 + i % 99999, i))
PY
python3 - "$LYRA_ROWS" > "$WORK/lyra.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("transaction_id,amount,currency,token,reference")
for i in range(1, n + 1):
    print("%06d,%d,EUR,c4b7e9f2a1d04e5b8a3c%012d,ORDER-%d" % (i, 100 + i % 99999, i, i))
PY
ls -l "$WORK/rows.csv" "$WORK/lyra.csv"
BUILD="$BIN build -q --site 1999888 --rank 32 --batch 1 --created-on 2026-11-22T10:15:00+01:00"
$BUILD "$WORK/rows.csv" > "$WORK/question.xml"
$BIN respond "$WORK/question.xml" > "$WORK/status.xml"
LYRA="$BIN build -q --format lyra --shop 12345678 --mode test --date 20261123 --time 101500"
$LYRA "$WORK/lyra.csv" > "$WORK/lyra.req"
$BIN respond "$WORK/lyra.req" > "$WORK/lyra.ans"
ls -l "$WORK/question.xml" "$WORK/status.xml" "$WORK/lyra.req" "$WORK/lyra.ans"
# The references do the same job: the Lyra outputs are the same bytes.
python3 "$HERE/reference.py" build-lyra < "$WORK/lyra.csv" | cmp - "$WORK/lyra.req"
$BIN status -q "$WORK/lyra.ans" > "$WORK/lyra-answers.csv"
python3 "$HERE/reference.py" status-lyra < "$WORK/lyra.ans" | cmp - "$WORK/lyra-answers.csv"

echo "== time: $ROUNDS interleaved rounds (median times, median of the rounds' ratios)"
# Interleaved, so that a drift in the machine's speed (a shared VM) falls
# on both sides of a ratio alike. To /dev/null as the issue measured, and
# into a file, where a batch goes (build spools stdout to a temporary file
# and copies it out, so that a bad row leaves nothing written).
python3 "$ROOT/scripts/bench-pairs.py" "$ROUNDS" \
  "xmlbatch build" "$BUILD $WORK/rows.csv > /dev/null" \
  "python build" "python3 $HERE/reference.py build < $WORK/rows.csv > /dev/null" \
  "xmlbatch build -o FILE" "$BUILD -o $WORK/out.xml $WORK/rows.csv" \
  "python build > FILE" "python3 $HERE/reference.py build < $WORK/rows.csv > $WORK/out-py.xml" \
  "xmlbatch status" "$BIN status $WORK/status.xml > /dev/null 2>&1" \
  "python status" "python3 $HERE/reference.py status < $WORK/status.xml > /dev/null" \
  "xmlbatch build --format lyra" "$LYRA $WORK/lyra.csv > /dev/null" \
  "python build-lyra" "python3 $HERE/reference.py build-lyra < $WORK/lyra.csv > /dev/null" \
  "xmlbatch status (lyra)" "$BIN status $WORK/lyra.ans > /dev/null 2>&1" \
  "python status-lyra" "python3 $HERE/reference.py status-lyra < $WORK/lyra.ans > /dev/null"

echo "== peak memory (maximum resident set size, KiB)"
peak() { /usr/bin/time -v sh -c "$1" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
echo "xmlbatch build:  $(peak "$BUILD $WORK/rows.csv > /dev/null")"
echo "python build:    $(peak "python3 $HERE/reference.py build < $WORK/rows.csv > /dev/null")"
echo "xmlbatch status: $(peak "$BIN status $WORK/status.xml > /dev/null 2>/dev/null; true")"
echo "python status:   $(peak "python3 $HERE/reference.py status < $WORK/status.xml > /dev/null")"
echo "xmlbatch build --format lyra: $(peak "$LYRA $WORK/lyra.csv > /dev/null")"
echo "python build-lyra:           $(peak "python3 $HERE/reference.py build-lyra < $WORK/lyra.csv > /dev/null")"
echo "xmlbatch status (lyra):      $(peak "$BIN status $WORK/lyra.ans > /dev/null 2>/dev/null; true")"
echo "python status-lyra:          $(peak "python3 $HERE/reference.py status-lyra < $WORK/lyra.ans > /dev/null")"
echo "(xmlbatch build on stdout spools to an unnamed temporary file, so its memory does not grow with the input)"
