//! No card number, security code, key or passphrase ever reaches a
//! person: every subcommand of every tool is run over bad and good inputs
//! that carry the gateways' test card numbers, a security code, the
//! published test keys and a passphrase — in values, in wrong columns, in
//! field names, in malformed XML, as misplaced arguments — and nothing of
//! them may appear unmasked on stdout or stderr, except in the data a user
//! asked for (a Question, a sealed message, a decrypted file, `--reveal`).
//! Text from outside never reaches the terminal with its control
//! characters.

use crate::util;
use crate::util::{expiry, Sh};

/// The gateways' published test card numbers.
const PANS: [&str; 4] = [
    "1111222233334444",
    "4012001037141112",
    "1111222233331515",
    "4111111111111111",
];
/// A security code that appears nowhere else in the inputs.
const CVV: &str = "7319";
/// The published test keys of the gateways (demo/keys) and a passphrase.
const SIPS_KEY: &str = "secret123";
const SIPS_DEMO_KEY: &str = "002001000000001_KEY1";
const PAYBOX_KEY: &str = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
const LYRA_KEY: &str = "1122334455667788";
const PASSPHRASE: &str = "Tr0ub4dor&3-paylot";

/// What a case's output may hold.
#[derive(Clone, Copy, PartialEq)]
enum Data {
    /// Neither stdout nor stderr may hold a secret.
    None,
    /// Stdout is the data the user asked for; only stderr is scanned.
    Stdout,
}

struct Case {
    what: &'static str,
    script: String,
    data: Data,
}

fn case(what: &'static str, script: impl Into<String>) -> Case {
    Case {
        what,
        script: script.into(),
        data: Data::None,
    }
}

fn data(what: &'static str, script: impl Into<String>) -> Case {
    Case {
        what,
        script: script.into(),
        data: Data::Stdout,
    }
}

/// Every form a secret must not take in output.
fn forbidden(sh: &Sh) -> Vec<String> {
    let mut f: Vec<String> = Vec::new();
    for pan in PANS {
        f.push(pan.to_string());
        let groups: Vec<&str> = (0..4).map(|i| &pan[i * 4..i * 4 + 4]).collect();
        f.push(groups.join(" "));
        f.push(groups.join("-"));
        // More than the mask shows: 7 leading digits.
        f.push(pan[..7].to_string() + &pan[7..8]);
    }
    f.push(CVV.to_string());
    for k in [
        SIPS_KEY,
        SIPS_DEMO_KEY,
        PAYBOX_KEY,
        &PAYBOX_KEY[..32],
        LYRA_KEY,
        PASSPHRASE,
    ] {
        f.push(k.to_string());
    }
    // A line from the middle of each armored secret key.
    for key in ["shop.key", "gateway.key", "locked.key"] {
        let text = std::fs::read_to_string(sh.path(key)).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| l.len() > 40).collect();
        f.push(lines[lines.len() / 2].to_string());
    }
    f
}

