#!/usr/bin/env bash
# The paylot demonstration: a day's payments go from a CSV file to the
# gateway and back, with every tool playing its part, against the local
# sandbox gateway (no network, no account). Everything happens in a
# temporary directory, with the gateways' published test values.
#
# Copy the parts you need into your own jobs: each step is one plain
# command line. `make demo` builds the tools and runs this script.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/paylot-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
samples=$here/samples
cd "$work"

if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; plain=$'\033[0m'; else bold=; plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain" >&2; }
# Every command is shown before it runs, shell-quoted as it is run, so
# that it can be pasted into a shell.
quote() {
    local a out=()
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
    done
    printf '%s' "${out[*]}"
}
show() { printf '$ %s\n' "$(quote "$@")" >&2; }
run() { show "$@"; "$@"; }
# A pipeline, shown as written and run with pipefail.
pipeline() { printf '$ %s\n' "$1" >&2; bash -o pipefail -c "$1"; }

# Key files must not be readable by others (git does not keep modes).
install -d -m 0700 keys
for k in "$here"/keys/*.key; do install -m 0600 "$k" keys/; done

step "Keys: the merchant's and the gateway's OpenPGP keys (the gateway's side runs GnuPG in real life)"
run pgpwrap keygen --userid "Demo shop <shop@example.com>" --out keys/shop
run pgpwrap keygen --userid "Sandbox gateway <gateway@example.com>" --out keys/gateway

###########################################################################
step "Paybox 1/6: CSV of the day's operations -> Question XML, every row checked first"
mkdir -p outbox sandbox/paybox/shop/in sandbox/paybox/shop/out
cat "$samples/paybox-operations.csv" >&2

step "Paybox 2/6: ... signed, then encrypted on the fly: the clear Question (card numbers) never touches the disk"
# The whole Question is signed; the Merchant element's content is replaced
# by the encrypted copy; batch number, date, site and rank stay readable
# (and are checked against the signed copy on the other side). Encrypted
# to the shop too, so that the answers can be matched to it later. The
# batch number is counted in one place, --batch-state; the upload name
# is then read from the file itself, so that name and content agree.
pipeline "xmlbatch build --site 1999888 --rank 32 --batch-state outbox/paybox.batch $(quote "$samples/paybox-operations.csv") \
  | pgpwrap encrypt --recipient keys/gateway.pub --recipient keys/shop.pub --sign-with keys/shop.key --element Merchant -o outbox/question.xml"
head -n 4 outbox/question.xml >&2
question=$(run dropwatch name --gateway paybox --question outbox/question.xml sandbox/paybox/shop/in)
run mv outbox/question.xml "outbox/$question"
echo "the gateway will see it as $question" >&2

step "Paybox 3/6: upload under a temporary name, then rename (what sftp does with put + rename)"
run dropwatch check --gateway paybox "outbox/$question"
run cp "outbox/$question" "sandbox/paybox/shop/in/.$question.part"
run mv "sandbox/paybox/shop/in/.$question.part" "sandbox/paybox/shop/in/$question"

step "Paybox 4/6: the sandbox gateway decrypts, checks the signature, answers, signs the status file"
run dropwatch gateway --gateway paybox --once --settle 0s \
    --responder "pgpwrap decrypt --element Merchant --key keys/gateway.key --verify-with keys/shop.pub | xmlbatch respond | pgpwrap sign --key keys/gateway.key" \
    sandbox/paybox

step "Paybox 5/6: the watcher sees the answer (cron-style: --once)"
run dropwatch watch --once --no-state --settle 0s sandbox/paybox/shop/out
status_file=sandbox/paybox/shop/out/${question%.xml}.status.xml

step "Paybox 6/6: accept the status file only if the gateway signed it, and match answers to questions"
# The questions are read from our own encrypted copy, through a pipe.
printf '$ %s\n' "pgpwrap verify --signer keys/gateway.pub $status_file | xmlbatch status --output-format csv \\
    --question <(pgpwrap decrypt --element Merchant --key keys/shop.key --verify-with keys/shop.pub outbox/$question) > paybox-results.csv" >&2
set +e
pgpwrap verify --signer keys/gateway.pub "$status_file" \
  | xmlbatch status --output-format csv \
      --question <(pgpwrap decrypt --element Merchant --key keys/shop.key --verify-with keys/shop.pub "outbox/$question") \
  > paybox-results.csv
codes=("${PIPESTATUS[@]}")
set -e
echo "pgpwrap verify: ${codes[0]} (0: good signature); xmlbatch status: ${codes[1]} (1: some operations were refused or must be retried)" >&2
[ "${codes[0]}" -eq 0 ] && [ "${codes[1]}" -le 1 ]

###########################################################################
step "Lyra 1/4: CSV of token payments -> PAY REQ version 06"
mkdir -p sandbox/lyra/12345678/request_ips
cat "$samples/lyra-payments.csv" >&2
request=$(run dropwatch name --gateway lyra --shop 12345678 --mode test sandbox/lyra/12345678/request_ips)
run xmlbatch build --format lyra --shop 12345678 --mode test -o "outbox/$request" "$samples/lyra-payments.csv"
cat "outbox/$request" >&2

step "Lyra 2/4: upload under a temporary name, then rename"
run cp "outbox/$request" "sandbox/lyra/12345678/request_ips/.$request.part"
run mv "sandbox/lyra/12345678/request_ips/.$request.part" "sandbox/lyra/12345678/request_ips/$request"

step "Lyra 3/4: the sandbox gateway's scheduled run: validate the name, answer, move REQ and ANS to result_ips"
run dropwatch gateway --gateway lyra --once --settle 0s sandbox/lyra
run dropwatch watch --once --no-state --settle 0s sandbox/lyra

step "Lyra 4/4: the ANS, line by line"
set +e
show xmlbatch status -o lyra-results.csv "sandbox/lyra/12345678/result_ips/${request/.REQ./.ANS.}"
xmlbatch status -o lyra-results.csv "sandbox/lyra/12345678/result_ips/${request/.REQ./.ANS.}"
code=$?
set -e
[ "$code" -le 1 ]

step "Lyra, again: the same name uploaded twice is renamed _DUPLICATE by the gateway"
run cp "outbox/$request" "sandbox/lyra/12345678/request_ips/$request"
show dropwatch gateway --gateway lyra --once --settle 0s sandbox/lyra
dropwatch gateway --gateway lyra --once --settle 0s sandbox/lyra > /dev/null
run dropwatch watch --once --no-state --settle 0s sandbox/lyra/12345678/request_ips

###########################################################################
step "Sips: seal an Office JSON cardOrder request, and check it as the gateway would"
run seal compute --key-file keys/sips-office.key -o card-order.json "$samples/sips-card-order.json"
run seal verify --key-file keys/sips-office.key card-order.json

step "Sips: a response that says 'invalid seal' - and why"
set +e
run seal verify --key-file keys/sips-demo.key "$samples/sips-response-sha256.json"
set -e

step "Paybox System and Lyra form seals, and a Paybox return (IPN) checked with Paybox's public key"
run seal compute --key-file keys/paybox-hmac.key --seal-only "$samples/paybox-system.json"
run seal compute --key-file keys/lyra.key --seal-only "$samples/lyra-form.json"
run seal verify --input form "$samples/paybox-ipn.txt"

###########################################################################
step "Server to server: the HTTP sandbox plays Paybox Direct and Sips Office Server on 127.0.0.1"
if command -v curl >/dev/null 2>&1; then
    printf '$ %s\n' "dropwatch gateway --http 0 > http.log 2> http.err &" >&2
    dropwatch gateway --http 0 > http.log 2> http.err &
    sandbox=$!
    trap 'kill $sandbox 2>/dev/null || true; rm -rf "$work"' EXIT
    # Its first line says where it listens: waited for (a minute at most,
    # a loaded machine may be slow to start it), unless it ends first.
    for _ in $(seq 1200); do
        [ -s http.log ] && break
        kill -0 $sandbox 2>/dev/null || break
        sleep 0.05
    done
    [ -s http.log ] || { echo "the sandbox did not start:" >&2; cat http.err >&2; exit 2; }
    head -n 1 http.log >&2
    base=$(sed -n '1s/.*"address":"\([^"]*\)".*/\1/p' http.log)

    step "Paybox Direct 1/3: CSV -> one request per line, HMAC with the pre-production test key, NUMQUESTION counted"
    run xmlbatch build --format paybox-direct --site 1999888 --rank 32 \
        --question-state numquestion --key-file keys/paybox-hmac.key \
        -o direct-requests.txt "$samples/paybox-direct.csv"

    step "Paybox Direct 2/3: one POST per request with curl, each answer on its line"
    # The gateway ends its answer with no line end: each is put on its
    # line (curl alone ran them together, one "answer" giving every field
    # twice); a failed POST leaves its line empty, a lost answer.
    printf '$ while IFS= read -r body; do answer=$(curl -sS --fail --max-time 10 --data-binary "$body" http://%s/PPPS.php) || answer=; printf '"'"'%%s\\n'"'"' "$answer"; done < direct-requests.txt > direct-answers.txt\n' "$base" >&2
    while IFS= read -r body; do
        answer=$(curl -sS --fail --max-time 10 --data-binary "$body" "http://$base/PPPS.php") || answer=
        printf '%s\n' "$answer"
    done < direct-requests.txt > direct-answers.txt

    step "Paybox Direct 3/3: the answers in words, SITE/RANG/NUMQUESTION checked against the requests"
    set +e
    show xmlbatch status --question direct-requests.txt -o direct-results.csv direct-answers.txt
    xmlbatch status --question direct-requests.txt -o direct-results.csv direct-answers.txt
    code=$?
    set -e
    [ "$code" -le 1 ]

    step "Sips Office Server: a sealed cardOrder, the sealed response checked and put in words"
    run seal compute --key-file keys/sogenactif-test.key -o office-order.json "$samples/sips-office-card-order.json"
    pipeline "curl -sS -H 'Content-Type: application/json' --data-binary @office-order.json http://$base/rs-services/v2/checkout/cardOrder | tee office-response.json | seal verify --key-file keys/sogenactif-test.key"
    show kill "$sandbox"; kill "$sandbox" 2>/dev/null || true
    wait "$sandbox" 2>/dev/null || true
else
    printf 'curl is not installed: the HTTP part is skipped (apt-get install curl)\n' >&2
fi

###########################################################################
step "Results"
printf '\nPaybox batch (%s):\n' "$question"
column -s, -t < paybox-results.csv 2>/dev/null || cat paybox-results.csv
printf '\nLyra file (%s):\n' "$request"
column -s, -t < lyra-results.csv 2>/dev/null || cat lyra-results.csv
if [ -s direct-results.csv ]; then
    printf '\nPaybox Direct:\n'
    column -s, -t < direct-results.csv 2>/dev/null || cat direct-results.csv
fi
printf '\n%sdone.%s\n' "$bold" "$plain" >&2
