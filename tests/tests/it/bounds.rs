//! Memory bounded whatever the input: a line, a row or a message beyond
//! its documented bound is refused with status 2 and its location, under
//! a memory limit far below what holding it whole (and masking it) would
//! take — never an abort (134) or a signal. Inputs of hundreds of
//! megabytes are streamed into the tool, never written to disk.

use crate::util::{expiry, Sh};

/// The address-space limit the tools run under (KiB): a few times what
/// one bounded message costs, far below what a huge line would.
const LIMIT_KB: u32 = 300_000;

/// Run `tool args` under the limit, fed by `feed` (a shell command
/// writing the input on stdout); its status and stderr.
fn limited(sh: &Sh, feed: &str, tool: &str) -> (Option<i32>, String) {
    let out = sh.run(&format!(
        "{feed} | sh -c 'ulimit -v {LIMIT_KB}; exec {tool}' > /dev/null"
    ));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A Paybox Direct request line whose REFERENCE repeats a card number
/// `n` times (17 bytes each), after `before` good lines.
fn direct_line(before: usize, n: usize) -> String {
    format!(
        "python3 -c \"
import sys
good = 'VERSION=00103&TYPE=00001&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=1&REFERENCE=R\\n'
sys.stdout.write(good * {before})
sys.stdout.write('VERSION=00103&TYPE=00001&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=2&REFERENCE=')
chunk = '4111111111111111 ' * 60000
for _ in range({n} // 60000):
    sys.stdout.write(chunk)
sys.stdout.write('\\n' + good)
\""
    )
}

#[test]
fn seal_refuses_a_message_past_its_bound_with_its_line() {
    let sh = Sh::new();
    std::fs::write(sh.path("k"), "0123456789ABCDEF".repeat(8)).unwrap();
    sh.ok("chmod 600 k");
    // 5 MB, 20 MB and 200 MB lines (300 000, 1.2 M and 12 M card numbers).
    for n in [300_000, 1_200_000, 12_000_000] {
        for tool in [
            "seal explain --jsonl",
            "seal verify --jsonl --scheme paybox-direct --key-file k",
            "seal compute --jsonl --scheme paybox-direct --key-file k",
        ] {
            let (code, err) = limited(&sh, &direct_line(2, n), tool);
            assert_eq!(code, Some(2), "{tool} on {n}: {err}");
            assert!(
                err.contains("<stdin>:3: a message of more than 1 MiB"),
                "{tool} on {n}: {err}"
            );
            assert!(!err.contains("4111111111"), "{tool}: {err}");
        }
    }
    // The whole input as one message.
    for tool in [
        "seal explain",
        "seal verify --scheme paybox-direct --key-file k",
    ] {
        let (code, err) = limited(&sh, &direct_line(0, 1_200_000), tool);
        assert_eq!(code, Some(2), "{tool}: {err}");
        assert!(
            err.contains("a message of more than 1 MiB"),
            "{tool}: {err}"
        );
    }
}

#[test]
fn seal_takes_a_message_just_under_its_bound_in_bounded_memory() {
    let sh = Sh::new();
    // 60 000 card numbers: 1 020 000 bytes, each masked. One line: the
    // whole input is one message, and the good line after it would give
    // TYPE a second time (refused, as any name given twice).
    let feed = format!("{} | head -n 1", direct_line(0, 60_000));
    let (code, err) = limited(&sh, &feed, "seal explain");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn xmlbatch_build_refuses_a_row_past_its_bound_with_its_line() {
    let sh = Sh::new();
    let header = "type,amount,currency,reference,pan,expiry,cvv";
    // The card's expiry from today: xmlbatch build refuses one in the past.
    let e = expiry();
    let good = format!("00003,1000,978,R1,1111222233334444,{e},123");
    // One field of 5 MB and of 51 MB of card numbers, and a quoted field
    // of 3 million short lines.
    for (what, field) in [
        ("5 MB", "'4111111111111111 ' * 300000"),
        ("51 MB", "'4111111111111111 ' * 3000000"),
        ("3 M lines", "chr(34) + 'x\\n' * 3000000 + chr(34)"),
    ] {
        let feed = format!(
            "python3 -c \"import sys; sys.stdout.write('{header}\\n{good}\\n00003,1000,978,' + {field} + ',4111111111111111,{e},123\\n{good}\\n')\""
        );
        for format in [
            "--format paybox --batch 1",
            "--format paybox-direct --cle-env CLE --first-question 1",
        ] {
            let tool = format!("env CLE=1999888I xmlbatch build {format} --site 1999888 --rank 32");
            let (code, err) = limited(&sh, &feed, &tool);
            assert_eq!(code, Some(2), "{what} {format}: {err}");
            assert!(
                err.contains("<stdin>:3: a row of more than 65536 bytes"),
                "{what} {format}: {err}"
            );
            assert!(!err.contains("4111111111"), "{err}");
        }
    }
}

/// A Python program writing `head`, then `size` bytes of `fill` in one
/// line, then `tail`: a line past its bound, streamed (never on disk).
fn long_line(head: &str, fill: char, size: usize, tail: &str) -> String {
    format!(
        "python3 -c \"
import sys
sys.stdout.write('{head}')
left = {size}
while left > 0:
    n = min(left, 1 << 20)
    sys.stdout.write('{fill}' * n)
    left -= n
sys.stdout.write('{tail}')
\" 2>/dev/null"
    )
}

const REQ_HEAD: &str = "00;PAY;06;12345678;TEST;20261123;233000;\\n02;1;20261123;233000;000001;CD;100;978;;;TOK;;;;;\\n02;2;20261123;233000;000002;CD;100;978;;;";
const ANS_HEAD: &str = "00;PAY;06;0;;12345678;TEST;20261123;233000;20261124;003000\\n02;1;20261123;233000;000002;CD;100;978;;;";
const OFFICE_HEAD: &str = "FILE;request;office;v19\\nHEADER;";
const LINE_PAST: &str = "a line of more than 65536 bytes";

#[test]
fn lyra_and_office_batch_lines_past_their_bound_are_refused_with_their_line() {
    let sh = Sh::new();
    // 200 MB lines under the memory limit: refused where they start.
    let huge = 200 << 20;
    for (what, feed, tool, status, line) in [
        (
            "REQ",
            long_line(REQ_HEAD, 'A', huge, "\\n01;2\\n"),
            "xmlbatch check",
            2,
            3,
        ),
        (
            "REQ",
            long_line(REQ_HEAD, 'A', huge, "\\n01;2\\n"),
            "xmlbatch respond --name 20261123.12345678.PAY.REQ.T.01",
            1,
            3,
        ),
        (
            "ANS",
            long_line(ANS_HEAD, 'A', huge, "\\n01;1\\n"),
            "xmlbatch status",
            2,
            2,
        ),
        (
            "Office Batch",
            long_line(OFFICE_HEAD, '1', huge, "\\n"),
            "xmlbatch check",
            2,
            2,
        ),
        (
            "Office Batch",
            long_line(OFFICE_HEAD, '1', huge, "\\n"),
            "xmlbatch respond",
            1,
            2,
        ),
    ] {
        let (code, err) = limited(&sh, &feed, tool);
        assert_eq!(code, Some(status), "{what} {tool}: {err}");
        assert!(
            err.contains(&format!("<stdin>:{line}: {LINE_PAST}")),
            "{what} {tool}: {err}"
        );
    }
    // Just past the bound, read whole by the csv reader's read-ahead:
    // refused all the same (the bound is the documented one), here as
    // the question of status.
    sh.ok(&format!(
        "{} > 20261123.12345678.PAY.REQ.T.01",
        long_line(REQ_HEAD, 'A', 65_600, "\\n01;2\\n")
    ));
    std::fs::write(
        sh.path("ans"),
        "00;PAY;06;0;;12345678;TEST;20261123;233000;20261124;003000\n01;0\n",
    )
    .unwrap();
    let out = sh.run("xmlbatch status --question 20261123.12345678.PAY.REQ.T.01 ans");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("20261123.12345678.PAY.REQ.T.01:3: {LINE_PAST}")),
        "{err}"
    );
    // dropwatch check says it (status 2), and the drop sandbox refuses
    // the request as the gateway does (_ERROR) instead of retrying it.
    let out = sh.run("dropwatch check --gateway lyra 20261123.12345678.PAY.REQ.T.01");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!(":3: {LINE_PAST}")), "{err}");
    sh.ok("mkdir -p sb/12345678/request_ips
         cp 20261123.12345678.PAY.REQ.T.01 sb/12345678/request_ips/
         dropwatch gateway --gateway lyra --once --settle 0s sb > events");
    assert!(sh
        .path("sb/12345678/request_ips/20261123.12345678.PAY.REQ.T.01_ERROR")
        .exists());
    let events = std::fs::read_to_string(sh.path("events")).unwrap();
    assert!(
        events.contains("request_rejected") && events.contains(LINE_PAST),
        "{events}"
    );
}

