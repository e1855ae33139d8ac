//! `respond` and `status` for Paybox: the round trip through the binaries,
//! forced refusals, platform codes, matching answers to questions.

use crate::util::*;

fn question(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<PayboxBatch xmlns="http://www.paybox.com/PayboxBatch" BatchNumber="7" CreatedOn="2026-11-22T10:15:00+01:00">
  <Merchant Site="1999888" Rank="032">{inner}
  </Merchant>
</PayboxBatch>
"#
    )
}

fn card_question(number: u32, currency: &str, pan: &str, expiry: &str) -> String {
    format!(
        r#"
    <Question Number="{number:010}" Type="00003"><Amount>1000</Amount><Currency>{currency}</Currency><Reference>R{number}</Reference>
      <Card><CB><PAN>{pan}</PAN><Expiry>{expiry}</Expiry><CVV>123</CVV></CB></Card></Question>"#
    )
}

#[test]
fn round_trip_csv_build_respond_status_csv() {
    let d = Dir::new();
    let sample = sample(&d, "paybox.csv");
    let q = d.run(&paybox_args(&[sample.to_str().unwrap()])).expect(0);
    d.write("q.xml", &q.stdout);
    let s = d.run_stdin(&["respond"], &q.stdout).expect(0);
    d.write("q.status.xml", &s.stdout);
    let st = d
        .run(&["status", "--question", "q.xml", "q.status.xml"])
        .expect(1);
    st.stderr_has("xmlbatch: 5 answers read: 3 accepted, 1 refused, 1 to retry, 0 mismatches with the question");
    assert_eq!(
        st.column("response_code"),
        ["00000", "00151", "00000", "00000", "00191"]
    );
    assert_eq!(
        st.column("outcome"),
        ["accepted", "refused", "accepted", "accepted", "retry"]
    );
    assert_eq!(st.column("meaning")[1], "insufficient funds");
    assert_eq!(
        st.column("reference"),
        ["ORDER-1", "ORDER-2", "ORDER-0", "ORDER-0", "ORDER-3"]
    );
    assert_eq!(
        st.column("operation_name"),
        [
            "authorize_capture",
            "authorize",
            "capture",
            "refund",
            "authorize_capture"
        ]
    );
    let rec = &st.records()[0];
    assert_eq!(rec["authorization"].len(), 6);
    assert_eq!(rec["call_id"].len(), 10);
    assert_eq!(rec["card_country"], "250");
    // A capture echoes the numbers it was given.
    assert_eq!(st.records()[2]["call_id"], "0030378572");
    assert_eq!(st.records()[2]["transaction_id"], "0013989865");
}

#[test]
fn status_xml_shape() {
    let d = Dir::new();
    let s = d
        .run_stdin(
            &["respond"],
            question(&card_question(1, "978", "1111222233334444", "1230")),
        )
        .expect(0);
    assert!(s.stdout.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PayboxBatchStatus xmlns=\"http://www.paybox.com/PayboxBatchStatus\" BatchNumber=\"7\" CreatedOn=\"2026-11-22T11:15:00+01:00\">\n  <Merchant Site=\"1999888\" Rank=\"032\" PayboxId=\""
    ), "{s}");
    for el in [
        "<Answer Number=\"0000000001\" Type=\"00003\">",
        "<ResponseCode>00000</ResponseCode>",
        "<Comment>success</Comment>",
        "<Reference>R1</Reference>",
        "<Amount>1000</Amount>",
        "<Authorization>",
        "<CallId>",
        "<TransactionId>",
        "<CardCountryCode>250</CardCountryCode>",
    ] {
        assert!(s.stdout.contains(el), "{el}\n{s}");
    }
    // No card data in the answer.
    assert!(!s.stdout.contains("1111222233334444"));
}

#[test]
fn test_cards_force_their_codes() {
    let d = Dir::new();
    let cards = [
        ("1111222233334444", "00000"),
        ("1111222233331515", "00151"),
        ("1111222233331549", "00154"),
        ("1111222233331598", "00159"),
        ("1111222233331911", "00191"),
        ("1111222233330012", "00001"),
    ];
    let inner: String = cards
        .iter()
        .enumerate()
        .map(|(i, (pan, _))| card_question(i as u32 + 1, "978", pan, "1230"))
        .collect();
    let s = d.run_stdin(&["respond"], question(&inner)).expect(0);
    let st = d.run_stdin(&["status"], &s.stdout).expect(1);
    let expected: Vec<&str> = cards.iter().map(|(_, c)| *c).collect();
    assert_eq!(st.column("response_code"), expected);
    assert_eq!(
        st.column("outcome"),
        ["accepted", "refused", "refused", "refused", "retry", "retry"]
    );
}

