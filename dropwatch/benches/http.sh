#!/usr/bin/env bash
# The HTTP sandbox's throughput and latency (docs/performance-dropwatch.md):
# Paybox Direct authorisations at CONNS connections for SECONDS seconds with
# wrk (Debian's package), answered in process (the default) and, for
# comparison, through a process per request (--responder "xmlbatch respond",
# what the sandbox did before).
# Usage: dropwatch/benches/http.sh [CONNS=50] [SECONDS=10]
set -euo pipefail
CONNS=${1:-50}
SECONDS_=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cargo build --release -q -p dropwatch -p xmlbatch --manifest-path "$root/Cargo.toml"
DW="$CARGO_TARGET_DIR/release/dropwatch"
XB="$CARGO_TARGET_DIR/release/xmlbatch"
command -v wrk >/dev/null || { echo "http.sh: wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }
work=$(mktemp -d)
sandbox=
trap '[ -n "$sandbox" ] && kill $sandbox 2>/dev/null; rm -rf "$work"' EXIT

echo "== machine"
echo "$(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

start() {
  : > "$work/log"
  "$DW" gateway --http 0 --store "$work/store.db" --reset "$@" > "$work/log" 2> "$work/err" &
  sandbox=$!
  for _ in $(seq 200); do [ -s "$work/log" ] && break; sleep 0.05; done
  port=$(head -n 1 "$work/log" | sed 's/.*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/')
}
stop() { kill $sandbox; wait $sandbox 2>/dev/null || true; sandbox=; }

echo "== in process, $CONNS connections, ${SECONDS_}s"
start
wrk -t 2 -c "$CONNS" -d "${SECONDS_}s" --latency -s "$here/http.lua" "http://127.0.0.1:$port/PPPS.php"
stop
echo "answered: $(grep -c '"response_code":"00000"' "$work/log") authorisations accepted"

echo "== a process per request (--responder xmlbatch respond), $CONNS connections, ${SECONDS_}s"
start --responder "'$XB' respond"
wrk -t 2 -c "$CONNS" -d "${SECONDS_}s" --timeout 20s --latency -s "$here/http.lua" "http://127.0.0.1:$port/PPPS.php"
stop
