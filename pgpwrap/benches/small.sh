#!/usr/bin/env bash
# Benchmark: one process per file of the size of a real batch file
# (20 KB by default), as a cron job or a drop-directory responder runs
# them: sign+encrypt and decrypt+verify, pgpwrap against gpg, same keys,
# for RSA-3072 and for Ed25519/Cv25519 keys. hyperfine, interleaved
# warm runs; prints the table and the ratios pgpwrap/gpg.
#
# Usage: pgpwrap/benches/small.sh [SIZE_KB] [RUNS]     (defaults: 20 30)
# Needs: a release build (cargo build --release -p pgpwrap), gpg, hyperfine.
set -euo pipefail
# A user's environment: RUST_BACKTRACE (set on some development machines)
# makes every error the OpenPGP library creates and discards capture a
# backtrace, about 3 % of a small file's time.
unset RUST_BACKTRACE

SIZE_KB=${1:-20}
RUNS=${2:-30}
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=${CARGO_TARGET_DIR:-$HERE/../../target}
PGPWRAP=${PGPWRAP:-$TARGET/release/pgpwrap}
[ -x "$PGPWRAP" ] || { echo "small.sh: no release binary at $PGPWRAP (cargo build --release -p pgpwrap)" >&2; exit 2; }
command -v gpg >/dev/null || { echo "small.sh: gpg not found" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "small.sh: hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/pgpwrap-small.XXXXXX)
export GNUPGHOME=$WORK/gnupg
cleanup() { gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -m 700 "$GNUPGHOME"
G="gpg --batch --yes --no-tty --trust-model always --pinentry-mode loopback --passphrase ''"

head -c $((SIZE_KB * 1024)) /dev/urandom | base64 > "$WORK/in.txt"
for algo in rsa3072 ed25519; do
    case $algo in
        rsa3072) spec=rsa3072 ;;
        ed25519) spec=future-default ;;
    esac
    for uid in "Shop $algo <shop-$algo@example.com>" "Gateway $algo <gw-$algo@example.net>"; do
        eval "$G --quick-gen-key '$uid' $spec default never" 2>/dev/null
        if [ $algo = rsa3072 ]; then
            # An RSA primary key signs; encryption needs its subkey.
            fpr=$(gpg --list-keys --with-colons "$uid" | awk -F: '/^fpr/ {print $10; exit}')
            eval "$G --quick-add-key $fpr rsa3072 encr never" 2>/dev/null
        fi
    done
    for who in shop gw; do
        dom=example.com; [ $who = gw ] && dom=example.net
        eval "$G --armor --export $who-$algo@$dom" > "$WORK/$who-$algo.pub"
        eval "$G --armor --export-secret-keys $who-$algo@$dom" > "$WORK/$who-$algo.key"
        chmod 600 "$WORK/$who-$algo.key"
    done
    # What each side decrypts: the same message, made once by each tool.
    "$PGPWRAP" encrypt --sign-with "$WORK/shop-$algo.key" --recipient "$WORK/gw-$algo.pub" \
        -o "$WORK/pw-$algo.pgp" "$WORK/in.txt"
    eval "$G -s -e -z 0 -u shop-$algo@example.com -r gw-$algo@example.net -o $WORK/gpg-$algo.pgp $WORK/in.txt"
done

cd "$WORK"
for algo in rsa3072 ed25519; do
    echo "== $algo, ${SIZE_KB} KB, one process per file"
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "enc-$algo.json" \
        -n "pgpwrap encrypt" "$PGPWRAP encrypt --sign-with shop-$algo.key --recipient gw-$algo.pub -o out-pw.pgp in.txt" \
        -n "gpg -s -e" "gpg --batch --yes --no-tty --trust-model always -z 0 -s -e -u shop-$algo@example.com -r gw-$algo@example.net -o out-gpg.pgp in.txt" \
        | grep -E "Time|±|pgpwrap|gpg" || true
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "dec-$algo.json" \
        -n "pgpwrap decrypt" "$PGPWRAP decrypt --key gw-$algo.key --verify-with shop-$algo.pub -o out-pw.txt pw-$algo.pgp" \
        -n "gpg -d" "gpg --batch --yes --no-tty --trust-model always -o out-gpg.txt -d gpg-$algo.pgp" \
        | grep -E "Time|±|pgpwrap|gpg" || true
    python3 - "$algo" <<'EOF'
import json, sys
algo = sys.argv[1]
for op in ("enc", "dec"):
    r = json.load(open(f"{op}-{algo}.json"))["results"]
    pw, g = r[0]["median"], r[1]["median"]
    print(f"{algo} {op}: pgpwrap {pw*1000:.1f} ms, gpg {g*1000:.1f} ms, ratio {pw/g:.2f}")
EOF
done
