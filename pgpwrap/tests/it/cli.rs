//! Behaviour of each command on good and bad input: element mode round
//! trip, every bad input of the issue, exit statuses, no file left behind.

use std::fs;
use std::path::Path;

use crate::util::*;

const BATCH: &[u8] = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n<Batch xmlns:x=\"urn:x\" numero=\"000123\" date=\"23112026\">\r\n  <Site>1999888</Site><Rang>032</Rang>\r\n  <Merchant id=\"m1\" x:note='a &amp; b'>\r\n    <Question><Ref>caf\xe9 &lt;1&gt;</Ref><![CDATA[<raw> & ]]><!-- c --></Question>\r\n\t</Merchant>\r\n  <Trailer n=\"1\"/>\r\n</Batch>";

fn enc_element(input: &Path, out: &Path) -> (i32, Vec<u8>, String) {
    let k = keys();
    run(a![
        "encrypt",
        "--recipient",
        k.pubkey("gw_rsa"),
        "--sign-with",
        k.key("shop_ed"),
        "--element",
        "Merchant",
        "-o",
        out,
        input
    ])
}

/// `encrypt --element Merchant` replaces exactly the element's content by
/// an armored message; `decrypt --element` restores the file byte for
/// byte; gpg reads the armored content alone.
#[test]
fn element_mode_round_trip_is_byte_for_byte() {
    let k = keys();
    let wd = workdir();
    let input = wd.path().join("question.xml");
    fs::write(&input, BATCH).unwrap();
    let enc = wd.path().join("question.enc.xml");
    let (code, _, err) = enc_element(&input, &enc);
    assert_eq!(code, 0, "{err}");
    let out = fs::read(&enc).unwrap();
    let open_tag: &[u8] = b"<Merchant id=\"m1\" x:note='a &amp; b'>";
    let head_len = BATCH
        .windows(open_tag.len())
        .position(|w| w == open_tag)
        .unwrap()
        + open_tag.len();
    let tail_at = BATCH.windows(11).position(|w| w == b"</Merchant>").unwrap();
    assert_eq!(
        &out[..head_len],
        &BATCH[..head_len],
        "everything before the content unchanged"
    );
    assert!(
        out.ends_with(&BATCH[tail_at..]),
        "everything after the content unchanged"
    );
    let content = &out[head_len..out.len() - (BATCH.len() - tail_at)];
    assert!(
        content.starts_with(b"\n-----BEGIN PGP MESSAGE-----\n"),
        "{}",
        String::from_utf8_lossy(content)
    );
    assert!(content.ends_with(b"-----END PGP MESSAGE-----\n"));
    assert!(
        !out.windows(8).any(|w| w == b"Question"),
        "the content is not readable"
    );

    // The armored content alone is an ordinary message for gpg: the whole
    // clear document, signed, so that the signature also covers what
    // stays readable.
    let armored = wd.path().join("content.asc");
    fs::write(&armored, &content[1..]).unwrap();
    let gpg = Gpg::new();
    gpg.import(&[&k.key("gw_rsa"), &k.pubkey("shop_ed")]);
    let o = gpg.ok(&[
        "--status-fd",
        "2",
        "-o",
        "-",
        "--decrypt",
        armored.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("[GNUPG:] GOODSIG"));
    assert_eq!(o.stdout, BATCH);

    // decrypt --element restores the original exactly.
    let back = wd.path().join("question.back.xml");
    let (code, _, err) = run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey("shop_ed"),
        "--element",
        "Merchant",
        "-o",
        back,
        enc
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read(&back).unwrap(), BATCH);

    // Same through stdout.
    let (code, stdout, err) = run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey("shop_ed"),
        "--element",
        "Merchant",
        enc
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout, BATCH);

    // Signed by someone not named: exit 1, nothing written.
    let bad = wd.path().join("bad.xml");
    let (code, stdout, err) = run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey("stranger"),
        "--element",
        "Merchant",
        "-o",
        bad,
        enc
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(stdout.is_empty() && !bad.exists());
}

