//! Text that came from outside (field values, file names, XML snippets,
//! gateway answers, a helper's stderr) on its way to a person.
//!
//! [`safe`] is the one function every such piece of text goes through
//! before it reaches a message or a human-readable line: card numbers are
//! masked and security codes blanked ([`mask`]), and control characters
//! are shown escaped, never sent ([`sanitize`]), so that a hostile value
//! can neither leak a card nor drive the terminal. The tools' message
//! printers ([`crate::error`]) apply it to every line they print, so a
//! value quoted anywhere in a message is covered.

use std::borrow::Cow;

use crate::card;

/// `text` as it may reach a person: [`mask`], then [`sanitize`].
pub fn safe(text: &str) -> Cow<'_, str> {
    match mask(text) {
        Cow::Borrowed(t) => sanitize(t),
        Cow::Owned(t) => Cow::Owned(sanitize(&t).into_owned()),
    }
}

/// Card numbers and security codes hidden, wherever they stand (a value,
/// a field name, an XML snippet, a form body, free text):
///
/// - digits are read as digits however they are written (ASCII, other
///   scripts' digits, full-width digits, `%3N` in a form body), and
///   groups of them joined by up to three separators (spaces of any
///   kind, zero-width characters, dashes, `+`, `%20`, control
///   characters) form one run; `.` and `_` join groups of 3 to 6 digits
///   (`4111.1111.1111.1111`), not the parts of a file name;
/// - in a run of 12 digits or more, the first window of 12 to 19 digits
///   that passes the Luhn check keeps its first 6 and last 4 digits, and
///   every other digit of the run becomes `*` (so that the digits glued
///   to a card number, an expiry or a security code, go too);
/// - the digits that follow the name of a security-code field of any
///   gateway, or the words "security code" (`<CVV>123`, `CVV=123`,
///   `"cardCSCValue":"123"`, `column "cvv": "123"`, `cvv is 123`,
///   `cvv987`) become `*`.
pub fn mask(text: &str) -> Cow<'_, str> {
    // Most text has nothing to hide, said in one look: every value of a
    // status file of a million answers comes this way.
    let look = Look::of(text);
    if look.nothing_to_mask() {
        return Cow::Borrowed(text);
    }
    mask_with(
        text,
        look.other_digits || look.digits >= card::MIN_PAN_DIGITS,
        look.has_c,
    )
}

/// What the first look at a value finds, in one pass over its bytes.
struct Look {
    /// ASCII digits.
    digits: usize,
    /// A `c` or `C`: every word that names a security code has one.
    has_c: bool,
    /// What else could be a digit: `%` (encoded) or a non-ASCII byte.
    other_digits: bool,
    /// C0 controls and DEL.
    controls: bool,
}

impl Look {
    fn of(text: &str) -> Look {
        let mut look = Look {
            digits: 0,
            has_c: false,
            other_digits: false,
            controls: false,
        };
        for &b in text.as_bytes() {
            match b {
                b'0'..=b'9' => look.digits += 1,
                b'c' | b'C' => look.has_c = true,
                b'%' | 0x80.. => look.other_digits = true,
                0..=0x1f | 0x7f => look.controls = true,
                _ => {}
            }
        }
        look
    }

    /// Nothing [`mask`] would hide: too few ASCII digits for a card
    /// number and no word naming a security code, nor anything else that
    /// could be a digit.
    fn nothing_to_mask(&self) -> bool {
        !self.other_digits
            && (self.digits == 0 || (self.digits < card::MIN_PAN_DIGITS && !self.has_c))
    }
}

/// Whether a value is shown as it is: nothing for [`mask`] to hide and
/// nothing for [`sanitize`] to escape (printable ASCII).
pub fn shown_as_is(text: &str) -> bool {
    let look = Look::of(text);
    !look.controls && look.nothing_to_mask()
}

