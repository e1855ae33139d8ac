//! A seal's digest written as a gateway writes it (hex in either case,
//! base64), and seals compared in constant time. Which gateway writes
//! which is its own rule (`sips::seal`, `paybox::hmac`, `lyra::signature`).

use base64::Engine as _;
use subtle::ConstantTimeEq;

/// Append the digest in hex, UPPERCASE when `upper` (Paybox). Two
/// digits a byte from a table: the hex crate's checked encoder took 570
/// instructions for a SHA-256 digest, 3 % of a Sips seal (issue 27).
pub fn write_hex(digest: &[u8], upper: bool, out: &mut Vec<u8>) {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let at = out.len();
    out.resize(at + digest.len() * 2, 0);
    for (pair, b) in out[at..].chunks_exact_mut(2).zip(digest) {
        pair[0] = digits[usize::from(b >> 4)];
        pair[1] = digits[usize::from(b & 0x0f)];
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
    if b.iter().all(|c| c.is_ascii_hexdigit()) {
        same_bytes_by(a, b, |c| c.to_ascii_lowercase())
    } else {
        same_bytes(a, b)
    }
}

/// Whether two byte strings (a seal given, a seal computed) are equal, in
/// a time that depends on their lengths only: every byte is looked at,
/// the differences gathered without a branch and judged once, at the end
/// (`subtle`). subtle's comparison of slices hides each byte from the
/// optimiser in turn, which cost 4 % of a `seal verify`.
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    same_bytes_by(a, b, |c| c)
}

fn same_bytes_by(a: &[u8], b: &[u8], fold: impl Fn(u8) -> u8) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let differences = a
        .iter()
        .zip(b)
        .fold(0u8, |d, (x, y)| d | (fold(*x) ^ fold(*y)));
    differences.ct_eq(&0).into()
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
        assert!(!same_seal("abcd", "abcde"));
        assert!(same_seal(" abcd\n", "abcd"));
    }

    #[test]
    fn bytes_are_equal_only_when_every_one_is() {
        let seal = b"f1772faa4b73c0fc5a9810ad7fcaf91458d6174b2178a0a0a2bea2d860b404f5";
        assert!(same_bytes(seal, seal));
        for i in 0..seal.len() {
            for bit in 0..8 {
                let mut other = *seal;
                other[i] ^= 1 << bit;
                assert!(!same_bytes(seal, &other), "{i} {bit}");
            }
        }
        assert!(!same_bytes(seal, &seal[1..]));
        assert!(same_bytes(b"", b""));
        // Case counts here: a seal in the other case is the general
        // path's to say.
        assert!(!same_bytes(b"ABCD", b"abcd"));
    }

    #[test]
    fn hex_in_either_case() {
        let mut out = b"x".to_vec();
        write_hex(&[0xab, 0x01], true, &mut out);
        write_hex(&[0xab], false, &mut out);
        assert_eq!(out, b"xAB01ab");
        // Every byte, as the hex crate writes it.
        let all: Vec<u8> = (0..=255).collect();
        let (mut lower, mut upper) = (Vec::new(), Vec::new());
        write_hex(&all, false, &mut lower);
        write_hex(&all, true, &mut upper);
        assert_eq!(lower, hex::encode(&all).as_bytes());
        assert_eq!(upper, hex::encode_upper(&all).as_bytes());
    }
}
