//! The interoperability matrix with the real gpg (GnuPG 2.2): keys made
//! by gpg used here, keys made here used by gpg, messages and signatures
//! both ways.

use std::fs;

use crate::util::*;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// pgpwrap signs and encrypts; gpg decrypts, says "Good signature", and
/// gets the same bytes. Both key kinds, both directions, binary and armor.
#[test]
fn pgpwrap_encrypt_then_gpg_decrypts_and_verifies() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("batch.bin");
    let data = sample_bytes(200_000);
    fs::write(&plain, &data).unwrap();
    for (sender, recipient) in [("shop_ed", "gw_rsa"), ("gw_rsa", "shop_ed")] {
        for armor in [false, true] {
            let enc = wd.path().join(format!("{sender}-{armor}.pgp"));
            let mut args = a![
                &"encrypt",
                &"--recipient",
                &k.pubkey(recipient),
                &"--sign-with",
                &k.key(sender),
                &"-o",
                &enc,
            ];
            if armor {
                args.push("--armor".into());
            }
            args.push(plain.clone().into());
            let (code, out, err) = run(args.clone());
            assert_eq!(code, 0, "{err}");
            assert!(out.is_empty());
            let head = fs::read(&enc).unwrap();
            assert_eq!(head.starts_with(b"-----BEGIN PGP MESSAGE-----"), armor);

            let gpg = Gpg::new();
            gpg.import(&[&k.key(recipient), &k.pubkey(sender)]);
            let dec = wd.path().join(format!("{sender}-{armor}.out"));
            let out = gpg.ok(&["--status-fd", "2", "-o", s(&dec), "--decrypt", s(&enc)]);
            let status = String::from_utf8_lossy(&out.stderr);
            assert!(status.contains("[GNUPG:] GOODSIG"), "{status}");
            assert!(status.contains("[GNUPG:] VALIDSIG"), "{status}");
            assert!(status.contains("Good signature"), "{status}");
            assert!(status.contains("[GNUPG:] DECRYPTION_OKAY"), "{status}");
            // gpg 2.2 reads only SEIPDv1 (the SEIPDv2 trap): it says so.
            assert!(!status.contains("unknown version"), "{status}");
            assert_eq!(fs::read(&dec).unwrap(), data);
        }
    }
}

/// gpg signs and encrypts (compressed, as it does by default); pgpwrap
/// decrypts and verifies, identical bytes.
#[test]
fn gpg_sign_encrypt_then_pgpwrap_decrypts_and_verifies() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("answer.xml");
    let data = b"<?xml version=\"1.0\"?>\n<Answer>caf\xc3\xa9\r\n</Answer>\n".repeat(50);
    fs::write(&plain, &data).unwrap();
    for (sender, recipient) in [("shop_ed", "gw_rsa"), ("gw_rsa", "shop_ed")] {
        for armor in [false, true] {
            let gpg = Gpg::new();
            gpg.import(&[&k.key(sender), &k.pubkey(recipient)]);
            let enc = wd.path().join(format!("{sender}-{armor}.gpg"));
            let mut args = vec![
                "--passphrase",
                "",
                "-u",
                "",
                "-r",
                "",
                "--sign",
                "--encrypt",
                "-o",
                s(&enc),
            ];
            let (sf, rf) = (k.fpr(sender), k.fpr(recipient));
            args[3] = &sf;
            args[5] = &rf;
            if armor {
                args.push("--armor");
            }
            args.push(s(&plain));
            gpg.ok(&args);
            let out = wd.path().join(format!("{sender}-{armor}.out"));
            let (code, stdout, err) = run(a![
                &"decrypt",
                &"--key",
                &k.key(recipient),
                &"--verify-with",
                &k.pubkey(sender),
                &"-o",
                &out,
                &enc,
            ]);
            assert_eq!(code, 0, "{err}");
            assert!(stdout.is_empty());
            assert_eq!(fs::read(&out).unwrap(), data);
        }
    }
}