#[test]
fn invalid_data_gets_platform_codes() {
    let d = Dir::new();
    let inner = [
        card_question(1, "999", "1111222233334444", "1230"),  // unknown currency
        card_question(2, "978", "1111222233334444", "0120"),  // expired (before CreatedOn)
        card_question(3, "978", "1111222233334445", "1230"),  // Luhn
        card_question(4, "978", "1111222233334444", "1330"),  // bad expiry
        r#"<Question Number="0000000005" Type="00099"><Amount>1</Amount></Question>"#.to_string(),
        r#"<Question Number="0000000006" Type="00003"><Amount>1,5</Amount><Currency>978</Currency><Reference>X</Reference><Card><CB><PAN>1111222233334444</PAN><Expiry>1230</Expiry></CB></Card></Question>"#.to_string(),
        r#"<Question Number="0000000007" Type="00002"><Amount>1</Amount><Currency>978</Currency><Reference>X</Reference><CallId>1</CallId></Question>"#.to_string(),
        card_question(7, "978", "1111222233334444", "1230"), // number reused
        r#"<Question Number="0000000009" Type="00003"><Bogus/></Question>"#.to_string(),
    ]
    .concat();
    let s = d.run_stdin(&["respond"], question(&inner)).expect(0);
    let st = d.run_stdin(&["status"], &s.stdout).expect(1);
    assert_eq!(
        st.column("response_code"),
        ["00010", "00008", "00004", "00008", "00009", "00011", "00018", "00005", "00014"]
    );
    assert_eq!(
        st.column("comment")[0],
        "unknown currency: Currency: \"999\" is not a known ISO 4217 numeric currency (expected e.g. 978)"
    );
    assert!(
        st.column("comment")[2].contains("\"111122******4445\""),
        "{st}"
    );
    assert!(!s.stdout.contains("1111222233334445"));
}

#[test]
fn respond_is_deterministic_and_seeded() {
    let d = Dir::new();
    let q = question(&card_question(1, "978", "1111222233334444", "1230"));
    let a = d.run_stdin(&["respond"], &q).expect(0);
    let b = d.run_stdin(&["respond"], &q).expect(0);
    assert_eq!(a.stdout, b.stdout);
    let c = d.run_stdin(&["respond", "--seed", "9"], &q).expect(0);
    assert_ne!(a.stdout, c.stdout);
}

#[test]
fn respond_refuses_what_is_not_a_question_file() {
    let d = Dir::new();
    d.run_stdin(&["respond"], "hello")
        .expect(2)
        .stderr_has("not a Paybox XML file, a Lyra PAY file nor Paybox Direct lines");
    let r = d.run_stdin(&["respond"], "<PayboxBatch xmlns=\"http://www.paybox.com/PayboxBatch\"><Merchant Site=\"1\" Rank=\"1\"><Question>").expect(2);
    r.stderr_has("malformed XML");
    assert_eq!(r.stdout, "", "nothing is released on failure");
    d.run_stdin(&["respond"], "<Other/>")
        .expect(2)
        .stderr_has("the root element is <Other>, not <PayboxBatch>");
    d.run_stdin(
        &["respond"],
        "<PayboxBatch xmlns=\"urn:x\"><Merchant/></PayboxBatch>",
    )
    .expect(2)
    .stderr_has("the namespace is \"urn:x\"");
}

#[test]
fn a_bad_header_refuses_every_question() {
    let d = Dir::new();
    let q = question(&card_question(1, "978", "1111222233334444", "1230"))
        .replace("Site=\"1999888\"", "Site=\"12\"");
    let s = d.run_stdin(&["respond"], q).expect(0);
    let st = d.run_stdin(&["status"], &s.stdout).expect(1);
    assert_eq!(st.column("response_code"), ["00006"]);
}

