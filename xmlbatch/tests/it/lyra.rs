//! Lyra: build a REQ, respond with an ANS, status, check.

use crate::util::*;

const REQ_EXAMPLE: &str = "00;PAY;06;12345678;TEST;20181130;102008;\n\
02;1;20181130;102008;000001;CD;93599;978;;;TOKEN-1;;;;;\n\
02;2;20181130;102008;000002;CD;7590;978;;;TOKEN-2;;;;;\n\
01;2\n";

#[test]
fn builds_the_spec_example() {
    let d = Dir::new();
    let csv =
        "transaction_id,amount,currency,token\n1,93599,978,TOKEN-1\n000002,75.90,EUR,TOKEN-2\n";
    let r = d
        .run_stdin(
            &[
                "build",
                "--format",
                "lyra",
                "--shop",
                "12345678",
                "--mode",
                "test",
                "--date",
                "20181130",
                "--time",
                "102008",
                "--decimal-amounts",
            ],
            csv.replace("93599", "935.99"),
        )
        .expect(0);
    assert_eq!(r.stdout, REQ_EXAMPLE);
}

/// Found by an attacker: a `--created-on` whose UTC time is past the
/// year 9999 (23:59:59 on 31 December 9999, 23:59 behind UTC) made
/// build panic turning it to UTC ("internal error … this is a bug",
/// status 2). It is a usage error like any time that cannot be used.
#[test]
fn a_creation_time_past_what_utc_can_hold_is_a_usage_error() {
    let d = Dir::new();
    for at in ["9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+23:59"] {
        let r = d
            .run_stdin(
                &[
                    "build",
                    "--format",
                    "lyra",
                    "--shop",
                    "12345678",
                    "--mode",
                    "test",
                    "--created-on",
                    at,
                ],
                "transaction_id,amount,currency,token\n1,93599,978,TOKEN-1\n",
            )
            .expect(2);
        r.stderr_lacks("internal error");
        r.stderr_has(&format!("--created-on \"{at}\": its UTC time"));
        assert_eq!(r.stdout, "");
    }
}

/// Found by an attacker: a request giving two payment lines the same
/// sequence number was indexed as one: the second replaced the first,
/// whose answer was shown with the other's order reference, and the
/// second was never said unanswered. The first is kept, the second said
/// (status 1).
#[test]
fn status_says_a_sequence_number_used_twice_in_the_request() {
    let d = Dir::new();
    let req = "00;PAY;06;12345678;TEST;20261123;101500;\n\
               02;1;20261123;101500;000001;CD;1000;978;;;TOKEN-1;;ORDER-1;;;\n\
               02;1;20261123;101500;000002;CD;1000;978;;;TOKEN-2;;ORDER-2;;;\n\
               01;2\n";
    d.write("req", req);
    let one = req.replace(
        "02;1;20261123;101500;000002;CD;1000;978;;;TOKEN-2;;ORDER-2;;;\n",
        "",
    );
    let ans = d
        .run_stdin(&["respond"], one.replace("01;2", "01;1"))
        .expect(0);
    d.write("ans", &ans.stdout);
    let st = d.run(&["status", "--question", "req", "ans"]).expect(1);
    st.stderr_has("req:3: request line \"1\": the sequence number is already used on line 2")
        .stderr_has("1 mismatches with the question");
    assert_eq!(st.column("reference"), ["ORDER-1"]);
}

/// Found by an attacker: an ANS line given twice was said "unexpected:
/// no such sequence number", of a number the request has. It is said as
/// a second answer, with both lines.
#[test]
fn status_says_a_second_answer_to_one_request_line() {
    let d = Dir::new();
    let req = "00;PAY;06;12345678;TEST;20261123;101500;\n\
               02;1;20261123;101500;000001;CD;1000;978;;;TOKEN-1;;ORDER-1;;;\n\
               01;1\n";
    d.write("req", req);
    let ans = d.run_stdin(&["respond"], req).expect(0);
    let lines: Vec<&str> = ans.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", ans.stdout);
    d.write(
        "ans",
        format!("{}\n{}\n{}\n01;2\n", lines[0], lines[1], lines[1]),
    );
    let st = d.run(&["status", "--question", "req", "ans"]).expect(1);
    st.stderr_has(
        "ans:3: answer line \"1\" is a second answer to line 2 of the request \"req\": the first is on line 2",
    )
    .stderr_lacks("no such sequence number")
    .stderr_has("1 mismatches with the question");
}

