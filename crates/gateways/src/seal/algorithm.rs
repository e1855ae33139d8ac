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
        match self {
            Algorithm::HmacSha256
            | Algorithm::HmacSha512
            | Algorithm::HmacSha384
            | Algorithm::HmacSha224 => keyed_hmac(self, key, message),
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

/// An HMAC keyed, ready for a message.
#[derive(Clone)]
enum Keyed {
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
    Sha384(Hmac<Sha384>),
    Sha224(Hmac<Sha224>),
}

/// The HMAC this thread keyed last, with its algorithm and its key (wiped
/// when the thread ends), to tell whether the next message has the same.
struct LastKeyed {
    algorithm: Algorithm,
    key: zeroize::Zeroizing<Vec<u8>>,
    keyed: Keyed,
}

thread_local! {
    static LAST_KEYED: std::cell::RefCell<Option<LastKeyed>> = const { std::cell::RefCell::new(None) };
}

/// The HMAC of `message` under `key`. Keying an HMAC hashes the key's
/// inner and outer blocks, two of the eight blocks of a Sips request's
/// seal, and the same two for every message a run seals with one key:
/// the keyed state is kept and copied for each message (issue 27).
fn keyed_hmac(algorithm: Algorithm, key: &[u8], message: &[u8]) -> Vec<u8> {
    fn keyed<M: Mac + hmac::digest::KeyInit>(key: &[u8]) -> M {
        <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length")
    }
    fn mac<M: Mac + Clone>(keyed: &M, message: &[u8]) -> Vec<u8> {
        let mut mac = keyed.clone();
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }
    LAST_KEYED.with(|last| {
        let mut last = last.borrow_mut();
        let same = last.as_ref().is_some_and(|l| {
            l.algorithm == algorithm && bool::from(subtle::ConstantTimeEq::ct_eq(&l.key[..], key))
        });
        if !same {
            let keyed = match algorithm {
                Algorithm::HmacSha512 => Keyed::Sha512(keyed(key)),
                Algorithm::HmacSha384 => Keyed::Sha384(keyed(key)),
                Algorithm::HmacSha224 => Keyed::Sha224(keyed(key)),
                _ => Keyed::Sha256(keyed(key)),
            };
            *last = Some(LastKeyed {
                algorithm,
                key: zeroize::Zeroizing::new(key.to_vec()),
                keyed,
            });
        }
        match last.as_ref().map(|l| &l.keyed) {
            Some(Keyed::Sha256(k)) => mac(k, message),
            Some(Keyed::Sha512(k)) => mac(k, message),
            Some(Keyed::Sha384(k)) => mac(k, message),
            Some(Keyed::Sha224(k)) => mac(k, message),
            None => mac(&keyed::<Hmac<Sha256>>(key), message),
        }
    })
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
    fn a_kept_keyed_hmac_is_used_for_its_own_key_and_algorithm_only() {
        // Keys and algorithms in turn, each answer as a fresh HMAC's.
        let fresh = |a: Algorithm, key: &[u8], m: &[u8]| -> Vec<u8> {
            fn once<M: Mac + hmac::digest::KeyInit>(key: &[u8], m: &[u8]) -> Vec<u8> {
                let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).unwrap();
                mac.update(m);
                mac.finalize().into_bytes().to_vec()
            }
            match a {
                Algorithm::HmacSha256 => once::<Hmac<Sha256>>(key, m),
                Algorithm::HmacSha512 => once::<Hmac<Sha512>>(key, m),
                Algorithm::HmacSha384 => once::<Hmac<Sha384>>(key, m),
                _ => once::<Hmac<Sha224>>(key, m),
            }
        };
        let algorithms = [
            Algorithm::HmacSha256,
            Algorithm::HmacSha512,
            Algorithm::HmacSha384,
            Algorithm::HmacSha224,
        ];
        let keys: [&[u8]; 4] = [b"key-one", b"key-two", b"key-one ", &[0x41; 200]];
        for round in 0..3 {
            for (i, a) in algorithms.iter().enumerate() {
                for key in keys.iter().cycle().skip(i + round).take(5) {
                    let m = format!("message {round} {i}");
                    assert_eq!(a.digest(key, m.as_bytes()), fresh(*a, key, m.as_bytes()));
                    assert_eq!(a.digest(key, m.as_bytes()), fresh(*a, key, m.as_bytes()));
                }
            }
        }
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
