//! Memory bounded whatever the input: a line, a row or a message beyond
//! its documented bound is refused with status 2 and its location, under
//! a memory limit far below what holding it whole (and masking it) would
//! take — never an abort (134) or a signal. Inputs of hundreds of
//! megabytes are streamed into the tool, never written to disk.

mod common;

use common::Sh;

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
    // 60 000 card numbers: 1 020 000 bytes, each masked.
    let (code, err) = limited(&sh, &direct_line(0, 60_000), "seal explain");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn xmlbatch_build_refuses_a_row_past_its_bound_with_its_line() {
    let sh = Sh::new();
    let header = "type,amount,currency,reference,pan,expiry,cvv";
    let good = "00003,1000,978,R1,1111222233334444,1229,123";
    // One field of 5 MB and of 51 MB of card numbers, and a quoted field
    // of 3 million short lines.
    for (what, field) in [
        ("5 MB", "'4111111111111111 ' * 300000"),
        ("51 MB", "'4111111111111111 ' * 3000000"),
        ("3 M lines", "chr(34) + 'x\\n' * 3000000 + chr(34)"),
    ] {
        let feed = format!(
            "python3 -c \"import sys; sys.stdout.write('{header}\\n{good}\\n00003,1000,978,' + {field} + ',4111111111111111,1229,123\\n{good}\\n')\""
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
