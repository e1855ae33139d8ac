//! The card-number scan: digits read in groups, groups joined in runs,
//! a card number made of whole groups of a run (never a window cut out
//! of a longer number), digests and dates told apart. One pass, bounded
//! memory.

use std::collections::VecDeque;

use super::hide::{Hidden, Hide};
use super::pieces::{piece_at, Piece};
use crate::card;

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
    window: VecDeque<Group>,
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
fn card_at_front(window: &VecDeque<Group>) -> Option<Found> {
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
pub(super) fn mask_card_numbers(text: &str, hidden: &mut Hidden) {
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

/// The length of the hex digest or fingerprint that starts at byte `i`
/// of `text`, if one does: a word of 40, 64, 96 or 128 hex characters
/// written in one case, as tools write them (an OpenPGP v4 or v6
/// fingerprint, a SHA-256 digest or Sips seal, a Paybox HMAC of SHA-384
/// or SHA-512). Its digits are a hash's, not a card's: a fingerprint or a
/// seal quoted in a message to be compared must not lose digits to a
/// Luhn-valid group inside it (about one fingerprint in 250 holds one).
/// Shorter words are read as text: `A378282246310005` is a card number
/// with a letter before it, however hex it looks. Only looked at where a
/// word starts, so the scan stays linear.
fn digest_at(text: &str, i: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if !bytes[i].is_ascii_hexdigit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
        return None;
    }
    let word = bytes[i..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if !matches!(word, 40 | 64 | 96 | 128) {
        return None;
    }
    let w = &bytes[i..i + word];
    let upper = w.iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'));
    let lower = w.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (upper || lower).then_some(word)
}

/// Whether 14 digits are a date and time as the gateways write them
/// (`DDMMYYYYHHMMSS`, Paybox's DATEQ, or `YYYYMMDDHHMMSS`), in the years
/// 1900 to 2099: no card number of 14 digits (Diners' 30, 36, 38, 39)
/// reads as one, and a message that names a bad date should show it.
pub(super) fn is_timestamp(d: &[u8]) -> bool {
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
