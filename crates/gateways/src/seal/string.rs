//! Seal strings: what each scheme feeds to its algorithm, built field by
//! field so that `explain` can show where one field ends and the next
//! begins (the strings have no separators, so two payloads can share a
//! seal).

use serde_json::Value;

/// One field's contribution to a seal string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Where the value comes from: `amount`, `customerContact.email`,
    /// `instalmentData.amountsList[1]`.
    pub path: String,
    /// The text it contributes (before any separator).
    pub text: String,
}

/// A seal string and the segments it was made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealString {
    pub segments: Vec<Segment>,
    /// The text fed to the algorithm, without the key.
    pub text: String,
    /// Between segments (`""` for Sips, `+` for Lyra).
    pub separator: &'static str,
}

impl SealString {
    pub fn joined(segments: Vec<Segment>, separator: &'static str) -> SealString {
        let mut text = String::new();
        for (i, s) in segments.iter().enumerate() {
            if i > 0 {
                text.push_str(separator);
            }
            text.push_str(&s.text);
        }
        SealString {
            segments,
            text,
            separator,
        }
    }

    /// A seal string that is one opaque piece (Sips POST `Data`, Paybox IPN).
    pub fn whole(path: &str, text: &str) -> SealString {
        SealString::joined(
            vec![Segment {
                path: path.to_string(),
                text: text.to_string(),
            }],
            "",
        )
    }
}

/// Where a rule writes its seal string, piece by piece: [`Text`] keeps
/// the text alone (the fast paths: no path is made, nothing allocated),
/// [`Segments`] keeps each piece with where it comes from (`explain`, the
/// diagnosis). One rule writes to either, so the string a seal is
/// computed over and the one `explain` shows are built by the same code.
pub trait Sink {
    /// Whether the rule should say where each piece comes from: a sink
    /// that does not want paths spares the rule the work of making them.
    const PATHS: bool;
    /// One field's contribution, given as parts written one after the
    /// other (`NAME`, `=`, `value`), so that no piece is formatted first.
    fn piece(&mut self, path: &str, parts: &[&str]);
}

/// The seal string's text alone, appended to a caller's buffer.
pub struct Text<'a> {
    out: &'a mut String,
    separator: &'static str,
    first: bool,
}

impl<'a> Text<'a> {
    pub fn new(out: &'a mut String, separator: &'static str) -> Text<'a> {
        Text {
            out,
            separator,
            first: true,
        }
    }
}

impl Sink for Text<'_> {
    const PATHS: bool = false;
    fn piece(&mut self, _path: &str, parts: &[&str]) {
        if !self.first {
            self.out.push_str(self.separator);
        }
        self.first = false;
        for p in parts {
            self.out.push_str(p);
        }
    }
}

/// The pieces with their paths, made into a [`SealString`].
pub struct Segments {
    segments: Vec<Segment>,
    separator: &'static str,
}

impl Segments {
    pub fn new(separator: &'static str) -> Segments {
        Segments {
            segments: Vec::new(),
            separator,
        }
    }

    pub fn into_string(self) -> SealString {
        SealString::joined(self.segments, self.separator)
    }

    pub fn into_segments(self) -> Vec<Segment> {
        self.segments
    }
}

impl Sink for Segments {
    const PATHS: bool = true;
    fn piece(&mut self, path: &str, parts: &[&str]) {
        self.segments.push(Segment {
            path: path.to_string(),
            text: parts.concat(),
        });
    }
}

/// Byte-wise order of two names, as `a.cmp(b)` says it: told by their
/// first eight bytes, then the next eight, read as numbers, where those
/// differ (most names of a message do), and byte by byte only past
/// them. Sorting a shuffled object's names spent as long in the C
/// library's byte comparison as reading the object (issue 27).
pub fn byte_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let word = |s: &[u8], at: usize| {
        let w: [u8; 8] = s.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_be_bytes(w))
    };
    for at in [0, 8] {
        match (word(a, at), word(b, at)) {
            (Some(x), Some(y)) if x != y => return x.cmp(&y),
            (Some(_), Some(_)) => {}
            _ => break,
        }
    }
    a.cmp(b)
}

/// What a rule reuses from one message to the next: the order of an
/// object's names (and the keys [`sort_names`] sorts them by), and the
/// path of the field being walked (made only for a sink that wants
/// paths).
#[derive(Debug, Default)]
pub struct Work {
    pub order: Vec<usize>,
    pub keys: Vec<(u64, usize)>,
    pub path: String,
}

/// The fields `order` holds (indices), sorted in byte order of their
/// names, a name given twice in the order given. Each name's first 8
/// bytes are made one number first, so that most comparisons are one:
/// sorting a shuffled object's names, comparing them byte by byte, took
/// a fifth of a seal (issue 27). Names alike in their first 8 bytes
/// (`customerContact`, `customerAddress`) are compared whole.
pub fn sort_names<'n>(
    order: &mut [usize],
    name: impl Fn(usize) -> &'n str,
    keys: &mut Vec<(u64, usize)>,
) {
    let prefix = |name: &str| match name.as_bytes().first_chunk::<8>() {
        Some(first) => u64::from_be_bytes(*first),
        // Zeros past a short name: a name that is another's start comes
        // first, or ties with one whose next bytes are zeros, and the
        // names are compared.
        None => name
            .bytes()
            .enumerate()
            .fold(0, |key, (i, b)| key | u64::from(b) << (56 - 8 * i)),
    };
    keys.clear();
    keys.extend(order.iter().map(|&i| (prefix(name(i)), i)));
    keys.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            byte_order(name(a.1).as_bytes(), name(b.1).as_bytes()).then(a.1.cmp(&b.1))
        })
    });
    for (slot, (_, i)) in order.iter_mut().zip(keys.iter()) {
        *slot = *i;
    }
}

/// A field a flat rule (Paybox, Lyra) takes holds a list or an object:
/// its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFlat(pub String);

/// Whether the message holds a boolean anywhere (their rendering is
/// undocumented by the gateway, so `explain` says so).
pub fn has_booleans(value: &Value) -> bool {
    match value {
        Value::Bool(_) => true,
        Value::Object(m) => m.values().any(has_booleans),
        Value::Array(a) => a.iter().any(has_booleans),
        _ => false,
    }
}

/// Whether a list holds more than one element anywhere.
pub fn has_lists(value: &Value) -> bool {
    match value {
        Value::Array(a) => a.len() > 1 || a.iter().any(has_lists),
        Value::Object(m) => m.values().any(has_lists),
        _ => false,
    }
}

/// The text of a flat field value (form fields are strings; JSON numbers
/// and booleans are taken as written).
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // The order of names is the bytes' order, whatever their lengths
        // and wherever they first differ (within the first words or past
        // them, one the other's prefix).
        #[test]
        fn byte_order_is_the_bytes_order(
            common in "[a-zA-Z_\u{0}-\u{2}é]{0,20}",
            a in "[a-c\u{0}é]{0,10}",
            b in "[a-c\u{0}é]{0,10}",
        ) {
            let (a, b) = (format!("{common}{a}"), format!("{common}{b}"));
            prop_assert_eq!(byte_order(a.as_bytes(), b.as_bytes()), a.as_bytes().cmp(b.as_bytes()));
        }
    }
}
