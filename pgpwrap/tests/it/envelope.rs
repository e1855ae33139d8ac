//! Element mode binds what stays readable: the routing data of a Paybox
//! Question (BatchNumber, CreatedOn, Site, Rank) is covered by the
//! signature, and a file whose readable copy was changed after signing is
//! refused (exit 1, nothing written). The gateway's side does the same
//! with gpg, both ways. And a message that makes the OpenPGP library
//! panic ends in a message and status 2, never in an abort.

use std::fs;
use std::path::Path;

use crate::util::*;

const QUESTION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<PayboxBatch xmlns="http://www.paybox.com/PayboxBatch" BatchNumber="42" CreatedOn="2026-11-22T10:15:00+01:00">
  <Merchant Site="1999888" Rank="032">
    <Question Number="0000000001" Type="00003">
      <Amount>1000</Amount><Currency>978</Currency><Reference>ORDER-1</Reference>
      <Card><CB><PAN>1111222233334444</PAN><Expiry>0529</Expiry><CVV>123</CVV></CB></Card>
    </Question>
  </Merchant>
</PayboxBatch>
"#;

fn encrypt_element(wd: &Path) -> std::path::PathBuf {
    encrypt_element_of(wd, QUESTION.as_bytes())
}

/// `pgpwrap encrypt --element Merchant` of `doc`.
fn encrypt_element_of(wd: &Path, doc: &[u8]) -> std::path::PathBuf {
    let k = keys();
    let clear = wd.join("question.xml");
    fs::write(&clear, doc).unwrap();
    let enc = wd.join("question.enc.xml");
    let (code, _, err) = run(a![
        "encrypt",
        "--recipient",
        k.pubkey("gw_rsa"),
        "--sign-with",
        k.key("shop_ed"),
        "--element",
        "Merchant",
        "-o",
        &enc,
        &clear
    ]);
    assert_eq!(code, 0, "{err}");
    enc
}

fn decrypt_element(input: &Path, out: &Path) -> (i32, Vec<u8>, String) {
    let k = keys();
    run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey("shop_ed"),
        "--element",
        "Merchant",
        "-o",
        out,
        input
    ])
}

#[test]
fn the_signed_document_comes_back_byte_for_byte() {
    let wd = workdir();
    let enc = encrypt_element(wd.path());
    let readable = fs::read_to_string(&enc).unwrap();
    assert!(readable.contains(r#"BatchNumber="42""#) && readable.contains(r#"Rank="032""#));
    assert!(!readable.contains("1111222233334444"));
    let out = wd.path().join("back.xml");
    let (code, _, err) = decrypt_element(&enc, &out);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read_to_string(&out).unwrap(), QUESTION);
}

/// Found by an attacker: a document that starts with a UTF-8 BOM (as a
/// Windows tool saves it) had its element found three bytes early (the
/// XML reader skips the BOM and counts from after it): the armor was
/// written over the end of `<Merchant Site="1999888" Rank="032">`, the
/// last bytes of the clear content stayed readable after it, encrypt
/// ended with status 0, and the file was broken XML that decrypt, the
/// gateway and dropwatch check all refused (and inspect took the file
/// for a binary message). The BOM is kept, the element found where it
/// is.
#[test]
fn a_document_with_a_bom_is_wrapped_where_its_element_is() {
    let wd = workdir();
    let doc = format!("\u{feff}{QUESTION}");
    let enc = encrypt_element_of(wd.path(), doc.as_bytes());
    let readable = fs::read_to_string(&enc).unwrap();
    assert!(
        readable.starts_with("\u{feff}<?xml")
            && readable
                .contains("<Merchant Site=\"1999888\" Rank=\"032\">\n-----BEGIN PGP MESSAGE-----")
            && readable.ends_with("-----END PGP MESSAGE-----\n</Merchant>\n</PayboxBatch>\n"),
        "{readable}"
    );
    let (code, stdout, err) = run(a!["inspect", &enc]);
    let described = String::from_utf8_lossy(&stdout);
    assert!(
        code == 0 && described.starts_with("XML document: element <Merchant> holds the message"),
        "{described}{err}"
    );
    let out = wd.path().join("back.xml");
    let (code, _, err) = decrypt_element(&enc, &out);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read_to_string(&out).unwrap(), doc);
}

