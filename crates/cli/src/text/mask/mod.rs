//! Card numbers and security codes hidden in free text, where no field
//! says what a value is: [`mask`], the first look that spares most text
//! the scans ([`shown_as_is`]), and [`hide_card_values`] for a row's
//! known card numbers. What a digit is: `pieces`; the card-number scan:
//! `runs`; what follows a name: `names`.

use std::borrow::Cow;

use crate::card;

mod hide;
mod marked;
mod names;
mod pieces;
mod runs;

use hide::{hide, Hidden};
pub use marked::identifier;
use names::{mask_named_values, mask_security_codes, CARD_NAME, SECRET_NAME};
pub(super) use names::{use_names, Named};
use runs::mask_card_numbers;

/// Card numbers and security codes hidden where the structure is not
/// known (a message quoting a broken line, free text, a field nobody
/// declared):
///
/// - digits are read as digits however they are written (ASCII, other
///   scripts' digits, full-width digits, `%3N` in a form body, the
///   character references `&#52;` and `&#x34;` of a piece of XML quoted
///   raw), and groups of them joined by up to three separators (spaces
///   of any kind, zero-width characters, dashes, `+`, `%20`, control
///   characters) form one run; `.` and `_` join groups of 3 to 6 digits
///   (`4111.1111.1111.1111`), not the parts of a file name;
/// - a card number is one or more whole groups of a run, 12 to 19 digits
///   in all, that pass the Luhn check (never a window cut out of a
///   longer group: `201040040170001` is a merchant's identifier, not
///   the card number inside it); the first one found keeps its first 6
///   and last 4 digits and every other digit of its run becomes `*` (so
///   that the digits glued to it, an expiry or a security code, go too);
/// - a card number glued to an amount with nothing between them
///   (`40120010371411121000`) is not told by its digits: no rule can
///   tell it from a 20-digit reference (a rule that split runs would
///   rewrite four random 20-digit identifiers in five); where the row's
///   card number is known, [`hide_card_values`] hides it, glued or not;
/// - the value after the name of a card-number field
///   (`text::use_card_field_names`: `PORTEUR=…`, `"cardNumber":"…"`) is
///   masked whatever its digits, and a password's is blanked;
/// - the digits that follow the name of a security-code field of any
///   gateway, or the words "security code" (`<CVV>123`, `CVV=123`,
///   `"cardCSCValue":"123"`, `column "cvv": "123"`, `cvv is 123`,
///   `cvv987`) become `*`, however they are written;
/// - an identifier the tool made and marked where it built the text
///   ([`identifier`]: a key id, a fingerprint) is shown whole, whatever
///   its digits, and the text around it is masked as above.
///
/// Linear in the text, in time and memory.
pub fn mask(text: &str) -> Cow<'_, str> {
    if let Some(shown) = marked::mask_marked(text) {
        return Cow::Owned(shown);
    }
    // Most text has nothing to hide, said in one look: every value of a
    // status file of a million answers comes this way.
    let look = Look::of(text);
    if look.nothing_to_mask() {
        return Cow::Borrowed(text);
    }
    mask_with(
        text,
        look.other_digits || look.digits >= card::MIN_PAN_DIGITS,
        look.has_name || look.has_secret,
    )
}

/// What the first look at a value finds, in one pass over its bytes.
struct Look {
    /// ASCII digits.
    digits: usize,
    /// A byte that may start a name to look after: a `c` (every word that
    /// names a security code has one) or the first letter of a card
    /// field's name.
    has_name: bool,
    /// The first letter of a password field's name and a `=`, `:` or
    /// `>`: a password is hidden whatever its characters.
    has_secret: bool,
    /// A `=`, `:` or `>`.
    has_assign: bool,
    /// What else could be a digit: `%` (encoded), `&#` (a character
    /// reference) or a non-ASCII byte.
    other_digits: bool,
    /// C0 controls and DEL.
    controls: bool,
}

