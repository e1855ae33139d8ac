//! The reader of the fast path: a JSON object read into the tree in one
//! pass over its text, for the messages merchants send (strings, with or
//! without escapes, numbers written plainly, objects and lists nested a
//! few levels). It reads a subset of JSON, and gives up on the rest
//! (`None`: an exponent, a string with a control character or a lone
//! surrogate, nesting deeper than [`DEPTH`], a name given twice,
//! serde_json's number token, anything that is not JSON), which
//! serde_json then reads (`super::read_object`): what this reader gives
//! is what serde_json gives, which the property tests below hold it to.
//! serde_json's visitor took a third more instructions for the same tree,
//! and the most time of any step of a seal (issue 27).

use std::borrow::Cow;

use super::{Fields, Node, Seen, NUMBER_TOKEN};
use crate::seal::byte_order;

/// Levels of objects and lists past which the reader gives up (serde_json
/// refuses past 128).
const DEPTH: usize = 32;

/// The text read as one JSON object, or `None` where serde_json must say.
/// Whether white space stood between its tokens comes with it (before
/// and after the object does not count).
pub(super) fn object(text: &str) -> Option<(Fields<'_>, bool)> {
    let mut r = Reader {
        text,
        at: 0,
        spaced: false,
    };
    r.space();
    if r.peek()? != b'{' {
        return None;
    }
    r.spaced = false;
    let fields = r.object(0)?;
    let spaced = r.spaced;
    r.space();
    (r.at == text.len()).then_some((fields, spaced))
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
    /// Whether white space was passed between tokens.
    spaced: bool,
}

impl<'a> Reader<'a> {
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

