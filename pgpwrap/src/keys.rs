//! Loading certificates and secret keys from files, and the algorithm
//! policy: Sequoia's standard policy by default; legacy keys (SHA-1
//! self-signatures, RSA/DSA below 2048 bits) only with `--allow-legacy`,
//! and then with a warning that names the problem.

use std::path::Path;

use paylot_cli::{Error, Result};
use sequoia_openpgp as openpgp;

use openpgp::cert::CertParser;
use openpgp::crypto::Password;

use crate::pair::Pair;
use openpgp::packet::key::{PublicParts, SecretParts, UnspecifiedRole};
use openpgp::packet::Key;
use openpgp::parse::Parse;
use openpgp::policy::{AsymmetricAlgorithm, HashAlgoSecurity, Policy, StandardPolicy};
use openpgp::types::{HashAlgorithm, PublicKeyAlgorithm, RevocationStatus};
use openpgp::Cert;

use paylot_cli::time::rfc3339_seconds as format_time;

/// What a key file is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A recipient's certificate: an encryption subkey, alive, not revoked.
    Encrypt,
    /// A signer's certificate, to verify signatures.
    Verify,
    /// Our secret key, to sign.
    Sign,
    /// Our secret key, to decrypt.
    Decrypt,
}

impl Need {
    fn secret(self) -> bool {
        matches!(self, Need::Sign | Need::Decrypt)
    }

    fn what(self) -> &'static str {
        match self {
            Need::Encrypt => "encryption",
            Need::Verify => "signing",
            Need::Sign => "signing",
            Need::Decrypt => "decryption",
        }
    }
}

/// The algorithm policy of a run.
pub struct Policies {
    standard: StandardPolicy<'static>,
    legacy: StandardPolicy<'static>,
    allow_legacy: bool,
}

impl Policies {
    /// The standard policy; with `allow_legacy`, a policy that also
    /// accepts SHA-1 self-signatures and 1024-bit RSA/DSA keys.
    pub fn new(allow_legacy: bool) -> Policies {
        let mut legacy = StandardPolicy::new();
        legacy.accept_hash_property(
            HashAlgorithm::SHA1,
            HashAlgoSecurity::SecondPreImageResistance,
        );
        legacy.accept_asymmetric_algo(AsymmetricAlgorithm::RSA1024);
        legacy.accept_asymmetric_algo(AsymmetricAlgorithm::DSA1024);
        Policies {
            standard: StandardPolicy::new(),
            legacy,
            allow_legacy,
        }
    }

    /// The policy to apply.
    pub fn active(&self) -> &dyn Policy {
        if self.allow_legacy {
            &self.legacy
        } else {
            &self.standard
        }
    }

    /// Check that `cert` (read from `name`) can serve for `need`; refuse a
    /// legacy key unless allowed, and warn when a legacy key is accepted.
    pub fn check(&self, cert: &Cert, name: &str, need: Need) -> Result<()> {
        if usable(cert, &self.standard, need) {
            return Ok(());
        }
        if usable(cert, &self.legacy, need) {
            let problems = legacy_problems(cert).join(", ");
            if self.allow_legacy {
                paylot_cli::warn(
                    crate::cli::TOOL,
                    format!(
                        "{name}: accepting a legacy key ({problems}) because of --allow-legacy"
                    ),
                );
                return Ok(());
            }
            return Err(Error::trouble(format!(
                "{name}: legacy key refused: {problems}; such keys are no longer considered \
                 secure (SHA-1 signatures since 2023, RSA below 2048 bits since 2014); ask the \
                 key's owner for a new key, or pass --allow-legacy to accept it anyway"
            )));
        }
        Err(Error::trouble(format!(
            "{name}: {}",
            why_unusable(cert, self.active(), need)
        )))
    }
}

