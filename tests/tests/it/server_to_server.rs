//! The server-to-server exchanges, end to end through the real binaries
//! and real `curl` against the HTTP sandbox on 127.0.0.1: Paybox Direct
//! (CSV → requests → curl loop → answers → status with the echo check)
//! and Sips Office Server JSON (a sealed cardOrder → a sealed response
//! that seal verify puts in words).

use crate::util::Sh;

use crate::util;
use crate::util::START;

/// The Paybox pre-production HMAC key (published), as a key file.
const PAYBOX_KEY: &str =
    "printf '0123456789ABCDEF%.0s' 1 2 3 4 5 6 7 8 > paybox.key; chmod 600 paybox.key\n";

/// The CSV of a day's Direct operations: an accepted payment, one the
/// test card refuses for insufficient funds (00151), and a subscriber
/// registration (Direct Plus).
const CSV: &str = r#"
cat > ops.csv <<EOF
type,amount,currency,reference,pan,expiry,cvv,activity,subscriber
authorize_capture,1000,978,ORDER-1,1111222233334444,$EXPIRY,123,024,
authorize_capture,2500,978,Commande é,1111222233331515,$EXPIRY,123,024,
subscriber_register,100,978,SUB-1,1111222233334444,$EXPIRY,123,024,SUB1
EOF
"#;

/// The merchant's loop: one POST per request line, the answer on a line
/// of its own (an empty line when the answer was lost).
const CURL_LOOP: &str = r#"
post() {
    while IFS= read -r body; do
        curl -sS --fail --max-time 10 -H 'Content-Type: application/x-www-form-urlencoded' \
            --data-binary "$body" "$URL/PPPS.php" || true
        echo
    done < "$1" | sed '/^$/d' > "$2"
}
"#;

#[test]
fn the_direct_exchange_end_to_end() {
    let sh = Sh::new();
    let script = format!(
        "{PAYBOX_KEY}{CSV}{START}{CURL_LOOP}
xmlbatch build --format paybox-direct --site 1999888 --rank 32 --question-state numq \
    --key-file paybox.key -o requests.txt ops.csv
stat -c %a requests.txt
cat numq
post requests.txt answers.txt
wc -l < answers.txt
set +e
xmlbatch status --question requests.txt answers.txt > status.csv 2> status.err
echo status=$?
cat status.csv
"
    );
    let out = sh.ok(&script);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("600"), "{out}");
    assert_eq!(lines.next(), Some("3"), "three numbers used: {out}");
    assert_eq!(lines.next(), Some("3"), "three answers: {out}");
    assert_eq!(lines.next(), Some("status=1"), "a refusal is a no: {out}");
    let csv: Vec<&str> = lines.collect();
    assert!(
        csv[0].starts_with("question,operation,operation_name,"),
        "{out}"
    );
    assert!(
        csv[1].starts_with(
            "0000000001,00003,authorize_capture,ORDER-1,1000,978,00000,success,accepted,"
        ),
        "{out}"
    );
    assert!(
        csv[2].contains(",Commande é,2500,978,00151,insufficient funds,refused,"),
        "{out}"
    );
    assert!(
        csv[3].contains(",00056,subscriber_register,SUB-1,100,978,00000,"),
        "{out}"
    );
    // Direct Plus for the subscriber operation, Direct for the others.
    let requests = std::fs::read_to_string(sh.path("requests.txt")).unwrap();
    let versions: Vec<&str> = requests.lines().map(|l| &l[..13]).collect();
    assert_eq!(
        versions,
        ["VERSION=00103", "VERSION=00103", "VERSION=00104"]
    );
    let err = std::fs::read_to_string(sh.path("status.err")).unwrap();
    assert!(
        err.contains("3 answers read: 2 accepted, 1 refused"),
        "{err}"
    );
    // The requests' HMAC, by seal and by an independent implementation.
    let check = sh.ok(r#"
seal verify --jsonl --key-file paybox.key -q requests.txt | grep -c '"valid":true'
python3 - <<'EOF'
import hmac, hashlib, urllib.parse
key = bytes.fromhex(open('paybox.key').read())
for line in open('requests.txt', 'rb'):
    pairs = [p.split(b'=', 1) for p in line.strip().split(b'&')]
    fields = [(k, urllib.parse.unquote_to_bytes(v.replace(b'+', b' '))) for k, v in pairs]
    signed = b'&'.join(k + b'=' + v for k, v in fields if k != b'HMAC')
    given = dict(fields)[b'HMAC'].decode()
    print(hmac.new(key, signed, hashlib.sha512).hexdigest().upper() == given)
EOF
"#);
    assert_eq!(check, "3\nTrue\nTrue\nTrue\n");
    // The Latin-1 reference went as the gateway reads it (%E9).
    assert!(requests.contains("REFERENCE=Commande+%E9&"), "{requests}");
    // The log has one line per request, and no card number.
    let log = std::fs::read_to_string(sh.path("http.log")).unwrap();
    assert_eq!(log.matches("\"type\":\"http_request\"").count(), 3, "{log}");
    assert!(!log.contains("1111222233334444"), "{log}");
}

