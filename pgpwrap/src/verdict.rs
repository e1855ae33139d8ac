//! The verification and decryption helper: which certificates may sign,
//! which keys may decrypt, and the verdict on a message's structure.
//!
//! A message is accepted only with at least one good signature from one
//! of the named certificates; for `decrypt`, that signature must be
//! inside the encryption (sign-then-encrypt), so that it covers the
//! plaintext.

use std::sync::{Arc, Mutex};

use sequoia_openpgp as openpgp;

use openpgp::crypto::SessionKey;

use crate::pair::Pair;
use openpgp::packet::{PKESK, SKESK};
use openpgp::parse::stream::{
    DecryptionHelper, GoodChecksum, MessageLayer, MessageStructure, VerificationError,
    VerificationHelper,
};
use openpgp::types::SymmetricAlgorithm;
use openpgp::{Cert, KeyHandle};

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
}

impl Helper {
    pub fn new(signers: Vec<Cert>, decryptors: Vec<Pair>, require_encryption: bool) -> Helper {
        Helper {
            signers,
            decryptors,
            require_encryption,
            report: Arc::new(Mutex::new(Report::default())),
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
            .map(|c| c.fingerprint().to_hex())
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
            ids.push(h.to_hex());
        }
    }
    if ids.is_empty() {
        "an unidentified key".to_string()
    } else {
        format!("key {}", ids.join(" / "))
    }
}

fn describe_failure(e: &VerificationError, named: &str) -> String {
    match e {
        VerificationError::MissingKey { sig } => format!(
            "signed by {}, which is not among the certificates named ({named})",
            issuers(sig)
        ),
        VerificationError::UnboundKey { cert, error, .. } => format!(
            "signed by a key not validly bound to {}: {}",
            cert.fingerprint(),
            crate::io::describe(error)
        ),
        VerificationError::BadKey { ka, error, .. } => format!(
            "signed by key {} of {}, which is not usable: {}",
            ka.key().fingerprint(),
            ka.cert().fingerprint(),
            crate::io::describe(error)
        ),
        VerificationError::BadSignature { ka, error, .. } => format!(
            "BAD signature from {}: the content does not match the signature ({})",
            ka.cert().fingerprint(),
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
        Some(u) => format!("{} ({})", ka_cert.fingerprint(), paylot_cli::safe(&u)),
        None => ka_cert.fingerprint().to_hex(),
    }
}

impl VerificationHelper for Helper {
    fn get_certs(&mut self, _ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self.signers.clone())
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
            return self.refuse("the message is not encrypted".to_string());
        }
        if !signed {
            return self.refuse(
                "the message is not signed: its content is not released (pgpwrap needs a good \
                 signature from a named certificate)"
                    .to_string(),
            );
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
                Some(h) => h.to_hex(),
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