fn is_small_legacy(key: &Key<PublicParts, UnspecifiedRole>) -> Option<String> {
    #[allow(deprecated)]
    let family = match key.pk_algo() {
        PublicKeyAlgorithm::RSAEncryptSign
        | PublicKeyAlgorithm::RSAEncrypt
        | PublicKeyAlgorithm::RSASign => "RSA",
        PublicKeyAlgorithm::DSA => "DSA",
        PublicKeyAlgorithm::ElGamalEncrypt | PublicKeyAlgorithm::ElGamalEncryptSign => "ElGamal",
        _ => return None,
    };
    let bits = key.mpis().bits()?;
    (bits < 2048).then(|| {
        format!(
            "{family} key {} has only {bits} bits",
            paylot_cli::text::identifier(key.keyid())
        )
    })
}

/// What makes `cert` a legacy key, in words.
pub fn legacy_problems(cert: &Cert) -> Vec<String> {
    let mut problems = Vec::new();
    for ka in cert.keys() {
        if let Some(p) = is_small_legacy(ka.key()) {
            problems.push(p);
        }
    }
    let sha1 = cert
        .keys()
        .flat_map(|ka| ka.self_signatures().collect::<Vec<_>>())
        .chain(
            cert.userids()
                .flat_map(|u| u.self_signatures().collect::<Vec<_>>()),
        )
        .any(|sig| sig.hash_algo() == HashAlgorithm::SHA1);
    if sha1 {
        problems.push("its self-signatures use SHA-1".to_string());
    }
    if problems.is_empty() {
        problems.push("it uses algorithms the standard policy rejects".to_string());
    }
    problems
}

fn usable(cert: &Cert, p: &dyn Policy, need: Need) -> bool {
    let Ok(vc) = cert.with_policy(p, None) else {
        return false;
    };
    let keys = vc.keys().supported();
    match need {
        Need::Encrypt => {
            vc.alive().is_ok()
                && !matches!(vc.revocation_status(), RevocationStatus::Revoked(_))
                && keys
                    .alive()
                    .revoked(false)
                    .for_transport_encryption()
                    .for_storage_encryption()
                    .next()
                    .is_some()
        }
        Need::Verify => keys.for_signing().next().is_some(),
        Need::Sign => {
            vc.alive().is_ok()
                && !matches!(vc.revocation_status(), RevocationStatus::Revoked(_))
                && keys
                    .secret()
                    .alive()
                    .revoked(false)
                    .for_signing()
                    .next()
                    .is_some()
        }
        Need::Decrypt => keys
            .secret()
            .for_transport_encryption()
            .for_storage_encryption()
            .next()
            .is_some(),
    }
}

fn why_unusable(cert: &Cert, p: &dyn Policy, need: Need) -> String {
    let vc = match cert.with_policy(p, None) {
        Ok(vc) => vc,
        Err(e) => {
            return format!(
                "the key {} is not valid: {}",
                paylot_cli::text::identifier(cert.fingerprint()),
                crate::io::describe(&e)
            )
        }
    };
    if let RevocationStatus::Revoked(sigs) = vc.revocation_status() {
        let reason = sigs
            .first()
            .and_then(|s| s.reason_for_revocation())
            .map(|(_, text)| String::from_utf8_lossy(text).into_owned())
            .filter(|t| !t.is_empty())
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        return format!(
            "the key {} has been revoked by its owner{reason}; ask for its replacement",
            paylot_cli::text::identifier(cert.fingerprint())
        );
    }
    if vc.alive().is_err() {
        let when = vc
            .primary_key()
            .key_expiration_time()
            .map(|t| format!(" on {}", format_time(t)))
            .unwrap_or_default();
        return format!(
            "the key {} expired{when}; ask its owner for an extended or new certificate",
            paylot_cli::text::identifier(cert.fingerprint())
        );
    }
    let any = vc.keys().supported();
    let capable = match need {
        Need::Encrypt | Need::Decrypt => any
            .for_transport_encryption()
            .for_storage_encryption()
            .count(),
        Need::Sign | Need::Verify => any.for_signing().count(),
    };
    if capable == 0 {
        return format!(
            "the key {} has no {} subkey",
            paylot_cli::text::identifier(cert.fingerprint()),
            need.what()
        );
    }
    if need.secret() {
        return format!(
            "the key {} has no secret material for its {} subkeys (only a stub, as \
             gpg --export-secret-subkeys writes?)",
            paylot_cli::text::identifier(cert.fingerprint()),
            need.what()
        );
    }
    format!(
        "the {} subkeys of {} have expired or been revoked; ask its owner for an updated certificate",
        need.what(),
        paylot_cli::text::identifier(cert.fingerprint())
    )
}

