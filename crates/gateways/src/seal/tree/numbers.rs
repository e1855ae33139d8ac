//! A JSON message read by serde_json with its numbers kept as written.
//!
//! A seal covers a number's JSON text exactly as written
//! (../shared/spec/seal.md: `1E2` enters the seal string as `1E2`), and
//! [`super::scan`] keeps it so. serde_json (`arbitrary_precision`) keeps a
//! number's digits but writes its exponent its own way: `1E2` and `1e2`
//! come out `1e+2`. Read by serde_json alone, a message with such a number
//! was sealed over another text than the one `seal compute` sealed (`seal
//! verify` said "does not match" of a seal it had computed), written back
//! altered (`seal compute` of a message nested past the scan's depth), and
//! refused by the HTTP sandbox (responseCode 34) where the gateway takes
//! it. Every reader of a message whose seal is computed or checked reads
//! it here: `seal`'s messages, the sandbox's Sips Office Server requests.

use serde_json::{Number, Value};

/// `text` read by serde_json, each number as written.
pub fn parse(text: &str) -> serde_json::Result<Value> {
    let mut value: Value = serde_json::from_str(text)?;
    keep_as_written(text.as_bytes(), &mut value);
    Ok(value)
}

/// [`parse`] for bytes (an HTTP body).
pub fn parse_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    let mut value: Value = serde_json::from_slice(bytes)?;
    keep_as_written(bytes, &mut value);
    Ok(value)
}

/// Give each number of `value`, read from `text`, its text as written
/// there. Only an exponent is written otherwise by serde_json, so only a
/// text holding one (a digit, then `e` or `E`) is looked at.
fn keep_as_written(text: &[u8], value: &mut Value) {
    let exponent = text
        .windows(2)
        .any(|w| w[0].is_ascii_digit() && matches!(w[1], b'e' | b'E'));
    if !exponent {
        return;
    }
    let mut written = numbers(text).into_iter();
    restore(value, &mut written);
}

/// The numbers of a JSON text serde_json has read, as written, in order:
/// outside strings, a number is the one token that starts with `-` or a
/// digit (`true`, `false` and `null` hold neither).
fn numbers(text: &[u8]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < text.len() {
        match text[at] {
            b'"' => {
                at += 1;
                while at < text.len() && text[at] != b'"' {
                    at += if text[at] == b'\\' { 2 } else { 1 };
                }
                at += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = at;
                while at < text.len()
                    && matches!(text[at], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    at += 1;
                }
                // ASCII only: a slice of it is text.
                out.extend(std::str::from_utf8(&text[start..at]).ok());
            }
            _ => at += 1,
        }
    }
    out
}

/// Walk `value` in message order (fields in order: `preserve_order`),
/// giving each number the next text of `written` when that text is the
/// same number (serde_json reads it to the same); false, and nothing more
/// changed, at the first that is not (serde_json's own number token,
/// `{"$serde_json::private::Number":"1"}`, is a number written as an
/// object: the numbers no longer pair).
fn restore<'a>(value: &mut Value, written: &mut impl Iterator<Item = &'a str>) -> bool {
    match value {
        Value::Number(n) => {
            let Some(text) = written.next() else {
                return false;
            };
            if n.as_str() == text {
                return true;
            }
            if text.parse::<Number>().ok().as_ref() != Some(n) {
                return false;
            }
            // The one way to a Number holding a given text: serde_json
            // builds every other from its own writing of the text. Pinned
            // by the tests below, should serde_json change it.
            *n = Number::from_string_unchecked(text.to_string());
            true
        }
        Value::Array(items) => items.iter_mut().all(|v| restore(v, written)),
        Value::Object(fields) => fields.values_mut().all(|v| restore(v, written)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text() {
        let text = r#"{"a":1E2,"b":[1e2,"1e2 \"2E3\"",true,-0.5E-3,{"c":2e+7}],"d":false,"e":10}"#;
        let v = parse(text).unwrap();
        assert_eq!(v.to_string(), text);
        assert_eq!(v["a"].as_number().unwrap().as_str(), "1E2");
        // What serde_json alone makes of them.
        let plain: Value = serde_json::from_str(text).unwrap();
        assert_eq!(plain["a"].as_number().unwrap().as_str(), "1e+2");
        assert_eq!(parse_slice(text.as_bytes()).unwrap(), v);
    }

    #[test]
    fn serde_jsons_number_token_is_left_as_serde_json_reads_it() {
        for text in [
            r#"{"x":{"$serde_json::private::Number":"1"},"y":1E2}"#,
            r#"{"y":1E2,"x":{"$serde_json::private::Number":"1E3"}}"#,
        ] {
            let plain: Value = serde_json::from_str(text).unwrap();
            let v = parse(text).unwrap();
            // Whatever was restored is the same number.
            assert_eq!(
                v.to_string().replace("1E2", "1e+2"),
                plain.to_string(),
                "{text}"
            );
        }
    }
}
