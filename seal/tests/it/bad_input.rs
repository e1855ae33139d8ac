//! Bad input: one clear message, the documented status, no panic.

use crate::util::*;

fn key(d: &Dir) -> String {
    d.key("k", b"secret123").display().to_string()
}

#[test]
fn malformed_json_names_line_and_column() {
    let d = Dir::new();
    let r = seal(
        &["compute", "--key-file", &key(&d)],
        b"{\n  \"a\": \"1\",\n  \"b\" 2\n}",
    );
    expect_status(&r, 2);
    assert!(
        r.stderr
            .contains("seal: <stdin>:3:7: malformed JSON: expected `:`"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
}

#[test]
fn several_objects_without_jsonl_suggest_it() {
    let d = Dir::new();
    let r = seal(
        &["compute", "--key-file", &key(&d)],
        b"{\"a\":\"1\"}\n{\"a\":\"2\"}\n",
    );
    expect_status(&r, 2);
    assert!(r.stderr.contains("use --jsonl"), "{}", r.stderr);
}

#[test]
fn two_objects_on_one_line_do_not_suggest_jsonl_to_a_jsonl_run() {
    // A --jsonl line holding two objects (old Mac files end lines with a
    // lone CR, which ends no line) was told "for one object per line,
    // use --jsonl", which it was using.
    let d = Dir::new();
    let r = seal(
        &["compute", "--jsonl", "--key-file", &key(&d)],
        b"{\"a\":\"1\"}\r{\"a\":\"2\"}\r\n{\"a\":\"1\"} {\"a\":\"2\"}\n",
    );
    expect_status(&r, 2);
    assert!(!r.stderr.contains("use --jsonl"), "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "<stdin>:1:11: malformed JSON: trailing characters (lines end with a lone CR, \
             which ends no line: one object per line with \\n endings, tr '\\r' '\\n' converts)"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "<stdin>:2:11: malformed JSON: trailing characters (one JSON object a message; \
             with --jsonl, one a line: put the next on a line of its own)"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn a_non_object_is_refused() {
    let d = Dir::new();
    let r = seal(&["compute", "--key-file", &key(&d)], b"[1,2]");
    expect_status(&r, 2);
    assert!(
        r.stderr
            .contains("<stdin>:1: expected a JSON object, found an array"),
        "{}",
        r.stderr
    );
}

#[test]
fn non_utf8_bytes_are_located() {
    let d = Dir::new();
    let f = d.file("latin1.json", b"{\"name\": \"H\xe9l\xe8ne\"}");
    let r = seal(
        &["compute", "--key-file", &key(&d), f.to_str().unwrap()],
        b"",
    );
    expect_status(&r, 2);
    assert!(
        r.stderr.contains("latin1.json:1:12: byte 0xE9 is not UTF-8: the file looks like ISO-8859-1 or Windows-1252 text"),
        "{}",
        r.stderr
    );
}

#[test]
fn one_bad_jsonl_line_is_reported_the_others_checked_and_nothing_written() {
    let d = Dir::new();
    let input = "{\"a\":\"1\"}\n{\"a\":\n{\"b\":\n";
    let r = seal(
        &["compute", "--jsonl", "--key-file", &key(&d)],
        input.as_bytes(),
    );
    expect_status(&r, 2);
    // Every bad line is said; a run in trouble leaves nothing on stdout
    // (docs/conventions.md), and says so, with the count.
    assert_eq!(r.stdout, "", "{}", r.stdout);
    assert!(r.stderr.contains("<stdin>:2:"), "{}", r.stderr);
    assert!(r.stderr.contains("<stdin>:3:"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("seal: 3 messages read: 1 sealed, 2 unreadable"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("2 messages could not be read (see above); nothing was written"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_form_feed_around_a_line_is_malformed_on_every_path() {
    // JSON's white space is space, tab, LF and CR: a form feed before or
    // after the object is refused by the general path's reader, and was
    // trimmed away by the fast path's, which sealed such a line (status
    // 0) or found it valid.
    let d = Dir::new();
    let request = r#"{"amount":"2500","currencyCode":"978","interfaceVersion":"IR_WS_2.3","keyVersion":"1","merchantId":"011223344550000","orderId":"ORD101","transactionReference":"TREFEXA2012"}"#;
    let sealed = seal(&["compute", "--key-file", &key(&d)], request.as_bytes());
    expect_status(&sealed, 0);
    let sealed = sealed.stdout.trim_end();
    for (args, line) in [
        (&["compute"][..], request),
        (&["compute", "--seal-only"][..], request),
        (&["verify"][..], sealed),
    ] {
        for jsonl in [false, true] {
            for text in [format!("{line}\x0c"), format!("\x0c{line}")] {
                let mut argv = args.to_vec();
                let k = key(&d);
                argv.extend(["--key-file", &k]);
                if jsonl {
                    argv.push("--jsonl");
                }
                let r = seal(&argv, text.as_bytes());
                expect_status(&r, 2);
                assert_eq!(r.stdout, "", "{argv:?} {text:?}");
                assert!(
                    r.stderr.contains("<stdin>:1:") && r.stderr.contains("malformed JSON"),
                    "{argv:?} {text:?}: {}",
                    r.stderr
                );
            }
        }
    }
}

#[test]
fn empty_missing_and_world_readable_keys() {
    let d = Dir::new();
    let empty = d.key("empty", b"\n");
    let r = seal(&["compute", "--key-file", empty.to_str().unwrap()], b"{}");
    expect_status(&r, 2);
    assert!(r.stderr.contains("is empty"), "{}", r.stderr);

    let r = seal(
        &["compute", "--key-file", d.path("absent").to_str().unwrap()],
        b"{}",
    );
    expect_status(&r, 2);
    assert!(
        r.stderr.contains("No such file or directory"),
        "{}",
        r.stderr
    );

    let open = d.file("open", b"secret123");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = seal(
        &[
            "compute",
            "--key-file",
            open.to_str().unwrap(),
            "--seal-only",
        ],
        b"{\"a\":\"1\"}",
    );
    expect_status(&r, 0);
    assert!(
        r.stderr.contains("warning: the key file") && r.stderr.contains("chmod 600"),
        "{}",
        r.stderr
    );

    let r = seal_env(&["compute", "--key-env", "K"], b"{}", &[("K", "")]);
    expect_status(&r, 2);
    assert!(r.stderr.contains("is empty"), "{}", r.stderr);

    let r = seal(&["compute"], b"{}");
    expect_status(&r, 2);
    assert!(
        r.stderr.contains("give --key-file PATH or --key-env VAR"),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_scheme_and_algorithm() {
    let d = Dir::new();
    let r = seal(
        &["compute", "--scheme", "stripe", "--key-file", &key(&d)],
        b"{}",
    );
    expect_status(&r, 2);
    assert!(
        r.stderr.contains("unknown scheme \"stripe\""),
        "{}",
        r.stderr
    );
    let r = seal(
        &["compute", "--algorithm", "MD5", "--key-file", &key(&d)],
        b"{\"a\":\"1\"}",
    );
    expect_status(&r, 2);
    assert!(
        r.stderr
            .contains("unknown algorithm \"MD5\" for the sips-json scheme"),
        "{}",
        r.stderr
    );
    let r = seal(
        &["compute", "--key-file", &key(&d)],
        b"{\"a\":\"1\",\"sealAlgorithm\":\"HMAC-MD5\"}",
    );
    expect_status(&r, 2);
    assert!(r.stderr.contains("field sealAlgorithm"), "{}", r.stderr);
}

#[test]
fn paybox_key_must_be_hex() {
    let d = Dir::new();
    let k = d.key("pbx", b"0123456789ABCDEFXX");
    let r = seal(
        &["compute", "--key-file", k.to_str().unwrap()],
        b"{\"PBX_SITE\":\"1\"}",
    );
    expect_status(&r, 2);
    assert!(
        r.stderr.contains(
            "the paybox key is not hexadecimal text: the character at position 17 is not"
        ),
        "{}",
        r.stderr
    );
}

/// `seal compute` of `line` with the key file `key`, on each of its paths
/// (one message, `--seal-only`, `--jsonl`), each refused as trouble with
/// nothing written: their stderr, for what each must say.
fn refused_on_every_path(key: &std::path::Path, line: &str) -> Vec<String> {
    [&[][..], &["--seal-only"][..], &["--jsonl"][..]]
        .into_iter()
        .map(|extra| {
            let mut argv = vec!["compute", "--key-file", key.to_str().unwrap()];
            argv.extend_from_slice(extra);
            let r = seal(&argv, line.as_bytes());
            expect_status(&r, 2);
            assert_eq!(r.stdout, "", "{line} {extra:?}");
            r.stderr
        })
        .collect()
}

#[test]
fn a_paybox_hmac_field_that_is_a_list_or_an_object_is_refused_on_every_path() {
    // Paybox takes flat fields only: the general path refused a PBX_HMAC
    // list or object, the fast path (which leaves PBX_HMAC out of the
    // seal string) sealed such a line with status 0, spaced or compact.
    let d = Dir::new();
    let k = d.key("k", b"0123456789ABCDEF");
    for old in ["[]", "{\"q\":\"r\"}", "[\"AB\"]"] {
        for line in [
            format!("{{\"PBX_SITE\":\"1999888\",\"PBX_HMAC\":{old},\"PBX_TOTAL\":\"100\"}}"),
            format!("{{\"PBX_SITE\": \"1999888\", \"PBX_TOTAL\": \"100\", \"PBX_HMAC\": {old}}}"),
        ] {
            for stderr in refused_on_every_path(&k, &line) {
                assert!(
                    stderr.contains("<stdin>:1: field \"PBX_HMAC\" is ")
                        && stderr.contains("this scheme takes flat fields only"),
                    "{line}: {stderr}"
                );
            }
        }
    }
}

#[test]
fn a_failed_write_names_the_output_file() {
    // More than the output's buffer, to a full device: the failure came
    // while the lines were written and was said as `writing <stdout>`,
    // the -o file unnamed.
    let d = Dir::new();
    let k = key(&d);
    let line =
        r#"{"a":"1","seal":"abc8417c82fd3c9fbb1d508664d0cdbb79b1e39f708dbba9a5b62f6e503a422d"}"#;
    let input = format!("{line}\n").repeat(3000);
    for verb in ["compute", "verify"] {
        let r = seal(
            &[verb, "--jsonl", "--key-file", &k, "-o", "/dev/full"],
            input.as_bytes(),
        );
        expect_status(&r, 2);
        assert!(
            r.stderr
                .contains("seal: writing \"/dev/full\": No space left on device"),
            "{verb}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("<stdout>"), "{verb}: {}", r.stderr);
    }
}

#[test]
fn paybox_ipn_cannot_be_computed() {
    let d = Dir::new();
    let r = seal(
        &["compute", "--scheme", "paybox-ipn", "--key-file", &key(&d)],
        b"a=1&K=2",
    );
    expect_status(&r, 2);
    assert!(r.stderr.contains("can only be"), "{}", r.stderr);
}

/// `seal ARGS` fed a good line, then one line of `fill` without end (at
/// most `cap` bytes of it); its status, stderr and how much of the line
/// was written before it stopped reading.
fn endless_line(args: &[&str], fill: u8, cap: usize) -> (Option<i32>, String, usize) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_seal"))
        .args(args)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let good = b"VERSION=00103&TYPE=00001&SITE=1999888&RANG=32&NUMQUESTION=1&REFERENCE=R\n";
        let mut sent = 0;
        if stdin.write_all(good).is_err() {
            return sent;
        }
        let chunk = vec![fill; 64 << 10];
        while sent < cap {
            // The tool went away: it read no further.
            if stdin.write_all(&chunk).is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    let out = child.wait_with_output().unwrap();
    let sent = writer.join().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        sent,
    )
}

#[test]
fn a_jsonl_line_past_its_bound_stops_the_reading_there() {
    let d = Dir::new();
    let k = d.key("hex", "0123456789ABCDEF".repeat(8).as_bytes());
    let k = k.display().to_string();
    // An endless line (`yes | tr -d '\n'`) was read to its end, its bytes
    // dropped: memory bounded, the run never ending. Now reading stops at
    // the bound: the line is said, the lines before it judged, status 2.
    let cap = 256 << 20;
    // A blank one too: it was skipped, read to its end, the run a success.
    for (verb, fill) in [
        ("compute", b'y'),
        ("verify", b'y'),
        ("explain", b'y'),
        ("compute", b' '),
        ("explain", b' '),
    ] {
        let args = [
            verb,
            "--jsonl",
            "--scheme",
            "paybox-direct",
            "--key-file",
            &k,
        ];
        let (status, stderr, sent) = endless_line(&args, fill, cap);
        assert_eq!(status, Some(2), "{verb}: {stderr}");
        assert!(
            stderr.contains("<stdin>:2: a message of more than 1 MiB"),
            "{verb}: {stderr}"
        );
        assert!(
            stderr.contains("2 messages read") && stderr.contains("1 unreadable"),
            "{verb}: {stderr}"
        );
        // The bound, a batch and the pipe's buffer: far from the whole.
        assert!(sent < 16 << 20, "{verb} read {sent} bytes of the line");
    }
}

/// The bound is on a line's content: a line of exactly 1 MiB and its
/// `\n` is read (it was refused as "more than 1 MiB", its `\n` counted),
/// one byte more is refused, by every `--jsonl` reader.
#[test]
fn a_jsonl_line_of_exactly_the_bound_is_read() {
    let d = Dir::new();
    let k = d.key("k", b"secret123");
    let k = k.display().to_string();
    let head = r#"{"amount":"1","keyVersion":"1","merchantId":"011223344550000","orderId":""#;
    let line = |n: usize| format!("{head}{}\"}}\n", "x".repeat(n - head.len() - 2));
    let exact = line(1 << 20);
    assert_eq!(exact.len(), (1 << 20) + 1);
    for verb in ["compute", "verify", "explain"] {
        let r = seal(&[verb, "--jsonl", "--key-file", &k], exact.as_bytes());
        assert!(
            !r.stderr.contains("more than 1 MiB") && r.stderr.contains("0 unreadable"),
            "{verb}: {}",
            r.stderr
        );
        let r = seal(
            &[verb, "--jsonl", "--key-file", &k],
            line((1 << 20) + 1).as_bytes(),
        );
        expect_status(&r, 2);
        assert!(
            r.stderr.contains("<stdin>:1: a message of more than 1 MiB"),
            "{verb}: {}",
            r.stderr
        );
    }
}

/// The bound is on a message's content, its line end excluded on every
/// path: a `--jsonl` line of exactly 1 MiB ended by CRLF (JSON or form),
/// and a whole input of exactly 1 MiB ended by LF or CRLF, are read (they
/// were refused as "more than 1 MiB", the CR or the final line end
/// counted); one byte more of content is still refused.
#[test]
fn a_message_of_exactly_the_bound_is_read_whatever_its_line_end() {
    let d = Dir::new();
    let k = d.key("lyra", b"1122334455667788").display().to_string();
    let json_head = r#"{"vads_amount":"100","vads_order_id":""#;
    let json = |n: usize| format!("{json_head}{}\"}}", "x".repeat(n - json_head.len() - 2));
    let form_head = "vads_amount=100&vads_order_id=";
    let form = |n: usize| format!("{form_head}{}", "x".repeat(n - form_head.len()));
    let bound = 1 << 20;
    assert_eq!(json(bound).len(), bound);
    for (input, msg) in [("json", &json as &dyn Fn(usize) -> String), ("form", &form)] {
        for verb in ["compute", "verify", "explain"] {
            let args = |jsonl: bool| {
                let mut a = vec![verb, "--scheme", "lyra", "--input", input, "--key-file", &k];
                if jsonl {
                    a.push("--jsonl");
                }
                a.into_iter().map(String::from).collect::<Vec<_>>()
            };
            let run = |jsonl: bool, text: String| {
                let a = args(jsonl);
                let a: Vec<&str> = a.iter().map(String::as_str).collect();
                seal(&a, text.as_bytes())
            };
            for (jsonl, text) in [
                (true, format!("vads_amount=1\r\n{}\r\n", msg(bound))),
                (false, format!("{}\n", msg(bound))),
                (false, format!("{}\r\n", msg(bound))),
            ] {
                let text = if input == "json" {
                    text.replace("vads_amount=1", r#"{"vads_amount":"1"}"#)
                } else {
                    text
                };
                let r = run(jsonl, text);
                assert!(
                    !r.stderr.contains("more than 1 MiB") && !r.stderr.contains("unreadable, "),
                    "{verb} {input} jsonl={jsonl}: {}",
                    r.stderr
                );
                assert_ne!(r.status, 2, "{verb} {input}: {}", r.stderr);
            }
            for (jsonl, text, at) in [
                (true, format!("{}\r\n", msg(bound + 1)), 1),
                (false, format!("{}\r\n", msg(bound + 1)), 1),
            ] {
                let r = run(jsonl, text);
                expect_status(&r, 2);
                assert!(
                    r.stderr
                        .contains(&format!("<stdin>:{at}: a message of more than 1 MiB")),
                    "{verb} {input} jsonl={jsonl}: {}",
                    r.stderr
                );
            }
        }
    }
}

/// A name given twice is refused by every path, whatever the scheme and
/// however deep: the fast path of compute once sealed a Lyra message
/// with a repeated name (its own copy of the rules looked for repeats
/// only among the names it sorted), which verify then refused.
#[test]
fn a_name_given_twice_is_refused_by_compute_on_every_scheme() {
    let d = Dir::new();
    for (line, name) in [
        (r#"{"vads_a":"1","x":{"b":1,"b":2}}"#, "b"),
        (r#"{"vads_a":"1","x":1,"x":2}"#, "x"),
        (r#"{"PBX_SITE":"1","PBX_SITE":"2"}"#, "PBX_SITE"),
        (r#"{"amount":"1","c":[{"d":"1","d":"2"}]}"#, "d"),
    ] {
        for jsonl in [true, false] {
            let mut args = vec!["compute", "--key-file"];
            let k = key(&d);
            args.push(&k);
            if jsonl {
                args.push("--jsonl");
            }
            let r = seal(&args, line.as_bytes());
            expect_status(&r, 2);
            assert!(
                r.stderr
                    .contains(&format!("the field \"{name}\" is given twice")),
                "{line}: {}",
                r.stderr
            );
            assert_eq!(r.stdout, "", "{line}");
        }
    }
}

/// A JSON object whose first name is serde_json's private number token
/// (`$serde_json::private::Number`) was read by the fast path's tree as
/// a number of any text and written raw: a second `vads_amount` was
/// injected into the sealed output (status 0), and verify said yes to
/// it. Such a token is a number only if its text is one, as serde_json
/// reads it; otherwise every path refuses the message (status 2).
#[test]
fn serde_jsons_number_token_writes_nothing_raw_on_any_path() {
    let d = Dir::new();
    let k = d.key("k", b"1122334455667788").display().to_string();
    let injected = r#"{"vads_amount":"100","vads_x":{"$serde_json::private::Number":"1,\"vads_amount\":\"1"},"vads_site_id":"1"}"#;
    let spaced = injected.replace(r#","vads_site_id""#, r#", "vads_site_id""#);
    // The seal the injected text was given: its value taken as written.
    let sealed = lyra_hmac(
        b"1122334455667788",
        br#"100+1,"vads_amount":"1+1+1122334455667788"#,
    );
    let carried = injected.replace("}\"}", &format!("}}\",\"signature\":\"{sealed}\"}}"));
    let carried = carried.replace(r#""1"}"#, &format!(r#""1","signature":"{sealed}"}}"#));
    for (verb, line) in [
        ("compute", injected.to_string()),
        ("compute", spaced.clone()),
        ("verify", carried.clone()),
        ("explain", carried.clone()),
    ] {
        for jsonl in [false, true] {
            let mut args = vec![verb, "--key-file", &k];
            if jsonl {
                args.push("--jsonl");
            }
            let r = seal(&args, line.as_bytes());
            expect_status(&r, 2);
            assert!(
                r.stderr.contains("malformed JSON: invalid number"),
                "{verb} {line}: {}",
                r.stderr
            );
            assert!(
                !r.stdout.contains("vads_amount"),
                "{verb} {line}: {}",
                r.stdout
            );
        }
    }
    // A token whose text is a number is read as serde_json reads it (a
    // number), by both paths alike.
    let number = r#"{"vads_amount":{"$serde_json::private::Number":"100"},"vads_site_id":"1"}"#;
    let sealed = lyra_hmac(b"1122334455667788", b"100+1+1122334455667788");
    for line in [number.to_string(), number.replace(',', ", ")] {
        let r = seal(&["compute", "--key-file", &k], line.as_bytes());
        expect_status(&r, 0);
        assert!(
            r.stdout
                .ends_with(&format!(",\"signature\":\"{sealed}\"}}\n")),
            "{line}: {}",
            r.stdout
        );
    }
}

/// A form that gives a name twice was sealed with the last value
/// (status 0; Lyra, Paybox, Sips POST) or both (a Direct request, which
/// the gateway answers 00014), where a JSON object that does is refused:
/// now refused alike, by compute, verify and explain, naming the field.
/// A Paybox return is not: its RSA signature covers the query string as
/// Paybox wrote it, and is only checked.
#[test]
fn a_name_given_twice_in_a_form_is_refused_on_every_sealed_scheme() {
    let d = Dir::new();
    let k = d.key("k", b"1122334455667788").display().to_string();
    for (form, name) in [
        ("vads_amount=100&vads_amount=1&vads_site_id=1", "vads_amount"),
        ("vads_amount=100&x=1&x=2", "x"),
        ("PBX_SITE=1999888&PBX_RANG=32&PBX_SITE=1&PBX_HASH=SHA512", "PBX_SITE"),
        (
            "VERSION=00104&TYPE=00001&SITE=1999888&RANG=32&NUMQUESTION=1&MONTANT=100&MONTANT=1&HASH=SHA512",
            "MONTANT",
        ),
        (
            "Data=amount%3D100%7CmerchantId%3D1&Data=amount%3D1&InterfaceVersion=HP_2.0&Seal=x",
            "Data",
        ),
    ] {
        for verb in ["compute", "verify", "explain"] {
            let r = seal(&[verb, "--input", "form", "--key-file", &k], form.as_bytes());
            expect_status(&r, 2);
            assert!(
                r.stderr.contains(&format!(
                    "<stdin>:1: the field \"{name}\" is given twice"
                )),
                "{verb} {form}: {}",
                r.stderr
            );
            assert_eq!(r.stdout, "", "{verb} {form}");
        }
    }
    let r = seal(
        &["verify", "--input", "form", "--scheme", "paybox-ipn"],
        b"Mt=100&Mt=1&Sign=AAAA",
    );
    expect_status(&r, 1);
    assert!(r.stderr.contains("over \"Mt=100&Mt=1\""), "{}", r.stderr);
}

/// The key pasted into a data field written as percent-escapes (all its
/// characters, or 12 of them some escaped) is refused as the raw key is:
/// it was sealed and echoed (status 0), no window of any one form of the
/// key matching it.
#[test]
fn a_key_pasted_as_percent_escapes_is_refused() {
    let d = Dir::new();
    let k = d.key("lyra", b"1122334455667788").display().to_string();
    let all: String = "1122334455667788"
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    for value in [
        all.as_str(),
        "x%31%32%32%33%33%34%34%35%35%36%36%37y",
        "12%32334455%3667",
    ] {
        for input in [
            format!(r#"{{"vads_amount":"100","vads_order_info":"{value}"}}"#),
            format!("vads_amount=100&vads_order_info={value}"),
        ] {
            let r = seal(
                &["compute", "--scheme", "lyra", "--key-file", &k],
                input.as_bytes(),
            );
            expect_status(&r, 2);
            assert!(
                r.stderr.contains("\"vads_order_info\" holds a secret"),
                "{input}: {}",
                r.stderr
            );
            assert_eq!(r.stdout, "", "{input}");
            assert!(!r.stderr.contains("%35"), "{input}: {}", r.stderr);
        }
    }
}

/// The key pasted into a data field written with JSON escapes (`\u0030`
/// one character in eleven, every character, either case of hex; a
/// percent-escaped backslash, `%5Cu0030`) is refused as the raw key is:
/// any JSON reader decodes it, so the sealed message carried the key on,
/// and it was sealed and written (status 0), no window of any one form of
/// the key standing in the line as written. The Sips test shop key, with
/// another shop's merchantId (a merchantId that is a window of the key
/// sends every line to the general path, which found it).
#[test]
fn a_key_pasted_as_json_escapes_is_refused() {
    let d = Dir::new();
    let key = "002001000000001_KEY1";
    let k = d.key("sips", key.as_bytes()).display().to_string();
    let escaped = |every: usize, upper: bool| -> String {
        key.chars()
            .enumerate()
            .map(|(i, c)| match (i % every == every - 1, upper) {
                (true, true) => format!("\\u{:04X}", c as u32),
                (true, false) => format!("\\u{:04x}", c as u32),
                (false, _) => c.to_string(),
            })
            .collect()
    };
    for value in [
        escaped(11, false),
        escaped(11, true).to_ascii_lowercase(),
        escaped(1, true),
        key.replace("00001_", "0000%5Cu0031_"),
    ] {
        let line = format!(
            r#"{{"amount":"100","currencyCode":"978","merchantId":"011223344550000","keyVersion":"1","orderChannel":"INTERNET","transactionReference":"T1","note":"{value}"}}"#
        );
        for args in [
            &["--jsonl"][..],
            &["--jsonl", "--seal-only"],
            &[],
            &["--seal-only"],
        ] {
            let mut all = vec!["compute", "--key-file", &k];
            all.extend_from_slice(args);
            let r = seal(&all, format!("{line}\n").as_bytes());
            expect_status(&r, 2);
            assert!(
                r.stderr
                    .contains("line 1: the field \"note\" holds a secret"),
                "{args:?} {line}: {}",
                r.stderr
            );
            assert_eq!(r.stdout, "", "{args:?} {line}");
            assert!(!r.stderr.contains("KEY"), "{args:?} {line}: {}", r.stderr);
        }
    }
}

#[test]
fn a_key_pasted_as_a_field_name_is_refused() {
    // A value holding the key was refused, a top-level name holding it
    // was sealed and written on (status 0), the key in the output.
    let d = Dir::new();
    let k = d.key("k", b"002001000000001_KEY1");
    for line in [
        r#"{"002001000000001_KEY1":"x","amount":"1"}"#,
        r#"{"amount":"1","x2001000000001\u005fKEY":"x"}"#,
    ] {
        for stderr in refused_on_every_path(&k, line) {
            assert!(stderr.contains("holds a secret"), "{line}: {stderr}");
            assert!(
                !stderr.to_lowercase().contains("2001000000001_key"),
                "{stderr}"
            );
        }
    }
}

/// A text a tool quotes holding the key written with JSON escapes is
/// scrubbed as the raw key is: `seal verify` and `explain` of a Paybox
/// return quote the text signed, which printed the escaped key whole.
#[test]
fn a_key_written_in_json_escapes_is_scrubbed_from_what_is_printed() {
    let d = Dir::new();
    let k = d.key("sips", b"002001000000001_KEY1").display().to_string();
    let form = "note=00200100000\\u0030001_KEY\\u0031&&&%zz";
    for (verb, json) in [("verify", "--jsonl"), ("explain", "--json")] {
        for json in [None, Some(json)] {
            let mut args = vec![verb, "--input", "form", "--key-file", &k];
            args.extend(json);
            let r = seal(&args, form.as_bytes());
            expect_status(&r, 1);
            let out = format!("{}{}", r.stdout, r.stderr);
            assert!(out.contains("(a secret)"), "{args:?}: {out}");
            assert!(!out.contains("_KEY"), "{args:?}: {out}");
        }
    }
}

/// The message given as `--key-file` and the key as the input (a
/// newcomer's swap): the message's lines were taken whole as the key,
/// said only as the key's own file being "malformed JSON", after advice
/// to chmod the message. A secret is one line: the file is refused by its
/// count of lines, with no byte of it shown and no chmod advice; a key
/// file with its one line ending is a key.
#[test]
fn a_file_of_several_lines_given_as_the_key_is_refused() {
    let d = Dir::new();
    let message = "{\n  \"amount\": \"2500\",\n  \"currencyCode\": \"978\"\n}\n";
    let msg = d.file("order.json", message.as_bytes());
    let k = d.key("shop.key", b"secret123\n");
    let r = seal(
        &[
            "compute",
            "--key-file",
            msg.to_str().unwrap(),
            k.to_str().unwrap(),
        ],
        b"",
    );
    expect_status(&r, 2);
    assert_eq!(
        r.stderr,
        format!(
            "seal: --key-file: the key file \"{}\" holds 4 lines, where a key is one: is it the \
             right file (another file named in its place, or two arguments swapped)?\n",
            msg.display()
        )
    );
    assert!(!r.stderr.contains("amount") && !r.stderr.contains("chmod"));
    assert_eq!(r.stdout, "");
    // A key's lines run together by a CR alone, or a CRLF inside: two.
    for inside in [&b"secret\r123"[..], b"secret\r\n123\r\n"] {
        let k2 = d.key("two.key", inside);
        let r = seal(
            &["compute", "--key-file", k2.to_str().unwrap()],
            message.as_bytes(),
        );
        expect_status(&r, 2);
        assert!(r.stderr.contains("holds 2 lines"), "{}", r.stderr);
    }
    // As told: the right way round; a blank line more at the end is an
    // editor's, not a second line.
    for key in [&b"secret123\n"[..], b"secret123\n\n"] {
        let k = d.key("shop.key", key);
        let r = seal(
            &[
                "compute",
                "--key-file",
                k.to_str().unwrap(),
                msg.to_str().unwrap(),
            ],
            b"",
        );
        expect_status(&r, 0);
    }
}