/// [`mask`] past its first look: the card-number and the security-code
/// scans, each when asked for.
fn mask_with(text: &str, card_numbers: bool, security_codes: bool) -> Cow<'_, str> {
    // Positions (byte ranges) of the digits to hide.
    let mut hidden: Vec<(usize, usize)> = Vec::new();
    if card_numbers {
        mask_card_numbers(text, &mut hidden);
    }
    if security_codes {
        mask_security_codes(text, &mut hidden);
    }
    if hidden.is_empty() {
        return Cow::Borrowed(text);
    }
    hidden.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in hidden {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push('*');
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// One piece of text as the card-number scanner sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Piece {
    Digit(u8),
    /// Joins digit groups: spaces, dashes, `+`, controls.
    Separator,
    /// Joins groups of 3 to 6 digits only: `.` and `_`.
    Dot,
    Other,
}

/// The piece that starts at byte `i` of `text`, and its length in bytes.
fn piece_at(text: &str, i: usize) -> (Piece, usize) {
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
    let c = text[i..].chars().next().unwrap_or('\u{fffd}');
    let len = c.len_utf8();
    if let Some(d) = digit_value(c) {
        return (Piece::Digit(d), len);
    }
    let piece = match c {
        ' ' | '\t' | '-' | '+' => Piece::Separator,
        '.' | '_' => Piece::Dot,
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

/// The digits of `text` grouped into runs (see [`mask`]); for each run
/// holding a card number, the digits to hide.
fn mask_card_numbers(text: &str, hidden: &mut Vec<(usize, usize)>) {
    type Group = Vec<(u8, usize, usize)>;
    // Groups of consecutive digits, and what stands between two groups.
    let mut groups: Vec<Group> = Vec::new();
    let mut gaps: Vec<Gap> = Vec::new();
    let mut current: Group = Vec::new();
    let mut gap = Gap::default();
    let mut i = 0;
    while i < text.len() {
        let (piece, len) = piece_at(text, i);
        if let Piece::Digit(d) = piece {
            if current.is_empty() && !groups.is_empty() {
                gaps.push(gap);
            }
            current.push((d, i, i + len));
        } else {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
                gap = Gap::default();
            }
            match piece {
                Piece::Separator => gap.separators += 1,
                Piece::Dot => gap.dots += 1,
                _ => gap.broken = true,
            }
        }
        i += len;
    }
    if !current.is_empty() {
        groups.push(current);
    }
    let mut run: Group = Vec::new();
    for (k, group) in groups.iter().enumerate() {
        let joined = k > 0 && gaps[k - 1].joins(groups[k - 1].len(), group.len());
        if !joined {
            finish_run(&run, hidden);
            run.clear();
        }
        run.extend_from_slice(group);
    }
    finish_run(&run, hidden);
}

/// What stands between two groups of digits.
#[derive(Clone, Copy, Default)]
struct Gap {
    separators: usize,
    dots: usize,
    /// Something that is not a separator (a letter, a comma).
    broken: bool,
}

impl Gap {
    /// Whether the groups on either side, of these lengths, are one run.
    fn joins(&self, left: usize, right: usize) -> bool {
        if self.broken {
            return false;
        }
        let short = 3..=6;
        (self.dots == 0 && (1..=3).contains(&self.separators))
            || (self.separators == 0
                && self.dots == 1
                && short.contains(&left)
                && short.contains(&right))
    }
}

/// Hide the digits of a run that holds a card number.
fn finish_run(run: &[(u8, usize, usize)], hidden: &mut Vec<(usize, usize)>) {
    if run.len() < card::MIN_PAN_DIGITS {
        return;
    }
    let digits: Vec<u8> = run.iter().map(|(d, _, _)| b'0' + d).collect();
    if is_timestamp(&digits) {
        return;
    }
    let Some((start, len)) = card_number_window(&digits) else {
        return;
    };
    for (k, (_, s, e)) in run.iter().enumerate() {
        let shown = (start..start + 6).contains(&k) || (start + len - 4..start + len).contains(&k);
        if !shown {
            hidden.push((*s, *e));
        }
    }
}

/// Whether 14 digits are a date and time as the gateways write them
/// (`DDMMYYYYHHMMSS`, Paybox's DATEQ, or `YYYYMMDDHHMMSS`), in the years
/// 1900 to 2099: no card number of 14 digits (Diners' 30, 36, 38, 39)
/// reads as one, and a message that names a bad date should show it.
fn is_timestamp(d: &[u8]) -> bool {
    if d.len() != 14 {
        return false;
    }
    let n = |a: usize, b: usize| -> u32 {
        d[a..b]
            .iter()
            .fold(0, |acc, x| acc * 10 + u32::from(x - b'0'))
    };
    let time_ok = n(8, 10) <= 23 && n(10, 12) <= 59 && n(12, 14) <= 59;
    let year = |y: u32| (1900..=2099).contains(&y);
    let dm = |day: u32, month: u32| (1..=31).contains(&day) && (1..=12).contains(&month);
    time_ok && ((dm(n(0, 2), n(2, 4)) && year(n(4, 8))) || (year(n(0, 4)) && dm(n(6, 8), n(4, 6))))
}

/// The first window of 12 to 19 digits that passes the Luhn check: its
/// start and length (the longest one at the first start that has one).
fn card_number_window(digits: &[u8]) -> Option<(usize, usize)> {
    for start in 0..=digits.len().saturating_sub(card::MIN_PAN_DIGITS) {
        let longest = card::MAX_PAN_DIGITS.min(digits.len() - start);
        for len in (card::MIN_PAN_DIGITS..=longest).rev() {
            if card::luhn_valid_bytes(&digits[start..start + len]) {
                return Some((start, len));
            }
        }
    }
    None
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
fn mask_security_codes(text: &str, hidden: &mut Vec<(usize, usize)>) {
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
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                hidden.push((j, j + 1));
                j += 1;
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

/// `text` with every control character escaped (`\n`, `\u{1b}`), and the
/// characters that reorder text on screen (bidirectional overrides and
/// isolates): nothing that can move the cursor, rewrite a line or retitle
/// the terminal is ever sent.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    // Printable ASCII, what nearly every value is, needs nothing: told
    // byte by byte, before the characters are decoded.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || acts_on_terminal(c)
}

/// Characters that JSON may carry raw but a terminal acts on: C1 controls
/// (U+0080–U+009F: U+009B starts an escape sequence on many terminals)
/// and the characters that reorder text on screen.
pub fn acts_on_terminal(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A name or value quoted for a message: `"text"`, made [`safe`].
pub fn quote(text: &str) -> String {
    format!("\"{}\"", safe(text))
}

/// An argument that named nothing (a file that cannot be opened), quoted
/// for a message, unless it may be a secret typed in the wrong place:
/// only what looks like a file name (it holds `/` or `.`, or is a plain
/// lower-case word) is repeated.
pub fn quote_unresolved(arg: &str) -> String {
    let plain_word = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_');
    if arg.contains(['/', '.']) || plain_word {
        quote(arg)
    } else {
        "the name given (not repeated: it does not look like a file name, and may be a secret \
         typed in the wrong place)"
            .to_string()
    }
}

/// A value quoted for a message, cut after `max` characters: masked
/// first, so that a cut never leaves more of a card number than the mask
/// shows.
pub fn quote_cut(text: &str, max: usize) -> String {
    let masked = mask(text);
    let mut out = String::from("\"");
    for (i, c) in masked.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// `"name"` for files (made safe for a terminal), `<stdin>` as is: how
/// messages name an input.
pub fn quote_input(name: &str) -> String {
    if name == "<stdin>" {
        name.to_string()
    } else {
        quote(name)
    }
}

/// What a field holds, by its name: a security code, a card number, or
/// anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    SecurityCode,
    CardNumber,
    Other,
}

impl FieldKind {
    /// The kind of the field of this name (judged once for a column).
    pub fn of(path: &str) -> FieldKind {
        // A password is hidden the way a security code is.
        if card::is_cvv_field(path) || card::is_password_field(path) {
            FieldKind::SecurityCode
        } else if card::is_pan_field(path) {
            FieldKind::CardNumber
        } else {
            FieldKind::Other
        }
    }

    /// Whether a value of a field of this kind is shown as it is, masked
    /// and escaped ([`shown_as_is`]): never a security code.
    pub fn shown_as_is(self, value: &str) -> bool {
        match self {
            FieldKind::SecurityCode => false,
            FieldKind::CardNumber | FieldKind::Other => shown_as_is(value),
        }
    }

    /// A value of such a field as it may be shown to a person: a security
    /// code blanked, a card number masked, any other value through
    /// [`mask`].
    pub fn mask<'a>(self, value: &'a str) -> Cow<'a, str> {
        match self {
            FieldKind::SecurityCode => Cow::Owned("*".repeat(value.chars().count())),
            FieldKind::CardNumber
                if value.len() >= card::MIN_PAN_DIGITS
                    && value.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Cow::Owned(card::mask_pan(value))
            }
            _ => mask(value),
        }
    }
}