#[test]
fn an_altered_echo_a_lost_answer_and_a_wrong_key_are_caught() {
    let sh = Sh::new();
    let script = format!(
        "{PAYBOX_KEY}{CSV}{START}{CURL_LOOP}
head -n 3 ops.csv > two.csv
xmlbatch build --format paybox-direct --site 1999888 --rank 32 --first-question 41 \
    --key-file paybox.key -o requests.txt two.csv
post requests.txt answers.txt
set +e
sed '1s/RANG=032/RANG=033/' answers.txt > altered.txt
xmlbatch status --question requests.txt altered.txt > /dev/null 2> altered.err; echo altered=$?
sed -n 2p answers.txt > lost.txt
xmlbatch status --question requests.txt lost.txt > lost.csv 2> lost.err; echo lost=$?
: > none.txt
xmlbatch status --format paybox-direct --question requests.txt none.txt > /dev/null 2> none.err; echo none=$?
printf '%0128d' 7 > wrong.key; chmod 600 wrong.key
xmlbatch build --format paybox-direct --site 1999888 --rank 32 --first-question 43 \
    --key-file wrong.key -o wrong.txt two.csv
post wrong.txt wrong-answers.txt
cat wrong-answers.txt
xmlbatch status --question wrong.txt wrong-answers.txt > /dev/null 2>&1; echo wrong=$?
"
    );
    let out = sh.ok(&script);
    assert!(out.contains("altered=1"), "{out}");
    let altered = std::fs::read_to_string(sh.path("altered.err")).unwrap();
    assert!(
        altered
            .contains("altered.txt:1: RANG is \"033\", the request (requests.txt:1) says \"032\""),
        "{altered}"
    );
    assert!(out.contains("lost=1"), "{out}");
    let lost = std::fs::read_to_string(sh.path("lost.err")).unwrap();
    assert!(
        lost.contains("requests.txt:1: question \"0000000041\" has no answer"),
        "{lost}"
    );
    assert!(
        lost.contains("ask the gateway with an inquiry (TYPE 00017)"),
        "{lost}"
    );
    assert!(out.contains("none=1"), "{out}");
    let none = std::fs::read_to_string(sh.path("none.err")).unwrap();
    assert!(none.contains("0 answers read"), "{none}");
    assert_eq!(none.matches("has no answer").count(), 2, "{none}");
    assert!(
        out.contains("CODEREPONSE=00006&COMMENTAIRE=Non autorise&"),
        "{out}"
    );
    assert!(out.contains("wrong=1"), "{out}");
}