const QUESTION_HEAD: &str = "<?xml version=\\\"1.0\\\"?>\\n<PayboxBatch xmlns=\\\"http://www.paybox.com/PayboxBatch\\\" BatchNumber=\\\"1\\\" CreatedOn=\\\"2026-11-22T10:15:00+01:00\\\">\\n<Merchant Site=\\\"1999888\\\" Rank=\\\"032\\\">\\n<Question Number=\\\"0000000001\\\" Type=\\\"00003\\\">";

#[test]
fn paybox_xml_pieces_and_depth_past_their_bound_are_refused_with_their_line() {
    let sh = Sh::new();
    let piece = "a piece of XML (a text, a tag or a comment) of more than 64 KiB";
    for (what, feed, tool, status, said) in [
        (
            "a 200 MB text",
            long_line(
                &format!("{QUESTION_HEAD}\\n<Reference>"),
                'R',
                200 << 20,
                "</Reference>",
            ),
            "xmlbatch check",
            2,
            format!("<stdin>:5: {piece}"),
        ),
        (
            "a 200 MB text",
            long_line(
                &format!("{QUESTION_HEAD}\\n<Reference>"),
                'R',
                200 << 20,
                "</Reference>",
            ),
            "xmlbatch respond",
            1,
            format!("<stdin>:5: {piece}"),
        ),
        (
            "a 200 MB comment",
            long_line(&format!("{QUESTION_HEAD}\\n<!--"), 'c', 200 << 20, "-->"),
            "xmlbatch check",
            2,
            format!("<stdin>:5: {piece}"),
        ),
        (
            "a text of 20 million entities",
            long_line(&format!("{QUESTION_HEAD}\\n<Reference>"), ';', 20 << 20, "")
                .replace("sys.stdout.write(';' * n)", "sys.stdout.write('&amp;' * n)"),
            "xmlbatch check",
            2,
            "<stdin>:5: an element's text of more than 64 KiB".to_string(),
        ),
    ] {
        let (code, err) = limited(&sh, &feed, tool);
        assert_eq!(code, Some(status), "{what} {tool}: {err}");
        assert!(err.contains(&said), "{what} {tool}: {err}");
    }
    // Elements 7 million deep (each level cost the walker and quick-xml
    // their own memory): dropwatch check reads the Question's header.
    sh.ok(&format!(
        "{} > 1999888.032.000001.xml",
        long_line(
            &QUESTION_HEAD[..QUESTION_HEAD.find("<Merchant").unwrap()],
            '<',
            7 << 20,
            ""
        )
        .replace("sys.stdout.write('<' * n)", "sys.stdout.write('<a>' * n)")
    ));
    let (code, err) = limited(
        &sh,
        "true",
        "dropwatch check --gateway paybox 1999888.032.000001.xml",
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("1999888.032.000001.xml:3: elements nested more than 32 deep"),
        "{err}"
    );
}

