#!/usr/bin/env bash
# The nightly Lyra (Systempay, PayZen...) token payment file, end to end,
# made of paylot commands:
#
#   CSV -> PAY REQ 06 under the next free name (dropwatch name, xmlbatch
#   build) -> checked and uploaded (dropwatch upload: written outside
#   request_ips, then moved in) -> answer waited for (dropwatch wait: the
#   ANS, or _ERROR / _DUPLICATE) -> fetched whole (dropwatch fetch) ->
#   each line in words (xmlbatch status) -> rejected files purged
#   (dropwatch purge) -> a report.
#
# Usage: nightly-lyra.sh EXPORT.csv          (cron: once, then again until it says done)
#
# Every file sent lives in a directory of its own, named by the REQ:
# $PAYLOT_DIR/lyra/DAY/20261201.12345678.PAY.REQ.T.02/ holds the REQ as
# uploaded, the ANS, results.csv, report.txt, and export.sha256, the
# export it was built from. An export is one file: run again on the same
# export (same content), it resumes where it stopped - a REQ is built and
# uploaded once, an answer fetched once; another export the same day
# takes the next name (T.02, T.03, ...) and has its own answer and
# results.
#
# Exit status: 0 the file and all its payments were accepted; 1 something
# was refused (the file: _ERROR / _DUPLICATE; or some payments: see
# results.csv) - reported, never a reason to stop before the report;
# 2 trouble (no answer yet, a connection): run it again later.
#
# Settings (environment):
#   LYRA_ACCOUNT     [USER@]HOST:DIR of the shop's directory on the SFTP account (required)
#   LYRA_SHOP        the shop id, 8 digits (default: the documentation's 12345678)
#   LYRA_MODE        test or production (default test)
#   PAYLOT_DIR       the days' files (default /var/lib/paylot)
#   PAYLOT_SSH_CONFIG  an ssh_config for the account (default: the user's)
#   WAIT_TIMEOUT, WAIT_EVERY   how long and how often to look for the answer (10h, 5m)
set -uo pipefail   # no -e: status 1 is a result to report

csv=${1:?usage: nightly-lyra.sh EXPORT.csv}
account=${LYRA_ACCOUNT:?set LYRA_ACCOUNT to the shop directory of the SFTP account, [USER@]HOST:DIR}
shop=${LYRA_SHOP:-12345678}
mode=${LYRA_MODE:-test}
state=${PAYLOT_DIR:-/var/lib/paylot}
day=${PAYLOT_DAY:-$(date +%Y%m%d)}
daydir=$state/lyra/$day
remote=(--gateway lyra)

# The script works in the day's directory: paths given relative to here.
abs() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
csv=$(abs "$csv") state=$(abs "$state") daydir=$(abs "$daydir")
[ -n "${PAYLOT_SSH_CONFIG:-}" ] && remote+=(--ssh-config "$(abs "$PAYLOT_SSH_CONFIG")")
say() { printf '%s\n' "$*" | tee -a report.txt >&2; }
end() { say "== $(date -u +%FT%TZ) $1"; exit "$2"; }

# 0. The export's file: the directory whose export.sha256 is this
#    export's; a new export is built in .new-SHA256 (hidden), then moved
#    to its REQ's name.
key=$(sha256sum < "$csv") || { echo "cannot read $csv" >&2; exit 2; }
key=${key%% *}
mkdir -p "$daydir" && cd "$daydir" || exit 2
batch=$(grep -lxF "$key" -- */export.sha256 2>/dev/null | head -n 1)
batch=${batch%/export.sha256}
if [ -z "$batch" ]; then
    mkdir -p ".new-$key" && cd ".new-$key" || exit 2
fi

# 1. The REQ, once, under the next name free for the day.
if [ -z "$batch" ] && [ ! -s request.name ]; then
    name=$(dropwatch name --gateway lyra --shop "$shop" --mode "$mode" --date "$day" \
             --sent "$state/lyra.sent" "$state/lyra") || end "no free name for $day" 2
    xmlbatch build --format lyra --shop "$shop" --mode "$mode" -o "$name" "$csv"
    code=$?
    [ "$code" -eq 0 ] || end "the export was refused by xmlbatch build (status $code): nothing sent" "$code"
    printf '%s\n' "$name" > request.name || end "cannot keep the request's name" 2
    say "built $name from $csv"
fi
if [ -z "$batch" ]; then
    batch=$(cat request.name) \
      && printf '%s\n' "$key" > export.sha256 && cd .. && mv ".new-$key" "$batch" \
      || end "cannot keep the file $batch" 2
fi
cd "$batch" || exit 2
dir=$daydir/$batch
name=$(cat request.name)
answer=${name/.REQ./.ANS.}

# 2. Checked (naming rule, empty file, a name used before), then uploaded
#    outside request_ips and moved in, once.
if ! grep -qxF "$name" "$state/lyra.sent" 2>/dev/null; then
    dropwatch upload "${remote[@]}" --sent "$state/lyra.sent" --record "$account" "$name"
    case $? in
        0) say "uploaded $name" ;;
        1) end "$name would be refused by the gateway (see above): not sent" 1 ;;
        *) end "upload of $name failed: run again" 2 ;;
    esac
fi

# 3. The answer: the ANS, or the request renamed _ERROR / _DUPLICATE;
#    waited for, then fetched whole (once).
got=$(ls -d "$answer" "$name"_ERROR* "$name"_DUPLICATE* 2>/dev/null | head -n 1)
if [ -z "$got" ]; then
    dropwatch wait "${remote[@]}" --timeout "${WAIT_TIMEOUT:-10h}" --every "${WAIT_EVERY:-5m}" "$account" "$name" >/dev/null
    [ $? -le 1 ] || end "no answer to $name yet: run again later" 2
    got=$(dropwatch fetch "${remote[@]}" --local . "$account" "$name")
    [ $? -le 1 ] || end "the answer to $name could not be fetched: run again" 2
    got=$(basename "$got")
fi

# 4. Refused as a file.
if [ "$got" != "$answer" ]; then
    say "$name was refused by the gateway: renamed $got (_ERROR: its name or an empty file; _DUPLICATE: a name processed before)"
    dropwatch purge "${remote[@]}" --local . "$account" "$name" >/dev/null
    end "refused: to send it again, under the next name: rm -r $dir, then run again" 1
fi

# 5. Each payment in words; xmlbatch status says 1 when one was refused.
if [ ! -s results.status ]; then
    xmlbatch status --output-format csv -o results.csv "$answer"
    code=$?
    [ "$code" -le 1 ] || end "$answer could not be read (status $code)" 2
    printf '%s\n' "$code" > results.status
fi

# 6. The report.
case $(cat results.status) in
    0) end "$name: every payment accepted ($dir/results.csv)" 0 ;;
    *) end "$name: some payments refused: see $dir/results.csv" 1 ;;
esac
