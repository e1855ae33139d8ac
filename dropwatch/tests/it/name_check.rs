//! `dropwatch name` and `dropwatch check` on real directory trees.

use crate::util::*;

fn lyra_name(d: &Dir, extra: &[&str]) -> Run {
    let mut args = vec![
        "name", "--scheme", "lyra", "--shop", "12345678", "--mode", "test", "--date", "20261123",
    ];
    args.extend_from_slice(extra);
    d.run(&args)
}

#[test]
fn name_starts_at_01_in_an_empty_directory() {
    let d = Dir::new();
    d.mkdir("out");
    let r = lyra_name(&d, &["out"]);
    r.expect(0);
    assert_eq!(r.stdout(), format!("{REQ1}\n"));
}

#[test]
fn name_knows_every_state_of_a_name() {
    let d = Dir::new();
    d.write(
        "12345678/request_ips/20261123.12345678.PAY.REQ.T.01_ERROR",
        "x",
    );
    d.write(
        "12345678/request_ips/20261123.12345678.PAY.REQ.T.02_DUPLICATE",
        "x",
    );
    d.write(
        "12345678/request_ips/20261123.12345678.PAY.REQ.T.03.gz",
        "x",
    );
    // moved to result_ips as REQ and answered
    d.write("12345678/result_ips/20261123.12345678.PAY.ANS.T.04", "x");
    d.write("12345678/result_ips/20261123.12345678.PAY.REQ.T.05", "x");
    // other day, other shop, other mode: not counted
    d.write("12345678/request_ips/20261122.12345678.PAY.REQ.T.40", "x");
    d.write("12345678/request_ips/20261123.87654321.PAY.REQ.T.41", "x");
    d.write("12345678/request_ips/20261123.12345678.PAY.REQ.P.42", "x");
    d.write("sent.log", "# sent\n20261123.12345678.PAY.REQ.T.06\n");
    let r = lyra_name(&d, &["--sent", "sent.log", "12345678/request_ips"]);
    r.expect(0);
    assert_eq!(r.stdout().trim(), "20261123.12345678.PAY.REQ.T.07");
    // production mode counts only P files
    let r = d.run(&[
        "name",
        "--shop",
        "12345678",
        "--mode",
        "production",
        "--date",
        "2026-11-23",
        "12345678/request_ips",
    ]);
    r.expect(0);
    assert_eq!(r.stdout().trim(), "20261123.12345678.PAY.REQ.P.43");
}

#[test]
fn name_fails_clearly_after_99() {
    let d = Dir::new();
    d.write("out/20261123.12345678.PAY.REQ.T.99.gz", "x");
    let r = lyra_name(&d, &["out"]);
    r.expect(1);
    assert!(
        r.stderr().contains("no free request name left"),
        "{}",
        r.describe()
    );
    assert!(r.stdout().is_empty());
}

#[test]
fn name_refuses_bad_options() {
    let d = Dir::new();
    d.mkdir("out");
    let r = d.run(&["name", "--shop", "1234", "out"]);
    r.expect(2);
    assert!(r.stderr().contains("not 8 digits"), "{}", r.describe());
    let r = d.run(&["name", "--shop", "12345678", "--date", "20261131", "out"]);
    r.expect(2);
    assert!(r.stderr().contains("not a date"), "{}", r.describe());
    let r = d.run(&["name", "--shop", "12345678", "missing"]);
    r.expect(2);
    // Said as written, not as read.
    let r = d.run(&["name", "--shop", "12345678", "--date", "2026-13-01", "out"]);
    r.expect(2);
    assert!(
        r.stderr().contains("--date \"2026-13-01\" is not a date"),
        "{}",
        r.describe()
    );
}

