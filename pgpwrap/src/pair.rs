//! An unlocked secret key, for signing and decrypting.
//!
//! Why not Sequoia's `KeyPair` for every key: with the OpenSSL backend,
//! sequoia-openpgp 2.3 hands an RSA key to OpenSSL with its factors but
//! without the CRT parameters (`RsaPrivateKeyBuilder::set_factors` and no
//! `set_crt_params`, in `crypto/backend/openssl/asymmetric.rs`), so
//! OpenSSL computes every private operation with the full exponent `d`
//! modulo `n`: about four times slower than with the Chinese remainder
//! theorem (9 ms against 2 ms per RSA-3072 decryption here, see
//! docs/performance.md). An RSA key is therefore built here with
//! dP = d mod (p-1), dQ = d mod (q-1) and qInv = q^-1 mod p, and used
//! through OpenSSL directly — the same PKCS #1 v1.5 operations Sequoia
//! performs; every other algorithm stays with Sequoia.

use openpgp::crypto::mpi::{self, SecretKeyMaterial};
use openpgp::crypto::{Decryptor, KeyPair, SessionKey, Signer};
use openpgp::packet::key::{PublicParts, UnspecifiedRole};
use openpgp::packet::Key;
use openpgp::types::HashAlgorithm;
use openssl::bn::{BigNum, BigNumContext};
use openssl::pkey::{PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa, RsaPrivateKeyBuilder};
use sequoia_openpgp as openpgp;

/// An unlocked secret key: Sequoia's key pair, and for an RSA key the
/// same key with its CRT parameters, which does the private operations.
#[derive(Clone)]
pub struct Pair {
    pair: KeyPair,
    rsa: Option<Rsa<Private>>,
}

impl Pair {
    /// The pair for `keypair`, with its RSA CRT key when it is an RSA key
    /// (and OpenSSL accepts it: otherwise Sequoia's own path decides).
    pub fn new(keypair: KeyPair) -> Pair {
        Pair {
            rsa: rsa_with_crt(&keypair),
            pair: keypair,
        }
    }

    /// The public key.
    pub fn public(&self) -> &Key<PublicParts, UnspecifiedRole> {
        self.pair.public()
    }

    /// Whether the private operations go through the CRT key (tests).
    pub fn uses_crt(&self) -> bool {
        self.rsa.is_some()
    }
}

/// The RSA key of `pair` with its CRT parameters, or None when it is not
/// an RSA key (or OpenSSL refuses it: then Sequoia's own path decides).
fn rsa_with_crt(pair: &KeyPair) -> Option<Rsa<Private>> {
    let mpi::PublicKey::RSA { e, n } = pair.public().mpis() else {
        return None;
    };
    pair.secret().map(|secret| {
        let SecretKeyMaterial::RSA { d, p, q, .. } = secret else {
            return None;
        };
        let build = || -> Result<Rsa<Private>, openssl::error::ErrorStack> {
            let mut ctx = BigNumContext::new_secure()?;
            let secure = |bytes: &[u8]| -> Result<BigNum, openssl::error::ErrorStack> {
                let mut b = BigNum::new_secure()?;
                b.copy_from_slice(bytes)?;
                Ok(b)
            };
            let d = secure(d.value())?;
            let p = secure(p.value())?;
            let q = secure(q.value())?;
            let one = BigNum::from_u32(1)?;
            let mut p1 = BigNum::new_secure()?;
            p1.checked_sub(&p, &one)?;
            let mut q1 = BigNum::new_secure()?;
            q1.checked_sub(&q, &one)?;
            let mut dmp1 = BigNum::new_secure()?;
            dmp1.nnmod(&d, &p1, &mut ctx)?;
            let mut dmq1 = BigNum::new_secure()?;
            dmq1.nnmod(&d, &q1, &mut ctx)?;
            let mut iqmp = BigNum::new_secure()?;
            iqmp.mod_inverse(&q, &p, &mut ctx)?;
            p1.clear();
            q1.clear();
            // The parts must make the key: n = p q. (Not RSA_check_key,
            // whose primality tests cost more than a hundred decryptions.)
            let n_bn = BigNum::from_slice(n.value())?;
            let mut pq = BigNum::new()?;
            pq.checked_mul(&p, &q, &mut ctx)?;
            if pq != n_bn {
                return Err(openssl::error::ErrorStack::get());
            }
            let key = RsaPrivateKeyBuilder::new(
                BigNum::from_slice(n.value())?,
                BigNum::from_slice(e.value())?,
                d,
            )?
            .set_factors(p, q)?
            .set_crt_params(dmp1, dmq1, iqmp)?
            .build();
            Ok(key)
        };
        // A key whose parts do not agree is left to Sequoia, which says so.
        build().ok()
    })
}