#[test]
fn round_trip_csv_build_respond_status_csv() {
    let d = Dir::new();
    let sample = sample(&d, "lyra.csv");
    d.run(&lyra_args(&[
        "-o",
        "20261123.12345678.PAY.REQ.T.01",
        sample.to_str().unwrap(),
    ]))
    .expect(0);
    d.run(&["check", "20261123.12345678.PAY.REQ.T.01"])
        .expect(0);
    // The sandbox gateway pipes the REQ on stdin.
    let req = d.read("20261123.12345678.PAY.REQ.T.01");
    let ans = d.run_stdin(&["respond"], &req).expect(0);
    d.write("20261123.12345678.PAY.ANS.T.01", &ans.stdout);
    let header = ans.stdout.lines().next().unwrap();
    assert_eq!(
        header,
        "00;PAY;06;0;;12345678;TEST;20261123;101500;20261123;111500"
    );
    for line in ans.stdout.lines().filter(|l| l.starts_with("02;")) {
        assert_eq!(line.split(';').count(), 25, "{line}");
    }
    assert_eq!(ans.stdout.lines().last().unwrap(), "01;4");
    let st = d
        .run(&[
            "status",
            "--question",
            "20261123.12345678.PAY.REQ.T.01",
            "20261123.12345678.PAY.ANS.T.01",
        ])
        .expect(1);
    assert_eq!(st.column("return_code"), ["00", "00", "51", "91"]);
    assert_eq!(
        st.column("outcome"),
        ["accepted", "accepted", "refused", "retry"]
    );
    assert_eq!(
        st.column("transaction_id"),
        ["000001", "000002", "000003", "000004"]
    );
    assert_eq!(
        st.column("reference"),
        ["ORDER-1", "ORDER-2", "ORDER-3", "ORDER-4"]
    );
    assert_eq!(
        st.column("meaning")[2],
        "insufficient funds or credit limit exceeded"
    );
    st.stderr_has("xmlbatch: 4 answers read: 2 accepted, 1 refused, 1 to retry, 0 unknown, 0 mismatches with the question");
}

#[test]
fn bad_lines_get_30_and_the_position_and_reused_ids_96() {
    let d = Dir::new();
    let req = "00;PAY;06;12345678;TEST;20261123;101500;\r\n\
02;1;20261123;101500;000001;CD;100;978;;;TOK;;;;;\r\n\
02;2;20261123;101500;000001;CD;100;978;;;TOK;;;;;\r\n\
02;3;20261123;101500;000003;CD;1.5;978;;;TOK;;;;;\r\n\
02;4;20261123;101500;000004;CD;100;999;;;TOK;;;;;\r\n\
02;5;20261123;101500;000005;XX;100;978;;;TOK;;;;;\r\n\
02;6;20261123;101500;000006;CD;100;978;;;;;;;;\r\n\
01;6\r\n";
    let ans = d.run_stdin(&["respond"], req).expect(0);
    let st = d
        .run_stdin(&["status", "--format-in", "lyra"], &ans.stdout)
        .expect(1);
    assert_eq!(
        st.column("return_code"),
        ["00", "96", "30", "30", "30", "30"]
    );
    assert_eq!(
        st.column("additional_code"),
        ["00", "transaction.exist", "7", "8", "6", "11"]
    );
    assert_eq!(
        st.column("additional_meaning")[1],
        "the transaction id already exists"
    );
    assert_eq!(
        st.column("additional_meaning")[2],
        "bad field at position 7: amount"
    );
}

