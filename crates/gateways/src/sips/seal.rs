//! The Worldline Sips 2.0 seals (Office Server JSON and Paypage JSON;
//! Paypage POST), for every brand (Sogenactif, Mercanet, Sherlock's).
//!
//! JSON: the values of all fields but `seal` (and, in a request,
//! `keyVersion` and `sealAlgorithm`), concatenated with no separator, in
//! byte-wise order of names, containers recursively, lists in order.
//! POST: the `Data` text exactly as transmitted.

use std::cmp::Ordering;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::invalid::{show, Invalid};
use crate::seal::tree::{self, List, Node, Obj};
use crate::seal::{scalar_text, write_hex, Algorithm, SealString, Segment, Segments, Sink, Work};

/// The field that carries a JSON seal.
pub const SEAL_FIELD: &str = "seal";
/// The field of a JSON message that names the algorithm.
pub const ALGORITHM_FIELD: &str = "sealAlgorithm";
/// The POST form's seal and algorithm fields.
pub const POST_SEAL_FIELD: &str = "Seal";
pub const POST_ALGORITHM_FIELD: &str = "SealAlgorithm";
/// The fields of a POST form that are not `Data`.
pub const POST_FORM_FIELDS: [&str; 5] = [
    "Data",
    "Seal",
    "InterfaceVersion",
    "Encode",
    "SealAlgorithm",
];

/// A Sips JSON message is a request or a response; they exclude different
/// fields from the seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Direction {
    /// Excludes `seal`, `keyVersion`, `sealAlgorithm`.
    Request,
    /// Excludes only `seal`: every other field counts, known or not.
    Response,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
        }
    }

    pub fn other(self) -> Direction {
        match self {
            Direction::Request => Direction::Response,
            Direction::Response => Direction::Request,
        }
    }
}

/// Fields only a Sips JSON response carries: the gateway's verdicts
/// (`responseCode`, `acquirerResponseCode`, `errorFieldName`) and the
/// answer of a redirection (`redirectionStatusCode`, its message, the
/// URL to send the buyer to).
pub const RESPONSE_ONLY: [&str; 6] = [
    "responseCode",
    "acquirerResponseCode",
    "errorFieldName",
    "redirectionStatusCode",
    "redirectionStatusMessage",
    "redirectionUrl",
];

/// Fields only a Sips JSON request carries. Every request names its
/// `interfaceVersion` (`SipsMessage` in worldline/sips-sdk-php; none of
/// its `*Response` classes has it), and `paResMessage` is the ACS's
/// answer that the merchant passes on in the 3-D Secure validation
/// request (`CardValidateAuthenticationAndOrderRequest.php`).
///
/// `redirectionData` and `messageVersion` tell nothing: the 3-D Secure
/// enrolment response carries them, and the validation request carries
/// them back.
pub const REQUEST_ONLY: [&str; 2] = ["interfaceVersion", "paResMessage"];

/// What a Sips JSON message's fields say of its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    /// One side's own field is there, and none of the other's.
    Told(Direction, &'static str),
    /// Neither side's fields, or both sides': only the seal can tell.
    /// `lean` is the likelier one (a response when it has a response's
    /// field), tried first.
    Unsure { lean: Direction },
}

/// Request or response, from the fields only one side carries.
pub fn sides(has: impl Fn(&str) -> bool) -> Sides {
    Sides::of(
        REQUEST_ONLY.iter().copied().find(|f| has(f)),
        RESPONSE_ONLY.iter().copied().find(|f| has(f)),
    )
}

impl Sides {
    /// From the first request-only and response-only fields found.
    pub fn of(request: Option<&'static str>, response: Option<&'static str>) -> Sides {
        match (request, response) {
            (Some(f), None) => Sides::Told(Direction::Request, f),
            (None, Some(f)) => Sides::Told(Direction::Response, f),
            (None, None) => Sides::Unsure {
                lean: Direction::Request,
            },
            (Some(_), Some(_)) => Sides::Unsure {
                lean: Direction::Response,
            },
        }
    }
}

