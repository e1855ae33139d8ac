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
//!
//! Where a value's field is known, its [`FieldKind`] decides instead
//! ([`FieldKind::mask`]): the kinds are a gateway rule, declared with
//! each gateway's fields (crates/gateways) and passed in by the caller;
//! this module knows no gateway. The names after which free text holds
//! card data are given once by the tool ([`use_card_field_names`]).

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::card;

/// `text` as it may reach a person: [`mask`], then [`sanitize`].
pub fn safe(text: &str) -> Cow<'_, str> {
    match mask(text) {
        Cow::Borrowed(t) => sanitize(t),
        Cow::Owned(t) => Cow::Owned(sanitize(&t).into_owned()),
    }
}

/// What a field holds, as far as showing it is concerned: a gateway rule,
/// declared once with each gateway's fields (`gateways::kinds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A card number (PAN, PORTEUR, cardNumber…): its first 6 and last
    /// 4 characters kept whatever its digits, Luhn-valid or not.
    CardNumber,
    /// A card security code: blanked.
    SecurityCode,
    /// A password sent as a field (Paybox Direct's CLE): blanked.
    Secret,
    /// What the merchant reconciles or compares on (identifiers,
    /// references, transaction and call numbers, seals): never altered.
    Identifier,
    /// A seal or a signature: shown as it is when it reads as one (hex or
    /// base64, at least [`SEAL_CHARS`] characters: longer than any card
    /// number); otherwise read as text (a card number pasted as the seal).
    Seal,
    /// Amounts, currencies, dates, codes: shown as they are when they fit
    /// (ASCII digits, at most [`FIGURE_DIGITS`]); a value that does not
    /// fit (a card number in the amount column) is read as text.
    Figure,
    /// Free text, or a field nobody declared: read as text ([`mask`]).
    Text,
}

/// The most digits a figure has (a Lyra amount: 12).
pub const FIGURE_DIGITS: usize = 12;

/// The fewest characters of a seal (a SHA-1 in base64: 28).
pub const SEAL_CHARS: usize = 28;

impl FieldKind {
    /// Whether a value of a field of this kind is shown as it is: nothing
    /// to hide, nothing to escape.
    pub fn shown_as_is(self, value: &str) -> bool {
        match self {
            FieldKind::CardNumber | FieldKind::SecurityCode | FieldKind::Secret => value.is_empty(),
            FieldKind::Identifier => printable_ascii(value),
            FieldKind::Figure if is_figure(value) => true,
            FieldKind::Seal if is_seal(value) => true,
            FieldKind::Figure | FieldKind::Seal | FieldKind::Text => shown_as_is(value),
        }
    }

    /// A value of such a field as it may be shown: a card number masked
    /// (first 6 and last 4), a security code or a password blanked, an
    /// identifier or a figure that fits as it is, anything else through
    /// [`mask`]. Control characters are [`sanitize`]'s to escape.
    pub fn mask(self, value: &str) -> Cow<'_, str> {
        match self {
            FieldKind::SecurityCode | FieldKind::Secret => {
                Cow::Owned("*".repeat(value.chars().count()))
            }
            FieldKind::CardNumber => Cow::Owned(card::mask_pan(value)),
            FieldKind::Identifier => Cow::Borrowed(value),
            FieldKind::Figure if is_figure(value) => Cow::Borrowed(value),
            FieldKind::Seal if is_seal(value) => Cow::Borrowed(value),
            FieldKind::Figure | FieldKind::Seal | FieldKind::Text => mask(value),
        }
    }

    /// [`FieldKind::mask`] then [`sanitize`]: a value of such a field as
    /// it may reach a person.
    pub fn show(self, value: &str) -> Cow<'_, str> {
        if self.shown_as_is(value) {
            return Cow::Borrowed(value);
        }
        match self.mask(value) {
            Cow::Borrowed(t) => sanitize(t),
            Cow::Owned(t) => Cow::Owned(sanitize(&t).into_owned()),
        }
    }
}