#[test]
fn header_errors_reject_the_whole_file() {
    let d = Dir::new();
    let cases = [
        (
            "01;PAY;06;12345678;TEST;20261123;101500;",
            "1;Expected header type (record code 00)",
        ),
        (
            "00;PAY;06;12345678;TEST;20261123;101500",
            "1;Invalid number of columns (the header has 7, expected 8)",
        ),
        (
            "00;PAY;07;12345678;TEST;20261123;101500;",
            "1;Incorrect header version (\"07\", expected 06)",
        ),
        (
            "00;PAY;06;1234567;TEST;20261123;101500;",
            "2;Incorrect shop identification (\"1234567\", expected 8 digits)",
        ),
        (
            "00;PAY;06;12345678;TESTING;20261123;101500;",
            "2;Incorrect environment (\"TESTING\", expected TEST or PRODUCTION)",
        ),
        (
            "00;PAY;06;12345678;TEST;20261131;101500;",
            "2;Incorrect creation date or time (expected YYYYMMDD and HHMMSS)",
        ),
        (
            "00;PAY;06;12345678;TEST;20261123;101500;20261124",
            "2;Execution date not empty",
        ),
    ];
    for (header, expected) in cases {
        let req = format!("{header}\n02;1;20261123;101500;000001;CD;100;978;;;TOK;;;;;\n01;1\n");
        let ans = d.run_stdin(&["respond"], &req).expect(0);
        let first = ans.stdout.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("00;PAY;06;{expected};")),
            "{header} -> {first}"
        );
        assert_eq!(
            ans.stdout.lines().count(),
            2,
            "header and trailer only\n{ans}"
        );
        assert_eq!(ans.stdout.lines().last(), Some("01;0"));
        let st = d.run_stdin(&["status"], &ans.stdout).expect(1);
        st.stderr_has("the gateway rejected the whole file");
        st.stderr_has("resend it under a new name");
    }
    // The trailer must agree.
    let ans = d.run_stdin(&["respond"], "00;PAY;06;12345678;TEST;20261123;101500;\n02;1;20261123;101500;000001;CD;100;978;;;TOK;;;;;\n01;2\n").expect(0);
    assert!(
        ans.stdout
            .starts_with("00;PAY;06;1;Trailer count \"2\" does not match the 1 detail lines;"),
        "{ans}"
    );
    // The header must agree with the file name.
    d.write(
        "20261123.12345679.PAY.REQ.T.01",
        REQ_EXAMPLE.replace("20181130", "20261123"),
    );
    let ans = d
        .run(&["respond", "20261123.12345679.PAY.REQ.T.01"])
        .expect(0);
    assert!(
        ans.stdout
            .starts_with("00;PAY;06;2;Header does not match filename;"),
        "{ans}"
    );
}

#[test]
fn build_lyra_rules() {
    let d = Dir::new();
    let csv = "transaction_id,amount,currency,token,reference\n\
1,100,978,TOK,A\n\
1,100,978,TOK,B\n\
1234567,100,978,TOK,C\n\
4,12.50,978,TOK,D\n\
5,100,EURO,TOK,E\n\
6,100,978,,F\n\
7,100,978,TOK,G;H\n";
    let r = d.run_stdin(&lyra_args(&[]), csv).expect(1);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "<stdin>:3: column \"transaction_id\": transaction id 000001 is already used on line 2 for 20261123 (ids must be unique per shop per day)\n\
<stdin>:4: column \"transaction_id\": \"1234567\" is not a transaction id (expected 6 digits, e.g. 000001)\n\
<stdin>:5: column \"amount\": \"12.50\" is not an amount in cents (expected up to 13 digits, e.g. 1250); use --decimal-amounts to read 12.50 as 1250\n\
<stdin>:6: column \"currency\": \"EURO\" is not a known ISO 4217 currency (expected e.g. 978 or EUR)\n\
<stdin>:7: column \"token\": missing (every Lyra payment needs it)\n\
<stdin>:8: column \"reference\": \"G;H\" contains ;, CR or LF (not allowed in a Lyra file)\n\
xmlbatch: 6 of 7 rows rejected in <stdin>; nothing written\n"
    );
    d.run_stdin(&["build", "--format", "lyra", "--mode", "test"], csv)
        .expect(2)
        .stderr_has("--shop is required");
    d.run_stdin(&lyra_args(&["--site", "1999888"]), csv)
        .expect(2)
        .stderr_has("--site is for --format paybox");
    d.run_stdin(&lyra_args(&["-o", "20261123.12345678.PAY.REQ.P.01"]), csv)
        .expect(2)
        .stderr_has("does not match the name");
}

#[test]
fn more_than_2000_lines_warns() {
    let d = Dir::new();
    let mut csv = String::from("transaction_id,amount,currency,token\n");
    for i in 1..=2001 {
        csv.push_str(&format!("{i},100,978,TOK\n"));
    }
    let r = d.run_stdin(&lyra_args(&[]), csv).expect(0);
    r.stderr_has("xmlbatch: warning: 2001 payment lines; the gateway recommends at most 2,000 per file (split the CSV)");
    assert_eq!(r.stdout.lines().last(), Some("01;2001"));
}