/// `--element` naming an absent or repeated element, or a non-XML input:
/// exit 2, a message saying which, no output file.
#[test]
fn element_absent_twice_or_not_xml() {
    let k = keys();
    let wd = workdir();
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "absent",
            b"<Batch><Site>1</Site></Batch>",
            "no element <Merchant>",
        ),
        (
            "twice",
            b"<Batch><Merchant>1</Merchant>\n<Merchant>2</Merchant></Batch>",
            "appears 2 times (lines 1, 2)",
        ),
        (
            "csv",
            b"site;rang;amount\n1999888;032;1250\n",
            "not an XML document",
        ),
        (
            "broken",
            b"<Batch><Merchant>1</Batch>",
            "not an XML document",
        ),
        ("binary", b"\x00\x01\x02\xff", "not an XML document"),
    ];
    for (name, body, want) in cases {
        let input = wd.path().join(format!("{name}.xml"));
        fs::write(&input, body).unwrap();
        let out = wd.path().join(format!("{name}.out"));
        let (code, stdout, err) = enc_element(&input, &out);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(err.starts_with("pgpwrap: \""), "{name}: {err}");
        assert!(stdout.is_empty() && !out.exists(), "{name}");
        let (code, _, err) = run(a![
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
        ]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(!out.exists());
    }
    // A present element without a message in it.
    let plain = wd.path().join("plain.xml");
    fs::write(&plain, b"<Batch><Merchant>clear</Merchant></Batch>").unwrap();
    let (code, _, err) = run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey("shop_ed"),
        "--element",
        "Merchant",
        plain
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("does not hold an armored OpenPGP message"),
        "{err}"
    );
    assert_eq!(listing(wd.path()).len(), 6, "{:?}", listing(wd.path()));
}

fn encrypt_file(wd: &Path, data: &[u8], sign: Option<&str>, armor: bool) -> std::path::PathBuf {
    let k = keys();
    let input = wd.join("in.bin");
    fs::write(&input, data).unwrap();
    let out = wd.join(format!("msg-{}-{armor}.pgp", sign.unwrap_or("unsigned")));
    let mut args = a!["encrypt", "-r", k.pubkey("gw_rsa"), "-o", out];
    if let Some(s) = sign {
        args.extend(a!["--sign-with", k.key(s)]);
    }
    if armor {
        args.push("--armor".into());
    }
    args.push(input.into());
    let (code, _, err) = run(args);
    assert_eq!(code, 0, "{err}");
    out
}

fn decrypt(msg: &Path, out: &Path, signer: &str) -> (i32, Vec<u8>, String) {
    let k = keys();
    run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey(signer),
        "-o",
        out,
        msg
    ])
}

/// A file that already holds a good result is never replaced by a failed
/// run, and no temporary file is left.
fn assert_untouched(dir: &Path, out: &Path, before: &[String]) {
    assert_eq!(fs::read(out).unwrap(), b"previous good output");
    assert_eq!(listing(dir), before);
}

#[test]
fn tampered_ciphertext_is_refused_with_status_1() {
    let wd = workdir();
    let data = sample_bytes(100_000);
    let msg = encrypt_file(wd.path(), &data, Some("shop_ed"), false);
    let mut bytes = fs::read(&msg).unwrap();
    let out = wd.path().join("out.bin");
    fs::write(&out, b"previous good output").unwrap();
    let before = listing(wd.path());
    for at in [bytes.len() / 2, bytes.len() - 30] {
        let orig = bytes[at];
        bytes[at] ^= 0x20;
        let bad = wd.path().join("tampered.pgp");
        fs::write(&bad, &bytes).unwrap();
        let (code, stdout, err) = decrypt(&bad, &out, "shop_ed");
        assert_eq!(code, 1, "at {at}: {err}");
        assert!(
            err.contains("tampered") || err.contains("BAD signature"),
            "{err}"
        );
        assert!(stdout.is_empty());
        fs::remove_file(&bad).unwrap();
        assert_untouched(wd.path(), &out, &before);
        bytes[at] = orig;
    }
}

