//! Identifiers the tool itself made (an OpenPGP key id or fingerprint),
//! marked where a message is built so that [`mask`](super::mask) leaves
//! them whole: a key id is 16 hex characters, and one in a thousand or
//! so is all digits or holds a Luhn-valid run of 12 or more, which the
//! card-number scan would star; the operator who needs it to pick the
//! right key (`gpg --list-keys ID`) would get a different one. The
//! identifier is [`FieldKind::Identifier`](crate::text::FieldKind)'s
//! value met in free text: the field is known where the text is made, so
//! the mark carries it to where the text is shown.
//!
//! The mark opens with a tag drawn at random once a process: text from
//! outside (a file name, a user id) cannot forge it to spare a card
//! number, and a mark that is not this process's is read as text.

use std::sync::OnceLock;

/// Shift Out: the first byte of the opening mark.
const SO: u8 = 0x0e;
/// Shift In: the closing mark.
const SI: char = '\u{f}';

/// The opening mark of this process (SO, a random tag, `:`), drawn the
/// first time an identifier is marked.
static OPEN: OnceLock<String> = OnceLock::new();

fn open() -> &'static str {
    OPEN.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        // std's hash keys are drawn from the operating system's random
        // source: no one outside this process knows them.
        let tag = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        format!("\u{e}{tag:016x}:")
    })
}

/// `id`, an identifier the tool made (a key id, a fingerprint), marked
/// for a message: [`mask`](super::mask) (so every message printer and
/// [`crate::json::Record`]) shows it whole and drops the marks. Only for
/// what the tool itself makes, never for text from outside. An `id`
/// with a control character is not marked (it is no identifier the tools
/// make) and is read as text.
pub fn identifier(id: impl std::fmt::Display) -> String {
    let id = id.to_string();
    if id.chars().any(char::is_control) {
        return id;
    }
    format!("{}{id}{SI}", open())
}

/// `text` with the identifiers marked in it shown whole and unmarked,
/// and what lies between them masked, each part alone (an identifier
/// stands between them as in a seal string); `None` when `text` holds
/// no mark of this process. Linear in the text.
pub(super) fn mask_marked(text: &str) -> Option<String> {
    // Most text has no SO: one look, the cost of a message unmarked.
    memchr::memchr(SO, text.as_bytes())?;
    let open = OPEN.get()?;
    if !text.contains(open.as_str()) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(open.as_str()) {
        out.push_str(&super::mask(&rest[..at]));
        let after = &rest[at + open.len()..];
        let Some(end) = after.find(SI) else {
            // Not closed: not made by `identifier`; read as text.
            rest = after;
            break;
        };
        out.push_str(&after[..end]);
        rest = &after[end + SI.len_utf8()..];
    }
    out.push_str(&super::mask(rest));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::identifier;
    use crate::text::{mask, safe};

    #[test]
    fn a_key_id_that_reads_as_a_card_number_is_masked_unless_marked() {
        // Unmarked, a key id of 16 digits that pass the Luhn check is
        // taken for a card number: what pgpwrap printed before.
        assert_eq!(safe("key 1234567812345670"), "key 123456******5670");
        let text = format!(
            "encrypted to key {}, and \"1111222233334444.key\" holds none of them",
            identifier("4012001037141112")
        );
        assert_eq!(
            safe(&text),
            "encrypted to key 4012001037141112, and \"111122******4444.key\" holds none of them"
        );
        // Several, and a fingerprint holding a Luhn-valid group, with a
        // card number glued to one: the card number is still masked.
        let fpr = "ABCD1234567812345670EF0123456789ABCDEF01";
        let text = format!(
            "{} / {}4111111111111111 of {}",
            identifier("1234567812345670"),
            identifier("4012001037141112"),
            identifier(fpr)
        );
        assert_eq!(
            mask(&text),
            format!("1234567812345670 / 4012001037141112411111******1111 of {fpr}")
        );
    }

    #[test]
    fn a_mark_from_outside_spares_nothing() {
        let _ = identifier("0");
        // Another process's mark, or a file name made to look marked.
        let forged = "\u{e}0123456789abcdef:4111111111111111\u{f}";
        assert_eq!(
            safe(forged),
            "\\u{e}0123456789abcdef:411111******1111\\u{f}"
        );
        // A mark never closed: what follows is read as text.
        let open = super::open();
        let text = format!("{open}4111111111111111");
        assert_eq!(mask(&text), "411111******1111");
        // What holds a control character is not marked.
        assert_eq!(identifier("a\u{e}b"), "a\u{e}b");
    }

    #[test]
    fn a_record_shows_a_marked_identifier_whole_and_unmarked() {
        let mut r = crate::json::Record::new("t");
        r.set("key", format!("key {}", identifier("1234567812345670")));
        assert_eq!(r.get("key").unwrap(), "key 1234567812345670");
    }
}
