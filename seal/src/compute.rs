//! Turning a seal string and a key into the seal, as each scheme writes
//! it, and comparing seals in constant time.

use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::algorithm::Algorithm;
use crate::scheme::Scheme;

/// The key as the scheme uses it: Paybox's secret is hex text decoded to
/// bytes; Sips and Lyra use the secret's exact UTF-8 bytes.
pub fn key_bytes(scheme: Scheme, secret: &[u8]) -> Result<Vec<u8>, String> {
    if scheme != Scheme::Paybox {
        return Ok(secret.to_vec());
    }
    if let Some(at) = secret.iter().position(|b| !b.is_ascii_hexdigit()) {
        let shown = match secret[at] {
            b if b.is_ascii_graphic() => format!("'{}'", b as char),
            b => format!("byte 0x{b:02X}"),
        };
        return Err(format!(
            "the paybox key is not hexadecimal text: {shown} at position {} \
             (expected the back-office key, typically 128 digits 0-9 A-F)",
            at + 1
        ));
    }
    if !secret.len().is_multiple_of(2) {
        return Err(format!(
            "the paybox key has an odd number of hex digits ({}): a digit is missing",
            secret.len()
        ));
    }
    hex::decode(secret).map_err(|e| format!("the paybox key is not hexadecimal text: {e}"))
}

/// The key of each scheme, derived once from the secret.
pub struct Keys {
    raw: Vec<u8>,
    paybox: Result<Vec<u8>, String>,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Keys {
        Keys {
            raw: secret.to_vec(),
            paybox: key_bytes(Scheme::Paybox, secret),
        }
    }

    /// The key for `scheme`, or why the secret cannot be one.
    pub fn get(&self, scheme: Scheme) -> Result<&[u8], String> {
        match scheme {
            Scheme::Paybox => self.paybox.as_deref().map_err(Clone::clone),
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
    const LOWER: &[u8; 16] = b"0123456789abcdef";
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    let (digest, digits) = match scheme {
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
            (digest, LOWER)
        }
        Scheme::Paybox => (algorithm.digest(key, text), UPPER),
        _ => (algorithm.digest(key, text), LOWER),
    };
    for b in digest {
        out.push(digits[usize::from(b >> 4)]);
        out.push(digits[usize::from(b & 15)]);
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
            key_bytes(Scheme::Paybox, b"0aFF").unwrap(),
            vec![0x0a, 0xff]
        );
        let e = key_bytes(Scheme::Paybox, b"01G3").unwrap_err();
        assert!(e.contains("'G' at position 3"), "{e}");
        assert!(key_bytes(Scheme::Paybox, b"012")
            .unwrap_err()
            .contains("odd number"));
        assert_eq!(key_bytes(Scheme::SipsJson, b"zz").unwrap(), b"zz");
    }

    #[test]
    fn comparison_ignores_hex_case_only() {
        assert!(same_seal("ABCD", "abcd"));
        assert!(differs_only_in_case("ABCD", "abcd"));
        assert!(!same_seal("abc=", "ABC="));
        assert!(!same_seal("abcd", "abce"));
    }
}