/// A message larger than the parser's buffer goes through in a stream,
/// and gpg's output to stdout is identical.
#[test]
fn large_gpg_message_streams_through_decrypt_to_stdout() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("big.bin");
    let data = sample_bytes(3 * 1024 * 1024 + 17);
    fs::write(&plain, &data).unwrap();
    let gpg = Gpg::new();
    gpg.import(&[&k.key("gw_rsa"), &k.pubkey("shop_ed")]);
    let enc = wd.path().join("big.gpg");
    let (sf, rf) = (k.fpr("gw_rsa"), k.fpr("shop_ed"));
    gpg.ok(&[
        "--passphrase",
        "",
        "-z",
        "0",
        "-u",
        &sf,
        "-r",
        &rf,
        "-s",
        "-e",
        "-o",
        s(&enc),
        s(&plain),
    ]);
    let (code, stdout, err) = run(a![
        &"decrypt",
        &"--key",
        &k.key("shop_ed"),
        &"--verify-with",
        &k.pubkey("gw_rsa"),
        &enc
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout.len(), data.len());
    assert!(stdout == data);
}

/// Detached signatures, binary and armored, both ways.
#[test]
fn detached_signatures_both_ways() {
    let k = keys();
    let wd = workdir();
    let file = wd.path().join("status.xml");
    fs::write(&file, b"<Status code=\"00\">OK</Status>\n").unwrap();
    let gpg = Gpg::new();
    gpg.import(&[&k.key("gw_rsa"), &k.pubkey("shop_ed")]);
    for armor in [false, true] {
        // pgpwrap signs, gpg verifies.
        let sig = wd.path().join(format!("pw-{armor}.sig"));
        let mut args = a![
            &"sign",
            &"--key",
            &k.key("shop_ed"),
            &"--detached",
            &"-o",
            &sig
        ];
        if armor {
            args.push("--armor".into());
        }
        args.push(file.clone().into());
        let (code, _, err) = run(args.clone());
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            fs::read(&sig)
                .unwrap()
                .starts_with(b"-----BEGIN PGP SIGNATURE-----"),
            armor
        );
        let out = gpg.ok(&["--status-fd", "2", "--verify", s(&sig), s(&file)]);
        let status = String::from_utf8_lossy(&out.stderr);
        assert!(
            status.contains("[GNUPG:] GOODSIG") && status.contains("Good signature"),
            "{status}"
        );

        // gpg signs, pgpwrap verifies; nothing on stdout.
        let gsig = wd.path().join(format!("gpg-{armor}.sig"));
        let fpr = k.fpr("gw_rsa");
        let mut gargs = vec![
            "--passphrase",
            "",
            "-u",
            &fpr,
            "--detach-sign",
            "-o",
            s(&gsig),
        ];
        if armor {
            gargs.push("--armor");
        }
        gargs.push(s(&file));
        gpg.ok(&gargs);
        let (code, stdout, err) = run(a![
            &"verify",
            &"--signer",
            &k.pubkey("gw_rsa"),
            &"--signature",
            &gsig,
            &file
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(stdout.is_empty());
        // The same signature does not cover another file: exit 1.
        let other = wd.path().join("other.xml");
        fs::write(&other, b"<Status code=\"05\">OK</Status>\n").unwrap();
        let (code, _, err) = run(a![
            &"verify",
            &"--signer",
            &k.pubkey("gw_rsa"),
            &"--signature",
            &gsig,
            &other
        ]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("BAD signature"), "{err}");
    }
}

/// Inline signed messages, both ways; the status-file pipeline.
#[test]
fn inline_signatures_both_ways() {
    let k = keys();
    let wd = workdir();
    let file = wd.path().join("status.xml");
    let data =
        b"<?xml version=\"1.0\"?>\n<Status>\n  <Row n=\"1\" code=\"00\"/>\n</Status>\n".to_vec();
    fs::write(&file, &data).unwrap();
    let gpg = Gpg::new();
    gpg.import(&[&k.key("gw_rsa"), &k.pubkey("shop_ed")]);

    // Gateway side with pgpwrap: `pgpwrap sign --key gw.key`; gpg reads it.
    let signed = wd.path().join("status.xml.gpg");
    let (code, _, err) = run(a![
        &"sign",
        &"--key",
        &k.key("shop_ed"),
        &"-o",
        &signed,
        &file
    ]);
    assert_eq!(code, 0, "{err}");
    let out_path = wd.path().join("from-gpg.xml");
    let out = gpg.ok(&[
        "--status-fd",
        "2",
        "-o",
        s(&out_path),
        "--decrypt",
        s(&signed),
    ]);
    let status = String::from_utf8_lossy(&out.stderr);
    assert!(status.contains("[GNUPG:] GOODSIG"), "{status}");
    assert!(
        status.contains("[GNUPG:] PLAINTEXT") && status.contains("status.xml"),
        "{status}"
    );
    assert_eq!(fs::read(&out_path).unwrap(), data);

    // gpg --sign (binary and armored) and --clearsign; pgpwrap verifies and
    // writes the content.
    let fpr = k.fpr("gw_rsa");
    for mode in ["--sign", "--armor", "--clearsign"] {
        let g = wd.path().join(format!("gpg{mode}.out"));
        let mut args = vec!["--passphrase", "", "-u", &fpr, "-o", s(&g)];
        if mode == "--armor" {
            args.extend_from_slice(&["--armor", "--sign"]);
        } else {
            args.push(mode);
        }
        args.push(s(&file));
        gpg.ok(&args);
        let (code, stdout, err) = run(a![&"verify", &"--signer", &k.pubkey("gw_rsa"), &g]);
        assert_eq!(code, 0, "{mode}: {err}");
        // The cleartext framework does not sign the last line ending
        // (RFC 9580, 7.1), but gpg writes it: so does pgpwrap.
        assert_eq!(
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&data),
            "{mode}"
        );
        // Signed by the gateway, but we only accept the shop: exit 1, nothing out.
        let (code, stdout, err) = run(a![&"verify", &"--signer", &k.pubkey("shop_ed"), &g]);
        assert_eq!(code, 1, "{mode}: {err}");
        assert!(stdout.is_empty());
        assert!(err.contains("not among the certificates named"), "{err}");
    }
}

