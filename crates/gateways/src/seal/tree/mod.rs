//! A message as the seal rules read it: a JSON object as a tree borrowed
//! from its text, fields in message order. A reader of the JSON that
//! messages hold ([`scan`]) reads it in one pass, and serde_json what
//! that reader gives up on (no hashing either way); a string is borrowed
//! from the text unless it holds an escape (`\u00e8`), which is decoded;
//! a number keeps the text it was written with (`arbitrary_precision`),
//! since a seal covers that text. A message read as a
//! `serde_json::Map`, or as form pairs, is viewed as the same tree
//! ([`from_map`], [`from_pairs`]), so that every rule is written once,
//! over this tree.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::hash::BuildHasher as _;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

mod scan;

/// An object's fields, in message order.
pub type Fields<'a> = Vec<(Cow<'a, str>, Node<'a>)>;

/// A JSON value, borrowed from the text where it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    /// A number as it was written.
    Num(Cow<'a, str>),
    Str(Cow<'a, str>),
    Arr(Vec<Node<'a>>),
    Obj(Fields<'a>),
}

impl Node<'_> {
    /// The text of a flat value (strings and numbers as written,
    /// booleans `true`/`false`, null empty), or `None` for a container.
    pub fn flat(&self) -> Option<&str> {
        match self {
            Node::Str(s) | Node::Num(s) => Some(s),
            Node::Bool(true) => Some("true"),
            Node::Bool(false) => Some("false"),
            Node::Null => Some(""),
            Node::Arr(_) | Node::Obj(_) => None,
        }
    }
}

/// serde_json's private name for a number kept as text
/// (`arbitrary_precision`): numbers reach a visitor as a one-entry map.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// The text, read as one JSON object: `None` when it is not one, is not
/// JSON, or gives a name twice in one object at any depth (such a message
/// is refused by its reader, [`repeated_name`] says which name).
pub fn read_object(text: &str) -> Option<Fields<'_>> {
    read_message(text).map(|(fields, _)| fields)
}

/// [`read_object`], and whether the object is written compact (no white
/// space between its tokens) when the fast reader could say: it passes
/// every byte between tokens, so that a writer need not look again.
/// `None` for what serde_json read, which does not say.
pub fn read_message(text: &str) -> Option<(Fields<'_>, Option<bool>)> {
    // Most messages are read by the fast reader; what it gives up on,
    // serde_json reads.
    if let Some((fields, spaced)) = scan::object(text) {
        return Some((fields, Some(!spaced)));
    }
    match serde_json::from_str(text).ok()? {
        Node::Obj(fields) => Some((fields, None)),
        _ => None,
    }
}

/// A map's fields as a tree borrowed from it.
pub fn from_map(fields: &Map<String, Value>) -> Fields<'_> {
    fields
        .iter()
        .map(|(k, v)| (Cow::Borrowed(k.as_str()), from_value(v)))
        .collect()
}

fn from_value(value: &Value) -> Node<'_> {
    match value {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Number(n) => Node::Num(Cow::Borrowed(n.as_str())),
        Value::String(s) => Node::Str(Cow::Borrowed(s)),
        Value::Array(items) => Node::Arr(items.iter().map(from_value).collect()),
        Value::Object(m) => Node::Obj(from_map(m)),
    }
}

/// Form pairs (`NAME=value`) as a tree of strings borrowed from them.
pub fn from_pairs(pairs: &[(String, String)]) -> Fields<'_> {
    pairs
        .iter()
        .map(|(k, v)| (Cow::Borrowed(k.as_str()), Node::Str(Cow::Borrowed(v))))
        .collect()
}

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

/// A value written compact, as serde_json writes a `Value`: numbers as
/// their text.
pub fn write_compact(node: &Node, out: &mut Vec<u8>) {
    write_node(node, out, escaped);
}

/// An object written compact.
pub fn write_fields(fields: &[(Cow<str>, Node)], out: &mut Vec<u8>) {
    write_object(fields, out, escaped);
}

