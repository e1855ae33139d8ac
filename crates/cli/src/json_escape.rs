//! What a JSON string's escape stands for, read from the bytes of a text
//! that may not be JSON at all. A module of its own that needs nothing of
//! the crate: the JSON writer (`json`) scrubs through `redact`, which
//! reads escapes with it.

/// The character the JSON escape at the start of `bytes` (its backslash)
/// stands for, and its length in `bytes`: `\"` `\\` `\/` `\b` `\f` `\n`
/// `\r` `\t`, `\uXXXX` in either case, a surrogate pair as one character;
/// `None` for what no JSON reader decodes (another letter, a lone
/// surrogate, too few digits). The one decoder of an escape: seal's
/// reader of messages gives up there, the search for pasted secrets
/// keeps it as written.
pub fn decode_at(bytes: &[u8]) -> Option<(char, usize)> {
    let c = match *bytes.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let high = hex4(bytes.get(2..6)?)?;
            if !(0xD800..=0xDBFF).contains(&high) {
                // A low surrogate alone is no character: `None`.
                return char::from_u32(high).map(|c| (c, 6));
            }
            // A pair: the low half must follow at once.
            if bytes.get(6..8) != Some(b"\\u".as_slice()) {
                return None;
            }
            let low = hex4(bytes.get(8..12)?).filter(|l| (0xDC00..=0xDFFF).contains(l))?;
            let c = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?;
            return Some((c, 12));
        }
        _ => return None,
    };
    Some((c, 2))
}

/// Four hex digits' value, each read from a table (`char::to_digit`
/// asked each digit its radix and range: most of a `\u00e8`'s cost in
/// seal's reader, issue 27).
fn hex4(four: &[u8]) -> Option<u32> {
    const NOT: u8 = 0xff;
    const DIGITS: [u8; 256] = {
        let mut t = [NOT; 256];
        let mut i = 0;
        while i < 10 {
            t[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            t[b'a' as usize + i] = 10 + i as u8;
            t[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        t
    };
    let [a, b, c, d] = *four.first_chunk::<4>()?;
    let [a, b, c, d] = [a, b, c, d].map(|x| DIGITS[usize::from(x)]);
    // A digit is below 16: any bit above says one was not a digit.
    if (a | b | c | d) & 0xf0 != 0 {
        return None;
    }
    Some(u32::from(a) << 12 | u32::from(b) << 8 | u32::from(c) << 4 | u32::from(d))
}

#[cfg(test)]
mod tests {
    #[test]
    fn four_hex_digits_are_read_as_char_to_digit_reads_them() {
        let each = |four: &[u8]| {
            four.iter()
                .try_fold(0u32, |v, b| Some(v << 4 | (*b as char).to_digit(16)?))
        };
        for a in 0..=255u8 {
            for four in [
                [a, b'0', b'f', b'9'],
                [b'A', a, b'0', b'0'],
                [b'0', b'0', b'0', a],
            ] {
                assert_eq!(super::hex4(&four), each(&four), "{four:?}");
            }
        }
        assert_eq!(super::hex4(b"00e"), None);
    }

    #[test]
    fn escapes_are_read_as_serde_json_reads_them() {
        for text in [
            r#""\"""#,
            r#""\\""#,
            r#""\/""#,
            r#""\b""#,
            r#""\f""#,
            r#""\n""#,
            r#""\r""#,
            r#""\t""#,
            r#""\u00e8""#,
            r#""\u00E8""#,
            r#""\ud83d\ude00""#,
        ] {
            let inner = &text.as_bytes()[1..text.len() - 1];
            let (c, len) = super::decode_at(inner).unwrap();
            assert_eq!(len, inner.len(), "{text}");
            assert_eq!(c.to_string(), serde_json::from_str::<String>(text).unwrap());
        }
        for bad in [r"\x", r"\u00e", r"\udc00", r"\ud83d", r"\ud83d\u0041", r"\"] {
            assert_eq!(super::decode_at(bad.as_bytes()), None, "{bad}");
        }
    }
}
