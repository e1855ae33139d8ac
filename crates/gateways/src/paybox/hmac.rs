//! The Paybox `PBX_HMAC` seal (Paybox System, Paybox Direct; sold as
//! E-Transactions and Up2pay): `NAME=value` for every field but
//! `PBX_HMAC`, in message order, joined with `&`, values not URL-encoded;
//! HMAC with the merchant's hex key (SHA-512 unless `PBX_HASH` says
//! otherwise); UPPERCASE hex.

use crate::seal::{SealString, Segment};

/// The HMAC key of the Paybox pre-production test shops (published by
/// the gateway: `0123456789ABCDEF` eight times, hex).
pub const TEST_KEY: &str = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";

/// The field that carries the seal.
pub const SEAL_FIELD: &str = "PBX_HMAC";

/// The field that names the algorithm.
pub const ALGORITHM_FIELD: &str = "PBX_HASH";

/// Paybox: `NAME=value` for every field but `PBX_HMAC`, in message order,
/// joined with `&`, values not URL-encoded.
pub fn seal_string(fields: &[(String, String)]) -> SealString {
    seal_string_without(fields, SEAL_FIELD)
}

/// The Paybox HMAC rule over any message: `NAME=value` for every field
/// but `seal_field`, in message order, joined with `&` (Paybox System's
/// `PBX_HMAC`, Paybox Direct's `HMAC`).
pub fn seal_string_without(fields: &[(String, String)], seal_field: &str) -> SealString {
    let segments = fields
        .iter()
        .filter(|(k, _)| k != seal_field)
        .map(|(k, v)| Segment {
            path: k.clone(),
            text: format!("{k}={v}"),
        })
        .collect();
    SealString::joined(segments, "&")
}
