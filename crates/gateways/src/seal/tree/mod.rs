//! A message as the seal rules read it: a JSON object as a tree borrowed
//! from its text, fields in message order, kept flat (every object's
//! fields, and every list's items, side by side in one vector) so that
//! reading a message allocates nothing once its buffers are warm
//! ([`Spare`]). A string is borrowed from the text unless it holds an
//! escape (`\u00e8`), which is decoded into the tree's own text; a number
//! keeps the text it was written with, since a seal covers that text.
//!
//! A message read by seal's fast path comes from [`Tree::read`], which
//! reads the JSON that messages hold in one pass and gives up on the rest
//! (which the general path reads with serde_json); a message read as a
//! `serde_json::Map`, or as form pairs, is viewed as the same tree
//! ([`from_map`], [`from_pairs`]), so that every rule is written once,
//! over [`Obj`] and [`Node`].

use serde_json::{Map, Value};

use crate::seal::sort_names;

mod numbers;
mod repeated;
mod scan;
mod view;
mod write;

pub use numbers::{parse, parse_slice};
pub use repeated::repeated_name;
pub use view::{List, Node, Obj};
pub use write::write_str;
use write::{write_slot, write_text};

/// A string of the tree: borrowed from what was read, or decoded (it
/// held an escape) into the tree's own text. Where a decoded string
/// stands is two 32-bit numbers, which fit beside the borrowed string's
/// pointer: a string of the tree is 16 bytes, not 24 (the reader gives up
/// on a text past 4 GiB, 4,096 times the message bound).
#[derive(Debug, Clone, Copy)]
enum Text<'a> {
    Borrowed(&'a str),
    Decoded { at: u32, len: u32 },
}

/// Where an object's fields or a list's items stand in the tree's items.
#[derive(Debug, Clone, Copy)]
struct Span {
    at: usize,
    len: usize,
}

/// A value as the tree keeps it.
#[derive(Debug, Clone, Copy)]
enum Slot<'a> {
    Null,
    Bool(bool),
    /// A number as it was written.
    Num(&'a str),
    Str(Text<'a>),
    Arr(Span),
    /// An object whose names do not rise in byte order as given: their
    /// byte order stands in the tree's `sorted`, at the same span.
    Obj(Span),
    /// An object whose names rise in byte order as given, as most
    /// messages give them: the rules that sort need not. A variant of its
    /// own, not a flag beside the span, which made every item 8 bytes
    /// longer ([`Slot::object`]).
    Rising(Span),
}

impl Slot<'_> {
    fn object(span: Span, rises: bool) -> Self {
        if rises {
            Slot::Rising(span)
        } else {
            Slot::Obj(span)
        }
    }

    /// An object's fields, and whether its names rise.
    fn as_object(&self) -> Option<(Span, bool)> {
        match *self {
            Slot::Obj(span) => Some((span, false)),
            Slot::Rising(span) => Some((span, true)),
            _ => None,
        }
    }
}

/// A field (a list's item has an empty name).
#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    name: Text<'a>,
    slot: Slot<'a>,
}

/// A JSON object read into a tree: see the module's documentation.
#[derive(Debug)]
pub struct Tree<'a> {
    items: Vec<Item<'a>>,
    /// The fields of the objects being read, moved into `items` when
    /// each closes (so that an object's fields stand side by side).
    open: Vec<Item<'a>>,
    /// The strings that held escapes, decoded.
    decoded: String,
    /// For each object whose names do not rise as given, at its span:
    /// its fields' indices in byte order of their names, sorted once
    /// where the object is read (which is also where a name given twice
    /// is found) for every rule that takes names in that order.
    sorted: Vec<u32>,
    /// What the names are sorted by ([`sort_names`]).
    keys: Vec<u128>,
    root: Span,
    root_rises: bool,
    /// Read from a JSON text ([`Tree::read`]): its borrowed strings hold
    /// no character JSON escapes. A tree of decoded values
    /// ([`from_map`], [`from_pairs`]) may.
    from_text: bool,
}