/// The pointer to the subcommand's help is read from the arguments: one
/// that is not UTF-8 (the program's own name, a path in a Latin-1
/// directory, or exec -a) ended the run by a panic, status 101, where the
/// same usage error is status 2 (std::env::args panics on it).
#[test]
fn a_usage_error_under_a_program_name_not_utf8_is_status_2() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::process::CommandExt;
    let d = Dir::new();
    d.mkdir("out");
    let out = d
        .cmd()
        .arg0(OsStr::from_bytes(b"/opt/caf\xe9/dropwatch"))
        .args(["name", "--site", "1999888", "--rank", "32", "out"])
        .output()
        .unwrap();
    let r = Run {
        args: vec!["name".into(), "--site".into()],
        out,
    };
    r.expect(2);
    assert!(
        r.stderr()
            .ends_with("Try 'dropwatch name --help' for more information.\n"),
        "{}",
        r.describe()
    );
}

/// `--gateway` defaults to lyra: a Paybox user who leaves it out
/// (`--site … --rank …`, `--question`) is told which `--gateway` the
/// option is for, where "--gateway lyra needs --shop" named an option
/// they never gave; and the reverse. Then, as told, a name.
#[test]
fn name_says_which_gateway_an_option_is_for() {
    let d = Dir::new();
    d.mkdir("out");
    d.write("q.xml", &protected_question(42));
    for args in [
        &["name", "--site", "1999888", "--rank", "32", "out"][..],
        &["name", "--question", "q.xml", "out"],
        &["name", "--gateway", "lyra", "--rank", "32", "out"],
    ] {
        let r = d.run(args);
        r.expect(2);
        assert!(
            r.stderr().contains("is for --gateway paybox (a Question's name); without --gateway, the name is a Lyra file's (--shop)"),
            "{}",
            r.describe()
        );
        assert!(!r.stderr().contains("needs --shop"), "{}", r.describe());
        // The help that names the options: name's, not the tool's.
        assert!(
            r.stderr()
                .ends_with("Try 'dropwatch name --help' for more information.\n"),
            "{}",
            r.describe()
        );
    }
    // A value clap's parser refused (it prints no usage line) likewise.
    let r = d.run(&["name", "--template", "{site}.xml", "out"]);
    r.expect(2);
    assert!(
        r.stderr()
            .ends_with("Try 'dropwatch name --help' for more information.\n"),
        "{}",
        r.describe()
    );
    for (option, args) in [
        (
            "--shop",
            &["name", "--gateway", "paybox", "--shop", "12345678", "out"][..],
        ),
        (
            "--date",
            &[
                "name",
                "--gateway",
                "paybox",
                "--site",
                "1999888",
                "--rank",
                "32",
                "--date",
                "20261123",
                "out",
            ],
        ),
    ] {
        let r = d.run(args);
        r.expect(2);
        assert!(
            r.stderr()
                .contains(&format!("name: {option} is for --gateway lyra")),
            "{}",
            r.describe()
        );
        assert!(r.stdout().is_empty(), "{}", r.describe());
    }
    let r = d.run(&["name", "--gateway", "paybox", "--question", "q.xml", "out"]);
    r.expect(0);
    assert_eq!(r.stdout(), "1999888.032.000042.xml\n");
    let r = d.run(&[
        "name",
        "--gateway",
        "paybox",
        "--site",
        "1999888",
        "--rank",
        "32",
        "out",
    ]);
    r.expect(0);
    assert_eq!(r.stdout(), "1999888.032.000001.xml\n");
}

#[test]
fn name_record_reserves_the_name() {
    let d = Dir::new();
    d.mkdir("out");
    let a = lyra_name(&d, &["--sent", "sent.log", "--record", "out"]);
    a.expect(0);
    let b = lyra_name(&d, &["--sent", "sent.log", "--record", "out"]);
    b.expect(0);
    assert_eq!(a.stdout().trim(), REQ1);
    assert_eq!(b.stdout().trim(), "20261123.12345678.PAY.REQ.T.02");
    assert_eq!(
        d.read("sent.log"),
        format!("{REQ1}\n20261123.12345678.PAY.REQ.T.02\n")
    );
}

