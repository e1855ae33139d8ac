//! A seal's digest written as a gateway writes it (hex in either case,
//! base64), and seals compared in constant time. Which gateway writes
//! which is its own rule (`sips::seal`, `paybox::hmac`, `lyra::signature`).

use base64::Engine as _;
use subtle::ConstantTimeEq;

/// Append the digest in hex, UPPERCASE when `upper` (Paybox).
pub fn write_hex(digest: &[u8], upper: bool, out: &mut Vec<u8>) {
    let at = out.len();
    out.resize(at + digest.len() * 2, 0);
    let hex_out = &mut out[at..];
    // The sizes agree (two digits per byte): this cannot fail.
    let _ = hex::encode_to_slice(digest, hex_out);
    if upper {
        hex_out.make_ascii_uppercase();
    }
}

/// Append the digest in standard base64 (Lyra's HMAC-SHA-256).
pub fn write_base64(digest: &[u8], out: &mut Vec<u8>) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
    out.extend_from_slice(b64.as_bytes());
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
    fn comparison_ignores_hex_case_only() {
        assert!(same_seal("ABCD", "abcd"));
        assert!(differs_only_in_case("ABCD", "abcd"));
        assert!(!same_seal("abc=", "ABC="));
        assert!(!same_seal("abcd", "abce"));
    }

    #[test]
    fn hex_in_either_case() {
        let mut out = b"x".to_vec();
        write_hex(&[0xab, 0x01], true, &mut out);
        write_hex(&[0xab], false, &mut out);
        assert_eq!(out, b"xAB01ab");
    }
}