/// The fields a request or a response leaves out of its seal.
pub fn excluded(direction: Direction) -> &'static [&'static str] {
    match direction {
        Direction::Request => &SIPS_REQUEST_EXCLUDED,
        Direction::Response => &SIPS_RESPONSE_EXCLUDED,
    }
}

/// The fields a Sips JSON request leaves out of its seal (top level only).
pub const SIPS_REQUEST_EXCLUDED: [&str; 3] = ["seal", "keyVersion", "sealAlgorithm"];
/// A Sips JSON response seals everything but the seal itself.
pub const SIPS_RESPONSE_EXCLUDED: [&str; 1] = ["seal"];

/// How a Sips JSON seal string is built. `Default` is the gateway's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SipsJsonRule {
    /// Sort names ignoring case (the Java SDK's `compareToIgnoreCase`).
    pub case_insensitive_order: bool,
    /// Sort list elements (the Java SDK sorts every collection).
    pub sort_lists: bool,
    /// Booleans as PHP prints them: `1` and nothing.
    pub php_booleans: bool,
    /// Names taken in the order the message gives them.
    pub message_order: MessageOrder,
    /// Lists as JavaScript's `Array.toString()` with every comma removed
    /// (worldline/sips-sdk-nodejs `SealCalculator.js`): an object in a
    /// list is `[object Object]`.
    pub js_lists: bool,
}

/// Where names are left in message order instead of sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageOrder {
    /// The gateway's rule: sorted everywhere.
    #[default]
    Sorted,
    /// Sorted at the top level, in message order inside containers.
    Nested,
    /// In message order at every level.
    Everywhere,
}

fn name_order(a: &str, b: &str, case_insensitive: bool) -> Ordering {
    if case_insensitive {
        // Java's compareToIgnoreCase folds each char, ties left as equal
        // (a stable sort then keeps the original order).
        let fa = a.chars().map(|c| c.to_ascii_lowercase());
        let fb = b.chars().map(|c| c.to_ascii_lowercase());
        fa.cmp(fb)
    } else {
        a.as_bytes().cmp(b.as_bytes())
    }
}

/// Sips JSON: values of all fields but `excluded` (top level), in byte
/// order of names, containers recursively, lists in order; each piece
/// with its path (for `explain` and the diagnosis; the seal's own string
/// is built by the same [`build`]).
pub fn json_seal_string(
    fields: &Map<String, Value>,
    excluded: &[&str],
    rule: SipsJsonRule,
) -> SealString {
    let mut sink = Segments::new("");
    build(
        tree::from_map(fields).root(),
        excluded,
        rule,
        &mut sink,
        &mut Work::default(),
    );
    sink.into_string()
}

/// The Sips JSON rule, once: the values of `fields` but `excluded` (top
/// level only), written to `sink` as `rule` says (the gateway's rule by
/// default, an SDK's mistake for the diagnosis). Names are unique (the
/// tree's reader refuses a name given twice).
pub fn build<S: Sink>(
    fields: Obj,
    excluded: &[&str],
    rule: SipsJsonRule,
    sink: &mut S,
    work: &mut Work,
) {
    work.path.clear();
    Walk {
        rule,
        sink,
        order: &mut work.order,
        path: &mut work.path,
    }
    .object(fields, Some(excluded));
}

/// The algorithms of Sips JSON, its default first.
pub const ALGORITHMS: [Algorithm; 3] = [
    Algorithm::HmacSha256,
    Algorithm::Sha256,
    Algorithm::HmacSha512,
];
/// The algorithms of Sips POST, its default first.
pub const POST_ALGORITHMS: [Algorithm; 3] = [
    Algorithm::Sha256,
    Algorithm::HmacSha256,
    Algorithm::HmacSha512,
];

/// What a Sips name (folded: [`Algorithm::fold`]) means: Sips' `SHA-256`
/// is a plain hash of the string and the secret.
pub fn algorithm(folded: &str) -> Option<Algorithm> {
    match folded {
        "HMACSHA256" => Some(Algorithm::HmacSha256),
        "SHA256" => Some(Algorithm::Sha256),
        "HMACSHA512" => Some(Algorithm::HmacSha512),
        _ => None,
    }
}

