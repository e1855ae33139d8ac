//! OpenPGP armor as the tools recognise it without reading it (RFC 9580
//! §6.2): so that xmlbatch, dropwatch and seal can tell a user that a
//! file, or one element of it, is encrypted or signed and which pgpwrap
//! command opens it, instead of calling it empty or malformed.
//!
//! Here an armor or a binary message told by its first bytes;
//! `sealed.rs` the one test that a text is exactly one armored encrypted
//! message, over `packets.rs`, the packets' framing read as it comes.

mod packets;
mod sealed;

pub use sealed::{sealed, SealedCheck, Unsealed};

/// The first and last lines of an armored message.
pub const BEGIN_MESSAGE: &[u8] = b"-----BEGIN PGP MESSAGE-----";
pub const END_MESSAGE: &[u8] = b"-----END PGP MESSAGE-----";

/// What an armored text is, by its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Armored {
    /// An OpenPGP message: encrypted, or signed (pgpwrap sign), or both.
    Message,
    /// A cleartext-signed text (`gpg --clearsign`).
    SignedText,
    /// A detached signature.
    Signature,
    /// A certificate or a secret key.
    Key,
}

impl Armored {
    /// The pgpwrap command that opens it, for a message.
    pub fn hint(self) -> &'static str {
        match self {
            Armored::Message => {
                "it is an OpenPGP message: decrypt it first with pgpwrap decrypt (or, if it is \
                 only signed, open it with pgpwrap verify)"
            }
            Armored::SignedText => "it is a signed text: check it with pgpwrap verify first",
            Armored::Signature => "it is a detached OpenPGP signature, not the file it signs",
            Armored::Key => "it is an OpenPGP key, not a batch file",
        }
    }
}

/// What `bytes` are, if they start (after white space and a byte-order
/// mark) with an armor line.
pub fn armored(bytes: &[u8]) -> Option<Armored> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let line = &bytes[start..];
    if line.starts_with(BEGIN_MESSAGE) {
        Some(Armored::Message)
    } else if line.starts_with(b"-----BEGIN PGP SIGNED MESSAGE-----") {
        Some(Armored::SignedText)
    } else if line.starts_with(b"-----BEGIN PGP SIGNATURE-----") {
        Some(Armored::Signature)
    } else if line.starts_with(b"-----BEGIN PGP PUBLIC KEY BLOCK-----")
        || line.starts_with(b"-----BEGIN PGP PRIVATE KEY BLOCK-----")
    {
        Some(Armored::Key)
    } else {
        None
    }
}

/// What `bytes` are, armored ([`armored`]) or binary, by their first
/// packet's tag (RFC 9580 §5): a signature packet first is a detached
/// signature (a signed message starts with a one-pass signature), a key
/// packet a key, a packet a message starts with a message. For a tool
/// that must tell a user which file was given where another was expected
/// (a detached signature given as the signed file, or the reverse).
pub fn recognised(bytes: &[u8]) -> Option<Armored> {
    if let Some(kind) = armored(bytes) {
        return Some(kind);
    }
    match binary_tag(bytes)? {
        2 => Some(Armored::Signature),
        5 | 6 | 7 | 14 => Some(Armored::Key),
        1 | 3 | 4 | 8 | 11 | 18 | 20 => Some(Armored::Message),
        _ => None,
    }
}

/// The tag of the binary OpenPGP packet `bytes` start with, old format or
/// new.
fn binary_tag(bytes: &[u8]) -> Option<u8> {
    let &b = bytes.first()?;
    if b & 0x80 == 0 {
        return None;
    }
    Some(if b & 0x40 != 0 {
        b & 0x3f
    } else {
        (b >> 2) & 0x0f
    })
}

/// Whether `bytes` start like binary OpenPGP data: a packet header whose
/// tag is one a message starts with (a session key, a signature, a
/// one-pass signature, compressed or literal data).
pub fn binary_message(bytes: &[u8]) -> bool {
    matches!(binary_tag(bytes), Some(1 | 2 | 3 | 4 | 8 | 11))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armor_lines_are_recognised() {
        assert_eq!(
            armored(b"\n-----BEGIN PGP MESSAGE-----\n"),
            Some(Armored::Message)
        );
        assert_eq!(
            armored(b"-----BEGIN PGP SIGNED MESSAGE-----"),
            Some(Armored::SignedText)
        );
        assert_eq!(armored(b"<?xml"), None);
        assert!(binary_message(&[0xc1, 0x0c]));
        assert!(binary_message(&[0x85, 0x01]));
        assert!(!binary_message(b"<?xml"));
    }

    #[test]
    fn binary_packets_are_recognised_by_their_tag() {
        // A detached signature (gpg --detach-sign): a signature packet.
        assert_eq!(recognised(&[0x88, 0x75]), Some(Armored::Signature));
        assert_eq!(recognised(&[0xc2, 0x75]), Some(Armored::Signature));
        // A signed message: a one-pass signature packet first.
        assert_eq!(recognised(&[0x90, 0x0d]), Some(Armored::Message));
        assert_eq!(recognised(&[0xc4, 0x0d]), Some(Armored::Message));
        // An encrypted message, a certificate, a secret key.
        assert_eq!(recognised(&[0xc1, 0x5e]), Some(Armored::Message));
        assert_eq!(recognised(&[0x99, 0x01]), Some(Armored::Key));
        assert_eq!(recognised(&[0xc5, 0x58]), Some(Armored::Key));
        assert_eq!(
            recognised(b"  -----BEGIN PGP SIGNATURE-----\n"),
            Some(Armored::Signature)
        );
        assert_eq!(recognised(b"<?xml version"), None);
        assert_eq!(recognised(b""), None);
    }
}
