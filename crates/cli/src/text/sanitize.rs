//! Control characters and the characters that reorder text on screen,
//! shown escaped: nothing from outside drives the terminal; and [`safe`],
//! what every piece of text from outside goes through before a person
//! sees it (masked, then escaped).

use std::borrow::Cow;

use super::mask::mask;

/// `text` as it may reach a person: [`mask`], then [`sanitize`].
pub fn safe(text: &str) -> Cow<'_, str> {
    match mask(text) {
        Cow::Borrowed(t) => sanitize(t),
        Cow::Owned(t) => Cow::Owned(sanitize(&t).into_owned()),
    }
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

pub(super) fn needs_escape(c: char) -> bool {
    c.is_control() || acts_on_terminal(c)
}

/// Characters that JSON may carry raw but a terminal acts on: C1 controls
/// (U+0080–U+009F: U+009B starts an escape sequence on many terminals)
/// and the characters that reorder text on screen.
pub fn acts_on_terminal(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