/// Printable ASCII only: nothing [`sanitize`] would escape, told byte by
/// byte.
fn printable_ascii(value: &str) -> bool {
    value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// An amount, a currency or a code as the gateways write them: ASCII
/// digits, no more than [`FIGURE_DIGITS`].
fn is_figure(value: &str) -> bool {
    value.len() <= FIGURE_DIGITS && value.bytes().all(|b| b.is_ascii_digit())
}

/// A seal as the gateways write them: hex or base64 (either alphabet),
/// at least [`SEAL_CHARS`] characters.
fn is_seal(value: &str) -> bool {
    value.len() >= SEAL_CHARS
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

/// The names after which free text holds card data, given once by the
/// tool (from `gateways::kinds`), and their automaton.
struct CardNames {
    kinds: Vec<FieldKind>,
    automaton: aho_corasick::AhoCorasick,
    /// The bytes (lower case) a name starts with, for [`Look`]'s first
    /// test: [`CARD_NAME`], [`SECRET_NAME`] or both.
    starts: [u8; 256],
}

/// A byte that starts the name of a card-number field.
const CARD_NAME: u8 = 1;
/// A byte that starts the name of a password field.
const SECRET_NAME: u8 = 2;

static CARD_NAMES: OnceLock<CardNames> = OnceLock::new();

/// Tell [`mask`] the field names after which a value is card data in
/// free text (`"cardNumber":"…"`, `PORTEUR=…`, `<PAN>…`): the names of
/// the card-number fields ([`FieldKind::CardNumber`]) and of the
/// passwords sent as fields ([`FieldKind::Secret`]) of every gateway.
/// Given once, by the tool, from the gateways' declarations; the first
/// call wins.
pub fn use_card_field_names(names: &[(&str, FieldKind)]) {
    let names: Vec<(&str, FieldKind)> = names
        .iter()
        .copied()
        .filter(|(n, k)| !n.is_empty() && matches!(k, FieldKind::CardNumber | FieldKind::Secret))
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
        let flag = if *k == FieldKind::Secret {
            SECRET_NAME
        } else {
            CARD_NAME
        };
        starts[usize::from(n.as_bytes()[0].to_ascii_lowercase())] |= flag;
    }
    let _ = CARD_NAMES.set(CardNames {
        kinds: names.iter().map(|(_, k)| *k).collect(),
        automaton,
        starts,
    });
}

/// Card numbers and security codes hidden where the structure is not
/// known (a message quoting a broken line, free text, a field nobody
/// declared):
///
/// - digits are read as digits however they are written (ASCII, other
///   scripts' digits, full-width digits, `%3N` in a form body), and
///   groups of them joined by up to three separators (spaces of any
///   kind, zero-width characters, dashes, `+`, `%20`, control
///   characters) form one run; `.` and `_` join groups of 3 to 6 digits
///   (`4111.1111.1111.1111`), not the parts of a file name;
/// - a card number is one or more whole groups of a run, 12 to 19 digits
///   in all, that pass the Luhn check (never a window cut out of a
///   longer group: `201040040170001` is a merchant's identifier, not
///   the card number inside it); the first one found keeps its first 6
///   and last 4 digits and every other digit of its run becomes `*` (so
///   that the digits glued to it, an expiry or a security code, go too);
/// - the value after the name of a card-number field
///   ([`use_card_field_names`]: `PORTEUR=…`, `"cardNumber":"…"`) is
///   masked whatever its digits, and a password's is blanked;
/// - the digits that follow the name of a security-code field of any
///   gateway, or the words "security code" (`<CVV>123`, `CVV=123`,
///   `"cardCSCValue":"123"`, `column "cvv": "123"`, `cvv is 123`,
///   `cvv987`) become `*`.
///
/// Linear in the text, in time and memory.
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
    /// What else could be a digit: `%` (encoded) or a non-ASCII byte.
    other_digits: bool,
    /// C0 controls and DEL.
    controls: bool,
}

