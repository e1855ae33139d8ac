//! `xmlbatch build` (Paybox): output shape, every validation rule with its
//! exact message, no output on failure, batch numbers.

use crate::util::*;

const HEADER: &str = "type,amount,currency,reference,pan,expiry,cvv,call_id,transaction_id,activity,date,question,subscriber,authorization,site,rank";
const BASE: [&str; 16] = [
    "authorize_capture",
    "1000",
    "EUR",
    "ORDER-1",
    "1111222233334444",
    "", // the expiry, three years from now: see row()
    "123",
    "",
    "",
    "024",
    "",
    "1",
    "",
    "",
    "1999888",
    "32",
];

fn col(name: &str) -> usize {
    HEADER.split(',').position(|c| c == name).unwrap()
}

/// A one-row CSV: the base row with some columns replaced.
fn row(overrides: &[(&str, &str)]) -> String {
    let mut r: Vec<String> = BASE.iter().map(|s| s.to_string()).collect();
    r[col("expiry")] = expiry();
    for (c, v) in overrides {
        r[col(c)] = v.to_string();
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER.split(',')).unwrap();
    w.write_record(&r).unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// The spec example's document, `{EXPIRY}` standing for [`expiry`].
const EXPECTED_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<PayboxBatch xmlns="http://www.paybox.com/PayboxBatch" BatchNumber="42" CreatedOn="2026-11-22T10:15:00+01:00">
  <Merchant Site="1999888" Rank="032">
    <Question Number="0000000001" Type="00003">
      <Amount>1000</Amount>
      <Currency>978</Currency>
      <Reference>ORDER-1</Reference>
      <Activity>024</Activity>
      <Date>22112026101500</Date>
      <Card>
        <CB>
          <PAN>1111222233334444</PAN>
          <Expiry>{EXPIRY}</Expiry>
          <CVV>123</CVV>
        </CB>
      </Card>
    </Question>
    <Question Number="0000000002" Type="00002">
      <Amount>1000</Amount>
      <Currency>978</Currency>
      <Reference>ORDER-0</Reference>
      <Date>22112026101500</Date>
      <CallId>0030378572</CallId>
      <TransactionId>0013989865</TransactionId>
    </Question>
  </Merchant>
</PayboxBatch>
"#;

#[test]
fn builds_the_spec_example_shape() {
    let d = Dir::new();
    let csv = format!(
        "TYPE;MONTANT;DEVISE;REFERENCE;PORTEUR;DATEVAL;CVV;NUMAPPEL;NUMTRANS;ACTIVITE\n\
         00003;1000;978;ORDER-1;1111222233334444;{e};123;;;024\n\
         00002;1000;978;ORDER-0;;;;30378572;0013989865;\n",
        e = expiry()
    );
    let r = d.run_stdin(&paybox_args(&["-d", ";"]), &csv).expect(0);
    assert_eq!(r.stdout, expected_xml());
    assert_eq!(r.stderr, "xmlbatch: 2 rows read: 2 written\n");
    let r = d
        .run_stdin(&paybox_args(&["-d", ";", "-q"]), &csv)
        .expect(0);
    assert_eq!(r.stderr, "", "-q silences the summary");
}

#[test]
fn readable_names_codes_and_alphabetic_currencies_give_the_same_document() {
    let d = Dir::new();
    let e = expiry();
    let (month, year) = e.split_at(2);
    let csv = format!(
        "{bom}type,amount,currency,reference,pan,expiry,cvv,call_id,transaction_id,activity\n\
         authorize_capture,1000,eur,ORDER-1,1111 2222 3333 4444,{month}/{year},123,,,internet\n\
         3,1000,EUR,ORDER-x,1111222233334444,{e},123,,,24\n",
        bom = '\u{feff}',
    );
    let r = d.run_stdin(&paybox_args(&[]), csv).expect(0);
    let first_question: String = expected_xml()
        .lines()
        .skip(3)
        .take(14)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(r.stdout.contains(&first_question), "{r}");
    assert!(
        r.stdout
            .contains(r#"<Question Number="0000000002" Type="00003">"#),
        "{r}"
    );
}

#[test]
fn decimal_amounts_use_the_currency_exponent() {
    let d = Dir::new();
    let csv = format!(
        "type,amount,currency,reference,pan,expiry\n\
         authorize,12.50,EUR,A,1111222233334444,{e}\n\
         authorize,\"12,5\",978,B,1111222233334444,{e}\n\
         authorize,1250,JPY,C,1111222233334444,{e}\n\
         authorize,1.234,KWD,D,1111222233334444,{e}\n",
        e = expiry()
    );
    let r = d
        .run_stdin(&paybox_args(&["--decimal-amounts"]), csv)
        .expect(0);
    let amounts: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<Amount>"))
        .map(|l| l.trim_end_matches("</Amount>"))
        .collect();
    assert_eq!(amounts, ["1250", "1250", "1250", "1234"]);
    assert!(r.stdout.contains("<Currency>392</Currency>"));
}

#[test]
fn first_question_numbers_in_order() {
    let d = Dir::new();
    let e = expiry();
    let csv = format!("type,amount,currency,reference,pan,expiry\nauthorize,1,978,A,1111222233334444,{e}\nauthorize,1,978,B,1111222233334444,{e}\n");
    let r = d
        .run_stdin(&paybox_args(&["--first-question", "2147483646"]), &csv)
        .expect(0);
    assert!(r.stdout.contains(r#"Number="2147483646""#));
    assert!(r.stdout.contains(r#"Number="2147483647""#));
    // One more would overflow.
    let csv3 = format!("{csv}authorize,1,978,C,1111222233334444,{e}\n");
    let r = d
        .run_stdin(&paybox_args(&["--first-question", "2147483646"]), csv3)
        .expect(1);
    r.stderr_has("<stdin>:4: column \"question\": the assigned question number 2147483648 is above 2147483647, the highest the gateway takes (lower --first-question");
}

/// Every rule, with its exact message.
#[test]
fn every_rule_has_its_message() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("type", "foo")],
            r#"column "type": "foo" is not an operation type (expected a code such as 00003 or a name such as authorize_capture)"#,
        ),
        (
            &[("type", "")],
            r#"column "type": missing (every operation needs a type)"#,
        ),
        (
            &[("amount", "12,50")],
            r#"column "amount": "12,50" is not an amount in cents (expected digits, e.g. 1250); use --decimal-amounts to read 12.50 as 1250"#,
        ),
        (
            &[("amount", "-5")],
            r#"column "amount": "-5" is not an amount in cents (expected digits, e.g. 1250)"#,
        ),
        (
            &[("amount", "12345678901")],
            r#"column "amount": "12345678901" is too long (at most 10 digits)"#,
        ),
        (
            &[("amount", "")],
            r#"column "amount": missing (a authorize_capture (00003) needs it)"#,
        ),
        (
            &[("currency", "EURO")],
            r#"column "currency": "EURO" is not a known ISO 4217 currency (expected e.g. 978 or EUR)"#,
        ),
        (
            &[("currency", "999")],
            r#"column "currency": "999" is not a known ISO 4217 currency (expected e.g. 978 or EUR)"#,
        ),
        (
            &[("reference", &"R".repeat(251))],
            r#"column "reference": "RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR…" is 251 characters long (at most 250)"#,
        ),
        (
            // The row's card number repeated: a cut inside the run shows
            // none of the digits the cut leaves whole.
            &[("reference", &"1111222233334444".repeat(30))],
            r#"column "reference": "****************************************…" is 480 characters long (at most 250)"#,
        ),
        (
            &[("reference", "a\u{7}b")],
            r#"column "reference": "a\u{7}b" contains a control character (not allowed)"#,
        ),
        (
            &[("pan", "12345")],
            r#"column "pan": "*****" is not a card number (expected 12 to 19 digits)"#,
        ),
        (
            &[("pan", "1111222233334445")],
            r#"column "pan": "111122******4445" fails the Luhn check (mistyped card number?)"#,
        ),
        (
            &[("pan", "1111-2222-3333-4444")],
            r#"column "pan": "1111-2*********4444" is not a card number (expected 12 to 19 digits)"#,
        ),
        (
            &[("expiry", "0120")],
            r#"column "expiry": the expiry date is in the past: the card has expired (value not shown: it may be a security code in the wrong column)"#,
        ),
        (
            &[("expiry", "1330")],
            r#"column "expiry": the value (4 digits, not shown: it may be a security code in the wrong column) is not an expiry date (expected MMYY, e.g. 0529)"#,
        ),
        (
            &[("cvv", "12")],
            r#"column "cvv": the value is not a card security code (expected 3 or 4 digits; value not shown)"#,
        ),
        (
            &[("activity", "025")],
            r#"column "activity": "025" is not an activity (expected 020, 021, 022, 024 or 027, or unspecified, phone, mail, internet, recurring)"#,
        ),
        (
            &[("date", "22112026251500")],
            r#"column "date": "22112026251500" is not a date and time (expected DDMMYYYYHHMMSS, e.g. 22112026101500)"#,
        ),
        (
            &[("question", "0")],
            r#"column "question": "0" is not a question number (expected 1 to 2147483647)"#,
        ),
        (
            &[("question", "2147483648")],
            r#"column "question": "2147483648" is not a question number (expected 1 to 2147483647)"#,
        ),
        (
            &[("authorization", "AB-12")],
            r#"column "authorization": "AB-12" is not an authorisation number (expected up to 10 letters or digits)"#,
        ),
        (
            &[("site", "1999889")],
            r#"column "site": "1999889" is not this file's shop (expected 1999888, as given by --site; one shop per file)"#,
        ),
        (
            &[("site", "199988")],
            r#"column "site": "199988" is not a site number (expected 7 digits, e.g. 1999888)"#,
        ),
        (
            &[("rank", "033")],
            r#"column "rank": "033" is not this file's rank (expected 032, as given by --rank; one shop per file)"#,
        ),
        (
            &[("type", "capture")],
            r#"column "call_id": missing (a capture (00002) needs it)"#,
        ),
        (
            &[("type", "refund"), ("call_id", "x1")],
            r#"column "call_id": "x1" is not a Paybox number (expected up to 10 digits)"#,
        ),
        (
            &[
                ("type", "refund"),
                ("call_id", "1"),
                ("transaction_id", "12345678901"),
            ],
            r#"column "transaction_id": "12345678901" is not a Paybox number (expected up to 10 digits)"#,
        ),
        (
            &[("type", "subscriber_delete"), ("subscriber", "")],
            r#"column "subscriber": missing (a subscriber_delete (00058) needs it)"#,
        ),
    ];
    let d = Dir::new();
    for (overrides, message) in cases {
        let r = d.run_stdin(&paybox_args(&[]), row(overrides)).expect(1);
        assert_eq!(r.stdout, "", "{r}");
        let expected = format!("<stdin>:2: {message}\n");
        assert!(
            r.stderr.starts_with(&expected),
            "expected {expected:?}\n{r}"
        );
        r.stderr_has("xmlbatch: 1 of 1 rows rejected in <stdin>; nothing written");
    }
}

#[test]
fn decimal_amount_rules() {
    let d = Dir::new();
    let r = d
        .run_stdin(
            &paybox_args(&["--decimal-amounts"]),
            row(&[("amount", "12.505")]),
        )
        .expect(1);
    r.stderr_has(
        r#"<stdin>:2: column "amount": "12.505" has more decimals than EUR allows (at most 2)"#,
    );
    let r = d
        .run_stdin(
            &paybox_args(&["--decimal-amounts"]),
            row(&[("amount", "12.5"), ("currency", "JPY")]),
        )
        .expect(1);
    r.stderr_has(
        r#"<stdin>:2: column "amount": "12.5" has more decimals than JPY allows (at most 0)"#,
    );
    let r = d
        .run_stdin(
            &paybox_args(&["--decimal-amounts"]),
            row(&[("amount", "12a")]),
        )
        .expect(1);
    r.stderr_has(r#"<stdin>:2: column "amount": "12a" is not an amount (expected e.g. 12.50 EUR)"#);
}

#[test]
fn every_bad_row_is_reported_and_nothing_is_written() {
    let d = Dir::new();
    let csv = format!(
        "type,amount,currency,reference,pan,expiry,question\n\
         authorize,100,978,A,1111222233334444,{e},1\n\
         authorize,1x,978,B,1111222233334444,{e},2\n\
         authorize,100,978,C,4111111111111112,{e},3\n\
         authorize,100,978,D,1111222233334444,{e},2\n\
         authorize,100,978\n\
         authorize,100,978,F,1111222233334444,{e},6\n",
        e = expiry()
    );
    let r = d.run_stdin(&paybox_args(&[]), csv).expect(1);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "<stdin>:3: column \"amount\": \"1x\" is not an amount in cents (expected digits, e.g. 1250)\n\
         <stdin>:4: column \"pan\": \"411111******1112\" fails the Luhn check (mistyped card number?)\n\
         <stdin>:5: column \"question\": question number 2 is already used on line 3 (numbers must be unique in a file)\n\
         <stdin>:6: the row has 3 fields, the header has 7 (check the delimiter and quoting)\n\
         xmlbatch: 4 of 6 rows rejected in <stdin>; nothing written\n"
    );
    // The full card number never appears.
    r.stderr_lacks("4111111111111112");
}

#[test]
fn a_bad_row_leaves_no_file_and_keeps_the_old_one() {
    let d = Dir::new();
    d.write("bad.csv", row(&[("amount", "x")]));
    d.write("good.csv", row(&[]));
    d.run(&paybox_args(&["-o", "out.xml", "bad.csv"])).expect(1);
    assert_eq!(d.entries(), ["bad.csv", "good.csv"]);
    d.run(&paybox_args(&["-o", "out.xml", "good.csv"]))
        .expect(0);
    let good = d.read("out.xml");
    d.run(&paybox_args(&["-o", "out.xml", "bad.csv"]))
        .expect(1)
        .stderr_has("bad.csv:2: column \"amount\"");
    assert_eq!(d.read("out.xml"), good);
    assert_eq!(d.entries(), ["bad.csv", "good.csv", "out.xml"]);
}

#[test]
fn a_latin1_file_is_named_once_with_its_fix() {
    let d = Dir::new();
    let mut csv = b"type,amount,currency,reference,pan,expiry\nauthorize,1,978,caf".to_vec();
    csv.extend_from_slice(&[0xE9]);
    csv.extend_from_slice(
        format!(",1111222233334444,{}\nauthorize,1,978,caf", expiry()).as_bytes(),
    );
    csv.extend_from_slice(&[0xE9]);
    csv.extend_from_slice(format!(",1111222233334444,{}\n", expiry()).as_bytes());
    let r = d.run_stdin(&paybox_args(&[]), &csv).expect(2);
    // One message, not one per row, and no "missing" for the same field.
    assert_eq!(
        r.stderr,
        "xmlbatch: <stdin>:2: column \"reference\": byte 0xE9 is not UTF-8: the file looks like ISO-8859-1 or Windows-1252 text (a spreadsheet export; é is 0xE9 there): convert it with iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8, or give --encoding windows-1252\n"
    );
    assert_eq!(r.stdout, "");
    // The same file, read as what it is.
    let r = d
        .run_stdin(&paybox_args(&["--encoding", "windows-1252"]), &csv)
        .expect(0);
    assert!(r.stdout.contains("<Reference>café</Reference>"), "{r}");
    d.run_stdin(&paybox_args(&["--encoding", "klingon"]), &csv)
        .expect(2)
        .stderr_has("--encoding \"klingon\"");
}

#[test]
fn a_utf16_file_is_named_with_its_fix() {
    let d = Dir::new();
    let text = format!(
        "type,amount,currency,reference,pan,expiry\nauthorize,1,978,R,1111222233334444,{}\n",
        expiry()
    );
    for (bytes, from) in [
        (
            text.encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>(),
            "UTF-16LE",
        ),
        (
            text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            "UTF-16BE",
        ),
        (
            std::iter::once(0xFEFF)
                .chain(text.encode_utf16())
                .flat_map(u16::to_le_bytes)
                .collect(),
            "UTF-16",
        ),
    ] {
        let r = d.run_stdin(&paybox_args(&[]), &bytes).expect(2);
        r.stderr_has("the file is UTF-16");
        r.stderr_has(&format!("iconv -f {from} -t UTF-8"));
        assert_eq!(r.stderr.lines().count(), 1, "{r}");
    }
}

#[test]
fn header_and_usage_problems_are_trouble() {
    let d = Dir::new();
    d.run_stdin(&paybox_args(&[]), "type,montant_ht\n1,2\n")
        .expect(2)
        .stderr_has("<stdin>:1: column 2 \"montant_ht\": not a Paybox column; did you mean MONTANT? (--column 'montant_ht=MONTANT')\nxmlbatch: <stdin>: an unknown column, nothing read. Paybox columns (any case): NUMQUESTION/question, TYPE/type,");
    d.run_stdin(&paybox_args(&[]), "amount,MONTANT,type\n1,2,3\n")
        .expect(2)
        .stderr_has("<stdin>:1: columns 1 \"amount\" and 2 \"MONTANT\" both give MONTANT (keep one)\nxmlbatch: <stdin>: a problem with its columns, nothing read.");
    d.run_stdin(&paybox_args(&[]), "amount\n1\n")
        .expect(2)
        .stderr_has("no TYPE (or type) column");
    d.run_stdin(&["build", "--rank", "32", "--batch", "1"], row(&[]))
        .expect(2)
        .stderr_has("--site is required");
    d.run_stdin(&["build", "--site", "1999888", "--rank", "32"], row(&[]))
        .expect(2)
        .stderr_has("one of --batch N or --batch-state FILE is required");
    d.run_stdin(
        &["build", "--site", "19998", "--rank", "32", "--batch", "1"],
        row(&[]),
    )
    .expect(2)
    .stderr_has("--site: \"19998\" is not a site number");
    // A rank is 2 or 3 digits (../shared/reference/paybox.md §2.2), the
    // same words in --help and here: 1 digit was taken, and written 001.
    for rank in ["1", "0032"] {
        d.run_stdin(
            &["build", "--site", "1999888", "--rank", rank, "--batch", "1"],
            row(&[]),
        )
        .expect(2)
        .stderr_has(&format!(
            "--rank: \"{rank}\" is not a rank (expected 2 or 3 digits, written with 3: e.g. 32 or 032)"
        ));
    }
    d.run_stdin(
        &[
            "build",
            "--site",
            "1999888",
            "--rank",
            "32",
            "--batch",
            "1",
            "--batch-state",
            "s",
        ],
        row(&[]),
    )
    .expect(2);
    d.run_stdin(&paybox_args(&["-d", ";;"]), row(&[]))
        .expect(2)
        .stderr_has("--delimiter \";;\"");
    d.run_stdin(&paybox_args(&[]), "")
        .expect(2)
        .stderr_has("empty input");
    d.run_stdin(&paybox_args(&[]), format!("{HEADER}\n"))
        .expect(1)
        .stderr_has("xmlbatch: <stdin>: no operations (expected at least one row after the header); nothing written");
    d.run_stdin(
        &[
            "build",
            "--site",
            "1999888",
            "--rank",
            "32",
            "--batch",
            "1",
            "--created-on",
            "yesterday",
        ],
        row(&[]),
    )
    .expect(2)
    .stderr_has("--created-on \"yesterday\"");
}

#[test]
fn batch_state_counts_and_a_failed_run_consumes_nothing() {
    let d = Dir::new();
    d.write("good.csv", row(&[]));
    d.write("bad.csv", row(&[("pan", "1")]));
    let args = |file: &'static str| {
        vec![
            "build",
            "--site",
            "1999888",
            "--rank",
            "32",
            "--batch-state",
            "batch.state",
            "--created-on",
            CREATED_ON,
            file,
        ]
    };
    let r = d.run(&args("good.csv")).expect(0);
    assert!(r.stdout.contains(r#"BatchNumber="1""#), "{r}");
    assert_eq!(d.read("batch.state"), "1\n");
    d.run(&args("bad.csv")).expect(1);
    assert_eq!(d.read("batch.state"), "1\n");
    let r = d.run(&args("good.csv")).expect(0);
    assert!(r.stdout.contains(r#"BatchNumber="2""#), "{r}");
    assert_eq!(d.read("batch.state"), "2\n");
    d.write("batch.state", "nonsense\n");
    d.run(&args("good.csv")).expect(2).stderr_has(
        "\"batch.state\": not a batch number counter: it holds 9 bytes that are not one number",
    );
}

/// A local fault consumes no number: with standard output on /dev/full
/// the run ends with status 2 and the counter is where it was (it had
/// moved on, 41 to 42, and the next run skipped a batch number). The
/// same for the Direct requests' question numbers, and then a run that
/// can write uses the numbers the failed one did not.
#[test]
fn a_full_disk_on_stdout_consumes_no_number() {
    let d = Dir::new();
    // No question column: the numbers come from the state.
    d.write(
        "good.csv",
        format!(
            "type,amount,currency,reference,pan,expiry,cvv\nauthorize_capture,1000,978,ORDER-1,1111222233334444,{},123\n",
            expiry()
        ),
    );
    d.write("batch.state", "41\n");
    d.write("numq", "5\n");
    d.write("cle", "1122334455667788");
    let batch = [
        "build",
        "--site",
        "1999888",
        "--rank",
        "32",
        "--batch-state",
        "batch.state",
        "--created-on",
        CREATED_ON,
        "good.csv",
    ];
    let direct = [
        "build",
        "--format",
        "paybox-direct",
        "--site",
        "1999888",
        "--rank",
        "32",
        "--question-state",
        "numq",
        "--cle-file",
        "cle",
        "--created-on",
        CREATED_ON,
        "good.csv",
    ];
    for (args, state, last) in [
        (&batch[..], "batch.state", "41\n"),
        (&direct[..], "numq", "5\n"),
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = d
            .command(args)
            .stdout(full)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("No space left on device"), "{stderr}");
        assert_eq!(d.read(state), last, "{stderr}");
    }
    let r = d.run(&batch).expect(0);
    assert!(r.stdout.contains(r#"BatchNumber="42""#), "{r}");
    assert_eq!(d.read("batch.state"), "42\n");
    let r = d.run(&direct).expect(0);
    assert!(r.stdout.contains("NUMQUESTION=0000000006"), "{r}");
    assert_eq!(d.read("numq"), "6\n");
}

/// `-o` naming the CLE file replaced the Direct password with the
/// requests (which carry it), status 0. Refused: status 2, the file as
/// it was.
#[test]
fn output_over_the_cle_file_is_refused() {
    let d = Dir::new();
    d.write("good.csv", row(&[]));
    d.write("cle", "1999888I\n");
    d.run(&[
        "build",
        "--format",
        "paybox-direct",
        "--site",
        "1999888",
        "--rank",
        "32",
        "--cle-file",
        "cle",
        "-o",
        "cle",
        "good.csv",
    ])
    .expect(2)
    .stderr_has("-o \"cle\" names the file a secret was read from");
    assert_eq!(d.read("cle"), "1999888I\n");
    assert_eq!(d.entries().len(), 2, "{:?}", d.entries());
}

#[test]
fn concurrent_runs_never_share_a_batch_number() {
    let d = Dir::new();
    d.write("good.csv", row(&[]));
    let children: Vec<_> = (0..6)
        .map(|_| {
            d.command(&[
                "build",
                "--site",
                "1999888",
                "--rank",
                "32",
                "--batch-state",
                "s",
                "--created-on",
                CREATED_ON,
                "good.csv",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut numbers: Vec<u64> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success());
            let text = String::from_utf8(out.stdout).unwrap();
            let at = text.find("BatchNumber=\"").unwrap() + 13;
            text[at..].split('"').next().unwrap().parse().unwrap()
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
    assert_eq!(d.read("s"), "6\n");
}

#[test]
fn the_sample_builds() {
    let d = Dir::new();
    let sample = sample(&d, "paybox.csv");
    d.run(&paybox_args(&[sample.to_str().unwrap()])).expect(0);
}

#[test]
fn help_has_examples_and_exit_statuses() {
    let d = Dir::new();
    for sub in ["build", "respond", "status", "check"] {
        let r = d.run(&[sub, "--help"]).expect(0);
        assert!(r.stdout.contains("$ xmlbatch"), "{r}");
        assert!(r.stdout.contains("Exit status"), "{r}");
    }
    d.run(&["--version"]).expect(0);
    d.run(&["frobnicate"]).expect(2);
}

/// [`EXPECTED_XML`] with this run's expiry.
fn expected_xml() -> String {
    EXPECTED_XML.replace("{EXPIRY}", &expiry())
}

#[test]
fn build_help_puts_each_option_under_its_own_heading() {
    let d = Dir::new();
    let r = d.run(&["build", "--help"]).expect(0);
    let key = r
        .stdout
        .split("Paybox Direct: the HMAC key (hex):")
        .nth(1)
        .and_then(|rest| rest.split("\nLyra:").next())
        .unwrap_or_else(|| panic!("no key heading: {r}"));
    assert!(
        key.contains("--key-file") && key.contains("--key-env"),
        "{key}"
    );
    for other in [
        "--decimal-amounts",
        "--encoding",
        "--delimiter",
        "--quiet",
        "--output",
        "[FILE]",
    ] {
        assert!(
            !key.contains(other),
            "{other} under the key's heading:\n{key}"
        );
    }
    assert!(r.stdout.contains("Input and output:"), "{r}");
    assert!(r.stdout.contains("2 or 3 digits, written with 3"), "{r}");
}