/// A sent list edited by hand (its last line without a newline), saved
/// by Windows Notepad (a BOM, CRLF) or by an old Mac editor (bare CRs):
/// every name in it is known, and a name recorded after a last line
/// without its newline stays a line of its own. Before, the name was
/// glued to the last one, both were lost, and the next run handed out
/// a name already sent (the gateway renames it _DUPLICATE).
#[test]
fn name_reads_and_records_any_sent_list() {
    let d = Dir::new();
    d.mkdir("out");
    let t = |n: u32| format!("20261123.12345678.PAY.REQ.T.{n:02}");
    d.write("sent.log", &t(1));
    let a = lyra_name(&d, &["--sent", "sent.log", "--record", "out"]);
    a.expect(0);
    assert_eq!(a.stdout().trim(), t(2));
    assert_eq!(d.read("sent.log"), format!("{}\n{}\n", t(1), t(2)));
    let b = lyra_name(&d, &["--sent", "sent.log", "--record", "out"]);
    b.expect(0);
    assert_eq!(b.stdout().trim(), t(3));
    for (list, next) in [
        (format!("\u{feff}{}\r\n", t(7)), t(8)),
        (format!("{}\r{}\r", t(4), t(5)), t(6)),
        (format!("\u{feff}{}\r{}", t(4), t(9)), t(10)),
    ] {
        d.write("other.log", &list);
        let r = lyra_name(&d, &["--sent", "other.log", "out"]);
        r.expect(0);
        assert_eq!(r.stdout().trim(), next, "{list:?}");
    }
}

/// Found by an attacker: after batch 2147483647, the highest the gateway
/// takes (and xmlbatch build writes), a wide template made `name` print
/// the name of batch 2147483648 with status 0, a Question that can never
/// be built. No name is left: status 1, as after the template's largest.
#[test]
fn paybox_name_stops_at_the_gateways_highest_batch_number() {
    let d = Dir::new();
    d.write("out/1999888.032.2147483646.xml", "q");
    let name = |d: &Dir| {
        d.run(&[
            "name",
            "--gateway",
            "paybox",
            "--site",
            "1999888",
            "--rank",
            "32",
            "--template",
            "{site}.{rank}.{batch}.xml",
            "out",
        ])
    };
    let r = name(&d);
    r.expect(0);
    assert_eq!(r.stdout().trim(), "1999888.032.2147483647.xml");
    d.write("out/1999888.032.2147483647.xml", "q");
    let r = name(&d);
    r.expect(1);
    assert_eq!(r.stdout(), "");
    assert!(
        r.stderr()
            .contains("2147483647 is the highest batch number the gateway takes"),
        "{}",
        r.describe()
    );
}

#[test]
fn paybox_name_takes_the_next_batch_number() {
    let d = Dir::new();
    d.write("m/in/1999888.032.000007.xml", "x");
    d.write("m/out/1999888.032.000009.status.xml", "x");
    d.write("m/out/1999888.032.000011.err", "x");
    d.write("m/out/1999888.001.000050.status.xml", "x"); // other rank
    let r = d.run(&[
        "name", "--scheme", "paybox", "--site", "1999888", "--rank", "32", "m/in",
    ]);
    r.expect(0);
    assert_eq!(r.stdout().trim(), "1999888.032.000012.xml");
    // configurable naming
    d.write("q/Q-5.xml", "x");
    let r = d.run(&[
        "name",
        "--scheme",
        "paybox",
        "--template",
        "Q-{batch}.xml",
        "q",
    ]);
    r.expect(0);
    assert_eq!(r.stdout().trim(), "Q-6.xml");
    let r = d.run(&["name", "--scheme", "paybox", "--template", "Q.xml", "q"]);
    r.expect(2);
    assert!(r.stderr().contains("{batch}"), "{}", r.describe());
    // the width of the template bounds the number
    d.write("w/1999888.032.9.xml", "x");
    let r = d.run(&[
        "name",
        "--scheme",
        "paybox",
        "--site",
        "1999888",
        "--rank",
        "032",
        "--template",
        "{site}.{rank}.{batch:1}.xml",
        "w",
    ]);
    r.expect(1);
}

