#!/usr/bin/env bash
# The paylot demonstration: every step on bundled samples, in a temporary
# directory, with the gateways' published test keys. Copy the parts you
# need into your own jobs: each step is one plain command line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/paylot-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Key files must not be readable by others (git does not keep modes).
install -d -m 0700 "$work/keys"
for k in "$here"/keys/*.key; do install -m 0600 "$k" "$work/keys/"; done
keys=$work/keys
samples=$here/samples

if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; plain=$'\033[0m'; else bold=; plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain" >&2; }
show() { printf '$ %s\n' "$*" >&2; }

step "seal: a Sips Office JSON cardOrder request (the gateway's published example)"
show "seal compute --key-file sips-office.key < sips-card-order.json"
seal compute --key-file "$keys/sips-office.key" < "$samples/sips-card-order.json" > "$work/card-order.sealed.json"
cat "$work/card-order.sealed.json"

step "seal: the gateway checks it"
show "seal verify --key-file sips-office.key < card-order.sealed.json"
seal verify --key-file "$keys/sips-office.key" < "$work/card-order.sealed.json"

step "seal: what went into that seal (card number and CVV masked)"
show "seal explain --key-file sips-office.key < card-order.sealed.json"
seal explain --key-file "$keys/sips-office.key" < "$work/card-order.sealed.json"

step "seal: a response that says 'invalid seal' — and why"
show "seal verify --key-file sips-demo.key < sips-response-sha256.json"
status=0
seal verify --key-file "$keys/sips-demo.key" < "$samples/sips-response-sha256.json" || status=$?
echo "exit status $status (1: the seal does not match)" >&2

step "seal: Paybox System PBX_HMAC and Lyra form signature"
show "seal compute --key-file paybox-hmac.key --seal-only < paybox-system.json"
seal compute --key-file "$keys/paybox-hmac.key" --seal-only < "$samples/paybox-system.json"
show "seal compute --key-file lyra.key --seal-only < lyra-form.json"
seal compute --key-file "$keys/lyra.key" --seal-only < "$samples/lyra-form.json"

step "seal: a Paybox return (IPN), checked over the raw query string with Paybox's public key"
show "seal verify --input form < paybox-ipn.txt"
seal verify --input form < "$samples/paybox-ipn.txt"

printf '\n%sdone.%s\n' "$bold" "$plain" >&2