#[test]
fn direct_requests_are_checked_row_by_row_and_consume_no_number_on_failure() {
    let sh = Sh::new();
    let out = sh.run(&format!(
        "{PAYBOX_KEY}
echo 5 > numq
printf 'type,amount,currency,reference,pan,expiry\\nauthorize,100,978,€uro,1111222233334444,'\"$EXPIRY\"'\\nauthorize,100,978,OK,1111222233334444,'\"$EXPIRY\"'\\n' > euro.csv
xmlbatch build --format paybox-direct --site 1999888 --rank 32 --question-state numq --key-file paybox.key euro.csv
echo status=$?
cat numq
printf 'type,amount,currency,reference,pan,expiry\\nauthorize,100,978,OK,1111222233334444,'\"$EXPIRY\"'\\n' > ok.csv
printf '1999888I' > cle; chmod 600 cle
xmlbatch build --format paybox-direct --site 1999888 --rank 32 --question-state numq --cle-file cle ok.csv | sed 's/PORTEUR=[0-9]*/PORTEUR=X/'
cat numq
"
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.starts_with("status=1\n5\n"), "{stdout}");
    assert!(
        stderr.contains("euro.csv:2: column \"reference\": the character U+20AC cannot be sent: Paybox Direct reads Latin-1"),
        "{stderr}"
    );
    assert!(
        stdout.contains(&format!("VERSION=00103&TYPE=00001&SITE=1999888&RANG=032&CLE=1999888I&NUMQUESTION=0000000006&MONTANT=0000000100&DEVISE=978&REFERENCE=OK&PORTEUR=X&DATEVAL={}&DATEQ=", util::expiry())),
        "{stdout}"
    );
    assert!(stdout.ends_with("\n6\n"), "{stdout}");
    // The CLE is never repeated on stderr.
    assert!(!stderr.contains("1999888I"), "{stderr}");
}

/// A Sogenactif test-shop cardOrder, sealed with the shop's published key.
const OFFICE: &str = r#"
printf 'rxSP61eeP_oNi5TxCD7Ngy9YcwC8MLw6OlmFGGcsY54' > sips.key; chmod 600 sips.key
order() {
    printf '{"amount":"1000","cardCSCValue":"123","cardExpiryDate":"209912","cardNumber":"%s","currencyCode":"978","interfaceVersion":"IR_WS_2.55","keyVersion":"%s","merchantId":"201040040170001","orderChannel":"INTERNET","transactionReference":"%s"}' "$1" "$2" "$3" \
        | seal compute --key-file sips.key
}
office() {
    curl -sS --max-time 10 -H 'Content-Type: application/json' --data-binary @"$1" "$URL/rs-services/v2/checkout/cardOrder"
}
"#;

#[test]
fn the_office_server_exchange_end_to_end() {
    let sh = Sh::new();
    let script = format!(
        "{START}{OFFICE}
order 1111222233334444 1 REF1 > order.json
office order.json > response.json
seal verify --key-file sips.key response.json; echo verify=$?
sed 's/\"responseCode\":\"00\"/\"responseCode\":\"05\"/' response.json > tampered.json
seal verify --key-file sips.key tampered.json 2> tampered.err; echo tampered=$?
order 1111222233330343 1 REF2 > fraud.json
office fraud.json > fraud-response.json
seal verify --key-file sips.key -q fraud-response.json; echo fraud=$?
order 1111222233334444 2 REF3 > renewed.json
office renewed.json | seal verify --key-file sips.key -q; echo renewed=$?
curl -sS -o page.html -w '%{{http_code}}\\n' --data-binary @order.json \"$URL/rs-services/v2/checkout/cardOrder\"
seal verify --key-file sips.key page.html 2> page.err; echo page=$?
"
    );
    let out = sh.ok(&script);
    let lines: Vec<&str> = out.lines().collect();
    let verdict: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(verdict["valid"], true, "{out}");
    assert_eq!(verdict["response_code"], "00", "{out}");
    assert_eq!(
        verdict["meaning"], "function done (authorisation accepted)",
        "{out}"
    );
    assert_eq!(verdict["outcome"], "accepted", "{out}");
    assert_eq!(lines[1], "verify=0", "{out}");
    let tampered: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(tampered["valid"], false, "{out}");
    assert_eq!(tampered["outcome"], "unknown", "{out}");
    assert!(
        tampered["action"]
            .as_str()
            .unwrap()
            .starts_with("the transaction's state is unknown: leave it as it is, contact the gateway's support, and never run it again automatically"),
        "{out}"
    );
    assert_eq!(lines[3], "tampered=1", "{out}");
    let err = std::fs::read_to_string(sh.path("tampered.err")).unwrap();
    assert!(err.contains("the transaction's state is unknown"), "{err}");
    let fraud: serde_json::Value = serde_json::from_str(lines[4]).unwrap();
    assert_eq!(fraud["response_code"], "34", "{out}");
    assert!(
        fraud["action"].as_str().unwrap().contains("keyVersion"),
        "{out}"
    );
    // A key version the shop does not have: 34 too, sealed.
    let renewed: serde_json::Value = serde_json::from_str(lines[6]).unwrap();
    assert_eq!(
        (renewed["valid"].clone(), renewed["response_code"].clone()),
        (true.into(), "34".into()),
        "{out}"
    );
    assert!(out.contains("\n415\n"), "{out}");
    assert!(out.ends_with("page=2\n"), "{out}");
    let page = std::fs::read_to_string(sh.path("page.err")).unwrap();
    assert!(page.contains("\"415 Unsupported Media Type\""), "{page}");
    assert!(page.contains("Content-Type: application/json"), "{page}");
}

#[test]
fn the_sandbox_bounds_size_and_time_and_a_responder_fault_is_its_own() {
    let sh = Sh::new();
    let script = format!(
        "SANDBOX_OPTS='--timeout 3s --responder \"exit 3\"'
{START}
head -c 70000 /dev/zero | tr '\\0' a > big.txt
curl -sS -o /dev/null -w '%{{http_code}}\\n' --data-binary @big.txt \"$URL/PPPS.php\"
# A client that sends half its headers and waits: its connection is
# closed after --timeout, and the others are served meanwhile. 8 s
# leaves a loaded machine 5 s past the 3 s, and is still short of the
# default 10 s, which a sandbox ignoring --timeout would take.
exec 3<>/dev/tcp/127.0.0.1/$port
printf 'POST /PPPS.php HTTP/1.1\\r\\nHost: x\\r\\n' >&3
curl -sS -o /dev/null -w '%{{http_code}}\\n' -X GET \"$URL/PPPS.php\"
timeout 8 cat <&3 > /dev/null; echo slow=$?
curl -sS -o /dev/null -w '%{{http_code}}\\n' --data-binary 'VERSION=00103&TYPE=00001&SITE=1999888&RANG=032&CLE=1999888I&NUMQUESTION=1' \"$URL/PPPS.php\"
curl -sS -o /dev/null -w '%{{http_code}}\\n' \"$URL/nothing\"
grep -c http_request http.log
"
    );
    let out = sh.ok(&script);
    assert_eq!(out, "413\n405\nslow=0\n500\n404\n4\n", "{out}");
    let err = std::fs::read_to_string(sh.path("http.err")).unwrap();
    assert!(
        err.contains("the responder exited with status 3 (a local fault)"),
        "{err}"
    );
}

#[test]
fn what_the_sandbox_answers_itself_and_what_it_never_repeats() {
    let sh = Sh::new();
    // A responder that refuses by quoting the request (as a careless one
    // would), and one that starts a process which keeps its output open.
    std::fs::write(sh.path("quote.sh"), "cat >&2\nexit 1\n").unwrap();
    let script = format!(
        r#"SANDBOX_OPTS='--timeout 3s --responder "sh quote.sh"'
{START}
body='VERSION=00103&TYPE=00001&SITE=1999888&RANG=032&CLE=1999888I&NUMQUESTION=1&PORTEUR=1111222233334444&CVV=123'
curl -sS -w '%{{http_code}}\n' --data-binary "$body" "$URL/PPPS.php" > refused.txt
curl -sS -o /dev/null -w '%{{http_code}}\n' --data-binary 'hello' "$URL/PPPS.php"
curl -sS --data-binary 'VERSION=00103&TYPE=00001&SITE=1999888&RANG=032&CLE=1999888I&CLE=x&NUMQUESTION=7' "$URL/PPPS.php"; echo
curl -sS --data-binary 'VERSION=00103&TYPE=00001&SITE=1999888&RANG=032&NUMQUESTION=8' "$URL/PPPS.php"; echo
curl -sS -o /dev/null -w '%{{http_code}}\n' -H 'Content-Type: application/json' -d '{{}}' --path-as-is "$URL/rs-services/v2/../../etc/passwd"
kill $sandbox; wait $sandbox 2>/dev/null
mv http.log first.log; mv http.err first.err
SANDBOX_OPTS='--timeout 3s --responder "sleep 30; echo late"'
{START}
curl -sS --max-time 10 -o /dev/null -w '%{{http_code}}\n' --data-binary "$body" "$URL/PPPS.php"
"#
    );
    let out = sh.ok(&script);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "400", "not a Direct body: {out}");
    assert!(
        lines[1].contains(
            "CODEREPONSE=00014&COMMENTAIRE=incoherent frame: the field \"CLE\" is given twice"
        ),
        "{out}"
    );
    assert!(
        lines[1].starts_with("NUMTRANS=0000000000&NUMAPPEL=0000000000&NUMQUESTION=0000000007&"),
        "{out}"
    );
    assert!(
        lines[2].contains("CODEREPONSE=00006&COMMENTAIRE=Non autorise&"),
        "{out}"
    );
    assert_eq!(lines[3], "404", "{out}");
    // Stopped at --timeout with what it started, not after 30 s.
    assert_eq!(lines[4], "500", "{out}");
    let refused = std::fs::read_to_string(sh.path("refused.txt")).unwrap();
    assert!(refused.ends_with("400\n"), "{refused}");
    let log = std::fs::read_to_string(sh.path("first.log")).unwrap()
        + &std::fs::read_to_string(sh.path("first.err")).unwrap();
    for text in [&refused, &log] {
        assert!(!text.contains("1111222233334444"), "{text}");
        assert!(!text.contains("CVV=123"), "{text}");
        assert!(!text.contains("1999888I"), "{text}");
    }
    assert!(refused.contains("PORTEUR=111122******4444"), "{refused}");
}

