//! The command line: the subcommands, their help, and the options of
//! each (its module's `Args`). [`command`] is what the man pages and
//! completions are built from; `lib.rs` runs what was parsed.

use clap::{CommandFactory, Parser, Subcommand};

use crate::{decrypt, encrypt, inspect, keygen, sign, verify};

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
  $ pgpwrap encrypt --recipient gateway.pub --sign-with shop.key \\
        -o batch.xml.pgp batch.xml
  $ pgpwrap decrypt --key shop.key --verify-with gateway.pub \\
        -o answer.xml answer.xml.pgp
  $ pgpwrap verify --signer gateway.pub status.xml.gpg | xmlbatch status
  $ pgpwrap inspect batch.xml.pgp";

/// Sign-then-encrypt and decrypt-then-verify batch files, interoperable with GnuPG.
#[derive(Debug, Parser)]
#[command(name = "pgpwrap", version = paylot_cli::VERSION, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Cmd,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