impl Look {
    fn of(text: &str) -> Look {
        let starts = CARD_NAMES.get().map(|n| &n.starts);
        let mut look = Look {
            digits: 0,
            has_name: false,
            has_secret: false,
            has_assign: false,
            other_digits: false,
            controls: false,
        };
        for &b in text.as_bytes() {
            match b {
                b'0'..=b'9' => look.digits += 1,
                b'%' | 0x80.. => look.other_digits = true,
                0..=0x1f | 0x7f => look.controls = true,
                b'=' | b':' | b'>' => look.has_assign = true,
                _ => {}
            }
            let flags = starts.map_or(0, |s| s[usize::from(b.to_ascii_lowercase())]);
            look.has_name |= b.eq_ignore_ascii_case(&b'c') || flags & CARD_NAME != 0;
            look.has_secret |= flags & SECRET_NAME != 0;
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

/// How a range of text is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hide {
    /// Each digit becomes `*`; separators and other characters stay.
    Digits,
    /// Each character becomes `*`.
    All,
}

/// Byte ranges of the text to hide, and how.
type Hidden = Vec<(usize, usize, Hide)>;

/// [`mask`] past its first look: the card-number scan, and the scans
/// after names, each when asked for.
fn mask_with(text: &str, card_numbers: bool, names: bool) -> Cow<'_, str> {
    let mut hidden: Hidden = Vec::new();
    if card_numbers {
        mask_card_numbers(text, &mut hidden);
    }
    if names {
        mask_security_codes(text, &mut hidden);
        mask_named_values(text, &mut hidden);
    }
    hide(text, hidden)
}

/// `text` with the `hidden` ranges hidden.
fn hide(text: &str, mut hidden: Hidden) -> Cow<'_, str> {
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

/// A group of consecutive digits: where it stands, and (up to the
/// longest card number) its digits and where each starts.
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    /// Its number of digits (it may be more than it keeps).
    len: usize,
    digits: [u8; card::MAX_PAN_DIGITS],
    at: [usize; card::MAX_PAN_DIGITS],
}

impl Group {
    fn new(start: usize) -> Group {
        Group {
            start,
            end: start,
            len: 0,
            digits: [0; card::MAX_PAN_DIGITS],
            at: [0; card::MAX_PAN_DIGITS],
        }
    }

    fn push(&mut self, digit: u8, at: usize, end: usize) {
        if self.len < card::MAX_PAN_DIGITS {
            self.digits[self.len] = digit;
            self.at[self.len] = at;
        }
        self.len += 1;
        self.end = end;
    }

    /// Where its digit `k` ends.
    fn digit_end(&self, k: usize) -> usize {
        if k + 1 < self.len {
            self.at[k + 1]
        } else {
            self.end
        }
    }
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

/// The card number found in a run: where it stands, and the part of it
/// to hide (between its first 6 and its last 4 digits).
#[derive(Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    middle: (usize, usize),
}

/// The runs of digits of a text, read group by group, in bounded memory:
/// only the groups a card number starting at the run's first unjudged
/// group could span are kept.
#[derive(Default)]
struct Runs {
    /// Where the current run starts and ends, and its last group's length.
    run: Option<(usize, usize, usize)>,
    window: std::collections::VecDeque<Group>,
    found: Option<Found>,
}

impl Runs {
    /// One more group, after `gap`.
    fn group(&mut self, gap: Gap, group: Group, hidden: &mut Hidden) {
        match self.run {
            Some((start, _, last)) if gap.joins(last, group.len) => {
                self.run = Some((start, group.end, group.len));
            }
            _ => {
                self.finish(hidden);
                self.run = Some((group.start, group.end, group.len));
            }
        }
        if self.found.is_none() {
            self.window.push_back(group);
            self.judge(false);
        }
    }

    /// Judge the groups at the front of the window whose every possible
    /// card number is in it (all of them once the run has ended).
    fn judge(&mut self, ended: bool) {
        while self.found.is_none() && !self.window.is_empty() {
            let ahead: usize = self.window.iter().map(|g| g.len).sum();
            if !ended && ahead <= card::MAX_PAN_DIGITS {
                return;
            }
            self.found = card_at_front(&self.window);
            if self.found.is_some() {
                self.window.clear();
            } else {
                self.window.pop_front();
            }
        }
    }

    /// The end of the current run: its digits hidden when it holds a card
    /// number.
    fn finish(&mut self, hidden: &mut Hidden) {
        self.judge(true);
        if let (Some((start, end, _)), Some(f)) = (self.run, self.found) {
            hidden.push((start, f.start, Hide::Digits));
            hidden.push((f.middle.0, f.middle.1, Hide::Digits));
            hidden.push((f.end, end, Hide::Digits));
        }
        self.run = None;
        self.found = None;
        self.window.clear();
    }
}