#[test]
fn status_jsonl_records_have_type_and_version() {
    let d = Dir::new();
    let s = d
        .run_stdin(
            &["respond"],
            question(&card_question(1, "978", "1111222233334444", "1230")),
        )
        .expect(0);
    let st = d
        .run_stdin(&["status", "--format", "jsonl"], &s.stdout)
        .expect(0);
    let lines: Vec<serde_json::Value> = st
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["type"], "answer");
    assert_eq!(lines[0]["version"], 1);
    assert_eq!(lines[0]["response_code"], "00000");
    assert_eq!(lines[0]["question"], "0000000001");
    st.stderr_has("xmlbatch: 1 answer read: 1 accepted, 0 refused, 0 to retry");
}

/// Found by an attacker: an answer giving its ResponseCode twice (a
/// refusal, then 00000) was read as its last one, accepted, and nothing
/// said it. Which did the gateway mean? The file is not read on a guess:
/// status 2, the answer and the element named, nothing written.
#[test]
fn status_refuses_an_answer_giving_an_element_twice() {
    let d = Dir::new();
    let q = question(
        &[
            card_question(1, "978", "1111222233334444", "1230"),
            card_question(2, "978", "1111222233331515", "1230"),
        ]
        .concat(),
    );
    let s = d.run_stdin(&["respond"], &q).expect(0);
    let refused = "<ResponseCode>00151</ResponseCode>";
    assert!(s.stdout.contains(refused), "{}", s.stdout);
    let line = 1 + s.stdout[..s.stdout.find(refused).unwrap()]
        .matches('\n')
        .count();
    for (tampered, element) in [
        (
            s.stdout.replace(
                refused,
                &format!("{refused}<ResponseCode>00000</ResponseCode>"),
            ),
            "ResponseCode",
        ),
        (
            s.stdout.replace(
                "</Answer>",
                "<TransactionId>1</TransactionId><TransactionId>2</TransactionId></Answer>",
            ),
            "TransactionId",
        ),
    ] {
        let st = d.run_stdin(&["status"], &tampered).expect(2);
        assert_eq!(st.stdout, "", "{element}");
        if element == "ResponseCode" {
            st.stderr_has(&format!(
                ":{line}: answer \"0000000002\": <ResponseCode> is given twice"
            ));
        } else {
            st.stderr_has("answer \"0000000001\": <TransactionId> is given twice");
        }
    }
}

/// Found by an attacker: a Question giving two questions the same number
/// (made by hand, or by another tool) was matched as one: the second
/// replaced the first, the one answer was taken for both, neither was
/// said unanswered, and status --question ended with 0 and "0
/// mismatches". The first is kept, the second said (status 1).
#[test]
fn status_says_a_question_number_used_twice() {
    let d = Dir::new();
    let one = question(&card_question(1, "978", "1111222233334444", "1230"));
    let s = d.run_stdin(&["respond"], &one).expect(0);
    d.write("s.xml", &s.stdout);
    let twice = question(
        &[
            card_question(1, "978", "1111222233334444", "1230"),
            card_question(1, "978", "1111222233334444", "1230").replace("R1<", "R2<"),
        ]
        .concat(),
    );
    let second = 1 + twice[..twice.rfind("<Question ").unwrap()]
        .matches('\n')
        .count();
    d.write("q.xml", &twice);
    let st = d.run(&["status", "--question", "q.xml", "s.xml"]).expect(1);
    st.stderr_has(&format!(
        "q.xml:{second}: question \"0000000001\": Number is already used on line 4"
    ))
    .stderr_has("1 mismatches with the question");
    assert_eq!(st.column("reference"), ["R1"]);
}

