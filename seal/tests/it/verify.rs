//! Exit statuses and output of compute and verify.

use crate::util::*;

const REQ: &str =
    r#"{"amount":"2500","currencyCode":"978","keyVersion":"1","merchantId":"011223344550000"}"#;

fn sealed(d: &Dir) -> (String, String) {
    let k = d.key("k", b"secret123").display().to_string();
    let r = seal(&["compute", "--key-file", &k], REQ.as_bytes());
    expect_status(&r, 0);
    (k, r.stdout)
}

#[test]
fn jsonl_verifies_each_line_and_exits_1_if_any_is_wrong() {
    let d = Dir::new();
    let (k, good) = sealed(&d);
    let bad = good.replace("2500", "2501");
    let input = format!("{good}{bad}{good}");
    let r = seal(&["verify", "--jsonl", "--key-file", &k], input.as_bytes());
    expect_status(&r, 1);
    let lines = r.lines();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines
            .iter()
            .map(|l| l["valid"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        vec![true, false, true]
    );
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["type"], "verify");
    assert_eq!(lines[1]["version"], 1);
    assert!(
        r.stderr.contains("<stdin>:2: seal does not match"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_missing_seal_is_never_valid() {
    let d = Dir::new();
    let k = d.key("k", b"secret123");
    let resp = r#"{"responseCode":"00","amount":"2500"}"#;
    let r = seal(
        &["verify", "--key-file", k.to_str().unwrap()],
        resp.as_bytes(),
    );
    expect_status(&r, 1);
    let j = r.json();
    assert_eq!(j["valid"], false);
    let reason = j["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("unsealed: the message carries no seal field"),
        "{reason}"
    );
    assert!(reason.contains("test platform"), "{reason}");
}

#[test]
fn key_from_an_environment_variable() {
    let d = Dir::new();
    let (_, good) = sealed(&d);
    let r = seal_env(
        &["verify", "--key-env", "SHOP_KEY"],
        good.as_bytes(),
        &[("SHOP_KEY", "secret123")],
    );
    expect_status(&r, 0);
    let r = seal_env(
        &["verify", "--key-env", "SHOP_KEY"],
        good.as_bytes(),
        &[("SHOP_KEY", "wrong")],
    );
    expect_status(&r, 1);
}

#[test]
fn upper_case_hex_matches_with_a_warning() {
    let d = Dir::new();
    let (k, good) = sealed(&d);
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let upper = good.replace(
        v["seal"].as_str().unwrap(),
        &v["seal"].as_str().unwrap().to_uppercase(),
    );
    let r = seal(&["verify", "--key-file", &k], upper.as_bytes());
    expect_status(&r, 0);
    assert!(r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn algorithm_from_the_message_unless_the_command_line_names_one() {
    let d = Dir::new();
    let k = d.key("k", b"secret123").display().to_string();
    let msg = r#"{"amount":"1","sealAlgorithm":"SHA-256"}"#;
    let r = seal(
        &["compute", "--key-file", &k, "--seal-only"],
        msg.as_bytes(),
    );
    assert_eq!(r.stdout.trim(), sha256_hex(b"1secret123"));
    let r = seal(
        &[
            "compute",
            "--key-file",
            &k,
            "--seal-only",
            "--algorithm",
            "HMAC-SHA-256",
        ],
        msg.as_bytes(),
    );
    assert_eq!(r.stdout.trim(), hmac_sha256_hex(b"secret123", b"1"));
    let r = seal(
        &[
            "compute",
            "--key-file",
            &k,
            "--seal-only",
            "--algorithm",
            "HMAC-SHA-512",
        ],
        msg.as_bytes(),
    );
    assert_eq!(r.stdout.trim().len(), 128);
}

#[test]
fn compute_replaces_an_existing_seal_in_place() {
    let d = Dir::new();
    let k = d.key("k", b"secret123").display().to_string();
    let msg = r#"{"a":"1","seal":"old","b":"2"}"#;
    let r = seal(&["compute", "--key-file", &k], msg.as_bytes());
    expect_status(&r, 0);
    let expected = hmac_sha256_hex(b"secret123", b"12");
    assert_eq!(
        r.stdout,
        format!("{{\"a\":\"1\",\"seal\":\"{expected}\",\"b\":\"2\"}}\n")
    );
}

#[test]
fn numbers_enter_the_seal_as_written() {
    let d = Dir::new();
    let k = d.key("k", b"secret123").display().to_string();
    // serde_json writes exponents as e+N/e-N: the one rewriting it does.
    let msg = r#"{"a":1.50,"b":-0,"c":10,"d":12345678901234567890123,"e":1e-3}"#;
    let r = seal(&["compute", "--key-file", &k], msg.as_bytes());
    expect_status(&r, 0);
    assert!(
        r.stdout.starts_with(
            r#"{"a":1.50,"b":-0,"c":10,"d":12345678901234567890123,"e":1e-3,"seal":""#
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&hmac_sha256_hex(
        b"secret123",
        b"1.50-010123456789012345678901231e-3"
    )));
}

/// A number with an exponent enters the seal as written on every path:
/// serde_json writes `1E2` and `1e2` as `1e+2`, and the paths that read a
/// message through it (verify and explain of a message whose side is
/// unsure, anything nested past 32) sealed that text: `seal verify` said
/// "does not match" of the seal `seal compute` had just made, and compute
/// wrote `1e+2` where the merchant wrote `1E2`.
#[test]
fn numbers_with_an_exponent_are_sealed_as_written_on_every_path() {
    let d = Dir::new();
    let k = d.key("k", b"secret123").display().to_string();
    let expected = hmac_sha256_hex(b"secret123", b"1E21e22.5E-3");
    let msg = r#"{"a":1E2,"b":1e2,"c":2.5E-3}"#;
    let r = seal(&["compute", "--key-file", &k], msg.as_bytes());
    expect_status(&r, 0);
    assert_eq!(
        r.stdout,
        format!("{{\"a\":1E2,\"b\":1e2,\"c\":2.5E-3,\"seal\":\"{expected}\"}}\n")
    );
    let v = seal(&["verify", "--key-file", &k], r.stdout.as_bytes());
    expect_status(&v, 0);
    assert_eq!(v.json()["valid"], true, "{}", v.stdout);
    let e = seal(&["explain", "--key-file", &k], r.stdout.as_bytes());
    expect_status(&e, 0);
    assert!(e.stdout.contains("1E2¦1e2¦2.5E-3"), "{}", e.stdout);
    // Nested past 32: read by serde_json, written back as it came.
    let deep = format!(
        r#"{{"a":1E2,"b":1e2,"c":2.5E-3,"d":{}1{}}}"#,
        "[".repeat(40),
        "]".repeat(40)
    );
    let r = seal(&["compute", "--key-file", &k], deep.as_bytes());
    expect_status(&r, 0);
    let sealed = hmac_sha256_hex(b"secret123", b"1E21e22.5E-31");
    assert_eq!(
        r.stdout,
        format!(
            "{}{}\"seal\":\"{sealed}\"}}\n",
            &deep[..deep.len() - 1],
            ","
        )
    );
    let v = seal(&["verify", "--key-file", &k], r.stdout.as_bytes());
    expect_status(&v, 0);
}

#[test]
fn output_file_is_written_atomically() {
    let d = Dir::new();
    let k = d.key("k", b"secret123").display().to_string();
    let out = d.path("sealed.jsonl");
    let r = seal(
        &[
            "compute",
            "--jsonl",
            "--key-file",
            &k,
            "-o",
            out.to_str().unwrap(),
        ],
        format!("{REQ}\n{REQ}\n").as_bytes(),
    );
    expect_status(&r, 0);
    assert_eq!(r.stdout, "");
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
    // A failed run leaves the good file as it was and no temporary.
    let r = seal(
        &[
            "compute",
            "--jsonl",
            "--key-file",
            &k,
            "-o",
            out.to_str().unwrap(),
        ],
        b"{bad\n",
    );
    expect_status(&r, 2);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
    assert_eq!(std::fs::read_dir(d.dir.path()).unwrap().count(), 2);
}

/// `-o` naming the key file (a slip of the shell's completion) replaced
/// the shop's key with the sealed message, status 0; through a hard link
/// too. Refused: status 2, the key as it was, no temporary left.
#[test]
fn output_over_the_key_file_is_refused() {
    let d = Dir::new();
    let k = d.key("k", b"secret123");
    let link = d.path("k.link");
    std::fs::hard_link(&k, &link).unwrap();
    for (out, jsonl) in [(&k, false), (&link, true), (&k, true)] {
        let mut args = vec![
            "compute",
            "--key-file",
            k.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        if jsonl {
            args.push("--jsonl");
        }
        let r = seal(&args, format!("{REQ}\n").as_bytes());
        expect_status(&r, 2);
        assert!(
            r.stderr.contains("names the file a secret was read from"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("secret123"), "{}", r.stderr);
        assert_eq!(std::fs::read(&k).unwrap(), b"secret123");
        assert_eq!(std::fs::read_dir(d.dir.path()).unwrap().count(), 2);
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let d = Dir::new();
    let k = d.key("k", b"secret123");
    let input = d.file("many.jsonl", format!("{REQ}\n").repeat(200_000).as_bytes());
    let bin = assert_cmd::cargo::cargo_bin("seal");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' compute --jsonl --key-file '{}' '{}' | head -n 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
            bin.display(),
            k.display(),
            input.display()
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn help_documents_the_exit_status_and_gives_examples() {
    for sub in ["compute", "verify", "explain"] {
        let r = seal(&[sub, "--help"], b"");
        expect_status(&r, 0);
        assert!(r.stdout.contains("Exit status:"), "{sub}: {}", r.stdout);
        assert!(r.stdout.contains("Examples:"), "{sub}: {}", r.stdout);
        // DIR is a directory in every tool; --message takes a side.
        assert!(r.stdout.contains("--message <SIDE>"), "{sub}: {}", r.stdout);
        assert!(!r.stdout.contains("<DIR>"), "{sub}: {}", r.stdout);
    }
    let r = seal(&["--version"], b"");
    expect_status(&r, 0);
    assert!(r.stdout.starts_with("seal "));
}

/// An empty input is trouble, not "all valid"; a `--jsonl` run ends with
/// one summary line on stderr, which `-q` silences.
#[test]
fn empty_input_is_trouble_and_runs_end_with_a_summary() {
    let d = Dir::new();
    let k = d.key("k", b"secret123");
    let k = k.to_str().unwrap();
    for sub in ["verify", "compute", "explain"] {
        let r = seal(&[sub, "--jsonl", "--key-file", k], b"");
        expect_status(&r, 2);
        assert!(
            r.stderr.contains("no message: <stdin> is empty"),
            "{sub}: {}",
            r.stderr
        );
        assert_eq!(r.stdout, "", "{sub}");
    }
    // Blank lines only, without --jsonl: said at the first line, not at
    // a line past the end.
    for sub in ["verify", "compute"] {
        let r = seal(&[sub, "--key-file", k], b"\n\n\n");
        expect_status(&r, 2);
        assert!(
            r.stderr
                .contains("<stdin>:1: empty input: expected a JSON object"),
            "{sub}: {}",
            r.stderr
        );
    }
    let bad = format!("{}\n", r#"{"amount":"1","seal":"00"}"#).repeat(2000);
    let r = seal(&["verify", "--jsonl", "--key-file", k], bad.as_bytes());
    expect_status(&r, 1);
    assert_eq!(r.stdout.lines().count(), 2000);
    assert_eq!(
        r.stderr.lines().last(),
        Some("seal: 2000 messages read: 0 valid, 2000 invalid, 0 unreadable")
    );
    let r = seal(
        &["verify", "--jsonl", "-q", "--key-file", k],
        bad.as_bytes(),
    );
    assert!(!r.stderr.contains("messages read"), "{}", r.stderr);
    let r = seal(
        &["compute", "--jsonl", "--key-file", k],
        format!("{REQ}\n{REQ}\n").as_bytes(),
    );
    expect_status(&r, 0);
    assert_eq!(r.stderr, "seal: 2 messages read: 2 sealed, 0 unreadable\n");
}

/// Checked with a key, a message without a seal is not valid: exit 1,
/// and the result says so (it does not ask for the key it was given).
#[test]
fn explain_with_a_key_on_an_unsealed_message_says_no() {
    let d = Dir::new();
    let k = d.key("k", b"secret123");
    let r = seal(
        &["explain", "--key-file", k.to_str().unwrap()],
        REQ.as_bytes(),
    );
    expect_status(&r, 1);
    assert!(
        r.stdout.contains("NO SEAL: the message is unsealed"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("give --key-file"), "{}", r.stdout);
    let r = seal(&["explain"], REQ.as_bytes());
    expect_status(&r, 0);
}

/// Verify runs on every core like compute: the verdicts and the messages
/// on stderr still come in input order, across the parts and batches.
#[test]
fn parallel_verify_keeps_the_input_order() {
    let d = Dir::new();
    let (k, good) = sealed(&d);
    let good = good.trim_end();
    let bad = good.replace("2500", "2501");
    let input = |with_unreadable: bool| {
        let mut text = String::new();
        let mut kinds = Vec::new();
        for i in 0..10_000 {
            let kind = match i % 7 {
                3 => 1,
                5 if with_unreadable => 2,
                _ => 0,
            };
            text.push_str(match kind {
                0 => good,
                1 => &bad,
                _ => "{not json",
            });
            text.push('\n');
            kinds.push(kind);
        }
        (text, kinds)
    };
    let (text, kinds) = input(false);
    let r = seal(
        &["verify", "--jsonl", "-q", "--key-file", &k],
        text.as_bytes(),
    );
    expect_status(&r, 1);
    let judged: Vec<(u64, bool)> = r
        .lines()
        .iter()
        .map(|l| (l["line"].as_u64().unwrap(), l["valid"].as_bool().unwrap()))
        .collect();
    let want: Vec<(u64, bool)> = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| (i as u64 + 1, *k == 0))
        .collect();
    assert!(
        judged == want,
        "verdicts out of order or missing ({} of {})",
        judged.len(),
        want.len()
    );
    // stderr: each bad or unreadable line where it is, in order.
    let (text, kinds) = input(true);
    let r = seal(
        &["verify", "--jsonl", "-q", "--key-file", &k],
        text.as_bytes(),
    );
    expect_status(&r, 2);
    let said: Vec<u64> = r
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("seal: <stdin>:"))
        .filter_map(|l| l.split(':').next()?.parse().ok())
        .collect();
    let want: Vec<u64> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| **k != 0)
        .map(|(i, _)| i as u64 + 1)
        .collect();
    assert!(
        said == want,
        "messages out of order or missing ({} of {})",
        said.len(),
        want.len()
    );
}

#[test]
fn every_sips_response_code_is_put_in_words_from_the_dictionary() {
    let d = Dir::new();
    let k = d.key("k", b"secret123");
    for (code, meaning, outcome) in [
        ("05", "authorisation refused by the card issuer", "refused"),
        ("17", "cancelled by the buyer", "refused"),
        (
            "60",
            "transaction pending: neither refused nor done yet",
            "pending",
        ),
        (
            "94",
            "duplicated transaction: this transactionReference was used already",
            "already done",
        ),
    ] {
        // The response rule: every field but the seal, by name, values
        // joined.
        let seal_hex = hmac_sha256_hex(b"secret123", format!("{code}R1").as_bytes());
        let resp = format!(
            r#"{{"responseCode":"{code}","transactionReference":"R1","seal":"{seal_hex}"}}"#
        );
        let r = seal(
            &["verify", "--key-file", k.to_str().unwrap()],
            resp.as_bytes(),
        );
        expect_status(&r, 0);
        let j = r.json();
        assert_eq!(j["valid"], true, "{code}: {j}");
        assert_eq!(j["meaning"], meaning, "{code}: {j}");
        assert_eq!(j["outcome"], outcome, "{code}: {j}");
        assert!(j["action"].as_str().is_some_and(|a| !a.is_empty()), "{j}");
    }
}

/// Lines over several batches (4,096 lines each, worked on by every core,
/// each batch's output written while the next is worked on): every line
/// answered once, in input order, with its own line number; a wrong seal
/// said at its line; a line that is not JSON, or a secret pasted into a
/// field, in the third batch, is said at its line and nothing is written
/// (status 2), as in a run of one batch.
#[test]
fn jsonl_over_many_batches_answers_each_line_in_order() {
    let d = Dir::new();
    let k = d.key("k", b"0123456789abcdefXY").display().to_string();
    let n = 10_000;
    let line = |i: usize| {
        format!("{{\"amount\":\"{i}\",\"keyVersion\":\"1\",\"merchantId\":\"011223344550000\"}}\n")
    };
    let input: String = (1..=n).map(line).collect();
    let r = seal(
        &["compute", "--jsonl", "-q", "--key-file", &k],
        input.as_bytes(),
    );
    expect_status(&r, 0);
    let sealed: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(sealed.len(), n);
    for (i, line) in sealed.iter().enumerate() {
        assert!(
            line.starts_with(&format!("{{\"amount\":\"{}\",", i + 1)),
            "{line}"
        );
    }

    // Verified back, one of them made wrong.
    let wrong = sealed[7_000].replace("\"amount\":\"7001\"", "\"amount\":\"9\"");
    let mut again = sealed.clone();
    again[7_000] = &wrong;
    let r = seal(
        &["verify", "--jsonl", "-q", "--key-file", &k],
        format!("{}\n", again.join("\n")).as_bytes(),
    );
    expect_status(&r, 1);
    let verdicts = r.lines();
    assert_eq!(verdicts.len(), n);
    for (i, v) in verdicts.iter().enumerate() {
        assert_eq!(v["line"], i + 1);
        assert_eq!(v["valid"], i != 7_000, "{v}");
    }

    for (at, bad, said) in [
        (
            9_000,
            "{\"amount\":\"9000\",\"returnContext\":\"0123456789abcdefXY\"}",
            "holds a secret",
        ),
        (8_500, "not json", "malformed JSON"),
    ] {
        let text: String = (1..=n)
            .map(|i| if i == at { format!("{bad}\n") } else { line(i) })
            .collect();
        let r = seal(
            &["compute", "--jsonl", "-q", "--key-file", &k],
            text.as_bytes(),
        );
        expect_status(&r, 2);
        assert!(r.stderr.contains(&at.to_string()), "{}", r.stderr);
        assert!(r.stderr.contains(said), "{}", r.stderr);
        assert!(!r.stderr.contains("0123456789ab"), "{}", r.stderr);
        assert_eq!(r.stdout, "");
    }
}

#[test]
fn jsonl_lines_after_megabytes_of_blank_lines_are_all_answered() {
    // More blank lines than a batch's bytes, between messages and before
    // the first: a batch of blank lines only was taken for the input's
    // end, and the messages after it were lost with status 0.
    let d = Dir::new();
    let k = d.key("k", b"0123456789abcdefXY").display().to_string();
    let line = |i: usize| {
        format!("{{\"amount\":\"{i}\",\"keyVersion\":\"1\",\"merchantId\":\"011223344550000\"}}\n")
    };
    let blanks = format!("{}\n", " ".repeat(999)).repeat(9_000);
    let input = format!("{blanks}{}{blanks}{}\r\n \n{}", line(1), line(2), line(3));
    let r = seal(
        &["compute", "--jsonl", "-q", "--key-file", &k],
        input.as_bytes(),
    );
    expect_status(&r, 0);
    let sealed: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(sealed.len(), 3, "{}", r.stderr);
    let r = seal(
        &["verify", "--jsonl", "-q", "--key-file", &k],
        format!("{blanks}{}\n{blanks}{}\n", sealed[0], sealed[2]).as_bytes(),
    );
    expect_status(&r, 0);
    let verdicts = r.lines();
    assert_eq!(verdicts.len(), 2);
    assert_eq!(verdicts[0]["line"], 9_001);
    assert_eq!(verdicts[1]["line"], 18_002);
}
