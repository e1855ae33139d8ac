//! What follows a name: the value of a card-number field or a password
//! after its name (the names given once by the tool), and the digits
//! after a security code's name or the words that say one.

use std::sync::OnceLock;

use super::hide::{Hidden, Hide};
use super::pieces::{piece_at, Piece};
use crate::card;

/// What a name given to the mask names: what follows it is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::text) enum Named {
    /// A card-number field: its value keeps its first 6 and last 4
    /// digits.
    CardNumber,
    /// A password sent as a field: its value is blanked.
    Secret,
}

/// The names after which free text holds card data, given once by the
/// tool (from `gateways::kinds`, through `text::use_card_field_names`),
/// and their automaton.
struct CardNames {
    kinds: Vec<Named>,
    automaton: aho_corasick::AhoCorasick,
    /// The bytes (lower case) a name starts with, for [`Look`]'s first
    /// test: [`CARD_NAME`], [`SECRET_NAME`] or both.
    starts: [u8; 256],
}

/// A byte that starts the name of a card-number field.
pub(super) const CARD_NAME: u8 = 1;
/// A byte that starts the name of a password field.
pub(super) const SECRET_NAME: u8 = 2;

static CARD_NAMES: OnceLock<CardNames> = OnceLock::new();

/// For each byte (lower case), whether a card field's name
/// ([`CARD_NAME`]) or a password's ([`SECRET_NAME`]) starts with it: the
/// first look's test. `None` before the tool gave the names.
pub(super) fn starts() -> Option<&'static [u8; 256]> {
    CARD_NAMES.get().map(|n| &n.starts)
}

/// Tell [`mask`](super::mask) the names after which free text holds card
/// data (`"cardNumber":"…"`, `PORTEUR=…`, `<PAN>…`) and what each names;
/// the first call wins.
pub(in crate::text) fn use_names(names: &[(&str, Named)]) {
    let names: Vec<(&str, Named)> = names
        .iter()
        .copied()
        .filter(|(n, _)| !n.is_empty())
        .collect();
    let Ok(automaton) = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(names.iter().map(|(n, _)| n))
    else {
        return;
    };
    let mut starts = [0u8; 256];
    for (n, k) in &names {
        let flag = match k {
            Named::Secret => SECRET_NAME,
            Named::CardNumber => CARD_NAME,
        };
        starts[usize::from(n.as_bytes()[0].to_ascii_lowercase())] |= flag;
    }
    let _ = CARD_NAMES.set(CardNames {
        kinds: names.iter().map(|(_, k)| *k).collect(),
        automaton,
        starts,
    });
}

/// Words that name a security code in free text, lower case.
const SECURITY_CODE_WORDS: [&str; 9] = [
    "cvv",
    "cvc",
    "csc",
    "cvn",
    "cvx",
    "cryptogram",
    "security code",
    "security-code",
    "security_code",
];

/// Words that may stand between a security code's name and its value.
const LINKING_WORDS: [&str; 8] = ["is", "was", "value", "code", "of", "no", "number", "num"];