    /// An object, its `{` next.
    fn object(&mut self, depth: usize) -> Option<Fields<'a>> {
        if depth >= DEPTH {
            return None;
        }
        self.at += 1;
        // Room for a whole request at the top (a Sips cardOrder with its
        // seal has 17 to 20 names: growing past 16 copied them all), for
        // a few below.
        let mut fields: Fields<'a> = Vec::with_capacity(if depth == 0 { 32 } else { 8 });
        // Names in strictly rising order (as most messages give them:
        // Sips sorts its own) cannot repeat: each is only compared with
        // the one before. Past that run (a seal added last, or names in
        // any order), a name is looked for in the run, sorted, and among
        // the names after it (the buckets of `Seen`).
        let mut rising = 0;
        let mut seen: Option<Seen> = None;
        self.space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(fields);
        }
        loop {
            self.eat(b'"')?;
            let name = self.string()?;
            if name == NUMBER_TOKEN {
                return None;
            }
            let rises = seen.is_none()
                && fields
                    .last()
                    .is_none_or(|(last, _)| byte_order(last.as_bytes(), name.as_bytes()).is_lt());
            if rises {
                rising += 1;
            } else {
                let run = &fields[..rising];
                if run
                    .binary_search_by(|(k, _)| byte_order(k.as_bytes(), name.as_bytes()))
                    .is_ok()
                {
                    return None;
                }
                let after = &fields[rising..];
                if seen.get_or_insert_with(Seen::default).again(&name, after) {
                    return None;
                }
            }
            self.eat(b':')?;
            let value = self.value(depth)?;
            fields.push((name, value));
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(fields);
                }
                _ => return None,
            }
        }
    }

    /// A list, its `[` next.
    fn list(&mut self, depth: usize) -> Option<Vec<Node<'a>>> {
        if depth >= DEPTH {
            return None;
        }
        self.at += 1;
        let mut items = Vec::new();
        self.space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(items);
        }
        loop {
            items.push(self.value(depth)?);
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(items);
                }
                _ => return None,
            }
        }
    }

    fn value(&mut self, depth: usize) -> Option<Node<'a>> {
        self.space();
        Some(match self.peek()? {
            b'"' => {
                self.at += 1;
                Node::Str(self.string()?)
            }
            b'{' => Node::Obj(self.object(depth + 1)?),
            b'[' => Node::Arr(self.list(depth + 1)?),
            b't' => self.word("true", Node::Bool(true))?,
            b'f' => self.word("false", Node::Bool(false))?,
            b'n' => self.word("null", Node::Null)?,
            _ => Node::Num(Cow::Borrowed(self.number()?)),
        })
    }

    fn word(&mut self, word: &str, node: Node<'a>) -> Option<Node<'a>> {
        self.bytes()[self.at..]
            .starts_with(word.as_bytes())
            .then(|| self.at += word.len())?;
        Some(node)
    }

    /// A number written plainly (`-12`, `0.50`): its text, as serde_json
    /// keeps it (`arbitrary_precision`). An exponent is serde_json's.
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
            return None;
        }
        self.at = at;
        Some(&self.text[start..at])
    }

    /// A string, its opening quote passed: borrowed from the text unless
    /// it holds an escape.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.at;
        let end = start + special(&self.bytes()[start..])?;
        if self.bytes()[end] == b'"' {
            self.at = end + 1;
            return Some(Cow::Borrowed(&self.text[start..end]));
        }
        let mut owned = String::with_capacity(end - start + 16);
        owned.push_str(&self.text[start..end]);
        self.at = end;
        loop {
            // At a quote or a backslash (a control character gave up).
            match self.bytes()[self.at] {
                b'"' => {
                    self.at += 1;
                    return Some(Cow::Owned(owned));
                }
                _ => self.escape(&mut owned)?,
            }
            let from = self.at;
            let to = from + special(&self.bytes()[from..])?;
            owned.push_str(&self.text[from..to]);
            self.at = to;
        }
    }

    /// One escape, its backslash next, decoded onto `out` (as every
    /// reader of a JSON escape decodes it: `paylot_cli::json_escape::decode_at`).
    fn escape(&mut self, out: &mut String) -> Option<()> {
        let (c, len) = paylot_cli::json_escape::decode_at(&self.bytes()[self.at..])?;
        out.push(c);
        self.at += len;
        Some(())
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

    /// The fields this reader reads, without whether they were spaced.
    fn fields(text: &str) -> Option<Fields<'_>> {
        object(text).map(|(fields, _)| fields)
    }
    use proptest::prelude::*;

    /// What serde_json reads, through the tree's visitor.
    fn serde(text: &str) -> Option<Fields<'_>> {
        match serde_json::from_str(text).ok()? {
            Node::Obj(fields) => Some(fields),
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
            assert_eq!(object(text).map(|(_, s)| s), Some(spaced), "{text}");
        }
    }

    #[test]
    fn reads_what_merchants_send_as_serde_json_does() {
        for text in [
            r#"{"amount":"2500","customerContact":{"email":"a@b.c"},"n":-1.50,"z":0}"#,
            r#" { "a" : [ 1 , "x" , true , false , null , { } , [ ] ] } "#,
            r#"{"t":"H\u00e9l\u00e8ne \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}"#,
            r#"{"café":"crème brûlée","k":"😀"}"#,
            "{}",
        ] {
            assert_eq!(fields(text), serde(text), "{text}");
            assert!(fields(text).is_some(), "{text}");
        }
        let f = fields(r#"{"a":"x","b":"\u00e8"}"#).unwrap();
        assert!(matches!(&f[0].1, Node::Str(Cow::Borrowed("x"))));
        assert_eq!(f[1].1, Node::Str(Cow::Owned("è".into())));
    }

    #[test]
    fn gives_up_on_what_it_does_not_read() {
        for text in [
            r#"{"n":1e5}"#,
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
            if let Some((read, was_spaced)) = object(&text) {
                prop_assert_eq!(Some(read), serde(&text), "{}", text);
                // White space between tokens said, whatever is in strings.
                prop_assert_eq!(was_spaced, white_space_between_tokens(&text), "{}", text);
            }
        }
    }
}