#[test]
fn truncated_message_is_refused_and_writes_nothing() {
    let wd = workdir();
    let data = sample_bytes(50_000);
    for armor in [false, true] {
        let msg = encrypt_file(wd.path(), &data, Some("shop_ed"), armor);
        let bytes = fs::read(&msg).unwrap();
        let cut = wd.path().join("cut.pgp");
        fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
        let out = wd.path().join("out.bin");
        let (code, stdout, err) = decrypt(&cut, &out, "shop_ed");
        // Cut short, the encrypted data fails its integrity check: the
        // answer is no (1), like a tampered message.
        assert_eq!(code, 1, "armor {armor}: {err}");
        assert!(err.contains("truncated"), "{err}");
        assert!(stdout.is_empty() && !out.exists());
        fs::remove_file(&cut).unwrap();
        fs::remove_file(&msg).unwrap();
    }
}

#[test]
fn wrong_recipient_names_the_key_ids() {
    let k = keys();
    let wd = workdir();
    let msg = encrypt_file(wd.path(), b"x", Some("shop_ed"), false);
    let out = wd.path().join("out");
    let (code, stdout, err) = run(a![
        "decrypt",
        "--key",
        k.key("stranger"),
        "--verify-with",
        k.pubkey("shop_ed"),
        "-o",
        out,
        msg
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is encrypted to key") && err.contains("holds none of them"),
        "{err}"
    );
    assert!(stdout.is_empty() && !out.exists());
}

#[test]
fn unsigned_messages_are_refused_with_status_1() {
    let k = keys();
    let wd = workdir();
    let data = b"unsigned content\n";
    let msg = encrypt_file(wd.path(), data, None, false);
    let out = wd.path().join("out");
    let (code, stdout, err) = decrypt(&msg, &out, "shop_ed");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not signed"), "{err}");
    assert!(stdout.is_empty() && !out.exists());
    // gpg --encrypt without --sign, to stdout: nothing on stdout.
    let gpg = Gpg::new();
    gpg.import(&[&k.pubkey("gw_rsa")]);
    let g = wd.path().join("g.gpg");
    let plain = wd.path().join("in.bin");
    gpg.ok(&[
        "-r",
        &k.fpr("gw_rsa"),
        "-e",
        "-o",
        g.to_str().unwrap(),
        plain.to_str().unwrap(),
    ]);
    let (code, stdout, err) = run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey("shop_ed"),
        g
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(stdout.is_empty());
    // An unsigned literal message (gpg --store) fails verify too.
    let stored = wd.path().join("s.gpg");
    gpg.ok(&[
        "--store",
        "-o",
        stored.to_str().unwrap(),
        plain.to_str().unwrap(),
    ]);
    let (code, stdout, err) = run(a!["verify", "--signer", k.pubkey("shop_ed"), stored]);
    assert_eq!(code, 1, "{err}");
    assert!(stdout.is_empty());
}

/// A large message (beyond the parser's buffer) from an unknown signer:
/// nothing at all reaches stdout, because the verdict comes at the end.
#[test]
fn unknown_signer_releases_nothing_even_for_large_messages() {
    let k = keys();
    let wd = workdir();
    let data = sample_bytes(3 * 1024 * 1024);
    let msg = encrypt_file(wd.path(), &data, Some("stranger"), false);
    let (code, stdout, err) = run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey("shop_ed"),
        msg
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not among the certificates named"), "{err}");
    assert!(stdout.is_empty(), "{} bytes released", stdout.len());
    let (code, stdout, err) = run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey("stranger"),
        msg
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout == data);
}

