//! `pgpwrap sign`: an inline signed message (as `gpg --sign`) or a
//! detached signature (as `gpg --detach-sign`).

use paylot_cli::{Error, Input, Outcome, Output, Result};
use sequoia_openpgp as openpgp;

use openpgp::armor;
use openpgp::serialize::stream::{Armorer, LiteralWriter, Message, Signer};

use crate::io::{self, CopyError};
use crate::keys::{self, Need, Policies};

const EXAMPLES: &str = "\
Examples:
  Gateway side: sign a status file (inline, binary, as `gpg --sign`):
  $ pgpwrap sign --key gw.key -o status.xml.gpg status.xml

  Detached, armored signature (as `gpg --armor --detach-sign`):
  $ pgpwrap sign --key gw.key --detached --armor -o status.xml.asc status.xml

Exit status: 0 signed, 2 trouble.";

/// Sign a file: an inline signed message, or a detached signature
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub secret: io::SecretKeyArgs,
    /// Write only the signature, not the signed content
    #[arg(long, short = 'd')]
    pub detached: bool,
    /// Write ASCII armor instead of binary OpenPGP
    #[arg(long, short = 'a')]
    pub armor: bool,
    #[command(flatten)]
    pub message: io::MessageArgs,
}

pub fn run(args: Args) -> Result<Outcome> {
    let policies = Policies::new(args.message.legacy.allow_legacy);
    let (name, certs) = keys::load_secret(&args.secret.key, "--key", Need::Sign, &policies)?;
    let pass = io::passphrase(&args.secret.passphrase)?;
    let mut pairs = keys::signers(&certs, &name, pass.as_ref(), policies.active())?.into_iter();
    let first = pairs
        .next()
        .ok_or_else(|| Error::trouble(format!("{name}: no signing key")))?;
    let mut input = Input::open(args.message.file.path())?;
    // Nothing is left by a run that fails (docs/conventions.md). A signed
    // message carries its content in clear (a Question with its card
    // numbers): the file is the owner's alone from creation. A detached
    // signature holds none of it.
    let access = if args.detached {
        paylot_cli::Access::Usual
    } else {
        paylot_cli::Access::Private
    };
    let mut out = Output::create_spooled(args.message.output.path(), access)?;
    let pgp = |e: openpgp::anyhow::Error| Error::trouble(format!("signing: {}", io::describe(&e)));
    {
        let mut message = Message::new(&mut out);
        if args.armor {
            let kind = if args.detached {
                armor::Kind::Signature
            } else {
                armor::Kind::Message
            };
            message = Armorer::new(message).kind(kind).build().map_err(pgp)?;
        }
        let mut signer = Signer::new(message, first)
            .map_err(pgp)?
            .hash_algo(crate::encrypt::SIGNATURE_HASH)
            .map_err(pgp)?;
        for s in pairs {
            signer = signer.add_signer(s).map_err(pgp)?;
        }
        let mut w = if args.detached {
            signer.detached().build().map_err(pgp)?
        } else {
            let message = signer.build().map_err(pgp)?;
            let mut literal = LiteralWriter::new(message);
            if let Some(n) = crate::encrypt::literal_name(args.message.file.path()) {
                literal = literal.filename(n).map_err(pgp)?;
            }
            literal.build().map_err(pgp)?
        };
        let input_name = input.quoted();
        io::copy(input.reader(), &mut w, None).map_err(|e| match e {
            CopyError::Read(e) => Error::reading(input_name, e),
            CopyError::Write(e) => Error::io("writing the signed output", e),
            CopyError::Expanded(e) => e,
        })?;
        w.finalize().map_err(pgp)?;
    }
    out.commit()?;
    Ok(Outcome::Yes)
}