#[test]
fn check_accepts_a_good_file() {
    let d = Dir::new();
    let f = d.write(&format!("out/{REQ1}"), "00;PAY;06\n");
    let r = d.run(&["check", f.to_str().unwrap()]);
    r.expect(0);
    assert!(r.stdout().contains(": ok"), "{}", r.describe());
}

/// A REQ whose ids cannot be read (a byte that is not UTF-8) is said by
/// its line in the warning that names it, not by its name a second time.
#[test]
fn check_says_an_unreadable_request_by_its_line() {
    let d = Dir::new();
    let f = d.write(&format!("out/{REQ1}"), "");
    std::fs::write(
        &f,
        b"00;PAY;06;12345678;TEST;20261123;102008;\n\
          02;1;20261123;102008;000001;CD;93599;978;;;TOKEN-1;;ORDER-\xe9;;;\n01;1\n",
    )
    .unwrap();
    let r = d.run(&["check", "--gateway", "lyra", f.to_str().unwrap()]);
    r.expect(0);
    let err = r.stderr();
    assert!(
        err.contains("the transaction ids of this file could not be read (line 2: column 13: byte 0xE9 is not UTF-8"),
        "{}",
        r.describe()
    );
    assert_eq!(err.matches(REQ1).count(), 2, "{}", r.describe());
}

#[test]
fn check_reports_every_rule_in_order() {
    let d = Dir::new();
    d.write("out/bad.csv", "x");
    d.write("out/20261123.12345678.PAY.REQ.T.02", "");
    d.write("out/20261123.12345678.PAY.REQ.T.03", "x");
    d.write("out/20261123.12345678.PAY.REQ.T.03_DUPLICATE", "x");
    d.write("out/20261123.12345678.PAY.REQ.T.04", "x");
    d.write("res/20261123.12345678.PAY.ANS.T.04.gz", "x");
    let r = d.run(&[
        "check",
        "--json",
        "--known",
        "out",
        "--known",
        "res",
        "out/bad.csv",
        "out/20261123.12345678.PAY.REQ.T.02",
        "out/20261123.12345678.PAY.REQ.T.03",
        "out/20261123.12345678.PAY.REQ.T.04",
    ]);
    r.expect(1);
    let ev = r.events();
    assert_eq!(ev.len(), 4);
    let codes = |i: usize| -> Vec<String> {
        ev[i]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes(0), ["name"]);
    assert_eq!(codes(1), ["empty"]);
    assert_eq!(codes(2), ["duplicate"]);
    assert_eq!(codes(3), ["duplicate"]);
    assert!(ev.iter().all(|e| e["ok"] == false && e["version"] == 1));
    assert!(r.stderr().contains("_ERROR"), "{}", r.describe());
    assert!(r.stderr().contains("_DUPLICATE"), "{}", r.describe());
}

#[test]
fn check_sees_a_file_still_open() {
    let d = Dir::new();
    let f = d.write(&format!("out/{REQ1}"), "00;PAY;06\n");
    {
        let _h = Holder::new(&f);
        let r = d.run(&["check", f.to_str().unwrap()]);
        r.expect(1);
        assert!(
            r.stderr().contains("still open by process"),
            "{}",
            r.describe()
        );
    }
    d.run(&["check", f.to_str().unwrap()]).expect(0);
}

#[test]
fn check_refuses_symlinks_and_paybox_old_batches() {
    let d = Dir::new();
    d.write("real", "x");
    d.mkdir("out");
    std::os::unix::fs::symlink(d.path("real"), d.path(&format!("out/{REQ1}"))).unwrap();
    let r = d.run(&["check", &format!("out/{REQ1}")]);
    r.expect(1);
    assert!(r.stderr().contains("symbolic link"), "{}", r.describe());

    d.write("m/out/1999888.032.000042.status.xml", "x");
    // The Merchant content encrypted, as pgpwrap encrypt --element
    // Merchant leaves it.
    let question = protected_question;
    d.write("m/in/1999888.032.000041.xml", &question(41));
    d.write("m/in/1999888.032.000043.xml", &question(43));
    let r = d.run(&["check", "--scheme", "paybox", "m/in/1999888.032.000041.xml"]);
    r.expect(1);
    assert!(
        r.stderr().contains("not greater than 42"),
        "{}",
        r.describe()
    );
    d.run(&["check", "--scheme", "paybox", "m/in/1999888.032.000043.xml"])
        .expect(0);
}

