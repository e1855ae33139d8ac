//! The fast path of `seal compute`: for a compact one-line JSON object,
//! parse it into a borrowed tree (no hashing, almost no allocation),
//! build the seal string into a reused buffer, and splice the seal into
//! the original line. Anything unusual (a seal field already present,
//! whitespace to normalise, a Sips POST form) returns `None` and takes the
//! general path, which gives the same answer: a property test holds the
//! two paths to the same output.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use gateways::seal::{write_seal, Algorithm, Keys, Scheme};
use gateways::sips::seal::{self as sips, Direction, Sides, REQUEST_ONLY, RESPONSE_ONLY};

use crate::analysis::Choice;

/// serde_json's private name for a number kept as text
/// (`arbitrary_precision`): numbers reach a visitor as a one-entry map.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// An object's fields, in order.
type Fields<'a> = Vec<(Cow<'a, str>, Node<'a>)>;

enum Node<'a> {
    Null,
    Bool(bool),
    Num(Cow<'a, str>),
    Str(Cow<'a, str>),
    Arr(Vec<Node<'a>>),
    Obj(Fields<'a>),
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
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut fields: Vec<(Cow<'de, str>, Node<'de>)> = Vec::with_capacity(24);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if fields.is_empty() && key.0 == NUMBER_TOKEN {
                let text: Key<'de> = map.next_value()?;
                return Ok(Node::Num(text.0));
            }
            let value: Node<'de> = map.next_value()?;
            fields.push((key.0, value));
        }
        Ok(Node::Obj(fields))
    }
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

/// Whether the line is one compact JSON object (no whitespace outside
/// strings), so that the seal can be spliced in before its last `}`.
fn is_compact(line: &[u8]) -> bool {
    if line.first() != Some(&b'{') || line.last() != Some(&b'}') {
        return false;
    }
    // Most lines have no whitespace byte at all: one quick pass says so
    // (a fold without an early exit, which the compiler makes wide; `any`
    // stops at each byte to ask, and cost a seventh of a compute).
    let spaces = line.iter().fold(0u8, |n, &b| {
        n | u8::from(b == b' ') | u8::from(b == b'\t') | u8::from(b == b'\r') | u8::from(b == b'\n')
    });
    if spaces == 0 {
        return true;
    }
    let mut in_string = false;
    let mut escaped = false;
    for &b in line {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b.is_ascii_whitespace() {
            return false;
        }
    }
    true
}

/// Reused buffers of one worker.
#[derive(Default)]
pub struct Scratch {
    text: String,
    order: Vec<usize>,
    seal: Vec<u8>,
}

/// Seal one line, if the fast path applies: the sealed line (without its
/// newline) is appended to `out`.
/// What the fast path sealed.
pub struct Sealed {
    /// A Sips JSON request without `keyVersion` (worth a warning).
    pub without_key_version: bool,
}

pub fn compute_line(
    line: &[u8],
    choice: &Choice,
    seal_only: bool,
    keys: &Keys,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Option<Sealed> {
    let (line, fields) = object(line)?;
    let seen = Seen::of(&fields);
    let scheme = match choice.scheme {
        Some(s) => s,
        None => seen.scheme()?,
    };
    let seal_field = scheme.seal_field();
    let algorithm = algorithm(scheme, &fields, choice)?;
    let without_key_version = seal_string(scheme, &fields, &seen, choice, false, scratch)?;
    let key = keys.get(scheme).ok()?;
    // A compact line without a seal: the seal spliced in before its last
    // `}`. Any other shape (spaces, a seal to replace): the object written
    // again as the general path writes it — compact, field order kept, the
    // seal in place of the old one or last.
    if !seal_only && (seen.has(seal_field) || !is_compact(line)) {
        let seal = &mut scratch.seal;
        seal.clear();
        write_seal(scheme, algorithm, scratch.text.as_bytes(), key, seal);
        let seal = std::str::from_utf8(seal).ok()?;
        out.push(b'{');
        let mut replaced = false;
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(k, out);
            out.push(b':');
            if k == seal_field {
                write_str(seal, out);
                replaced = true;
            } else {
                write_node(v, out);
            }
        }
        if !replaced {
            if !fields.is_empty() {
                out.push(b',');
            }
            write_str(seal_field, out);
            out.push(b':');
            write_str(seal, out);
        }
        out.push(b'}');
        return Some(Sealed {
            without_key_version,
        });
    }
    if !seal_only {
        out.extend_from_slice(&line[..line.len() - 1]);
        if fields.is_empty() {
            out.push(b'"');
        } else {
            out.extend_from_slice(b",\"");
        }
        out.extend_from_slice(seal_field.as_bytes());
        out.extend_from_slice(b"\":\"");
    }
    write_seal(scheme, algorithm, scratch.text.as_bytes(), key, out);
    if !seal_only {
        out.extend_from_slice(b"\"}");
    }
    Some(Sealed {
        without_key_version,
    })
}

/// A string as serde_json writes it (its escaping, not ours).
fn write_str(text: &str, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// A value written compact, as serde_json writes the general path's
/// `Value`: numbers as their text (arbitrary_precision keeps it).
fn write_node(node: &Node, out: &mut Vec<u8>) {
    match node {
        Node::Null => out.extend_from_slice(b"null"),
        Node::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Node::Num(n) => out.extend_from_slice(n.as_bytes()),
        Node::Str(s) => write_str(s, out),
        Node::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_node(item, out);
            }
            out.push(b']');
        }
        Node::Obj(fields) => {
            out.push(b'{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(k, out);
                out.push(b':');
                write_node(v, out);
            }
            out.push(b'}');
        }
    }
}

/// Verify one line, if the fast path applies and the seal is right: the
/// verdict line (without its newline) is appended to `out`, exactly as
/// the general path writes it. Everything else — a wrong or missing
/// seal (whose cause is diagnosed), hex in the other case, a Sips
/// response with a responseCode (put in words), a Direct answer, any
/// unusual line — returns `None`, for the general path.
pub fn verify_line(
    line: &[u8],
    line_no: usize,
    choice: &Choice,
    keys: &Keys,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Option<()> {
    let (_, fields) = object(line)?;
    if fields
        .iter()
        .any(|(k, _)| k == "responseCode" || k == gateways::paybox::direct::CODE_FIELD)
    {
        return None;
    }
    let seen = Seen::of(&fields);
    let scheme = match choice.scheme {
        Some(s) => s,
        None => seen.scheme()?,
    };
    let seal_field = scheme.seal_field();
    let given = match fields.iter().find(|(k, _)| k == seal_field) {
        Some((_, Node::Str(s))) => s,
        _ => return None,
    };
    let algorithm = algorithm(scheme, &fields, choice)?;
    seal_string(scheme, &fields, &seen, choice, true, scratch)?;
    let key = keys.get(scheme).ok()?;
    let computed = &mut scratch.seal;
    computed.clear();
    write_seal(scheme, algorithm, scratch.text.as_bytes(), key, computed);
    // Equal bytes: valid. Anything else (another case, a mismatch) is
    // the general path's to say, with its cause.
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        given.as_bytes(),
        &computed[..],
    )) {
        return None;
    }
    use std::io::Write as _;
    let _ = write!(
        out,
        "{{\"type\":\"verify\",\"version\":1,\"line\":{line_no},\"valid\":true,\"scheme\":\"{}\",\"algorithm\":\"{}\"}}",
        scheme.name(),
        algorithm.name()
    );
    Some(())
}

