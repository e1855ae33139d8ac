#!/bin/sh
# A short fuzz run of every xmlbatch parser on the stable toolchain (no
# cargo-fuzz, no nightly): libFuzzer targets built with SanitizerCoverage
# passes, seeded with the samples and the documents built from them.
#
#   xmlbatch/fuzz/run-stable.sh [SECONDS_PER_TARGET]   (default 30)
#
# With nightly and cargo-fuzz, `cargo fuzz run <target>` works as usual.
set -eu
SECS=${1:-30}
HERE=$(cd "$(dirname "$0")" && pwd)
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
FUZZ_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/../../target}/fuzz
# --target keeps these flags away from build scripts.
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  cargo build --release --target "$TRIPLE" --target-dir "$FUZZ_TARGET_DIR" --manifest-path "$HERE/Cargo.toml"
BIN="$FUZZ_TARGET_DIR/$TRIPLE/release"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for t in csv_rows question_xml status_xml req ans; do mkdir -p "$WORK/$t"; done
cp "$HERE/../samples/"*.csv "$WORK/csv_rows/"
# Seeds for the document parsers, made by the tool itself.
XB="cargo run -q --release --manifest-path $HERE/../../Cargo.toml -p xmlbatch --"
$XB build --site 1999888 --rank 32 --batch 1 "$HERE/../samples/paybox.csv" > "$WORK/question_xml/q.xml"
$XB respond "$WORK/question_xml/q.xml" > "$WORK/status_xml/s.xml"
$XB build --format lyra --shop 12345678 --mode test "$HERE/../samples/lyra.csv" > "$WORK/req/r"
$XB respond "$WORK/req/r" > "$WORK/ans/a"
status=0
for t in csv_rows question_xml status_xml req ans; do
  echo "== $t ($SECS s)"
  if "$BIN/$t" -max_total_time="$SECS" -rss_limit_mb=1024 -artifact_prefix="$HERE/artifacts-$t-" \
       "$WORK/$t" > "$WORK/$t.log" 2>&1; then
    grep -E '^(Done|#[0-9]+ +DONE)' "$WORK/$t.log" | tail -1
  else
    echo "FAILED: see $HERE/artifacts-$t-*"; tail -30 "$WORK/$t.log"; status=1
  fi
done
exit $status