/// A value of a tree read from a JSON text ([`read_object`],
/// [`read_message`]) written compact, as [`write_compact`] writes it:
/// a string borrowed from the text is written as it is (JSON forbids in
/// a string the characters serde_json escapes, which the readers refuse
/// raw, so there is nothing to look for: looking cost seal a spaced line
/// as much as reading it, issue 27). Not for a tree of decoded values
/// ([`from_map`], [`from_pairs`]), whose borrowed strings may hold them.
pub fn write_read(node: &Node, out: &mut Vec<u8>) {
    write_node(node, out, write_read_str);
}

/// A string of a tree read from a JSON text, as [`write_read`] writes it.
// The Cow itself, not its text: whether it is borrowed is what tells.
#[allow(clippy::ptr_arg)]
pub fn write_read_str(s: &Cow<str>, out: &mut Vec<u8>) {
    match s {
        Cow::Borrowed(s) => {
            out.reserve(s.len() + 2);
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        Cow::Owned(s) => write_str(s, out),
    }
}

/// How a walk writes a string (name or value).
type WriteString = fn(&Cow<str>, &mut Vec<u8>);

/// A string escaped as serde_json escapes it, whatever it holds.
// A `WriteString`, as `write_read_str` is: the same parameter type.
#[allow(clippy::ptr_arg)]
fn escaped(s: &Cow<str>, out: &mut Vec<u8>) {
    write_str(s, out);
}

/// The one walk of the compact writers, strings written by `string`.
fn write_node(node: &Node, out: &mut Vec<u8>, string: WriteString) {
    match node {
        Node::Null => out.extend_from_slice(b"null"),
        Node::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Node::Num(n) => out.extend_from_slice(n.as_bytes()),
        Node::Str(s) => string(s, out),
        Node::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_node(item, out, string);
            }
            out.push(b']');
        }
        Node::Obj(fields) => write_object(fields, out, string),
    }
}

fn write_object(fields: &[(Cow<str>, Node)], out: &mut Vec<u8>, string: WriteString) {
    out.push(b'{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(k, out);
        out.push(b':');
        write_node(v, out, string);
    }
    out.push(b'}');
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(b))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Node<'de>, E> {
        Ok(Node::Num(Cow::Owned(n.to_string())))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Node<'de>, E> {
        Ok(Node::Num(Cow::Owned(n.to_string())))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Node<'de>, E> {
        Ok(Node::Num(Cow::Owned(n.to_string())))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut fields: Fields<'de> = Vec::with_capacity(24);
        let mut seen = Seen::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if fields.is_empty() && key.0 == NUMBER_TOKEN {
                // The token is also a name any text may give: its value is
                // a number only if it reads as one, the check serde_json
                // makes (`NumberFromString`), or `write_compact` would
                // write arbitrary text raw into the sealed message
                // (`"1,\"vads_amount\":\"1"`: a second field, sealed).
                // Refused as serde_json refuses it, so that the general
                // path, which reads with serde_json, says the same.
                let text: Key<'de> = map.next_value()?;
                if text.0.parse::<serde_json::Number>().is_err() {
                    return Err(de::Error::custom("invalid number"));
                }
                return Ok(Node::Num(text.0));
            }
            if seen.again(&key.0, &fields) {
                return Err(de::Error::custom("a name given twice"));
            }
            let value: Node<'de> = map.next_value()?;
            fields.push((key.0, value));
        }
        Ok(Node::Obj(fields))
    }
}

/// The names of one object seen so far, told apart in one look: a bit
/// per bucket of (length, first, middle and last byte), and the names
/// compared only when a bucket is hit again. A name given twice is found
/// where it is read, at every depth, for a few nanoseconds a name.
///
/// Past [`Seen::FEW`] names the 256 buckets are all hit, and comparing
/// every name with all those before it made reading an object of 30,000
/// names quadratic (5 s for 600 KB, issue 26 O3): the names' hashes are
/// then kept in a set, and the names compared only when a hash is seen
/// again (a name given twice, or a collision of 64-bit hashes).
#[derive(Default)]
struct Seen {
    buckets: [u64; 4],
    hashes: Option<HashSet<u64>>,
}