fn setup() -> Sh {
    let sh = Sh::new();
    let pans = PANS;
    let files: Vec<(&str, String)> = vec![
        ("sips.key", format!("{SIPS_KEY}\n")),
        ("paybox.key", format!("{PAYBOX_KEY}\n")),
        ("lyra.key", format!("{LYRA_KEY}\n")),
        ("pass.txt", format!("{PASSPHRASE}\n")),
        (
            "wrong-column.csv",
            format!(
                "type,amount,currency,reference,pan,expiry,cvv\n\
                 00003,1000,978,O1,{},{},{CVV}\n\
                 00003,1000,978,O2,{CVV},{e},123\n",
                pans[0], pans[1], e = expiry()
            ),
        ),
        (
            "pan-header.csv",
            format!("type,amount,{}\n00003,1000,x\n", pans[0]),
        ),
        (
            "bad-values.csv",
            format!(
                "type,amount,currency,reference,pan,expiry,cvv\n\
                 00003,{},978,O1,{},{e},{CVV}x\n\
                 00003,1000,{},O2,{} ,{e},1\n\
                 00003,1000,978,O3,4111 1111 1111 1112,{e},{CVV}\n",
                pans[3], pans[2], pans[0], pans[1], e = expiry()
            ),
        ),
        (
            "good.csv",
            format!(
                "type,amount,currency,reference,pan,expiry,cvv\n\
                 authorize_capture,1000,EUR,ORDER-1,{},{e},{CVV}\n\
                 authorize,2590,978,ORDER-2,{},{e},{CVV}\n",
                pans[0], pans[2], e = expiry()
            ),
        ),
        (
            "malformed.xml",
            format!(
                "<?xml version=\"1.0\"?>\n<PayboxBatch xmlns=\"http://www.paybox.com/PayboxBatch\" BatchNumber=\"1\" CreatedOn=\"2026-11-22T10:15:00+01:00\">\n\
                 <Merchant Site=\"1999888\" Rank=\"032\">\n<Question Number=\"1\" Type=\"00003\">\n\
                 <Card><CB><PAN{}</PAN><Expiry>{e}</Expiry><CVV>{CVV}</CVV></CB></Card>\n</Question>\n</Merchant>\n</PayboxBatch>\n",
                pans[0], e = expiry()
            ),
        ),
        (
            "bad-question.xml",
            format!(
                "<?xml version=\"1.0\"?>\n<PayboxBatch xmlns=\"http://www.paybox.com/PayboxBatch\" BatchNumber=\"1\" CreatedOn=\"2026-11-22T10:15:00+01:00\">\n\
                 <Merchant Site=\"1999888\" Rank=\"032\">\n<Question Number=\"0000000001\" Type=\"00003\">\n\
                 <Amount>1000</Amount><Currency>978</Currency><Reference>R0</Reference><Date>22112026101500</Date>\n\
                 <Card><CB><PAN>{}</PAN><Expiry>{}</Expiry><CVV>{CVV}1</CVV></CB></Card>\n</Question>\n\
                 <Question Number=\"0000000002\" Type=\"00003\">\n<Amount>{}</Amount><Currency>978</Currency><Reference>R</Reference>\n\
                 <Card><CB><PAN>4111111111111112</PAN><Expiry>0120</Expiry><CVV>{CVV}</CVV></CB></Card>\n</Question>\n</Merchant>\n</PayboxBatch>\n",
                pans[0], pans[1], pans[2]
            ),
        ),
        (
            "status-pan.xml",
            format!(
                "<?xml version=\"1.0\"?>\n<PayboxBatchStatus xmlns=\"http://www.paybox.com/PayboxBatchStatus\" BatchNumber=\"1\" CreatedOn=\"x\">\n\
                 <Merchant Site=\"1999888\" Rank=\"032\" PayboxId=\"1\">\n<Answer Number=\"{}\" Type=\"00003\"><ResponseCode>00004</ResponseCode><Comment>card {} CVV {CVV}</Comment></Answer>\n\
                 <Answer Number=\"2\" Type=\"00003\"><ResponseCode>{}</ResponseCode></Answer>\n</Merchant>\n</PayboxBatchStatus>\n",
                pans[1], pans[0], pans[2]
            ),
        ),
        (
            "card-order.json",
            format!(
                "{{\"amount\":\"2500\",\"cardCSCValue\":\"{CVV}\",\"cardSecurityCode\":\"{CVV}\",\"cardExpiryDate\":\"202912\",\"cardNumber\":\"{}\",\"currencyCode\":\"978\",\"keyVersion\":\"1\",\"merchantId\":\"011223344550000\",\"orderId\":\"ORDER-42\",\"note\":\"{}\",\"seal\":\"00\"}}\n",
                pans[0], pans[1]
            ),
        ),
        (
            "lines.jsonl",
            format!(
                "{{\"{}\":\"x\",\"cardNumber\":\"{}\"}}\n{{\"cardNumber\":\"{}\",\n[\"{}\"]\n{{\"cvv\":\"{CVV}\"}}\n",
                pans[0], pans[1], pans[2], pans[3]
            ),
        ),
        (
            "ipn.txt",
            format!(
                "Mt=1000&Ref={}&CVV={CVV}&Erreur=00000&Sign=AAAA\n",
                pans[0]
            ),
        ),
        (
            "paybox-form.json",
            format!(
                "{{\"PBX_SITE\":\"1999888\",\"PBX_PORTEUR_PAN\":\"{}\",\"PBX_CVV\":\"{CVV}\",\"PBX_HMAC\":\"00\"}}\n",
                pans[0]
            ),
        ),
        (
            "lyra-form.json",
            format!(
                "{{\"vads_card_number\":\"{}\",\"vads_card_cvv\":\"{CVV}\",\"vads_amount\":\"1\",\"signature\":\"x\"}}\n",
                pans[1]
            ),
        ),
    ];
    for (name, text) in files {
        std::fs::write(sh.path(name), text).unwrap();
    }
    sh.ok(
        "chmod 600 *.key pass.txt
         pgpwrap keygen --userid 'Locked <l@example.com>' --passphrase-file pass.txt --out locked 2>/dev/null
         pgpwrap keygen --userid 'Shop 4111111111111111' --out panuid 2>/dev/null",
    );
    sh
}