impl Default for Tree<'_> {
    fn default() -> Self {
        Tree {
            items: Vec::new(),
            open: Vec::new(),
            decoded: String::new(),
            sorted: Vec::new(),
            keys: Vec::new(),
            root: Span { at: 0, len: 0 },
            root_rises: true,
            from_text: false,
        }
    }
}

/// The buffers of a tree, kept from one message to the next (a worker
/// reads thousands): reading into warm buffers allocates nothing.
#[derive(Debug, Default)]
pub struct Spare {
    items: Vec<Item<'static>>,
    open: Vec<Item<'static>>,
    decoded: String,
    sorted: Vec<u32>,
    keys: Vec<u128>,
}

/// An empty vector of items, of any lifetime, in the same allocation:
/// the standard library collects in place when the items' layout is the
/// same, which it is (only the lifetime differs).
// A `filter_map` to nothing, not a `filter`: the item's type changes.
#[allow(clippy::unnecessary_filter_map)]
fn emptied<'b>(mut items: Vec<Item<'_>>) -> Vec<Item<'b>> {
    items.clear();
    items.into_iter().filter_map(|_| None).collect()
}

impl Spare {
    /// An empty tree in these buffers.
    pub fn tree<'a>(&mut self) -> Tree<'a> {
        let mut decoded = std::mem::take(&mut self.decoded);
        decoded.clear();
        Tree {
            items: emptied(std::mem::take(&mut self.items)),
            open: emptied(std::mem::take(&mut self.open)),
            decoded,
            sorted: std::mem::take(&mut self.sorted),
            keys: std::mem::take(&mut self.keys),
            ..Tree::default()
        }
    }

    /// The items and the decoded text a spare keeps between messages at
    /// most: a request's are a few dozen and a few hundred bytes. A
    /// message of 1 MiB (the bound) holding a list of 500,000 numbers
    /// needs 20 MB of items while it is read; kept, each worker would hold
    /// that for the rest of the run.
    const KEEP_ITEMS: usize = 4096;
    const KEEP_TEXT: usize = 64 << 10;

    /// The tree's buffers, kept for the next one (given back down to
    /// [`Spare::KEEP_ITEMS`] and [`Spare::KEEP_TEXT`]).
    pub fn keep(&mut self, tree: Tree<'_>) {
        self.items = emptied(tree.items);
        self.open = emptied(tree.open);
        self.decoded = tree.decoded;
        self.decoded.clear();
        self.sorted = tree.sorted;
        self.sorted.clear();
        self.keys = tree.keys;
        self.keys.clear();
        self.items.shrink_to(Self::KEEP_ITEMS);
        self.open.shrink_to(Self::KEEP_ITEMS);
        self.decoded.shrink_to(Self::KEEP_TEXT);
        self.sorted.shrink_to(Self::KEEP_ITEMS);
        self.keys.shrink_to(Self::KEEP_ITEMS);
    }
}

/// A string of the tree, borrowed from where it is kept.
fn resolve<'s>(decoded: &'s str, text: Text<'s>) -> &'s str {
    match text {
        Text::Borrowed(s) => s,
        Text::Decoded { at, len } => {
            let (at, len) = (at as usize, len as usize);
            decoded.get(at..at + len).unwrap_or_default()
        }
    }
}

impl<'a> Tree<'a> {
    /// Read `text` as one JSON object into this tree (emptied first),
    /// in one pass: whether it is written compact (no white space
    /// between its tokens), or `None` where serde_json must say (a
    /// string with a control character or a lone surrogate, deep
    /// nesting, a name given twice, serde_json's number token, anything
    /// that is not JSON: see [`scan`]).
    pub fn read(&mut self, text: &'a str) -> Option<bool> {
        self.items.clear();
        self.open.clear();
        self.decoded.clear();
        self.sorted.clear();
        self.from_text = true;
        let (root, rises, spaced) = scan::object(self, text)?;
        self.root = root;
        self.root_rises = rises;
        Some(!spaced)
    }

