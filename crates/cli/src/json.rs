//! JSON for machines that a person may read too.

use serde_json::Value;

/// Mask card numbers and security codes in every string of `value`
/// ([`crate::text::mask`]), keys included: for JSON that describes input
/// (an inspection, a diagnosis), not for the data a user asked for.
pub fn mask_strings(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(m) = crate::text::mask(s) {
                *s = m;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_strings),
        Value::Object(map) => {
            let masked: serde_json::Map<String, Value> = std::mem::take(map)
                .into_iter()
                .map(|(k, mut v)| {
                    mask_strings(&mut v);
                    (crate::text::mask(&k).into_owned(), v)
                })
                .collect();
            *map = masked;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_and_keys_are_masked() {
        let mut v =
            serde_json::json!({"uid": "Shop 4111111111111111", "4111111111111111": [1, "CVV=222"]});
        super::mask_strings(&mut v);
        assert_eq!(
            v.to_string(),
            r#"{"uid":"Shop 411111******1111","411111******1111":[1,"CVV=***"]}"#
        );
    }
}
