//! Diagnosis of a Paybox return (IPN) signature that does not verify: the
//! text Paybox may have signed, had the query string been changed on its
//! way (the signature rule itself is `gateways::paybox::ipn`).

use gateways::paybox::ipn::{percent_decode, verifies, Split};
use rsa::RsaPublicKey;

/// What JavaScript's `encodeURI` escapes: everything but ASCII letters,
/// digits and `-_.!~*'();/?:@&=+$,#` (the characters Paybox leaves raw).
const ENCODE_URI: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b';')
    .remove(b'/')
    .remove(b'?')
    .remove(b':')
    .remove(b'@')
    .remove(b'&')
    .remove(b'=')
    .remove(b'+')
    .remove(b'$')
    .remove(b',')
    .remove(b'#');

/// Percent-encode what a URL cannot carry as is (spaces, quotes,
/// non-ASCII), like `encodeURI`.
fn encode_uri(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, ENCODE_URI).to_string()
}

/// The likely cause when the raw text does not verify.
pub fn diagnose(key: &RsaPublicKey, split: &Split<'_>, signature: &[u8]) -> Option<String> {
    let signed = split.signed;
    let decoded = String::from_utf8_lossy(&percent_decode(signed)).into_owned();
    let form_decoded: String = form_urlencoded::parse(signed.as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let fully_encoded: String = signed
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => {
                let e: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
                format!("{k}={}", e.replace('+', "%20"))
            }
            None => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&");
    // What Paybox may have signed, had the text been changed on its way.
    let candidates = [
        decoded.clone(),
        form_decoded,
        fully_encoded,
        encode_uri(signed),
        encode_uri(&decoded),
    ];
    let escapes = |t: &str| t.matches('%').count();
    for candidate in candidates {
        if candidate == signed || !verifies(key, candidate.as_bytes(), signature) {
            continue;
        }
        return Some(if escapes(&candidate) < escapes(signed) {
            "matches once percent-escapes are undone: the query string was re-encoded on its way to \
             you (e.g. '@' became %40); verify the raw query string exactly as Paybox sent it"
                .into()
        } else {
            "matches over the percent-encoded text: the query string was decoded before it \
             reached this tool; pass the raw query string (e.g. $_SERVER['QUERY_STRING'])"
                .into()
        });
    }
    let mut from = 0;
    while let Some(at) = signed[from..].find('&') {
        let suffix = &signed[from + at + 1..];
        if verifies(key, suffix.as_bytes(), signature) {
            let dropped = &signed[..from + at];
            return Some(format!(
                "matches over the parameters after \"{dropped}\": those leading parameters are not \
                 part of what Paybox signed (they were added to the URL by someone else)"
            ));
        }
        from += at + 1;
    }
    None
}
