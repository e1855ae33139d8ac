//! Untrusted text (values from gateway files, file names, user ids) made
//! safe for a terminal: control characters are shown escaped (`\n`,
//! `\u{1b}`), never sent, so a hostile value cannot drive the terminal.

/// `text` with every control character escaped.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(super::sanitize("a\u{1b}[31mb\nc"), "a\\u{1b}[31mb\\nc");
        assert_eq!(super::sanitize("é ok"), "é ok");
    }
}