#[test]
fn check_req_reports_every_problem() {
    let d = Dir::new();
    d.write(
        "20261123.12345678.PAY.REQ.P.01",
        "00;PAY;06;12345678;TEST;20261124;101500;\n\
02;1;20261123;101500;000001;CD;100;978;;;TOK;;;;;\n\
02;3;20261123;250000;000002;CD;100;978;;2;TOK;;;;;\n\
02;3;20261123;101500;000001;CD;100;978;;;TOK;;;;;\n\
01;2\n",
    );
    let r = d
        .run(&["check", "20261123.12345678.PAY.REQ.P.01"])
        .expect(1);
    let name = "20261123.12345678.PAY.REQ.P.01";
    assert_eq!(
        r.stderr,
        format!(
            "{name}:1: header: Header does not match filename\n\
{name}:1: header: the creation date \"20261124\" is not the name's date 20261123\n\
{name}:5: trailer \"01;2\" does not match the 3 detail lines (expected 01;3)\n\
{name}:3: position 4 (transaction time): \"250000\" is not a time (expected HHMMSS)\n\
{name}:3: position 10 (validation mode): \"2\" is not a validation mode (expected 0, 1 or empty)\n\
{name}:4: position 5 (transaction id): 000001 is already used on line 2 for 20261123 (ids must be unique per shop per day)\n\
xmlbatch: \"{name}\": 6 problems\n"
        )
    );
}

#[test]
fn status_reads_ans_with_extra_columns_and_reports_short_lines() {
    let d = Dir::new();
    let mut line: Vec<String> = (1..=30).map(|_| String::new()).collect();
    for (i, v) in [
        "02", "1", "20261123", "101500", "000001", "CD", "100", "978",
    ]
    .iter()
    .enumerate()
    {
        line[i] = v.to_string();
    }
    line[18] = "05".into();
    line[24] = "02".into();
    let ans = format!(
        "00;PAY;06;0;;12345678;TEST;20261123;101500;20261123;111500\n{}\n01;1\n",
        line.join(";")
    );
    let st = d.run_stdin(&["status"], &ans).expect(1);
    assert_eq!(st.column("return_code"), ["05"]);
    assert_eq!(st.column("meaning"), ["do not honour"]);
    assert_eq!(st.column("additional_meaning"), ["card velocity exceeded"]);
    let short = "00;PAY;06;0;;12345678;TEST;20261123;101500;20261123;111500\n02;1;20261123\n01;1\n";
    d.run_stdin(&["status"], short)
        .expect(2)
        .stderr_has("<stdin>:2: the answer line has 3 columns (expected at least 19");
    let truncated = "00;PAY;06;0;;12345678;TEST;20261123;101500;20261123;111500\n";
    d.run_stdin(&["status"], truncated)
        .expect(1)
        .stderr_has("no trailer line");
    d.run_stdin(&["status"], REQ_EXAMPLE)
        .expect(2)
        .stderr_has("this is a Lyra REQ");
}

#[test]
fn status_matches_ans_lines_to_the_request() {
    let d = Dir::new();
    d.write("r", REQ_EXAMPLE);
    let ans = d.run(&["respond", "r"]).expect(0);
    d.write("a", &ans.stdout);
    d.run(&["status", "--question", "r", "a"]).expect(0);
    // Shop changed, line 1's amount changed, line 2 renumbered 3.
    let bad: String = ans
        .stdout
        .lines()
        .map(|l| {
            let l = l.replace(";0;;12345678;", ";0;;12345679;");
            let l = if l.starts_with("02;1;") {
                l.replacen(";93599;", ";93590;", 1)
            } else {
                l
            };
            let l = if l.starts_with("02;2;") {
                l.replacen("02;2;", "02;3;", 1)
            } else {
                l
            };
            format!("{l}\n")
        })
        .collect();
    d.write("bad", bad);
    let r = d.run(&["status", "--question", "r", "bad"]).expect(1);
    r.stderr_has("bad:1: shop is \"12345679\", the request \"r\" says \"12345678\"");
    r.stderr_has("bad:2: answer line 1: amount is \"93590\", the request (line 2) says \"93599\"");
    r.stderr_has("bad:3: answer line \"3\" is unexpected: no such sequence number in \"r\"");
    r.stderr_has("r:3: request line 2 has no answer in \"bad\"");
}