#[test]
fn check_refuses_a_paybox_question_in_clear() {
    let d = Dir::new();
    d.write(
        "t2/1999888.032.000002.xml",
        "<PayboxBatch BatchNumber=\"2\"><Merchant Site=\"1999888\" Rank=\"032\"><Question NumQuestion=\"1\"><PAN>1111222233334444</PAN><CVV>123</CVV></Question></Merchant></PayboxBatch>\n",
    );
    let r = d.run(&[
        "check",
        "--gateway",
        "paybox",
        "--json",
        "t2/1999888.032.000002.xml",
    ]);
    r.expect(1);
    assert_eq!(
        r.events()[0]["problems"][0]["code"],
        "clear",
        "{}",
        r.describe()
    );
    assert!(
        r.stderr().contains(
            "pgpwrap encrypt --element Merchant --recipient PAYBOX.pub --sign-with SHOP.key"
        ),
        "{}",
        r.describe()
    );
}

/// A name refused by one gateway's rule that the other's takes says which
/// `--gateway` it is for (`--gateway` defaults to lyra: a Paybox Question
/// checked without `--gateway paybox` was told only "4 dot-separated
/// parts instead of 6"); a name neither takes says nothing more.
#[test]
fn check_names_the_gateway_a_name_is_for() {
    let d = Dir::new();
    d.write("in/1999888.032.000001.xml", &protected_question(1));
    d.write(&format!("out/{REQ1}"), "x");
    d.write("out/orders.csv", "x");
    let r = d.run(&["check", "--json", "in/1999888.032.000001.xml"]);
    r.expect(1);
    assert_eq!(
        r.events()[0]["problems"][0]["code"],
        "name",
        "{}",
        r.describe()
    );
    assert!(
        r.stderr()
            .contains("(it is named as a Paybox Question: add --gateway paybox)"),
        "{}",
        r.describe()
    );
    let r = d.run(&["check", "--gateway", "paybox", &format!("out/{REQ1}")]);
    r.expect(1);
    assert!(
        r.stderr()
            .contains("(it is named as a Lyra request: --gateway lyra)"),
        "{}",
        r.describe()
    );
    for gateway in ["lyra", "paybox"] {
        let r = d.run(&["check", "--gateway", gateway, "out/orders.csv"]);
        r.expect(1);
        assert!(!r.stderr().contains("it is named as"), "{}", r.describe());
    }
    // As told, it passes.
    let r = d.run(&["check", "--gateway", "paybox", "in/1999888.032.000001.xml"]);
    r.expect(0);
}