/// A cleartext-signed text's verified content is what gpg writes, byte for
/// byte (`gpg --decrypt` and `gpg --verify --output -`): its last line
/// ending, which the signature does not cover, as the file has it, also
/// when the signed file had none, with CRLF, and for an empty text.
#[test]
fn clearsigned_content_is_gpgs_bytes() {
    let k = keys();
    let wd = workdir();
    let gpg = Gpg::new();
    gpg.import(&[&k.key("gw_rsa")]);
    let fpr = k.fpr("gw_rsa");
    let texts: [&[u8]; 7] = [
        b"<Status>\n  <Row/>\n</Status>\n",
        b"<Status>\n  <Row/>\n</Status>",
        b"<Status>\r\n  <Row/>\r\n</Status>\r\n",
        b"a\n\n",
        b"-----BEGIN PGP SIGNATURE-----\nb  \n",
        b"\n",
        b"",
    ];
    for (i, text) in texts.iter().enumerate() {
        let file = wd.path().join(format!("t{i}.xml"));
        fs::write(&file, text).unwrap();
        let signed = wd.path().join(format!("t{i}.asc"));
        gpg.ok(&[
            "--passphrase",
            "",
            "-u",
            &fpr,
            "-o",
            s(&signed),
            "--clearsign",
            s(&file),
        ]);
        let by_gpg = gpg.ok(&["--decrypt", s(&signed)]).stdout;
        let by_gpg_verify = gpg.ok(&["--verify", "--output", "-", s(&signed)]).stdout;
        assert_eq!(by_gpg, by_gpg_verify, "text {i}");
        let (code, stdout, err) = run(a![&"verify", &"--signer", &k.pubkey("gw_rsa"), &signed]);
        assert_eq!(code, 0, "text {i}: {err}");
        assert_eq!(
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&by_gpg),
            "text {i}"
        );
        // The file's line ending before the signature turned to CRLF (a
        // transfer in text mode): still signed, and both write CRLF.
        let crlf = String::from_utf8(fs::read(&signed).unwrap())
            .unwrap()
            .replace("\r\n", "\n")
            .replace('\n', "\r\n");
        let crlf_signed = wd.path().join(format!("t{i}.crlf.asc"));
        fs::write(&crlf_signed, crlf).unwrap();
        let by_gpg = gpg.ok(&["--decrypt", s(&crlf_signed)]).stdout;
        let (code, stdout, err) = run(a![
            &"verify",
            &"--signer",
            &k.pubkey("gw_rsa"),
            &crlf_signed
        ]);
        assert_eq!(code, 0, "text {i} (CRLF): {err}");
        assert_eq!(
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&by_gpg),
            "text {i} (CRLF)"
        );
    }
}

