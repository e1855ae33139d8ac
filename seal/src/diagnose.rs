//! When a seal does not match, try the known wrong ways of sealing and
//! name the one that reproduces the seal in the message. This is what no
//! gateway library does, and what users lose days to.
//!
//! Each way is one that a real integration took; its comment names the
//! public project, issue or commit it comes from (docs/seal-troubleshooting.md
//! lists them all). When none reproduces the seal, [`fallback`] says what
//! cannot be recomputed, likeliest first.

use base64::Engine as _;
use gateways::lyra::signature as lyra;
use gateways::paybox::hmac as paybox;
use gateways::schemes::{key_bytes, seal_of, Scheme};
use gateways::seal::{same_seal, Algorithm};
use gateways::sips::seal::{self as sips, Direction, MessageOrder, SipsJsonRule};
use serde_json::{Map, Value};

use crate::analysis::{is_base64_encoded, Analysis};
use crate::mangle::{self, Entities};
use crate::message::Message;

/// One wrong way of sealing: a description, and the string and key it
/// would have used (and the algorithm, when the way is an algorithm).
struct Candidate {
    cause: String,
    text: Vec<u8>,
    key: Key,
    algorithm: Option<Algorithm>,
}

/// A key tried, zeroed when dropped.
type Key = zeroize::Zeroizing<Vec<u8>>;

fn owned(bytes: &[u8]) -> Key {
    zeroize::Zeroizing::new(bytes.to_vec())
}