/// A Question encrypted whole (`pgpwrap encrypt` without `--element
/// Merchant`, armored or binary) is said so, with the command that
/// protects it as the gateway takes it, by `check` (and so `upload`), by
/// `name --question` and by the sandbox, where the XML reader said "text
/// outside the root element" or "cannot decode input using UTF-8".
#[test]
fn a_question_encrypted_whole_is_said_so() {
    let d = Dir::new();
    d.mkdir("out");
    d.write("in/1999888.032.000001.xml", ENCRYPTED);
    // A binary message: its first packet a session key (PKESK, new
    // format), as pgpwrap encrypt writes it without --armor.
    let mut binary = vec![0xc1, 0x5e, 0x03];
    binary.extend((0..200u32).map(|i| (i * 37 % 251) as u8));
    std::fs::write(d.path("in/1999888.032.000002.xml"), &binary).unwrap();
    let said = "the whole file is an OpenPGP message, not a Question whose Merchant element is \
                encrypted: the gateway reads a Question's BatchNumber, Site and Rank before it \
                decrypts anything; encrypt only the Merchant element's content (xmlbatch build \
                ... | pgpwrap encrypt --element Merchant --recipient PAYBOX.pub --sign-with \
                SHOP.key -o FILE)";
    for file in ["in/1999888.032.000001.xml", "in/1999888.032.000002.xml"] {
        let r = d.run(&["check", "--gateway", "paybox", "--json", file]);
        r.expect(1);
        assert_eq!(
            r.events()[0]["problems"][0]["code"],
            "content",
            "{}",
            r.describe()
        );
        assert!(r.stderr().contains(said), "{}", r.describe());
        assert!(!r.stderr().contains("malformed XML"), "{}", r.describe());
        let r = d.run(&["name", "--gateway", "paybox", "--question", file, "out"]);
        r.expect(2);
        assert!(r.stderr().contains(said), "{}", r.describe());
    }
    // The sandbox's .err says the same.
    d.write("sb/shop/in/1999888.032.000001.xml", ENCRYPTED);
    let r = d.run(&[
        "gateway",
        "--gateway",
        "paybox",
        "--once",
        "--settle",
        "0s",
        "sb",
    ]);
    r.expect(0);
    assert!(
        d.read("sb/shop/out/1999888.032.000001.err").contains(said),
        "{}",
        d.tree()
    );
    // Encrypted as the gateway takes it, the same content is a Question.
    d.write("in/1999888.032.000003.xml", &protected_question(3));
    let r = d.run(&["check", "--gateway", "paybox", "in/1999888.032.000003.xml"]);
    r.expect(0);
}