/// A --question that is not a REQ is the wrong file, trouble: a Paybox
/// Question, Direct requests or the ANS itself was read as a REQ whose
/// first line is its header, and every answer line was said a mismatch
/// with it ("shop is \"12345678\", the request \"q.xml\" says \"\""),
/// status 1, as if the gateway's answer disagreed with the request.
#[test]
fn status_refuses_a_question_that_is_not_a_request() {
    let d = Dir::new();
    d.write("r", REQ_EXAMPLE);
    let ans = d.run(&["respond", "r"]).expect(0);
    d.write("a", &ans.stdout);
    let csv = format!(
        "type,amount,currency,reference,pan,expiry,cvv\nauthorize_capture,1000,978,ORDER-1,1111222233334444,{},123\n",
        expiry()
    );
    d.write("ops.csv", csv);
    let q = d.run(&paybox_args(&["ops.csv"])).expect(0);
    d.write("q.xml", &q.stdout);
    d.write(
        "direct.txt",
        "VERSION=00103&TYPE=00003&SITE=1999888&RANG=032&NUMQUESTION=0000000001&MONTANT=0000001000\n",
    );
    for (question, what) in [
        ("q.xml", "it is XML"),
        ("direct.txt", "it holds Paybox Direct requests"),
        ("a", "it is a Lyra PAY answer (ANS)"),
    ] {
        d.run(&["status", "--question", question, "a"])
            .expect(2)
            .stderr_has(&format!("\"{question}\": not a Lyra PAY request ({what}"))
            .stderr_lacks("mismatch");
    }
    d.run(&["status", "--question", "r", "a"]).expect(0);
}

/// A REQ read as an answer with --format lyra is the wrong file: its
/// header's shop stood where an answer has its result, and it was said
/// "the gateway rejected the whole file (result \"12345678\", unknown
/// result): resend it under a new name", status 1. A result the table
/// does not know, one digit, is still a rejection.
#[test]
fn status_with_format_lyra_refuses_a_request() {
    let d = Dir::new();
    d.run_stdin(&["status", "--format", "lyra"], REQ_EXAMPLE)
        .expect(2)
        .stderr_has("<stdin>:1: not a PAY answer: column 4 holds \"12345678\", where an answer has its result (0, 1 or 2); a REQ has its shop there")
        .stderr_lacks("rejected");
    let ans = "00;PAY;06;3;;12345678;TEST;20181130;102008;20181130;112008\n01;0\n";
    d.run_stdin(&["status", "--format", "lyra"], ans)
        .expect(1)
        .stderr_has("the gateway rejected the whole file (result \"3\", unknown result");
}

#[test]
fn the_name_can_be_given_for_stdin() {
    let d = Dir::new();
    let ans = d
        .run_stdin(
            &["respond", "--name", "20181130.12345679.PAY.REQ.T.01"],
            REQ_EXAMPLE,
        )
        .expect(0);
    assert!(
        ans.stdout
            .starts_with("00;PAY;06;2;Header does not match filename;"),
        "{ans}"
    );
    let ans = d
        .run_stdin(
            &["respond", "--name", "20181130.12345678.PAY.REQ.T.01"],
            REQ_EXAMPLE,
        )
        .expect(0);
    assert!(ans.stdout.starts_with("00;PAY;06;0;;"), "{ans}");
    d.run_stdin(
        &["check", "--name", "20181130.12345678.PAY.REQ.P.01"],
        REQ_EXAMPLE,
    )
    .expect(1)
    .stderr_has("<stdin>:1: header: Header does not match filename");
    d.run_stdin(
        &["check", "--name", "20181130.12345678.PAY.REQ.T.01"],
        REQ_EXAMPLE,
    )
    .expect(0);
}

/// Lyra's own sample answer ("analyzing the return file"): column 19 is
/// empty, column 25 holds a date.
const LYRA_SAMPLE_ANS: &str = "00;PAY;02;0;;12345678;TEST;20161130;102008;20140922;141349\n\
02;1;20161130;102008;000001;CD;3299;978;20140922;0;;FR7630001007941234567890185;;;;;00;0;;FULL;20140922;141350;00;FR7630001007941234567890185_CRLYFRPP;20170922\n\
01;1\n";

#[test]
fn an_answer_line_without_a_return_code_is_unknown_never_refused() {
    let d = Dir::new();
    let st = d.run_stdin(&["status"], LYRA_SAMPLE_ANS).expect(1);
    assert_eq!(st.column("return_code"), [""]);
    assert_eq!(st.column("outcome"), ["unknown"]);
    // Column 25 is a date here, not a risk-check result.
    assert_eq!(st.column("additional_code"), ["20170922"]);
    assert_eq!(st.column("additional_meaning"), [""]);
    st.stderr_has("do not resend it");
    st.stderr_has("1 answer read: 0 accepted, 0 refused, 0 to retry, 1 unknown");
    // A code in no published table is unknown too.
    let ans = LYRA_SAMPLE_ANS.replace(";00;0;;FULL", ";00;0;X7;FULL");
    let st = d.run_stdin(&["status"], &ans).expect(1);
    assert_eq!(st.column("outcome"), ["unknown"]);
}