/// Public test keys, published in the gateways' documentation and
/// samples. A production message sealed with one of them was sealed by
/// a test configuration.
const SIPS_TEST_KEYS: [(&str, &str); 5] = [
    ("002001000000001_KEY1", "Sips demo merchant 002001000000001"),
    ("002001000000002_KEY1", "Sips demo merchant 002001000000002"),
    // The demo shop of transactionId (s10) mode, in Worldline's samples
    // (wl-sips/sips-paypage-json-php Common/configuration) and left in a
    // live configuration in nursit/bank issue #94.
    ("002001000000003_KEY1", "Sips demo merchant 002001000000003"),
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

/// The Office Server wallet functions whose `endpoint` field
/// worldline/sips-sdk-java sealed with the request (`SIPS2Request`'s
/// `endpoint`, `"wallet/" + function`, until commit b817b12, January
/// 2022, excluded it from the reflection-built seal string).
const JAVA_SDK_ENDPOINTS: [&str; 2] = ["wallet/getWalletData", "wallet/deletePaymentMean"];

/// The UTF-8 byte order mark Windows editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The likely cause of a mismatch, or `None` when no known mistake
/// reproduces the seal.
pub fn diagnose(msg: &Message, a: &Analysis, secret: &[u8], trailing: &[u8]) -> Option<String> {
    let given = a.given.as_deref()?;
    let key = key_bytes(a.scheme, secret).ok()?;
    let text = a.seal_string.text.as_bytes();
    let mut shapes: Vec<Candidate> = Vec::new();
    let mut push = |cause: String, text: Vec<u8>, key: Key| {
        shapes.push(Candidate {
            cause,
            text,
            key,
            algorithm: None,
        })
    };

    // How the string was built.
    match a.scheme {
        Scheme::SipsJson => sips_json_shapes(msg, a, &key, &mut push),
        Scheme::SipsPost => sips_post_shapes(msg, a, &key, &mut push),
        Scheme::Paybox | Scheme::PayboxDirect => paybox_shapes(a, secret, &key, &mut push),
        Scheme::Lyra => lyra_shapes(a, &key, &mut push),
        Scheme::PayboxIpn => {}
    }
    // How the values were changed between sealing and posting.
    value_shapes(msg, a, &key, &mut push);
    // How the text was encoded.
    if let Some(twice) = mangle::double_utf8(&a.seal_string.text) {
        push(
            "matches if the text was UTF-8-encoded twice (UTF-8 read as Latin-1 and encoded again, \
             as PHP's utf8_encode does on text that is already UTF-8)"
                .into(),
            twice.into_bytes(),
            key.clone(),
        );
    }
    if let Some(latin1) = mangle::latin1(&a.seal_string.text) {
        push(
            "matches if the text was encoded in Latin-1 (ISO-8859-1) instead of UTF-8".into(),
            latin1,
            key.clone(),
        );
    }
    // What the key was.
    key_shapes(a, secret, trailing, text, &mut push);
    if matches!(a.scheme, Scheme::SipsJson | Scheme::SipsPost) {
        // MAD-I-T/magento-worldline-sips2: its SHA-256 branch is
        // hash('sha256', $key), the message left out entirely.
        shapes.push(Candidate {
            cause: "matches the SHA-256 of the key alone: the code hashes the key and not the \
                    message (hash('sha256', $key)); with SHA-256 the seal is SHA-256 of the seal \
                    string followed by the key"
                .into(),
            text: Vec::new(),
            key: key.clone(),
            algorithm: Some(Algorithm::Sha256),
        });
    }

    // Each candidate is digested once per algorithm whose seal has the
    // given seal's length (a 64-digit seal is no HMAC-SHA-512; Paybox's
    // four algorithms have four lengths): every digest of a 900 KB
    // message costs what its seal string's build does, and the diagnosis
    // was 57 of them, a third of them lengths the seal cannot have.
    let given_len = given.trim().len();
    let fits = |alg: Algorithm| seal_of(a.scheme, alg, &[], &[]).len() == given_len;
    let shapes = distinct(shapes, text, &key);
    let matches = |alg: Algorithm, c: &Candidate| {
        fits(c.algorithm.unwrap_or(alg))
            && same_seal(
                given,
                &seal_of(a.scheme, c.algorithm.unwrap_or(alg), &c.text, &c.key),
            )
    };
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
        algorithm: None,
    };
    for &alg in a.scheme.algorithms() {
        if alg == a.algorithm || !fits(alg) {
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
        for c in shapes.iter().filter(|c| c.algorithm.is_none()) {
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

/// The candidates, each (string, key, algorithm) once, the first cause
/// kept, and none that is the message's own string and key: that one was
/// checked and did not match, and it is tried with the other algorithms
/// before any candidate. Most of the ways leave most messages as they
/// are (names already in byte order, no list to sort): each was digested
/// for nothing, three times. The strings are told apart by a hash, and
/// compared whole only when it is the same.
fn distinct(shapes: Vec<Candidate>, text: &[u8], key: &[u8]) -> Vec<Candidate> {
    use std::hash::BuildHasher as _;
    let hasher = std::collections::hash_map::RandomState::new();
    let plain = (hasher.hash_one(text), None);
    let mut kept: Vec<(u64, Candidate)> = Vec::with_capacity(shapes.len());
    for c in shapes {
        let h = hasher.hash_one(&c.text);
        let same = |t: &[u8], k: &[u8], alg: Option<Algorithm>| {
            alg == c.algorithm && k == c.key.as_slice() && t == c.text.as_slice()
        };
        if (h, c.algorithm) == plain && same(text, key, None) {
            continue;
        }
        if kept
            .iter()
            .any(|(kh, k)| *kh == h && same(&k.text, &k.key, k.algorithm))
        {
            continue;
        }
        kept.push((h, c));
    }
    kept.into_iter().map(|(_, c)| c).collect()
}

/// What to say when no known mistake reproduces the seal: the mistakes
/// that cannot be recomputed from the message, by name, the likeliest
/// first — a field changed after sealing is the one the public trackers
/// report most (nursit/bank #85: a field changed after hashing, answered
/// "Problème d'identification du commerce"), then a seal copied from
/// another message (a cached form, a test fixture) — and then the key,
/// as the scheme names it: keyVersion for Sips only, vads_ctx_mode for
/// Lyra, the site's environment for Paybox.
pub fn fallback(msg: &Message, a: &Analysis) -> String {
    let seal = a.scheme.seal_field();
    let (changed, reused, key) = match a.scheme {
        Scheme::SipsJson | Scheme::SipsPost => (
            "an amount, a URL or a reference set after the seal was computed: seal last",
            "a seal copied from an earlier request or a test: compute it for each message",
            "the key is not the one of this keyVersion for this shop and environment (test / \
             production): after a key renewal, keyVersion must name the new one"
                .to_string(),
        ),
        Scheme::Paybox | Scheme::PayboxDirect => (
            "PBX_TOTAL, PBX_CMD or PBX_TIME set after PBX_HMAC was computed, or a field added to \
             the form and not to the sealed string: seal the fields exactly as posted, last",
            "PBX_TIME differs on every form: a cached page, or a PBX_HMAC kept from an earlier \
             order, posts an HMAC made for other fields",
            "the HMAC key is not the back-office key of this site and rang, for this environment \
             (pre-production / production)"
                .to_string(),
        ),
        Scheme::Lyra => (
            "a vads_* field set or changed after the signature was computed: sign last",
            "vads_trans_id and vads_trans_date change on every payment: a signature kept from \
             another form never fits",
            lyra_key_hint(msg),
        ),
        Scheme::PayboxIpn => unreachable!("paybox-ipn has its own fallback"),
    };
    let mut out = format!(
        "no known integration mistake reproduces this seal; what cannot be recomputed, \
         likeliest first: 1) a field changed after sealing ({changed}); 2) {} reused from \
         another form or message ({reused}); 3) {key}",
        if a.scheme == Scheme::Lyra {
            "a signature"
        } else {
            "an HMAC"
        }
    );
    if a.scheme == Scheme::Lyra {
        // nursit/bank #134: quotes in buyers' names. An unescaped '"' in
        // value="…" ends the attribute: the browser posts what comes
        // before it, and the text after it is lost, so no recomputation
        // can bring it back.
        out.push_str(
            "; 4) a value holding '\"' written unescaped in the form's HTML: the browser posts \
             only what comes before it (escape every value with htmlspecialchars)",
        );
    }
    out.push_str(&format!(
        ". seal explain shows exactly what was sealed, field by field, and the {seal} in the message"
    ));
    out
}

/// Lyra: the key `vads_ctx_mode` asks for (Lyra signs with the shop's
/// TEST or PRODUCTION key as that field says).
fn lyra_key_hint(msg: &Message) -> String {
    let mode = msg
        .fields
        .get("vads_ctx_mode")
        .and_then(Value::as_str)
        .unwrap_or("");
    match mode {
        "PRODUCTION" => "vads_ctx_mode=PRODUCTION asks for the shop's PRODUCTION key: a site \
             still signing with its TEST key gives exactly this"
            .into(),
        "TEST" => "vads_ctx_mode=TEST asks for the shop's TEST key: is the key given the TEST \
             one, and not the PRODUCTION one?"
            .into(),
        _ => "the key is not the one vads_ctx_mode asks for (the shop's TEST or PRODUCTION key)"
            .into(),
    }
}

fn describe(scheme: Scheme, alg: Algorithm) -> String {
    match scheme {
        Scheme::Paybox | Scheme::PayboxDirect => format!(
            "{}={} ({})",
            scheme.algorithm_field().unwrap_or_default(),
            scheme.spelling(alg),
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

/// What the key was: with its line ending, its byte order mark, spaces,
/// decoded, or a public test key.
fn key_shapes(
    a: &Analysis,
    secret: &[u8],
    trailing: &[u8],
    text: &[u8],
    push: &mut dyn FnMut(String, Vec<u8>, Key),
) {
    let mut endings: Vec<&[u8]> = vec![if trailing.is_empty() { b"\n" } else { trailing }];
    // A key read with its CRLF (a file saved on Windows, read by a line
    // reader that strips only LF).
    if trailing != b"\r\n" {
        endings.push(b"\r\n");
    }
    for ending in endings {
        let mut with_newline = owned(secret);
        with_newline.extend_from_slice(ending);
        let shown = if ending == b"\r\n" { "CRLF" } else { "newline" };
        if let Ok(k) = key_bytes(a.scheme, &with_newline) {
            push(
                format!(
                    "matches if the key file's trailing {shown} is part of the key (read the key \
                     without its line ending, e.g. with $(cat key) or rtrim)"
                ),
                text.to_vec(),
                k,
            );
        } else if a.scheme.hex_key() {
            push(
                format!(
                    "matches if the key, with its trailing {shown}, is used as text instead of \
                     being hex-decoded"
                ),
                text.to_vec(),
                owned(&with_newline),
            );
        }
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
    if !a.scheme.hex_key() {
        // A key file saved by a Windows editor starts with a byte order
        // mark, which file_get_contents() and the like keep.
        match secret.strip_prefix(BOM) {
            Some(bare) => push(
                "matches without the byte order mark (EF BB BF) the key file you gave starts \
                 with: the message was sealed with the key itself, which is right; remove the \
                 mark from the key file"
                    .into(),
                text.to_vec(),
                owned(bare),
            ),
            None => {
                let mut with_bom = owned(BOM);
                with_bom.extend_from_slice(secret);
                push(
                    "matches if the key file's UTF-8 byte order mark (EF BB BF, as Windows \
                     editors save it) is part of the key: read the key without it"
                        .into(),
                    text.to_vec(),
                    with_bom,
                );
            }
        }
        // Sips keys look like base64url (the Mercanet and Sogenactif
        // test keys do) but are used as their text (../shared/reference/
        // sips.md §1: the BNP vector only reproduces with the raw bytes).
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let unpadded: Vec<u8> = secret.iter().copied().filter(|b| *b != b'=').collect();
        if let Ok(decoded) = b64url.decode(&unpadded) {
            push(
                "matches if the key is base64url-decoded before use; the key is used as its \
                 text, exactly as the back office shows it"
                    .into(),
                text.to_vec(),
                owned(&decoded),
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
}

/// The message's values changed the ways forms and pages change them:
/// each way rebuilds the seal string from the changed values.
fn value_shapes(
    msg: &Message,
    a: &Analysis,
    key: &[u8],
    push: &mut dyn FnMut(String, Vec<u8>, Key),
) {
    for way in Entities::ALL {
        if let Some(text) = rebuilt(msg, a, &|v| way.encode(v)) {
            let example = match way {
                Entities::Quotes => "'\"' as &#034;",
                Entities::Special => "'\"' as &quot;, '&' as &amp;",
                Entities::Named => "é as &eacute;, '<' as &lt;",
                Entities::Numeric => "’ as &#8217;, é as &#233;",
                Entities::Mixed => "é as &eacute; and ’ as &#8217; in one value",
            };
            push(
                format!(
                    "matches if the values were HTML-entity-encoded when sealed ({example}), \
                     while the form posts the characters the entities stand for: seal the text \
                     exactly as it will be posted (decode entities first, e.g. \
                     html_entity_decode), and escape it for HTML only in the form"
                ),
                text,
                owned(key),
            );
        }
    }
    entities_by_field(msg, a, key, push);
    if let Some(text) = rebuilt(msg, a, &mangle::entities_decoded) {
        push(
            "matches if the HTML entities in the values are decoded: the seal was made over the \
             characters, but the form posted the entities' text (the values were escaped twice \
             in the page): escape each value once"
                .into(),
            text,
            owned(key),
        );
    }
    if let Some(text) = rebuilt(msg, a, &mangle::crlf_as_lf) {
        push(
            "matches if the line breaks are LF: the value was sealed with LF line breaks, and \
             the browser posted them as CRLF (it always does, in a form): seal the text with \
             CRLF line breaks, or keep line breaks out of the values"
                .into(),
            text,
            owned(key),
        );
    }
}

/// The values HTML-entity-encoded when sealed, each field its own way:
/// named entities in one (`Caf&eacute;`), numeric ones in another
/// (`Ath&#232;nes`), as when one value comes from a CMS's text and the
/// other from a form. Every split of the values the two ways write
/// differently is one seal-string build, so it is tried for a few such
/// values only ([`MAX_SPLIT`]: 2^3 − 2 = 6 builds at most; the ways that
/// encode every value alike were tried before).
fn entities_by_field(
    msg: &Message,
    a: &Analysis,
    key: &[u8],
    push: &mut dyn FnMut(String, Vec<u8>, Key),
) {
    use std::cell::Cell;
    let differ = |v: &str| Entities::Named.encode(v) != Entities::Numeric.encode(v);
    let count = Cell::new(0u32);
    rebuilt(msg, a, &|v| {
        if differ(v) {
            count.set(count.get() + 1);
        }
        None
    });
    let n = count.get();
    if !(2..=MAX_SPLIT).contains(&n) {
        return;
    }
    for split in 1..(1u32 << n) - 1 {
        let at = Cell::new(0u32);
        let change = |v: &str| {
            if !differ(v) {
                return Entities::Named.encode(v);
            }
            let i = at.get();
            at.set(i + 1);
            if split & (1 << i) != 0 {
                Entities::Named.encode(v)
            } else {
                Entities::Numeric.encode(v)
            }
        };
        if let Some(text) = rebuilt(msg, a, &change) {
            push(
                "matches if the values were HTML-entity-encoded when sealed, some with named \
                 entities (é as &eacute;) and others with numeric ones (é as &#233;), while the \
                 form posts the characters the entities stand for: seal the text exactly as it \
                 will be posted (decode entities first, e.g. html_entity_decode), and escape it \
                 for HTML only in the form"
                    .into(),
                text,
                owned(key),
            );
        }
    }
}

/// The most values whose entities are split between named and numeric
/// ([`entities_by_field`]).
const MAX_SPLIT: u32 = 3;

/// The seal string with every value passed through `change`, or `None`
/// when no value changes.
fn rebuilt(
    msg: &Message,
    a: &Analysis,
    change: &dyn Fn(&str) -> Option<String>,
) -> Option<Vec<u8>> {
    match a.scheme {
        Scheme::SipsJson => {
            let mut fields = msg.fields.clone();
            if !change_strings(&mut fields, change) {
                return None;
            }
            let direction = a.direction.as_ref().map_or(Direction::Request, |d| d.0);
            Some(
                sips::json_seal_string(&fields, sips::excluded(direction), SipsJsonRule::default())
                    .text
                    .into_bytes(),
            )
        }
        Scheme::SipsPost => change(&a.seal_string.text).map(String::into_bytes),
        Scheme::Paybox | Scheme::PayboxDirect | Scheme::Lyra => {
            let mut changed = false;
            let pairs: Vec<(String, String)> = a
                .pairs
                .iter()
                .map(|(k, v)| match change(v) {
                    Some(new) => {
                        changed = true;
                        (k.clone(), new)
                    }
                    None => (k.clone(), v.clone()),
                })
                .collect();
            if !changed {
                return None;
            }
            let s = match a.scheme {
                Scheme::Lyra => lyra::seal_string(&pairs, true),
                Scheme::Paybox => paybox::seal_string(&pairs),
                _ => gateways::paybox::direct::seal_string(&pairs),
            };
            Some(s.text.into_bytes())
        }
        Scheme::PayboxIpn => None,
    }
}

fn change_strings(
    fields: &mut Map<String, Value>,
    change: &dyn Fn(&str) -> Option<String>,
) -> bool {
    fn walk(v: &mut Value, change: &dyn Fn(&str) -> Option<String>) -> bool {
        match v {
            Value::String(s) => match change(s) {
                Some(new) => {
                    *s = new;
                    true
                }
                None => false,
            },
            Value::Array(items) => items.iter_mut().fold(false, |c, i| walk(i, change) | c),
            Value::Object(m) => m.values_mut().fold(false, |c, i| walk(i, change) | c),
            _ => false,
        }
    }
    fields.values_mut().fold(false, |c, v| walk(v, change) | c)
}

fn sips_json_shapes(
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
