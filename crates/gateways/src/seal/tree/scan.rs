//! The reader of the fast path: a JSON object read into the tree in one
//! pass over its text, for the messages merchants send (strings, with or
//! without escapes, numbers written plainly, objects and lists nested a
//! few levels). It reads a subset of JSON, and gives up on the rest
//! (`None`: a string with a control character or a lone surrogate, nesting deeper than [`DEPTH`], a name given twice,
//! serde_json's number token, anything that is not JSON), which the
//! general path reads with serde_json: what this reader gives is what
//! serde_json gives, which the property tests below hold it to.

use super::{resolve, Item, Slot, Span, Text, Tree};
use crate::seal::byte_order;

/// serde_json's private name for a number kept as text
/// (`arbitrary_precision`): any text may give it as a name too, which
/// serde_json then reads as a number, or refuses.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Levels of objects and lists past which the reader gives up (serde_json
/// refuses past 128).
const DEPTH: usize = 32;

/// `text` read as one JSON object into `tree`: where its fields stand,
/// whether its names rise, and whether white space stood between its
/// tokens (before and after the object does not count); `None` where
/// serde_json must say.
pub(super) fn object<'a>(tree: &mut Tree<'a>, text: &'a str) -> Option<(Span, bool, bool)> {
    let mut r = Reader {
        text,
        at: 0,
        spaced: false,
        tree,
    };
    r.space();
    if r.peek()? != b'{' {
        return None;
    }
    r.spaced = false;
    let (span, rises) = r.object(0)?.as_object()?;
    let spaced = r.spaced;
    r.space();
    (r.at == text.len()).then_some((span, rises, spaced))
}

struct Reader<'a, 't> {
    text: &'a str,
    at: usize,
    /// Whether white space was passed between tokens.
    spaced: bool,
    tree: &'t mut Tree<'a>,
}

