//! The HTTP sandbox's memory, a whole payment life per gateway through
//! the real binary: authorise, capture, refund, look it up, each refusal
//! the gateway gives on the way — with the sandbox restarted between
//! steps, once killed with SIGKILL, and the date it believes moved on.

use crate::util::{Sh, START};

/// `start [OPTIONS]`: the sandbox on the store s.db; `stop SIGNAL`.
fn with_restarts(body: &str) -> String {
    format!(
        r#"start() {{
SANDBOX_OPTS="--store s.db $*"
{START}
}}
stop() {{ kill -$1 $sandbox; wait $sandbox 2>/dev/null || true; }}
field() {{ tr '&' '\n' | sed -n "s/^$1=//p"; }}
{body}"#
    )
}

#[test]
fn a_paybox_direct_life_survives_restarts_and_a_kill() {
    let sh = Sh::new();
    let script = with_restarts(
        r#"
d() { curl -sS --max-time 30 --data-binary "VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&$1" "$URL/PPPS.php"; }
start --date 2030-01-15
a=$(d "TYPE=00001&NUMQUESTION=1&MONTANT=1000&DEVISE=978&REFERENCE=LIFE&PORTEUR=1111222233334444&DATEVAL=1239&CVV=123")
nt=$(echo "$a" | field NUMTRANS); na=$(echo "$a" | field NUMAPPEL)
echo "authorise $(echo "$a" | field CODEREPONSE)"
stop KILL
start --date 2030-01-15
echo "capture $(d "TYPE=00002&NUMQUESTION=2&MONTANT=1000&DEVISE=978&REFERENCE=LIFE&NUMTRANS=$nt&NUMAPPEL=$na" | field CODEREPONSE)"
echo "capture_again $(d "TYPE=00002&NUMQUESTION=3&MONTANT=1000&DEVISE=978&REFERENCE=LIFE&NUMTRANS=$nt&NUMAPPEL=$na" | field CODEREPONSE)"
echo "question_again $(d "TYPE=00017&NUMQUESTION=3&NUMTRANS=$nt" | field CODEREPONSE)"
stop TERM
start --date 2030-01-15
echo "refund $(d "TYPE=00014&NUMQUESTION=4&MONTANT=600&DEVISE=978&NUMTRANS=$nt&NUMAPPEL=$na" | field CODEREPONSE)"
echo "refund_more $(d "TYPE=00014&NUMQUESTION=5&MONTANT=600&DEVISE=978&NUMTRANS=$nt&NUMAPPEL=$na" | field CODEREPONSE)"
echo "inquiry $(d "TYPE=00017&NUMQUESTION=6&NUMTRANS=$nt" | field STATUS | iconv -f latin1 -t utf-8)"
echo "unknown_capture $(d "TYPE=00002&NUMQUESTION=7&MONTANT=1000&DEVISE=978&REFERENCE=X&NUMTRANS=0000012345&NUMAPPEL=0000012345" | field CODEREPONSE)"
echo "unknown_inquiry $(d "TYPE=00017&NUMQUESTION=8&NUMTRANS=0000012345" | field CODEREPONSE)"
b=$(d "TYPE=00003&NUMQUESTION=9&MONTANT=500&DEVISE=978&REFERENCE=NEXT&PORTEUR=1111222233334444&DATEVAL=1239")
bt=$(echo "$b" | field NUMTRANS); ba=$(echo "$b" | field NUMAPPEL)
[ "$bt" != "$nt" ] && [ "$ba" != "$na" ] && echo "new numbers"
stop KILL
start --date 2030-01-16
echo "next_day_question $(d "TYPE=00017&NUMQUESTION=1&NUMTRANS=$nt" | field CODEREPONSE)"
echo "cancel_remitted $(d "TYPE=00005&NUMQUESTION=2&MONTANT=500&DEVISE=978&REFERENCE=NEXT&NUMTRANS=$bt&NUMAPPEL=$ba" | field CODEREPONSE)"
stop TERM
start --reset --date 2030-01-16
echo "after_reset $(d "TYPE=00017&NUMQUESTION=3&NUMTRANS=$nt" | field CODEREPONSE)"
"#,
    );
    let out = sh.ok(&script);
    assert_eq!(
        out,
        "authorise 00000\ncapture 00000\ncapture_again 00015\nquestion_again 00039\n\
         refund 00000\nrefund_more 00011\ninquiry Rembours\u{e9}\nunknown_capture 00015\n\
         unknown_inquiry 00018\nnew numbers\nnext_day_question 00000\ncancel_remitted 00015\n\
         after_reset 00018\n",
        "{out}"
    );
}