impl Seen {
    /// The names after which the buckets give way to the hashes.
    const FEW: usize = 64;

    fn again(&mut self, name: &str, before: &[(Cow<str>, Node)]) -> bool {
        if let Some(hashes) = &mut self.hashes {
            return !hashes.insert(hash_name(name)) && before.iter().any(|(k, _)| k == name);
        }
        let b = name.as_bytes();
        let at = |i: usize| u32::from(b.get(i).copied().unwrap_or(0));
        let mix = (b.len() as u32).wrapping_mul(0x9E37_79B1)
            ^ at(0).wrapping_mul(0x85EB_CA77)
            ^ at(b.len() / 2).wrapping_mul(0xC2B2_AE3D)
            ^ at(b.len().wrapping_sub(1)).wrapping_mul(0x27D4_EB2F);
        let bucket = (mix >> 24) as usize;
        let (word, bit) = (bucket / 64, 1u64 << (bucket % 64));
        if self.buckets[word] & bit == 0 {
            self.buckets[word] |= bit;
            return false;
        }
        if before.len() >= Self::FEW {
            let mut hashes: HashSet<u64> = before.iter().map(|(k, _)| hash_name(k)).collect();
            let new = hashes.insert(hash_name(name));
            self.hashes = Some(hashes);
            if new {
                return false;
            }
        }
        before.iter().any(|(k, _)| k == name)
    }
}

