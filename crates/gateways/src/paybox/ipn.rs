//! The Paybox return (IPN) signature: RSA/SHA-1 under Paybox's public
//! 1024-bit key, over the raw query string up to `&<sig-field>=`, exactly
//! as received (still percent-encoded); the signature is base64, then
//! percent-encoded. Decoding the text first is the classic bug.

use base64::Engine as _;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha1::Sha1;

/// The name Paybox's integrations give the signature parameter (letter
/// `K` of `PBX_RETOUR`, last).
pub const SIGNATURE_FIELD: &str = "Sign";

/// Paybox's public key, the same for Paybox, E-Transactions and Up2pay,
/// as published by the gateway and shipped by every integration.
pub const PAYBOX_PUBLIC_KEY: &str = include_str!("../../keys/paybox-pubkey.pem");

/// Read a public key in PEM (SubjectPublicKeyInfo or PKCS#1).
pub fn public_key(pem: &str) -> Result<RsaPublicKey, crate::invalid::Invalid> {
    parse_public_key(pem).map_err(crate::invalid::Invalid)
}

fn parse_public_key(pem: &str) -> Result<RsaPublicKey, String> {
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
pub fn split<'a>(
    query: &'a str,
    field: Option<&str>,
) -> Result<Split<'a>, crate::invalid::Invalid> {
    split_query(query, field).map_err(crate::invalid::Invalid)
}

fn split_query<'a>(query: &'a str, field: Option<&str>) -> Result<Split<'a>, String> {
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

/// `%XX` decoding without touching `+` (it is not form decoding).
pub fn percent_decode(text: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(text).collect()
}

/// Whether a query string is a RemoteMPI 3-D Secure callback (its
/// `IdSession` and `ID3D` parameters; BenMorel/Paybox
/// `RemoteMPIResponse`). Paybox signs those another way than its
/// payment returns: see [`remote_mpi_signed`].
pub fn is_remote_mpi(query: &str) -> bool {
    let has = |name: &str| {
        query
            .split('&')
            .any(|p| p.split_once('=').is_some_and(|(k, _)| k == name))
    };
    has("IdSession") && has("ID3D")
}

/// What Paybox signs in a RemoteMPI callback: the decoded values (their
/// bytes, Latin-1), not the raw text. A callback URL (GET) is decoded
/// with `%XX` only; a return URL (POST) is form-decoded (`+` is a space)
/// and its signature is URL-encoded twice (BenMorel/Paybox `OpenSSL.php`
/// `checkSignature`, whose tests hold signatures made by Paybox).
pub fn remote_mpi_signed(signed: &str, post: bool) -> Vec<u8> {
    if post {
        percent_decode(&signed.replace('+', " "))
    } else {
        percent_decode(signed)
    }
}

/// The signature of a RemoteMPI return URL (POST): URL-encoded twice.
pub fn decode_signature_twice(raw: &str) -> Result<Vec<u8>, String> {
    let once = String::from_utf8_lossy(&percent_decode(&raw.replace('+', " "))).into_owned();
    decode_signature(&once)
}

/// Whether `signature` is a valid RSA/SHA-1 signature of `data`.
pub fn verifies(key: &RsaPublicKey, data: &[u8], signature: &[u8]) -> bool {
    let vk = VerifyingKey::<Sha1>::new(key.clone());
    match Signature::try_from(signature) {
        Ok(sig) => vk.verify(data, &sig).is_ok(),
        Err(_) => false,
    }
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
