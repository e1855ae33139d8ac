//! A tree's values written as JSON, compact, as serde_json writes a
//! `Value` (numbers as their text): strings read without escapes as they
//! stand in the text read, the rest escaped as serde_json escapes them.

use super::{scan, Slot, Text, Tree};

/// A string as serde_json writes it (its escaping, not ours).
pub fn write_str(text: &str, out: &mut Vec<u8>) {
    // serde_json escapes only a quote, a backslash and control
    // characters: a string without them (most) is written as it is,
    // without serde_json's writer around each one.
    if scan::first_escaped(text.as_bytes()).is_none() {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        return;
    }
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// A string of a tree: borrowed from a text read, as it is; decoded, or
/// borrowed from decoded values, escaped (see [`Obj::write_value`]).
pub(super) fn write_text(tree: &Tree, text: Text, out: &mut Vec<u8>) {
    match text {
        Text::Borrowed(s) if tree.from_text => {
            out.reserve(s.len() + 2);
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        Text::Borrowed(_) | Text::Decoded { .. } => write_str(tree.text(text), out),
    }
}

pub(super) fn write_slot(tree: &Tree, slot: Slot, out: &mut Vec<u8>) {
    match slot {
        Slot::Null => out.extend_from_slice(b"null"),
        Slot::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Slot::Num(n) => out.extend_from_slice(n.as_bytes()),
        Slot::Str(s) => write_text(tree, s, out),
        Slot::Arr(span) => {
            out.push(b'[');
            for (i, item) in tree.items(span).iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_slot(tree, item.slot, out);
            }
            out.push(b']');
        }
        Slot::Obj(span) | Slot::Rising(span) => {
            out.push(b'{');
            for (i, item) in tree.items(span).iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_text(tree, item.name, out);
                out.push(b':');
                write_slot(tree, item.slot, out);
            }
            out.push(b'}');
        }
    }
}
