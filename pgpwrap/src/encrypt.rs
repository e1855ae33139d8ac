//! `pgpwrap encrypt`: sign, then encrypt (the signature covers the
//! plaintext the recipient reads).

use std::io::{Read, Write};
use std::path::PathBuf;

use paylot_cli::{Access, Error, Input, Outcome, Output, PassphraseArgs, Result};
use sequoia_openpgp as openpgp;

use crate::pair::Pair;
use openpgp::armor;
use openpgp::policy::Policy;
use openpgp::serialize::stream::{Armorer, Encryptor, LiteralWriter, Message, Recipient, Signer};
use openpgp::Cert;

use crate::element;
use crate::io::{self, CopyError};
use crate::keys::{self, Need, Policies};

const EXAMPLES: &str = "\
Examples:
  Sign with the shop's key and encrypt to the gateway, whole file:
  $ pgpwrap encrypt --recipient gateway.pub --sign-with shop.key \\
        --passphrase-env SHOP_PGP_PASS -o batch.xml.pgp batch.xml

  Encrypt only the content of <Merchant>, leaving the rest of the XML readable:
  $ pgpwrap encrypt --recipient gateway.pub --sign-with shop.key \\
        --element Merchant -o question.xml question-clear.xml

Output is binary unless --armor (--element always writes armor, inside the
element). No compression is applied. Exit status: 0 written, 2 trouble.";

/// Sign, then encrypt a file (or one XML element's content) for recipients
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A recipient's certificate (public key file); repeat for several recipients
    #[arg(long, short = 'r', value_name = "CERT", required = true)]
    pub recipient: Vec<PathBuf>,
    /// Sign with this secret key before encrypting (strongly recommended: gateways require it)
    #[arg(long, value_name = "KEY")]
    pub sign_with: Option<PathBuf>,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
    /// Write ASCII armor instead of binary OpenPGP
    #[arg(long, short = 'a')]
    pub armor: bool,
    /// Encrypt only the content of this XML element, in place (e.g. Merchant)
    #[arg(long, value_name = "NAME")]
    pub element: Option<String>,
    #[command(flatten)]
    pub message: io::MessageArgs,
}

/// The hash for data signatures: SHA-256, as gpg 2.2 chooses, readable
/// by every OpenPGP implementation a gateway may run, and the fastest on
/// CPUs with SHA extensions.
pub const SIGNATURE_HASH: openpgp::types::HashAlgorithm = openpgp::types::HashAlgorithm::SHA256;

/// Keys ready for sealing.
pub struct Sealer {
    pub recipients: Vec<Cert>,
    pub signers: Vec<Pair>,
    pub policies: Policies,
}

impl Sealer {
    fn load(args: &Args) -> Result<Sealer> {
        let policies = Policies::new(args.message.legacy.allow_legacy);
        let recipients = keys::load_certs(&args.recipient, Need::Encrypt, &policies)?;
        let signers = match &args.sign_with {
            Some(path) => {
                let (name, certs) = keys::load_secret(path, "--sign-with", Need::Sign, &policies)?;
                let pass = io::passphrase(&args.passphrase)?;
                keys::signers(&certs, &name, pass.as_ref(), policies.active())?
            }
            None => Vec::new(),
        };
        Ok(Sealer {
            recipients,
            signers,
            policies,
        })
    }