/// Lyra's worked example of a request file is V2 (the PayZen copy, with
/// its tokens).
const V2_EXAMPLE: &str = "00;PAY;02;12345678;TEST;20181130;102008;\n\
02;1;20181130;102008;000001;CD;93599;978;;;TEST-TOKEN-1;;;;;\n\
02;2;20181130;102008;000002;CD;7590;978;;;TEST-TOKEN-2;;;;;\n\
01;2\n";

#[test]
fn a_v2_file_is_deprecated_not_rejected_and_its_answer_echoes_02() {
    let d = Dir::new();
    d.write("20181130.12345678.PAY.REQ.T.01", V2_EXAMPLE);
    let r = d
        .run(&["check", "20181130.12345678.PAY.REQ.T.01"])
        .expect(0);
    r.stderr_has("header version 02 (V2) is deprecated");
    r.stderr_has("write 06 in header column 3");
    let ans = d
        .run(&["respond", "20181130.12345678.PAY.REQ.T.01"])
        .expect(0);
    assert!(
        ans.stdout
            .starts_with("00;PAY;02;0;;12345678;TEST;20181130;102008;"),
        "{ans}"
    );
    let st = d.run_stdin(&["status"], &ans.stdout).expect(0);
    assert_eq!(st.column("outcome"), ["accepted", "accepted"]);
    // 03: the pages disagree, and check says so.
    d.write(
        "20181130.12345678.PAY.REQ.T.02",
        V2_EXAMPLE.replace("00;PAY;02;", "00;PAY;03;"),
    );
    d.run(&["check", "20181130.12345678.PAY.REQ.T.02"])
        .expect(0)
        .stderr_has("the Lyra pages disagree here");
    // The current version says nothing.
    d.write(
        "20181130.12345678.PAY.REQ.T.03",
        V2_EXAMPLE.replace("00;PAY;02;", "00;PAY;06;"),
    );
    d.run(&["check", "20181130.12345678.PAY.REQ.T.03"])
        .expect(0)
        .stderr_lacks("deprecated");
}

#[test]
fn a_missing_trailer_is_reported_where_it_was_expected() {
    let d = Dir::new();
    let req = V2_EXAMPLE
        .replace("00;PAY;02;", "00;PAY;06;")
        .replace("01;2\n", "");
    d.write("20181130.12345678.PAY.REQ.T.01", &req);
    d.run(&["check", "20181130.12345678.PAY.REQ.T.01"])
        .expect(1)
        .stderr_has("20181130.12345678.PAY.REQ.T.01:4: no trailer (expected 01;2 here");
}

#[test]
fn status_keeps_only_what_matching_needs_of_the_request() {
    // 5000 payment lines of 62 KB (order info): 310 MB of request,
    // streamed, matched under a 300 MB address space. Every line was kept
    // whole for matching (the run aborted); now only the columns an
    // answer is matched on are.
    let d = Dir::new();
    let n = 5000;
    let mut ans = String::from("00;PAY;06;0;;12345678;TEST;20261123;102008;20261124;003000\n");
    for i in 1..=n {
        // Line 7's amount differs from the request's.
        let amount = if i == 7 { 200 } else { 100 };
        ans.push_str(&format!(
            "02;{i};20261123;102008;{i:06};CD;{amount};978;;;TOK;;;;;;;;00;;;;;;0\n"
        ));
    }
    ans.push_str(&format!("01;{n}\n"));
    d.write("ans", ans);
    let feed = format!(
        "python3 -c \"
import sys
pad = 'I' * 62000
sys.stdout.write('00;PAY;06;12345678;TEST;20261123;102008;\\n')
for i in range(1, {n} + 1):
    sys.stdout.write('02;%d;20261123;102008;%06d;CD;100;978;;;TOK;;REF%d;%s;;\\n' % (i, i, i, pad))
sys.stdout.write('01;{n}\\n')
\""
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{feed} | (ulimit -v 300000; exec {} status --question /dev/stdin ans)",
            env!("CARGO_BIN_EXE_xmlbatch")
        ))
        .current_dir(d.tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .contains("ans:8: answer line 7: amount is \"200\", the request (line 8) says \"100\""),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{n} answers read: {n} accepted, 0 refused, 0 to retry, 0 unknown, 1 mismatches with the question")),
        "{stderr}"
    );
    // The order reference is still echoed.
    assert!(
        stdout.lines().last().unwrap().ends_with(",REF5000"),
        "{stdout}"
    );
}

