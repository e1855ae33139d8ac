//! How each gateway's seal string was built wrong: the SDKs' and
//! integrations' mistakes, each with its public source.

use base64::Engine as _;
use gateways::lyra::signature as lyra;
use gateways::sips::seal::{self as sips, Direction, MessageOrder, SipsJsonRule};
use serde_json::Value;

use crate::analysis::{is_base64_encoded, Analysis};
use crate::message::Message;

use super::{owned, Key};

/// The Office Server wallet functions whose `endpoint` field
/// worldline/sips-sdk-java sealed with the request (`SIPS2Request`'s
/// `endpoint`, `"wallet/" + function`, until commit b817b12, January
/// 2022, excluded it from the reflection-built seal string).
const JAVA_SDK_ENDPOINTS: [&str; 2] = ["wallet/getWalletData", "wallet/deletePaymentMean"];

pub(super) fn sips_json_shapes(
    msg: &Message,
    a: &Analysis,
    key: &[u8],
    push: &mut dyn FnMut(String, Vec<u8>, Key),
) {
    let direction = a.direction.as_ref().map_or(Direction::Request, |d| d.0);
    let excluded = sips::excluded(direction);
    let f = &msg.fields;
    let text = |rule, ex: &[&str]| sips::json_seal_string(f, ex, rule).text.into_bytes();
    let java_case = SipsJsonRule {
        case_insensitive_order: true,
        ..Default::default()
    };
    push(
        "matches if the field names are sorted case-insensitively (the Worldline Java SDK's \
         behaviour); the gateway sorts them byte-wise, upper case first"
            .into(),
        text(java_case, excluded),
        owned(key),
    );
    let has_lists = f.values().any(gateways::seal::has_lists);
    if has_lists {
        push(
            "matches if list elements are sorted (the Worldline Java SDK's behaviour); the gateway \
             keeps lists in their order"
                .into(),
            text(
                SipsJsonRule {
                    sort_lists: true,
                    ..Default::default()
                },
                excluded,
            ),
            owned(key),
        );
        push(
            "matches the Worldline Java SDK's rules (names sorted case-insensitively and lists \
             sorted); the gateway sorts names byte-wise and keeps lists in order"
                .into(),
            text(
                SipsJsonRule {
                    case_insensitive_order: true,
                    sort_lists: true,
                    ..Default::default()
                },
                excluded,
            ),
            owned(key),
        );
    }
    if f.values().any(has_nested_list) {
        // worldline/sips-sdk-nodejs SealCalculator.js: a list is added as
        // value.toString().replace(/,/g, ''), so a list of objects
        // becomes "[object Object]" and commas inside values vanish.
        push(
            "matches if lists are written as JavaScript's Array.toString() without commas (the \
             Worldline Node.js SDK's behaviour: an object in a list becomes \"[object Object]\"); \
             the gateway seals each element's values, objects sorted like any container"
                .into(),
            text(
                SipsJsonRule {
                    js_lists: true,
                    ..Default::default()
                },
                excluded,
            ),
            owned(key),
        );
    }
    // Nested first: when the top level is in order already, both give
    // the same string, and the narrower cause is the truer one.
    if f.values()
        .any(|v| matches!(v, Value::Object(m) if m.len() > 1))
    {
        push(
            "matches if the fields inside nested objects are taken in the message's order; the \
             gateway sorts them by name too, in every container"
                .into(),
            text(
                SipsJsonRule {
                    message_order: MessageOrder::Nested,
                    ..Default::default()
                },
                excluded,
            ),
            owned(key),
        );
    }
    // worldline/sips-sdk-php, until commit 749769c ("Fix the seal
    // calculation for responses", 2021): getSealData() took the fields in
    // the order given; a ksort at each level was added then.
    push(
        "matches if the fields are taken in the message's order instead of sorted by name (the \
         Worldline PHP SDK before its 2021 fix); the gateway sorts names at every level"
            .into(),
        text(
            SipsJsonRule {
                message_order: MessageOrder::Everywhere,
                ..Default::default()
            },
            excluded,
        ),
        owned(key),
    );
    match direction {
        Direction::Response => push(
            "matches if keyVersion and sealAlgorithm are left out of the seal; in a response \
             every field but seal is sealed"
                .into(),
            text(SipsJsonRule::default(), &sips::SIPS_REQUEST_EXCLUDED),
            owned(key),
        ),
        Direction::Request => {
            push(
                "matches if keyVersion and sealAlgorithm are included in the seal; a request \
                 leaves them out"
                    .into(),
                text(SipsJsonRule::default(), &sips::SIPS_RESPONSE_EXCLUDED),
                owned(key),
            );
            for endpoint in JAVA_SDK_ENDPOINTS {
                let mut with = f.clone();
                with.insert("endpoint".into(), Value::String(endpoint.into()));
                push(
                    format!(
                        "matches if the SDK's own field endpoint (\"{endpoint}\") is sealed with \
                         the message (the Worldline Java SDK before January 2022); the gateway \
                         seals only the message's fields"
                    ),
                    sips::json_seal_string(&with, excluded, java_case)
                        .text
                        .into_bytes(),
                    owned(key),
                );
            }
        }
    }
    if f.values().any(gateways::seal::has_booleans) {
        push(
            "matches if booleans are written as PHP does (1 for true, nothing for false)".into(),
            text(
                SipsJsonRule {
                    php_booleans: true,
                    ..Default::default()
                },
                excluded,
            ),
            owned(key),
        );
    }
    let s = &a.seal_string.text;
    if s.contains(['[', ']', '"']) {
        let stripped: String = s
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | '"'))
            .collect();
        push(
            "matches if '[', ']' and '\"' are stripped from the seal string (the old BNP Mercanet \
             class does this)"
                .into(),
            stripped.into_bytes(),
            owned(key),
        );
    }
}

