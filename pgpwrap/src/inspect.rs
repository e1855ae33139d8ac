//! `pgpwrap inspect`: what a message, key or certificate is, without any
//! key: recipients, signers, algorithms, armor, literal data name; for
//! keys, fingerprints, user ids, subkeys, capabilities, expiry.

use std::io::{Cursor, Read, Write};

use paylot_cli::{Error, Input, Outcome, Output, Result};
use sequoia_openpgp as openpgp;

use openpgp::cert::prelude::*;
use openpgp::cert::CertParser;
use openpgp::packet::{Packet, SEIP};
use openpgp::parse::{PacketParserResult, Parse};
use openpgp::policy::StandardPolicy;
use openpgp::types::{KeyFlags, RevocationStatus};
use serde_json::{json, Value};

use crate::io;
use paylot_cli::time::rfc3339_seconds as format_time;

const EXAMPLES: &str = "\
Examples:
  Which key is this file encrypted to, and who signed it?
  $ pgpwrap inspect batch.xml.pgp

  A key or certificate: fingerprints, user ids, subkeys, capabilities, expiry:
  $ pgpwrap inspect --json gateway.pub

For an encrypted message only the recipients' key ids are visible; the
signers are inside the encryption. Exit status: 0 described, 2 not OpenPGP
data or unreadable.";

/// Describe an OpenPGP message, key or certificate, without any key
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Write a JSON document instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub file: paylot_cli::args::InputArg,
}

/// The first packet's tag, if the data starts with binary OpenPGP.
fn first_tag(b: u8) -> Option<u8> {
    if b & 0x80 == 0 {
        return None;
    }
    Some(if b & 0x40 != 0 {
        b & 0x3f
    } else {
        (b & 0x3c) >> 2
    })
}

fn flags(f: &KeyFlags) -> Vec<&'static str> {
    let mut v = Vec::new();
    if f.for_certification() {
        v.push("certify");
    }
    if f.for_signing() {
        v.push("sign");
    }
    if f.for_transport_encryption() || f.for_storage_encryption() {
        v.push("encrypt");
    }
    if f.for_authentication() {
        v.push("authenticate");
    }
    v
}

/// Text a person or a program put in the key or message (a user id, the
/// literal data's file name, the element's name), masked where it is
/// read: the rest of what inspect shows is made by OpenPGP (fingerprints,
/// key ids, algorithms, dates) and is shown as it is, so that a
/// fingerprint never loses digits to a card number's masking.
fn free_text(bytes: &[u8]) -> String {
    paylot_cli::text::mask(&String::from_utf8_lossy(bytes)).into_owned()
}

fn describe_cert(cert: &Cert) -> Value {
    let standard = StandardPolicy::new();
    let legacy = crate::keys::Policies::new(true);
    let (vc, problems) = match cert.with_policy(&standard, None) {
        Ok(vc) => (Some(vc), Vec::new()),
        Err(_) => (
            cert.with_policy(legacy.active(), None).ok(),
            // Made by pgpwrap, with the key ids they name marked as
            // identifiers (text::identifier): the mask shows them whole
            // and drops the marks.
            crate::keys::legacy_problems(cert)
                .iter()
                .map(|p| paylot_cli::text::mask(p).into_owned())
                .collect(),
        ),
    };
    let mut keys = Vec::new();
    for ka in cert.keys() {
        let key = ka.key();
        let secret = if !key.has_secret() {
            "none"
        } else if key.has_unencrypted_secret() {
            "unprotected"
        } else {
            "protected"
        };
        let mut obj = json!({
            "fingerprint": key.fingerprint().to_hex(),
            "key_id": key.keyid().to_hex(),
            "primary": ka.primary(),
            "algorithm": key.pk_algo().to_string(),
            "bits": key.mpis().bits(),
            "created": format_time(key.creation_time()),
            "secret": secret,
        });
        if let Some(vc) = &vc {
            if let Some(vka) = vc.keys().key_handle(key.fingerprint()).next() {
                let caps = vka.key_flags().map(|f| flags(&f)).unwrap_or_default();
                obj["capabilities"] = json!(caps);
                obj["expires"] = match vka.key_expiration_time() {
                    Some(t) => json!(format_time(t)),
                    None => Value::Null,
                };
                obj["alive"] = json!(vka.alive().is_ok());
                obj["revoked"] = json!(matches!(
                    vka.revocation_status(),
                    RevocationStatus::Revoked(_)
                ));
            } else {
                obj["valid"] = json!(false);
            }
        }
        keys.push(obj);
    }
    let userids: Vec<String> = cert
        .userids()
        .map(|u| free_text(u.userid().value()))
        .collect();
    json!({
        "type": if cert.is_tsk() { "secret-key" } else { "certificate" },
        "fingerprint": cert.fingerprint().to_hex(),
        "user_ids": userids,
        "valid": vc.is_some(),
        "legacy_problems": problems,
        "keys": keys,
    })
}

