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
//! card data are given once by the tool ([`use_card_field_names`]). An
//! identifier the tool makes itself and quotes in a message (an OpenPGP
//! key id or fingerprint) is marked where the message is built
//! ([`identifier`]), and [`mask`] shows it whole.
//!
//! One job a module, each item re-exported here: `mask` (card data in
//! free text: what is read as a digit, a run, a card number, a name),
//! `kinds` (a value whose field is known), `sanitize` (control
//! characters; `safe`, mask then sanitize), `quote` (a value quoted or
//! cut for a message). They import one another one way: kinds, quote
//! and sanitize use mask; mask uses none of them.

mod kinds;
mod mask;
mod quote;
mod sanitize;

pub use kinds::{use_card_field_names, FieldKind, FIGURE_DIGITS, SEAL_CHARS};
pub use mask::{hide_card_values, identifier, mask, mask_joined, shown_as_is};
pub use quote::{excerpt, quote, quote_cut, quote_input, quote_unresolved};
pub use sanitize::{acts_on_terminal, safe, sanitize};

/// A UTF-8 byte order mark, what Windows editors put before a text they
/// save as "UTF-8 with BOM".
pub const BOM: &[u8] = b"\xef\xbb\xbf";

/// The lines of a text file, each ended as the CSV reader ends a row
/// (`crate::csv`): by LF, CRLF or a bare CR (a file saved on an old Mac,
/// or by a tool that writes `\r` alone), the line end no part of the
/// line; like [`str::lines`], a final line end starts no line. Linear.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest.take()?;
        match memchr::memchr2(b'\r', b'\n', t.as_bytes()) {
            None => (!t.is_empty()).then_some(t),
            Some(i) => {
                let end = if t[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&t[i + end..]);
                Some(&t[..i])
            }
        }
    })
}

/// The number of the line that `before` (a text's start) ends in, its
/// lines ended as by [`lines`].
pub fn line_number(before: &[u8]) -> usize {
    let crs = memchr::memchr_iter(b'\r', before)
        .filter(|&i| before.get(i + 1) != Some(&b'\n'))
        .count();
    1 + crs + memchr::memchr_iter(b'\n', before).count()
}

#[cfg(test)]
mod line_tests {
    #[test]
    fn lf_crlf_and_a_bare_cr_end_a_line() {
        let all: Vec<&str> = super::lines("a\rb\r\nc\n\rd\r").collect();
        assert_eq!(all, ["a", "b", "c", "", "d"]);
        assert_eq!(super::lines("").count(), 0);
        assert_eq!(super::line_number(b"a\rb\r\nc\n\r"), 5);
    }
}
