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

/// What a rule reuses from one message to the next: an order of an
/// object's names (for the orders the tree does not keep: a diagnosis's
/// case-insensitive order), and the path of the field being walked (made
/// only for a sink that wants paths).
#[derive(Debug, Default)]
pub struct Work {
    pub order: Vec<usize>,
    pub path: String,
}

/// The names' indices `0..order.len()`, sorted in byte order of the
/// names into `order`, a name given twice in the order given (its indices
/// rising): whether no name is given twice. Each name is made one number
/// first, its first 12 bytes above its index, so that sorting compares
/// numbers alone (comparing names byte by byte took a fifth of sealing a
/// shuffled object, issue 27); names alike in their first 12 bytes
/// (`paymentMeanBrand`, `paymentMeanBrandList`) are then put in order by
/// their whole names, and only they can be the same name.
pub fn sort_names<'n>(
    order: &mut [u32],
    name: impl Fn(u32) -> &'n str,
    keys: &mut Vec<u128>,
) -> bool {
    let key = |i: u32| (prefix(name(i).as_bytes()) << 32) | u128::from(i);
    let index = |key: &u128| *key as u32;
    keys.clear();
    // Past 4 G names (never: messages are bounded far below) the last
    // ones would share an index; the tree holds fewer items than that.
    keys.extend((0..order.len()).map(|i| key(u32::try_from(i).unwrap_or(u32::MAX))));
    keys.sort_unstable();
    let mut distinct = true;
    let mut run = 0;
    while run < keys.len() {
        let prefix = keys[run] >> 32;
        let end = run
            + keys[run..]
                .iter()
                .take_while(|k| *k >> 32 == prefix)
                .count();
        if end - run > 1 {
            let alike = &mut keys[run..end];
            alike.sort_unstable_by(|a, b| {
                byte_order(name(index(a)).as_bytes(), name(index(b)).as_bytes())
                    .then(index(a).cmp(&index(b)))
            });
            distinct &= alike
                .windows(2)
                .all(|w| name(index(&w[0])) != name(index(&w[1])));
        }
        run = end;
    }
    for (slot, key) in order.iter_mut().zip(keys.iter()) {
        *slot = index(key);
    }
    distinct
}

/// A name's first 12 bytes as a number, in their order (zeros past a
/// shorter name: a name that is another's start comes first, or ties
/// with one whose next bytes are zeros, and the names are compared).
/// Read a word at a time: byte by byte, or copied into a buffer, making
/// the numbers cost more than sorting them.
fn prefix(name: &[u8]) -> u128 {
    let word = |at: usize| name.get(at..at + 8).and_then(|w| w.first_chunk::<8>());
    let half = |at: usize| name.get(at..at + 4).and_then(|w| w.first_chunk::<4>());
    let (first, next) = match (word(0), half(8)) {
        (Some(first), Some(next)) => (u64::from_be_bytes(*first), u32::from_be_bytes(*next)),
        (Some(first), None) => (u64::from_be_bytes(*first), (short(&name[8..]) >> 32) as u32),
        (None, _) => (short(name), 0),
    };
    (u128::from(first) << 32) | u128::from(next)
}

/// Fewer than 8 bytes as the top bytes of a number, zeros after them:
/// two words of 4 that overlap where there are 4 to 7.
fn short(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let half = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|w| w.first_chunk::<4>())
            .map_or(0, |w| u64::from(u32::from_be_bytes(*w)))
    };
    match len {
        // 4 to 7: the first 4 and the last 4 (the same bytes where they
        // overlap, so that or-ing them is exact).
        4..=7 => half(0) << 32 | half(len - 4) << (64 - 8 * len),
        _ => bytes
            .iter()
            .take(7)
            .enumerate()
            .fold(0, |key, (at, b)| key | u64::from(*b) << (56 - 8 * at)),
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

        // A name's number is its first 12 bytes, zeros after a shorter
        // one: coarser, the names alike would be sorted by the slow way.
        #[test]
        fn a_names_number_is_its_first_twelve_bytes(name in "[a-zA-Z\u{0}é]{0,14}") {
            let mut want = [0u8; 16];
            let len = name.len().min(12);
            want[..len].copy_from_slice(&name.as_bytes()[..len]);
            prop_assert_eq!(prefix(name.as_bytes()) << 32, u128::from_be_bytes(want));
        }

        // Names sorted as a stable sort of their bytes sorts them, a name
        // given twice in the order given: names alike in their first 12
        // bytes or not, one another's start, with zero bytes.
        #[test]
        fn names_are_sorted_in_byte_order(
            names in proptest::collection::vec(
                ("(paymentMean|customer|a|)", "[a-c\u{0}é]{0,14}"), 0..40),
        ) {
            let names: Vec<String> = names.into_iter().map(|(a, b)| a + &b).collect();
            let mut order = vec![0; names.len()];
            let distinct = sort_names(&mut order, |i| &names[i as usize], &mut Vec::new());
            let mut want: Vec<u32> = (0..names.len() as u32).collect();
            want.sort_by(|a, b| names[*a as usize].as_bytes().cmp(names[*b as usize].as_bytes()));
            let repeats = want.windows(2).any(|w| names[w[0] as usize] == names[w[1] as usize]);
            prop_assert_eq!(order, want);
            prop_assert_eq!(distinct, !repeats);
        }
    }
}
