#!/usr/bin/env bash
# seal on every JSON shape users have, against the plain Python reference,
# in the same run: compute, --seal-only and verify over N Sips cardOrder
# objects (default 200,000) written compact, spaced (Python's default
# json.dumps), already sealed, nested, with French text raw and as \u00e8
# escapes, with keys in random order, and with a shopping cart (a list of
# objects); gen.py says each. Checks that both give the same answers on
# the first 1,000 lines, then times both in interleaved rounds and prints
# the ratios seal / Python.
# Usage: [ROUNDS=3] [SHAPES="raw cart"] [MODES="compute verify"] shapes.sh [N].
set -euo pipefail
# The Python references write through their buffer, as a merchant's script
# does (PYTHONUNBUFFERED would make every write a system call).
unset PYTHONUNBUFFERED
cd "$(dirname "$0")/../.."
n=${1:-200000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet -p seal
seal=$PWD/target/release/seal
# The Sips test shop's published secret key (seal.md): a key of the
# length merchants have, which the pasted-secret check looks for.
printf '002001000000001_KEY1\n' > "$work/key"; chmod 600 "$work/key"
shapes=${SHAPES:-compact spaced sealed nested raw escaped shuffled cart}
modes=${MODES:-compute seal-only verify}
for shape in $shapes; do
    python3 seal/benches/gen.py "$n" "$shape" > "$work/$shape.jsonl"
    # verify needs a seal: the sealed shape, and each shape sealed by seal.
    "$seal" compute --jsonl -q --key-file "$work/key" "$work/$shape.jsonl" > "$work/$shape.sealed.jsonl"
done
same() {  # same answers on the first 1,000 lines, or the timing means nothing
    local shape=$1 mode=$2 input=$3
    case $mode in
        compute) a="compute --jsonl" ;;
        seal-only) a="compute --jsonl --seal-only" ;;
        verify) a="verify --jsonl" ;;
    esac
    head -n 1000 "$input" | "$seal" $a -q --key-file "$work/key" > "$work/a" || true
    head -n 1000 "$input" | python3 seal/benches/reference.py "$work/key" "$mode" > "$work/b"
    if [ "$mode" = verify ]; then
        grep -o '"valid":[a-z]*' "$work/a" | sed 's/"valid"://' > "$work/a2"
        grep -o '"valid": [a-z]*' "$work/b" | sed 's/"valid": //' > "$work/b2"
        cmp -s "$work/a2" "$work/b2" || { echo "shapes.sh: $shape $mode: different verdicts" >&2; exit 1; }
    elif [ "$mode" = seal-only ] || { [ "$shape" != spaced ] && [ "$shape" != escaped ] && [ "$shape" != shuffled ]; }; then
        cmp -s "$work/a" "$work/b" || { echo "shapes.sh: $shape $mode: different output" >&2; exit 1; }
    else
        # seal keeps the input's own spacing and escapes; Python rewrites
        # them (compact, text raw): the seals are compared.
        grep -o '"seal":"[0-9a-f]*"' "$work/a" > "$work/a2"
        grep -o '"seal":"[0-9a-f]*"' "$work/b" > "$work/b2"
        [ "$(wc -l < "$work/a2")" = "$(wc -l < "$work/a")" ] && cmp -s "$work/a2" "$work/b2" ||
            { echo "shapes.sh: $shape $mode: different seals" >&2; exit 1; }
    fi
}
# Every pair timed in interleaved rounds (scripts/bench-pairs.py), so that
# a drift in the machine's speed falls on both sides of a ratio.
pairs=()
for shape in $shapes; do
    for mode in $modes; do
        input=$work/$shape.jsonl
        [ "$mode" = verify ] && input=$work/$shape.sealed.jsonl
        same "$shape" "$mode" "$input"
        case $mode in
            compute) a="compute --jsonl" ;;
            seal-only) a="compute --jsonl --seal-only" ;;
            verify) a="verify --jsonl" ;;
        esac
        pairs+=("seal $mode, $shape" "$seal $a -q --key-file $work/key $input -o $work/out"
                "python $mode, $shape" "python3 seal/benches/reference.py $work/key $mode < $input > $work/out2")
    done
done
echo "input: $n objects per shape; $(nproc) cores"
# Each side's output of the round before removed, untimed: replacing it
# would free its pages inside the next command's time.
BENCH_BEFORE="rm -f $work/out $work/out2" python3 scripts/bench-pairs.py "${ROUNDS:-3}" "${pairs[@]}"