/// The longest card number made of whole groups from the window's first
/// group, if any.
fn card_at_front(window: &std::collections::VecDeque<Group>) -> Option<Found> {
    let mut digits = [0u8; card::MAX_PAN_DIGITS];
    let mut total = 0;
    let mut best = None;
    for (k, g) in window.iter().enumerate() {
        if total + g.len > card::MAX_PAN_DIGITS {
            break;
        }
        for d in 0..g.len {
            digits[total + d] = b'0' + g.digits[d];
        }
        total += g.len;
        let number = &digits[..total];
        if total >= card::MIN_PAN_DIGITS && card::luhn_valid_bytes(number) && !is_timestamp(number)
        {
            best = Some((k, total));
        }
    }
    let (last, total) = best?;
    // Where digit `n` of the card number stands: its group and place.
    let locate = |mut n: usize| {
        for g in window.iter().take(last + 1) {
            if n < g.len {
                return (g, n);
            }
            n -= g.len;
        }
        (&window[last], window[last].len - 1)
    };
    let (g6, k6) = locate(5);
    let (g4, k4) = locate(total - 4);
    Some(Found {
        start: window[0].start,
        end: window[last].end,
        middle: (g6.digit_end(k6), g4.at[k4]),
    })
}

/// The card numbers of `text` (see [`mask`]): the digits to hide.
fn mask_card_numbers(text: &str, hidden: &mut Hidden) {
    let mut runs = Runs::default();
    let mut group: Option<(Gap, Group)> = None;
    let mut gap = Gap::default();
    let mut i = 0;
    while i < text.len() {
        if let Some(len) = digest_at(text, i) {
            if let Some((before, g)) = group.take() {
                runs.group(before, g, hidden);
            }
            gap.broken = true;
            i += len;
            continue;
        }
        let (piece, len) = piece_at(text, i);
        if let Piece::Digit(d) = piece {
            let (_, g) = group.get_or_insert_with(|| (std::mem::take(&mut gap), Group::new(i)));
            g.push(d, i, i + len);
        } else {
            if let Some((before, g)) = group.take() {
                runs.group(before, g, hidden);
            }
            match piece {
                Piece::Separator => gap.separators += 1,
                Piece::Dot => gap.dots += 1,
                _ => gap.broken = true,
            }
        }
        i += len;
    }
    if let Some((before, g)) = group.take() {
        runs.group(before, g, hidden);
    }
    runs.finish(hidden);
}

