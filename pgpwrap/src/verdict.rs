//! The verification and decryption helper: which certificates may sign,
//! which keys may decrypt, and the verdict on a message's structure.
//!
//! A message is accepted only with at least one good signature from one
//! of the named certificates; for `decrypt`, that signature must be
//! inside the encryption (sign-then-encrypt), so that it covers the
//! plaintext.
//!
//! What can be refused before the content is unpacked is refused then
//! ([`Helper::inspect`]): a message whose content comes unsigned, or
//! signed only by keys that are not named (a signed message announces
//! its signers before its content: the one-pass signature packets), or,
//! for `decrypt`, not encrypted. A stranger's message, however large it
//! unpacks, costs no more than its first packets.

use std::sync::{Arc, Mutex};

use sequoia_openpgp as openpgp;

use openpgp::crypto::SessionKey;

use crate::pair::Pair;
use openpgp::packet::{PKESK, SKESK};
use openpgp::parse::stream::{
    DecryptionHelper, GoodChecksum, MessageLayer, MessageStructure, VerificationError,
    VerificationHelper,
};
use openpgp::parse::PacketParser;
use openpgp::types::SymmetricAlgorithm;
use openpgp::{Cert, KeyHandle, Packet};
// Key ids and fingerprints are identifiers: marked where a message names
// them, so that the mask never takes one for a card number.
use paylot_cli::text::identifier;

/// What happened while a message was read: filled in by the helper and
/// read afterwards to word the error.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// The key ids the message is encrypted to.
    pub recipients: Vec<String>,
    /// Whether one of our keys decrypted the session key.
    pub decrypted: bool,
    /// Why the message was refused, when it was ("no" answers: exit 1).
    pub refusal: Option<String>,
    /// Good signatures, as "FINGERPRINT (user id)".
    pub good: Vec<String>,
}

/// The helper given to Sequoia's `Decryptor` / `Verifier`.
pub struct Helper {
    signers: Vec<Cert>,
    decryptors: Vec<Pair>,
    require_encryption: bool,
    pub report: Arc<Mutex<Report>>,
    /// The signers the message announced before its content (one-pass
    /// signatures, or signatures placed before the content).
    announced: Vec<KeyHandle>,
    /// Whether an encryption container came before the content.
    encrypted: bool,
    /// Whether a compressed container came before the content.
    compressed: bool,
    /// Whether the content has begun.
    content: bool,
}

impl Helper {
    pub fn new(signers: Vec<Cert>, decryptors: Vec<Pair>, require_encryption: bool) -> Helper {
        Helper {
            signers,
            decryptors,
            require_encryption,
            report: Arc::new(Mutex::new(Report::default())),
            announced: Vec::new(),
            encrypted: false,
            compressed: false,
            content: false,
        }
    }

    fn refuse(&self, why: String) -> openpgp::Result<()> {
        if let Ok(mut r) = self.report.lock() {
            r.refusal = Some(why.clone());
        }
        Err(openpgp::Error::InvalidOperation(why).into())
    }

    fn named(&self) -> String {
        self.signers
            .iter()
            .map(|c| identifier(c.fingerprint()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn issuers(sig: &openpgp::packet::Signature) -> String {
    // Prefer fingerprints; drop key ids that are the tail of one.
    let handles = sig.get_issuers();
    let mut ids: Vec<String> = Vec::new();
    for h in &handles {
        let dup = matches!(h, KeyHandle::KeyID(_))
            && handles
                .iter()
                .any(|o| matches!(o, KeyHandle::Fingerprint(_)) && o.aliases(h));
        if !dup {
            ids.push(identifier(h));
        }
    }
    if ids.is_empty() {
        "an unidentified key".to_string()
    } else {
        format!("key {}", ids.join(" / "))
    }
}

/// "signed by KEY, which is not among the certificates named (…)".
fn not_named(signer: &str, named: &str) -> String {
    format!("signed by {signer}, which is not among the certificates named ({named})")
}

fn describe_failure(e: &VerificationError, named: &str) -> String {
    match e {
        VerificationError::MissingKey { sig } => not_named(&issuers(sig), named),
        VerificationError::UnboundKey { cert, error, .. } => format!(
            "signed by a key not validly bound to {}: {}",
            identifier(cert.fingerprint()),
            crate::io::describe(error)
        ),
        VerificationError::BadKey { ka, error, .. } => format!(
            "signed by key {} of {}, which is not usable: {}",
            identifier(ka.key().fingerprint()),
            identifier(ka.cert().fingerprint()),
            crate::io::describe(error)
        ),
        VerificationError::BadSignature { ka, error, .. } => format!(
            "BAD signature from {}: the content does not match the signature ({})",
            identifier(ka.cert().fingerprint()),
            crate::io::describe(error)
        ),
        VerificationError::MalformedSignature { error, .. } => {
            format!("malformed signature: {}", crate::io::describe(error))
        }
        other => format!("unusable signature: {other}"),
    }
}

fn signer_name(ka_cert: &Cert) -> String {
    let uid = ka_cert
        .userids()
        .next()
        .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned());
    match uid {
        Some(u) => format!(
            "{} ({})",
            identifier(ka_cert.fingerprint()),
            paylot_cli::safe(&u)
        ),
        None => identifier(ka_cert.fingerprint()),
    }
}

/// A compressed container inside another (see [`Helper::inspect`]).
#[derive(Debug, thiserror::Error)]
#[error(
    "compressed data inside compressed data, which no OpenPGP implementation writes: refused \
     as a compression bomb, nothing was written"
)]
pub struct Nested;

impl Nested {
    /// The refusal, if `e` is (or was caused by) nested compression.
    pub fn refusal(e: &openpgp::anyhow::Error, input: &str) -> Option<paylot_cli::Error> {
        e.chain()
            .any(|c| c.is::<Nested>())
            .then(|| paylot_cli::Error::trouble(format!("{input}: {Nested}")))
    }
}

const NOT_ENCRYPTED: &str = "the message is not encrypted";

const NOT_SIGNED: &str = "the message is not signed: its content is not released (pgpwrap needs a \
                          good signature from a named certificate)";

impl Helper {
    /// Whether a key of one of the named certificates may be `handle`.
    fn names(&self, handle: &KeyHandle) -> bool {
        self.signers
            .iter()
            .any(|c| c.keys().any(|k| k.key().key_handle().aliases(handle)))
    }