fn describe_message(reader: Box<dyn Read + Send + Sync>, name: &str) -> Result<Value> {
    let bad = |e: openpgp::anyhow::Error| {
        Error::trouble(format!(
            "{name}: not an OpenPGP message: {}",
            io::describe(&e)
        ))
    };
    let mut ppr = openpgp::parse::PacketParser::from_reader(reader).map_err(bad)?;
    let mut recipients = Vec::new();
    let mut passwords = 0;
    let mut encryption = Value::Null;
    let mut signatures = Vec::new();
    let mut one_pass = Vec::new();
    let mut literal = Value::Null;
    let mut compression = Value::Null;
    let mut packets = 0usize;
    while let PacketParserResult::Some(pp) = ppr {
        packets += 1;
        match &pp.packet {
            Packet::PKESK(p) => recipients.push(json!({
                "key_id": p.recipient().map(|h| h.to_hex()),
                "algorithm": p.pk_algo().to_string(),
            })),
            Packet::SKESK(_) => passwords += 1,
            Packet::SEIP(SEIP::V1(_)) => {
                encryption = json!({"format": "SEIPDv1 (RFC 4880, with MDC)", "cipher": "(in the session key packet)"})
            }
            Packet::SEIP(SEIP::V2(s)) => {
                encryption = json!({"format": "SEIPDv2 (RFC 9580, AEAD)", "cipher": s.symmetric_algo().to_string(), "aead": s.aead().to_string()})
            }
            Packet::OnePassSig(o) => one_pass.push(json!({
                "issuer": o.issuer().to_hex(),
                "hash": o.hash_algo().to_string(),
                "algorithm": o.pk_algo().to_string(),
            })),
            Packet::Signature(s) => signatures.push(json!({
                "issuers": s.get_issuers().iter().map(|h| h.to_hex()).collect::<Vec<_>>(),
                "hash": s.hash_algo().to_string(),
                "algorithm": s.pk_algo().to_string(),
                "created": s.signature_creation_time().map(format_time),
                "type": s.typ().to_string(),
            })),
            Packet::Literal(l) => {
                literal = json!({
                    "name": l.filename().map(free_text),
                    "format": l.format().to_string(),
                    "date": l.date().map(format_time),
                })
            }
            // Compression inside compression is only ever a bomb (decrypt
            // and verify refuse it): said, and not unpacked.
            Packet::CompressedData(_) if !compression.is_null() => {
                compression = json!(format!(
                    "{}, with compressed data inside it (not unpacked: only a compression bomb \
                     nests compression; decrypt and verify refuse it)",
                    compression.as_str().unwrap_or_default(),
                ));
                ppr = pp.next().map_err(bad)?.1;
                continue;
            }
            Packet::CompressedData(c) => compression = json!(c.algo().to_string()),
            Packet::PublicKey(_) | Packet::SecretKey(_) => {
                return Err(Error::trouble(format!("{name}: a key inside a message")));
            }
            _ => {}
        }
        ppr = pp.recurse().map_err(bad)?.1;
    }
    if packets == 0 {
        return Err(Error::trouble(format!("{name}: no OpenPGP data")));
    }
    let signed = if signatures.is_empty() {
        Value::Null
    } else {
        json!(signatures)
    };
    Ok(json!({
        "type": "message",
        "encrypted_to": recipients,
        "password_encrypted": passwords,
        "encryption": encryption,
        "one_pass_signatures": one_pass,
        "signatures": signed.as_array().cloned().unwrap_or_default(),
        "compression": compression,
        "literal": literal,
    }))
}

