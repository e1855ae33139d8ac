//! The check of a Paybox return (IPN) signature, for `verify` and
//! `explain` alike, and when it does not verify, the text Paybox may have
//! signed had the query string been changed on its way (the signature
//! rule itself is `gateways::paybox::ipn`).

use gateways::paybox::ipn::{
    decode_signature, decode_signature_twice, is_remote_mpi, percent_decode, remote_mpi_signed,
    verifies, Split,
};
use rsa::RsaPublicKey;

/// A Paybox signature checked.
#[derive(Debug, Clone)]
pub struct IpnCheck {
    pub valid: bool,
    /// The signature's length once decoded, when it decodes.
    pub signature_bytes: Option<usize>,
    /// Why the signature could not be read, when it cannot.
    pub unreadable: Option<String>,
    /// How the signed text was read, when not the usual way.
    pub rule: Option<&'static str>,
    /// When it does not verify: the likely cause.
    pub likely_cause: Option<String>,
}

/// What a RemoteMPI callback's signature covers, said when it verifies.
const REMOTE_MPI_GET: &str = "a RemoteMPI 3-D Secure callback (IdSession, ID3D): Paybox signs \
    its values URL-decoded (Latin-1 bytes), not the raw text";
const REMOTE_MPI_POST: &str = "a RemoteMPI 3-D Secure return posted to the return URL \
    (IdSession, ID3D): Paybox signs its values form-decoded (Latin-1 bytes) and URL-encodes the \
    signature twice";

/// Check the signature of `split`, the query `query` cut at it.
pub fn check(key: &RsaPublicKey, query: &str, split: &Split<'_>) -> IpnCheck {
    let once = decode_signature(split.raw_signature);
    let twice = decode_signature_twice(split.raw_signature).ok();
    let mut c = IpnCheck {
        valid: false,
        signature_bytes: once.as_ref().ok().or(twice.as_ref()).map(Vec::len),
        unreadable: None,
        rule: None,
        likely_cause: None,
    };
    if let Ok(sig) = &once {
        if verifies(key, split.signed.as_bytes(), sig) {
            c.valid = true;
            return c;
        }
    }
    // RemoteMPI callbacks: their own rule (BenMorel/Paybox OpenSSL.php).
    if is_remote_mpi(query) {
        let get = once
            .as_ref()
            .ok()
            .map(|s| (remote_mpi_signed(split.signed, false), s));
        let post = twice
            .as_ref()
            .map(|s| (remote_mpi_signed(split.signed, true), s));
        for ((signed, sig), rule) in [(get, REMOTE_MPI_GET), (post, REMOTE_MPI_POST)]
            .into_iter()
            .filter_map(|(t, r)| t.map(|t| (t, r)))
        {
            if verifies(key, &signed, sig) {
                c.valid = true;
                c.rule = Some(rule);
                return c;
            }
        }
    }
    let signature = match (&once, &twice) {
        (Ok(s), _) | (Err(_), Some(s)) => s,
        (Err(e), None) => {
            let spaced = split.raw_signature.contains(' ') || split.raw_signature.is_empty();
            c.unreadable = Some(e.clone());
            c.likely_cause = Some(if spaced {
                "the signature's '+' signs were turned into spaces by form decoding: pass the raw \
                 query string"
                    .into()
            } else {
                format!(
                    "the parameter {} is not a signature (not base64): Paybox puts its signature \
                     last, as the letter K ends PBX_RETOUR; name the signature parameter with \
                     --sig-field, and pass the raw query string",
                    split.field
                )
            });
            return c;
        }
    };
    c.likely_cause = Some(diagnose(key, split, signature).unwrap_or_else(|| FALLBACK.into()));
    c
}

/// What cannot be recomputed, likeliest first.
const FALLBACK: &str = "no known integration mistake reproduces this signature; what cannot be \
    recomputed, likeliest first: 1) a parameter dropped or changed on its way: with a return URL \
    set in the back office Paybox signs every parameter of the query, the URL's own ones too \
    (LexikPayboxBundle PR #28), so pass the whole raw query string, untouched; 2) the signature \
    parameter is another one than the last (--sig-field); 3) the return did not come from Paybox \
    (or is signed under another public key: --pubkey)";

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
fn encode_uri(text: &[u8]) -> String {
    percent_encoding::percent_encode(text, ENCODE_URI).to_string()
}

/// The likely cause when the raw text does not verify.
fn diagnose(key: &RsaPublicKey, split: &Split<'_>, signature: &[u8]) -> Option<String> {
    let signed = split.signed;
    // A whole URL pasted from an access log or a browser: Paybox signs
    // the query string alone, what follows the first '?'.
    if let Some((address, query)) = signed.split_once('?') {
        if !address.contains(['&', '=']) && verifies(key, query.as_bytes(), signature) {
            return Some(
                "matches over the query string alone: this is a whole URL, and Paybox signs \
                 only what follows its '?'; give the query string (the text after '?')"
                    .into(),
            );
        }
    }
    let decoded = percent_decode(signed);
    let form_decoded = percent_decode(&signed.replace('+', " "));
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
    let escapes = |t: &[u8]| t.iter().filter(|b| **b == b'%').count();
    let decoded_before = "matches over the percent-encoded text: the query string was decoded \
         before it reached this tool; pass the raw query string (e.g. $_SERVER['QUERY_STRING'])";
    let reencoded = "matches once percent-escapes are undone: the query string was re-encoded \
         on its way to you (e.g. '@' became %40); verify the raw query string exactly as Paybox \
         sent it";
    // LexikPayboxBundle's Response::initData (2016): each decoded value
    // urlencode()d again, '+' for spaces and '@' as %40, and that text
    // verified (issues #7, #76).
    let urlencoded = "matches once the values are written as Paybox wrote them: the query was \
         rebuilt from its decoded values with PHP urlencode() ('+' for spaces, '@' as %40, as \
         LexikPayboxBundle did in 2016); verify the raw query string exactly as Paybox sent it";
    // What Paybox may have signed, had the text been changed on its way.
    let candidates: [(Vec<u8>, Option<&str>); 6] = [
        (decoded.clone(), None),
        (form_decoded.clone(), None),
        (fully_encoded.into_bytes(), None),
        (encode_uri(signed.as_bytes()).into_bytes(), None),
        (encode_uri(&decoded).into_bytes(), None),
        (encode_uri(&form_decoded).into_bytes(), Some(urlencoded)),
    ];
    for (candidate, said) in candidates {
        if candidate == signed.as_bytes() || !verifies(key, &candidate, signature) {
            continue;
        }
        return Some(if let Some(said) = said {
            said.into()
        } else if escapes(&candidate) < escapes(signed.as_bytes()) {
            reencoded.into()
        } else {
            decoded_before.into()
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
