//! The seal algorithms, and which scheme accepts which.

use std::fmt;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::Scheme;

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

    /// The algorithms a scheme accepts, its default first.
    pub fn for_scheme(scheme: Scheme) -> &'static [Algorithm] {
        use Algorithm::*;
        match scheme {
            Scheme::SipsJson => &[HmacSha256, Sha256, HmacSha512],
            Scheme::SipsPost => &[Sha256, HmacSha256, HmacSha512],
            Scheme::Paybox | Scheme::PayboxDirect => {
                &[HmacSha512, HmacSha256, HmacSha384, HmacSha224]
            }
            Scheme::Lyra => &[HmacSha256, Sha1],
            // RSA/SHA-1 under the Paybox key; not a keyed seal.
            Scheme::PayboxIpn => &[],
        }
    }

    /// Parse a name as a user or a message writes it, for `scheme`.
    /// Spelling is forgiving (`hmac-sha-256`, `HMAC_SHA256`, `sha512`), but
    /// the meaning follows the scheme: Paybox's `PBX_HASH=SHA512` means
    /// HMAC-SHA-512, Sips' `SHA-256` means a plain hash.
    pub fn parse(name: &str, scheme: Scheme) -> Result<Algorithm, crate::Invalid> {
        Self::parse_name(name, scheme).map_err(crate::Invalid)
    }

    fn parse_name(name: &str, scheme: Scheme) -> Result<Algorithm, String> {
        let folded: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_' && *c != ' ')
            .collect::<String>()
            .to_ascii_uppercase();
        use Algorithm::*;
        // Paybox System and Direct spell their algorithms alike.
        let family = if scheme == Scheme::PayboxDirect {
            Scheme::Paybox
        } else {
            scheme
        };
        let found = match (family, folded.as_str()) {
            (Scheme::Paybox, "SHA512" | "HMACSHA512") => Some(HmacSha512),
            (Scheme::Paybox, "SHA256" | "HMACSHA256") => Some(HmacSha256),
            (Scheme::Paybox, "SHA384" | "HMACSHA384") => Some(HmacSha384),
            (Scheme::Paybox, "SHA224" | "HMACSHA224") => Some(HmacSha224),
            (Scheme::SipsJson | Scheme::SipsPost, "HMACSHA256") => Some(HmacSha256),
            (Scheme::SipsJson | Scheme::SipsPost, "SHA256") => Some(Sha256),
            (Scheme::SipsJson | Scheme::SipsPost, "HMACSHA512") => Some(HmacSha512),
            (Scheme::Lyra, "HMACSHA256") => Some(HmacSha256),
            (Scheme::Lyra, "SHA1") => Some(Sha1),
            _ => None,
        };
        found.ok_or_else(|| {
            let accepted: Vec<&str> = Algorithm::for_scheme(scheme)
                .iter()
                .map(|a| a.spelling_for(scheme))
                .collect();
            if accepted.is_empty() {
                format!("the {scheme} scheme takes no algorithm (it is RSA/SHA-1 under the Paybox public key)")
            } else {
                format!(
                    "unknown algorithm {} for the {scheme} scheme (expected one of: {})",
                    crate::show(name),
                    accepted.join(", ")
                )
            }
        })
    }

    /// The name as the scheme's own messages spell it.
    pub fn spelling_for(self, scheme: Scheme) -> &'static str {
        let scheme = if scheme == Scheme::PayboxDirect {
            Scheme::Paybox
        } else {
            scheme
        };
        match (scheme, self) {
            (Scheme::Paybox, Algorithm::HmacSha512) => "SHA512",
            (Scheme::Paybox, Algorithm::HmacSha256) => "SHA256",
            (Scheme::Paybox, Algorithm::HmacSha384) => "SHA384",
            (Scheme::Paybox, Algorithm::HmacSha224) => "SHA224",
            _ => self.name(),
        }
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
    fn spelling_is_forgiving_but_meaning_follows_the_scheme() {
        assert_eq!(
            Algorithm::parse("sha512", Scheme::Paybox),
            Ok(Algorithm::HmacSha512)
        );
        assert_eq!(
            Algorithm::parse("SHA-256", Scheme::SipsJson),
            Ok(Algorithm::Sha256)
        );
        assert_eq!(
            Algorithm::parse("hmac_sha256", Scheme::Lyra),
            Ok(Algorithm::HmacSha256)
        );
        assert!(Algorithm::parse("SHA-1", Scheme::SipsJson).is_err());
        assert!(Algorithm::parse("MD5", Scheme::Paybox)
            .unwrap_err()
            .message()
            .contains("expected one of: SHA512, SHA256, SHA384, SHA224"));
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
