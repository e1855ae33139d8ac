//! What the scanner reads as one piece of text: a digit however it is
//! written (ASCII, another script's, full-width, `%3N` in a form body,
//! `&#52;` or `&#x34;` in XML), a separator, a dot, or anything else.

/// One piece of text as the card-number scanner sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece {
    Digit(u8),
    /// Joins digit groups: spaces, dashes, `+`, controls.
    Separator,
    /// Joins groups of 3 to 6 digits only: `.` and `_`.
    Dot,
    Other,
}

/// The piece that starts at byte `i` of `text`, and its length in bytes.
pub(super) fn piece_at(text: &str, i: usize) -> (Piece, usize) {
    let bytes = text.as_bytes();
    let b = bytes[i];
    if b.is_ascii_digit() {
        return (Piece::Digit(b - b'0'), 1);
    }
    if b == b'%' && i + 2 < bytes.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
            let byte = (h * 16 + l) as u8;
            return match byte {
                b'0'..=b'9' => (Piece::Digit(byte - b'0'), 3),
                b' ' | b'-' | b'+' | b'\t' => (Piece::Separator, 3),
                b'.' | b'_' => (Piece::Dot, 3),
                _ => (Piece::Other, 3),
            };
        }
    }
    if b == b'&' {
        if let Some((c, len)) = char_reference(&bytes[i..]) {
            return (of_char(c), len);
        }
    }
    if b.is_ascii() {
        return (of_char(char::from(b)), 1);
    }
    let c = text[i..].chars().next().unwrap_or('\u{fffd}');
    (of_char(c), c.len_utf8())
}

/// What a character is to the scanner, however it was written.
fn of_char(c: char) -> Piece {
    if let Some(d) = c.to_digit(10).or_else(|| digit_value(c).map(u32::from)) {
        return Piece::Digit(d as u8);
    }
    match c {
        ' ' | '\t' | '-' | '+' => Piece::Separator,
        '.' | '_' => Piece::Dot,
        '\u{a0}' | '\u{ad}' | '\u{2000}'..='\u{2015}' | '\u{2028}'..='\u{202f}' => Piece::Separator,
        '\u{205f}'..='\u{2064}' | '\u{2212}' | '\u{3000}' | '\u{feff}' | '\u{fe63}' => {
            Piece::Separator
        }
        '\u{ff0d}' | '\u{ff0e}' => Piece::Separator,
        c if c.is_control() || c.is_whitespace() => Piece::Separator,
        _ => Piece::Other,
    }
}

/// The character an XML (or HTML) numeric character reference at the
/// start of `bytes` stands for, and the reference's length: `&#52;`,
/// `&#x34;`, `&#X0034;`. A card number quoted raw from an XML message
/// may be written so, and is the same digits (as `%34` in a form body).
/// Leading zeros are read however many: the reference is read to its
/// first byte that is not a digit, once, so the scan stays linear. The
/// `;` may be left out, as HTML readers take `&#49&#48` for `10`; and
/// `&nbsp;` is the no-break space it stands for, a separator between a
/// card number's groups as the raw U+00A0 is.
pub(super) fn char_reference(bytes: &[u8]) -> Option<(char, usize)> {
    if bytes.starts_with(b"&nbsp;") {
        return Some(('\u{a0}', 6));
    }
    let rest = bytes.strip_prefix(b"&#")?;
    let (radix, skip) = match rest.first() {
        Some(b'x' | b'X') => (16, 1),
        _ => (10, 0),
    };
    let mut value: u32 = 0;
    let mut n = 0;
    for &b in &rest[skip..] {
        let Some(d) = (b as char).to_digit(radix) else {
            break;
        };
        // Past the last character: no character, whatever follows.
        value = value.saturating_mul(radix).saturating_add(d).min(0x11_0000);
        n += 1;
    }
    let end = 2 + skip + n;
    if n == 0 {
        return None;
    }
    let len = if bytes.get(end) == Some(&b';') {
        end + 1
    } else {
        end
    };
    Some((char::from_u32(value)?, len))
}

/// The value of a decimal digit written in another script, or full-width.
fn digit_value(c: char) -> Option<u8> {
    const ZEROS: [u32; 12] = [
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0E50,
        0xFF10,
    ];
    let u = c as u32;
    if (0x1D7CE..=0x1D7FF).contains(&u) {
        return Some(((u - 0x1D7CE) % 10) as u8);
    }
    ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&u))
        .map(|z| (u - z) as u8)
}
