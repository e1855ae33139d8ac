//! The Worldline Sips 2.0 seals (Office Server JSON and Paypage JSON;
//! Paypage POST), for every brand (Sogenactif, Mercanet, Sherlock's).
//!
//! JSON: the values of all fields but `seal` (and, in a request,
//! `keyVersion` and `sealAlgorithm`), concatenated with no separator, in
//! byte-wise order of names, containers recursively, lists in order.
//! POST: the `Data` text exactly as transmitted.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::seal::{scalar_text, SealString, Segment};

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
/// order of names, containers recursively, lists in order.
pub fn json_seal_string(
    fields: &Map<String, Value>,
    excluded: &[&str],
    rule: SipsJsonRule,
) -> SealString {
    let mut segments = Vec::new();
    walk_object(fields, "", Some(excluded), rule, &mut segments);
    SealString::joined(segments, "")
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
    use crate::seal::{seal_of, Algorithm, Scheme};
    let algorithm = match fields.get(ALGORITHM_FIELD) {
        Some(Value::String(name)) => Algorithm::parse(name, Scheme::SipsJson).ok()?,
        None => Algorithm::for_scheme(Scheme::SipsJson)[0],
        Some(_) => return None,
    };
    let text = json_seal_string(fields, excluded(direction), SipsJsonRule::default()).text;
    Some(seal_of(
        Scheme::SipsJson,
        algorithm,
        text.as_bytes(),
        secret,
    ))
}

fn walk_object(
    fields: &Map<String, Value>,
    prefix: &str,
    excluded: Option<&[&str]>,
    rule: SipsJsonRule,
    out: &mut Vec<Segment>,
) {
    let mut names: Vec<&String> = fields
        .keys()
        .filter(|k| excluded.is_none_or(|ex| !ex.contains(&k.as_str())))
        .collect();
    let top = excluded.is_some();
    let sorted = match rule.message_order {
        MessageOrder::Sorted => true,
        MessageOrder::Nested => top,
        MessageOrder::Everywhere => false,
    };
    if sorted {
        names.sort_by(|a, b| name_order(a, b, rule.case_insensitive_order));
    }
    for name in names {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        walk_value(&fields[name.as_str()], &path, rule, out);
    }
}

fn walk_value(value: &Value, path: &str, rule: SipsJsonRule, out: &mut Vec<Segment>) {
    match value {
        Value::Null => {}
        Value::String(s) if s.is_empty() => {}
        Value::String(s) => out.push(Segment {
            path: path.to_string(),
            text: s.clone(),
        }),
        // With serde_json's arbitrary_precision, this is the number's text
        // exactly as written (`1.0` stays `1.0`).
        Value::Number(n) => out.push(Segment {
            path: path.to_string(),
            text: n.to_string(),
        }),
        Value::Bool(b) => {
            let text = match (rule.php_booleans, b) {
                (true, true) => "1",
                (true, false) => "",
                (false, true) => "true",
                (false, false) => "false",
            };
            if !text.is_empty() {
                out.push(Segment {
                    path: path.to_string(),
                    text: text.to_string(),
                });
            }
        }
        Value::Object(map) => walk_object(map, path, None, rule, out),
        Value::Array(_) if rule.js_lists => {
            let text = js_text(value).replace(',', "");
            if !text.is_empty() {
                out.push(Segment {
                    path: path.to_string(),
                    text,
                });
            }
        }
        Value::Array(items) => {
            let mut parts: Vec<Vec<Segment>> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let mut inner = Vec::new();
                    walk_value(item, &format!("{path}[{i}]"), rule, &mut inner);
                    inner
                })
                .collect();
            if rule.sort_lists {
                parts.sort_by(|a, b| {
                    let ta: String = a.iter().map(|s| s.text.as_str()).collect();
                    let tb: String = b.iter().map(|s| s.text.as_str()).collect();
                    ta.cmp(&tb)
                });
            }
            out.extend(parts.into_iter().flatten());
        }
    }
}

/// A value as JavaScript's `String(value)` writes it: a list is its
/// elements joined with commas, an object `[object Object]`.
fn js_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(js_text).collect::<Vec<_>>().join(","),
        Value::Object(_) => "[object Object]".into(),
        other => scalar_text(other).unwrap_or_default(),
    }
}

/// Sips POST: build `Data` from a JSON object the way the official kit
/// flattens it: nested objects become dotted keys, lists comma-joined
/// values, pairs joined with `|` in object order.
pub fn post_data(fields: &Map<String, Value>) -> String {
    let mut pairs = Vec::new();
    flatten(fields, "", &mut pairs);
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("|")
}