/// A name's hash, keyed at random once per run: names chosen to collide
/// cannot be written in advance.
fn hash_name(name: &str) -> u64 {
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    KEYS.get_or_init(Default::default).hash_one(name)
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node<'de>, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// A string, borrowed from the input when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The first name given twice in one object of this JSON text, at any
/// depth, if any. Such a message is refused by both ends alike — `seal
/// verify` and the sandbox's Office Server: JSON readers keep one value
/// or the other, so the gateway and the merchant may not read the same
/// message (and its seal says nothing of which).
pub fn repeated_name(text: &[u8]) -> Option<String> {
    struct First(Option<String>);
    struct Look;
    impl<'de> Deserialize<'de> for First {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<First, D::Error> {
            d.deserialize_any(Look)
        }
    }
    impl<'de> Visitor<'de> for Look {
        type Value = First;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<First, A::Error> {
            let mut seen = std::collections::HashSet::new();
            let mut found = None;
            while let Some(k) = map.next_key::<Cow<'de, str>>()? {
                let inner: First = map.next_value()?;
                if found.is_none() {
                    if !seen.insert(k.to_string()) {
                        found = Some(k.into_owned());
                    } else {
                        found = inner.0;
                    }
                }
            }
            Ok(First(found))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<First, A::Error> {
            let mut found = None;
            while let Some(inner) = seq.next_element::<First>()? {
                found = found.or(inner.0);
            }
            Ok(First(found))
        }
        fn visit_bool<E>(self, _: bool) -> Result<First, E> {
            Ok(First(None))
        }
        fn visit_i64<E>(self, _: i64) -> Result<First, E> {
            Ok(First(None))
        }
        fn visit_u64<E>(self, _: u64) -> Result<First, E> {
            Ok(First(None))
        }
        fn visit_f64<E>(self, _: f64) -> Result<First, E> {
            Ok(First(None))
        }
        fn visit_str<E>(self, _: &str) -> Result<First, E> {
            Ok(First(None))
        }
        fn visit_unit<E>(self) -> Result<First, E> {
            Ok(First(None))
        }
    }
    serde_json::from_slice::<First>(text).ok().and_then(|f| f.0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_name_given_twice_is_found_at_any_depth() {
        assert_eq!(
            repeated_name(br#"{"amount":"9","amount":"1"}"#).as_deref(),
            Some("amount")
        );
        assert_eq!(
            repeated_name(br#"{"a":[{"b":1,"b":2}]}"#).as_deref(),
            Some("b")
        );
        assert_eq!(
            repeated_name(br#"{"a":{"b":1},"c":{"b":2},"n":1.50}"#),
            None
        );
        assert_eq!(repeated_name(b"not json"), None);
    }

    #[test]
    fn the_reader_refuses_what_repeated_name_finds() {
        assert!(read_object(r#"{"amount":"9","amount":"1"}"#).is_none());
        assert!(read_object(r#"{"a":[{"b":1,"b":2}]}"#).is_none());
        assert!(read_object(r#"{"a":{"b":1},"c":{"b":2},"n":1.50}"#).is_some());
        // Many names, so that buckets are hit again without a repeat.
        let many: Vec<String> = (0..200).map(|i| format!("\"k{i}\":{i}")).collect();
        let text = format!("{{{}}}", many.join(","));
        assert_eq!(read_object(&text).unwrap().len(), 200);
        let text = format!("{{{},\"k77\":1}}", many.join(","));
        assert!(read_object(&text).is_none());
        // Past the buckets, the hashes: a name repeated far from where it
        // was first given, escaped or not.
        let text = format!("{{{},\"k\\u0033\":1}}", many.join(","));
        assert!(read_object(&text).is_none());
        let text = format!("{{{},\"k199\":1}}", many.join(","));
        assert!(read_object(&text).is_none());
    }

    #[test]
    fn serde_jsons_number_token_is_a_number_only_when_its_text_is_one() {
        // Refused as serde_json refuses it: nothing that is not a JSON
        // number is kept as one, to be written raw.
        let injected = r#"{"a":"1","x":{"$serde_json::private::Number":"1,\"a\":\"2"}}"#;
        assert!(read_object(injected).is_none());
        assert!(serde_json::from_str::<Value>(injected).is_err());
        for bad in [
            "", " 1", "1 ", "01", "1.", "+1", "0x1", "1e", "\"1\"", "NaN",
        ] {
            let text = format!(r#"{{"x":{{"$serde_json::private::Number":"{bad}"}}}}"#);
            assert!(read_object(&text).is_none(), "{bad:?}");
            assert!(serde_json::from_str::<Value>(&text).is_err(), "{bad:?}");
        }
        let text = r#"{"x":{"$serde_json::private::Number":"-1.50e+3"}}"#;
        let f = read_object(text).unwrap();
        assert_eq!(f[0].1, Node::Num(Cow::Borrowed("-1.50e+3")));
        let mut out = Vec::new();
        write_fields(&f, &mut out);
        assert_eq!(
            out,
            serde_json::to_vec(&serde_json::from_str::<Value>(text).unwrap()).unwrap()
        );
    }

    #[test]
    fn strings_are_borrowed_unless_escaped_and_numbers_keep_their_text() {
        let f = read_object(r#"{"a":"x","b":"\u00e8","n":1.50,"m":{"é":[true,null]}}"#).unwrap();
        assert!(matches!(&f[0].1, Node::Str(Cow::Borrowed("x"))));
        assert_eq!(f[1].1, Node::Str(Cow::Owned("è".into())));
        assert_eq!(f[2].1.flat(), Some("1.50"));
        let mut out = Vec::new();
        write_fields(&f, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":"x","b":"è","n":1.50,"m":{"é":[true,null]}}"#
        );
        let map: Map<String, Value> = serde_json::from_str(r#"{"n":1.50,"s":"\u00e8"}"#).unwrap();
        assert_eq!(from_map(&map)[0].1.flat(), Some("1.50"));
        assert_eq!(from_map(&map)[1].1.flat(), Some("è"));
    }
}
