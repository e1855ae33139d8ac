#!/usr/bin/env bash
# Benchmark: sign+encrypt and decrypt+verify of a large file, pgpwrap vs
# gpg, same keys, compression off on both sides (gpg -z 0; pgpwrap never
# compresses). Reports wall time (median of RUNS) and peak RSS
# (/usr/bin/time -v) for each, and the time ratio pgpwrap/gpg.
#
# Usage: pgpwrap/benches/run.sh [SIZE_MIB] [RUNS]     (defaults: 1024 3)
# Needs: a release build (cargo build --release -p pgpwrap), gpg, /usr/bin/time.
# PGPWRAP=/path/to/pgpwrap overrides the binary.
set -euo pipefail
# A user's environment: RUST_BACKTRACE (set on some development machines)
# makes every error the OpenPGP library creates and discards capture a
# backtrace, about 3 % of a small file's time.
unset RUST_BACKTRACE

SIZE_MIB=${1:-1024}
RUNS=${2:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=${CARGO_TARGET_DIR:-$HERE/../../target}
PGPWRAP=${PGPWRAP:-$TARGET/release/pgpwrap}
[ -x "$PGPWRAP" ] || { echo "run.sh: no release binary at $PGPWRAP (cargo build --release -p pgpwrap)" >&2; exit 2; }
command -v gpg >/dev/null || { echo "run.sh: gpg not found" >&2; exit 2; }

WORK=$(mktemp -d /tmp/pgpwrap-bench.XXXXXX)
export GNUPGHOME=$WORK/gnupg
cleanup() { gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -m 700 "$GNUPGHOME"
G=(gpg --batch --yes --no-tty --trust-model always --pinentry-mode loopback --passphrase '')

# Keys: made by gpg (Ed25519 + Cv25519), exported for pgpwrap.
"${G[@]}" --quick-gen-key 'Bench Shop <shop@example.com>' future-default default never 2>/dev/null
"${G[@]}" --quick-gen-key 'Bench Gateway <gw@example.net>' future-default default never 2>/dev/null
"${G[@]}" --armor --export shop@example.com > "$WORK/shop.pub"
"${G[@]}" --armor --export-secret-keys shop@example.com > "$WORK/shop.key"
"${G[@]}" --armor --export gw@example.net > "$WORK/gw.pub"
"${G[@]}" --armor --export-secret-keys gw@example.net > "$WORK/gw.key"

echo "generating ${SIZE_MIB} MiB of test data..." >&2
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$WORK/in.bin"

# measure NAME CMD...: runs CMD RUNS times; prints
# "NAME median_wall_s max_rss_kib median_cpu_s" (cpu = user + system).
measure() {
    local name=$1; shift
    local times=() cpus=() rss=0
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/err.txt" || {
            echo "run.sh: $name failed:" >&2; cat "$WORK/err.txt" >&2; exit 1; }
        local wall r
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt" |
            awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
        r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
        cpus+=("$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$WORK/time.txt")")
        times+=("$wall")
        [ "$r" -gt "$rss" ] && rss=$r
    done
    local median cpu
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$name $median $rss $cpu"
}

RESULTS=$WORK/results.txt
: > "$RESULTS"
measure "cat(I/O-floor)" sh -c "cat '$WORK/in.bin' > '$WORK/cat.out'" >> "$RESULTS"
measure "gpg-sign+encrypt" "${G[@]}" -z 0 -u shop@example.com -r gw@example.net \
    --sign --encrypt -o "$WORK/gpg.gpg" "$WORK/in.bin" >> "$RESULTS"
measure "pgpwrap-sign+encrypt" "$PGPWRAP" encrypt --recipient "$WORK/gw.pub" \
    --sign-with "$WORK/shop.key" -o "$WORK/pw.pgp" "$WORK/in.bin" >> "$RESULTS"
# Both tools decrypt the same (gpg-made, uncompressed) message.
measure "gpg-decrypt+verify" "${G[@]}" -o "$WORK/gpg.out" --decrypt "$WORK/gpg.gpg" >> "$RESULTS"
measure "pgpwrap-decrypt+verify" "$PGPWRAP" decrypt --key "$WORK/gw.key" \
    --verify-with "$WORK/shop.pub" -o "$WORK/pw.out" "$WORK/gpg.gpg" >> "$RESULTS"

cmp "$WORK/in.bin" "$WORK/pw.out"
cmp "$WORK/in.bin" "$WORK/gpg.out"
"${G[@]}" -o "$WORK/cross.out" --decrypt "$WORK/pw.pgp" 2>/dev/null
cmp "$WORK/in.bin" "$WORK/cross.out"

echo
echo "size: ${SIZE_MIB} MiB, runs: ${RUNS} (median wall time), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "gpg: $(gpg --version | head -1); pgpwrap: $("$PGPWRAP" --version)"
printf '%-24s %10s %10s %10s %12s\n' operation wall-s MB/s cpu-s peak-RSS-MiB
while read -r name secs rss cpu; do
    mbs=$(awk -v s="$secs" -v m="$SIZE_MIB" 'BEGIN { if (s > 0) printf "%.0f", m*1.048576/s; else print "-" }')
    printf '%-24s %10s %10s %10s %12.1f\n' "$name" "$secs" "$mbs" "$cpu" "$(awk -v r="$rss" 'BEGIN {print r/1024}')"
done < "$RESULTS"
ratio() { awk -v a="$(awk -v n="$1" -v c="$3" '$1==n {print $c}' "$RESULTS")" \
               -v b="$(awk -v n="$2" -v c="$3" '$1==n {print $c}' "$RESULTS")" 'BEGIN { printf "%.2f", a/b }'; }
echo "wall-time ratio pgpwrap/gpg: sign+encrypt $(ratio pgpwrap-sign+encrypt gpg-sign+encrypt 2), decrypt+verify $(ratio pgpwrap-decrypt+verify gpg-decrypt+verify 2)"
echo "cpu-time ratio pgpwrap/gpg:  sign+encrypt $(ratio pgpwrap-sign+encrypt gpg-sign+encrypt 4), decrypt+verify $(ratio pgpwrap-decrypt+verify gpg-decrypt+verify 4)"
