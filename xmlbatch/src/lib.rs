//! xmlbatch: CSV to gateway batch request files and back.
//!
//! - `build`: CSV → Paybox Question XML, or Lyra version-06 PAY REQ;
//! - `respond`: play the gateway (status XML / ANS), deterministically;
//! - `status`: status XML / ANS → CSV or JSON Lines, matched to the question;
//! - `check`: is a Question XML, REQ or Office Batch request acceptable?
//!
//! Beside them, what only xmlbatch needs: `counter` (NUMQUESTION and
//! batch numbers kept in a locked file, `--question-state`,
//! `--batch-state`) and `pipeline` (a conversion read on one thread and
//! written on another, for build and status).
//!
//! [`commands`] is the command line, which names every subcommand;
//! below the subcommands, [`sniff`] tells what an input holds and
//! [`cli`] holds the options several share; this file only runs the
//! subcommand parsed, so every import runs one way, down.
//!
//! See docs/xmlbatch.md for every element, column, option and exit status.

use paylot_cli::{Outcome, Result};

pub mod build;
pub mod check;
pub mod cli;
pub mod commands;
mod counter;
mod csv_input;
mod pipeline;
pub mod respond;
pub mod sniff;
pub mod status;
mod usage;

pub use cli::TOOL;
pub use commands::command;
use commands::{Cli, Command};

/// Parse the arguments and run.
pub fn main() -> Result<Outcome> {
    gateways::kinds::install();
    let cli: Cli = paylot_cli::args::parse()?;
    match cli.command {
        Command::Build(a) => build::run(*a),
        Command::Respond(a) => respond::run(a),
        Command::Status(a) => status::run(a),
        Command::Check(a) => check::run(a),
    }
}

#[cfg(test)]
mod tests {
    /// Modules depend one way (issue 27 §1): what a command reads
    /// through (`csv_input`, `usage`) and the other commands never reach
    /// into `build` (today's month is the calendar's, in gateways).
    #[test]
    fn nothing_reaches_back_into_build() {
        for (file, code) in [
            ("csv_input/mod.rs", include_str!("csv_input/mod.rs")),
            ("csv_input/columns.rs", include_str!("csv_input/columns.rs")),
            ("usage.rs", include_str!("usage.rs")),
            ("check.rs", include_str!("check.rs")),
            ("respond/mod.rs", include_str!("respond/mod.rs")),
            ("respond/lyra.rs", include_str!("respond/lyra.rs")),
            ("respond/paybox.rs", include_str!("respond/paybox.rs")),
            ("respond/direct.rs", include_str!("respond/direct.rs")),
            (
                "respond/office_batch.rs",
                include_str!("respond/office_batch.rs"),
            ),
            ("respond/sips.rs", include_str!("respond/sips.rs")),
            ("status/mod.rs", include_str!("status/mod.rs")),
            ("status/direct.rs", include_str!("status/direct.rs")),
            ("status/lyra.rs", include_str!("status/lyra.rs")),
            (
                "status/office_batch.rs",
                include_str!("status/office_batch.rs"),
            ),
            ("status/paybox.rs", include_str!("status/paybox.rs")),
        ] {
            assert!(
                !code.contains(concat!("crate::", "build")),
                "{file} reaches into build"
            );
        }
    }
}