fn text(v: &Value, armored: bool, out: &mut String) {
    use std::fmt::Write as _;
    let s = |v: &Value| match v {
        Value::String(s) => paylot_cli::sanitize(s).into_owned(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    };
    match v["type"].as_str() {
        Some("message") => {
            if let Some(el) = v["element"].as_str() {
                let _ = writeln!(
                    out,
                    "XML document: element <{}> holds the message below (decrypt it with pgpwrap decrypt --element {})",
                    s(&v["element"]),
                    paylot_cli::sanitize(el)
                );
            }
            let _ = writeln!(
                out,
                "OpenPGP message ({})",
                if armored { "armored" } else { "binary" }
            );
            for r in v["encrypted_to"].as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "  encrypted to key {} ({})",
                    s(&r["key_id"]),
                    s(&r["algorithm"])
                );
            }
            if v["password_encrypted"].as_u64().unwrap_or(0) > 0 {
                let _ = writeln!(out, "  encrypted with a password");
            }
            if !v["encryption"].is_null() {
                let e = &v["encryption"];
                let _ = writeln!(
                    out,
                    "  encryption: {}, cipher {}",
                    s(&e["format"]),
                    s(&e["cipher"])
                );
                if v["signatures"].as_array().is_none_or(|a| a.is_empty()) {
                    let _ = writeln!(out, "  signers: not visible without decrypting");
                }
            }
            if !v["compression"].is_null() {
                let _ = writeln!(out, "  compression: {}", s(&v["compression"]));
            }
            for sig in v["signatures"].as_array().into_iter().flatten() {
                let issuers: Vec<String> = sig["issuers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(s)
                    .collect();
                let _ = writeln!(
                    out,
                    "  signed by {} ({}, {}) on {}",
                    issuers.join(" / "),
                    s(&sig["algorithm"]),
                    s(&sig["hash"]),
                    s(&sig["created"])
                );
            }
            if !v["literal"].is_null() {
                let _ = writeln!(
                    out,
                    "  literal data: name {}, format {}",
                    s(&v["literal"]["name"]),
                    s(&v["literal"]["format"])
                );
            }
        }
        _ => {
            let kind = if v["type"] == "secret-key" {
                "secret key"
            } else {
                "certificate"
            };
            let _ = writeln!(
                out,
                "OpenPGP {kind} {} ({})",
                s(&v["fingerprint"]),
                if armored { "armored" } else { "binary" }
            );
            for u in v["user_ids"].as_array().into_iter().flatten() {
                let _ = writeln!(out, "  user id: {}", s(u));
            }
            if !v["valid"].as_bool().unwrap_or(false) {
                let _ = writeln!(out, "  NOT VALID under the standard policy");
            }
            for p in v["legacy_problems"].as_array().into_iter().flatten() {
                let _ = writeln!(out, "  legacy: {} (needs --allow-legacy)", s(p));
            }
            for k in v["keys"].as_array().into_iter().flatten() {
                let role = if k["primary"] == true {
                    "primary"
                } else {
                    "subkey "
                };
                let caps: Vec<String> = k["capabilities"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(s)
                    .collect();
                let mut line = format!(
                    "  {role} {} {} {} bits, created {}, expires {}, can {}",
                    s(&k["fingerprint"]),
                    s(&k["algorithm"]),
                    s(&k["bits"]),
                    s(&k["created"]),
                    if k["expires"].is_null() {
                        "never".to_string()
                    } else {
                        s(&k["expires"])
                    },
                    if caps.is_empty() {
                        "nothing".to_string()
                    } else {
                        caps.join(",")
                    },
                );
                if k["secret"] != "none" {
                    line.push_str(&format!(", secret {}", s(&k["secret"])));
                }
                if k["revoked"] == true {
                    line.push_str(", REVOKED");
                } else if k["alive"] == false {
                    line.push_str(", EXPIRED");
                }
                let _ = writeln!(out, "{line}");
            }
        }
    }
}

/// Describe what `reader` holds: whether it is armored, and one JSON
/// document per certificate, or one for a message. Streams: a message is
/// read packet by packet, never held whole.
pub fn describe(mut reader: Box<dyn Read + Send + Sync>, name: &str) -> Result<(bool, Vec<Value>)> {
    let mut head = vec![0u8; 64 * 1024];
    let mut filled = 0;
    while filled < head.len() {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::reading(name, e)),
        }
    }
    head.truncate(filled);
    // A document saved with a UTF-8 BOM is an envelope all the same.
    let bom = if head.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let start = head[bom..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| bom + i);
    let Some(start) = start else {
        return Err(Error::trouble(format!(
            "{name}: empty input: not OpenPGP data"
        )));
    };
    if head[start..].starts_with(b"<") {
        return describe_envelope(head, reader, name);
    }
    if bom > 0 {
        return Err(io::bom_refusal(name));
    }
    let armored = head[start..].starts_with(b"-----BEGIN PGP ");
    let is_key = if armored {
        head[start..].starts_with(b"-----BEGIN PGP PUBLIC KEY BLOCK-----")
            || head[start..].starts_with(b"-----BEGIN PGP PRIVATE KEY BLOCK-----")
    } else {
        matches!(first_tag(head[0]), Some(5) | Some(6))
    };
    if !armored && first_tag(head[0]).is_none() {
        return Err(Error::trouble(format!(
            "{name}: not OpenPGP data (neither armored nor binary OpenPGP)"
        )));
    }
    let reader: Box<dyn Read + Send + Sync> = Box::new(Cursor::new(head).chain(reader));
    let docs: Vec<Value> = if is_key {
        let certs = CertParser::from_reader(reader)
            .map_err(|e| Error::trouble(format!("{name}: {}", io::describe(&e))))?
            .collect::<openpgp::Result<Vec<Cert>>>()
            .map_err(|e| {
                Error::trouble(format!("{name}: not a valid key: {}", io::describe(&e)))
            })?;
        if certs.is_empty() {
            return Err(Error::trouble(format!("{name}: no key found")));
        }
        certs.iter().map(describe_cert).collect()
    } else {
        vec![describe_message(reader, name)?]
    };
    Ok((armored, docs))
}

