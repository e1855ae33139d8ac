//! Ranges of text hidden, once the scans have said which: each digit,
//! however written, becomes one `*` (a separator stays), or each
//! character does.

use std::borrow::Cow;

use super::pieces::{piece_at, Piece};

/// How a range of text is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hide {
    /// Each digit becomes `*`; separators and other characters stay.
    Digits,
    /// Each character becomes `*`.
    All,
}

/// Byte ranges of the text to hide, and how.
pub(super) type Hidden = Vec<(usize, usize, Hide)>;

/// `text` with the `hidden` ranges hidden.
pub(super) fn hide(text: &str, mut hidden: Hidden) -> Cow<'_, str> {
    if hidden.is_empty() {
        return Cow::Borrowed(text);
    }
    hidden.sort_unstable_by_key(|h| h.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, how) in hidden {
        let start = start.max(at);
        if end <= start {
            continue;
        }
        out.push_str(&text[at..start]);
        let mut i = start;
        while i < end {
            let (piece, len) = piece_at(text, i);
            match (how, piece) {
                (Hide::All, _) => {
                    // One `*` a character.
                    let c = text[i..].chars().next().map_or(1, char::len_utf8);
                    out.push('*');
                    i += c;
                    continue;
                }
                (Hide::Digits, Piece::Digit(_)) => out.push('*'),
                (Hide::Digits, _) => out.push_str(&text[i..i + len]),
            }
            i += len;
        }
        at = i;
    }
    if at < text.len() {
        out.push_str(&text[at..]);
    }
    Cow::Owned(out)
}