/// Found by an attacker: `status --question` kept every question of a
/// Question XML to match the answers, whatever their number and size
/// (240 MB of memory for a 176 MB file, and on past any bound). What it
/// keeps is bounded as a Lyra request's index is: 2300 references of 60
/// KB, 138 MB kept, are refused where they pass 128 MiB, status 2.
#[test]
fn status_refuses_questions_whose_matched_values_pass_their_bound() {
    let d = Dir::new();
    let s = d
        .run_stdin(
            &["respond"],
            question(&card_question(1, "978", "1111222233334444", "1230")),
        )
        .expect(0);
    d.write("s.xml", &s.stdout);
    let feed = "python3 -c \"
import sys
pad = 'R' * 60000
sys.stdout.write('<?xml version=\\\"1.0\\\"?>\\n<PayboxBatch xmlns=\\\"http://www.paybox.com/PayboxBatch\\\" BatchNumber=\\\"7\\\" CreatedOn=\\\"2026-11-22T10:15:00+01:00\\\">\\n<Merchant Site=\\\"1999888\\\" Rank=\\\"032\\\">\\n')
for i in range(1, 2301):
    sys.stdout.write('<Question Number=\\\"%010d\\\" Type=\\\"00002\\\"><Amount>100</Amount><Currency>978</Currency><Reference>%s</Reference></Question>\\n' % (i, pad))
sys.stdout.write('</Merchant>\\n</PayboxBatch>\\n')
\" 2>/dev/null";
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{feed} | {} status --question /dev/stdin s.xml",
            env!("CARGO_BIN_EXE_xmlbatch")
        ))
        .current_dir(d.path(""))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/dev/stdin:2234: what answers are matched on (each question's number, type, reference, amount and currency) passes 128 MiB"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// Found by an attacker: a line of a Direct requests file that is not a
/// request (a line of a log, a truncated copy) got no answer and no word,
/// and respond ended with 0, one request fewer answered than sent. It is
/// said where it is, as `status --question` says it of the same file
/// (status 2); a line of spaces is blank to both, where `status
/// --question` refused it and respond skipped it.
#[test]
fn respond_says_a_direct_line_that_is_not_a_request() {
    let d = Dir::new();
    let request = |n: u32| {
        format!(
            "VERSION=00103&TYPE=00003&SITE=1999888&RANG=032&CLE=1999888&NUMQUESTION={n:010}&MONTANT=0000001000&DEVISE=978&REFERENCE=WEB-{n}&PORTEUR=1111222233334444&DATEVAL=1249&CVV=123&ACTIVITE=024&DATEQ=01122026100000\n"
        )
    };
    let blanks = format!("{}\n   \n\r\n{}", request(1), request(2));
    d.write("requests", &blanks);
    let r = d.run(&["respond", "requests"]).expect(0);
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    d.write("answers", &r.stdout);
    d.run(&["status", "--question", "requests", "answers"])
        .expect(0);
    d.write(
        "junk",
        format!("{}\nhello world\n{}", request(1), request(2)),
    );
    let r = d.run(&["respond", "junk"]).expect(2);
    r.stderr_has("junk:3: not a Paybox Direct request");
    assert_eq!(r.stdout, "");
    d.run(&["status", "--question", "junk", "answers"])
        .expect(2)
        .stderr_has("junk:3: not a Paybox Direct request");
}

/// Found by an attacker: Direct request and answer lines ended by a bare
/// CR (an old Mac editor) were read as one line: two requests ran
/// together got one answer (00014, every field given twice), two answers
/// one ambiguous record, and the second request was said unanswered.
/// A bare CR ends a line, as in every other line file.
#[test]
fn direct_lines_ended_by_a_bare_cr_are_lines() {
    let d = Dir::new();
    let request = |n: u32| {
        format!(
            "VERSION=00103&TYPE=00003&SITE=1999888&RANG=032&CLE=1999888&NUMQUESTION={n:010}&MONTANT=0000001000&DEVISE=978&REFERENCE=WEB-{n}&PORTEUR=1111222233334444&DATEVAL=1249&CVV=123&ACTIVITE=024&DATEQ=01122026100000"
        )
    };
    d.write("requests", format!("{}\r{}\r", request(1), request(2)));
    let r = d.run(&["respond", "requests"]).expect(0);
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    r.stderr_lacks("given twice");
    d.write("answers", r.stdout.replace('\n', "\r"));
    let st = d
        .run(&["status", "--question", "requests", "answers"])
        .expect(0);
    assert_eq!(st.column("reference"), ["WEB-1", "WEB-2"]);
    assert_eq!(st.column("outcome"), ["accepted", "accepted"]);
}

/// Found by an attacker: two Direct requests sharing a NUMQUESTION, one
/// answer: it was shown under the first request, and the second was said
/// unanswered, where the answer (which echoes nothing else) may as well be
/// the second's. As for a Paybox Question (status_says_a_question_number_
/// used_twice), the first is matched and the repeat said as such.
#[test]
fn status_says_a_direct_numquestion_used_twice() {
    let d = Dir::new();
    let request = |n: u32, reference: &str| {
        format!(
            "VERSION=00103&TYPE=00003&SITE=1999888&RANG=032&CLE=1999888&NUMQUESTION={n:010}&MONTANT=0000001000&DEVISE=978&REFERENCE={reference}&PORTEUR=1111222233334444&DATEVAL=1249&CVV=123&ACTIVITE=024&DATEQ=01122026100000\n"
        )
    };
    d.write(
        "requests",
        [
            request(1, "WEB-A"),
            request(1, "WEB-B"),
            request(2, "WEB-C"),
        ]
        .concat(),
    );
    let r = d.run(&["respond", "requests"]).expect(0);
    let answers: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(answers.len(), 3, "{}", r.stdout);
    let repeat = "requests:2: request \"0000000001\": NUMQUESTION is already used on line 1: \
                  its answer cannot be told from that one's";
    // The second request's answer (00039) alone.
    d.write("lone", format!("{}\n", answers[1]));
    let st = d
        .run(&["status", "--question", "requests", "lone"])
        .expect(1);
    st.stderr_has(repeat)
        .stderr_lacks("requests:2: question")
        .stderr_has("requests:3: question \"0000000002\" has no answer")
        .stderr_has("2 mismatches with the request");
    // All three in order: matched by position, the repeat still said.
    d.write("answers", &r.stdout);
    let st = d
        .run(&["status", "--question", "requests", "answers"])
        .expect(1);
    st.stderr_has(repeat)
        .stderr_has("1 mismatches with the request");
    assert_eq!(st.column("reference"), ["WEB-A", "WEB-B", "WEB-C"]);
}

/// Found by an attacker: an answer given twice (a status file
/// concatenated, an answer pasted again) was said "unexpected: no such
/// question", of a question the file has. It is said as a second answer,
/// with both lines: Paybox status XML and Paybox Direct answers alike.
#[test]
fn status_says_a_second_answer_to_one_question() {
    let d = Dir::new();
    let q = question(&card_question(1, "978", "1111222233334444", "1230"));
    d.write("q.xml", &q);
    let s = d.run_stdin(&["respond"], &q).expect(0);
    let start = s.stdout.find("    <Answer ").unwrap();
    let end = s.stdout.find("</Answer>\n").unwrap() + "</Answer>\n".len();
    let answer = &s.stdout[start..end];
    let first = 1 + s.stdout[..start].matches('\n').count();
    let second = first + answer.matches('\n').count();
    d.write("twice.xml", s.stdout.replace(answer, &answer.repeat(2)));
    let st = d
        .run(&["status", "--question", "q.xml", "twice.xml"])
        .expect(1);
    st.stderr_has(&format!(
        "twice.xml:{second}: answer \"0000000001\" is a second answer to the question on line 4 of \"q.xml\": the first is on line {first}"
    ))
    .stderr_lacks("no such question")
    .stderr_has("1 mismatches with the question");

    let request = |n: u32| {
        format!(
            "VERSION=00103&TYPE=00003&SITE=1999888&RANG=032&CLE=1999888&NUMQUESTION={n:010}&MONTANT=0000001000&DEVISE=978&REFERENCE=WEB-{n}&PORTEUR=1111222233334444&DATEVAL=1249&CVV=123&ACTIVITE=024&DATEQ=01122026100000\n"
        )
    };
    d.write("requests", [request(1), request(2)].concat());
    let r = d.run(&["respond", "requests"]).expect(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    d.write(
        "answers",
        format!("{}\n{}\n{}\n", lines[0], lines[1], lines[1]),
    );
    let st = d
        .run(&["status", "--question", "requests", "answers"])
        .expect(1);
    st.stderr_has(
        "answers:3: answer to question \"0000000002\" is a second answer to the request on line 2 of \"requests\": the first is on line 2",
    )
    .stderr_lacks("no such request")
    .stderr_has("1 mismatches with the request");
}

#[test]
fn status_matches_answers_to_questions() {
    let d = Dir::new();
    let q = question(
        &[
            card_question(1, "978", "1111222233334444", "1230"),
            card_question(2, "978", "1111222233334444", "1230"),
        ]
        .concat(),
    );
    d.write("q.xml", &q);
    let s = d.run_stdin(&["respond"], &q).expect(0);
    // All good first.
    d.write("ok.status.xml", &s.stdout);
    d.run(&["status", "--question", "q.xml", "ok.status.xml"])
        .expect(0);
    // Then tampered: site, one answer renumbered (so one missing, one unexpected), a type changed.
    let bad = s
        .stdout
        .replace("Site=\"1999888\"", "Site=\"1999889\"")
        .replace(
            "Number=\"0000000002\" Type=\"00003\"",
            "Number=\"0000000003\" Type=\"00003\"",
        )
        .replace(
            "Number=\"0000000001\" Type=\"00003\"",
            "Number=\"0000000001\" Type=\"00001\"",
        );
    d.write("bad.status.xml", bad);
    let r = d
        .run(&["status", "--question", "q.xml", "bad.status.xml"])
        .expect(1);
    r.stderr_has(
        "bad.status.xml:3: Site is \"1999889\", the question file \"q.xml\" says \"1999888\"",
    );
    r.stderr_has("answer \"0000000001\": Type is \"00001\", the question (line 4) says \"00003\"");
    r.stderr_has("answer \"0000000003\" is unexpected: no such question in \"q.xml\"");
    r.stderr_has("q.xml:6: question 2 has no answer in \"bad.status.xml\"");
    r.stderr_has(", 4 mismatches with the question");
}

#[test]
fn status_refuses_what_is_not_a_status_file() {
    let d = Dir::new();
    d.run_stdin(&["status"], "<PayboxBatchStatus xmlns=\"urn:x\"/>")
        .expect(2)
        .stderr_has("the namespace is \"urn:x\"");
    d.run_stdin(&["status"], "<x/>")
        .expect(2)
        .stderr_has("not <PayboxBatchStatus>");
    d.run_stdin(&["status"], "")
        .expect(2)
        .stderr_has("empty input");
    d.run_stdin(&["status"], "<PayboxBatchStatus xmlns=\"http://www.paybox.com/PayboxBatchStatus\"><Merchant></PayboxBatchStatus>").expect(2).stderr_has("malformed XML");
}

/// A Question and its status file given the wrong way round (the
/// Question as status's FILE, the status file as --question, or to
/// respond or check) are each said by what they are, with the fix, where
/// "the root element is <PayboxBatch>, not <PayboxBatchStatus>" left the
/// newcomer to work out which file was which. As told, they match.
#[test]
fn a_question_and_its_status_file_swapped_are_said_so() {
    let d = Dir::new();
    d.write(
        "p.csv",
        "type,amount,currency,reference,pan,expiry,cvv\n\
         authorize,1000,978,ORDER-1,1111222233334444,1249,123\n",
    );
    d.run(&[
        "build", "--site", "1999888", "--rank", "32", "--batch", "1", "-o", "q.xml", "p.csv",
    ])
    .expect(0);
    d.run(&["respond", "-o", "q.status.xml", "q.xml"]).expect(0);
    let question_as_answer = "q.xml:2: a Paybox Question (the request, root <PayboxBatch>), \
        where the gateway's status file (the answer, root <PayboxBatchStatus>) is expected: give \
        the status file, and the Question with --question";
    d.run(&["status", "q.xml"])
        .expect(2)
        .stderr_has(question_as_answer);
    let answer_as_question = "q.status.xml:2: a Paybox status file (the gateway's answer, root \
        <PayboxBatchStatus>), where a Question (the request, root <PayboxBatch>) is expected: \
        give the Question the status file answers";
    d.run(&["status", "--question", "q.status.xml", "q.xml"])
        .expect(2)
        .stderr_has(answer_as_question);
    for cmd in ["respond", "check"] {
        d.run(&[cmd, "q.status.xml"])
            .expect(2)
            .stderr_has(answer_as_question);
    }
    d.run(&["status", "--question", "q.xml", "q.status.xml"])
        .expect(0);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let d = Dir::new();
    let mut csv = String::from("type,amount,currency,reference,pan,expiry\n");
    for i in 0..10000 {
        csv.push_str(&format!(
            "authorize,100,978,R{i},1111222233334444,{}\n",
            expiry()
        ));
    }
    let q = d.run_stdin(&paybox_args(&[]), csv).expect(0);
    let s = d.run_stdin(&["respond"], &q.stdout).expect(0);
    d.write("s.xml", &s.stdout);
    let bin = env!("CARGO_BIN_EXE_xmlbatch");
    let r = d.command(&[]).get_program().to_owned();
    assert_eq!(r, std::ffi::OsString::from(bin));
    let out = std::process::Command::new("bash")
        .args([
            "-c",
            "set -o pipefail; \"$0\" status s.xml | head -n 1 > /dev/null",
            bin,
        ])
        .current_dir(d.tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