    /// Sign (if signers) and encrypt everything from `input` into `sink`.
    pub fn seal(
        &self,
        input: &mut dyn Read,
        input_name: &str,
        sink: &mut (dyn Write + Send + Sync),
        armored: bool,
        literal_name: Option<&str>,
    ) -> Result<()> {
        let p: &dyn Policy = self.policies.active();
        let pgp =
            |e: openpgp::anyhow::Error| Error::trouble(format!("encrypting: {}", io::describe(&e)));
        let mut recipients: Vec<Recipient> = Vec::new();
        for cert in &self.recipients {
            let vc = cert.with_policy(p, None).map_err(pgp)?;
            for ka in vc
                .keys()
                .supported()
                .alive()
                .revoked(false)
                .for_transport_encryption()
                .for_storage_encryption()
            {
                recipients.push(ka.into());
            }
        }
        let mut message = Message::new(sink);
        if armored {
            message = Armorer::new(message)
                .kind(armor::Kind::Message)
                .build()
                .map_err(pgp)?;
        }
        let mut message = Encryptor::for_recipients(message, recipients)
            .build()
            .map_err(pgp)?;
        let mut signers = self.signers.iter().cloned();
        if let Some(first) = signers.next() {
            let mut signer = Signer::new(message, first)
                .map_err(pgp)?
                .hash_algo(SIGNATURE_HASH)
                .map_err(pgp)?;
            for s in signers {
                signer = signer.add_signer(s).map_err(pgp)?;
            }
            message = signer.build().map_err(pgp)?;
        }
        let mut literal = LiteralWriter::new(message);
        if let Some(n) = literal_name {
            literal = literal.filename(n).map_err(pgp)?;
        }
        let mut w = literal.build().map_err(pgp)?;
        io::copy(input, &mut w, None).map_err(|e| match e {
            CopyError::Read(e) => Error::reading(input_name, e),
            CopyError::Write(e) => Error::io("writing the encrypted output", e),
            CopyError::Expanded(e) => e,
        })?;
        w.finalize().map_err(pgp)?;
        Ok(())
    }
}

/// The literal data name recorded in the message (as gpg does): the input's
/// file name, or none for standard input.
pub fn literal_name(file: Option<&std::path::Path>) -> Option<String> {
    let f = file?;
    if f.as_os_str() == "-" {
        return None;
    }
    f.file_name().map(|n| n.to_string_lossy().into_owned())
}

pub fn run(args: Args) -> Result<Outcome> {
    let sealer = Sealer::load(&args)?;
    if sealer.signers.is_empty() {
        paylot_cli::warn(
            crate::cli::TOOL,
            "encrypting without a signature (no --sign-with): the recipient cannot tell who \
             sent the file, and gateways refuse unsigned files",
        );
    }
    let input = Input::open(args.message.file.path())?;
    match &args.element {
        None => {
            // Nothing is left by a run that fails (docs/conventions.md).
            // All of it is ciphertext: the usual mode.
            let mut out = Output::create_spooled(args.message.output.path(), Access::Usual)?;
            let name = literal_name(args.message.file.path());
            let input_name = input.quoted();
            let mut reader = input.into_reader();
            sealer.seal(
                &mut reader,
                &input_name,
                &mut out,
                args.armor,
                name.as_deref(),
            )?;
            out.commit()?;
        }
        Some(elem) => {
            let input_name = input.quoted();
            // The document is read whole (it is signed whole and written
            // back around the element): bounded.
            let doc = input.read_all_at_most(
                paylot_cli::limits::ELEMENT_DOCUMENT,
                "--element reads (a batch file is a few MiB; encrypt a larger file whole, without --element)",
            )?;
            let range = element::find_content(&doc, elem)
                .map_err(|e| Error::trouble(e.message(elem, &input_name)))?;
            // The whole clear document is signed, then encrypted, so that
            // the signature also covers what stays readable (element.rs).
            let mut armored = Vec::new();
            sealer.seal(&mut &doc[..], &input_name, &mut armored, true, None)?;
            let mut wrapped = Vec::with_capacity(armored.len() + 1);
            wrapped.push(b'\n');
            wrapped.extend_from_slice(&armored);
            let result = element::splice(&doc, range, &wrapped);
            // What stays outside the element is in clear and may hold card
            // data: the owner's alone from creation.
            let mut out = Output::create_spooled(args.message.output.path(), Access::Private)?;
            out.write_all(&result)
                .map_err(|e| Error::io(format!("writing {}", out.name()), e))?;
            out.commit()?;
        }
    }
    Ok(Outcome::Yes)
}