/// Read every certificate or key in the file at `path`. For a secret key
/// file, named by `secret_option`, the path is not repeated when the file
/// cannot be read: it may be the key itself, typed in the wrong place.
pub fn read_file(path: &Path, secret_option: Option<&str>) -> Result<(String, Vec<Cert>)> {
    let name = paylot_cli::quote(&path.to_string_lossy());
    // Bounded: a file named here by mistake (`/dev/zero`, a large file)
    // is not read whole.
    let max = paylot_cli::limits::OPENPGP_KEY_FILE;
    let mut bytes = Vec::new();
    let whole = std::fs::File::open(path)
        .and_then(|f| paylot_cli::limits::read_at_most(f, &mut bytes, max))
        .map_err(|e| match secret_option {
            Some(option) => Error::io(
                format!(
                    "{option}: cannot read the key file ({})",
                    paylot_cli::secret::NOT_REPEATED
                ),
                e,
            ),
            None => Error::io(
                format!(
                    "cannot read {}",
                    paylot_cli::text::quote_unresolved(&path.to_string_lossy())
                ),
                e,
            ),
        })?;
    if !whole {
        let which = match secret_option {
            Some(option) => format!("{option}: the key file"),
            None => name.clone(),
        };
        return Err(Error::trouble(format!(
            "{which} holds more than {}, the most an OpenPGP key file may hold (a certificate is at most a few hundred KiB): is it the right file?",
            paylot_cli::limits::show(max)
        )));
    }
    if bytes.starts_with(paylot_cli::text::BOM) {
        return Err(crate::io::bom_refusal(&name));
    }
    let certs = parse_certs(&bytes).map_err(|e| {
        // A message or a signature in the key's place: the file to open
        // and the key given the wrong way round, said as such.
        use paylot_cli::armor::{recognised, Armored};
        let given = match recognised(&bytes) {
            Some(Armored::Message | Armored::SignedText) => Some("an OpenPGP message"),
            Some(Armored::Signature) => Some("an OpenPGP signature"),
            _ => None,
        };
        match given {
            Some(given) => Error::trouble(format!(
                "{name}: {given}, not an OpenPGP key or certificate (were the key and the \
                 file to open swapped?); expected what `gpg --export --armor` or `pgpwrap \
                 keygen` writes"
            )),
            None => Error::trouble(format!(
                "{name}: not an OpenPGP key or certificate ({e}); expected what `gpg --export \
                 --armor` or `pgpwrap keygen` writes"
            )),
        }
    })?;
    Ok((name, certs))
}

fn parse_certs(bytes: &[u8]) -> std::result::Result<Vec<Cert>, String> {
    let trimmed = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &bytes[i..]);
    let Some(data) = trimmed else {
        return Err("the file is empty".to_string());
    };
    let certs = CertParser::from_bytes(data)
        .map_err(|e| crate::io::describe(&e))?
        .collect::<openpgp::Result<Vec<Cert>>>()
        .map_err(|e| crate::io::describe(&e))?;
    if certs.is_empty() {
        return Err("no key found".to_string());
    }
    Ok(certs)
}

/// Certificates (public keys) named by `--recipient`, `--verify-with`,
/// `--signer`: refuses secret keys and unusable or legacy keys.
pub fn load_certs(
    paths: &[std::path::PathBuf],
    need: Need,
    policies: &Policies,
) -> Result<Vec<Cert>> {
    let mut all = Vec::new();
    for path in paths {
        let (name, certs) = read_file(path, None)?;
        for cert in certs {
            if cert.is_tsk() {
                return Err(Error::trouble(format!(
                    "{name} is a secret key, where a certificate (public key) is expected; give \
                     the .pub file (pgpwrap keygen) or what `gpg --export --armor` writes"
                )));
            }
            policies.check(&cert, &name, need)?;
            all.push(cert);
        }
    }
    Ok(all)
}