/// Append the seal of `text`: lower-case hex.
pub fn write_seal(algorithm: Algorithm, text: &[u8], key: &[u8], out: &mut Vec<u8>) {
    write_hex(&algorithm.digest(key, text), false, out);
}

/// The seal of a Sips JSON message under the shop's secret (its UTF-8
/// bytes), by the gateway's rule for `direction`, with the algorithm its
/// `sealAlgorithm` names (HMAC-SHA-256 when absent); `None` when the
/// message names an algorithm Sips JSON does not have.
pub fn json_seal(
    fields: &Map<String, Value>,
    direction: Direction,
    secret: &[u8],
) -> Option<String> {
    let algorithm = match fields.get(ALGORITHM_FIELD) {
        Some(Value::String(name)) => algorithm(&Algorithm::fold(name))?,
        None => ALGORITHMS[0],
        Some(_) => return None,
    };
    let text = json_seal_string(fields, excluded(direction), SipsJsonRule::default()).text;
    let mut out = Vec::with_capacity(64);
    write_seal(algorithm, text.as_bytes(), secret, &mut out);
    String::from_utf8(out).ok()
}

/// One walk of a message: the rule, where it writes, and what it reuses.
struct Walk<'w, S> {
    rule: SipsJsonRule,
    sink: &'w mut S,
    order: &'w mut Vec<usize>,
    path: &'w mut String,
}

impl<S: Sink> Walk<'_, S> {
    fn object(&mut self, fields: Obj, excluded: Option<&[&str]>) {
        let sealed = |name: &str| excluded.is_none_or(|ex| !ex.contains(&name));
        let top = excluded.is_some();
        let sorted = match self.rule.message_order {
            MessageOrder::Sorted => true,
            MessageOrder::Nested => top,
            MessageOrder::Everywhere => false,
        };
        // Names taken as given: in message order, or given in byte order
        // already (most messages: Sips sorts its own).
        if !sorted || (!self.rule.case_insensitive_order && fields.names_rise()) {
            for (name, value) in fields.iter() {
                if sealed(name) {
                    self.field(name, value);
                }
            }
            return;
        }
        if !self.rule.case_insensitive_order {
            // In byte order, as the tree sorted them where it read them.
            for i in fields.by_name() {
                let name = fields.name(i);
                if sealed(name) {
                    self.field(name, fields.value(i));
                }
            }
            return;
        }
        let start = self.order.len();
        self.order
            .extend((0..fields.len()).filter(|i| sealed(fields.name(*i))));
        // Stable: names equal but for case keep their order, as Java's
        // sort does.
        self.order[start..].sort_by(|a, b| name_order(fields.name(*a), fields.name(*b), true));
        for n in start..self.order.len() {
            let i = self.order[n];
            self.field(fields.name(i), fields.value(i));
        }
        self.order.truncate(start);
    }

    /// A field's pieces, its name on the path.
    fn field(&mut self, name: &str, value: Node) {
        let len = self.path.len();
        if S::PATHS {
            if len > 0 {
                self.path.push('.');
            }
            self.path.push_str(name);
        }
        self.value(value);
        self.path.truncate(len);
    }

    fn value(&mut self, value: Node) {
        match value {
            Node::Null => {}
            Node::Str("") => {}
            // A number is the text it was written with (`1.0` stays `1.0`).
            Node::Str(s) | Node::Num(s) => self.sink.piece(self.path, &[s]),
            Node::Bool(b) => {
                let text = match (self.rule.php_booleans, b) {
                    (true, true) => "1",
                    (true, false) => "",
                    (false, true) => "true",
                    (false, false) => "false",
                };
                if !text.is_empty() {
                    self.sink.piece(self.path, &[text]);
                }
            }
            Node::Obj(fields) => self.object(fields, None),
            Node::Arr(_) if self.rule.js_lists => {
                let text = js_text(value).replace(',', "");
                if !text.is_empty() {
                    self.sink.piece(self.path, &[&text]);
                }
            }
            Node::Arr(items) if self.rule.sort_lists => self.sorted_list(items),
            Node::Arr(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = self.path.len();
                    if S::PATHS {
                        let _ = write!(self.path, "[{i}]");
                    }
                    self.value(item);
                    self.path.truncate(len);
                }
            }
        }
    }

    /// The Java SDK's way: each element's pieces, the elements sorted by
    /// their text.
    fn sorted_list(&mut self, items: List) {
        let mut parts: Vec<Vec<Segment>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let mut inner = Segments::new("");
                let mut path = format!("{}[{i}]", self.path);
                Walk {
                    rule: self.rule,
                    sink: &mut inner,
                    order: &mut *self.order,
                    path: &mut path,
                }
                .value(item);
                inner.into_segments()
            })
            .collect();
        parts.sort_by(|a, b| {
            let ta: String = a.iter().map(|s| s.text.as_str()).collect();
            let tb: String = b.iter().map(|s| s.text.as_str()).collect();
            ta.cmp(&tb)
        });
        for s in parts.iter().flatten() {
            self.sink.piece(&s.path, &[&s.text]);
        }
    }
}