    /// The object at the top.
    pub fn root(&self) -> Obj<'_> {
        self.obj(self.root, self.root_rises)
    }

    /// The object whose fields stand at `span`.
    fn obj(&self, span: Span, rises: bool) -> Obj<'_> {
        Obj {
            tree: self,
            items: self.items(span),
            order: match rises {
                true => &[],
                false => self
                    .sorted
                    .get(span.at..span.at + span.len)
                    .unwrap_or_default(),
            },
        }
    }

    fn items(&self, span: Span) -> &[Item<'a>] {
        self.items
            .get(span.at..span.at + span.len)
            .unwrap_or_default()
    }

    fn text(&self, text: Text<'a>) -> &str {
        resolve(&self.decoded, text)
    }

    /// The fields gathered in `open` from `from` on, moved side by side
    /// into the items.
    fn close(&mut self, from: usize) -> Span {
        let at = self.items.len();
        // Copied at once (items are plain data), then let go of.
        self.items.extend_from_slice(&self.open[from..]);
        self.open.truncate(from);
        Span {
            at,
            len: self.items.len() - at,
        }
    }

    /// The fields at `span` sorted in byte order of their names, into
    /// `sorted` at the same span: whether no name is given twice.
    fn sort(&mut self, span: Span) -> bool {
        let end = span.at + span.len;
        if self.sorted.len() < end {
            self.sorted.resize(end, 0);
        }
        let (items, decoded) = (&self.items[span.at..end], &self.decoded);
        let name = |i: u32| resolve(decoded, items[i as usize].name);
        sort_names(&mut self.sorted[span.at..end], name, &mut self.keys)
    }

    /// An object of fields given one by one, their names' order told and
    /// kept (a name given twice, as form pairs may give it, too).
    fn close_object(&mut self, from: usize) -> Slot<'a> {
        let rises = self.open[from..]
            .windows(2)
            .all(|w| self.text(w[0].name) < self.text(w[1].name));
        let span = self.close(from);
        if !rises {
            self.sort(span);
        }
        Slot::object(span, rises)
    }

    fn add_value(&mut self, value: &'a Value) -> Slot<'a> {
        match value {
            Value::Null => Slot::Null,
            Value::Bool(b) => Slot::Bool(*b),
            Value::Number(n) => Slot::Num(n.as_str()),
            Value::String(s) => Slot::Str(Text::Borrowed(s)),
            Value::Array(items) => {
                let from = self.open.len();
                for item in items {
                    let slot = self.add_value(item);
                    self.open.push(Item {
                        name: Text::Borrowed(""),
                        slot,
                    });
                }
                Slot::Arr(self.close(from))
            }
            Value::Object(fields) => self.add_fields(fields),
        }
    }

    fn add_fields(&mut self, fields: &'a Map<String, Value>) -> Slot<'a> {
        let from = self.open.len();
        for (k, v) in fields {
            let slot = self.add_value(v);
            self.open.push(Item {
                name: Text::Borrowed(k),
                slot,
            });
        }
        self.close_object(from)
    }

    fn set_root(&mut self, slot: Slot<'a>) {
        if let Some((span, rises)) = slot.as_object() {
            self.root = span;
            self.root_rises = rises;
        }
    }
}

/// A map's fields as a tree borrowed from it.
pub fn from_map(fields: &Map<String, Value>) -> Tree<'_> {
    let mut tree = Tree::default();
    let root = tree.add_fields(fields);
    tree.set_root(root);
    tree
}

