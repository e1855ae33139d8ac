//! `pgpwrap`: sign-then-encrypt and decrypt-then-verify batch files,
//! interoperable with GnuPG, for merchants exchanging files with payment
//! gateways (see `../shared/spec/pgp-envelope.md`).
//!
//! One module per subcommand; [`keys`] loads keys and applies the
//! algorithm policy, [`verdict`] decides whether a message's signatures
//! are acceptable, [`element`] finds one XML element's content.

use clap::{CommandFactory, Parser, Subcommand};
use paylot_cli::{Outcome, Result};

pub mod decrypt;
pub mod element;
pub mod encrypt;
pub mod inspect;
pub mod io;
pub mod keygen;
pub mod keys;
pub mod pair;
pub mod sign;
pub mod verdict;
pub mod verify;

/// The tool's name, for messages.
pub const TOOL: &str = "pgpwrap";

const AFTER_HELP: &str = "\
Exit status:
  0  success: the file was written, the signature is good
  1  the answer is no: the signature is missing, bad, or from a signer not
     named; the message was tampered with
  2  trouble: bad usage, unreadable or malformed input, missing or unusable
     key, wrong passphrase, I/O error

Passphrases come from --passphrase-file FILE or --passphrase-env NAME, never
from the command line. Keys are read from files (armored or binary), never
from a keyring: pgpwrap is stateless.

Examples:
  $ pgpwrap keygen --userid 'Shop <ops@example.com>' --out shop
  $ pgpwrap encrypt --recipient gateway.pub --sign-with shop.key -o batch.xml.pgp batch.xml
  $ pgpwrap decrypt --key shop.key --verify-with gateway.pub -o answer.xml answer.xml.pgp
  $ pgpwrap verify --signer gateway.pub status.xml.gpg | xmlbatch status
  $ pgpwrap inspect batch.xml.pgp";

/// Sign-then-encrypt and decrypt-then-verify batch files, interoperable with GnuPG.
#[derive(Debug, Parser)]
#[command(name = "pgpwrap", version = paylot_cli::VERSION, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    Keygen(keygen::Args),
    Encrypt(encrypt::Args),
    Decrypt(decrypt::Args),
    Sign(sign::Args),
    Verify(verify::Args),
    Inspect(inspect::Args),
}

/// The `clap::Command`, for man pages and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parse the command line and run the subcommand.
pub fn main() -> Result<Outcome> {
    let cli: Cli = paylot_cli::args::parse()?;
    match cli.command {
        Cmd::Keygen(a) => keygen::run(a),
        Cmd::Encrypt(a) => encrypt::run(a),
        Cmd::Decrypt(a) => decrypt::run(a),
        Cmd::Sign(a) => sign::run(a),
        Cmd::Verify(a) => verify::run(a),
        Cmd::Inspect(a) => inspect::run(a),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
