#!/usr/bin/env bash
# The nightly Paybox batch, end to end, made of paylot commands:
#
#   CSV -> Question (xmlbatch build) -> signed, Merchant encrypted (pgpwrap)
#   -> named from its content (dropwatch name) -> checked and uploaded
#   (dropwatch upload) -> answer waited for (dropwatch wait) -> fetched whole
#   (dropwatch fetch) -> signature verified, answers matched to questions
#   (pgpwrap verify | xmlbatch status) -> fetched answers purged from the
#   account (dropwatch purge) -> a report.
#
# Usage: nightly-paybox.sh EXPORT.csv        (cron: once, then again until it says done)
#
# Every batch lives in a directory of its own, named by its Question
# (batch number): $PAYLOT_DIR/paybox/DAY/1999888.032.000042/ holds the
# Question as uploaded, the answer, results.csv, report.txt, and
# export.sha256, the export it was built from. An export is one batch:
# run again on the same export (same content), it resumes its batch where
# it stopped (a cut connection, an answer not there yet) - a Question is
# built and uploaded once, an answer fetched once, results kept; another
# export, the same day or not, is another batch, with its own directory,
# answer and results.
#
# Exit status, like every paylot tool: 0 the batch and all its operations
# were accepted; 1 something was refused (the file: .err; or some
# operations: see results.csv) - a result, reported, never a reason to
# stop before the report; 2 trouble (no answer yet, a connection, a key):
# run it again later.
#
# Settings (environment):
#   PAYBOX_ACCOUNT   [USER@]HOST:DIR of the SFTP account (required), e.g. merchant@paybox-sftp:
#   PAYBOX_SITE, PAYBOX_RANK   the shop (default: the pre-production 1999888 / 32)
#   PAYLOT_KEYS      shop.key, shop.pub, paybox.pub (default /etc/paylot)
#   PAYLOT_DIR       the days' files and the counters (default /var/lib/paylot)
#   PAYLOT_SSH_CONFIG  an ssh_config for the account (default: the user's)
#   PAYBOX_PORT      the SFTP port, Paybox's is 5752 (default: the ssh_config's Port)
#   WAIT_TIMEOUT, WAIT_EVERY   how long and how often to look for the answer (10h, 5m)
# The shop key's passphrase, if any: PAYLOT_PASSPHRASE_FILE.
set -uo pipefail   # no -e: status 1 is a result to report

csv=${1:?usage: nightly-paybox.sh EXPORT.csv}
account=${PAYBOX_ACCOUNT:?set PAYBOX_ACCOUNT to the SFTP account, [USER@]HOST:DIR}
site=${PAYBOX_SITE:-1999888}
rank=${PAYBOX_RANK:-32}
keys=${PAYLOT_KEYS:-/etc/paylot}
state=${PAYLOT_DIR:-/var/lib/paylot}
day=${PAYLOT_DAY:-$(date +%Y%m%d)}
daydir=$state/paybox/$day
remote=(--gateway paybox)
[ -n "${PAYBOX_PORT:-}" ] && remote+=(--port "$PAYBOX_PORT")
pass=()
[ -n "${PAYLOT_PASSPHRASE_FILE:-}" ] && pass=(--passphrase-file "$PAYLOT_PASSPHRASE_FILE")

# The script works in the day's directory: paths given relative to here.
abs() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
csv=$(abs "$csv") state=$(abs "$state") daydir=$(abs "$daydir")
keys=$(abs "$keys")
[ -n "${PAYLOT_SSH_CONFIG:-}" ] && remote+=(--ssh-config "$(abs "$PAYLOT_SSH_CONFIG")")
say() { printf '%s\n' "$*" | tee -a report.txt >&2; }
# The report's last word, and the exit status.
end() { say "== $(date -u +%FT%TZ) $1"; exit "$2"; }

# 0. The export's batch: the directory whose export.sha256 is this
#    export's; a new export is built in .new-SHA256 (hidden), then moved
#    to its batch's name.
key=$(sha256sum < "$csv") || { echo "cannot read $csv" >&2; exit 2; }
key=${key%% *}
mkdir -p "$daydir" && cd "$daydir" || exit 2
batch=$(grep -lxF "$key" -- */export.sha256 2>/dev/null | head -n 1)
batch=${batch%/export.sha256}
if [ -z "$batch" ]; then
    mkdir -p ".new-$key" && cd ".new-$key" || exit 2
