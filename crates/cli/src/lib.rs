//! What every paylot tool needs alike, kept in one place so that the four
//! tools behave the same way (see `../shared/spec/conventions.md`):
//!
//! - [`run`]: the one `main` of every tool: exit status 0 yes, 1 no,
//!   2 trouble; a panic anywhere ends in a message and status 2, never
//!   in an abort; signals remove temporary files;
//! - [`args`]: the command line, with usage errors that never repeat a
//!   value (it may be a secret typed in the wrong place);
//! - [`error`]: one error type with its causes, and [`say`], the one way a
//!   line reaches stderr;
//! - [`text`]: untrusted text made safe for a person (card numbers
//!   masked, security codes blanked, control characters escaped), and a
//!   value whose field is known shown as the field's kind says (the kind
//!   given by the caller: the edge knows no gateway);
//! - [`card`]: the Luhn check and the card-number mask;
//! - [`secret`]: keys and passphrases from a file or a named environment
//!   variable, never from argv, never printed;
//! - [`input`]: a file or standard input, named for messages;
//! - [`output`]: standard output or a file written atomically, private
//!   when it may hold card data, and a spooled mode that releases nothing
//!   until the run has succeeded;
//! - [`cleanup`]: temporary files removed on signals, and those of killed
//!   runs removed by the next run;
//! - [`csv`], [`json`], [`records`]: records in and out;
//! - [`progress`]: progress on a terminal, never in a pipe;
//! - [`time`]: RFC 3339 times and the durations options take.

pub mod args;
pub mod armor;
pub mod card;
pub mod cleanup;
pub mod csv;
pub mod encoding;
pub mod error;
pub mod input;
pub mod json;
pub mod json_escape;
pub mod limits;
pub mod output;
mod process;
pub mod progress;
pub mod records;
pub mod redact;
pub mod secret;
pub mod summary;
pub mod text;
pub mod time;

pub use error::{note, say, tool, warn, Error, Outcome, Result};
pub use input::Input;
pub use output::{Access, Output};
pub use process::{contain, run};
pub use secret::{KeyArgs, PassphraseArgs, Secret, SecretSource};
pub use text::{quote, safe, sanitize};

/// What `TOOL --version` prints after the tool's name: the workspace's
/// version and, when built from a git checkout, the commit
/// (`0.1.0 (git 1a2b3c4d5e6f)`, `-dirty` when the work tree had changes).
/// Stamped by `build.rs`.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("PAYLOT_GIT_SUFFIX"));