/// Keys made by `pgpwrap keygen` import into gpg and work there both
/// ways; the passphrase-protected one too.
#[test]
fn pgpwrap_keys_work_in_gpg() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("q.xml");
    fs::write(&plain, b"<Question/>\n").unwrap();
    for name in ["pw", "pw_prot"] {
        let gpg = Gpg::new();
        gpg.import(&[&k.key(name), &k.key("shop_ed")]);
        // gpg sees v4 keys that do not ask for SEIPDv2.
        let listing = gpg.ok(&["--with-colons", "--list-secret-keys", &k.fpr(name)]);
        assert!(String::from_utf8_lossy(&listing.stdout).contains("sec:"));

        // gpg encrypts to the pgpwrap key and signs with its own key.
        let enc = wd.path().join(format!("{name}.gpg"));
        let shop = k.fpr("shop_ed");
        gpg.ok(&[
            "--passphrase",
            "",
            "-u",
            &shop,
            "-r",
            &k.fpr(name),
            "-s",
            "-e",
            "-o",
            s(&enc),
            s(&plain),
        ]);
        let pass = k.pass_file();
        let mut args = a![
            &"decrypt",
            &"--key",
            &k.key(name),
            &"--verify-with",
            &k.pubkey("shop_ed")
        ];
        if name == "pw_prot" {
            args.extend(a![&"--passphrase-file", &pass]);
        }
        args.push(enc.clone().into());
        let (code, stdout, err) = run(args.clone());
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(stdout, b"<Question/>\n");

        // gpg signs with the pgpwrap key (unlocking it with its passphrase).
        let sig = wd.path().join(format!("{name}.sig"));
        gpg.ok(&[
            "--passphrase",
            PROT_PASS,
            "-u",
            &k.fpr(name),
            "--detach-sign",
            "-o",
            s(&sig),
            s(&plain),
        ]);
        let (code, _, err) = run(a![
            &"verify",
            &"--signer",
            &k.pubkey(name),
            &"--signature",
            &sig,
            &plain
        ]);
        assert_eq!(code, 0, "{name}: {err}");

        // pgpwrap encrypts to the shop with the pgpwrap key; gpg verifies.
        let enc2 = wd.path().join(format!("{name}.pgp"));
        let mut args = a![
            &"encrypt",
            &"-r",
            &k.pubkey("shop_ed"),
            &"--sign-with",
            &k.key(name),
            &"-o",
            &enc2
        ];
        if name == "pw_prot" {
            args.extend(a![&"--passphrase-file", &pass]);
        }
        args.push(plain.clone().into());
        let (code, _, err) = run(args.clone());
        assert_eq!(code, 0, "{err}");
        let gpg2 = Gpg::new();
        gpg2.import(&[&k.key("shop_ed"), &k.pubkey(name)]);
        let out = gpg2.ok(&["--status-fd", "2", "-o", "-", "--decrypt", s(&enc2)]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("[GNUPG:] GOODSIG"));
        assert_eq!(out.stdout, b"<Question/>\n");
    }
}