/// A secret key file named by `option` (`--key`, `--sign-with`).
pub fn load_secret(
    path: &Path,
    option: &str,
    need: Need,
    policies: &Policies,
) -> Result<(String, Vec<Cert>)> {
    let (name, certs) = read_file(path, Some(option))?;
    for cert in &certs {
        if !cert.is_tsk() {
            return Err(Error::trouble(format!(
                "{name} is a certificate (public key) without secret key material, where a \
                 secret key is expected; give the .key file (pgpwrap keygen) or what `gpg \
                 --export-secret-keys --armor` writes"
            )));
        }
        policies.check(cert, &name, need)?;
    }
    Ok((name, certs))
}

/// Unlock one secret key with the passphrase, if it is protected.
pub fn unlock(
    key: Key<SecretParts, UnspecifiedRole>,
    passphrase: Option<&Password>,
    name: &str,
) -> Result<Pair> {
    let key = if key.secret().is_encrypted() {
        let Some(pass) = passphrase else {
            return Err(Error::trouble(format!(
                "{name}: the secret key is protected by a passphrase; give it with \
                 --passphrase-file FILE or --passphrase-env NAME"
            )));
        };
        let id = paylot_cli::text::identifier(key.keyid());
        key.decrypt_secret(pass)
            .map_err(|_| Error::trouble(format!("{name}: wrong passphrase for key {id}")))?
    } else {
        key
    };
    key.into_keypair().map(Pair::new).map_err(|e| {
        Error::trouble(format!(
            "{name}: cannot use the secret key: {}",
            crate::io::describe(&e)
        ))
    })
}

/// What a secret key is used for here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Signing,
    Decryption,
}

/// The unlocked key pairs of the secret keys in `certs` for `what`: one
/// signing key per certificate (alive, not revoked), or every decryption
/// subkey (an old one may still be needed for an old message).
fn key_pairs(
    certs: &[Cert],
    name: &str,
    passphrase: Option<&Password>,
    p: &dyn Policy,
    what: Use,
) -> Result<Vec<Pair>> {
    let mut pairs = Vec::new();
    for cert in certs {
        let vc = cert
            .with_policy(p, None)
            .map_err(|e| Error::trouble(format!("{name}: {}", crate::io::describe(&e))))?;
        let keys = vc.keys().secret().supported();
        let chosen: Vec<Key<SecretParts, UnspecifiedRole>> = match what {
            Use::Signing => {
                let ka = keys
                    .alive()
                    .revoked(false)
                    .for_signing()
                    .next()
                    .ok_or_else(|| Error::trouble(format!("{name}: no usable signing key")))?;
                vec![ka.key().clone().role_into_unspecified()]
            }
            Use::Decryption => keys
                .for_transport_encryption()
                .for_storage_encryption()
                .map(|ka| ka.key().clone().role_into_unspecified())
                .collect(),
        };
        for key in chosen {
            pairs.push(unlock(key, passphrase, name)?);
        }
    }
    Ok(pairs)
}

/// The signing key pairs of the secret keys in `certs`.
pub fn signers(
    certs: &[Cert],
    name: &str,
    passphrase: Option<&Password>,
    p: &dyn Policy,
) -> Result<Vec<Pair>> {
    key_pairs(certs, name, passphrase, p, Use::Signing)
}

/// The decryption key pairs of the secret keys in `certs`.
pub fn decryptors(
    certs: &[Cert],
    name: &str,
    passphrase: Option<&Password>,
    p: &dyn Policy,
) -> Result<Vec<Pair>> {
    key_pairs(certs, name, passphrase, p, Use::Decryption)
}
