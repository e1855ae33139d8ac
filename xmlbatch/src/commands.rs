//! The command line: the subcommands, their help (each module's
//! `ABOUT`, `LONG_ABOUT`, `EXAMPLES`) and options (its `Args`; what
//! several share is in [`crate::cli`]). [`command`] is what the man pages
//! and completions are built from; `lib.rs` runs what was parsed.

use clap::{CommandFactory, Parser, Subcommand};

use crate::{build, check, respond, status};

const EXIT_STATUS: &str = "\
Exit status: 0 success (valid, all accepted), 1 the answer is no (bad rows,
invalid file, refused answers, mismatches), 2 trouble (usage, unreadable or
malformed input, I/O).";

#[derive(Debug, Parser)]
#[command(
    name = "xmlbatch",
    version = paylot_cli::VERSION,
    about = "CSV to Paybox Question XML / Lyra PAY REQ batch files, and the gateway's answers back to CSV",
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(about = build::ABOUT, long_about = build::LONG_ABOUT, after_help = build::EXAMPLES)]
    Build(Box<build::Args>),
    #[command(about = respond::ABOUT, long_about = respond::LONG_ABOUT, after_help = respond::EXAMPLES)]
    Respond(respond::Args),
    #[command(about = status::ABOUT, long_about = status::LONG_ABOUT, after_help = status::EXAMPLES)]
    Status(status::Args),
    #[command(about = check::ABOUT, long_about = check::LONG_ABOUT, after_help = check::EXAMPLES)]
    Check(check::Args),
}

/// The command-line definition, for man pages and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_definition_is_consistent() {
        super::command().debug_assert();
    }
}