impl Look {
    fn of(text: &str) -> Look {
        let starts = names::starts();
        let mut look = Look {
            digits: 0,
            has_name: false,
            has_secret: false,
            has_assign: false,
            other_digits: false,
            controls: false,
        };
        let mut prev = 0u8;
        for &b in text.as_bytes() {
            match b {
                b'0'..=b'9' => look.digits += 1,
                b'%' | 0x80.. => look.other_digits = true,
                // `&#`: a character reference, maybe a digit's.
                b'#' if prev == b'&' => look.other_digits = true,
                0..=0x1f | 0x7f => look.controls = true,
                b'=' | b':' | b'>' => look.has_assign = true,
                _ => {}
            }
            let flags = starts.map_or(0, |s| s[usize::from(b.to_ascii_lowercase())]);
            look.has_name |= b.eq_ignore_ascii_case(&b'c') || flags & CARD_NAME != 0;
            look.has_secret |= flags & SECRET_NAME != 0;
            prev = b;
        }
        look
    }

    /// Nothing [`mask`] would hide: too few ASCII digits for a card
    /// number and no name to look after, nor anything else that could be
    /// a digit.
    fn nothing_to_mask(&self) -> bool {
        let password = self.has_secret && self.has_assign;
        !self.other_digits
            && !password
            && (self.digits == 0 || (self.digits < card::MIN_PAN_DIGITS && !self.has_name))
    }
}

/// Whether a value is shown as it is: nothing for [`mask`] to hide and
/// nothing for [`sanitize`] to escape (printable ASCII).
pub fn shown_as_is(text: &str) -> bool {
    let look = Look::of(text);
    !look.controls && look.nothing_to_mask()
}

/// [`mask`] past its first look: the card-number scan, and the scans
/// after names, each when asked for.
fn mask_with(text: &str, card_numbers: bool, names: bool) -> Cow<'_, str> {
    let mut hidden: Hidden = Vec::new();
    find_hidden(text, card_numbers, names, &mut hidden);
    hide(text, hidden)
}

/// The ranges of `text` [`mask`] hides, added to `hidden`.
fn find_hidden(text: &str, card_numbers: bool, names: bool, hidden: &mut Hidden) {
    if card_numbers {
        mask_card_numbers(text, hidden);
    }
    if names {
        mask_security_codes(text, hidden);
        mask_named_values(text, hidden);
    }
}

/// `parts` joined by `sep` (a seal string: the values of its fields run
/// together), masked as [`mask`] masks the joined text and as it masks
/// each part alone: a card number split between two parts is one in the
/// joined text, and one whole in a part stays one when the parts beside
/// it glue digits to it (an amount before it, a merchantId after it:
/// `1000` `1111222233334444` `201040040170001` make one run of 35
/// digits, which [`mask`] leaves, as it leaves any long number). The
/// boundaries are the caller's knowledge, not a guess. Linear in the
/// joined text.
pub fn mask_joined(parts: &[&str], sep: &str) -> String {
    let joined = parts.join(sep);
    let mut hidden: Hidden = Vec::new();
    find_hidden(&joined, true, true, &mut hidden);
    let mut at = 0;
    for part in parts {
        let mut own: Hidden = Vec::new();
        find_hidden(part, true, true, &mut own);
        hidden.extend(own.into_iter().map(|(s, e, how)| (at + s, at + e, how)));
        at += part.len() + sep.len();
    }
    hide(&joined, hidden).into_owned()
}

/// The card numbers that `cards` (the values of a row's card fields)
/// hold, hidden wherever `text` quotes them again (another column of the
/// same row, a message about it), as their field shows them: a card
/// number is card data wherever it stands, Luhn-valid or not. Only
/// values of 12 digits or more are looked for (a shorter one is no card
/// number, and would hide what merely looks like it).
pub fn hide_card_values<'a>(text: &'a str, cards: &[&str]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for card in cards {
        let card = card.trim();
        let digits: String = card.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < card::MIN_PAN_DIGITS {
            continue;
        }
        for quoted in [card, digits.as_str()] {
            if out.contains(quoted) {
                out = Cow::Owned(out.replace(quoted, &card::mask_pan(quoted)));
            }
        }
    }
    out
}

#[cfg(test)]
pub(super) mod tests;