#[test]
fn a_sips_office_server_life_survives_restarts_and_a_kill() {
    let sh = Sh::new();
    let script = with_restarts(
        r#"
printf 'rxSP61eeP_oNi5TxCD7Ngy9YcwC8MLw6OlmFGGcsY54' > sips.key; chmod 600 sips.key
# call FUNCTION JSON-FIELDS: a sealed request of the test shop, the response's
# responseCode (and FIELD when named third), its seal checked.
call() {
    printf '{"interfaceVersion":"IR_WS_2.55","keyVersion":"1","merchantId":"201040040170001",%s}' "$2" \
        | seal compute --key-file sips.key | sed "s/^{/{$EXTRA/" > req.json
    curl -sS --max-time 30 -H 'Content-Type: application/json' --data-binary @req.json \
        "$URL/rs-services/v2/$1" > resp.json
    seal verify --key-file sips.key -q resp.json > /dev/null || echo "response seal wrong"
    python3 -c "import json,sys; r=json.load(open('resp.json')); print(r.get('responseCode'), r.get(sys.argv[1], '') if len(sys.argv) > 1 else '')" ${3:-}
}
order='"amount":"1000","cardNumber":"1111222233334444","cardExpiryDate":"209912","cardCSCValue":"123","currencyCode":"978","orderChannel":"INTERNET"'
start --date 2030-01-15
echo "order $(call checkout/cardOrder "$order,\"transactionReference\":\"LIFE1\"")"
stop KILL
start --date 2030-01-15
echo "data $(call diagnostic/getTransactionData '"transactionReference":"LIFE1"' transactionStatus)"
echo "refund_early $(call cashManagement/refund '"operationAmount":"600","currencyCode":"978","transactionReference":"LIFE1"')"
echo "order_again $(call checkout/cardOrder "$order,\"transactionReference\":\"LIFE1\"")"
stop TERM
start --date 2030-01-16
echo "data_next_day $(call diagnostic/getTransactionData '"transactionReference":"LIFE1"' transactionStatus)"
echo "refund $(call cashManagement/refund '"operationAmount":"600","currencyCode":"978","transactionReference":"LIFE1"' newAmount)"
stop KILL
start --date 2030-01-16
echo "refund_more $(call cashManagement/refund '"operationAmount":"600","currencyCode":"978","transactionReference":"LIFE1"')"
echo "cancel_remitted $(call cashManagement/cancel '"operationAmount":"100","currencyCode":"978","transactionReference":"LIFE1"')"
echo "unknown $(call diagnostic/getTransactionData '"transactionReference":"NONE"' getTransDataResponseCode)"
echo "unknown_refund $(call cashManagement/refund '"operationAmount":"100","currencyCode":"978","transactionReference":"NONE"')"
# The amount given twice, the seal over the second: refused as seal
# verify refuses it, never answered for one reading or the other.
echo "twice $(EXTRA='"amount":"999999",' call checkout/cardOrder "$order,\"transactionReference\":\"LIFE2\"" errorFieldName)"
"#,
    );
    let out = sh.ok(&script);
    assert_eq!(
        out,
        "order 00 \ndata 00 TO_CAPTURE\nrefund_early 24 \norder_again 94 \n\
         data_next_day 00 CAPTURED\nrefund 00 400\nrefund_more 24 \ncancel_remitted 24 \n\
         unknown 25 25\nunknown_refund 25 \ntwice 30 amount\n",
        "{out}"
    );
}

#[test]
fn paybox_direct_numbers_are_never_the_same_across_ranks_nor_restarts() {
    let sh = Sh::new();
    // Ranks 32, 63 and 222 of site 1999888 are the published test shops:
    // one merchant's, whose database keys its payments by NUMTRANS.
    let script = with_restarts(
        r#"
d() { curl -sS --max-time 30 --data-binary "VERSION=00103&TYPE=00001&SITE=1999888&RANG=$1&CLE=1999888I&NUMQUESTION=1&MONTANT=1000&DEVISE=978&REFERENCE=R&PORTEUR=1111222233334444&DATEVAL=1239&CVV=123" "$URL/PPPS.php"; }
start --date 2030-01-15
for rank in 32 63; do a=$(d $rank); echo "$a" | field NUMTRANS; echo "$a" | field NUMAPPEL; done
stop KILL
start --date 2030-01-16
for rank in 222 032; do a=$(d $rank); echo "$a" | field NUMTRANS; echo "$a" | field NUMAPPEL; done
"#,
    );
    let out = sh.ok(&script);
    let numbers: Vec<&str> = out.lines().collect();
    assert_eq!(numbers.len(), 8, "{out}");
    let distinct: std::collections::HashSet<&&str> = numbers.iter().collect();
    assert_eq!(distinct.len(), 8, "{out}");
}