/// The length of the hex digest, fingerprint or key id that starts at
/// byte `i` of `text`, if one does: a word of 32, 40, 64, 96 or 128 hex
/// characters (MD5 to SHA-512, an OpenPGP v4 or v6 fingerprint, a Sips
/// seal, a Paybox HMAC), or an OpenPGP key id as OpenPGP tools write it
/// (16 upper-case hex characters, a letter among them: 16 digits may be
/// a card number). Its digits are a hash's, not a card's: a fingerprint
/// shown to be compared must not lose digits to a Luhn-valid group
/// inside it. Only looked at where a word starts, so the scan stays
/// linear.
fn digest_at(text: &str, i: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if !bytes[i].is_ascii_hexdigit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
        return None;
    }
    let word = bytes[i..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let w = &bytes[i..i + word];
    let digest = matches!(word, 32 | 40 | 64 | 96 | 128) && w.iter().all(u8::is_ascii_hexdigit);
    let key_id = word == 16
        && w.iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
        && w.iter().any(u8::is_ascii_uppercase);
    (digest || key_id).then_some(word)
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
fn mask_security_codes(text: &str, hidden: &mut Hidden) {
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
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
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
/// ([`use_card_field_names`]), where a field is written as one: the name,
/// then `=`, `:` or `>` (`PORTEUR=…`, `"cardNumber": "…"`, `<PAN>…`,
/// `column "pan": "…"`). A card number keeps its first 6 and last 4
/// digits (a value masked already, `497010******0000`, stays as it is);
/// a password is blanked.
fn mask_named_values(text: &str, hidden: &mut Hidden) {
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
            FieldKind::Secret => {
                let stop = bytes[j..]
                    .iter()
                    .position(|b| b"&\"'<;, \t\r\n".contains(b))
                    .map_or(bytes.len(), |k| j + k);
                if stop > j {
                    hidden.push((j, stop, Hide::All));
                }
            }
            _ => mask_card_value(text, j, hidden),
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

/// How far past the characters shown [`excerpt`] reads: a card number
/// or a field's value that starts before the cut (19 digits and their
/// separators, each up to 3 bytes written `%3N` or full-width) ends in it.
const QUOTE_LOOKAHEAD: usize = 256;

/// The first `max` characters of a text from outside (a value, a
/// helper's stderr) for a message, `…` after them when there was more:
/// scrubbed of the secrets read ([`crate::redact::scrub`]) and masked
/// before it is cut, so that a cut never leaves more of a card number
/// than the mask shows, nor a fragment of a secret. Only a prefix of a
/// long text is read (the characters shown and [`QUOTE_LOOKAHEAD`] bytes
/// more): an excerpt costs the same whatever the text's length.
pub fn excerpt(text: &str, max: usize) -> String {
    let shown_end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let mut end = (shown_end + QUOTE_LOOKAHEAD).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let scrubbed = crate::redact::scrub(&text[..end]);
    let masked = mask(&scrubbed);
    let mut out: String = masked.chars().take(max).collect();
    if end < text.len() || masked.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// A value quoted for a message, cut after `max` characters
/// ([`excerpt`]), made safe for a terminal.
pub fn quote_cut(text: &str, max: usize) -> String {
    format!("\"{}\"", sanitize(&excerpt(text, max)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KINDS: [FieldKind; 7] = [
        FieldKind::Seal,
        FieldKind::CardNumber,
        FieldKind::SecurityCode,
        FieldKind::Secret,
        FieldKind::Identifier,
        FieldKind::Figure,
        FieldKind::Text,
    ];

    /// The names a tool gives (crates/gateways declares them).
    fn names() {
        use_card_field_names(&[
            ("PORTEUR", FieldKind::CardNumber),
            ("cardNumber", FieldKind::CardNumber),
            ("pan", FieldKind::CardNumber),
            ("CLE", FieldKind::Secret),
            ("REFERENCE", FieldKind::Identifier),
        ]);
    }

    /// A fingerprint or digest is shown whole, whatever Luhn-valid group
    /// of digits it holds (pgpwrap inspect masked one in CI); a card
    /// number glued to letters, or in a word of another length, is not.
    #[test]
    fn digests_and_fingerprints_keep_their_digits() {
        let fpr = "E347E36340912345673D591084F04A5E43B152E4";
        assert_eq!(fpr.len(), 40);
        assert_eq!(mask(fpr), fpr);
        let line = format!("  primary {fpr} RSA 3072 bits");
        assert_eq!(mask(&line), line);
        let sha256 = format!("{}{}", "36340912345673", "a".repeat(50));
        assert_eq!(mask(&sha256), sha256);
        let key_id = "091234567377D5A9";
        assert_eq!(mask(key_id), key_id);
        for glued in [
            "E347E36340912345673D591084F04A5E43B152E",
            "E347E36340912345673D591084F04A5E43B152E4F",
            "G347E36340912345673D591084F04A5E43B152E4",
            "ref36340912345673",
            "abcdef4111111111111111",
            "4111111111111111",
            "091234567377d5a9",
            "091234567377G5A9",
        ] {
            assert_ne!(mask(glued), glued, "{glued}");
        }
    }

    /// The digits of `text` read as one number (separators dropped).
    fn luhn_windows(digits: &str) -> bool {
        (0..digits.len()).any(|s| {
            (card::MIN_PAN_DIGITS..=card::MAX_PAN_DIGITS)
                .any(|l| s + l <= digits.len() && card::luhn_valid(&digits[s..s + l]))
        })
    }

    proptest! {
        // The first look of `mask` and `sanitize` only ever skips work:
        // what they return is what the full scans return.
        #[test]
        fn the_quick_looks_change_nothing(
            text in "([0-9]{1,20}|[ -~]{0,12}|cvv|CSC|PORTEUR=|\"cardNumber\":\"|CLE=|%3[0-9]|%20|[\u{80}-\u{ff}\u{660}-\u{669}\u{202a}\u{ff10}-\u{ff19}]|\u{1b}|\t){0,12}"
        ) {
            names();
            prop_assert_eq!(mask(&text), mask_with(&text, true, true));
            if shown_as_is(&text) {
                prop_assert_eq!(&mask(&text), &text);
                prop_assert_eq!(&sanitize(&text), &text);
            }
            for kind in KINDS {
                if kind.shown_as_is(&text) {
                    let shown = sanitize(&kind.mask(&text)).into_owned();
                    prop_assert_eq!(shown, text.clone());
                }
                prop_assert_eq!(kind.show(&text), sanitize(&kind.mask(&text)).into_owned());
            }
            let full: String = text
                .chars()
                .flat_map(|c| if needs_escape(c) { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
                .collect();
            prop_assert_eq!(sanitize(&text).into_owned(), full);
        }

        // A number that is no card number as a whole (a merchant's
        // identifier, a reference) is never rewritten, whatever card
        // numbers can be cut out of it.
        #[test]
        fn whole_numbers_that_fail_luhn_are_left_alone(digits in "[0-9]{12,40}") {
            let whole_is_card = digits.len() <= card::MAX_PAN_DIGITS && card::luhn_valid(&digits);
            prop_assume!(!whole_is_card);
            let text = format!("ref {digits} end");
            prop_assert_eq!(mask(&text), text.as_str());
        }

        // A card number standing alone, or in groups, is always masked.
        #[test]
        fn card_numbers_are_always_masked(
            body in "[0-9]{11,18}",
            sep in "( |-|  |\u{a0})",
            grouped in any::<bool>(),
        ) {
            let pan = format!("{body}{}", card::luhn_check_digit(&body));
            prop_assume!(!is_timestamp(pan.as_bytes()));
            let written = if grouped {
                pan.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(&sep)
            } else {
                pan.clone()
            };
            let text = format!("x {written} y");
            let masked = mask(&text);
            let digits: String = masked.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(digits.len(), 10, "{} -> {}", text, masked);
            prop_assert!(!luhn_windows(&digits) || digits.len() < card::MIN_PAN_DIGITS);
        }

        // Whatever the digits of a card field's value, it shows at most 6
        // and 4 of them; an identifier is never touched.
        #[test]
        fn kinds_decide(value in "[0-9]{1,19}") {
            let shown = FieldKind::CardNumber.mask(&value);
            let visible = shown.chars().filter(char::is_ascii_digit).count();
            prop_assert!(visible <= 10 && (value.len() >= 12 || visible == 0), "{} -> {}", value, shown);
            prop_assert_eq!(FieldKind::Identifier.show(&value), value.as_str());
            prop_assert!(FieldKind::Identifier.shown_as_is(&value));
            prop_assert!(!FieldKind::SecurityCode.mask(&value).contains(|c: char| c.is_ascii_digit()));
        }

        // Quoting reads a bounded prefix yet masks as the whole text
        // would, wherever the cut falls.
        #[test]
        fn quoting_a_prefix_masks_as_the_whole(pad in 0usize..60, max in 1usize..80) {
            let text = format!("{}4012 0010 3714 1112{}", "x".repeat(pad), "y".repeat(400));
            let quoted = quote_cut(&text, max);
            // The middle, 10 3714, never shows.
            prop_assert!(!quoted.contains("37") && !quoted.contains("10 3"), "{}", quoted);
            prop_assert!(quoted.ends_with("…\""));
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
            // The digits glued to a card number go too.
            ("4111111111111111 123", "411111******1111 ***"),
            ("1 4111111111111111", "* 411111******1111"),
        ] {
            assert_eq!(mask(text), want, "{text}");
        }
    }

    /// Found by a merchant: identifiers and references were rewritten as
    /// if card numbers had been cut out of them.
    #[test]
    fn identifiers_are_not_windows_of_card_numbers() {
        for text in [
            // The Sogenactif test shop's merchantId.
            "\"merchantId\":\"201040040170001\"",
            "20261206123456789",
            "<Reference>2026112300000003</Reference>",
            "41111111111111110",
            "xxxxxxxxxxxxxxxxxxxxxxx41111111111111110",
        ] {
            let whole: String = text.chars().filter(char::is_ascii_digit).collect();
            assert!(luhn_windows(&whole) && !card::luhn_valid(&whole), "{text}");
            assert_eq!(mask(text), text, "{text}");
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
            "1 4111111111111111",
            "4111 1111 1111 1111 12",
            "4111+1111+1111+1111",
            "Ref=4111%201111%201111%201111",
            "Ref=%34%31%31%31111111111111",
            "4111\u{a0}1111\u{a0}1111\u{a0}1111",
            "4111\u{200b}1111\u{200b}1111\u{200b}1111",
            "4111\u{2013}1111\u{2013}1111\u{2013}1111",
            "4111.1111.1111.1111",
            "4111_1111_1111_1111",
            "4111\t1111\t1111\t1111",
            "4111  1111 - 1111 1111",
            "\u{ff14}\u{ff11}\u{ff11}\u{ff11}111111111111",
        ] {
            let masked = mask(text);
            let seen = visible_digits(&masked);
            assert!(!seen.contains("41111111111"), "{text} -> {masked}");
            assert!(masked.contains('*'), "{text} -> {masked}");
        }
    }

    #[test]
    fn values_after_a_card_field_name_are_masked_whatever_their_digits() {
        names();
        for (text, want) in [
            // The Lyra test number, which fails the Luhn check.
            (
                "PORTEUR=4970100000000000&CVV=1",
                "PORTEUR=497010******0000&CVV=*",
            ),
            (
                "{\"cardNumber\": \"1234123412341234\"}",
                "{\"cardNumber\": \"123412******1234\"}",
            ),
            ("<PAN>12345</PAN>", "<PAN>*****</PAN>"),
            (
                "column \"pan\": \"497010******0000\"",
                "column \"pan\": \"497010******0000\"",
            ),
            ("CLE=1999888I&SITE=1999888", "CLE=********&SITE=1999888"),
            // Not a field: a word, or a longer name.
            ("pan 12345", "pan 12345"),
            ("REFERENCE=4970100000000000", "REFERENCE=4970100000000000"),
            ("PBX_PORTEUR=a@b.fr", "PBX_PORTEUR=a@b.fr"),
            ("CLE is not the shop's", "CLE is not the shop's"),
        ] {
            assert_eq!(mask(text), want, "{text}");
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
        assert_eq!(quote_cut("abc", 40), "\"abc\"");
        assert_eq!(quote_cut("abcdef", 3), "\"abc…\"");
    }

    #[test]
    fn masking_is_linear_in_memory_and_time() {
        // Megabytes of digit groups: one pass, nothing kept per digit.
        let big = "1 ".repeat(1 << 20) + "4111111111111111";
        let masked = mask(&big);
        assert!(
            masked.ends_with("411111******1111"),
            "{}",
            &masked[masked.len() - 40..]
        );
        assert!(masked.starts_with("* * "));
        let digits = "7".repeat(1 << 22);
        assert!(matches!(mask(&digits), Cow::Borrowed(_)));
    }

    #[test]
    fn values_of_a_rows_card_fields_are_hidden_where_quoted_again() {
        let cards = ["4970100000000000", "12"];
        assert_eq!(
            hide_card_values(
                "column \"amount\": \"4970100000000000\" is too long",
                &cards
            ),
            "column \"amount\": \"497010******0000\" is too long"
        );
        assert_eq!(hide_card_values("12 of 12", &cards), "12 of 12");
        assert_eq!(
            hide_card_values("4970 1000 0000 0000", &["4970 1000 0000 0000"]),
            "4970 1*********0000"
        );
    }

    #[test]
    fn fields_of_every_kind() {
        use FieldKind::*;
        assert_eq!(CardNumber.mask("1234123412341234"), "123412******1234");
        assert_eq!(CardNumber.mask("4970100000000000"), "497010******0000");
        assert_eq!(CardNumber.mask("12345"), "*****");
        assert_eq!(SecurityCode.mask("123"), "***");
        assert_eq!(Secret.mask("1999888I"), "********");
        assert_eq!(Identifier.mask("201040040170001"), "201040040170001");
        assert_eq!(Identifier.mask("4111111111111111"), "4111111111111111");
        assert_eq!(Figure.mask("000000001000"), "000000001000");
        assert_eq!(Figure.mask("4111111111111111"), "411111******1111");
        assert_eq!(
            Text.mask("order 4111111111111111"),
            "order 411111******1111"
        );
        assert_eq!(Identifier.show("a\nb"), "a\\nb");
        let seal = "0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789012345678903";
        assert_eq!(Seal.mask(seal), seal);
        assert_eq!(Seal.mask("4111111111111111"), "411111******1111");
    }
}