#[test]
fn status_refuses_a_request_whose_matched_columns_pass_their_bound() {
    // 2300 order references of 60 KB: 138 MB kept for matching, past the
    // 128 MiB a real request needs (about 50 bytes a line, 999,999 lines
    // at most): refused where it passes, status 2.
    let d = Dir::new();
    d.write(
        "ans",
        "00;PAY;06;0;;12345678;TEST;20261123;102008;20261124;003000\n01;0\n",
    );
    let feed = "python3 -c \"
import sys
pad = 'R' * 60000
sys.stdout.write('00;PAY;06;12345678;TEST;20261123;102008;\\n')
for i in range(1, 2301):
    sys.stdout.write('02;%d;20261123;102008;%06d;CD;100;978;;;TOK;;%s;;;\\n' % (i, i, pad))
\" 2>/dev/null";
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{feed} | {} status --question /dev/stdin ans",
            env!("CARGO_BIN_EXE_xmlbatch")
        ))
        .current_dir(d.tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/dev/stdin:2237: the columns an answer is matched on pass 128 MiB"),
        "{stderr}"
    );
}

/// `xmlbatch ARGS` reading what the shell command `feed` writes, under a
/// 300 MB address space: (exit status, stdout, stderr).
fn under_300_mb(dir: &Dir, feed: &str, args: &str) -> (Option<i32>, String, String) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{feed} | (ulimit -v 300000; exec {} {args})",
            env!("CARGO_BIN_EXE_xmlbatch")
        ))
        .current_dir(dir.tmp.path())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_and_respond_read_a_request_line_by_line() {
    // 230,000 valid payment lines of 1.3 KB (the longest each column may
    // be): 300 MB of request, checked and answered under a 300 MB address
    // space. Every line was kept whole (both aborted); now the header,
    // trailer, counts and ids seen are, the answer lines held back in a
    // temporary file until the trailer says the file is accepted. The last
    // line reuses the first's id: the ids are still all remembered.
    let d = Dir::new();
    let n = 230_000;
    let feed = format!(
        "python3 -c \"
import sys
pad = 'I' * 255
sys.stdout.write('00;PAY;06;12345678;TEST;20261123;102008;\\n')
for i in range(1, {n} + 1):
    sys.stdout.write('02;%d;20261123;102008;%06d;CD;100;978;;;TOK%d;;REF%d;%s;%s;%s\\n' % (i, i if i < {n} else 1, i, i, pad, pad, pad))
sys.stdout.write('01;{n}\\n')
\" 2>/dev/null"
    );
    let (code, _, stderr) = under_300_mb(&d, &feed, "check /dev/stdin");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("/dev/stdin:")).collect::<Vec<_>>(),
        [format!("/dev/stdin:{}: position 5 (transaction id): 000001 is already used on line 2 for 20261123 (ids must be unique per shop per day)", n + 1)],
        "{stderr}"
    );
    assert!(stderr.contains(&format!("{n} payment lines;")), "{stderr}");

    let (code, stdout, stderr) = under_300_mb(
        &d,
        &feed,
        "respond --name 20261123.12345678.PAY.REQ.T.01 /dev/stdin",
    );
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), n + 2);
    assert!(
        lines[0].starts_with("00;PAY;06;0;;12345678;TEST;"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1]
            .starts_with("02;1;20261123;102008;000001;CD;100;978;100;978;20261123;;TOK1;;REF1;"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(";00;AUTHORISED;"), "{}", lines[1]);
    assert!(lines[n].contains(";96;ERROR;"), "{}", lines[n]);
    assert_eq!(lines[n + 1], format!("01;{n}"));
}