/// A value as JavaScript's `String(value)` writes it: a list is its
/// elements joined with commas, an object `[object Object]`.
fn js_text(value: Node) -> String {
    match value {
        Node::Arr(items) => items.iter().map(js_text).collect::<Vec<_>>().join(","),
        Node::Obj(_) => "[object Object]".into(),
        other => other.flat().unwrap_or_default().to_string(),
    }
}

/// Sips POST: build `Data` from a JSON object the way the official kit
/// flattens it: nested objects become dotted keys, lists comma-joined
/// values, pairs joined with `|` in object order.
///
/// `Data` has no escape: a value holding `|` (or a list item holding
/// `,`, a name holding `|` or `=`) would be read by the gateway as
/// other fields (`"orderId":"x|amount=999"` becomes orderId `x` and a
/// second amount, 999), sealed all the same, where the kit writes it as
/// it is. Such a field is refused, named (its value is not repeated).
pub fn post_data(fields: &Map<String, Value>) -> Result<String, Invalid> {
    let mut pairs = Vec::new();
    flatten(fields, "", &mut pairs)?;
    Ok(pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("|"))
}

fn flatten(
    fields: &Map<String, Value>,
    prefix: &str,
    out: &mut Vec<(String, String)>,
) -> Result<(), Invalid> {
    for (name, value) in fields {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        if key.contains(['|', '=']) {
            return Err(Invalid(format!(
                "the field name {} holds '|' or '=', which separate Data's pairs and their names: the gateway would read other fields there (Data has no escape for them)",
                show(&key)
            )));
        }
        match value {
            Value::Object(m) => flatten(m, &key, out)?,
            Value::Array(items) => {
                let joined: Vec<String> = items.iter().filter_map(scalar_text).collect();
                if joined.iter().any(|t| t.contains(['|', ','])) {
                    return Err(Invalid(format!(
                        "the field {} has a list item holding ',' or '|': Data joins a list's items with ',' and its pairs with '|', so the gateway would read other items or fields; Data has no escape for them: remove it",
                        show(&key)
                    )));
                }
                out.push((key, joined.join(",")));
            }
            other => {
                let text = scalar_text(other).unwrap_or_default();
                if text.contains('|') {
                    return Err(Invalid(format!(
                        "the field {} holds '|', which separates Data's pairs: the gateway would read what follows as another field (x|amount=999 is a second amount); Data has no escape for it: remove it",
                        show(&key)
                    )));
                }
                out.push((key, text));
            }
        }
    }
    Ok(())
}

/// The `key=value` pairs of a Sips POST `Data` string, for reading only:
/// split on `|`, then on the first `=` (values may hold `=`).
pub fn post_pairs(data: &str) -> Vec<Segment> {
    data.split('|')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => Segment {
                path: k.to_string(),
                text: v.to_string(),
            },
            None => Segment {
                path: String::new(),
                text: pair.to_string(),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests;