/// A field's value as it may be shown to a person ([`FieldKind::mask`]).
pub fn mask_field(path: &str, value: &str) -> String {
    FieldKind::of(path).mask(value).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // The first look of `mask` and `sanitize` only ever skips work:
        // what they return is what the full scans return.
        #[test]
        fn the_quick_looks_change_nothing(
            text in "([0-9]{1,20}|[ -~]{0,12}|cvv|CSC|%3[0-9]|%20|[\u{80}-\u{ff}\u{660}-\u{669}\u{202a}\u{ff10}-\u{ff19}]|\u{1b}|\t){0,12}"
        ) {
            prop_assert_eq!(mask(&text), mask_with(&text, true, true));
            if shown_as_is(&text) {
                prop_assert_eq!(&mask(&text), &text);
                prop_assert_eq!(&sanitize(&text), &text);
            }
            for kind in [FieldKind::SecurityCode, FieldKind::CardNumber, FieldKind::Other] {
                if kind.shown_as_is(&text) {
                    let shown = sanitize(&kind.mask(&text)).into_owned();
                    prop_assert_eq!(shown, text.clone());
                }
            }
            let full: String = text
                .chars()
                .flat_map(|c| if needs_escape(c) { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
                .collect();
            prop_assert_eq!(sanitize(&text).into_owned(), full);
        }
    }

    #[test]
    fn card_numbers_are_masked_wherever_they_stand() {
        for (text, want) in [
            ("pan 4111111111111111 end", "pan 411111******1111 end"),
            ("<PAN1111222233334444</PAN>", "<PAN111122******4444</PAN>"),
            ("4111 1111 1111 1111", "4111 11** **** 1111"),
            ("4111-1111-1111-1111", "4111-11**-****-1111"),
            (
                "column \"expiry\": \"4012001037141112\"",
                "column \"expiry\": \"401200******1112\"",
            ),
            // 12 digits, Luhn-valid
            ("id 123456789015.", "id 123456**9015."),
        ] {
            assert_eq!(mask(text), want, "{text}");
        }
    }

    /// The digits a person can read in `text`, separators dropped.
    fn visible_digits(text: &str) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < text.len() {
            let (piece, len) = piece_at(text, i);
            if let Piece::Digit(d) = piece {
                out.push(char::from(b'0' + d));
            } else if piece == Piece::Other {
                out.push('|');
            }
            i += len;
        }
        out
    }

    #[test]
    fn card_numbers_next_to_other_digits_or_in_disguise_are_masked() {
        for text in [
            "4111111111111111 123",
            "4111111111111111 12",
            "41111111111111110",
            "1 4111111111111111",
            "4111 1111 1111 1111 12",
            "4111+1111+1111+1111",
            "Ref=4111%201111%201111%201111",
            "Ref=%34%31%31%311111111111111111",
            "4111\u{a0}1111\u{a0}1111\u{a0}1111",
            "4111\u{200b}1111\u{200b}1111\u{200b}1111",
            "4111\u{2013}1111\u{2013}1111\u{2013}1111",
            "4111.1111.1111.1111",
            "4111_1111_1111_1111",
            "4111\t1111\t1111\t1111",
            "4111  1111 - 1111 1111",
            "\u{ff14}\u{ff11}\u{ff11}\u{ff11}111111111111",
            "xxxxxxxxxxxxxxxxxxxxxxx41111111111111110",
        ] {
            let masked = mask(text);
            let seen = visible_digits(&masked);
            assert!(!seen.contains("41111111111"), "{text} -> {masked}");
            assert!(masked.contains('*'), "{text} -> {masked}");
        }
    }

    #[test]
    fn security_codes_in_free_text_and_odd_names() {
        for text in [
            "security code 987",
            "cvv987",
            "cvv_987",
            "cvv - 987",
            "cvv is 987",
            "cardCvv=987",
            "card_security_code=987",
            "cvvCode: 987",
            "card-cvv=987",
            "cardCSC=987",
            "CVV2=987",
        ] {
            let masked = mask(text);
            assert!(!masked.contains("987"), "{text} -> {masked}");
        }
        // A response code after the name is not a security code.
        assert_eq!(mask("CVV missing (00020)"), "CVV missing (00020)");
    }

    #[test]
    fn other_numbers_are_left_alone() {
        for text in [
            "order 20161130102008",
            "date 22112026101500",
            "expected 1 to 2147483647",
            "20261123.12345678.PAY.REQ.T.01",
            "1999888.032.000042.xml",
            "1999888_032_000042",
            "12345678901",
            "1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3",
        ] {
            assert!(matches!(mask(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn security_codes_are_blanked_after_their_field_name() {
        for (text, want) in [
            ("<CVV>123</CVV>", "<CVV>***</CVV>"),
            ("CVV=222&ACTIVITE=024", "CVV=***&ACTIVITE=024"),
            ("{\"cardCSCValue\":\"000\"}", "{\"cardCSCValue\":\"***\"}"),
            (
                "\"cardSecurityCode\": \"1234\"",
                "\"cardSecurityCode\": \"****\"",
            ),
            ("vads_card_cvv=123", "vads_card_cvv=***"),
            ("column \"cvv\": \"12a\"", "column \"cvv\": \"**a\""),
        ] {
            assert_eq!(mask(text), want, "{text}");
        }
        // Names that merely contain the letters are not security codes.
        assert_eq!(mask("cardCSCResultCode=4E"), "cardCSCResultCode=4E");
    }

    #[test]
    fn control_characters_and_reordering_are_escaped() {
        assert_eq!(
            sanitize("a\u{1b}]0;pwn\u{7}\nFAKE"),
            "a\\u{1b}]0;pwn\\u{7}\\nFAKE"
        );
        assert_eq!(sanitize("x\u{202e}txt.exe"), "x\\u{202e}txt.exe");
        assert_eq!(sanitize("é ok"), "é ok");
        assert_eq!(sanitize("\u{9b}31m"), "\\u{9b}31m");
    }

    #[test]
    fn quoting_masks_before_cutting() {
        let long = format!("{}4111111111111111", "x".repeat(50));
        let q = quote_cut(&long, 60);
        assert!(!q.contains("4111111111"), "{q}");
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
    }

    #[test]
    fn fields_of_every_gateway() {
        assert_eq!(
            mask_field("cardNumber", "1234123412341234"),
            "123412******1234"
        );
        assert_eq!(
            mask_field("x.PORTEUR", "1111222233334444"),
            "111122******4444"
        );
        for cvv in [
            "cardCSCValue",
            "cardSecurityCode",
            "CVV",
            "vads_card_cvv",
            "card.securityCode",
            "cardCvv",
            "security_code",
            "card_security_code",
            "cvvCode",
            "card-cvv",
            "cardCSC",
            "csc",
        ] {
            assert_eq!(mask_field(cvv, "123"), "***", "{cvv}");
        }
        assert!(!card::is_cvv_field("cardCSCResultCode"));
        assert_eq!(
            mask_field("reference", "order 4111111111111111"),
            "order 411111******1111"
        );
    }
}
