//! Turning a seal string and a key into the seal, as each scheme writes
//! it, and comparing seals in constant time. Keys stay zeroed-on-drop
//! from the secret to the HMAC.

use base64::Engine as _;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Algorithm, Scheme};

/// Why a secret cannot be a scheme's key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A Paybox key is hex text; the byte at this position (from 1) is
    /// not a hex digit. The byte is not shown: it is part of a secret.
    #[error("the paybox key is not hexadecimal text: the character at position {position} is not a digit 0-9 A-F (expected the back-office key, typically 128 hex digits)")]
    NotHex { position: usize },
    /// A Paybox key has an odd number of hex digits.
    #[error("the paybox key has an odd number of hex digits ({0}): a digit is missing")]
    OddLength(usize),
}

/// The key as the scheme uses it: Paybox's secret is hex text decoded to
/// bytes; Sips and Lyra use the secret's exact UTF-8 bytes.
pub fn key_bytes(scheme: Scheme, secret: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if !scheme.hex_key() {
        return Ok(Zeroizing::new(secret.to_vec()));
    }
    if let Some(at) = secret.iter().position(|b| !b.is_ascii_hexdigit()) {
        return Err(KeyError::NotHex { position: at + 1 });
    }
    if !secret.len().is_multiple_of(2) {
        return Err(KeyError::OddLength(secret.len()));
    }
    let mut key = Zeroizing::new(vec![0u8; secret.len() / 2]);
    hex::decode_to_slice(secret, &mut key).map_err(|_| KeyError::OddLength(secret.len()))?;
    Ok(key)
}

/// The key of each scheme, derived once from the secret (zeroed when
/// dropped).
pub struct Keys {
    raw: Zeroizing<Vec<u8>>,
    paybox: Result<Zeroizing<Vec<u8>>, KeyError>,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Keys {
        Keys {
            raw: Zeroizing::new(secret.to_vec()),
            paybox: key_bytes(Scheme::Paybox, secret),
        }
    }

    /// The key for `scheme`, or why the secret cannot be one.
    pub fn get(&self, scheme: Scheme) -> Result<&[u8], KeyError> {
        match scheme {
            Scheme::Paybox | Scheme::PayboxDirect => self
                .paybox
                .as_deref()
                .map(|k| k.as_slice())
                .map_err(Clone::clone),
            _ => Ok(&self.raw),
        }
    }
}

/// The seal of `text` under `key`, written as `scheme` writes it.
/// Lyra appends `+key` to the string before hashing, as its rule says.
pub fn seal_of(scheme: Scheme, algorithm: Algorithm, text: &[u8], key: &[u8]) -> String {
    let mut out = Vec::with_capacity(128);
    write_seal(scheme, algorithm, text, key, &mut out);
    String::from_utf8(out).expect("seals are hex or base64")
}

/// Append the seal to `out`, as [`seal_of`] returns it, without building
/// a string (the hot path of `seal compute --jsonl`). The one place that
/// decides how each scheme writes its seal.
pub fn write_seal(
    scheme: Scheme,
    algorithm: Algorithm,
    text: &[u8],
    key: &[u8],
    out: &mut Vec<u8>,
) {
    let (digest, upper) = match scheme {
        Scheme::Lyra => {
            let mut full = Vec::with_capacity(text.len() + 1 + key.len());
            full.extend_from_slice(text);
            full.push(b'+');
            full.extend_from_slice(key);
            let digest = algorithm.digest(key, &full);
            if algorithm != Algorithm::Sha1 {
                let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
                out.extend_from_slice(b64.as_bytes());
                return;
            }
            (digest, false)
        }
        Scheme::Paybox => (algorithm.digest(key, text), true),
        // The gateway reads Direct requests in Latin-1 and seals those
        // bytes; text it cannot hold is sealed as given (UTF-8).
        Scheme::PayboxDirect => {
            let latin1 = std::str::from_utf8(text)
                .ok()
                .and_then(|t| crate::paybox::direct::latin1(t).ok());
            let bytes = latin1.as_deref().unwrap_or(text);
            (algorithm.digest(key, bytes), true)
        }
        _ => (algorithm.digest(key, text), false),
    };
    let at = out.len();
    out.resize(at + digest.len() * 2, 0);
    let hex_out = &mut out[at..];
    // The sizes agree (two digits per byte): this cannot fail.
    let _ = hex::encode_to_slice(&digest, hex_out);
    if upper {
        hex_out.make_ascii_uppercase();
    }
}

/// Whether two seals are equal, in constant time. Hex seals compare
/// without regard to case (a warning is the caller's business).
pub fn same_seal(given: &str, computed: &str) -> bool {
    let a = given.trim().as_bytes();
    let b = computed.as_bytes();
    if a.len() != b.len() {
        return false;
    }
    let hex = b.iter().all(|c| c.is_ascii_hexdigit());
    if hex {
        let a: Vec<u8> = a.iter().map(|c| c.to_ascii_lowercase()).collect();
        let b: Vec<u8> = b.iter().map(|c| c.to_ascii_lowercase()).collect();
        a.ct_eq(&b).into()
    } else {
        a.ct_eq(b).into()
    }
}

/// Whether a hex seal matched only because case was ignored.
pub fn differs_only_in_case(given: &str, computed: &str) -> bool {
    given.trim() != computed && same_seal(given, computed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paybox_keys_must_be_hex() {
        assert_eq!(
            key_bytes(Scheme::Paybox, b"0aFF").unwrap().as_slice(),
            [0x0a, 0xff]
        );
        let e = key_bytes(Scheme::Paybox, b"01G3").unwrap_err();
        assert!(e.to_string().contains("position 3 is not"), "{e}");
        assert!(!e.to_string().contains('G'), "{e}");
        assert_eq!(
            key_bytes(Scheme::Paybox, b"012").unwrap_err(),
            KeyError::OddLength(3)
        );
        assert_eq!(
            key_bytes(Scheme::SipsJson, b"zz").unwrap().as_slice(),
            b"zz"
        );
    }

    #[test]
    fn comparison_ignores_hex_case_only() {
        assert!(same_seal("ABCD", "abcd"));
        assert!(differs_only_in_case("ABCD", "abcd"));
        assert!(!same_seal("abc=", "ABC="));
        assert!(!same_seal("abcd", "abce"));
    }
}
