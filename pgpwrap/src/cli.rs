//! What every subcommand's messages share: the tool's name. It lives
//! here, on the ground floor, because the subcommands and their helpers
//! (`io`, `keys`) say things under it, and [`crate::commands`], which
//! names every subcommand, is above them all.

/// The tool's name, for messages.
pub const TOOL: &str = "pgpwrap";