fn cases() -> Vec<Case> {
    let [p0, p1, _p2, p3] = PANS;
    let armored = "\"$(cat shop.key)\"";
    vec![
        // seal
        case("seal compute: the key as --key-env", format!("seal compute --key-env {SIPS_KEY} < card-order.json")),
        case("seal compute: the key as --key-file", format!("seal compute --key-file {SIPS_KEY} < card-order.json")),
        case("seal compute: a Paybox key as --key-file", format!("seal compute --key-file {PAYBOX_KEY} paybox-form.json")),
        case("seal compute: the key as a file", format!("seal compute --key-file sips.key {SIPS_DEMO_KEY}")),
        case("seal compute: the key as an extra argument", format!("seal compute --key-file sips.key card-order.json {LYRA_KEY}")),
        case("seal compute: a card number as a file", format!("seal compute --key-file sips.key {p0}")),
        data("seal compute: a card order", "seal compute --key-file sips.key card-order.json"),
        case("seal compute: bad lines", "seal compute --jsonl --key-file sips.key lines.jsonl > /dev/null"),
        case("seal verify: a card order", "seal verify --key-file sips.key card-order.json"),
        case("seal verify: bad lines", "seal verify --jsonl --key-file sips.key lines.jsonl"),
        case("seal verify: a Paybox form", "seal verify --key-file paybox.key paybox-form.json"),
        case("seal verify: a Lyra form", "seal verify --key-file lyra.key lyra-form.json"),
        case("seal verify: an IPN", "seal verify --input form ipn.txt"),
        case("seal explain: a card order", "seal explain card-order.json"),
        case("seal explain: with a key", "seal explain --key-file sips.key card-order.json"),
        case("seal explain: JSON", "seal explain --json --key-file sips.key card-order.json"),
        case("seal explain: bad lines", "seal explain --jsonl lines.jsonl"),
        case("seal explain: an IPN", "seal explain --input form ipn.txt"),
        case("seal explain: forms", "seal explain paybox-form.json; seal explain lyra-form.json"),
        data("seal explain --reveal", "seal explain --reveal card-order.json"),
        case("seal: a card number as a scheme", format!("seal verify --scheme {p0} < card-order.json")),
        case("seal: a card number as a subcommand", format!("seal {p1}")),
        // xmlbatch
        case("xmlbatch build: a card number in the expiry column", "xmlbatch build --site 1999888 --rank 32 --batch 1 wrong-column.csv"),
        case("xmlbatch build: a card number as a column name", "xmlbatch build --site 1999888 --rank 32 --batch 1 pan-header.csv"),
        case("xmlbatch build: bad values", "xmlbatch build --site 1999888 --rank 32 --batch 1 bad-values.csv"),
        case("xmlbatch build: a card number as the site", format!("xmlbatch build --site {p0} --rank 32 --batch 1 good.csv")),
        case("xmlbatch build: a card number as the delimiter", format!("xmlbatch build --site 1999888 --rank 32 --batch 1 -d {p0} good.csv")),
        case("xmlbatch build: a Lyra file of card rows", "xmlbatch build --format lyra --shop 12345678 --mode test wrong-column.csv"),
        case("xmlbatch build: good rows to a file", "xmlbatch build --site 1999888 --rank 32 --batch 1 -o q.xml good.csv"),
        data("xmlbatch build: good rows to stdout", "xmlbatch build --site 1999888 --rank 32 --batch 1 good.csv"),
        case("xmlbatch check: malformed XML", "xmlbatch check malformed.xml"),
        case("xmlbatch check: bad questions", "xmlbatch check bad-question.xml"),
        case("xmlbatch respond: malformed XML", "xmlbatch respond malformed.xml"),
        case("xmlbatch respond: bad questions", "xmlbatch respond bad-question.xml"),
        case("xmlbatch respond: good questions", "xmlbatch build --site 1999888 --rank 32 --batch 1 good.csv | xmlbatch respond"),
        data("xmlbatch status: a status file quoting a card", "xmlbatch status --output-format jsonl status-pan.xml"),
        case("xmlbatch status: against its question", "xmlbatch status --question bad-question.xml status-pan.xml > /dev/null"),
        case("xmlbatch status: malformed XML", "xmlbatch status malformed.xml"),
        // pgpwrap
        case("pgpwrap sign: the armored key as --key", format!("pgpwrap sign --key {armored} x")),
        case("pgpwrap sign: the armored key as --key=", format!("pgpwrap sign --key={armored} x")),
        case("pgpwrap decrypt: the armored key as --key", format!("pgpwrap decrypt --key {armored} --verify-with shop.pub x")),
        case("pgpwrap encrypt: the armored key as --sign-with", format!("pgpwrap encrypt --recipient gateway.pub --sign-with {armored} good.csv")),
        case("pgpwrap: the passphrase as --passphrase-env", format!("pgpwrap sign --key locked.key --passphrase-env '{PASSPHRASE}' good.csv")),
        case("pgpwrap: the passphrase as --passphrase-file", format!("pgpwrap sign --key locked.key --passphrase-file '{PASSPHRASE}' good.csv")),
        case("pgpwrap: the passphrase as an argument", format!("pgpwrap sign --key locked.key '{PASSPHRASE}'")),
        case("pgpwrap: a wrong passphrase", "echo wrong > wrong.txt; pgpwrap sign --key locked.key --passphrase-file wrong.txt good.csv"),
        case("pgpwrap encrypt --element: malformed XML", "pgpwrap encrypt --recipient gateway.pub --sign-with shop.key --element Merchant malformed.xml"),
        case("pgpwrap encrypt --element: a Question", "xmlbatch build --site 1999888 --rank 32 --batch 1 good.csv | pgpwrap encrypt --recipient gateway.pub --sign-with locked.key --passphrase-file pass.txt --element Merchant -o enc.xml"),
        case("pgpwrap inspect: an element envelope", "xmlbatch build --site 1999888 --rank 32 --batch 1 good.csv | pgpwrap encrypt --recipient gateway.pub --sign-with shop.key --element Merchant | pgpwrap inspect"),
        case("pgpwrap inspect: a file named by a card number", format!("cp good.csv {p3}.csv; pgpwrap encrypt --recipient gateway.pub --sign-with shop.key -o m.pgp {p3}.csv; pgpwrap inspect m.pgp; pgpwrap inspect --json m.pgp")),
        case("pgpwrap inspect: a user id with a card number", "pgpwrap inspect panuid.pub; pgpwrap inspect --json panuid.pub"),
        data("pgpwrap decrypt: a Question", "xmlbatch build --site 1999888 --rank 32 --batch 1 good.csv | pgpwrap encrypt --recipient gateway.pub --sign-with shop.key --element Merchant | pgpwrap decrypt --key gateway.key --verify-with shop.pub --element Merchant"),
        case("pgpwrap decrypt: the wrong signer", "xmlbatch build --site 1999888 --rank 32 --batch 1 good.csv | pgpwrap encrypt --recipient gateway.pub --sign-with shop.key --element Merchant | pgpwrap decrypt --key gateway.key --verify-with gateway.pub --element Merchant"),
        case("pgpwrap verify: an unsigned file", "pgpwrap verify --signer gateway.pub status-pan.xml"),
        // dropwatch
        case("dropwatch check: a file named by a card number", format!("cp good.csv {p0}.xml; dropwatch check --gateway paybox {p0}.xml; dropwatch check {p0}.xml; dropwatch check --json {p0}.xml")),
        case("dropwatch name: a card number as the shop", format!("mkdir -p out; dropwatch name --gateway lyra --shop {p1} out")),
        case("dropwatch watch: files named by card numbers", format!("mkdir -p w; cp good.csv w/{p0}.xml; cp good.csv w/20261201.12345678.PAY.REQ.T.01; cp good.csv w/{p1}.status.xml; dropwatch watch --once --no-state --settle 0s w")),
        case("dropwatch sweep: files named by card numbers", format!("mkdir -p s; cp good.csv s/{p0}.xml; touch -d '20 days ago' s/{p0}.xml; dropwatch sweep --dry-run s")),
        case(
            "dropwatch gateway: a malformed Question",
            "mkdir -p gw/shop/in; cp malformed.xml gw/shop/in/1999888.032.000001.xml; dropwatch gateway --gateway paybox --once --settle 0s gw; cat gw/shop/out/*.err",
        ),
        case(
            "dropwatch gateway: a Lyra request of card rows",
            "mkdir -p ly/12345678/request_ips; cp wrong-column.csv ly/12345678/request_ips/20261201.12345678.PAY.REQ.T.01; dropwatch gateway --gateway lyra --once --settle 0s ly; cat ly/12345678/result_ips/*ANS* 2>/dev/null",
        ),
    ]
}

