//! When a seal does not match, try the known wrong ways of sealing and
//! name the one that reproduces the seal in the message. This is what no
//! gateway library does, and what users lose days to.
//!
//! Each way is one that a real integration took; its comment names the
//! public project, issue or commit it comes from (docs/seal-troubleshooting.md
//! lists them all). When none reproduces the seal, [`fallback`] says what
//! cannot be recomputed, likeliest first.
//!
//! One job a file: this one tries the candidates and says the cause;
//! `strings` holds the ways each gateway's seal string was built wrong,
//! `values` the ways values change between sealing and posting, `keys`
//! what the key was, `fallback` what to say when none matches.

mod fallback;
mod keys;
mod strings;
mod values;

pub use fallback::fallback;

use base64::Engine as _;
use gateways::schemes::{key_bytes, seal_of, Scheme};
use gateways::seal::{same_seal, Algorithm};

use crate::analysis::Analysis;
use crate::mangle;
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
        Scheme::SipsJson => strings::sips_json_shapes(msg, a, &key, &mut push),
        Scheme::SipsPost => strings::sips_post_shapes(msg, a, &key, &mut push),
        Scheme::Paybox | Scheme::PayboxDirect => strings::paybox_shapes(a, secret, &key, &mut push),
        Scheme::Lyra => strings::lyra_shapes(a, &key, &mut push),
        Scheme::PayboxIpn => {}
    }
    // How the values were changed between sealing and posting.
    values::value_shapes(msg, a, &key, &mut push);
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
    keys::key_shapes(a, secret, trailing, text, &mut push);
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
