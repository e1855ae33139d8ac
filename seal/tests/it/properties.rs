//! Properties of the seal library over generated input.

use gateways::paybox::ipn;
use gateways::schemes::{key_bytes, seal_of};
use gateways::seal::same_seal;
use proptest::prelude::*;
use seal::analysis::{Analysis, Choice};
use seal::message::{self, InputKind};
use serde_json::{Map, Value};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        "[ -~é€]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z]{1,6}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// No input makes the parser panic.
    #[test]
    fn parsing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        for kind in [InputKind::Auto, InputKind::Json, InputKind::Form] {
            if let Ok(m) = message::parse(&bytes, kind, 1) {
                let _ = Analysis::of(&m, &Choice::default());
            }
        }
    }

    /// A sealed message carries a seal that its own analysis reproduces:
    /// adding the seal field does not change what is sealed, and the seal
    /// is HMAC-SHA-256 of the seal string (checked with the hmac crate).
    #[test]
    fn a_computed_seal_verifies(fields in prop::collection::vec(("[a-z]{1,8}", json_value()), 1..6),
                                key in "[ -~]{1,32}") {
        use hmac::{Hmac, Mac};
        let obj: Map<String, Value> = fields.into_iter().filter(|(k, _)| k != "seal").collect();
        let text = serde_json::to_vec(&obj).unwrap();
        let msg = message::parse(&text, InputKind::Json, 1).unwrap();
        let choice = Choice::default();
        let a = Analysis::of(&msg, &choice).unwrap();
        let k = key_bytes(a.scheme, key.as_bytes()).unwrap();
        let s = seal_of(a.scheme, a.algorithm, a.seal_string.text.as_bytes(), &k);
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(a.seal_string.text.as_bytes());
        prop_assert_eq!(&s, &hex::encode(mac.finalize().into_bytes()));

        let mut sealed = obj.clone();
        sealed.insert("seal".into(), Value::String(s.clone()));
        let again = message::parse(&serde_json::to_vec(&sealed).unwrap(), InputKind::Json, 1).unwrap();
        let b = Analysis::of(&again, &choice).unwrap();
        prop_assert_eq!(&b.seal_string.text, &a.seal_string.text);
        prop_assert!(same_seal(b.given.as_deref().unwrap(), &s));
    }

    /// No query string makes the Paybox return path panic.
    #[test]
    fn ipn_never_panics(query in "[A-Za-z0-9=&%+/ @.-]{0,80}") {
        let key = ipn::public_key(ipn::PAYBOX_PUBLIC_KEY).unwrap();
        for field in [None, Some("Sign")] {
            if let Ok(split) = ipn::split(&query, field) {
                if let Ok(sig) = ipn::decode_signature(split.raw_signature) {
                    prop_assert!(!ipn::verifies(&key, split.signed.as_bytes(), &sig));
                }
                let c = seal::ipn::check(&key, &query, &split);
                prop_assert!(!c.valid);
                prop_assert!(c.likely_cause.is_some());
            }
        }
    }

    /// The seal string is the fields' texts joined: explain's offsets add up.
    #[test]
    fn segments_make_the_seal_string(fields in prop::collection::vec(("[a-z]{1,8}", json_value()), 0..6)) {
        let obj: Map<String, Value> = fields.into_iter().collect();
        let s = gateways::sips::seal::json_seal_string(&obj, &[], Default::default());
        let joined: String = s.segments.iter().map(|x| x.text.as_str()).collect();
        prop_assert_eq!(joined, s.text);
    }
}