#[test]
fn a_request_of_many_days_costs_an_entry_per_id_not_a_table_per_day() {
    // 3,000 payment lines, each of its own day, the last reusing the id of
    // the day before: past the first three days each day had a table of
    // 125 KB (375 MB: check and respond aborted under 300 MB for a 160 KB
    // file); now a set of the ids used on them.
    let d = Dir::new();
    let feed = "python3 -c \"
import datetime, sys
d0 = datetime.date(2000, 1, 1)
sys.stdout.write('00;PAY;06;12345678;TEST;20261123;102008;\\n')
for i in range(1, 3001):
    day = (d0 + datetime.timedelta(days=min(i, 2999))).strftime('%Y%m%d')
    sys.stdout.write('02;%d;%s;102008;%06d;CD;100;978;;;TOK;;;;;\\n' % (i, day, min(i, 2999)))
sys.stdout.write('01;3000\\n')
\"";
    let (code, _, stderr) = under_300_mb(&d, feed, "check /dev/stdin");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("/dev/stdin:3001: position 5 (transaction id): 002999 is already used on an earlier line for 20080318 (ids must be unique per shop per day)"),
        "{stderr}"
    );
    let (code, stdout, stderr) = under_300_mb(&d, feed, "respond /dev/stdin");
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3002);
    assert!(lines[2999].contains(";00;AUTHORISED;"), "{}", lines[2999]);
    assert!(lines[3000].contains(";96;ERROR;"), "{}", lines[3000]);
}

#[test]
fn check_and_respond_stop_past_the_most_payment_lines_a_request_holds() {
    // 1,000,000 payment lines: a sequence number is NUMERIC 6, so no Lyra
    // request holds more than 999,999. Reading stops there (what is kept
    // of each line, its id, stays bounded by the gateway's own limit):
    // check says so (status 2), respond refuses the file (status 1).
    let d = Dir::new();
    let feed = "python3 -c \"
import sys
sys.stdout.write('00;PAY;06;12345678;TEST;20261123;102008;\\n')
sys.stdout.write(''.join('02;%d;20261123;102008;%06d;CD;1;978;;;T;;;;;\\n' % (i, i % 1000000) for i in range(1, 1000001)))
sys.stdout.write('01;1000000\\n')
\" 2>/dev/null";
    let said = "/dev/stdin:1000001: more than 999999 payment lines, the most a Lyra request holds (its sequence number is NUMERIC 6): not a request of this gateway (is this the file meant?); nothing was read past it";
    let (code, _, stderr) = under_300_mb(&d, feed, "check /dev/stdin");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(said), "{stderr}");
    let (code, stdout, stderr) = under_300_mb(&d, feed, "respond /dev/stdin");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(said), "{stderr}");
    assert_eq!(stdout, "");
}

/// A REQ written under a name whose date is neither the header's
/// creation date nor the UTC day after it is one `xmlbatch check` calls
/// wrong: build says so (the help's example, `-o 20261123.…` without
/// `--date`, wrote it without a word on any other day), and with `--date`
/// the name's day the file checks clean. The UTC day before the name's is
/// a name given in local time after midnight: nothing to say.
#[test]
fn build_warns_when_the_name_s_date_is_not_the_header_s() {
    let d = Dir::new();
    d.write(
        "pay.csv",
        "transaction_id,amount,currency,token\n1,1000,978,TOK-1\n",
    );
    let name = "20261123.12345678.PAY.REQ.T.01";
    let build = |extra: &[&str]| {
        let mut args = vec![
            "build", "--format", "lyra", "--shop", "12345678", "--mode", "test", "-o", name,
        ];
        args.extend_from_slice(extra);
        args.push("pay.csv");
        d.run(&args).expect(0)
    };
    let r = build(&["--date", "20261125"]);
    assert!(
        r.stderr.contains(&format!(
            "warning: -o \"{name}\": the name's date is 20261123, the header's creation date \
             20261125 (--date, UTC): xmlbatch check calls that a problem; give --date 20261123"
        )),
        "{}",
        r.stderr
    );
    let r = d.run(&["check", name]).expect(1);
    assert!(
        r.stderr.contains("is not the name's date 20261123"),
        "{}",
        r.stderr
    );
    let r = build(&["--created-on", "2026-11-20T10:00:00Z"]);
    assert!(
        r.stderr.contains("(--created-on's day, UTC)"),
        "{}",
        r.stderr
    );
    // As told: the name's day.
    for day in ["20261123", "2026-11-23"] {
        let r = build(&["--date", day]);
        assert!(!r.stderr.contains("warning"), "{}", r.stderr);
        d.run(&["check", name]).expect(0);
    }
    // 00:30 in Paris on the 23rd is the 22nd in UTC: a name in local time.
    let r = build(&["--created-on", "2026-11-23T00:30:00+01:00"]);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}