#[test]
fn no_secret_reaches_stdout_or_stderr_unmasked() {
    let sh = setup();
    let forbidden = forbidden(&sh);
    let mut leaks = Vec::new();
    let mut ran = 0;
    for c in cases() {
        let out = sh.run(&c.script);
        ran += 1;
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "{}: ended with {:?} (a tool may end with 0, 1 or 2 only)\n{}",
            c.what,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let mut streams = vec![("stderr", out.stderr)];
        if c.data == Data::None {
            streams.push(("stdout", out.stdout));
        }
        for (stream, bytes) in streams {
            let text = String::from_utf8_lossy(&bytes);
            for f in &forbidden {
                if text.contains(f.as_str()) {
                    leaks.push(format!("{}: {stream} holds {f:?}:\n{text}", c.what));
                }
            }
        }
    }
    assert!(ran > 50);
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n---\n")
    );
}

/// The data a user asked for does hold the card numbers: the scan above
/// would catch a leak, not a tool that lost its data.
#[test]
fn the_data_itself_is_intact() {
    let sh = setup();
    let question = sh.ok("xmlbatch build --site 1999888 --rank 32 --batch 1 good.csv");
    assert!(question.contains(PANS[0]) && question.contains(&format!("<CVV>{CVV}</CVV>")));
    let revealed = sh.ok("seal explain --reveal card-order.json");
    assert!(
        revealed.contains(PANS[0]) && revealed.contains(CVV),
        "{revealed}"
    );
    let masked = sh.ok("seal explain card-order.json");
    assert!(masked.contains("111122******4444"), "{masked}");
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let sh = Sh::new();
    std::fs::write(
        sh.path("ipn.txt"),
        "Mt=1000&Ref=\x1b]0;pwn\x07\nFAKE&Erreur=00000&Sign=AAAA\n",
    )
    .unwrap();
    let evil = "evil\x1b]0;t\x07\nx";
    std::fs::write(sh.path(evil), "x").unwrap();
    for script in [
        "seal verify --input form ipn.txt",
        "seal explain --input form ipn.txt",
        "dropwatch check ./evil*",
        "dropwatch check --gateway paybox ./evil*",
    ] {
        let out = sh.run(script);
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !bytes.iter().any(|b| *b == 0x1b || *b == 0x07),
                "{script}: {stream} holds a raw control character: {text:?}"
            );
            assert!(
                !text.lines().any(|l| l.starts_with("FAKE") || l == "x"),
                "{script}: {stream} lets a value start a line of its own: {text:?}"
            );
        }
    }
    // In JSON the name is a valid JSON string, exactly the file's name.
    let out = sh.run("dropwatch check --json ./evil*");
    let line = String::from_utf8(out.stdout).unwrap();
    let event: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(event["name"], evil);
    assert_eq!(event["path"], format!("./{evil}"));
}

#[test]
fn names_that_are_not_utf8_agree_in_name_and_path() {
    use std::os::unix::ffi::OsStrExt;
    let sh = Sh::new();
    let name = std::ffi::OsStr::from_bytes(b"bad\xe9name.xml");
    std::fs::write(sh.path("").join(name), "x").unwrap();
    let out = sh.run("dropwatch check --json ./bad*");
    let line = String::from_utf8(out.stdout).unwrap();
    let event: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(event["name"], "bad\u{fffd}name.xml");
    assert_eq!(event["path"], "./bad\u{fffd}name.xml");
    assert_eq!(event["name_bytes"], "YmFk6W5hbWUueG1s");
}

/// The digits of `text` a person reads as one number: every separator a
/// card number can be disguised with is dropped (spaces of any kind,
/// zero-width characters, dashes, `+`, dots, underscores, `%20`).
fn read_as_digits(text: &str) -> String {
    let text = text.replace("%20", "").replace("%2D", "");
    text.chars()
        .filter(|c| {
            !matches!(
                c,
                ' ' | '\t' | '-' | '+' | '.' | '_' | '\u{a0}' | '\u{200b}' | '\u{2013}'
            )
        })
        .collect()
}

