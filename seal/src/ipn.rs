//! Paybox return (IPN) signatures: RSA/SHA-1 under Paybox's public
//! 1024-bit key, over the raw query string up to `&<sig-field>=`, exactly
//! as received. Decoding the text first is the classic bug.

use base64::Engine as _;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha1::Sha1;

/// Paybox's public key, the same for Paybox, E-Transactions and Up2pay,
/// as published by the gateway and shipped by every integration.
pub const PAYBOX_PUBLIC_KEY: &str = include_str!("../keys/paybox-pubkey.pem");

/// Read a public key in PEM (SubjectPublicKeyInfo or PKCS#1).
pub fn public_key(pem: &str) -> Result<RsaPublicKey, String> {
    RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| {
            use rsa::pkcs1::DecodeRsaPublicKey;
            RsaPublicKey::from_pkcs1_pem(pem.trim())
        })
        .map_err(|e| format!("not an RSA public key in PEM form ({e})"))
}

/// A query string split into the signed part and the signature.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    pub signed: &'a str,
    pub field: &'a str,
    /// The signature value as received (still percent-encoded).
    pub raw_signature: &'a str,
    /// Whether the signature was the last parameter, as Paybox sends it.
    pub last: bool,
}

/// Split `query` at the signature parameter: `field` if named, else the
/// last parameter (Paybox requires the signature letter K to come last).
pub fn split<'a>(query: &'a str, field: Option<&str>) -> Result<Split<'a>, String> {
    let query = query.trim_start_matches('?');
    let start = match field {
        Some(name) => {
            let needle = format!("&{name}=");
            match query.rfind(&needle) {
                Some(at) => at,
                None if query.starts_with(&format!("{name}=")) => {
                    return Err(format!("the signature field {name} is the first parameter: nothing is signed"))
                }
                None => {
                    return Err(format!(
                        "no signature parameter \"{name}\" in the query string (name it with --sig-field)"
                    ))
                }
            }
        }
        None => query
            .rfind('&')
            .ok_or("a single parameter: no signed text before the signature")?,
    };
    let signed = &query[..start];
    let rest = &query[start + 1..];
    let (param, after) = match rest.find('&') {
        Some(at) => (&rest[..at], true),
        None => (rest, false),
    };
    let (name, value) = param.split_once('=').unwrap_or((param, ""));
    Ok(Split {
        signed,
        field: name,
        raw_signature: value,
        last: !after,
    })
}

/// Decode the signature: percent-decoding only (a `+` in base64 is a
/// plus, not a space), then base64.
pub fn decode_signature(raw: &str) -> Result<Vec<u8>, String> {
    let unescaped: Vec<u8> = percent_decode(raw);
    base64::engine::general_purpose::STANDARD
        .decode(&unescaped)
        .map_err(|e| format!("the signature is not base64 ({e})"))
}

/// `%XX` decoding without touching `+`.
pub fn percent_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encode what a URL cannot carry as is (spaces, quotes,
/// non-ASCII), keeping the characters Paybox leaves raw (`@ / : , ;`),
/// like JavaScript's `encodeURI`.
fn encode_uri(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'();/?:@&=+$,#".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `signature` is a valid RSA/SHA-1 signature of `data`.
pub fn verifies(key: &RsaPublicKey, data: &[u8], signature: &[u8]) -> bool {
    let vk = VerifyingKey::<Sha1>::new(key.clone());
    match Signature::try_from(signature) {
        Ok(sig) => vk.verify(data, &sig).is_ok(),
        Err(_) => false,
    }
}

/// The likely cause when the raw text does not verify.
pub fn diagnose(key: &RsaPublicKey, split: &Split<'_>, signature: &[u8]) -> Option<String> {
    let signed = split.signed;
    let decoded = String::from_utf8_lossy(&percent_decode(signed)).into_owned();
    let form_decoded: String = form_urlencoded::parse(signed.as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let fully_encoded: String = signed
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => {
                let e: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
                format!("{k}={}", e.replace('+', "%20"))
            }
            None => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&");
    // What Paybox may have signed, had the text been changed on its way.
    let candidates = [
        decoded.clone(),
        form_decoded,
        fully_encoded,
        encode_uri(signed),
        encode_uri(&decoded),
    ];
    let escapes = |t: &str| t.matches('%').count();
    for candidate in candidates {
        if candidate == signed || !verifies(key, candidate.as_bytes(), signature) {
            continue;
        }
        return Some(if escapes(&candidate) < escapes(signed) {
            "matches once percent-escapes are undone: the query string was re-encoded on its way to \
             you (e.g. '@' became %40); verify the raw query string exactly as Paybox sent it"
                .into()
        } else {
            "matches over the percent-encoded text: the query string was decoded before it \
             reached this tool; pass the raw query string (e.g. $_SERVER['QUERY_STRING'])"
                .into()
        });
    }
    let mut from = 0;
    while let Some(at) = signed[from..].find('&') {
        let suffix = &signed[from + at + 1..];
        if verifies(key, suffix.as_bytes(), signature) {
            let dropped = &signed[..from + at];
            return Some(format!(
                "matches over the parameters after \"{dropped}\": those leading parameters are not \
                 part of what Paybox signed (they were added to the URL by someone else)"
            ));
        }
        from += at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_key_parses() {
        public_key(PAYBOX_PUBLIC_KEY).unwrap();
    }

    #[test]
    fn split_takes_the_last_parameter_by_default() {
        let s = split("a=1&b=2&Sign=xyz", None).unwrap();
        assert_eq!(
            (s.signed, s.field, s.raw_signature, s.last),
            ("a=1&b=2", "Sign", "xyz", true)
        );
        let s = split("a=1&K=xyz&extra=1", Some("K")).unwrap();
        assert_eq!((s.signed, s.raw_signature, s.last), ("a=1", "xyz", false));
        assert!(split("a=1", Some("K")).is_err());
    }

    #[test]
    fn percent_decoding_keeps_plus_signs() {
        assert_eq!(percent_decode("a%2Bb+c%3d%"), b"a+b+c=%");
    }
}