impl<'a> Reader<'a, '_> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    /// JSON's white space: space, tab, line feed, carriage return.
    fn space(&mut self) {
        let from = self.at;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
        self.spaced |= self.at != from;
    }

    /// `byte`, after white space.
    fn eat(&mut self, byte: u8) -> Option<()> {
        self.space();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// An object, its `{` next: its fields gathered in the tree's open
    /// fields, then moved side by side into its items.
    fn object(&mut self, depth: usize) -> Option<Slot<'a>> {
        if depth >= DEPTH {
            return None;
        }
        self.at += 1;
        let from = self.tree.open.len();
        // Names in strictly rising order (as most messages give them:
        // Sips sorts its own) cannot repeat: each is only compared with
        // the one before. Names in any other order (a seal added last, a
        // message built in no order) are sorted once the object is read,
        // for the rules that take them in byte order, and a name given
        // twice is then found beside itself. Looking each name up among
        // those before it, as it was read, cost as long as reading the
        // object (issue 27).
        let mut rises = true;
        self.space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(Slot::Rising(self.tree.close(from)));
        }
        loop {
            self.eat(b'"')?;
            let name = self.string()?;
            let tree = &*self.tree;
            let text = resolve(&tree.decoded, name);
            if text == NUMBER_TOKEN {
                return None;
            }
            rises = rises
                && tree.open[from..].last().is_none_or(|last| {
                    let last = resolve(&tree.decoded, last.name);
                    byte_order(last.as_bytes(), text.as_bytes()).is_lt()
                });
            self.eat(b':')?;
            let slot = self.value(depth)?;
            self.tree.open.push(Item { name, slot });
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    let span = self.tree.close(from);
                    // A name given twice: serde_json must say.
                    if !rises && !self.tree.sort(span) {
                        return None;
                    }
                    return Some(Slot::object(span, rises));
                }
                _ => return None,
            }
        }
    }

    /// A list, its `[` next.
    fn list(&mut self, depth: usize) -> Option<Slot<'a>> {
        if depth >= DEPTH {
            return None;
        }
        self.at += 1;
        let from = self.tree.open.len();
        self.space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(Slot::Arr(self.tree.close(from)));
        }
        loop {
            let slot = self.value(depth)?;
            self.tree.open.push(Item {
                name: Text::Borrowed(""),
                slot,
            });
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(Slot::Arr(self.tree.close(from)));
                }
                _ => return None,
            }
        }
    }

    // Inlined where it is read (in an object, in a list): returned
    // through memory, its result was read back before the store was done,
    // a third of reading an object (issue 27).
    #[inline(always)]
    fn value(&mut self, depth: usize) -> Option<Slot<'a>> {
        self.space();
        Some(match self.peek()? {
            b'"' => {
                self.at += 1;
                Slot::Str(self.string()?)
            }
            b'{' => self.object(depth + 1)?,
            b'[' => self.list(depth + 1)?,
            b't' => self.word("true", Slot::Bool(true))?,
            b'f' => self.word("false", Slot::Bool(false))?,
            b'n' => self.word("null", Slot::Null)?,
            _ => Slot::Num(self.number()?),
        })
    }

    fn word(&mut self, word: &str, slot: Slot<'a>) -> Option<Slot<'a>> {
        self.bytes()[self.at..]
            .starts_with(word.as_bytes())
            .then(|| self.at += word.len())?;
        Some(slot)
    }

    /// A number (`-12`, `0.50`, `1E+5`): its text, as serde_json keeps it
    /// (`arbitrary_precision`), since a seal covers that text.
    fn number(&mut self) -> Option<&'a str> {
        let b = self.bytes();
        let start = self.at;
        let mut at = start + usize::from(b.get(start) == Some(&b'-'));
        let digits = |at: usize| b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        match digits(at) {
            0 => return None,
            // A leading zero stands alone (`01` is no JSON number).
            n if n > 1 && b[at] == b'0' => return None,
            n => at += n,
        }
        if b.get(at) == Some(&b'.') {
            match digits(at + 1) {
                0 => return None,
                n => at += 1 + n,
            }
        }
        if let Some(b'e' | b'E') = b.get(at) {
            let mut e = at + 1;
            if let Some(b'+' | b'-') = b.get(e) {
                e += 1;
            }
            match digits(e) {
                0 => return None,
                n => at = e + n,
            }
        }
        self.at = at;
        Some(&self.text[start..at])
    }

    /// A string, its opening quote passed: borrowed from the text unless
    /// it holds an escape, then decoded into the tree's text.
    #[inline(always)]
    fn string(&mut self) -> Option<Text<'a>> {
        let start = self.at;
        let end = self.special(start)?;
        if self.bytes()[end] == b'"' {
            self.at = end + 1;
            return Some(Text::Borrowed(&self.text[start..end]));
        }
        self.escaped(start, end)
    }

    /// Where the first quote or backslash from `from` on stands; `None`
    /// at a control character or at the end.
    #[inline]
    fn special(&self, from: usize) -> Option<usize> {
        Some(from + special(&self.bytes()[from..])?)
    }

    /// A string that holds an escape, at `end` (its text from `start`),
    /// decoded. Apart from the string without one, which most are: its
    /// registers saved for every string cost a sixth of reading one.
    #[inline(never)]
    fn escaped(&mut self, start: usize, end: usize) -> Option<Text<'a>> {
        let at = self.tree.decoded.len();
        self.tree.decoded.push_str(&self.text[start..end]);
        self.at = end;
        loop {
            // At a quote or a backslash (a control character gave up).
            if self.bytes()[self.at] == b'"' {
                self.at += 1;
                let len = self.tree.decoded.len() - at;
                // Past 4 GiB (never: messages are bounded far below), the
                // general path reads it.
                let (at, len) = (u32::try_from(at).ok()?, u32::try_from(len).ok()?);
                return Some(Text::Decoded { at, len });
            }
            // One escape, decoded as every reader of a JSON escape
            // decodes it (`paylot_cli::json_escape::decode_at`).
            let (c, len) = paylot_cli::json_escape::decode_at(&self.bytes()[self.at..])?;
            self.tree.decoded.push(c);
            self.at += len;
            let from = self.at;
            let to = self.special(from)?;
            self.tree.decoded.push_str(&self.text[from..to]);
            self.at = to;
        }
    }
}

