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
