//! A name or value from outside quoted for a message: whole
//! ([`quote`]), or cut after its first characters ([`quote_cut`],
//! [`excerpt`]) once scrubbed and masked, so that a cut never shows more
//! than the whole would.

use super::mask::mask;
use super::sanitize::{safe, sanitize};

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
    let next = masked.chars().nth(max);
    if next.is_some_and(char::is_numeric) {
        star_cut_digits(&mut out);
    }
    if end < text.len() || next.is_some() {
        out.push('…');
    }
    out
}

/// The digits shown just before a cut that falls inside a run of digits
/// become `*`: the run goes on past the cut, and its shown start may be
/// the start of a card number the mask could not see whole there (a
/// row's card number repeated in another column is hidden by the caller
/// after the cut, where the cut one no longer reads as it).
fn star_cut_digits(out: &mut String) {
    let keep = out
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_numeric())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let starred = "*".repeat(out[keep..].chars().count());
    out.truncate(keep);
    out.push_str(&starred);
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

    proptest! {
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
    fn quoting_masks_before_cutting() {
        let long = format!("{}4111111111111111", "x".repeat(50));
        let q = quote_cut(&long, 60);
        assert!(!q.contains("4111111111"), "{q}");
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert_eq!(quote_cut("abc", 40), "\"abc\"");
        assert_eq!(quote_cut("abcdef", 3), "\"abc…\"");
    }

    /// A cut inside a run of digits shows none of the run's digits
    /// before it: the verifier saw `…4444111122******444411112222…` once
    /// the row's card number was hidden in a 480-digit reference that
    /// repeated it, 8 digits of the third copy left whole by the cut.
    #[test]
    fn a_cut_inside_digits_shows_none_of_them() {
        let repeated = "1111222233334444".repeat(30);
        let q = quote_cut(&repeated, 40);
        assert_eq!(q, format!("\"{}…\"", "*".repeat(40)));
        let q = quote_cut(&format!("ref-{repeated}"), 40);
        assert_eq!(q, format!("\"ref-{}…\"", "*".repeat(36)));
        // A cut after the digits, or text that ends, changes nothing.
        assert_eq!(quote_cut("12345678 and more words", 8), "\"12345678…\"");
        assert_eq!(quote_cut("ref 12345678", 40), "\"ref 12345678\"");
    }
}