/// The digits after the name of a security-code field, or after the words
/// that name one.
pub(super) fn mask_security_codes(text: &str, hidden: &mut Hidden) {
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for word in SECURITY_CODE_WORDS.iter().chain(["securitycode"].iter()) {
        let mut from = 0;
        while let Some(k) = lower[from..].find(word) {
            let at = from + k;
            from = at + word.len();
            // The whole identifier the word stands in.
            let mut left = at;
            while left > 0 && ident(bytes[left - 1]) {
                left -= 1;
            }
            let mut right = at + word.len();
            while right < bytes.len()
                && (bytes[right].is_ascii_alphabetic() || bytes[right] == b'_')
            {
                right += 1;
            }
            let name = &lower[left..right];
            if name.contains("result") {
                continue;
            }
            let mut j = right;
            // `cvv2`, `cvc2`: the 2 is part of the name.
            if j + 1 < bytes.len() && bytes[j] == b'2' && !bytes[j + 1].is_ascii_digit() {
                j += 1;
            }
            j = skip_delimiters(bytes, j);
            if j < bytes.len() && !bytes[j].is_ascii_digit() {
                let rest = &lower[j..];
                let link = LINKING_WORDS.iter().find(|w| {
                    rest.starts_with(*w)
                        && !rest[w.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
                });
                if let Some(w) = link {
                    j = skip_delimiters(bytes, j + w.len());
                }
            }
            let digits = j;
            // Digits however written: `&#49;`, `%31`, full-width.
            while j < bytes.len() {
                match piece_at(text, j) {
                    (Piece::Digit(_), len) => j += len,
                    _ => break,
                }
            }
            if j > digits {
                hidden.push((digits, j, Hide::Digits));
            }
        }
    }
}

/// After a security code's name: up to six quotes, `=`, `:`, `>`,
/// spaces, dashes or brackets.
fn skip_delimiters(bytes: &[u8], mut j: usize) -> usize {
    let start = j;
    while j < bytes.len()
        && j - start < 6
        && matches!(
            bytes[j],
            b'"' | b'\'' | b'=' | b':' | b'>' | b' ' | b'\t' | b'-' | b'(' | b'[' | b','
        )
    {
        j += 1;
    }
    j
}

/// The values after the names of card-number fields and passwords
/// (`text::use_card_field_names`), where a field is written as one: the name,
/// then `=`, `:` or `>` (`PORTEUR=…`, `"cardNumber": "…"`, `<PAN>…`,
/// `column "pan": "…"`). A card number keeps its first 6 and last 4
/// digits (a value masked already, `497010******0000`, stays as it is);
/// a password is blanked.
pub(super) fn mask_named_values(text: &str, hidden: &mut Hidden) {
    let Some(names) = CARD_NAMES.get() else {
        return;
    };
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for m in names.automaton.find_iter(text) {
        let (start, end) = (m.start(), m.end());
        if (start > 0 && ident(bytes[start - 1]))
            || bytes
                .get(end)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            continue;
        }
        let j = skip_delimiters(bytes, end);
        if !bytes[end..j]
            .iter()
            .any(|b| matches!(b, b'=' | b':' | b'>'))
        {
            continue;
        }
        match names.kinds[m.pattern().as_usize()] {
            Named::Secret => {
                let stop = bytes[j..]
                    .iter()
                    .position(|b| b"&\"'<;, \t\r\n".contains(b))
                    .map_or(bytes.len(), |k| j + k);
                if stop > j {
                    hidden.push((j, stop, Hide::All));
                }
            }
            Named::CardNumber => mask_card_value(text, j, hidden),
        }
    }
}

/// The card number that starts at byte `from` (digits, separators, and
/// the `*` of a mask), whatever its digits: all hidden but its first 6
/// and last 4 places when it has 12 or more, all hidden otherwise.
fn mask_card_value(text: &str, from: usize, hidden: &mut Hidden) {
    let bytes = text.as_bytes();
    let mut places = 0;
    let mut sixth_end = from;
    // Where the last four places start (place `p` at `p % 4`).
    let mut last = [from; 4];
    let mut end = from;
    let mut i = from;
    while i < text.len() {
        let (piece, len) = if bytes[i] == b'*' {
            (Piece::Digit(0), 1)
        } else {
            piece_at(text, i)
        };
        match piece {
            Piece::Digit(_) => {
                last[places % 4] = i;
                places += 1;
                if places == 6 {
                    sixth_end = i + len;
                }
                end = i + len;
            }
            Piece::Other => break,
            Piece::Separator | Piece::Dot => {}
        }
        i += len;
    }
    if places == 0 {
        return;
    }
    if places < card::MIN_PAN_DIGITS {
        hidden.push((from, end, Hide::Digits));
    } else {
        hidden.push((sixth_end, last[places % 4], Hide::Digits));
    }
}
