//! `pgpwrap`: sign-then-encrypt and decrypt-then-verify batch files,
//! interoperable with GnuPG, for merchants exchanging files with payment
//! gateways (see `../shared/spec/pgp-envelope.md`).
//!
//! One module per subcommand; [`keys`] loads keys and applies the
//! algorithm policy, [`verdict`] decides whether a message's signatures
//! are acceptable, [`element`] finds one XML element's content.
//! [`commands`] is the command line, which names every subcommand;
//! [`cli`] holds what they all share (`TOOL`), below them; this file
//! only runs the subcommand parsed, so every import runs one way, down.

use paylot_cli::{Outcome, Result};

pub mod cli;
pub mod commands;
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

pub use cli::TOOL;
pub use commands::command;
use commands::{Cli, Cmd};

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
