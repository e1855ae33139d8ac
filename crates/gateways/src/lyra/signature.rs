//! The Lyra form signature (Systempay, PayZen, Scellius, Sogecommerce):
//! the values of the `vads_*` fields in byte order of names, joined with
//! `+`, then `+` and the key; HMAC-SHA-256 in base64 (default) or SHA-1 in
//! lowercase hex. Field `signature`.

use crate::seal::tree::{self, Obj};
use crate::seal::{write_base64, write_hex, Algorithm, NotFlat, SealString, Segments, Sink};

/// The field that carries the signature.
pub const SEAL_FIELD: &str = "signature";

/// The prefix of the fields that enter the signature.
pub const FIELD_PREFIX: &str = "vads_";

/// Between two values of the signature string.
pub const SEPARATOR: &str = "+";

/// The algorithms of the signature, the default first.
pub const ALGORITHMS: [Algorithm; 2] = [Algorithm::HmacSha256, Algorithm::Sha1];

/// What a Lyra name (folded: [`Algorithm::fold`]) means.
pub fn algorithm(folded: &str) -> Option<Algorithm> {
    match folded {
        "HMACSHA256" => Some(Algorithm::HmacSha256),
        "SHA1" => Some(Algorithm::Sha1),
        _ => None,
    }
}

/// The Lyra rule, once: the values of the `vads_*` fields, in byte order
/// of names when `sorted` (the rule; message order is a mistake the
/// diagnosis tries), written to `sink` (joined with `+`; the key is
/// appended when sealing). Only they must be flat.
pub fn build<S: Sink>(fields: Obj, sorted: bool, sink: &mut S) -> Result<(), NotFlat> {
    // Sorted where the message was read. seal's readers refuse a message
    // that gives a name twice (JSON or form), but this rule takes any
    // fields: a name given twice keeps its values in message order, so
    // that the string is the same on every run.
    let order: &mut dyn Iterator<Item = usize> = match sorted {
        true => &mut fields.by_name(),
        false => &mut (0..fields.len()),
    };
    for i in order {
        let k = fields.name(i);
        if k.starts_with(FIELD_PREFIX) {
            let value = fields.value(i).flat();
            sink.piece(k, &[value.ok_or_else(|| NotFlat(k.to_string()))?]);
        }
    }
    Ok(())
}

/// Lyra over form pairs: each value with its name.
pub fn seal_string(fields: &[(String, String)], sorted: bool) -> SealString {
    let mut sink = Segments::new(SEPARATOR);
    // Pairs are flat: this cannot fail.
    let _ = build(tree::from_pairs(fields).root(), sorted, &mut sink);
    sink.into_string()
}

/// Append the signature of `text`: the key appended after a `+` (the
/// rule), then HMAC-SHA-256 in base64 or SHA-1 in lower-case hex.
pub fn write_seal(algorithm: Algorithm, text: &[u8], key: &[u8], out: &mut Vec<u8>) {
    let mut full = Vec::with_capacity(text.len() + 1 + key.len());
    full.extend_from_slice(text);
    full.push(b'+');
    full.extend_from_slice(key);
    let digest = algorithm.digest(key, &full);
    if algorithm == Algorithm::Sha1 {
        write_hex(&digest, false, out);
    } else {
        write_base64(&digest, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_given_twice_keeps_its_values_in_message_order() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let fields = pairs(&[
            ("vads_b", "2"),
            ("vads_a", "9"),
            ("vads_a", "1"),
            ("x", "0"),
        ]);
        for _ in 0..8 {
            assert_eq!(seal_string(&fields, true).text, "9+1+2");
        }
        let fields = pairs(&[("vads_a", "1"), ("vads_b", "2"), ("vads_a", "9")]);
        assert_eq!(seal_string(&fields, true).text, "1+9+2");
    }
}