    /// The content is about to be read: refuse now what [`check`] would
    /// refuse anyway, whatever the content.
    ///
    /// [`check`]: VerificationHelper::check
    fn before_content(&mut self) -> openpgp::Result<()> {
        if self.require_encryption && !self.encrypted {
            return self.refuse(NOT_ENCRYPTED.to_string());
        }
        if self.announced.is_empty() {
            return self.refuse(NOT_SIGNED.to_string());
        }
        // A wildcard issuer (an anonymous signer) may be anyone: only the
        // signature, at the end, can tell.
        let unknown = |h: &KeyHandle| match h {
            KeyHandle::KeyID(id) => id.is_wildcard(),
            KeyHandle::Fingerprint(_) => false,
        };
        if self.announced.iter().any(|h| unknown(h) || self.names(h)) {
            return Ok(());
        }
        let mut signers: Vec<String> = self.announced.iter().map(identifier).collect();
        signers.dedup();
        let why = format!(
            "{}; refused before its content was unpacked",
            not_named(&format!("key {}", signers.join(" / ")), &self.named())
        );
        self.refuse(format!("no good signature: {why}"))
    }
}

impl VerificationHelper for Helper {
    fn get_certs(&mut self, _ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self.signers.clone())
    }

    /// Each packet as it comes, before what follows it is read: the
    /// signers a message announces come before its content.
    fn inspect(&mut self, pp: &PacketParser) -> openpgp::Result<()> {
        if self.content {
            return Ok(());
        }
        match &pp.packet {
            Packet::SEIP(_) => self.encrypted = true,
            // gpg, Sequoia and every other implementation compress once;
            // compression inside compression multiplies the expansion
            // (a thousand per layer), which only a bomb needs.
            Packet::CompressedData(_) if self.compressed => {
                return Err(Nested.into());
            }
            Packet::CompressedData(_) => self.compressed = true,
            Packet::OnePassSig(ops) => self.announced.push(ops.issuer().clone()),
            // A signature before the content (the old "SIG LITERAL" form).
            Packet::Signature(sig) => {
                let issuers = sig.get_issuers();
                if issuers.is_empty() {
                    self.announced
                        .push(KeyHandle::KeyID(openpgp::KeyID::wildcard()));
                }
                self.announced.extend(issuers);
            }
            Packet::Literal(_) => {
                self.content = true;
                return self.before_content();
            }
            _ => {}
        }
        Ok(())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        let mut encrypted = false;
        let mut signed = false;
        let mut good = Vec::new();
        let mut failures = Vec::new();
        let named = self.named();
        for layer in structure.into_iter() {
            match layer {
                MessageLayer::Encryption { .. } => encrypted = true,
                MessageLayer::Compression { .. } => {}
                MessageLayer::SignatureGroup { results } => {
                    for result in results {
                        signed = true;
                        match result {
                            Ok(GoodChecksum { ka, .. }) => {
                                if self.require_encryption && !encrypted {
                                    failures.push(
                                        "the signature is outside the encryption and does not \
                                         cover the plaintext"
                                            .to_string(),
                                    );
                                } else {
                                    good.push(signer_name(ka.cert()));
                                }
                            }
                            Err(e) => failures.push(describe_failure(&e, &named)),
                        }
                    }
                }
            }
        }
        if self.require_encryption && !encrypted {
            return self.refuse(NOT_ENCRYPTED.to_string());
        }
        if !signed {
            return self.refuse(NOT_SIGNED.to_string());
        }
        if good.is_empty() {
            return self.refuse(format!("no good signature: {}", failures.join("; ")));
        }
        if let Ok(mut r) = self.report.lock() {
            r.good = good;
        }
        Ok(())
    }
}

impl DecryptionHelper for Helper {
    fn decrypt(
        &mut self,
        pkesks: &[PKESK],
        _skesks: &[SKESK],
        sym_algo: Option<SymmetricAlgorithm>,
        decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
    ) -> openpgp::Result<Option<Cert>> {
        let recipients: Vec<String> = pkesks
            .iter()
            .map(|p| match p.recipient() {
                Some(h) => identifier(h),
                None => "(hidden recipient)".to_string(),
            })
            .collect();
        if let Ok(mut r) = self.report.lock() {
            r.recipients = recipients;
        }
        for pkesk in pkesks {
            for pair in self.decryptors.iter_mut() {
                let ours = match pkesk.recipient() {
                    Some(h) => h.aliases(KeyHandle::from(pair.public().fingerprint())),
                    None => true, // hidden recipient: try every key
                };
                if !ours {
                    continue;
                }
                if let Some((algo, sk)) = pkesk.decrypt(pair, sym_algo) {
                    if decrypt(algo, &sk) {
                        if let Ok(mut r) = self.report.lock() {
                            r.decrypted = true;
                        }
                        return Ok(None);
                    }
                }
            }
        }
        Ok(None)
    }
}
