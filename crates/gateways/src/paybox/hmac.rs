//! The Paybox `PBX_HMAC` seal (Paybox System, Paybox Direct; sold as
//! E-Transactions and Up2pay): `NAME=value` for every field but
//! `PBX_HMAC`, in message order, joined with `&`, values not URL-encoded;
//! HMAC with the merchant's hex key (SHA-512 unless `PBX_HASH` says
//! otherwise); UPPERCASE hex.

use zeroize::Zeroizing;

use crate::seal::tree::{self, Obj};
use crate::seal::{write_hex, Algorithm, NotFlat, SealString, Segments, Sink};

/// The HMAC key of the Paybox pre-production test shops (published by
/// the gateway: `0123456789ABCDEF` eight times, hex).
pub const TEST_KEY: &str = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";

/// The field that carries the seal.
pub const SEAL_FIELD: &str = "PBX_HMAC";

/// The field that names the algorithm.
pub const ALGORITHM_FIELD: &str = "PBX_HASH";

/// The prefix of Paybox System's fields.
pub const FIELD_PREFIX: &str = "PBX_";

/// Between two fields of the seal string.
pub const SEPARATOR: &str = "&";

/// The algorithms of Paybox System and Direct, the default first.
pub const ALGORITHMS: [Algorithm; 4] = [
    Algorithm::HmacSha512,
    Algorithm::HmacSha256,
    Algorithm::HmacSha384,
    Algorithm::HmacSha224,
];

/// What a Paybox name (folded: [`Algorithm::fold`]) means: `PBX_HASH=SHA512`
/// is HMAC-SHA-512.
pub fn algorithm(folded: &str) -> Option<Algorithm> {
    match folded {
        "SHA512" | "HMACSHA512" => Some(Algorithm::HmacSha512),
        "SHA256" | "HMACSHA256" => Some(Algorithm::HmacSha256),
        "SHA384" | "HMACSHA384" => Some(Algorithm::HmacSha384),
        "SHA224" | "HMACSHA224" => Some(Algorithm::HmacSha224),
        _ => None,
    }
}

/// The name as Paybox's messages spell it (`PBX_HASH`, `HASH`).
pub fn spelling(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HmacSha512 => "SHA512",
        Algorithm::HmacSha256 => "SHA256",
        Algorithm::HmacSha384 => "SHA384",
        Algorithm::HmacSha224 => "SHA224",
        other => other.name(),
    }
}

/// A name as a message or a user writes it, for `scheme` (named in the
/// error: `paybox`, `paybox-direct`).
pub fn parse_algorithm(name: &str, scheme: &str) -> Result<Algorithm, crate::invalid::Invalid> {
    algorithm(&Algorithm::fold(name)).ok_or_else(|| {
        let accepted: Vec<&str> = ALGORITHMS.iter().map(|a| spelling(*a)).collect();
        Algorithm::unknown(name, scheme, &accepted)
    })
}

/// Why a secret cannot be a Paybox key.
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

/// The key of a Paybox secret: the back-office key is hex text, decoded
/// to its bytes (zeroed when dropped).
pub fn key(secret: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
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

/// Append the seal of `text`: UPPERCASE hex.
pub fn write_seal(algorithm: Algorithm, text: &[u8], key: &[u8], out: &mut Vec<u8>) {
    write_hex(&algorithm.digest(key, text), true, out);
}

/// The Paybox HMAC rule, once: `NAME=value` for every field but
/// `seal_field`, in message order, written to `sink` (Paybox System's
/// `PBX_HMAC`, Paybox Direct's `HMAC`). A list or an object has no place
/// in a form: its name is the error, the seal field's too (it is not
/// sealed, but a message holding one is no form either: seal's readers
/// refuse it, and its fast path must not seal it).
pub fn build<S: Sink>(fields: Obj, seal_field: &str, sink: &mut S) -> Result<(), NotFlat> {
    for (k, v) in fields.iter() {
        let value = v.flat().ok_or_else(|| NotFlat(k.to_string()))?;
        if k == seal_field {
            continue;
        }
        sink.piece(k, &[k, "=", value]);
    }
    Ok(())
}

/// Paybox: `NAME=value` for every field but `PBX_HMAC`, in message order,
/// joined with `&`, values not URL-encoded.
pub fn seal_string(fields: &[(String, String)]) -> SealString {
    seal_string_without(fields, SEAL_FIELD)
}

/// The Paybox HMAC rule over form pairs, each piece with its name.
pub fn seal_string_without(fields: &[(String, String)], seal_field: &str) -> SealString {
    let mut sink = Segments::new(SEPARATOR);
    // Pairs are flat: this cannot fail.
    let _ = build(tree::from_pairs(fields).root(), seal_field, &mut sink);
    sink.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_hex() {
        assert_eq!(key(b"0aFF").unwrap().as_slice(), [0x0a, 0xff]);
        let e = key(b"01G3").unwrap_err();
        assert!(e.to_string().contains("position 3 is not"), "{e}");
        assert!(!e.to_string().contains('G'), "{e}");
        assert_eq!(key(b"012").unwrap_err(), KeyError::OddLength(3));
    }

    #[test]
    fn spelling_is_forgiving_but_names_paybox_hmacs() {
        assert_eq!(
            parse_algorithm("sha512", "paybox"),
            Ok(Algorithm::HmacSha512)
        );
        assert!(parse_algorithm("MD5", "paybox")
            .unwrap_err()
            .message()
            .contains("expected one of: SHA512, SHA256, SHA384, SHA224"));
    }
}
