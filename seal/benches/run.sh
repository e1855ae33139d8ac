#!/usr/bin/env bash
# seal compute --jsonl throughput, beside a plain Python reference and
# sha256sum over the same file, in the same run. Usage: run.sh [N]
# (default 1,000,000 objects of about 400 bytes). Needs hyperfine.
set -euo pipefail
# The Python references write through their buffer, as a merchant's script
# does (PYTHONUNBUFFERED would make every write a system call).
unset PYTHONUNBUFFERED
cd "$(dirname "$0")/../.."
n=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet -p seal
seal=$PWD/target/release/seal
python3 seal/benches/gen.py "$n" > "$work/orders.jsonl"
printf 'secret123\n' > "$work/key"; chmod 600 "$work/key"
size=$(stat -c %s "$work/orders.jsonl")
echo "input: $n objects, $size bytes ($((size / n)) bytes each)"

# Same output from both, or the comparison means nothing.
head -n 1000 "$work/orders.jsonl" | "$seal" compute --jsonl --key-file "$work/key" > "$work/a"
head -n 1000 "$work/orders.jsonl" | python3 seal/benches/reference.py "$work/key" > "$work/b"
cmp "$work/a" "$work/b"

hyperfine --warmup 1 --runs "${RUNS:-3}" --export-markdown "$work/table.md" \
  -n "seal compute --jsonl" "$seal compute --jsonl --key-file $work/key $work/orders.jsonl > /dev/null" \
  -n "python3 reference" "python3 seal/benches/reference.py $work/key < $work/orders.jsonl > /dev/null" \
  -n "sha256sum" "sha256sum $work/orders.jsonl > /dev/null"
cat "$work/table.md"

echo
echo "peak memory (max RSS):"
for m in 1 4; do
  head -c $((size * m / 4)) "$work/orders.jsonl" > "$work/part" || true
  /usr/bin/time -f "  $m/4 of the input: %M KiB" "$seal" compute --jsonl --key-file "$work/key" "$work/part" > /dev/null
done