#[test]
fn altered_routing_data_is_refused_attribute_by_attribute() {
    let wd = workdir();
    let enc = encrypt_element(wd.path());
    let readable = fs::read_to_string(&enc).unwrap();
    for (attr, from, to) in [
        ("BatchNumber", r#"BatchNumber="42""#, r#"BatchNumber="999""#),
        (
            "CreatedOn",
            r#"CreatedOn="2026-11-22T10:15:00+01:00""#,
            r#"CreatedOn="2026-11-23T10:15:00+01:00""#,
        ),
        ("Site", r#"Site="1999888""#, r#"Site="1234567""#),
        ("Rank", r#"Rank="032""#, r#"Rank="033""#),
    ] {
        let tampered = wd.path().join(format!("{attr}.xml"));
        assert!(readable.contains(from));
        fs::write(&tampered, readable.replacen(from, to, 1)).unwrap();
        let out = wd.path().join(format!("{attr}.out"));
        let (code, stdout, err) = decrypt_element(&tampered, &out);
        assert_eq!(code, 1, "{attr}: {err}");
        assert!(
            err.contains(attr) && err.contains("altered"),
            "{attr}: {err}"
        );
        assert!(
            stdout.is_empty() && !out.exists(),
            "{attr}: something was written"
        );
        // To stdout as well: nothing.
        let k = keys();
        let (code, stdout, _) = run(a![
            "decrypt",
            "--key",
            k.key("gw_rsa"),
            "--verify-with",
            k.pubkey("shop_ed"),
            "--element",
            "Merchant",
            &tampered
        ]);
        assert_eq!((code, stdout.len()), (1, 0), "{attr}");
    }
    // Any other change outside the element is refused too.
    let tampered = wd.path().join("comment.xml");
    fs::write(
        &tampered,
        readable.replacen("</PayboxBatch>", "</PayboxBatch><!-- x -->", 1),
    )
    .unwrap();
    let (code, _, err) = decrypt_element(&tampered, &wd.path().join("comment.out"));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        listing(wd.path())
            .iter()
            .filter(|n| n.ends_with(".out"))
            .count(),
        0
    );
}

/// The armored block in the element, as the gateway's side cuts it out.
fn armor_of(envelope: &str) -> String {
    let start = envelope.find("-----BEGIN PGP MESSAGE-----").unwrap();
    let end =
        envelope.find("-----END PGP MESSAGE-----").unwrap() + "-----END PGP MESSAGE-----\n".len();
    envelope[start..end].to_string()
}

#[test]
fn the_gateway_side_works_with_gpg_both_ways() {
    let k = keys();
    let wd = workdir();
    let gpg = Gpg::new();
    gpg.import(&[
        &k.key("gw_rsa"),
        &k.pubkey("shop_ed"),
        &k.key("shop_ed"),
        &k.pubkey("gw_rsa"),
    ]);

    // pgpwrap → gpg: the block decrypts to the whole clear document.
    let enc = encrypt_element(wd.path());
    let block = wd.path().join("block.asc");
    fs::write(&block, armor_of(&fs::read_to_string(&enc).unwrap())).unwrap();
    let o = gpg.ok(&[
        "--status-fd",
        "2",
        "-o",
        "-",
        "--decrypt",
        block.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("[GNUPG:] GOODSIG"));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), QUESTION);

    // gpg → pgpwrap: the whole document signed and encrypted by gpg, the
    // block put in place of the element's content.
    let clear = wd.path().join("clear.xml");
    fs::write(&clear, QUESTION).unwrap();
    let o = gpg.ok(&[
        "--armor",
        "-u",
        &k.fpr("shop_ed"),
        "-r",
        &k.fpr("gw_rsa"),
        "--sign",
        "--encrypt",
        "-o",
        "-",
        clear.to_str().unwrap(),
    ]);
    let armored = String::from_utf8(o.stdout).unwrap();
    let tag = "<Merchant Site=\"1999888\" Rank=\"032\">";
    let open = QUESTION.find(tag).unwrap() + tag.len();
    let close = QUESTION.find("</Merchant>").unwrap();
    let envelope = format!("{}\n{armored}{}", &QUESTION[..open], &QUESTION[close..]);
    let from_gpg = wd.path().join("from-gpg.xml");
    fs::write(&from_gpg, &envelope).unwrap();
    let out = wd.path().join("from-gpg.out");
    let (code, _, err) = decrypt_element(&from_gpg, &out);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read_to_string(&out).unwrap(), QUESTION);

    // A block that holds only the element's content vouches for nothing
    // around it: refused.
    let content = wd.path().join("content.xml");
    fs::write(&content, &QUESTION[open..close]).unwrap();
    let o = gpg.ok(&[
        "--armor",
        "-u",
        &k.fpr("shop_ed"),
        "-r",
        &k.fpr("gw_rsa"),
        "--sign",
        "--encrypt",
        "-o",
        "-",
        content.to_str().unwrap(),
    ]);
    let armored = String::from_utf8(o.stdout).unwrap();
    let envelope = format!("{}\n{armored}{}", &QUESTION[..open], &QUESTION[close..]);
    let content_only = wd.path().join("content-only.xml");
    fs::write(&content_only, &envelope).unwrap();
    let out = wd.path().join("content-only.out");
    let (code, _, err) = decrypt_element(&content_only, &out);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("only the content of <Merchant>"), "{err}");
    assert!(!out.exists());
}