/// The seal string of a parsed line into `scratch.text`; whether it is
/// a Sips JSON request without keyVersion. None: the general path (an
/// unusual value, a field given twice, a scheme handled there).
fn seal_string(
    scheme: Scheme,
    fields: &[(Cow<str>, Node)],
    seen: &Seen,
    choice: &Choice,
    verifying: bool,
    scratch: &mut Scratch,
) -> Option<bool> {
    let text = &mut scratch.text;
    text.clear();
    let mut without_key_version = false;
    match scheme {
        Scheme::SipsJson => {
            let direction = match (choice.direction, seen.sides) {
                (Some(d), _) | (None, Sides::Told(d, _)) => d,
                // The seal must decide: verify's general path tries both.
                (None, Sides::Unsure { .. }) if verifying => return None,
                (None, Sides::Unsure { lean }) => lean,
            };
            without_key_version = direction == Direction::Request && !seen.key_version;
            sips_object(
                fields,
                Some(sips::excluded(direction)),
                text,
                &mut scratch.order,
            )?;
        }
        Scheme::Paybox => {
            if fields
                .iter()
                .enumerate()
                .any(|(i, (k, _))| fields[..i].iter().any(|(n, _)| n == k))
            {
                return None;
            }
            let mut first = true;
            for (k, v) in fields {
                if k == "PBX_HMAC" {
                    continue;
                }
                if !first {
                    text.push('&');
                }
                first = false;
                text.push_str(k);
                text.push('=');
                flat(v, text)?;
            }
        }
        Scheme::Lyra => {
            let order = &mut scratch.order;
            order.clear();
            order.extend((0..fields.len()).filter(|i| fields[*i].0.starts_with("vads_")));
            order.sort_by(|a, b| fields[*a].0.as_bytes().cmp(fields[*b].0.as_bytes()));
            if order.windows(2).any(|w| fields[w[0]].0 == fields[w[1]].0) {
                return None;
            }
            for (n, i) in order.iter().enumerate() {
                if n > 0 {
                    text.push('+');
                }
                flat(&fields[*i].1, text)?;
            }
        }
        // Rare, and Latin-1 or form-shaped: the general path.
        Scheme::SipsPost | Scheme::PayboxIpn | Scheme::PayboxDirect => return None,
    }
    Some(without_key_version)
}