fi

# 1. The Question, once: built, signed, encrypted (the clear Question only
#    in the pipe), then named from its own BatchNumber, Site and Rank.
if [ -z "$batch" ] && [ ! -s question.name ]; then
    xmlbatch build --site "$site" --rank "$rank" --batch-state "$state/paybox.batch" "$csv" \
      | pgpwrap encrypt --recipient "$keys/paybox.pub" --recipient "$keys/shop.pub" \
          --sign-with "$keys/shop.key" "${pass[@]}" --element Merchant -o question.xml
    codes=("${PIPESTATUS[@]}")
    [ "${codes[0]}" -eq 0 ] || end "the export was refused by xmlbatch build (status ${codes[0]}): nothing sent" "${codes[0]}"
    [ "${codes[1]}" -eq 0 ] || end "pgpwrap encrypt failed (status ${codes[1]}): nothing sent" 2
    name=$(dropwatch name --gateway paybox --question question.xml "$state/paybox") || end "no name for the Question" 2
    mv question.xml "$name" && printf '%s\n' "$name" > question.name || end "cannot keep the Question" 2
    say "built $name from $csv"
fi
if [ -z "$batch" ]; then
    name=$(cat question.name) && batch=${name%.xml} \
      && printf '%s\n' "$key" > export.sha256 && cd .. && mv ".new-$key" "$batch" \
      || end "cannot keep the batch $batch" 2
fi
cd "$batch" || exit 2
dir=$daydir/$batch
name=$(cat question.name)
status=${name%.xml}.status.xml
err=${name%.xml}.err

# 2. Checked (the gateway's rules: name, batch order, encrypted Merchant),
#    then uploaded under a temporary name and moved into place, once.
if ! grep -qxF "$name" "$state/paybox.sent" 2>/dev/null; then
    dropwatch upload "${remote[@]}" --sent "$state/paybox.sent" --record "$account" "$name"
    case $? in
        0) say "uploaded $name" ;;
        1) end "$name would be refused by the gateway (see above): not sent" 1 ;;
        *) end "upload of $name failed: run again" 2 ;;
    esac
fi

# 3. The answer: waited for, then fetched whole (once).
if [ ! -e "$status" ] && [ ! -e "$err" ]; then
    dropwatch wait "${remote[@]}" --timeout "${WAIT_TIMEOUT:-10h}" --every "${WAIT_EVERY:-5m}" "$account" "$name" >/dev/null
    [ $? -le 1 ] || end "no answer to $name yet: run again later" 2
    dropwatch fetch "${remote[@]}" --local . "$account" "$name" >/dev/null
    [ $? -le 1 ] || end "the answer to $name could not be fetched: run again" 2
fi

# 4. Refused as a file: the gateway's reason is in the .err file.
if [ -e "$err" ]; then
    say "$name was refused by the gateway: $(head -c 500 "$err")"
    dropwatch purge "${remote[@]}" --local . "$account" "$name" >/dev/null
    end "refused: build a corrected export; the next batch number is counted already" 1
fi

# 5. Accepted as a file: the status accepted only if the gateway signed it,
#    each answer matched to its question (read from our encrypted copy).
#    xmlbatch status says 1 when an operation was refused or must be
#    retried: results.csv holds them all, and is kept.
if [ ! -s results.status ]; then
    pgpwrap verify --signer "$keys/paybox.pub" "$status" \
      | xmlbatch status --output-format csv \
          --question <(pgpwrap decrypt --element Merchant --key "$keys/shop.key" "${pass[@]}" \
                         --verify-with "$keys/shop.pub" "$name") \
          -o results.csv
    codes=("${PIPESTATUS[@]}")
    [ "${codes[0]}" -eq 0 ] || end "$status: the gateway's signature does not verify: not trusted" 2
    [ "${codes[1]}" -le 1 ] || end "$status could not be read (status ${codes[1]})" 2
    printf '%s\n' "${codes[1]}" > results.status
fi
dropwatch purge "${remote[@]}" --local . "$account" "$name" >/dev/null \
    || say "(purge failed: the answer stays on the account until the next run)"

# 6. The report.
case $(cat results.status) in
    0) end "$name: every operation accepted ($dir/results.csv)" 0 ;;
    *) end "$name: some operations refused or to retry: see $dir/results.csv" 1 ;;
esac