/// Direct answers saved by Windows tools: a BOM before the first line and
/// CRLF line ends. The BOM made the first field `\u{feff}NUMTRANS`, and
/// the first answer's transaction number (what a capture or refund needs)
/// came out empty with no word; a line of 64 KiB and CRLF was refused
/// as past the 64 KiB bound, the same line with LF read.
#[test]
fn direct_answers_with_a_bom_and_crlf_lose_nothing() {
    let sh = Sh::new();
    let out = sh.run(
        r#"set +e
a='NUMTRANS=0010000001&NUMAPPEL=0030000001&NUMQUESTION=0000000001&SITE=1999888&RANG=032&AUTORISATION=XXXXXX&CODEREPONSE=00000&COMMENTAIRE='
printf '\357\273\277%s\r\n' "${a}ok" > bom.txt
xmlbatch status --output-format jsonl bom.txt; echo bom=$?
python3 -c "import sys; a=sys.argv[1]; sys.stdout.write(a + 'x' * (65536 - len(a)) + '\r\n')" "$a" > long.txt
xmlbatch status --output-format jsonl long.txt > /dev/null; echo long=$?
"#,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("\"transaction_id\":\"0010000001\""),
        "{stdout}{stderr}"
    );
    assert!(stdout.contains("bom=0"), "{stdout}{stderr}");
    assert!(stdout.contains("long=0"), "{stdout}{stderr}");
}