#[test]
fn files_named_by_options_are_read_no_further_than_their_bound() {
    let sh = Sh::new();
    // /dev/zero and a 2 GB sparse file where a small file is expected.
    sh.ok("ln -s /dev/zero zero && truncate -s 2G sparse && chmod 600 sparse
           printf 'type,amount,currency,reference,pan,expiry,cvv\\n00003,1000,978,R1,1111222233334444,%s,123\\n' \"$EXPIRY\" > ops.csv
           mkdir d");
    for file in ["zero", "sparse"] {
        for (tool, said) in [
            (
                format!("seal compute --scheme sips-json --key-file {file}"),
                format!("--key-file: the key file \"{file}\" holds more than 64 KiB"),
            ),
            (
                format!("seal verify --scheme paybox-ipn --pubkey {file}"),
                format!("--pubkey \"{file}\": more than 64 KiB"),
            ),
            (
                format!("pgpwrap encrypt --recipient {file}"),
                format!("\"{file}\" holds more than 16 MiB"),
            ),
            (
                format!("xmlbatch build --site 1999888 --rank 32 --batch-state {file} ops.csv"),
                "not a batch number counter: it holds more than 4 KiB".to_string(),
            ),
            (
                format!("dropwatch name --gateway paybox --site 1999888 --rank 32 --sent {file} d"),
                format!("\"{file}\":1: a line of more than 4 KiB"),
            ),
            (
                format!("dropwatch watch --once --state {file} d"),
                format!("\"{file}\": not a dropwatch state file"),
            ),
        ] {
            let (code, err) = limited(&sh, "echo '{\"a\":\"b\"}'", &tool);
            assert_eq!(code, Some(2), "{tool}: {err}");
            assert!(err.contains(&said), "{tool}: {err}");
        }
    }
}

#[test]
fn pgpwrap_element_documents_past_their_bound_are_refused() {
    let sh = Sh::new();
    for (feed, tool, said) in [
        (
            "head -c 67108865 /dev/zero",
            "pgpwrap encrypt --recipient gateway.pub --element Merchant",
            "<stdin>: more than 64 MiB, the most --element reads",
        ),
        (
            "head -c 100663297 /dev/zero",
            "pgpwrap decrypt --key gateway.key --verify-with shop.pub --element Merchant",
            "<stdin>: more than 96 MiB, the most --element reads",
        ),
        (
            "{ echo '<?xml version=\"1.0\"?>'; head -c 100663297 /dev/zero; }",
            "pgpwrap inspect",
            "<stdin>: an XML document of more than 96 MiB",
        ),
    ] {
        let (code, err) = limited(&sh, feed, tool);
        assert_eq!(code, Some(2), "{tool}: {err}");
        assert!(err.contains(said), "{tool}: {err}");
    }
}

#[test]
fn paybox_direct_lines_past_their_bound_are_refused_with_their_line() {
    let sh = Sh::new();
    let request =
        "VERSION=00103&TYPE=00001&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=1&REFERENCE=";
    let feed = long_line(&format!("{request}R\\n{request}"), 'R', 200 << 20, "\\n");
    let said = "<stdin>:2: a line of more than 65536 bytes, the most a Paybox Direct request or answer may hold";
    for (tool, status) in [
        ("xmlbatch status --format paybox-direct", 2),
        ("xmlbatch respond", 1),
    ] {
        let (code, err) = limited(&sh, &feed, tool);
        assert_eq!(code, Some(status), "{tool}: {err}");
        assert!(err.contains(said), "{tool}: {err}");
    }
    // An endless line as the question: read no further than the bound.
    let (code, err) = limited(
        &sh,
        "true",
        "xmlbatch status --format paybox-direct --question /dev/zero /dev/null",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("/dev/zero:1: a line of more than 65536 bytes"),
        "{err}"
    );
}
