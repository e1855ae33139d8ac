//! What the scanner reads as one piece of text: a digit however it is
//! written (ASCII, another script's, full-width, `%3N`), a separator, a
//! dot, or anything else.

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
    if b.is_ascii() {
        let piece = match b {
            b' ' | b'\t' | b'-' | b'+' => Piece::Separator,
            b'.' | b'_' => Piece::Dot,
            0..=0x1f | 0x7f => Piece::Separator,
            _ => Piece::Other,
        };
        return (piece, 1);
    }
    let c = text[i..].chars().next().unwrap_or('\u{fffd}');
    let len = c.len_utf8();
    if let Some(d) = digit_value(c) {
        return (Piece::Digit(d), len);
    }
    let piece = match c {
        '\u{a0}' | '\u{ad}' | '\u{2000}'..='\u{2015}' | '\u{2028}'..='\u{202f}' => Piece::Separator,
        '\u{205f}'..='\u{2064}' | '\u{2212}' | '\u{3000}' | '\u{feff}' | '\u{fe63}' => {
            Piece::Separator
        }
        '\u{ff0d}' | '\u{ff0e}' => Piece::Separator,
        c if c.is_control() || c.is_whitespace() => Piece::Separator,
        _ => Piece::Other,
    };
    (piece, len)
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
