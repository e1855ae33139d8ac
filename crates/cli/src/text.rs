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
/// a field name, an XML snippet, a form body):
///
/// - every run of 12 to 19 digits, possibly split by single spaces or
///   dashes (`4111 1111 1111 1111`), that passes the Luhn check keeps its
///   first 6 and last 4 digits, the others become `*`; a longer run that
///   holds such a number is masked the same way;
/// - the digits that follow the name of a security-code field of any
///   gateway (`CVV`, `cardCSCValue`, `cardSecurityCode`, `vads_card_cvv`…,
///   see [`card::is_cvv_field`]) after its delimiters (`<CVV>123`,
///   `CVV=123`, `"cardCSCValue":"123"`, `column "cvv": "123"`) become `*`.
pub fn mask(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    // Positions of the digits to hide.
    let mut hidden: Vec<usize> = Vec::new();
    mask_card_numbers(bytes, &mut hidden);
    mask_security_codes(text, &mut hidden);
    if hidden.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = bytes.to_vec();
    for i in hidden {
        out[i] = b'*';
    }
    // Only ASCII digits were replaced by an ASCII star.
    Cow::Owned(
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// The digit runs of `bytes` (digits joined by at most one space or dash
/// between two digits), as lists of digit positions.
fn mask_card_numbers(bytes: &[u8], hidden: &mut Vec<usize>) {
    let mut i = 0;
    let mut run: Vec<usize> = Vec::new();
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        run.clear();
        loop {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                run.push(i);
                i += 1;
            }
            let joined = i + 1 < bytes.len()
                && matches!(bytes[i], b' ' | b'-')
                && bytes[i + 1].is_ascii_digit();
            if !joined {
                break;
            }
            i += 1;
        }
        if run.len() >= card::MIN_PAN_DIGITS && holds_card_number(bytes, &run) {
            let n = run.len();
            hidden.extend(&run[6..n - 4]);
        }
    }
}

/// Whether the digits at `run` are, or hold, a number of 12 to 19 digits
/// that passes the Luhn check.
fn holds_card_number(bytes: &[u8], run: &[usize]) -> bool {
    let digits: Vec<u8> = run.iter().map(|&i| bytes[i]).collect();
    if digits.len() <= card::MAX_PAN_DIGITS {
        return card::luhn_valid_bytes(&digits);
    }
    (card::MIN_PAN_DIGITS..=card::MAX_PAN_DIGITS)
        .any(|len| digits.windows(len).any(card::luhn_valid_bytes))
}

/// The digits after the name of a security-code field.
fn mask_security_codes(text: &str, hidden: &mut Vec<usize>) {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !word(bytes[i]) || (i > 0 && word(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && word(bytes[i]) {
            i += 1;
        }
        if !card::is_cvv_field(&text[start..i]) {
            continue;
        }
        // Up to four delimiters: `>`, `=`, `":"`, `": "`.
        let mut j = i;
        while j < bytes.len()
            && j - i < 4
            && matches!(bytes[j], b'"' | b'\'' | b'=' | b':' | b'>' | b' ' | b'\t')
        {
            j += 1;
        }
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            hidden.push(j);
            j += 1;
        }
    }
}

/// `text` with every control character escaped (`\n`, `\u{1b}`), and the
/// characters that reorder text on screen (bidirectional overrides and
/// isolates): nothing that can move the cursor, rewrite a line or retitle
/// the terminal is ever sent.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
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
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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

/// A field's value as it may be shown to a person: a security code
/// blanked, a card number masked, any other value through
/// [`mask`].
pub fn mask_field(path: &str, value: &str) -> String {
    if card::is_cvv_field(path) {
        return "*".repeat(value.chars().count());
    }
    if card::is_pan_field(path)
        && value.len() >= card::MIN_PAN_DIGITS
        && value.bytes().all(|b| b.is_ascii_digit())
    {
        return card::mask_pan(value);
    }
    mask(value).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

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
            // a card number glued to more digits
            ("41111111111111110529", "411111**********0529"),
        ] {
            assert_eq!(mask(text), want, "{text}");
        }
    }

    #[test]
    fn other_numbers_are_left_alone() {
        for text in [
            "order 20161130102008",
            "4111111111111112",
            "expected 1 to 2147483647",
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
        assert_eq!(mask("CVVX=123"), "CVVX=123");
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
