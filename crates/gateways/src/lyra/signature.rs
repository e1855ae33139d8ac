//! The Lyra form signature (Systempay, PayZen, Scellius, Sogecommerce):
//! the values of the `vads_*` fields in byte order of names, joined with
//! `+`, then `+` and the key; HMAC-SHA-256 in base64 (default) or SHA-1 in
//! lowercase hex. Field `signature`.

use crate::seal::{SealString, Segment};

/// The field that carries the signature.
pub const SEAL_FIELD: &str = "signature";

/// The prefix of the fields that enter the signature.
pub const FIELD_PREFIX: &str = "vads_";

/// Lyra: the values of the `vads_*` fields in byte order of names, joined
/// with `+` (the key is appended when sealing).
pub fn seal_string(fields: &[(String, String)], sorted: bool) -> SealString {
    let mut vads: Vec<&(String, String)> = fields
        .iter()
        .filter(|(k, _)| k.starts_with(FIELD_PREFIX))
        .collect();
    if sorted {
        vads.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    }
    let segments = vads
        .into_iter()
        .map(|(k, v)| Segment {
            path: k.clone(),
            text: v.clone(),
        })
        .collect();
    SealString::joined(segments, "+")
}