/// Attack H3: a Merchant element that only looks encrypted. Each is
/// refused (exit 1, code "clear", the pgpwrap command said); the real
/// envelope passes.
#[test]
fn check_refuses_a_merchant_element_that_only_looks_encrypted() {
    let d = Dir::new();
    let real = protected_question(2);
    let clear =
        "<Question NumQuestion=\"1\"><CB><PAN>1111222233334444</PAN><CVV>123</CVV></CB></Question>";
    let end = "-----END PGP MESSAGE-----\n";
    let wrap = |content: &str| {
        format!(
            "<PayboxBatch xmlns=\"http://www.paybox.com/PayboxBatch\" BatchNumber=\"2\"><Merchant Site=\"1999888\" Rank=\"032\">{content}</Merchant></PayboxBatch>\n"
        )
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "an armor line over clear XML",
            wrap(&format!("\n-----BEGIN PGP MESSAGE-----\n\n{clear}\n{end}")),
            "'<' (markup) inside the armored message",
        ),
        (
            "an armor line, then card data, no END",
            wrap("-----BEGIN PGP MESSAGE-----\n1111222233334444 123"),
            "inside the armored message",
        ),
        (
            "garbage in the armor",
            wrap(&format!("\n-----BEGIN PGP MESSAGE-----\n\nZ2FyYmFnZSBnYXJiYWdl\n{end}")),
            "not OpenPGP data",
        ),
        (
            "a signed message, not encrypted",
            wrap("\n-----BEGIN PGP MESSAGE-----\n\nxA0DAAgWEhPS9YOBetsBywxiAAAAAABoZWxsbwrCvQQAFggAbwWCaxWJOgkQEhPS\n9YOBettHFAAAAAAAHgAgc2FsdEBub3RhdGlvbnMuc2VxdW9pYS1wZ3Aub3Jnb1Ve\neSUvwCOUpb3xYtSUATqjshZoLXUdlOOFA5iTs3UWIQQEsWa1TakfDAxM54YSE9L1\ng4F62wAAP3cBAJeF7iuCcHg6OB1rmHKlCdEzBJOkbDcEeuV60/H1R8Y0AP97Q52w\n6Gg3pAM+ARxU5SW/VHQJhK8dId5Y9IvZwLnlBw==\n=xnn2\n-----END PGP MESSAGE-----\n"),
            "one-pass signature",
        ),
        (
            "a real armor, then clear child elements",
            real.replacen(end, &format!("{end}{clear}"), 1),
            "element <Question> in the Merchant element",
        ),
        (
            "a real armor, then clear text",
            real.replacen(end, &format!("{end}4970100000000000 123"), 1),
            "text after the END",
        ),
        (
            "a second, clear Merchant",
            real.replacen("</Merchant>", &format!("</Merchant><Merchant Site=\"1999888\" Rank=\"032\">{clear}</Merchant>"), 1),
            "a second <Merchant>",
        ),
        (
            "the armored Merchant under a prefix of another namespace",
            real.replacen("<Merchant ", "<p:Merchant xmlns:p=\"urn:elsewhere\" ", 1)
                .replacen("</Merchant>", &format!("</p:Merchant><Other>{clear}</Other>"), 1),
            "<p:Merchant> with a namespace of its own",
        ),
        (
            "the Merchant in another default namespace",
            real.replacen("<Merchant ", "<Merchant xmlns=\"urn:elsewhere\" ", 1),
            "with a namespace of its own",
        ),
        (
            "clear content in CDATA",
            wrap(&format!("<![CDATA[\n-----BEGIN PGP MESSAGE-----\n]]>{clear}")),
            "in clear",
        ),
        (
            "card data in a comment",
            real.replacen("</Merchant>", "</Merchant><!-- 4970100000000000 -->", 1),
            "a comment",
        ),
        (
            "clear text in the root",
            real.replacen("</Merchant>", "</Merchant>4970100000000000", 1),
            "text in clear in the root",
        ),
    ];
    for (i, (what, content, says)) in cases.iter().enumerate() {
        let f = format!("t{i}/1999888.032.000002.xml");
        d.write(&f, content);
        let r = d.run(&["check", "--gateway", "paybox", "--json", &f]);
        r.expect(1);
        assert_eq!(
            r.events()[0]["problems"][0]["code"],
            "clear",
            "{what}: {}",
            r.describe()
        );
        assert!(r.stderr().contains(says), "{what}: {}", r.describe());
        assert!(
            r.stderr().contains("pgpwrap encrypt --element Merchant"),
            "{what}: {}",
            r.describe()
        );
        assert!(
            !r.stderr().contains("1111222233334444"),
            "{what}: {}",
            r.describe()
        );
    }
    d.write("ok/1999888.032.000002.xml", &real);
    d.run(&["check", "--gateway", "paybox", "ok/1999888.032.000002.xml"])
        .expect(0);
}

#[test]
fn check_missing_file_is_trouble_but_others_are_checked() {
    let d = Dir::new();
    d.write(&format!("out/{REQ1}"), "");
    let r = d.run(&["check", "out/nope", &format!("out/{REQ1}")]);
    r.expect(2);
    // The other file's problem is said; a run in trouble leaves nothing
    // on stdout (docs/conventions.md).
    assert!(r.stderr().contains("is empty"), "{}", r.describe());
    assert_eq!(r.stdout(), "", "{}", r.describe());
    // Said once, then what became of the others.
    assert_eq!(r.stderr().matches("nope").count(), 1, "{}", r.describe());
    assert!(
        r.stderr()
            .contains("1 of 2 files could not be checked (said above)"),
        "{}",
        r.describe()
    );
}

/// Found by an attacker: one file that cannot be checked had its error
/// said twice, the second time behind "(the other files were checked,
/// their problems said above)", with no other file. Said once.
#[test]
fn check_says_a_lone_file_s_trouble_once() {
    let d = Dir::new();
    d.write("dir/x", "");
    for file in ["nowhere/x", "dir/missing"] {
        let r = d.run(&["check", file]);
        r.expect(2);
        assert_eq!(r.stderr().lines().count(), 1, "{}", r.describe());
        assert!(!r.stderr().contains("other files"), "{}", r.describe());
    }
}

