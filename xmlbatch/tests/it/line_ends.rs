//! Line numbers and row bounds whatever a file's line ends: LF, CRLF (a
//! spreadsheet's export, a Windows editor), bare CR (old Mac exports) or a
//! mix, blank lines and quoted fields holding line ends — the line said is
//! the one a person opening the file finds the row on, and a row past
//! 64 KiB is refused to the byte.

use crate::util::*;

const HEADER: &str = "type,amount,currency,reference,pan,expiry,cvv";

/// A good row, and one whose amount is bad, with `reference`.
fn rows(reference: &str) -> (String, String) {
    let e = expiry();
    (
        format!("authorize,1000,EUR,{reference},4012001037141112,{e},123"),
        format!("authorize,10x0,EUR,{reference},4012001037141112,{e},123"),
    )
}

#[test]
fn a_bad_row_is_said_on_its_line_whatever_the_line_ends() {
    let d = Dir::new();
    let (good, bad) = rows("R1");
    for (what, csv, line) in [
        ("LF", format!("{HEADER}\n{good}\n{bad}\n"), 3),
        ("CRLF", format!("{HEADER}\r\n{good}\r\n{bad}\r\n"), 3),
        ("CR", format!("{HEADER}\r{good}\r{bad}\r"), 3),
        ("mixed", format!("{HEADER}\r\n{good}\n{good}\r{bad}\r\n"), 4),
        (
            "blank lines",
            format!("\r\n{HEADER}\r\n\r\n{good}\r\n\r\n\r\n{bad}\r\n"),
            7,
        ),
        (
            "a quoted field over three lines",
            format!("{HEADER}\r\n{}\r\n{bad}\r\n", rows("\"R\r\n2\r\n3\"").0),
            5,
        ),
    ] {
        d.write("ops.csv", &csv);
        let r = d.run(&paybox_args(&["ops.csv"])).expect(1);
        r.stderr_has(&format!(
            "ops.csv:{line}: column \"amount\": \"10x0\" is not an amount in cents"
        ));
        assert_eq!(
            r.stderr.matches("is not an amount").count(),
            1,
            "{what}: one bad amount\n{r}"
        );
    }
}

#[test]
fn a_row_past_its_bound_is_refused_to_the_byte_on_its_line() {
    let d = Dir::new();
    let e = expiry();
    // A row of `len` bytes: a reference padding it.
    let row = |len: usize| {
        let rest = format!("authorize,1000,EUR,,4012001037141112,{e},123").len();
        format!(
            "authorize,1000,EUR,{},4012001037141112,{e},123",
            "x".repeat(len - rest)
        )
    };
    let (good, _) = rows("R1");
    for end in ["\n", "\r\n", "\r"] {
        // 64 KiB is a row (its reference too long: a bad row, status 1)...
        let csv = format!("{HEADER}{end}{good}{end}{}{end}{good}{end}", row(65_536));
        d.write("ops.csv", &csv);
        d.run(&paybox_args(&["ops.csv"]))
            .expect(1)
            .stderr_has("ops.csv:3: column \"reference\"");
        // ...a byte more is not, though the reader's read-ahead holds it
        // whole (it let rows up to 128 KiB through), said where it starts.
        for (csv, line) in [
            (
                format!("{HEADER}{end}{good}{end}{}{end}{good}{end}", row(65_537)),
                3,
            ),
            (format!("{HEADER}{end}{}{end}", row(100 << 10)), 2),
            (format!("{HEADER}{end}{}{end}", row(200 << 10)), 2),
        ] {
            d.write("ops.csv", &csv);
            d.run(&paybox_args(&["ops.csv"]))
                .expect(2)
                .stderr_has(&format!(
                    "ops.csv:{line}: a row of more than 65536 bytes, the most a row may hold"
                ));
        }
    }
}

#[test]
fn lyra_files_with_crlf_are_said_on_their_lines() {
    let d = Dir::new();
    let name = "20261123.12345678.PAY.REQ.T.01";
    let req = "00;PAY;06;12345678;TEST;20261123;102008;\r\n\
               02;1;20261123;102008;000001;CD;93599;978;;;TOKEN-1;;;;;\r\n\
               02;2;20261123;102008;000001;CD;7500;978;;;TOKEN-2;;;;;\r\n\
               02;3;20261123;102008;000003;CD;75x0;978;;;TOKEN-3;;;;;\r\n\
               01;3\r\n";
    d.write(name, req);
    let r = d.run(&["check", name]).expect(1);
    r.stderr_has(&format!(
        "{name}:3: position 5 (transaction id): 000001 is already used on line 2"
    ));
    r.stderr_has(&format!("{name}:4: position 7 (amount): \"75x0\""));
    // A line past its bound, said where it starts.
    d.write(
        name,
        format!(
            "00;PAY;06;12345678;TEST;20261123;102008;\r\n\
             02;1;20261123;102008;000001;CD;93599;978;;;TOKEN-1;;;;;\r\n\
             02;2;20261123;102008;000002;CD;7500;978;;;{};;;;;\r\n01;2\r\n",
            "T".repeat(70_000)
        ),
    );
    d.run(&["check", name])
        .expect(2)
        .stderr_has(&format!("{name}:3: a line of more than 65536 bytes"));
}

/// A Lyra request with a Latin-1 byte (é as 0xE9, a spreadsheet's
/// export): said once, on the line a person finds it on (after a blank
/// line, CRLF line ends), at its column (Lyra's position), with the byte
/// and the iconv fix, as every text that is not UTF-8 is
/// (docs/conventions.md). The reader of a REQ read its lines its own way
/// and said only "not valid UTF-8 (expected UTF-8 text)"; it now reads
/// them through the one reader of line files. A "no" still (status 1):
/// check says the gateway would reject it, respond refuses it.
#[test]
fn a_lyra_request_not_utf8_is_said_with_its_byte_and_fix_on_its_line() {
    let d = Dir::new();
    let name = "20261123.12345678.PAY.REQ.T.01";
    let mut req = b"00;PAY;06;12345678;TEST;20261123;102008;\r\n\
                    02;1;20261123;102008;000001;CD;93599;978;;;TOKEN-1;;ORDER-1;;;\r\n\r\n"
        .to_vec();
    req.extend_from_slice(
        b"02;2;20261123;102008;000002;CD;7500;978;;;TOKEN-2;;ORDER-\xE9;;;\r\n01;2\r\n",
    );
    d.write(name, &req);
    let said = format!(
        "{name}:4: column 13: byte 0xE9 is not UTF-8: the file looks like ISO-8859-1 or Windows-1252 text"
    );
    let fix = "convert it with iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8";
    for args in [vec!["check", name], vec!["respond", name]] {
        let r = d.run(&args).expect(1);
        r.stderr_has(&said).stderr_has(fix);
        assert_eq!(r.stderr.matches("is not UTF-8").count(), 1, "{r}");
    }
}
