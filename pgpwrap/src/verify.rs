//! `pgpwrap verify`: check a signed message (inline) or a file against a
//! detached signature, accepting only the named signers.

use std::path::PathBuf;

use paylot_cli::{Access, Error, Input, Outcome, Output, Result};
use sequoia_openpgp as openpgp;

use openpgp::parse::stream::{DetachedVerifierBuilder, VerifierBuilder};
use openpgp::parse::Parse;

use crate::io::{self, CopyError, Expansion, ExpansionArg};
use crate::keys::{self, Need, Policies};
use crate::verdict::{Helper, Nested, Report};

const EXAMPLES: &str = "\
Examples:
  Merchant side: accept a status file only if the gateway signed it:
  $ pgpwrap verify --signer gw.pub status.xml.gpg | xmlbatch status

  Check a file against a detached signature (nothing on standard output):
  $ pgpwrap verify --signer gw.pub --signature status.xml.asc status.xml

An inline signed message's content is written (to -o FILE or standard
output) only after its signature verified. Cleartext-signed files (gpg
--clearsign) are accepted too.
A message signed only by keys not named by --signer is refused before its
content is unpacked; a message that unpacks to more than --max-expansion
times its size (a compression bomb) is refused as it is read.
Exit status: 0 good signature from a named signer, 1 signature missing,
bad, or from a signer not named, 2 trouble (a compression bomb among them).";

/// Verify a signed message or a detached signature
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A certificate whose signature is accepted; repeat for several
    #[arg(long, short = 's', value_name = "CERT", required = true)]
    pub signer: Vec<PathBuf>,
    /// A detached signature over FILE (then nothing is written)
    #[arg(long, value_name = "SIG", conflicts_with = "output")]
    pub signature: Option<PathBuf>,
    #[command(flatten)]
    pub expansion: ExpansionArg,
    #[command(flatten)]
    pub message: io::MessageArgs,
}

fn fail(e: openpgp::anyhow::Error, report: &std::sync::Mutex<Report>, input: &str) -> Error {
    let r = report.lock().map(|r| r.clone()).unwrap_or_default();
    if let Some(why) = r.refusal {
        return Error::no(format!("{input}: {why}"));
    }
    if let Some(bomb) = Nested::refusal(&e, input) {
        return bomb;
    }
    let text = match e.downcast_ref::<std::io::Error>() {
        Some(ioe) => ioe.to_string(),
        None => io::describe(&e),
    };
    Error::trouble(format!("{input}: not a signed OpenPGP message: {text}"))
}

pub fn run(args: Args) -> Result<Outcome> {
    let policies = Policies::new(args.message.legacy.allow_legacy);
    let p = policies.active();
    let signers = keys::load_certs(&args.signer, Need::Verify, &policies)?;
    let helper = Helper::new(signers, Vec::new(), false);
    let report = helper.report.clone();
    match &args.signature {
        Some(sig_path) => {
            let sig = Input::open(Some(sig_path))?;
            let data = Input::open(args.message.file.path())?;
            let sig_name = sig.quoted();
            let data_name = data.quoted();
            let mut v = DetachedVerifierBuilder::from_reader(sig.into_reader())
                .map_err(|e| {
                    Error::trouble(format!(
                        "{sig_name}: not an OpenPGP signature: {}",
                        io::describe(&e)
                    ))
                })?
                .with_policy(p, None, helper)
                .map_err(|e| fail(e, &report, &sig_name))?;
            v.verify_reader(data.into_reader())
                .map_err(|e| fail(e, &report, &data_name))?;
        }
        None => {
            let input = Input::open(args.message.file.path())?;
            let name = input.quoted();
            // Unverified until the end: held back, and private.
            let mut out = Output::create_spooled(args.message.output.path(), Access::Private)?;
            let bound = Expansion::new(args.expansion, &name);
            let mut v = VerifierBuilder::from_reader(bound.counted(input.into_reader()))
                .map_err(|e| fail(e, &report, &name))?
                .buffer_size(io::parser_buffer(io::PARSER_BUFFER))
                .with_policy(p, None, helper)
                .map_err(|e| fail(e, &report, &name))?;
            io::copy(&mut v, &mut out, Some(&bound)).map_err(|e| match e {
                CopyError::Read(e) => fail(openpgp::anyhow::Error::from(e), &report, &name),
                CopyError::Write(e) => Error::io("writing the verified content", e),
                CopyError::Expanded(e) => e,
            })?;
            if !v.message_processed() {
                return Err(Error::trouble(format!("{name}: the message is incomplete")));
            }
            out.commit()?;
        }
    }
    let good = report.lock().map(|r| r.good.clone()).unwrap_or_default();
    if good.is_empty() {
        return Err(Error::no("no good signature"));
    }
    Ok(Outcome::Yes)
}