#[test]
fn expired_and_revoked_recipients_are_refused() {
    let k = keys();
    let wd = workdir();
    let input = wd.path().join("in");
    fs::write(&input, b"x").unwrap();
    for (who, want) in [("expired", "expired on 2020-12-31"), ("revoked", "revoked")] {
        let out = wd.path().join("out");
        let (code, _, err) = run(a![
            "encrypt",
            "-r",
            k.pubkey(who),
            "--sign-with",
            k.key("shop_ed"),
            "-o",
            out,
            input
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(want), "{err}");
        assert!(!out.exists());
    }
}

#[test]
fn secret_key_where_certificate_expected_and_reverse() {
    let k = keys();
    let wd = workdir();
    let input = wd.path().join("in");
    fs::write(&input, b"x").unwrap();
    let (code, _, err) = run(a!["encrypt", "-r", k.key("gw_rsa"), input]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is a secret key, where a certificate (public key) is expected"),
        "{err}"
    );
    let (code, _, err) = run(a![
        "encrypt",
        "-r",
        k.pubkey("gw_rsa"),
        "--sign-with",
        k.pubkey("shop_ed"),
        input
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("without secret key material, where a secret key is expected"),
        "{err}"
    );
    let (code, _, err) = run(a!["verify", "--signer", k.key("gw_rsa"), input]);
    assert_eq!(code, 2);
    assert!(err.contains("is a secret key"), "{err}");
    let (code, _, err) = run(a!["sign", "--key", k.pubkey("gw_rsa"), input]);
    assert_eq!(code, 2);
    assert!(err.contains("without secret key material"), "{err}");
    let (code, _, err) = run(a!["encrypt", "-r", input, input]);
    assert_eq!(code, 2);
    assert!(err.contains("not an OpenPGP key or certificate"), "{err}");
}

#[test]
fn verify_refuses_tampered_inline_messages() {
    let k = keys();
    let wd = workdir();
    let input = wd.path().join("status.xml");
    fs::write(&input, b"<Status code=\"00\">approved</Status>\n").unwrap();
    let signed = wd.path().join("status.xml.gpg");
    let (code, _, err) = run(a!["sign", "--key", k.key("gw_rsa"), "-o", signed, input]);
    assert_eq!(code, 0, "{err}");
    // Signed with SHA-256, as gpg 2.2 does.
    let v = inspect_json(&signed);
    assert_eq!(v["signatures"][0]["hash"], "SHA256", "{v}");
    assert_eq!(v["literal"]["name"], "status.xml", "{v}");
    let mut bytes = fs::read(&signed).unwrap();
    let at = bytes.windows(8).position(|w| w == b"approved").unwrap();
    bytes[at..at + 8].copy_from_slice(b"declined");
    fs::write(&signed, &bytes).unwrap();
    let out = wd.path().join("out.xml");
    let (code, stdout, err) = run(a![
        "verify",
        "--signer",
        k.pubkey("gw_rsa"),
        "-o",
        out,
        signed
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("BAD signature"), "{err}");
    assert!(stdout.is_empty() && !out.exists());
    // Not a signed message at all.
    let (code, stdout, err) = run(a!["verify", "--signer", k.pubkey("gw_rsa"), input]);
    assert_eq!(code, 2, "{err}");
    assert!(stdout.is_empty());
}

/// The files a newcomer gives in the wrong place — a detached signature as
/// the signed file, an inline signed message as `--signature`, the two
/// swapped, a certificate — are said by what they are, with the option
/// that takes them, where the library said only "EOF" or "Malformed
/// Message"; on a file or on standard input (no name to suggest). The
/// right command is then run as suggested.
#[test]
fn verify_says_which_file_goes_where() {
    let k = keys();
    let wd = workdir();
    let d = wd.path();
    let data = d.join("status.xml");
    fs::write(&data, b"<Status code=\"00\">approved</Status>\n").unwrap();
    let (inline, asc, sig) = (d.join("s.gpg"), d.join("s.asc"), d.join("s.sig"));
    let key = k.key("gw_rsa");
    let signer = k.pubkey("gw_rsa");
    for args in [
        a!["sign", "--key", key, "-o", inline, data],
        a![
            "sign",
            "--key",
            key,
            "--detached",
            "--armor",
            "-o",
            asc,
            data
        ],
        a!["sign", "--key", key, "--detached", "-o", sig, data],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 0, "{err}");
    }
    let enc = encrypt_file(d, b"<Status/>", Some("gw_rsa"), false);
    let said = |args: Vec<std::ffi::OsString>, what: &str| {
        let (code, stdout, err) = run(args);
        assert_eq!(code, 2, "{err}");
        assert!(stdout.is_empty());
        assert!(err.contains(what), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        err
    };
    for detached in [&asc, &sig] {
        let err = said(
            a!["verify", "--signer", signer, detached],
            "a detached signature, not a signed message: give it with --signature \"",
        );
        assert!(err.contains("and the file it signs as FILE"), "{err}");
    }
    said(
        a!["verify", "--signer", signer, "--signature", inline, data],
        "a signed message, not a detached signature: verify it alone, without --signature \
         (pgpwrap verify --signer CERT \"",
    );
    said(
        a!["verify", "--signer", signer, "--signature", data, asc],
        "not an OpenPGP signature (it does not start as one): --signature takes the detached \
         signature (.asc, .sig), FILE the file it signs; were the two swapped?",
    );
    said(
        a!["verify", "--signer", signer, data],
        "not a signed OpenPGP message (it does not start as one); if its signature is a file of \
         its own (.asc, .sig), give that with --signature SIG",
    );
    said(
        a!["verify", "--signer", signer, enc],
        "if it is encrypted, open it with pgpwrap decrypt --key KEY --verify-with CERT",
    );
    said(
        a!["verify", "--signer", signer, signer],
        "an OpenPGP key or certificate, not a signed file",
    );
    // Standard input has no name to suggest: the placeholder of its place.
    let out = pgpwrap()
        .args(a!["verify", "--signer", signer])
        .stdin(fs::File::open(&asc).unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("give it with --signature SIG, and"), "{err}");
    // As suggested, it verifies.
    let (code, _, err) = run(a!["verify", "--signer", signer, "--signature", asc, data]);
    assert_eq!(code, 0, "{err}");
}

/// `decrypt` with its files in the wrong places: the key as FILE (and
/// the message as --key), a detached signature as the message, a clear
/// file — said by what they are, where they were "truncated or damaged",
/// "Packet sequence includes non-Cert packets" or "unexpected EOF".
#[test]
fn decrypt_says_which_file_goes_where() {
    let k = keys();
    let wd = workdir();
    let d = wd.path();
    let data = d.join("status.xml");
    fs::write(&data, b"<Status/>\n").unwrap();
    let asc = d.join("s.asc");
    let (code, _, err) = run(a![
        "sign",
        "--key",
        k.key("gw_rsa"),
        "--detached",
        "--armor",
        "-o",
        asc,
        data
    ]);
    assert_eq!(code, 0, "{err}");
    let msg = encrypt_file(d, b"<Status/>", Some("shop_ed"), true);
    let decrypt = |key: &Path, file: &Path| {
        let (code, stdout, err) = run(a![
            "decrypt",
            "--key",
            key,
            "--verify-with",
            k.pubkey("shop_ed"),
            file
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(stdout.is_empty());
        err
    };
    let err = decrypt(&k.key("gw_rsa"), &k.key("gw_rsa"));
    assert!(
        err.contains("an OpenPGP key, not a message (were --key and FILE swapped?)"),
        "{err}"
    );
    let err = decrypt(&msg, &k.key("gw_rsa"));
    assert!(
        err.contains(
            "an OpenPGP message, not an OpenPGP key or certificate (were the key and the file \
             to open swapped?)"
        ),
        "{err}"
    );
    let err = decrypt(&k.key("gw_rsa"), &asc);
    assert!(
        err.contains(
            "a detached signature, not an encrypted message: check it with pgpwrap verify \
             --signer CERT --signature SIG FILE (SIG this file, FILE the file it signs)"
        ),
        "{err}"
    );
    let err = decrypt(&k.key("gw_rsa"), &data);
    assert!(
        err.contains("not an OpenPGP message (no OpenPGP data in it: a clear file?)"),
        "{err}"
    );
    // As told.
    let (code, stdout, err) = run(a![
        "decrypt",
        "--key",
        k.key("gw_rsa"),
        "--verify-with",
        k.pubkey("shop_ed"),
        msg
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout, b"<Status/>");
}

/// `keygen --out` takes a prefix: a file's name there (`--out shop.key`)
/// wrote shop.key.key and shop.key.pub; it is refused with the prefix,
/// and nothing is written.
#[test]
fn keygen_out_is_a_prefix_not_a_file_name() {
    let wd = workdir();
    for name in ["shop.key", "shop.pub"] {
        let out = wd.path().join(name);
        let (code, _, err) = run(a![
            "keygen",
            "--userid",
            "Shop <ops@example.com>",
            "--out",
            out
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(": give the prefix, without ."), "{err}");
        assert!(err.contains("shop.key\" and \""), "{err}");
        assert!(listing(wd.path()).is_empty(), "{:?}", listing(wd.path()));
    }
    let (code, _, err) = run(a![
        "keygen",
        "--userid",
        "Shop <ops@example.com>",
        "--out",
        wd.path().join("shop")
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(listing(wd.path()).len(), 2, "{:?}", listing(wd.path()));
}

/// The key file given as `--passphrase-file` (and the passphrase file as
/// `--key`): the armored key's lines were taken whole as the passphrase,
/// said "wrong passphrase". A passphrase is one line: refused by its count
/// of lines, with no byte of it shown.
#[test]
fn a_key_given_as_the_passphrase_file_is_refused_by_its_lines() {
    let k = keys();
    let wd = workdir();
    let data = wd.path().join("status.xml");
    fs::write(&data, b"<Status/>\n").unwrap();
    let (code, stdout, err) = run(a![
        "sign",
        "--key",
        k.key("pw_prot"),
        "--passphrase-file",
        k.key("pw_prot"),
        data
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(stdout.is_empty());
    assert!(
        err.contains(
            "--passphrase-file: the passphrase file \""
        ) && err.contains(
            "lines, where a passphrase is one: is it the right file (another file named in its \
             place, or two arguments swapped)?"
        ),
        "{err}"
    );
    assert!(!err.contains("BEGIN PGP"), "{err}");
    let (code, _, err) = run(a![
        "sign",
        "--key",
        k.key("pw_prot"),
        "--passphrase-file",
        k.pass_file(),
        data
    ]);
    assert_eq!(code, 0, "{err}");
}

/// A binary passphrase (random bytes, `head -c 32 /dev/urandom`) is taken
/// whole, as it always was: a 0x0A byte in it is no line of text. The
/// count of lines, meant for a text file given in the wrong place,
/// refused it ("holds 2 lines"), and with it every key made with it.
#[test]
fn a_binary_passphrase_holding_a_newline_byte_is_taken_whole() {
    let wd = workdir();
    let d = wd.path();
    let pass = d.join("shop.pass");
    fs::write(&pass, b"\x93\xa1\xff\x10ab\nc\x01\xfe").unwrap();
    let prefix = d.join("shop");
    let (code, _, err) = run(a![
        "keygen",
        "--userid",
        "Shop <ops@example.com>",
        "--out",
        &prefix,
        "--passphrase-file",
        &pass
    ]);
    assert_eq!(code, 0, "{err}");
    let data = d.join("status.xml");
    fs::write(&data, b"<Status/>\n").unwrap();
    let (code, stdout, err) = run(a![
        "sign",
        "--key",
        d.join("shop.key"),
        "--passphrase-file",
        &pass,
        data
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!stdout.is_empty());
}

/// The passphrase file named as the file to sign (two names swapped):
/// the inline signed message carried the passphrase in clear on
/// standard output, status 0. Refused before a byte is read, by its name,
/// another link to it, or on standard input.
#[test]
fn the_passphrase_file_as_the_input_is_refused_and_never_printed() {
    let k = keys();
    let wd = workdir();
    let link = wd.path().join("pass-link.txt");
    fs::hard_link(k.pass_file(), &link).unwrap();
    for input in [k.pass_file(), link] {
        let (code, stdout, err) = run(a![
            "sign",
            "--key",
            k.key("pw_prot"),
            "--passphrase-file",
            k.pass_file(),
            input
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(stdout.is_empty(), "{}", String::from_utf8_lossy(&stdout));
        assert!(err.contains("is the file a secret was read from"), "{err}");
    }
    let out = pgpwrap()
        .args(a![
            "sign",
            "--key",
            k.key("pw_prot"),
            "--passphrase-file",
            k.pass_file()
        ])
        .stdin(fs::File::open(k.pass_file()).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&PROT_PASS[..12]));
}

/// inspect masks what people wrote (the literal data's file name, a user
/// id) by what it is, and shows what OpenPGP made (fingerprints, key ids)
/// whole: a fingerprint holding a Luhn-valid group of digits once came
/// out with four of them starred.
#[test]
fn inspect_masks_free_text_and_never_a_fingerprint() {
    let k = keys();
    let wd = workdir();
    // The Paybox test card, as a careless export might name its file.
    let input = wd.path().join("1111222233334444.csv");
    fs::write(&input, b"a;b\n").unwrap();
    let signed = wd.path().join("s.gpg");
    let (code, _, err) = run(a!["sign", "--key", k.key("gw_rsa"), "-o", signed, input]);
    assert_eq!(code, 0, "{err}");
    let v = inspect_json(&signed);
    assert_eq!(v["literal"]["name"], "111122******4444.csv", "{v}");
    let (code, stdout, _) = run(a!["inspect", signed]);
    assert_eq!(code, 0);
    let text = String::from_utf8_lossy(&stdout);
    assert!(text.contains("name 111122******4444.csv"), "{text}");
    assert!(!text.contains("1111222233334444"), "{text}");

    let v = inspect_json(k.pubkey("gw_rsa"));
    let fpr = v["fingerprint"].as_str().unwrap();
    assert!(fpr.len() == 40 && !fpr.contains('*'), "{v}");
}

#[test]
fn keygen_writes_0600_secret_and_refuses_to_overwrite() {
    let wd = workdir();
    let prefix = wd.path().join("shop");
    let (code, _, err) = run(a![
        "keygen",
        "--userid",
        "Shop <ops@example.com>",
        "--out",
        prefix
    ]);
    assert_eq!(code, 0, "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(wd.path().join("shop.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key = fs::read_to_string(wd.path().join("shop.key")).unwrap();
    assert!(key.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"));
    let public = fs::read_to_string(wd.path().join("shop.pub")).unwrap();
    assert!(public.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    let (code, _, err) = run(a![
        "keygen",
        "--userid",
        "Other <o@example.com>",
        "--out",
        prefix
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(fs::read_to_string(wd.path().join("shop.key")).unwrap(), key);
    // inspect shows the capabilities and the expiry (3 years by default).
    let v = inspect_json(wd.path().join("shop.key"));
    assert_eq!(v["type"], "secret-key");
    assert_eq!(v["user_ids"][0], "Shop <ops@example.com>");
    let caps: Vec<String> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["capabilities"].to_string())
        .collect();
    assert_eq!(caps, ["[\"certify\"]", "[\"sign\"]", "[\"encrypt\"]"]);
    assert!(v["keys"][0]["expires"].as_str().unwrap().starts_with("20"));
    // A passphrase from argv is not even an option.
    let (code, _, _) = run(a![
        "keygen",
        "--userid",
        "x",
        "--passphrase",
        "secret",
        "--out",
        wd.path().join("x")
    ]);
    assert_eq!(code, 2);
}

/// Found by an attacker: a disk that filled up while keygen wrote the
/// certificate left the secret key behind, alone, under the name the
/// next run refuses to overwrite (status 2 all the same). Both files are
/// now written before either is put in place: a failed run leaves
/// nothing. (Needs root, to mount a small tmpfs; CI runs as root.)
#[test]
fn keygen_on_a_full_disk_leaves_no_key_behind() {
    use std::process::Command;
    let test = "keygen_on_a_full_disk_leaves_no_key_behind";
    if !testutil::runs_as_root(test, "mount -t tmpfs") {
        return;
    }
    let wd = workdir();
    let small = wd.path().join("small");
    fs::create_dir(&small).unwrap();
    let st = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&small)
        .status()
        .unwrap();
    assert!(st.success(), "mount");
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&small);
    // One page of 4 KiB left: room for the secret key (about 2 KiB),
    // none for the certificate after it.
    fs::write(small.join("fill"), vec![0u8; 60 * 1024]).unwrap();
    let (code, _, err) = run(a![
        "keygen",
        "--userid",
        "Shop <ops@example.com>",
        "--out",
        small.join("shop")
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert_eq!(listing(&small), ["fill"], "{err}");
}

#[test]
fn encrypt_to_stdout_without_signature_warns() {
    let k = keys();
    let wd = workdir();
    let input = wd.path().join("in");
    fs::write(&input, b"x").unwrap();
    let (code, stdout, err) = run(a!["encrypt", "-r", k.pubkey("gw_rsa"), "--armor", input]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.starts_with(b"-----BEGIN PGP MESSAGE-----"));
    assert!(
        err.contains("warning: encrypting without a signature"),
        "{err}"
    );
}

#[test]
fn help_documents_exit_status_and_examples() {
    let (code, stdout, _) = run(a!["--help"]);
    assert_eq!(code, 0);
    let text = String::from_utf8_lossy(&stdout);
    assert!(
        text.contains("Exit status:") && text.contains("Examples:"),
        "{text}"
    );
    for sub in ["keygen", "encrypt", "decrypt", "sign", "verify", "inspect"] {
        let (code, stdout, _) = run(a![sub, "--help"]);
        assert_eq!(code, 0);
        let text = String::from_utf8_lossy(&stdout);
        assert!(text.contains("$ pgpwrap"), "{sub}: {text}");
        assert!(text.contains("Exit status"), "{sub}: {text}");
    }
    let (code, _, err) = run(a!["decrypt", "--key"]);
    assert_eq!(code, 2, "{err}");
}

/// `pgpwrap inspect --json` of `path`, which must succeed.
fn inspect_json(path: impl AsRef<std::ffi::OsStr>) -> serde_json::Value {
    let (code, stdout, err) = run(a!["inspect", "--json", path.as_ref()]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_slice(&stdout).unwrap()
}

/// `bytes` with the first occurrence of the key id `from` (hex) replaced
/// by `to`: a message that names a key id of our choosing, which no key
/// generation can give (a key id is a hash).
fn with_key_id(bytes: &mut [u8], from: &str, to: &str) {
    let hex = |h: &str| -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    };
    let (from, to) = (hex(from), hex(to));
    let at = bytes.windows(8).position(|w| w == from).unwrap();
    bytes[at..at + 8].copy_from_slice(&to);
}

/// A key id is an identifier, never altered, even when its 16 hex
/// characters are all digits and pass the Luhn check (about one key in a
/// thousand holds such a run): it once came out starred like a card
/// number, and `gpg --list-keys` on what was shown found no key. A card
/// number in the same message (the file's name) is still masked.
#[test]
fn a_recipients_key_id_is_never_masked_like_a_card_number() {
    let wd = workdir();
    let msg = encrypt_file(wd.path(), b"x", Some("shop_ed"), false);
    let v = inspect_json(&msg);
    let id = v["encrypted_to"][0]["key_id"].as_str().unwrap().to_string();
    let mut bytes = fs::read(&msg).unwrap();
    // A published test card number (Luhn-valid), as a key id.
    with_key_id(&mut bytes, &id, "4012001037141112");
    let named = wd.path().join("1111222233334444.pgp");
    fs::write(&named, &bytes).unwrap();
    let v = inspect_json(&named);
    assert_eq!(v["encrypted_to"][0]["key_id"], "4012001037141112", "{v}");
    let out = wd.path().join("out");
    let (code, stdout, err) = decrypt(&named, &out, "shop_ed");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is encrypted to key 4012001037141112, and"),
        "{err}"
    );
    assert!(err.contains("111122******4444.pgp"), "{err}");
    assert!(!err.contains("1111222233334444"), "{err}");
    assert!(stdout.is_empty() && !out.exists());
}

/// The key id a signed message announces, quoted in the refusal of a
/// signer not named, is shown whole (see above).
#[test]
fn a_signers_key_id_is_never_masked_like_a_card_number() {
    let k = keys();
    let wd = workdir();
    let input = wd.path().join("status.xml");
    fs::write(&input, b"<Status code=\"00\">approved</Status>\n").unwrap();
    let signed = wd.path().join("s.gpg");
    let (code, _, err) = run(a!["sign", "--key", k.key("gw_rsa"), "-o", signed, input]);
    assert_eq!(code, 0, "{err}");
    let v = inspect_json(&signed);
    let id = v["one_pass_signatures"][0]["issuer"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_string();
    let mut bytes = fs::read(&signed).unwrap();
    // The one-pass signature packet comes first; its issuer is not signed.
    with_key_id(&mut bytes, &id, "1234567812345670");
    let named = wd.path().join("1111222233334444.gpg");
    fs::write(&named, &bytes).unwrap();
    let out = wd.path().join("out.xml");
    let (code, stdout, err) = run(a![
        "verify",
        "--signer",
        k.pubkey("gw_rsa"),
        "-o",
        out,
        named
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("signed by key 1234567812345670, which is not among"),
        "{err}"
    );
    assert!(err.contains(&k.fpr("gw_rsa")), "{err}");
    assert!(err.contains("111122******4444.gpg"), "{err}");
    assert!(!err.contains("1111222233334444"), "{err}");
    assert!(stdout.is_empty() && !out.exists());
}