fn flatten(fields: &Map<String, Value>, prefix: &str, out: &mut Vec<(String, String)>) {
    for (name, value) in fields {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            Value::Object(m) => flatten(m, &key, out),
            Value::Array(items) => {
                let joined: Vec<String> = items.iter().filter_map(scalar_text).collect();
                out.push((key, joined.join(",")));
            }
            other => out.push((key, scalar_text(other).unwrap_or_default())),
        }
    }
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
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn byte_order_puts_upper_case_first() {
        let m = obj(json!({"authorisationId": "b", "authorResponseMessage": "a"}));
        assert_eq!(
            json_seal_string(&m, &SIPS_REQUEST_EXCLUDED, Default::default()).text,
            "ab"
        );
        let java = SipsJsonRule {
            case_insensitive_order: true,
            ..Default::default()
        };
        assert_eq!(
            json_seal_string(&m, &SIPS_REQUEST_EXCLUDED, java).text,
            "ba"
        );
    }

    #[test]
    fn containers_sort_inside_and_lists_keep_their_order() {
        let m: Map<String, Value> = serde_json::from_str(
            r#"{"b": {"z": "1", "a": "2"}, "a": ["1000", "1000", "500"],
                "c": [{"y": "Y", "x": "X"}], "d": null, "e": "", "f": {}, "g": [], "n": 1.50}"#,
        )
        .unwrap();
        let s = json_seal_string(&m, &[], Default::default());
        assert_eq!(s.text, "1000100050021XY1.50");
        assert_eq!(s.segments[3].path, "b.a");
        assert_eq!(s.segments[5].path, "c[0].x");
    }

    #[test]
    fn the_fields_only_one_side_carries_tell_the_direction() {
        let of = |v: Value| {
            let m = obj(v);
            sides(|k| m.contains_key(k))
        };
        // The 3-D Secure validation request carries redirectionData back.
        assert_eq!(
            of(
                json!({"interfaceVersion": "IR_WS_2.35", "redirectionData": "x", "paResMessage": "y"})
            ),
            Sides::Told(Direction::Request, "interfaceVersion")
        );
        assert_eq!(
            of(json!({"redirectionData": "x", "responseCode": "00"})),
            Sides::Told(Direction::Response, "responseCode")
        );
        assert_eq!(
            of(json!({"redirectionData": "x"})),
            Sides::Unsure {
                lean: Direction::Request
            }
        );
        assert_eq!(
            of(json!({"interfaceVersion": "x", "responseCode": "00"})),
            Sides::Unsure {
                lean: Direction::Response
            }
        );
    }

    #[test]
    fn the_wrong_orders_and_lists_of_the_sdks() {
        let m: Map<String, Value> = serde_json::from_str(
            r#"{"b": {"z": "1", "a": "2"}, "a": "3", "l": [{"y": "Y"}, "p,q"]}"#,
        )
        .unwrap();
        let text = |rule| json_seal_string(&m, &[], rule).text;
        assert_eq!(text(SipsJsonRule::default()), "321Yp,q");
        assert_eq!(
            text(SipsJsonRule {
                message_order: MessageOrder::Nested,
                ..Default::default()
            }),
            "312Yp,q"
        );
        assert_eq!(
            text(SipsJsonRule {
                message_order: MessageOrder::Everywhere,
                ..Default::default()
            }),
            "123Yp,q"
        );
        assert_eq!(
            text(SipsJsonRule {
                js_lists: true,
                ..Default::default()
            }),
            "321[object Object]pq"
        );
    }

    #[test]
    fn exclusions_apply_at_the_top_level_only() {
        let m = obj(json!({"keyVersion": "1", "x": {"keyVersion": "2"}}));
        assert_eq!(
            json_seal_string(&m, &SIPS_REQUEST_EXCLUDED, Default::default()).text,
            "2"
        );
    }

    #[test]
    fn post_data_flattens_like_the_official_kit() {
        let m = obj(
            json!({"amount": "9000", "instalmentData": {"number": "3", "amountsList": ["1000", "1000", "7000"]}}),
        );
        assert_eq!(
            post_data(&m),
            "amount=9000|instalmentData.number=3|instalmentData.amountsList=1000,1000,7000"
        );
    }
}

/// The first name given twice in one object of this JSON text, at any
/// depth, if any. Such a message is refused by both ends alike — `seal
/// verify` and the sandbox's Office Server: JSON readers keep one value
/// or the other, so the gateway and the merchant may not read the same
/// message (and its seal says nothing of which).
pub fn repeated_name(text: &[u8]) -> Option<String> {
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::borrow::Cow;

    struct First(Option<String>);
    struct Look;
    impl<'de> Deserialize<'de> for First {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<First, D::Error> {
            d.deserialize_any(Look)
        }
    }
    impl<'de> Visitor<'de> for Look {
        type Value = First;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
mod repeated {
    #[test]
    fn a_name_given_twice_is_found_at_any_depth() {
        use super::repeated_name;
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
}