impl Signer for Pair {
    fn public(&self) -> &Key<PublicParts, UnspecifiedRole> {
        Signer::public(&self.pair)
    }

    fn acceptable_hashes(&self) -> &[HashAlgorithm] {
        self.pair.acceptable_hashes()
    }

    fn sign(&mut self, hash_algo: HashAlgorithm, digest: &[u8]) -> openpgp::Result<mpi::Signature> {
        let Some(key) = &self.rsa else {
            return self.pair.sign(hash_algo, digest);
        };
        // PKCS #1 v1.5: the DigestInfo (the hash's DER prefix and the
        // digest) signed with PKCS #1 padding, as Sequoia does.
        let mut info = Vec::with_capacity(20 + digest.len());
        info.extend_from_slice(hash_algo.oid()?);
        info.extend_from_slice(digest);
        let pkey = PKey::from_rsa(key.clone())?;
        let mut ctx = PkeyCtx::new(&pkey)?;
        ctx.sign_init()?;
        let mut signature = Vec::new();
        ctx.sign_to_vec(&info, &mut signature)?;
        Ok(mpi::Signature::RSA {
            s: signature.into(),
        })
    }
}

impl Decryptor for Pair {
    fn public(&self) -> &Key<PublicParts, UnspecifiedRole> {
        Decryptor::public(&self.pair)
    }

    fn decrypt(
        &mut self,
        ciphertext: &mpi::Ciphertext,
        plaintext_len: Option<usize>,
    ) -> openpgp::Result<SessionKey> {
        match (&self.rsa, ciphertext) {
            (Some(key), mpi::Ciphertext::RSA { c }) => {
                let mut buf: openpgp::crypto::mem::Protected = vec![0; key.size() as usize].into();
                let len = key.private_decrypt(c.value(), &mut buf, Padding::PKCS1)?;
                Ok(buf[..len].into())
            }
            _ => self.pair.decrypt(ciphertext, plaintext_len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::cert::{CertBuilder, CipherSuite};
    use openpgp::policy::StandardPolicy;

    /// An RSA key goes through the CRT key, and what it signs and
    /// decrypts is what Sequoia's own path gives.
    #[test]
    fn rsa_keys_use_crt_and_agree_with_sequoia() {
        let (cert, _) = CertBuilder::new()
            .set_cipher_suite(CipherSuite::RSA2k)
            .add_userid("t <t@example.com>")
            .add_signing_subkey()
            .add_transport_encryption_subkey()
            .generate()
            .unwrap();
        let p = StandardPolicy::new();
        let vc = cert.with_policy(&p, None).unwrap();
        let key = |enc: bool| {
            let ka = if enc {
                vc.keys()
                    .secret()
                    .for_transport_encryption()
                    .next()
                    .unwrap()
            } else {
                vc.keys().secret().for_signing().next().unwrap()
            };
            ka.key()
                .clone()
                .role_into_unspecified()
                .into_keypair()
                .unwrap()
        };

        let mut dec = Pair::new(key(true));
        assert!(dec.uses_crt());
        let sk = SessionKey::new(32).unwrap();
        let ciphertext = dec.public().encrypt(&sk).unwrap();
        let got = Decryptor::decrypt(&mut dec, &ciphertext, None).unwrap();
        assert_eq!(&got[..], &sk[..]);

        let mut signer = Pair::new(key(false));
        assert!(signer.uses_crt());
        let digest = [7u8; 32];
        let sig = Signer::sign(&mut signer, HashAlgorithm::SHA256, &digest).unwrap();
        let mut plain = key(false);
        let expected = plain.sign(HashAlgorithm::SHA256, &digest).unwrap();
        // PKCS #1 v1.5 signatures are deterministic: the same bytes.
        assert_eq!(sig, expected);
    }
}
