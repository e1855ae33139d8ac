//! dropwatch: the drop-directory lifecycle of the payment gateways' SFTP
//! file exchange (Lyra IPS, Paybox batch): next free file name, pre-upload
//! checks, a watcher reporting JSON Lines events, retention (gzip, purge)
//! and a local sandbox gateway.
//!
//! The rules come from `../shared/spec/drop-lifecycle.md`. [`commands`]
//! is the command line, which names every subcommand (also what man pages
//! and completions are built from: [`command`]); [`cli`] holds what the
//! subcommands' options share, below them; this file only runs the
//! subcommand parsed, so every import runs one way, down.

use paylot_cli::{Outcome, Result};

pub mod check;
pub mod cli;
pub mod commands;
pub mod file_kind;
pub mod fsutil;
pub mod gateway;
pub mod name;
pub mod remote;
pub mod state;
pub mod sweep;
pub mod watch;

pub use cli::TOOL;
pub use commands::command;
use commands::{Cli, Cmd};

/// Entry point used by `main.rs`.
pub fn main() -> Result<Outcome> {
    gateways::kinds::install();
    let cli: Cli = paylot_cli::args::parse()?;
    match cli.command {
        Cmd::Name(a) => name::run(a),
        Cmd::Check(a) => check::run(a),
        Cmd::Watch(a) => watch::run(a),
        Cmd::Sweep(a) => sweep::run(a),
        Cmd::Gateway(a) => gateway::run(*a),
        Cmd::Upload(a) => remote::upload::run(a),
        Cmd::Wait(a) => remote::answer::wait(a),
        Cmd::Fetch(a) => remote::answer::fetch(a),
        Cmd::Purge(a) => remote::purge::run(a),
    }
}