/// Whether a list stands anywhere below this value.
fn has_nested_list(v: &Value) -> bool {
    match v {
        Value::Array(_) => true,
        Value::Object(m) => m.values().any(has_nested_list),
        _ => false,
    }
}

pub(super) fn sips_post_shapes(
    msg: &Message,
    a: &Analysis,
    key: &[u8],
    push: &mut dyn FnMut(String, Vec<u8>, Key),
) {
    let data = &a.seal_string.text;
    let b64 = base64::engine::general_purpose::STANDARD;
    if is_base64_encoded(&msg.fields) {
        if let Ok(decoded) = b64.decode(data.trim()) {
            push(
                "matches over the decoded Data: with Encode=base64 the seal covers the base64 text \
                 exactly as transmitted"
                    .into(),
                decoded,
                owned(key),
            );
        }
    } else {
        push(
            "matches over base64(Data): the seal was made over base64-encoded Data, so the \
             message lacks Encode=base64"
                .into(),
            b64.encode(data.as_bytes()).into_bytes(),
            owned(key),
        );
        if let Ok(decoded) = b64.decode(data.trim()) {
            push(
                "matches over the base64-decoded Data: Data is base64 and the seal was made over \
                 the decoded pairs"
                    .into(),
                decoded,
                owned(key),
            );
        }
    }
    if data.contains(' ') {
        push(
            "matches if the spaces in Data were '+' signs: '+' was turned into a space by form \
             decoding ('+' must travel as %2B, e.g. in transactionDateTime)"
                .into(),
            data.replace(' ', "+").into_bytes(),
            owned(key),
        );
    }
    if data.contains('+') {
        push(
            "matches if the '+' signs in Data were spaces: the Data was form-encoded with '+' for \
             spaces and not decoded before sealing"
                .into(),
            data.replace('+', " ").into_bytes(),
            owned(key),
        );
    }
}

pub(super) fn paybox_shapes(
    a: &Analysis,
    secret: &[u8],
    key: &[u8],
    push: &mut dyn FnMut(String, Vec<u8>, Key),
) {
    let text = a.seal_string.text.as_bytes();
    push(
        "matches if the key is used as text instead of being hex-decoded to bytes (PHP: \
         pack('H*', $key); Python: bytes.fromhex(key))"
            .into(),
        text.to_vec(),
        owned(secret),
    );
    let seal_field = a.scheme.seal_field();
    let fields: Vec<&(String, String)> = a.pairs.iter().filter(|(k, _)| k != seal_field).collect();
    let encoded: Vec<String> = fields
        .iter()
        .map(|(k, v)| {
            let e: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
            format!("{k}={e}")
        })
        .collect();
    push(
        "matches if the values were URL-encoded before sealing; Paybox seals the raw values".into(),
        encoded.join("&").into_bytes(),
        owned(key),
    );
    let mut sorted = fields.clone();
    sorted.sort_by(|x, y| x.0.cmp(&y.0));
    let sorted_text: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    push(
        "matches if the fields are sealed in alphabetical order; Paybox seals them in the order \
         they are posted (send them in the order you sealed them)"
            .into(),
        sorted_text.join("&").into_bytes(),
        owned(key),
    );
}

pub(super) fn lyra_shapes(a: &Analysis, key: &[u8], push: &mut dyn FnMut(String, Vec<u8>, Key)) {
    push(
        "matches if the vads_* fields are taken in message order instead of sorted by name".into(),
        lyra::seal_string(&a.pairs, false).text.into_bytes(),
        owned(key),
    );
    let non_empty: Vec<(String, String)> = a
        .pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .cloned()
        .collect();
    if non_empty.len() != a.pairs.len() {
        push(
            "matches if empty vads_* fields are left out (some libraries drop them); Lyra counts \
             every vads_* field, empty or not"
                .into(),
            lyra::seal_string(&non_empty, true).text.into_bytes(),
            owned(key),
        );
    }
}