#[test]
fn help_has_examples_and_exit_statuses() {
    let d = Dir::new();
    for sub in ["name", "check", "watch", "sweep", "gateway"] {
        let r = d.run(&[sub, "--help"]);
        r.expect(0);
        assert!(
            r.stdout().contains("$ dropwatch"),
            "{sub}: {}",
            r.describe()
        );
        assert!(
            r.stdout().contains("Exit status"),
            "{sub}: {}",
            r.describe()
        );
    }
    d.run(&["--version"]).expect(0);
    d.run(&["frobnicate"]).expect(2);
}

#[test]
fn check_agrees_with_fuser() {
    let d = Dir::new();
    let f = d.write(&format!("out/{REQ1}"), "00;PAY;06\n");
    let h = Holder::new(&f);
    let fuser = std::process::Command::new("fuser")
        .arg(&f)
        .output()
        .expect("fuser (psmisc) is needed by this test: apt-get install -y psmisc");
    let pids: Vec<u32> = String::from_utf8_lossy(&fuser.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    assert_eq!(pids, vec![h.pid()], "fuser sees the holder");
    let r = d.run(&["check", f.to_str().unwrap()]);
    r.expect(1);
    assert!(
        r.stderr()
            .contains(&format!("still open by process {} (sh)", h.pid())),
        "{}",
        r.describe()
    );
}

/// When a file uploaded at a given time is read and answered, by
/// Systempay's schedule (the default, Paris time).
#[test]
fn check_says_when_the_file_is_read_and_answered() {
    let d = Dir::new();
    let test = "20261123.12345678.PAY.REQ.T.01";
    let prod = "20261123.12345678.PAY.REQ.P.01";
    d.write(&format!("out/{test}"), "x\n");
    d.write(&format!("out/{prod}"), "x\n");
    let when = |name: &str, at: &str| {
        let r = d.run(&["check", "--json", "--at", at, &format!("out/{name}")]);
        r.expect(0);
        let ev = r.events();
        assert_eq!(ev.len(), 1, "{}", r.describe());
        let hhmm = |f: &str| {
            let t = ev[0][f].as_str().unwrap().to_string();
            assert!(t.ends_with("+01:00"), "{t}");
            (t[8..10].to_string(), t[11..16].to_string())
        };
        (hhmm("scan"), hhmm("answer_from"), hhmm("answer_by"))
    };
    let s = |day: &str, scan: &str, from: &str, by: &str| {
        (
            (day.to_string(), scan.to_string()),
            (day.to_string(), from.to_string()),
            (day.to_string(), by.to_string()),
        )
    };
    let morning = |day: &str, scan: &str| s(day, scan, "08:00", "09:00");
    for (name, at, expected) in [
        (test, "03:59", morning("23", "04:00")),
        (test, "04:01", morning("23", "05:00")),
        (test, "12:59", s("23", "13:00", "14:00", "15:00")),
        (test, "13:01", morning("24", "04:00")),
        (prod, "03:59", morning("23", "04:00")),
        (prod, "04:01", morning("23", "05:00")),
        (prod, "12:59", morning("24", "04:00")),
        (prod, "13:01", morning("24", "04:00")),
    ] {
        assert_eq!(
            when(name, &format!("2026-11-23T{at}:00+01:00")),
            expected,
            "{name} uploaded at {at}"
        );
    }
    // The human form says it on stderr; another brand's schedule is set.
    let r = d.run(&[
        "check",
        "--at",
        "2026-11-23T06:55:00+01:00",
        "--production-scans",
        "07:00,13:00",
        "--upload-lead",
        "10m",
        &format!("out/{prod}"),
    ]);
    r.expect(0);
    assert!(
        r.stderr().contains("uploaded at 2026-11-23T06:55:00+01:00, it is read by the PRODUCTION scan of 2026-11-23T13:00:00+01:00"),
        "{}",
        r.describe()
    );
    d.run(&["check", "--test-scans", "4h", &format!("out/{test}")])
        .expect(2);
}
