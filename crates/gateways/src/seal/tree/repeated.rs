//! A name given twice in one object, at any depth, found by serde_json's
//! reader: the check both ends make before reading a message's fields
//! (`seal verify`, the sandbox's Office Server), whatever reader then
//! reads them.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

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
}
