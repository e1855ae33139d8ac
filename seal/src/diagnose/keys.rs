//! What the key was: with its line ending, its byte order mark, spaces,
//! decoded, or a public test key.

use base64::Engine as _;
use gateways::schemes::{key_bytes, Scheme};

use crate::analysis::Analysis;

use super::{owned, Key};

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

/// The UTF-8 byte order mark Windows editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the key was: with its line ending, its byte order mark, spaces,
/// decoded, or a public test key.
pub(super) fn key_shapes(
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