#[test]
fn ambiguous_direct_answers_and_echoed_card_numbers() {
    let sh = Sh::new();
    let out = sh.run(
        r#"set +e
printf 'NUMTRANS=1&NUMAPPEL=2&NUMQUESTION=1&SITE=1999888&RANG=032&CODEREPONSE=00151&CODEREPONSE=00000\n' > dup.txt
xmlbatch status --output-format jsonl dup.txt; echo dup=$?
printf 'NUMTRANS=1&NUMAPPEL=2&NUMQUESTION=1&SITE=1999888&RANG=032&CODEREPONSE=0000A\n' > bad.txt
xmlbatch status --output-format jsonl bad.txt; echo bad=$?
: > empty.txt
xmlbatch status --format paybox-direct empty.txt; echo empty=$?
printf 'VERSION=00104&TYPE=00056&SITE=1999888&RANG=032&CLE=x&NUMQUESTION=1&MONTANT=1000&DEVISE=978&REFERENCE=r&PORTEUR=1111222233334444&DATEVAL='"$EXPIRY"'&CVV=123&REFABONNE=4111111111111111\n' | xmlbatch respond
echo 10 > numq
printf 'question,type,amount,currency,reference,pan,expiry\n3,authorize,100,978,R,1111222233334444,'"$EXPIRY"'\n' > old.csv
printf '0123456789ABCDEF%.0s' 1 2 3 4 5 6 7 8 > k; chmod 600 k
xmlbatch build --format paybox-direct --site 1999888 --rank 32 --question-state numq --key-file k old.csv; echo old=$?
"#,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout
            .contains("\"meaning\":\"ambiguous: a field is given twice\",\"outcome\":\"unknown\""),
        "{stdout}"
    );
    assert!(stdout.contains("dup=1"), "{stdout}");
    assert!(
        stderr.contains("dup.txt:1: the field \"CODEREPONSE\" is given twice"),
        "{stderr}"
    );
    assert!(stdout.contains("\"response_code\":\"0000A\",\"meaning\":\"not a code the gateway gives\",\"outcome\":\"unknown\""), "{stdout}");
    assert!(stdout.contains("bad=1"), "{stdout}");
    assert!(stdout.contains("empty=2"), "{stdout}");
    assert!(stderr.contains("\"empty.txt\": empty input"), "{stderr}");
    // REFABONNE is the merchant's subscriber reference: echoed as it came,
    // whatever it looks like (issue 20); the card is never echoed.
    assert!(stdout.contains("REFABONNE=4111111111111111&"), "{stdout}");
    assert!(!stdout.contains("1111222233334444"), "{stdout}");
    assert!(stdout.contains("old=1"), "{stdout}");
    assert!(
        stderr.contains("question number 3 is not above the last one used, 10"),
        "{stderr}"
    );
}

/// A field the Office Server refuses is named one way, whatever the
/// refusal: a bad cardNumber and a cardNumber given twice both come back
/// `errorFieldName: cardNumber`. A name given twice was shown as the kind
/// of the field it names: a repeated cardNumber or cardCSCValue came back
/// as stars, so the merchant could not tell which field to fix. A card
/// number sent as a name is still masked (errorFieldName is text).
#[test]
fn a_field_given_twice_is_named_as_any_field_refused_for_its_format() {
    let sh = Sh::new();
    let script = format!(
        r#"{START}{OFFICE}
order 12 1 BAD1 > bad.json
office bad.json | sed 's/.*"errorFieldName":"\([^"]*\)".*/\1/'; echo
for f in cardNumber cardCSCValue 4012001037141112; do
    printf '{{"merchantId":"201040040170001","%s":"1","%s":"2","keyVersion":"1","transactionReference":"TWICE"}}' "$f" "$f" > twice.json
    office twice.json | sed 's/.*"errorFieldName":"\([^"]*\)".*/\1/'; echo
done
"#
    );
    let out = sh.ok(&script);
    assert_eq!(
        out, "cardNumber\ncardNumber\ncardCSCValue\n401200******1112\n",
        "{out}"
    );
}
