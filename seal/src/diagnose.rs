//! When a seal does not match, try the known wrong ways of sealing and
//! name the one that reproduces the seal in the message. This is what no
//! gateway library does, and what users lose days to.

use gateways::lyra::signature as lyra;
use gateways::seal::{key_bytes, same_seal, seal_of, Algorithm, Scheme};
use gateways::sips::seal::{self as sips, Direction, SipsJsonRule};

use crate::analysis::{is_base64_encoded, Analysis};
use crate::message::Message;

use base64::Engine as _;

/// One wrong way of sealing: a description, and the string and key it
/// would have used.
struct Candidate {
    cause: String,
    text: Vec<u8>,
    key: Key,
}

/// A key tried, zeroed when dropped.
type Key = zeroize::Zeroizing<Vec<u8>>;

fn owned(bytes: &[u8]) -> Key {
    zeroize::Zeroizing::new(bytes.to_vec())
}

/// Public test keys, published in the gateways' documentation and
/// samples. A production message sealed with one of them was sealed by
/// a test configuration.
const SIPS_TEST_KEYS: [(&str, &str); 4] = [
    ("002001000000001_KEY1", "Sips demo merchant 002001000000001"),
    ("002001000000002_KEY1", "Sips demo merchant 002001000000002"),
    (
        "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aBi79akR30vM9o",
        "Mercanet test merchant 211000021310001",
    ),
    (
        gateways::sips::office::TEST_SECRET_KEY,
        "Sogenactif Office Server test shop 201040040170001 (key version 1)",
    ),
];
const PAYBOX_TEST_KEY: &str = gateways::paybox::hmac::TEST_KEY;
const LYRA_TEST_KEY: &str = "1122334455667788";

/// The likely cause of a mismatch, or `None` when no known mistake
/// reproduces the seal.
pub fn diagnose(msg: &Message, a: &Analysis, secret: &[u8], trailing: &[u8]) -> Option<String> {
    let given = a.given.as_deref()?;
    let key = key_bytes(a.scheme, secret).ok()?;
    let text = a.seal_string.text.as_bytes();
    let mut shapes: Vec<Candidate> = Vec::new();
    let mut push =
        |cause: String, text: Vec<u8>, key: Key| shapes.push(Candidate { cause, text, key });

    // How the string was built.
    match a.scheme {
        Scheme::SipsJson => sips_json_shapes(msg, a, &key, &mut push),
        Scheme::SipsPost => sips_post_shapes(msg, a, &key, &mut push),
        Scheme::Paybox | Scheme::PayboxDirect => paybox_shapes(a, secret, &key, &mut push),
        Scheme::Lyra => lyra_shapes(a, &key, &mut push),
        Scheme::PayboxIpn => {}
    }
    // How the text was encoded.
    if !a.seal_string.text.is_ascii() {
        push(
            "matches if the text was UTF-8-encoded twice (UTF-8 read as Latin-1 and encoded again, \
             as PHP's utf8_encode does on text that is already UTF-8)"
                .into(),
            double_utf8(&a.seal_string.text),
            key.clone(),
        );
        if let Some(latin1) = latin1(&a.seal_string.text) {
            push(
                "matches if the text was encoded in Latin-1 (ISO-8859-1) instead of UTF-8".into(),
                latin1,
                key.clone(),
            );
        }
    }
    // What the key was.
    let newline: &[u8] = if trailing.is_empty() { b"\n" } else { trailing };
    let mut with_newline = owned(secret);
    with_newline.extend_from_slice(newline);
    if let Ok(k) = key_bytes(a.scheme, &with_newline) {
        push(
            "matches if the key file's trailing newline is part of the key (read the key without \
             its line ending, e.g. with $(cat key) or rtrim)"
                .into(),
            text.to_vec(),
            k,
        );
    } else if a.scheme.hex_key() {
        push(
            "matches if the key, with its trailing newline, is used as text instead of being \
             hex-decoded"
                .into(),
            text.to_vec(),
            owned(&with_newline),
        );
    }
    let mut with_space = owned(secret);
    with_space.push(b' ');
    if let Ok(k) = key_bytes(a.scheme, &with_space) {
        push(
            "matches if a trailing space is part of the key".into(),
            text.to_vec(),
            k,
        );
    }
    let trimmed = owned(String::from_utf8_lossy(secret).trim().as_bytes());
    if trimmed.as_slice() != secret {
        if let Ok(k) = key_bytes(a.scheme, &trimmed) {
            push(
                "matches if the spaces around the key are removed: the key you gave has \
                 leading or trailing whitespace"
                    .into(),
                text.to_vec(),
                k,
            );
        }
    }
    let test_keys: Vec<(&str, &str)> = match a.scheme {
        Scheme::SipsJson | Scheme::SipsPost => SIPS_TEST_KEYS.to_vec(),
        Scheme::Paybox | Scheme::PayboxDirect => vec![(
            PAYBOX_TEST_KEY,
            "Paybox pre-production test key (0123456789ABCDEF x 8)",
        )],
        Scheme::Lyra => vec![(LYRA_TEST_KEY, "Lyra documentation key 1122334455667788")],
        Scheme::PayboxIpn => vec![],
    };
    for (k, whose) in test_keys {
        if k.as_bytes() != secret {
            if let Ok(kb) = key_bytes(a.scheme, k.as_bytes()) {
                push(
                    format!("matches with the public test key of the {whose}: the message was sealed by a test configuration"),
                    text.to_vec(),
                    kb,
                );
            }
        }
    }

    let matches =
        |alg: Algorithm, c: &Candidate| same_seal(given, &seal_of(a.scheme, alg, &c.text, &c.key));
    // The chosen algorithm with each wrong shape, then the other
    // algorithms alone, then both mistakes together.
    for c in &shapes {
        if matches(a.algorithm, c) {
            return Some(c.cause.clone());
        }
    }
    let plain = Candidate {
        cause: String::new(),
        text: text.to_vec(),
        key: key.clone(),
    };
    for &alg in Algorithm::for_scheme(a.scheme) {
        if alg == a.algorithm {
            continue;
        }
        let other = format!(
            "matches with {} instead of {}",
            describe(a.scheme, alg),
            describe(a.scheme, a.algorithm)
        );
        if matches(alg, &plain) {
            return Some(format!("{other}{}", algorithm_hint(a.scheme, alg)));
        }
        for c in &shapes {
            if matches(alg, c) {
                return Some(format!(
                    "{other}, and {}",
                    c.cause.trim_start_matches("matches ")
                ));
            }
        }
    }
    if a.scheme == Scheme::Lyra && a.algorithm == Algorithm::HmacSha256 {
        let mac = Algorithm::HmacSha256.digest(&key, text);
        let b64 = base64::engine::general_purpose::STANDARD.encode(mac);
        if same_seal(given, &b64) {
            return Some(
                "matches if the key is not appended to the string ('+' and the key) before \
                 HMAC-SHA-256; Lyra's rule appends it and also uses it as the HMAC key"
                    .into(),
            );
        }
    }
    None
}