/// Upstream report (docs/pgpwrap.md): sequoia-openpgp 2.3.0 panics
/// (`unwrap` on "unexpected EOF", parse.rs:6353) on an armored message
/// with 70,000 `;` inserted after byte 201. pgpwrap ends with status 2, a
/// message, and nothing written.
#[test]
fn a_message_that_makes_the_library_panic_ends_in_status_2() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("plain.txt");
    fs::write(&plain, b"hello\n").unwrap();
    let msg = wd.path().join("msg.asc");
    let (code, _, err) = run(a![
        "encrypt",
        "--armor",
        "--recipient",
        k.pubkey("gw_rsa"),
        "--sign-with",
        k.key("shop_ed"),
        "-o",
        &msg,
        &plain
    ]);
    assert_eq!(code, 0, "{err}");
    let good = fs::read(&msg).unwrap();
    let mut bad = good[..201].to_vec();
    bad.extend(std::iter::repeat_n(b';', 70_000));
    bad.extend_from_slice(&good[201..]);
    let damaged = wd.path().join("damaged.asc");
    fs::write(&damaged, bad).unwrap();
    let before = listing(wd.path());
    let out = wd.path().join("out.txt");
    for to_file in [true, false] {
        let mut args = a![
            "decrypt",
            "--key",
            k.key("gw_rsa"),
            "--verify-with",
            k.pubkey("shop_ed")
        ];
        if to_file {
            args.extend(a!["-o", &out]);
        }
        args.push(damaged.clone().into());
        let (code, stdout, err) = run(args);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("damaged") && !err.contains("panicked"),
            "{err}"
        );
        assert!(stdout.is_empty());
        assert_eq!(listing(wd.path()), before, "something was left behind");
    }
}

/// Found by an attacker: text after the armored block inside the element
/// (a second Merchant, clear Questions, a comment, a second block) was
/// accepted, though nothing signed it. The element holds one armored
/// message and white space, or the file is refused.
#[test]
fn unsigned_content_inside_the_element_is_refused() {
    let wd = workdir();
    let enc = encrypt_element(wd.path());
    let readable = fs::read_to_string(&enc).unwrap();
    let end = "-----END PGP MESSAGE-----\n";
    let block = armor_of(&readable);
    for (what, extra) in [
        ("a nested Merchant", "<p:Merchant xmlns:p=\"http://www.paybox.com/PayboxBatch\" Site=\"6666666\" Rank=\"666\"/>".to_string()),
        ("a clear Question", "<Question Number=\"0000000099\" Type=\"00003\"><Amount>999999</Amount></Question>".to_string()),
        ("a comment", "<!-- x -->".to_string()),
        ("a second block", block.clone()),
    ] {
        let tampered = wd.path().join("extra.xml");
        fs::write(&tampered, readable.replacen(end, &format!("{end}{extra}"), 1)).unwrap();
        let out = wd.path().join("extra.out");
        let (code, stdout, err) = decrypt_element(&tampered, &out);
        assert_eq!(code, 1, "{what}: {err}");
        assert!(err.contains("holds more than its encrypted message"), "{what}: {err}");
        assert!(stdout.is_empty() && !out.exists(), "{what}: something was written");
    }
    // White space around the block, as an editor or a transfer may leave
    // it, is not content.
    let spaced = wd.path().join("spaced.xml");
    fs::write(&spaced, readable.replacen(end, &format!("{end}  \r\n"), 1)).unwrap();
    let (code, _, err) = decrypt_element(&spaced, &wd.path().join("spaced.out"));
    assert_eq!(code, 0, "{err}");
}