/// Form pairs (`NAME=value`) as a tree of strings borrowed from them.
pub fn from_pairs(pairs: &[(String, String)]) -> Tree<'_> {
    let mut tree = Tree::default();
    for (k, v) in pairs {
        tree.open.push(Item {
            name: Text::Borrowed(k),
            slot: Slot::Str(Text::Borrowed(v)),
        });
    }
    let root = tree.close_object(0);
    tree.set_root(root);
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The object read, as serde_json holds it; `None` where the reader
    /// gives up.
    fn read(text: &str) -> Option<Map<String, Value>> {
        let mut tree = Tree::default();
        tree.read(text)?;
        Some(tree.root().to_map())
    }

    proptest::proptest! {
        // Written as serde_json writes it, whatever it holds.
        #[test]
        fn strings_are_written_as_serde_json_writes_them(text in "(\\PC|[\"\\\\\u{0}-\u{1f}\u{7f}\u{2028}])*") {
            let mut out = Vec::new();
            write_str(&text, &mut out);
            proptest::prop_assert_eq!(out, serde_json::to_vec(&text).unwrap());
        }
    }

    #[test]
    fn the_reader_refuses_what_repeated_name_finds() {
        assert!(read(r#"{"amount":"9","amount":"1"}"#).is_none());
        assert!(read(r#"{"a":[{"b":1,"b":2}]}"#).is_none());
        assert!(read(r#"{"a":{"b":1},"c":{"b":2},"n":1.50}"#).is_some());
        // Many names, not in byte order (`k10` before `k2`), all sorted
        // once the object is read: the repeat is found beside the name
        // it repeats, wherever it was given.
        let many: Vec<String> = (0..200).map(|i| format!("\"k{i}\":{i}")).collect();
        let text = format!("{{{}}}", many.join(","));
        assert_eq!(read(&text).unwrap().len(), 200);
        let text = format!("{{{},\"k77\":1}}", many.join(","));
        assert!(read(&text).is_none());
        // Escaped or not; alike in their first 12 bytes or not.
        let text = format!("{{{},\"k\\u0033\":1}}", many.join(","));
        assert!(read(&text).is_none());
        let text = format!("{{{},\"k199\":1}}", many.join(","));
        assert!(read(&text).is_none());
        let alike =
            r#"{"paymentMeanBrandList":"A","paymentMeanBrand":"B","paymentMeanBrandList":"C"}"#;
        assert!(read(alike).is_none());
        let alike = r#"{"paymentMeanBrandList":"A","paymentMeanBrand":"B"}"#;
        let tree = {
            let mut tree = Tree::default();
            tree.read(alike).unwrap();
            tree
        };
        let order: Vec<&str> = tree.root().by_name().map(|i| tree.root().name(i)).collect();
        assert_eq!(order, ["paymentMeanBrand", "paymentMeanBrandList"]);
    }

    #[test]
    fn serde_jsons_number_token_is_left_to_serde_json() {
        // The token is also a name any text may give: the reader leaves it
        // to serde_json (the general path), which takes its value for a
        // number only if it reads as one, or a writer would write
        // arbitrary text raw into the sealed message
        // (`"1,\"vads_amount\":\"1"`: a second field, sealed).
        let injected = r#"{"a":"1","x":{"$serde_json::private::Number":"1,\"a\":\"2"}}"#;
        assert!(read(injected).is_none());
        assert!(serde_json::from_str::<Value>(injected).is_err());
        for text in [
            r#"{"x":{"$serde_json::private::Number":"1"}}"#,
            r#"{"$serde_json::private::Number":"1"}"#,
        ] {
            assert!(read(text).is_none(), "{text}");
        }
    }

    #[test]
    fn strings_are_borrowed_unless_escaped_and_numbers_keep_their_text() {
        let text = r#"{"a":"x","b":"\u00e8","n":1.50,"m":{"é":[true,null]}}"#;
        let mut tree = Tree::default();
        assert_eq!(tree.read(text), Some(true));
        let f = tree.root();
        assert_eq!(f.as_written(0), Some("x"));
        assert_eq!(f.as_written(1), None);
        assert_eq!(f.value(1).flat(), Some("è"));
        assert_eq!(f.value(2).flat(), Some("1.50"));
        let mut out = vec![b'{'];
        for i in 0..f.len() {
            if i > 0 {
                out.push(b',');
            }
            f.write_name(i, &mut out);
            out.push(b':');
            f.write_value(i, &mut out);
        }
        out.push(b'}');
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":"x","b":"è","n":1.50,"m":{"é":[true,null]}}"#
        );
        let map: Map<String, Value> = serde_json::from_str(r#"{"n":1.50,"s":"\u00e8"}"#).unwrap();
        let tree = from_map(&map);
        assert_eq!(tree.root().value(0).flat(), Some("1.50"));
        assert_eq!(tree.root().value(1).flat(), Some("è"));
    }

    #[test]
    fn an_item_is_forty_bytes() {
        // A string's place beside the borrowed string's pointer, an
        // object's order as its variant: 56 bytes an item before, which
        // a message of many small values held twice while read.
        assert!(std::mem::size_of::<Item>() <= 40);
    }

    #[test]
    fn decoded_values_are_written_escaped() {
        // A map's strings are decoded: a quote in one is no end of it.
        let map: Map<String, Value> =
            serde_json::from_str(r#"{"a\"b":"x\",\"seal\":\"y","n":[{"m":"\u0001"}]}"#).unwrap();
        let tree = from_map(&map);
        let (f, mut out) = (tree.root(), Vec::new());
        for i in 0..f.len() {
            f.write_name(i, &mut out);
            f.write_value(i, &mut out);
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""a\"b""x\",\"seal\":\"y""n"[{"m":"\u0001"}]"#
        );
    }

    #[test]
    fn nested_fields_stand_where_they_were_given() {
        let text = r#"{"z":{"b":[1,{"c":"d\u00e8","a":[]}],"e":"f"},"g":[],"a":{}}"#;
        let mut tree = Tree::default();
        tree.read(text).unwrap();
        assert_eq!(
            Value::Object(tree.root().to_map()),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert!(!tree.root().names_rise());
        let Node::Obj(z) = tree.root().value(0) else {
            panic!("an object")
        };
        assert!(z.names_rise());
        let map: Map<String, Value> = serde_json::from_str(text).unwrap();
        assert_eq!(from_map(&map).root().to_map(), map);
    }

    #[test]
    fn a_spare_keeps_its_buffers_from_one_message_to_the_next() {
        let mut spare = Spare::default();
        let first = r#"{"a":{"b":"\u00e8"},"c":[1,2]}"#.to_string();
        let mut tree = spare.tree();
        tree.read(&first).unwrap();
        let (items, decoded) = (tree.items.as_ptr(), tree.decoded.as_ptr());
        spare.keep(tree);
        let second = r#"{"x":"\u00e9"}"#.to_string();
        let mut tree = spare.tree();
        tree.read(&second).unwrap();
        assert_eq!(tree.items.as_ptr(), items);
        assert_eq!(tree.decoded.as_ptr(), decoded);
        assert_eq!(tree.root().value(0).flat(), Some("é"));
        assert_eq!(tree.root().len(), 1);
        spare.keep(tree);
        // A message of many items read, its buffers given back down.
        let many = format!(
            "{{\"a\":[{}],\"b\":\"{}\"}}",
            vec!["1"; 100_000].join(","),
            "\\u00e9".repeat(50_000)
        );
        let mut tree = spare.tree();
        tree.read(&many).unwrap();
        assert!(tree.items.capacity() >= 100_000);
        spare.keep(tree);
        assert!(spare.items.capacity() <= Spare::KEEP_ITEMS);
        assert!(spare.open.capacity() <= Spare::KEEP_ITEMS);
        assert!(spare.decoded.capacity() <= Spare::KEEP_TEXT);
    }
}