/// Found by an attacker: card numbers with digits next to them, or
/// written with other separators, and security codes under other names
/// or in free text, went through the masking; text echoed by `status`,
/// and the JSON of `seal`, were not masked at all. (The merchant's
/// identifiers are echoed exactly, whatever they hold: tests/masking.rs.)
#[test]
fn disguised_card_numbers_and_codes_are_masked_everywhere() {
    let sh = Sh::new();
    let files: Vec<(&str, String)> = vec![
        ("sips.key", format!("{SIPS_KEY}\n")),
        (
            "glued.csv",
            format!(
                "type,amount,currency,reference,pan,expiry,cvv\n\
                 authorize,4111111111111111 123,EUR,R1,4111111111111111,{e},123\n\
                 authorize,41111111111111110,EUR,R1,4111111111111111,{e},123\n\
                 authorize,1 4111111111111111,EUR,R1,4111111111111111,{e},123\n\
                 authorize,100,4111\u{200b}1111\u{200b}1111\u{200b}1111,R1,4111111111111111,{e},123\n\
                 authorize,100,4111\u{a0}1111\u{a0}1111\u{a0}1111,R1,4111111111111111,{e},123\n\
                 authorize,100,EUR,R1,4111111111111111,7319,1230\n",
                e = expiry()
            ),
        ),
        (
            "status.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <PayboxBatchStatus xmlns=\"http://www.paybox.com/PayboxBatchStatus\" BatchNumber=\"1\" CreatedOn=\"2026-12-01T10:13:50Z\">\n\
             <Merchant Site=\"1999888\" Rank=\"032\" PayboxId=\"3567506417\"><Answer Number=\"0000000001\" Type=\"00003\">\n\
             <ResponseCode>00000</ResponseCode><Comment>card 4111111111111111 cvv 7319</Comment>\n\
             <Reference>R-1</Reference></Answer></Merchant></PayboxBatchStatus>\n"
                .to_string(),
        ),
        (
            "ans.txt",
            "00;PAY;06;0;;12345678;TEST;20261201;101010;20261201;111010\n\
             02;1;20261201;101010;000001;CD;100;978;100;978;20261201;;TOK;;R;763793;CB;;00;AUTHORISED;840e;20261201;111010;;4111111111111111\n\
             01;1\n"
                .to_string(),
        ),
    ];
    for (name, text) in files {
        std::fs::write(sh.path(name), text).unwrap();
    }
    sh.ok("chmod 600 sips.key");
    let scripts = [
        "xmlbatch build --site 1999888 --rank 32 --batch 1 glued.csv",
        "echo '{\"a\":\"1\",\"sealAlgorithm\":\"4111 1111 1111 1111 12\"}' | seal compute --key-file sips.key",
        "dropwatch name --gateway lyra --shop '4111111111111111 123' .",
        "printf 'Mt=1000&Ref=4111+1111+1111+1111&Sign=QUFB' | seal verify --scheme paybox-ipn --input form",
        "printf 'Mt=1000&Ref=4111%201111%201111%201111&Sign=QUFB' | seal explain --input form",
        "xmlbatch status status.xml; xmlbatch status --output-format jsonl status.xml",
        "xmlbatch status ans.txt",
        "xmlbatch build --site 1999888 --rank 32 --batch 1 --created-on 2026-11-22T10:15:00+01:00 glued.csv -o /dev/null",
        "echo '{\"a\":\"1\",\"4111111111111111\":\"x\",\"seal\":\"4111111111111111\"}' | seal explain --json",
        "echo '{\"a\":\"411111\",\"b\":\"1111111111\"}' | seal explain --json",
        "echo '{\"PBX_4111111111111111\":\"1\"}' | seal explain --json",
        "echo '{\"cardCvv\":\"7319\",\"security_code\":\"7319\",\"cvvCode\":\"7319\",\"card-cvv\":\"7319\",\"cardCSC\":\"7319\"}' | seal explain",
        "echo '{\"note\":\"security code 7319, cvv7319, cvv is 7319\"}' | seal explain",
    ];
    let mut leaks = Vec::new();
    for script in scripts {
        let out = sh.run(script);
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{script}: {:?}",
            out.status
        );
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            let digits = read_as_digits(&text);
            for pan in ["4111111111111111", "4012001037141112", "1111222233334444"] {
                if digits.contains(&pan[..11]) {
                    leaks.push(format!("{script}: {stream} shows {pan}:\n{text}"));
                }
            }
            if text.contains(CVV) {
                leaks.push(format!(
                    "{script}: {stream} shows the security code:\n{text}"
                ));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n---\n"));
}

/// C1 controls (U+009B starts an escape sequence on many terminals) are
/// escaped in every JSON output too, which JSON itself does not require.
#[test]
fn json_output_escapes_c1_controls() {
    let sh = Sh::new();
    for script in [
        "echo '{\"amount\":\"a\\u009b31mb\"}' | seal explain --json",
        "printf 'Mt=1&Ref=a\\302\\23331m&Sign=QUFB' | seal verify --scheme paybox-ipn --input form",
        "mkdir -p w; touch \"w/$(printf 'a\\302\\23331m.xml')\"; dropwatch check --json w/*",
    ] {
        let out = sh.run(script);
        assert!(
            !out.stdout.windows(2).any(|w| w == [0xc2, 0x9b]),
            "{script}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("\\u009b"),
            "{script}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// A file passed where a counter, a CSV or a key was expected is not
/// echoed: it may be a key.
#[test]
fn a_key_file_in_the_wrong_place_is_not_echoed() {
    let sh = Sh::new();
    std::fs::write(sh.path("sips.key"), format!("{SIPS_KEY}\n")).unwrap();
    std::fs::write(sh.path("lyra.key"), format!("{LYRA_KEY}\n")).unwrap();
    std::fs::write(sh.path("bad.key"), "0123456789ABCDEFs3cr3t\n").unwrap();
    sh.ok("chmod 600 *.key");
    for script in [
        "xmlbatch build --site 1999888 --rank 32 --batch-state sips.key \"$SAMPLES/paybox-operations.csv\"",
        "xmlbatch build --site 1999888 --rank 32 --batch-state shop.key \"$SAMPLES/paybox-operations.csv\"",
        "xmlbatch build --format lyra --shop 12345678 --mode test lyra.key",
        "seal compute --key-file bad.key \"$SAMPLES/paybox-system.json\"",
    ] {
        let out = sh.run(script);
        assert_eq!(out.status.code(), Some(2), "{script}");
        let err = String::from_utf8_lossy(&out.stderr);
        for secret in [SIPS_KEY, LYRA_KEY, "s3cr3t", "'s'", "BEGIN PGP"] {
            assert!(!err.contains(secret), "{script}: {err}");
        }
    }
    assert_eq!(
        std::fs::read_to_string(sh.path("sips.key")).unwrap(),
        format!("{SIPS_KEY}\n")
    );
}

/// The secrets of the fragment tests: the Paybox key (hex), a Direct
/// password and a Sips key with characters that percent-encoding
/// changes, and a passphrase.
const FRAGMENT_SECRETS: [(&str, &str); 4] = [
    ("paybox.key", PAYBOX_KEY),
    ("cle.txt", "Cl3#S3cr3t/2026+x"),
    ("sips.key", "rxSP61eeP_oNi5TxCD7Ngy9Yc/C8MLw6Ol+FGGcsY54"),
    ("pass.txt", PASSPHRASE),
];

/// Every form of `secret` a tool might write: as it is, in lower and
/// upper case, percent-encoded.
fn forms(secret: &str) -> Vec<String> {
    let percent: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    vec![
        secret.to_string(),
        secret.to_ascii_lowercase(),
        secret.to_ascii_uppercase(),
        percent,
    ]
}

/// The fragments of 12 characters (a shorter secret: itself) of every
/// form of `secret` found in `text`, without regard to case.
fn fragments_in(secret: &str, text: &str) -> Vec<String> {
    let text = text.to_ascii_lowercase();
    let mut found = Vec::new();
    for form in forms(secret) {
        let form = form.to_ascii_lowercase();
        let width = form.len().min(12);
        for w in form.as_bytes().windows(width) {
            let w = String::from_utf8_lossy(w).into_owned();
            if text.contains(&w) && !found.contains(&w) {
                found.push(w);
            }
        }
    }
    found
}

/// Found by an attacker (issue 20): a key shown in part (40 of its hex
/// digits, 127 of 128 after a cut, 40 of 43 characters), in lower case
/// (as openssl, xxd and Python print it), and the Direct password
/// repeated by the sandbox's own answers. No run of 12 characters of any
/// secret read, in any case, raw or percent-encoded, may reach stdout,
/// stderr, an HTTP answer or the sandbox's log.
#[test]
fn no_fragment_of_a_secret_is_ever_shown() {
    let sh = Sh::new();
    for (file, secret) in FRAGMENT_SECRETS {
        std::fs::write(sh.path(file), format!("{secret}\n")).unwrap();
    }
    sh.ok("chmod 600 paybox.key cle.txt sips.key pass.txt");
    let key = PAYBOX_KEY;
    let lower = key.to_ascii_lowercase();
    let (cle, sips) = (FRAGMENT_SECRETS[1].1, FRAGMENT_SECRETS[2].1);
    // The key in every form a mistake puts it in a field: whole, in lower
    // case, cut to 40 characters, percent-encoded.
    let key_forms = [
        key.to_string(),
        lower.clone(),
        key[..40].to_string(),
        lower[..40].to_string(),
    ];
    let mut scripts: Vec<String> = Vec::new();
    for k in &key_forms {
        scripts.push(format!(
            "echo 'VERSION=00103&TYPE=00003&SITE=1999888&RANG=32&HASH={k}&NUMQUESTION=1&HMAC=00' | seal verify --scheme paybox-direct --key-file paybox.key"
        ));
        scripts.push(format!(
            "echo 'VERSION=00103&TYPE=00003&SITE=1999888&RANG=32&HASH={k}&NUMQUESTION=1&HMAC=00' | seal verify --jsonl --scheme paybox-direct --key-file paybox.key"
        ));
        for json in ["", "--json"] {
            scripts.push(format!(
                "echo 'PBX_SITE=1999888&PBX_RANG=32&PBX_IDENTIFIANT=1&PBX_HMAC={k}' | seal explain {json} --input form --key-file paybox.key"
            ));
        }
        scripts.push(format!(
            "printf 'type,amount,currency,reference,pan,expiry,cvv\\n00003,{k},978,R1,1111222233334444,%s,123\\n' \"$EXPIRY\" | \
             xmlbatch build --format paybox-direct --site 1999888 --rank 32 --first-question 1 --key-file paybox.key"
        ));
    }
    for c in [cle.to_string(), cle.to_ascii_lowercase()] {
        scripts.push(format!(
            "printf 'type,amount,currency,reference,pan,expiry,cvv\\n00003,%s,978,R1,1111222233334444,%s,123\\n' '{c}' \"$EXPIRY\" | \
             xmlbatch build --format paybox-direct --site 1999888 --rank 32 --first-question 1 --cle-file cle.txt"
        ));
    }
    scripts.push(format!(
        "echo '{{\"merchantId\":\"201040040170001\",\"keyVersion\":\"{sips}\",\"seal\":\"00\"}}' | seal verify --key-file sips.key"
    ));
    scripts.push(format!(
        "pgpwrap sign --key shop.key --passphrase-file pass.txt '{}' ; pgpwrap sign --key shop.key --passphrase-file pass.txt '{}.csv'",
        &PASSPHRASE[..14],
        PASSPHRASE.to_ascii_lowercase()
    ));
    let mut leaks = Vec::new();
    let mut check = |what: &str, text: &str| {
        for (_, secret) in FRAGMENT_SECRETS {
            let found = fragments_in(secret, text);
            if !found.is_empty() {
                leaks.push(format!("{what}: {found:?} in:\n{text}"));
            }
        }
    };
    for script in &scripts {
        let out = sh.run(script);
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{script}: {:?}",
            out.status
        );
        check(script, &String::from_utf8_lossy(&out.stdout));
        check(script, &String::from_utf8_lossy(&out.stderr));
    }

    // The HTTP sandbox, with the shop's key, password and Sips key; its
    // responder refuses a request with 1 873 characters of stderr and
    // then the key (in lower case), or fails with the key.
    let responder = format!(
        "sh -c 'cat > /dev/null; case \"$DROPWATCH_GATEWAY\" in paybox-direct) printf \"%1873s{lower}\" x >&2; exit 1;; *) printf \"{key} {lower}\" >&2; exit 3;; esac'"
    );
    let sandbox = util::Sandbox::start(
        &sh,
        &[
            "--paybox-key-file",
            "paybox.key",
            "--paybox-cle-file",
            "cle.txt",
            "--sips-key-file",
            "sips.key",
            "--responder",
            &responder,
        ],
    );
    let url = &sandbox.url;
    std::fs::write(sh.path("url"), url).unwrap();
    let encode = |s: &str| forms(s)[3].clone();
    let mut bodies: Vec<String> = Vec::new();
    for k in &key_forms {
        bodies.push(format!(
            "VERSION=00103&TYPE=00003&SITE=1999888&RANG=32&HASH={k}&NUMQUESTION=1&HMAC=00"
        ));
    }
    // The password sent where the sandbox echoes a value.
    for field in ["SITE", "RANG", "NUMQUESTION", "HASH", "VERSION"] {
        let mut pairs = [
            ("VERSION", "00103".to_string()),
            ("TYPE", "00003".to_string()),
            ("SITE", "1999888".to_string()),
            ("RANG", "32".to_string()),
            ("CLE", "wrong-one".to_string()),
            ("NUMQUESTION", "1".to_string()),
        ];
        for (name, value) in pairs.iter_mut() {
            if *name == field {
                *value = encode(cle);
            }
        }
        bodies.push(
            pairs
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        );
    }
    // A good request: the responder refuses it, its stderr quoting the key.
    bodies.push(format!(
        "VERSION=00103&TYPE=00003&SITE=1999888&RANG=32&CLE={}&NUMQUESTION=1&MONTANT=1000&DEVISE=978&REFERENCE=R&PORTEUR=1111222233334444&DATEVAL={}&CVV=123",
        encode(cle),
        expiry()
    ));
    for (k, body) in bodies.iter().enumerate() {
        std::fs::write(sh.path(&format!("body{k}")), body).unwrap();
        let out = sh.run(&format!(
            "curl -sS --max-time 10 --data-binary @body{k} $(cat url)/PPPS.php"
        ));
        check(
            &format!("POST {body}"),
            &String::from_utf8_lossy(&out.stdout),
        );
    }
    // Sips: the key sent as keyVersion; a good request, whose responder
    // fails quoting the Paybox key.
    for (k, version) in [sips.to_string(), sips.to_ascii_lowercase(), "1".to_string()]
        .iter()
        .enumerate()
    {
        std::fs::write(
            sh.path(&format!("sips{k}.json")),
            format!("{{\"merchantId\":\"201040040170001\",\"transactionReference\":\"T1\",\"keyVersion\":\"{version}\",\"seal\":\"00\"}}"),
        )
        .unwrap();
        let out = sh.run(&format!(
            "seal compute --key-file sips.key sips{k}.json | curl -sS --max-time 10 -H 'Content-Type: application/json' --data-binary @- $(cat url)/rs-services/v2/checkout/cardOrder"
        ));
        check(
            &format!("Sips keyVersion {version}"),
            &String::from_utf8_lossy(&out.stdout),
        );
    }
    drop(sandbox);
    for file in ["http.log", "http.err"] {
        check(file, &std::fs::read_to_string(sh.path(file)).unwrap());
    }
    let log = std::fs::read_to_string(sh.path("http.log")).unwrap();
    assert!(
        log.contains("\"status\":400") && log.contains("\"status\":500"),
        "{log}"
    );
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n---\n")
    );
}

/// Attack H2: the in-process sandbox echoes request fields. A fragment
/// of the shop's key sent as a Sips transactionReference (any case) or a
/// Direct REFABONNE does not come back, and the Sips answer is sealed
/// over what is sent (scrubbed first, then sealed: `seal verify` accepts
/// it); the shop's name comes back as it went even where it shares
/// digits with a secret (a password of digits sent as SITE).
#[test]
fn sandbox_echoes_are_scrubbed_before_sealing_and_spare_the_shops_name() {
    let sh = Sh::new();
    let sips = "rxSP61eeP_oNi5TxCD7Ngy9YcwC8MLw6OlmFGGcsY54";
    std::fs::write(sh.path("sips.key"), sips).unwrap();
    // A Direct password of digits, the very digits of the shop's SITE.
    std::fs::write(sh.path("cle.txt"), "1999888").unwrap();
    sh.ok("chmod 600 sips.key cle.txt");
    let sandbox = util::Sandbox::start(
        &sh,
        &[
            "--sips-key-file",
            "sips.key",
            "--paybox-cle-file",
            "cle.txt",
        ],
    );
    let url = &sandbox.url;
    let mut leaks = Vec::new();
    for (k, reference) in [&sips[2..20], &sips.to_ascii_lowercase()[5..25]]
        .iter()
        .enumerate()
    {
        std::fs::write(
            sh.path(&format!("r{k}.json")),
            format!("{{\"amount\":\"100\",\"currencyCode\":\"978\",\"interfaceVersion\":\"IR_WS_2.20\",\"keyVersion\":\"1\",\"merchantId\":\"201040040170001\",\"transactionReference\":\"{reference}\",\"cardNumber\":\"1111222233334444\",\"cardExpiryDate\":\"209912\",\"seal\":\"00\"}}"),
        )
        .unwrap();
        // Refused (34, the seal wrong), the reference echoed. (seal
        // compute refuses to seal a request with the key in a field.)
        {
            let script = format!("cat r{k}.json");
            let out = sh.ok(&format!(
                "{script} | curl -sS --max-time 10 -H 'Content-Type: application/json' --data-binary @- {url}/rs-services/v2/checkout/cardOrder > a.json; cat a.json"
            ));
            let found = fragments_in(sips, &out);
            if !found.is_empty() {
                leaks.push(format!("{script}: {found:?} in {out}"));
            }
            let verified = sh.run("seal verify --key-file sips.key a.json");
            assert_eq!(
                verified.status.code(),
                Some(0),
                "the answer's seal is not over what was sent: {out}\n{}",
                String::from_utf8_lossy(&verified.stdout)
            );
        }
    }
    let out = sh.ok(&format!(
        "curl -sS --max-time 10 --data-binary 'VERSION=00104&TYPE=00001&SITE=1999888&RANG=32&CLE=1999888&NUMQUESTION=7&MONTANT=1000&DEVISE=978&REFERENCE=R&REFABONNE=X1999888Y&PORTEUR=1111222233334444&DATEVAL={}&CVV=123' {url}/PPPS.php | iconv -f latin1 -t utf-8",
        expiry()
    ));
    assert!(out.contains("SITE=1999888&RANG=32&"), "{out}");
    assert!(!out.contains("X1999888Y"), "{out}");
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

/// Attack M2: a secret pasted into a data field — the Sips key (or 12 of
/// its characters, any case) as a transactionReference for `seal
/// compute`, the HMAC key or the CLE in a CSV cell for `xmlbatch build
/// --format paybox-direct` — is refused with status 2 naming the field,
/// never sealed and written on, and never echoed.
#[test]
fn a_secret_pasted_into_a_data_field_is_refused_by_name() {
    let sh = Sh::new();
    let sips = "rxSP61eeP_oNi5TxCD7Ngy9YcwC8MLw6OlmFGGcsY54";
    std::fs::write(sh.path("sips.key"), sips).unwrap();
    std::fs::write(sh.path("paybox.key"), PAYBOX_KEY).unwrap();
    std::fs::write(sh.path("cle.txt"), "Cl3S3cr3t2026x").unwrap();
    sh.ok("chmod 600 sips.key paybox.key cle.txt");
    let lower = PAYBOX_KEY.to_ascii_lowercase();
    for reference in [sips.to_string(), sips[3..17].to_ascii_uppercase()] {
        std::fs::write(
            sh.path("r.json"),
            format!("{{\"amount\":\"100\",\"merchantId\":\"201040040170001\",\"keyVersion\":\"1\",\"transactionReference\":\"{reference}\"}}"),
        )
        .unwrap();
        let out = sh.run("seal compute --key-file sips.key -o sealed.json r.json");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("\"transactionReference\""), "{err}");
        assert!(fragments_in(sips, &err).is_empty(), "{err}");
        assert!(!sh.path("sealed.json").exists());
    }
    for (cell, auth) in [
        (&lower[10..30], "--key-file paybox.key"),
        ("x-cl3s3cr3t2026x", "--cle-file cle.txt"),
    ] {
        std::fs::write(
            sh.path("ops.csv"),
            format!("type,amount,currency,reference,pan,expiry,cvv\n00003,1000,978,{cell},1111222233334444,{},123\n", util::expiry()),
        )
        .unwrap();
        let out = sh.run(&format!(
            "xmlbatch build --format paybox-direct --site 1999888 --rank 32 --first-question 1 {auth} ops.csv"
        ));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{auth}: {err}");
        assert!(out.stdout.is_empty(), "{auth}");
        assert!(
            err.contains("ops.csv:2") && err.contains("\"reference\""),
            "{err}"
        );
        assert!(fragments_in(PAYBOX_KEY, &err).is_empty(), "{err}");
        assert!(!err.to_ascii_lowercase().contains("cl3s3cr3t"), "{err}");
    }
}

/// `text` with its numeric character references (`&#52;`, `&#x34;`)
/// written as the characters they stand for: what a person reads.
fn decode_references(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("&#") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let (radix, body) = match after.strip_prefix(['x', 'X']) {
            Some(b) => (16, b),
            None => (10, after),
        };
        let n = body
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(body.len());
        let c = body[n..]
            .starts_with(';')
            .then(|| u32::from_str_radix(&body[..n], radix).ok())
            .flatten()
            .and_then(char::from_u32);
        match c {
            Some(c) => {
                out.push(c);
                rest = &body[n + 1..];
            }
            None => {
                out.push_str("&#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Finding M1: a card number written as character references in a free
/// text field (a Sips returnContext, a browser's form post of text
/// outside its charset) reached `seal explain` whole: the mask read
/// `%3N` and other scripts' digits as digits, not `&#52;` or `&#x34;`.
#[test]
fn card_numbers_written_as_character_references_are_masked() {
    let sh = Sh::new();
    let dec: String = "4012001037141112"
        .chars()
        .map(|c| format!("&#{};", u32::from(c)))
        .collect();
    let hex: String = "1111222233334444"
        .chars()
        .map(|c| format!("&#x{:x};", u32::from(c)))
        .collect();
    std::fs::write(
        sh.path("m.json"),
        format!("{{\"amount\":\"1000\",\"merchantId\":\"201040040170001\",\"returnContext\":\"card {dec}\",\"customerContact\":{{\"note\":\"paid with {hex} on the phone\"}}}}\n"),
    )
    .unwrap();
    let mut leaks = Vec::new();
    for script in [
        "seal explain m.json",
        "seal explain --json m.json",
        "seal explain --scheme sips-json m.json",
    ] {
        let out = sh.run(script);
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{script}: {:?}",
            out.status
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let read = read_as_digits(&decode_references(&text));
        for pan in ["4012001037141112", "1111222233334444"] {
            if read.contains(&pan[..11]) {
                leaks.push(format!("{script} shows {pan}:\n{text}"));
            }
        }
        // The masked number is still there to be read, and the
        // merchant's identifier is left as it is.
        assert!(text.contains("******"), "{script}:\n{text}");
        assert!(text.contains("201040040170001"), "{script}:\n{text}");
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n---\n"));
}