/// The line, trimmed, read as one JSON object: its fields in order.
fn object(line: &[u8]) -> Option<(&[u8], Fields<'_>)> {
    // Past the bound, the general path says why.
    if line.len() > crate::message::MAX_MESSAGE {
        return None;
    }
    let line = trim_ascii(line);
    if line.first() != Some(&b'{') {
        return None;
    }
    // One UTF-8 check of the whole line (fast on ASCII), after which the
    // JSON reader need not check each string again.
    let text = std::str::from_utf8(line).ok()?;
    let node: Node = serde_json::from_str(text).ok()?;
    let Node::Obj(fields) = node else { return None };
    Some((line, fields))
}

fn trim_ascii(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., last] = b {
        if last.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    while let [first, rest @ ..] = b {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    b
}

/// What one pass over the top-level names tells.
struct Seen {
    pbx: bool,
    vads: bool,
    data: bool,
    interface_version: bool,
    seal_fields: [bool; 4],
    /// Sips JSON: what the fields say of the direction.
    sides: Sides,
    /// `VERSION`: a Paybox Direct request, for the general path.
    direct: bool,
    key_version: bool,
}

/// The first letters of the names that tell a Sips request
/// (`REQUEST_ONLY`) and a response (`RESPONSE_ONLY`): other names are not
/// compared with them.
const REQUEST_INITIALS: &[u8] = b"ip";
const RESPONSE_INITIALS: &[u8] = b"aer";

/// The seal fields of the schemes the fast path handles.
const SEAL_FIELDS: [&str; 4] = ["seal", "PBX_HMAC", "signature", "Seal"];

impl Seen {
    fn of(fields: &[(Cow<str>, Node)]) -> Seen {
        let mut s = Seen {
            pbx: false,
            vads: false,
            data: false,
            interface_version: false,
            seal_fields: [false; 4],
            sides: Sides::of(None, None),
            direct: false,
            key_version: false,
        };
        let (mut request, mut response) = (None, None);
        for (k, _) in fields {
            let k = k.as_ref();
            match k.as_bytes().first() {
                Some(b'P') => s.pbx |= k.starts_with("PBX_"),
                Some(b'v') => s.vads |= k.starts_with("vads_"),
                Some(b'D') => s.data |= k == "Data",
                Some(b'I') => s.interface_version |= k == "InterfaceVersion",
                Some(b'V') => s.direct |= k == "VERSION",
                Some(b'k') => s.key_version |= k == "keyVersion",
                _ => {}
            }
            // Compare whole names only when the first letter could match.
            if matches!(k.as_bytes().first(), Some(b's' | b'P' | b'S')) {
                if let Some(i) = SEAL_FIELDS.iter().position(|f| *f == k) {
                    s.seal_fields[i] = true;
                }
            }
            match k.as_bytes().first() {
                Some(b) if request.is_none() && REQUEST_INITIALS.contains(b) => {
                    request = REQUEST_ONLY.iter().copied().find(|f| *f == k);
                }
                Some(b) if response.is_none() && RESPONSE_INITIALS.contains(b) => {
                    response = RESPONSE_ONLY.iter().copied().find(|f| *f == k);
                }
                _ => {}
            }
        }
        s.sides = Sides::of(request, response);
        s
    }

    fn has(&self, seal_field: &str) -> bool {
        SEAL_FIELDS
            .iter()
            .position(|f| *f == seal_field)
            .is_some_and(|i| self.seal_fields[i])
    }

    fn scheme(&self) -> Option<Scheme> {
        if self.direct {
            None // perhaps Paybox Direct: the general path decides
        } else if self.pbx {
            Some(Scheme::Paybox)
        } else if self.vads {
            Some(Scheme::Lyra)
        } else if self.data && (self.interface_version || self.seal_fields[3]) {
            None // Sips POST: the general path
        } else {
            Some(Scheme::SipsJson)
        }
    }
}

fn algorithm(scheme: Scheme, fields: &[(Cow<str>, Node)], choice: &Choice) -> Option<Algorithm> {
    if let Some(name) = &choice.algorithm {
        return Algorithm::parse(name, scheme).ok();
    }
    let field = match scheme {
        Scheme::SipsJson => "sealAlgorithm",
        Scheme::Paybox => "PBX_HASH",
        _ => return Some(Algorithm::for_scheme(scheme)[0]),
    };
    match fields.iter().find(|(k, _)| k == field) {
        Some((_, Node::Str(s))) if !s.is_empty() => Algorithm::parse(s, scheme).ok(),
        Some((_, Node::Str(_))) | None => Some(Algorithm::for_scheme(scheme)[0]),
        // Anything else: let the general path explain it.
        Some(_) => None,
    }
}

/// A flat scheme's value: strings, numbers and booleans as written.
fn flat(v: &Node, out: &mut String) -> Option<()> {
    match v {
        Node::Str(s) | Node::Num(s) => out.push_str(s),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Null => {}
        _ => return None,
    }
    Some(())
}

fn sips_object(
    fields: &[(Cow<str>, Node)],
    excluded: Option<&[&str]>,
    out: &mut String,
    order: &mut Vec<usize>,
) -> Option<()> {
    let start = order.len();
    order.extend(
        (0..fields.len())
            .filter(|i| excluded.is_none_or(|ex| !ex.contains(&fields[*i].0.as_ref()))),
    );
    order[start..].sort_by(|a, b| fields[*a].0.as_bytes().cmp(fields[*b].0.as_bytes()));
    // A name given twice: the general path decides what it means.
    if order[start..]
        .windows(2)
        .any(|w| fields[w[0]].0 == fields[w[1]].0)
    {
        return None;
    }
    for n in start..order.len() {
        let i = order[n];
        sips_value(&fields[i].1, out, order)?;
    }
    order.truncate(start);
    Some(())
}

fn sips_value(v: &Node, out: &mut String, order: &mut Vec<usize>) -> Option<()> {
    match v {
        Node::Null => {}
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Num(s) | Node::Str(s) => out.push_str(s),
        Node::Arr(items) => {
            for item in items {
                sips_value(item, out, order)?;
            }
        }
        Node::Obj(fields) => sips_object(fields, None, out, order)?,
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(line: &str) -> Option<String> {
        fast_with(line, true)
    }

    fn fast_with(line: &str, seal_only: bool) -> Option<String> {
        let mut out = Vec::new();
        compute_line(
            line.as_bytes(),
            &Choice::default(),
            seal_only,
            &Keys::new(b"secret123"),
            &mut Scratch::default(),
            &mut out,
        )?;
        Some(String::from_utf8(out).unwrap())
    }

    #[test]
    fn applies_to_usual_messages() {
        let spec = r#"{"amount":"2500","captureDay":"0","captureMode":"AUTHOR_CAPTURE","cardCSCValue":"000","cardExpiryDate":"201612","cardNumber":"1234123412341234","currencyCode":"978","customerContact":{"email":"customer@email.com"},"interfaceVersion":"IR_WS_2.3","keyVersion":"1","merchantId":"011223344550000","orderChannel":"INTERNET","orderId":"ORD101","returnContext":"ReturnContext","transactionOrigin":"SO_WEBAPPLI","transactionReference":"TREFEXA2012"}"#;
        assert_eq!(
            fast(spec).as_deref(),
            Some("f1772faa4b73c0fc5a9810ad7fcaf91458d6174b2178a0a0a2bea2d860b404f5")
        );
        assert!(fast(r#"{"vads_a":"1","n":2}"#).is_some());
        assert!(
            fast(r#"{"PBX_SITE":1}"#).is_none(),
            "a paybox key must be hex"
        );
    }

    #[test]
    fn every_name_that_tells_the_direction_is_looked_at() {
        for name in REQUEST_ONLY {
            assert!(REQUEST_INITIALS.contains(&name.as_bytes()[0]), "{name}");
        }
        for name in RESPONSE_ONLY {
            assert!(RESPONSE_INITIALS.contains(&name.as_bytes()[0]), "{name}");
        }
    }

    #[test]
    fn leaves_the_unusual_to_the_general_path() {
        // Spaces, or a seal to replace: the object written compact, the
        // seal in place (as the general path writes it).
        let seal = fast(r#"{"a":"1","b":2}"#).unwrap();
        assert_eq!(
            fast_with("{\"a\": \"1\",\n \"b\": 2}", false).unwrap(),
            format!(r#"{{"a":"1","b":2,"seal":"{seal}"}}"#)
        );
        assert_eq!(
            fast_with(r#"{"seal":"x","a":"1","b":2}"#, false).unwrap(),
            format!(r#"{{"seal":"{seal}","a":"1","b":2}}"#)
        );
        // The seal alone is the same whatever the spacing, with or without a seal.
        assert_eq!(fast(r#"{"a": "1"}"#), fast(r#"{"a":"1","seal":"x"}"#));
        assert!(fast(r#"{"a":"1","a":"2"}"#).is_none(), "a name given twice");
        assert!(fast(r#"{"Data":"a=1","Seal":"x"}"#).is_none(), "sips-post");
        assert!(fast(r#"[1]"#).is_none());
        assert!(is_compact(br#"{"a":"b c"}"#));
        assert!(!is_compact(br#"{"a":"b\"", "c":1}"#));
    }
}