/// Where the first quote or backslash of `bytes` stands; `None` at a
/// control character (which JSON forbids in a string) or at the end.
#[inline]
fn special(bytes: &[u8]) -> Option<usize> {
    first_escaped(bytes).filter(|at| bytes[*at] >= 0x20)
}

/// Where the first byte of `bytes` that a JSON string escapes stands: a
/// quote, a backslash or a control character. Eight bytes are looked at
/// a time: such a byte sets its high bit in the mask (the first one set
/// is exact; a borrow may set bits after it, which are not looked at).
#[inline]
pub(super) fn first_escaped(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut at = 0;
    while let Some(eight) = bytes.get(at..at + 8) {
        let v = u64::from_le_bytes([
            eight[0], eight[1], eight[2], eight[3], eight[4], eight[5], eight[6], eight[7],
        ]);
        let mask = zero(v ^ (ONES * u64::from(b'"')))
            | zero(v ^ (ONES * u64::from(b'\\')))
            | (v.wrapping_sub(ONES * 0x20) & !v & HIGH);
        if mask != 0 {
            return Some(at + (mask.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let i = bytes[at..]
        .iter()
        .position(|b| matches!(b, b'"' | b'\\') || *b < 0x20)?;
    Some(at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;
    use serde_json::Value;

    /// The object this reader reads, written as serde_json writes it (in
    /// field order, numbers as their text); with whether its names rose
    /// and whether it was spaced.
    fn read(text: &str) -> Option<(String, bool, bool)> {
        let mut tree = Tree::default();
        let compact = tree.read(text)?;
        let root = tree.root();
        Some((
            Value::Object(root.to_map()).to_string(),
            root.names_rise(),
            !compact,
        ))
    }

    /// The fields this reader reads, as [`serde`] writes them.
    fn fields(text: &str) -> Option<String> {
        read(text).map(|(fields, ..)| fields)
    }

    /// What serde_json reads, written again.
    fn serde(text: &str) -> Option<String> {
        match serde_json::from_str(text).ok()? {
            Value::Object(fields) => Some(Value::Object(fields).to_string()),
            _ => None,
        }
    }

    /// Whether white space stands outside strings, byte by byte.
    fn white_space_between_tokens(text: &str) -> bool {
        let (mut in_string, mut escaped) = (false, false);
        for b in text.trim().bytes() {
            match (in_string, escaped, b) {
                (true, true, _) => escaped = false,
                (true, false, b'\\') => escaped = true,
                (_, false, b'"') => in_string = !in_string,
                (false, _, b' ' | b'\t' | b'\r' | b'\n') => return true,
                _ => {}
            }
        }
        false
    }

    #[test]
    fn white_space_between_tokens_is_told() {
        for (text, spaced) in [
            (r#"{"a":"b c","d":["e f",{"g":" "}]}"#, false),
            (r#" {"a":1}	"#, false),
            (r#"{"a": 1}"#, true),
            (r#"{ "a":1}"#, true),
            (r#"{"a":[1 ]}"#, true),
            ("{\"a\":{\"b\":1}\r\n}", true),
        ] {
            assert_eq!(read(text).map(|(.., s)| s), Some(spaced), "{text}");
        }
    }

    #[test]
    fn reads_what_merchants_send_as_serde_json_does() {
        for text in [
            r#"{"amount":"2500","customerContact":{"email":"a@b.c"},"n":-1.50,"z":0}"#,
            r#" { "a" : [ 1 , "x" , true , false , null , { } , [ ] ] } "#,
            r#"{"t":"H\u00e9l\u00e8ne \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}"#,
            r#"{"café":"crème brûlée","k":"😀"}"#,
            r#"{"a":1e5,"b":-0.5E+03,"c":2e-7,"d":0E0}"#,
            "{}",
        ] {
            assert_eq!(fields(text), serde(text), "{text}");
            assert!(fields(text).is_some(), "{text}");
        }
        let mut tree = Tree::default();
        tree.read(r#"{"a":"x","b":"\u00e8"}"#).unwrap();
        assert_eq!(tree.root().as_written(0), Some("x"));
        assert_eq!(tree.root().as_written(1), None);
        assert_eq!(tree.root().value(1).flat(), Some("è"));
    }

    #[test]
    fn gives_up_on_what_it_does_not_read() {
        for text in [
            r#"{"n":1e}"#,
            r#"{"n":1e+}"#,
            r#"{"n":1.e5}"#,
            r#"{"n":01}"#,
            r#"{"n":1.}"#,
            r#"{"n":-}"#,
            r#"{"n":.5}"#,
            r#"{"n":+1}"#,
            r#"{"s":"a"#,
            "{\"s\":\"a\tb\"}",
            r#"{"s":"\ud800"}"#,
            r#"{"s":"\udc00x"}"#,
            r#"{"s":"\ud800\u0041"}"#,
            r#"{"s":"\x"}"#,
            r#"{"s":"\u00g0"}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":1,"b":2,"c":3,"a":4}"#,
            r#"{"a":1,"b":2,"b":3}"#,
            r#"{"b":1,"a":2,"c":3,"a":4}"#,
            r#"{"a":1,"c":2,"b":3,"c":4}"#,
            r#"{"a":1,"c":2,"b":3,"b":4}"#,
            r#"{"a":1,"c":2,"b":3,"d":4,"a":5}"#,
            r#"{"a":1,"c":2,"b":3,"e":4,"d":5,"e":6}"#,
            r#"{"a":1,}"#,
            r#"{"a":1}x"#,
            r#"{"a" 1}"#,
            r#"{"a":tru}"#,
            r#"{"$serde_json::private::Number":"1"}"#,
            "[1]",
            "",
        ] {
            assert_eq!(fields(text), None, "{text}");
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(40), "]".repeat(40));
        assert_eq!(fields(&deep), None);
        assert!(serde(&deep).is_some());
    }

    /// A JSON string: mostly what messages hold, now and then what this
    /// reader gives up on (a tab, a lone surrogate).
    fn string() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            20 => "[a-zA-Z0-9 éè😀]{1,4}",
            4 => "\\\\[\"\\\\/bfnrt]",
            4 => "\\\\u00[0-9a-fA-F]{2}",
            2 => "\\\\u[0-9a-fA-F]{4}",
            1 => Just("\\ud83d\\ude00".to_string()),
            1 => Just("\\ud800".to_string()),
            1 => Just("\t".to_string()),
        ];
        prop::collection::vec(piece, 0..5).prop_map(|p| format!("\"{}\"", p.concat()))
    }

    /// JSON text of every kind this reader meets or gives up on.
    fn json() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            8 => string(),
            4 => "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?",
            1 => "-?(01|1\\.|[0-9][eE][+-]?[0-9])",
            1 => Just("true".to_string()),
            1 => Just("null".to_string()),
            1 => Just("tru".to_string()),
        ];
        leaf.prop_recursive(4, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(("[a-z]{1,3}", inner), 0..5).prop_map(|v| {
                    let f: Vec<String> = v.iter().map(|(k, x)| format!("\"{k}\" : {x}")).collect();
                    format!("{{ {} }}", f.join(","))
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn gives_what_serde_json_gives_or_gives_up(
            fields in prop::collection::vec(("[a-z]{1,3}", json()), 0..6),
            spaced in any::<bool>(),
        ) {
            let sep = if spaced { ", " } else { "," };
            let f: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            let text = format!("{{{}}}", f.join(sep));
            // Where this reader gives up, serde_json says; where it reads,
            // it gives what serde_json gives.
            if let Some((read, rose, was_spaced)) = read(&text) {
                prop_assert_eq!(Some(read), serde(&text), "{}", text);
                // Whether the names rose, as told to the rules that sort.
                let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
                prop_assert_eq!(rose, names.windows(2).all(|w| w[0] < w[1]), "{}", text);
                // White space between tokens said, whatever is in strings.
                prop_assert_eq!(was_spaced, white_space_between_tokens(&text), "{}", text);
            }
        }
    }
}