/// An XML document: the OpenPGP message one of its elements holds (the
/// envelope of `pgpwrap encrypt --element`), described as a message, with
/// the element's name.
fn describe_envelope(
    head: Vec<u8>,
    mut reader: Box<dyn Read + Send + Sync>,
    name: &str,
) -> Result<(bool, Vec<Value>)> {
    // The document is read whole to find the element: bounded, as
    // decrypt --element bounds it.
    let mut doc = head;
    let max = paylot_cli::limits::ELEMENT_ENVELOPE;
    let left = max.saturating_sub(doc.len() as u64);
    let whole = paylot_cli::limits::read_at_most(&mut reader, &mut doc, left)
        .map_err(|e| Error::reading(name, e))?;
    if !whole {
        return Err(Error::trouble(format!(
            "{name}: an XML document of more than {}, the most an envelope of encrypt --element may be (it takes at most 64 MiB, which its armor makes at most 96 MiB)",
            paylot_cli::limits::show(max)
        )));
    }
    let Some((element, range)) = crate::element::find_armored(&doc) else {
        return Err(Error::trouble(format!(
            "{name}: an XML document with no OpenPGP message in it: not OpenPGP data (an \
             encrypted element holds an armored message: see pgpwrap encrypt --element)"
        )));
    };
    let content = doc[range].to_vec();
    let mut d = describe_message(Box::new(Cursor::new(content)), name)?;
    d["element"] = json!(free_text(element.as_bytes()));
    Ok((true, vec![d]))
}

pub fn run(args: Args) -> Result<Outcome> {
    let input = Input::open(args.file.path())?;
    let name = input.quoted();
    let (armored, docs) = describe(input.into_reader(), &name)?;
    let mut out = Output::create(None)?;
    let werr = |e| Error::io("writing", e);
    if args.json {
        for mut d in docs {
            d["armored"] = json!(armored);
            d["version"] = json!(1);
            paylot_cli::json::scrub_strings(&mut d);
            paylot_cli::json::to_writer(&mut out, &d).map_err(werr)?;
            writeln!(out).map_err(werr)?;
        }
    } else {
        let mut s = String::new();
        for d in &docs {
            text(d, armored, &mut s);
        }
        for line in s.lines() {
            writeln!(out, "{}", paylot_cli::redact::scrub(line)).map_err(werr)?;
        }
    }
    out.commit()?;
    Ok(Outcome::Yes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn describe_bytes(b: &[u8]) -> Result<(bool, Vec<Value>)> {
        describe(Box::new(Cursor::new(b.to_vec())), "<test>")
    }

    #[test]
    fn packet_tags_of_binary_openpgp() {
        assert_eq!(first_tag(0x99), Some(6)); // old format public key
        assert_eq!(first_tag(0xc6), Some(6)); // new format public key
        assert_eq!(first_tag(0x85), Some(1)); // old format PKESK
        assert_eq!(first_tag(b'<'), None);
    }

    /// A nested compressed container is said and not unpacked (only a
    /// bomb nests them: each layer multiplies the expansion by ~1000).
    #[test]
    fn compression_inside_compression_is_not_unpacked() {
        use openpgp::serialize::stream::{Compressor, LiteralWriter, Message};
        let mut bytes = Vec::new();
        let m = Compressor::new(Message::new(&mut bytes)).build().unwrap();
        let m = Compressor::new(m).build().unwrap();
        let mut w = LiteralWriter::new(m).build().unwrap();
        w.write_all(&[0u8; 4096]).unwrap();
        w.finalize().unwrap();
        let (_, items) = describe_bytes(&bytes).unwrap();
        let c = items[0]["compression"].as_str().unwrap();
        assert!(c.contains("with compressed data inside it"), "{c}");
        // The literal data packet, inside the inner container, was not reached.
        assert!(items[0]["literal"].is_null(), "{}", items[0]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = describe_bytes(&bytes);
        }

        #[test]
        fn never_panics_on_openpgp_looking_bytes(tag in 0x80u8..=0xff, rest in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut b = vec![tag];
            b.extend_from_slice(&rest);
            let _ = describe_bytes(&b);
            let mut armored = b"-----BEGIN PGP MESSAGE-----\n\n".to_vec();
            armored.extend_from_slice(&rest);
            let _ = describe_bytes(&armored);
        }
    }
}
