//! The escapes a secret may be written in, decoded: a text is looked at
//! as any reader of it would see it ([`super`] looks for the windows of
//! the secrets in each decoded form).

use zeroize::Zeroizing;

/// The kinds of escapes a secret may be written in.
#[derive(Clone, Copy)]
pub(super) enum Escape {
    /// `%31`
    Percent,
    /// `\u0031`, `\/`
    Json,
}

/// The byte the `%XX` escape at the start of `bytes` stands for.
pub(super) fn percent_escape(bytes: &[u8]) -> Option<u8> {
    let hex = |b: &u8| (*b as char).to_digit(16).map(|d| d as u8);
    Some(hex(bytes.get(1)?)? << 4 | hex(bytes.get(2)?)?)
}

/// `bytes` with every `%XX` escape decoded, and, into `origin`, where
/// each byte decoded starts in `bytes` (one more entry: its end).
/// Linear in `bytes`.
pub(super) fn percent_decoded(
    bytes: &[u8],
    mut origin: Option<&mut Vec<usize>>,
) -> Zeroizing<Vec<u8>> {
    let mut decoded = Zeroizing::new(Vec::with_capacity(bytes.len()));
    if let Some(o) = origin.as_deref_mut() {
        o.reserve(bytes.len() + 1);
    }
    let mut i = 0;
    while i < bytes.len() {
        if let Some(o) = origin.as_deref_mut() {
            o.push(i);
        }
        let escape = match bytes[i] {
            b'%' => percent_escape(&bytes[i..]),
            _ => None,
        };
        match escape {
            Some(b) => {
                decoded.push(b);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    if let Some(o) = origin {
        o.push(bytes.len());
    }
    decoded
}

/// `bytes` with the escapes of a JSON string decoded, leniently, as any
/// JSON reader would give the text to whoever reads it: `\uXXXX` (either
/// case of hex; a surrogate pair as its one character), `\/ \\ \" \b \f
/// \n \r \t`; anything else (a lone surrogate, `\u` without four hex
/// digits, a backslash before another byte) kept as written, byte for
/// byte: the text need not be JSON (a quoted line, a cell, a form). Into
/// `origin`, where each byte decoded starts in `bytes` (those of a
/// character decoded from one escape all start at its backslash; one
/// more entry: the end). The stretches between backslashes are copied
/// whole. Linear in `bytes`.
pub(super) fn json_unescaped(
    bytes: &[u8],
    mut origin: Option<&mut Vec<usize>>,
) -> Zeroizing<Vec<u8>> {
    let mut decoded = Zeroizing::new(Vec::with_capacity(bytes.len()));
    if let Some(o) = origin.as_deref_mut() {
        o.reserve(bytes.len() + 1);
    }
    let copy = |decoded: &mut Vec<u8>, origin: &mut Option<&mut Vec<usize>>, from, to| {
        decoded.extend_from_slice(&bytes[from..to]);
        if let Some(o) = origin.as_deref_mut() {
            o.extend(from..to);
        }
    };
    let mut at = 0;
    for i in memchr::memchr_iter(b'\\', bytes) {
        if i < at {
            // The second backslash of `\\`, decoded already.
            continue;
        }
        copy(&mut decoded, &mut origin, at, i);
        let mut utf8 = [0u8; 4];
        let (text, len): (&[u8], usize) = match crate::json_escape::decode_at(&bytes[i..]) {
            Some((c, len)) => (c.encode_utf8(&mut utf8).as_bytes(), len),
            // Kept as written: the backslash, then what follows it as text.
            None => (b"\\", 1),
        };
        decoded.extend_from_slice(text);
        if let Some(o) = origin.as_deref_mut() {
            o.extend(std::iter::repeat_n(i, text.len()));
        }
        at = i + len;
    }
    copy(&mut decoded, &mut origin, at, bytes.len());
    if let Some(o) = origin {
        o.push(bytes.len());
    }
    decoded
}

/// Whether the JSON escape at the start of `bytes` is a `\u` escape
/// that gives no byte of ASCII: one past `\u007F` (a surrogate, paired
/// or not, too), or none at all (kept as written: no byte is given).
pub(super) fn past_ascii(bytes: &[u8]) -> bool {
    match bytes.get(1..5) {
        Some([b'u', b'0', b'0', d]) => !(b'0'..=b'7').contains(d),
        Some([b'u', ..]) => true,
        _ => false,
    }
}