fn describe(scheme: Scheme, alg: Algorithm) -> String {
    match scheme {
        Scheme::Paybox | Scheme::PayboxDirect => format!(
            "{}={} ({})",
            scheme.algorithm_field().unwrap_or_default(),
            alg.spelling_for(scheme),
            alg.name()
        ),
        _ => alg.name().to_string(),
    }
}

fn algorithm_hint(scheme: Scheme, alg: Algorithm) -> &'static str {
    match (scheme, alg) {
        (Scheme::SipsJson, _) | (Scheme::SipsPost, _) => {
            " (set sealAlgorithm / SealAlgorithm in the message, or --algorithm, to the algorithm the shop uses)"
        }
        (Scheme::Lyra, _) => " (the algorithm is a shop setting in the Lyra back office)",
        (Scheme::Paybox, _) => " (PBX_HASH must name the algorithm the seal was made with)",
        (Scheme::PayboxDirect, _) => " (HASH must name the algorithm the HMAC was made with)",
        _ => "",
    }
}

fn sips_json_shapes(
    msg: &Message,
    a: &Analysis,
    key: &[u8],
    push: &mut dyn FnMut(String, Vec<u8>, Key),
) {
    let excluded: &[&str] = match a.direction {
        Some((Direction::Response, _)) => &sips::SIPS_RESPONSE_EXCLUDED,
        _ => &sips::SIPS_REQUEST_EXCLUDED,
    };
    let f = &msg.fields;
    let java_case = SipsJsonRule {
        case_insensitive_order: true,
        ..Default::default()
    };
    let java_lists = SipsJsonRule {
        sort_lists: true,
        ..Default::default()
    };
    let java_both = SipsJsonRule {
        case_insensitive_order: true,
        sort_lists: true,
        ..Default::default()
    };
    let php = SipsJsonRule {
        php_booleans: true,
        ..Default::default()
    };
    let text = |rule, ex: &[&str]| sips::json_seal_string(f, ex, rule).text.into_bytes();
    push(
        "matches if the field names are sorted case-insensitively (the Worldline Java SDK's \
         behaviour); the gateway sorts them byte-wise, upper case first"
            .into(),
        text(java_case, excluded),
        owned(key),
    );
    push(
        "matches if list elements are sorted (the Worldline Java SDK's behaviour); the gateway \
         keeps lists in their order"
            .into(),
        text(java_lists, excluded),
        owned(key),
    );
    push(
        "matches the Worldline Java SDK's rules (names sorted case-insensitively and lists \
         sorted); the gateway sorts names byte-wise and keeps lists in order"
            .into(),
        text(java_both, excluded),
        owned(key),
    );
    match a.direction {
        Some((Direction::Response, _)) => push(
            "matches if keyVersion and sealAlgorithm are left out of the seal; in a response \
             every field but seal is sealed"
                .into(),
            text(SipsJsonRule::default(), &sips::SIPS_REQUEST_EXCLUDED),
            owned(key),
        ),
        _ => push(
            "matches if keyVersion and sealAlgorithm are included in the seal; a request leaves \
             them out"
                .into(),
            text(SipsJsonRule::default(), &sips::SIPS_RESPONSE_EXCLUDED),
            owned(key),
        ),
    }
    push(
        "matches if booleans are written as PHP does (1 for true, nothing for false)".into(),
        text(php, excluded),
        owned(key),
    );
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

fn sips_post_shapes(
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

fn paybox_shapes(
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

fn lyra_shapes(a: &Analysis, key: &[u8], push: &mut dyn FnMut(String, Vec<u8>, Key)) {
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

/// UTF-8 read as Latin-1 and encoded again (PHP's `utf8_encode` on UTF-8).
pub fn double_utf8(text: &str) -> Vec<u8> {
    text.as_bytes()
        .iter()
        .map(|b| char::from(*b))
        .collect::<String>()
        .into_bytes()
}

/// The text in ISO-8859-1, if every character fits.
pub fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}