/// A gpg key protected by a passphrase: right passphrase from a file or
/// the environment works; wrong or missing passphrase is trouble (2).
#[test]
fn gpg_protected_key_needs_its_passphrase() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("a.txt");
    fs::write(&plain, b"hello\n").unwrap();
    let out = wd.path().join("a.pgp");
    let base = a![
        &"encrypt",
        &"-r",
        &k.pubkey("gw_rsa"),
        &"--sign-with",
        &k.key("prot"),
        &"-o",
        &out
    ];
    let pass = k.pass_file();
    let mut a = base.clone();
    a.extend(a![&"--passphrase-file", &pass, &plain]);
    let (code, _, err) = run(a.clone());
    assert_eq!(code, 0, "{err}");

    let st = pgpwrap()
        .args(&base)
        .args(["--passphrase-env", "P"])
        .arg(&plain)
        .env("P", "wrong")
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(err.contains("wrong passphrase"), "{err}");

    let mut a = base.clone();
    a.push(plain.clone().into());
    let (code, _, err) = run(a.clone());
    assert_eq!(code, 2);
    assert!(
        err.contains("protected by a passphrase") && err.contains("--passphrase-file"),
        "{err}"
    );
    // The good output from the first run is still there, untouched.
    assert!(out.exists());
}

/// A passphrase in an environment variable that ends with a line ending
/// (`P=$(printf 'pass\n')`, an env file with CRLF) is read as its file is:
/// the line ending is not part of it. It gave "wrong passphrase", where the
/// same passphrase in a file worked. No piece of it is ever printed.
#[test]
fn a_passphrase_variable_s_line_ending_is_not_part_of_it() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("a.txt");
    fs::write(&plain, b"hello\n").unwrap();
    let sign = |value: &str| {
        let st = pgpwrap()
            .args(a![
                &"sign",
                &"--key",
                &k.key("prot"),
                &"--passphrase-env",
                &"P"
            ])
            .arg(&plain)
            .env("P", value)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&st.stderr).into_owned();
        for piece in PROT_PASS.as_bytes().windows(12) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(!err.contains(piece), "{err}");
        }
        (st.status.code(), err)
    };
    for ending in ["\n", "\r\n"] {
        let (code, err) = sign(&format!("{PROT_PASS}{ending}"));
        assert_eq!(code, Some(0), "{ending:?}: {err}");
    }
    // One line ending only, as in a file: a second is the passphrase's.
    let (code, err) = sign(&format!("{PROT_PASS}\n\n"));
    assert_eq!(code, Some(2));
    assert!(err.contains("wrong passphrase"), "{err}");
    let (code, err) = sign("\n");
    assert_eq!(code, Some(2));
    assert!(
        err.contains("the environment variable P is empty (but for a line ending)"),
        "{err}"
    );
}

