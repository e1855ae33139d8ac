//! The seal algorithms: their names and digests. Which scheme accepts
//! which, and how it spells them, is each gateway's (`sips::seal`,
//! `paybox::hmac`, `lyra::signature`).

use std::fmt;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// How the bytes of a seal are computed from the seal string and the key.
/// What the key is, and how the result is written, depends on the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    HmacSha256,
    HmacSha512,
    HmacSha384,
    HmacSha224,
    /// Sips POST: SHA-256 of the seal string followed by the secret.
    Sha256,
    /// Lyra: SHA-1 of the signature string (which already ends in `+key`).
    Sha1,
}

impl Algorithm {
    /// The name as this tool prints it, in the Sips spelling.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "HMAC-SHA-256",
            Algorithm::HmacSha512 => "HMAC-SHA-512",
            Algorithm::HmacSha384 => "HMAC-SHA-384",
            Algorithm::HmacSha224 => "HMAC-SHA-224",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha1 => "SHA-1",
        }
    }

    /// A name as a user or a message writes it, folded so that spelling
    /// is forgiving (`hmac-sha-256`, `HMAC_SHA256`, `sha512` all fold to
    /// `HMACSHA256` / `SHA512`); what a folded name means is each
    /// gateway's own table (Paybox's `SHA512` is an HMAC, Sips' `SHA-256`
    /// a plain hash).
    pub fn fold(name: &str) -> String {
        name.chars()
            .filter(|c| *c != '-' && *c != '_' && *c != ' ')
            .collect::<String>()
            .to_ascii_uppercase()
    }

    /// What is said of a name no algorithm of the scheme answers to.
    pub fn unknown(name: &str, scheme: &str, accepted: &[&str]) -> crate::invalid::Invalid {
        crate::invalid::Invalid(format!(
            "unknown algorithm {} for the {scheme} scheme (expected one of: {})",
            crate::invalid::show(name),
            accepted.join(", ")
        ))
    }

    /// The raw digest of `message` under `key`. For the plain hashes the
    /// key is appended to the message (Sips SHA-256) or is already inside
    /// it (Lyra SHA-1, where `key` is ignored).
    pub fn digest(self, key: &[u8], message: &[u8]) -> Vec<u8> {
        fn hmac<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
            let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key)
                .expect("HMAC takes keys of any length");
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            Algorithm::HmacSha256 => hmac::<Hmac<Sha256>>(key, message),
            Algorithm::HmacSha512 => hmac::<Hmac<Sha512>>(key, message),
            Algorithm::HmacSha384 => hmac::<Hmac<Sha384>>(key, message),
            Algorithm::HmacSha224 => hmac::<Hmac<Sha224>>(key, message),
            Algorithm::Sha256 => {
                let mut h = Sha256::new();
                h.update(message);
                h.update(key);
                h.finalize().to_vec()
            }
            Algorithm::Sha1 => Sha1::digest(message).to_vec(),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_is_folded() {
        assert_eq!(Algorithm::fold("hmac_sha-256"), "HMACSHA256");
        assert_eq!(Algorithm::fold("Sha 512"), "SHA512");
    }

    #[test]
    fn hmac_primitive_matches_the_published_vector() {
        // Sips SDK tests: HMAC-SHA-256("superSafeSecretKey", "This is a test!").
        let mac = Algorithm::HmacSha256.digest(b"superSafeSecretKey", b"This is a test!");
        assert_eq!(
            hex::encode(mac),
            "198e5f278e3f8548e174e84492953c4871732278b7e2aa2cbf20bb1ab85914ea"
        );
    }
}