/// A file saved by Notepad as "UTF-8 with BOM": a certificate, a key, a
/// message, a cleartext-signed text, a signature, a passphrase file. gpg
/// 2.2 reads none of the OpenPGP ones ("no valid OpenPGP data found", or
/// a BAD signature); pgpwrap said a bare "EOF" or "Malformed Message", and
/// the passphrase's BOM made it "wrong". Each is refused by name, with the
/// fix; the same files without it go through.
#[test]
fn a_file_starting_with_a_bom_is_refused_by_name() {
    let k = keys();
    let wd = workdir();
    let gpg = Gpg::new();
    gpg.import(&[&k.key("gw_rsa")]);
    let fpr = k.fpr("gw_rsa");
    let plain = wd.path().join("status.xml");
    fs::write(&plain, b"<Status/>\n").unwrap();
    let bom = |path: &std::path::Path| {
        let with = wd.path().join(format!(
            "bom-{}",
            path.file_name().unwrap().to_str().unwrap()
        ));
        let mut bytes = b"\xef\xbb\xbf".to_vec();
        bytes.extend(fs::read(path).unwrap());
        fs::write(&with, bytes).unwrap();
        with
    };
    let said = |args: Vec<std::ffi::OsString>, file: &std::path::Path| {
        let (code, stdout, err) = run(args);
        assert_eq!(code, 2, "{err}");
        assert!(stdout.is_empty());
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(
            err.contains(name)
                && err.contains("starts with a byte order mark (BOM): save it without one"),
            "{err}"
        );
    };
    let signed = wd.path().join("signed.asc");
    gpg.ok(&[
        "--passphrase",
        "",
        "-u",
        &fpr,
        "--armor",
        "-o",
        s(&signed),
        "--sign",
        s(&plain),
    ]);
    let clear = wd.path().join("clear.asc");
    gpg.ok(&[
        "--passphrase",
        "",
        "-u",
        &fpr,
        "-o",
        s(&clear),
        "--clearsign",
        s(&plain),
    ]);
    let sig = wd.path().join("status.sig.asc");
    gpg.ok(&[
        "--passphrase",
        "",
        "-u",
        &fpr,
        "--armor",
        "-o",
        s(&sig),
        "--detach-sign",
        s(&plain),
    ]);
    let cert = bom(&k.pubkey("gw_rsa"));
    // gpg refuses them too: the evidence that nothing readable is refused.
    for file in [bom(&signed), bom(&clear)] {
        assert!(
            !gpg.run(&["--decrypt", s(&file)]).status.success(),
            "{file:?}"
        );
    }
    assert!(!Gpg::new().run(&["--import", s(&cert)]).status.success());

    let signer = k.pubkey("gw_rsa");
    said(a![&"verify", &"--signer", &cert, &signed], &cert);
    for file in [bom(&signed), bom(&clear)] {
        said(a![&"verify", &"--signer", &signer, &file], &file);
        said(a![&"inspect", &file], &file);
    }
    let bom_sig = bom(&sig);
    said(
        a![
            &"verify",
            &"--signer",
            &signer,
            &"--signature",
            &bom_sig,
            &plain
        ],
        &bom_sig,
    );
    let key = bom(&k.key("shop_ed"));
    said(a![&"sign", &"--key", &key, &plain], &key);
    let pass = bom(&k.pass_file());
    said(
        a![
            &"sign",
            &"--key",
            &k.key("prot"),
            &"--passphrase-file",
            &pass,
            &plain
        ],
        &pass,
    );
    // Without it, all good.
    for file in [&signed, &clear] {
        let (code, _, err) = run(a![&"verify", &"--signer", &signer, file]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) = run(a![
        &"verify",
        &"--signer",
        &signer,
        &"--signature",
        &sig,
        &plain
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(a![
        &"sign",
        &"--key",
        &k.key("prot"),
        &"--passphrase-file",
        &k.pass_file(),
        &plain
    ]);
    assert_eq!(code, 0, "{err}");
}

/// Legacy partner keys (RSA 1024, SHA-1 self-signatures): refused by
/// default with the problem named and the opt-in flag; accepted with
/// --allow-legacy, with a warning; gpg then reads the result.
#[test]
fn legacy_keys_need_allow_legacy() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("a.txt");
    fs::write(&plain, b"legacy\n").unwrap();
    let out = wd.path().join("a.pgp");
    let (code, _, err) = run(a![
        &"encrypt",
        &"-r",
        &k.pubkey("legacy"),
        &"--sign-with",
        &k.key("shop_ed"),
        &"-o",
        &out,
        &plain
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("legacy key refused"), "{err}");
    assert!(err.contains("1024 bits"), "{err}");
    assert!(err.contains("SHA-1"), "{err}");
    assert!(err.contains("--allow-legacy"), "{err}");
    assert!(!out.exists());

    let (code, _, err) = run(a![
        &"encrypt",
        &"--allow-legacy",
        &"-r",
        &k.pubkey("legacy"),
        &"--sign-with",
        &k.key("shop_ed"),
        &"-o",
        &out,
        &plain
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning") && err.contains("legacy"), "{err}");
    let gpg = Gpg::new();
    gpg.import(&[&k.key("legacy"), &k.pubkey("shop_ed")]);
    let o = gpg.ok(&["-o", "-", "--decrypt", s(&out)]);
    assert_eq!(o.stdout, b"legacy\n");

    // A status file signed by the legacy key: verify refuses, then accepts.
    let signed = wd.path().join("s.gpg");
    gpg.ok(&[
        "--passphrase",
        "",
        "-u",
        &k.fpr("legacy"),
        "--sign",
        "-o",
        s(&signed),
        s(&plain),
    ]);
    let (code, stdout, err) = run(a![&"verify", &"--signer", &k.pubkey("legacy"), &signed]);
    assert_eq!(code, 2, "{err}");
    assert!(stdout.is_empty());
    let (code, stdout, err) = run(a![
        &"verify",
        &"--allow-legacy",
        &"--signer",
        &k.pubkey("legacy"),
        &signed
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout, b"legacy\n");
}

/// inspect tells which key a gpg message is encrypted to, and who signed
/// a signed message, without keys.
#[test]
fn inspect_gpg_messages_and_keys() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("batch.csv");
    fs::write(&plain, b"a;b\n").unwrap();
    let gpg = Gpg::new();
    gpg.import(&[&k.key("shop_ed"), &k.pubkey("gw_rsa")]);
    let enc = wd.path().join("e.gpg");
    gpg.ok(&[
        "--passphrase",
        "",
        "-u",
        &k.fpr("shop_ed"),
        "-r",
        &k.fpr("gw_rsa"),
        "-s",
        "-e",
        "-o",
        s(&enc),
        s(&plain),
    ]);
    let (code, stdout, err) = run(a![&"inspect", &"--json", &enc]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["type"], "message");
    assert_eq!(v["armored"], false);
    let gw_sub = {
        let out = gpg.ok(&["--with-colons", "--list-keys", &k.fpr("gw_rsa")]);
        let t = String::from_utf8_lossy(&out.stdout).into_owned();
        t.lines()
            .find(|l| l.starts_with("sub:"))
            .unwrap()
            .split(':')
            .nth(4)
            .unwrap()
            .to_string()
    };
    assert_eq!(v["encrypted_to"][0]["key_id"], gw_sub.as_str());

    let signed = wd.path().join("s.asc");
    gpg.ok(&[
        "--passphrase",
        "",
        "-u",
        &k.fpr("shop_ed"),
        "--armor",
        "--sign",
        "-o",
        s(&signed),
        s(&plain),
    ]);
    let (code, stdout, err) = run(a![&"inspect", &"--json", &signed]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["armored"], true);
    assert_eq!(v["literal"]["name"], "batch.csv");
    let issuers = v["signatures"][0]["issuers"].to_string();
    let shop_fpr = k.fpr("shop_ed");
    // gpg signs with the Ed25519 primary key in a future-default key.
    assert!(
        issuers.contains(&shop_fpr[24..])
            || issuers.contains("EdDSA")
            || v["signatures"][0]["algorithm"] == "EdDSA",
        "{v}"
    );

    let (code, stdout, err) = run(a![&"inspect", &k.pubkey("gw_rsa")]);
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8_lossy(&stdout);
    assert!(text.contains(&k.fpr("gw_rsa")), "{text}");
    assert!(text.contains("Gateway RSA <gw@example.net>"), "{text}");
    assert!(text.contains("3072 bits"), "{text}");
    assert!(text.contains("can encrypt"), "{text}");

    let (code, stdout, _) = run(a![&"inspect", &"--json", &k.pubkey("expired")]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["keys"][0]["alive"], false);
    assert!(
        v["keys"][0]["expires"]
            .as_str()
            .unwrap()
            .starts_with("2020-12-31"),
        "{v}"
    );
}
