//! What every paylot tool needs alike, kept in one place so that the four
//! tools behave the same way (see `../shared/spec/conventions.md`):
//!
//! - [`error`]: one error type, one exit-status contract (0 yes, 1 no,
//!   2 trouble), one way to print `tool: message` and end quietly on a
//!   closed pipe;
//! - [`secret`]: keys and passphrases from a file or a named environment
//!   variable, never from argv, never printed;
//! - [`input`]: a file or standard input, named for messages;
//! - [`output`]: standard output or a file written atomically, and a
//!   spooled mode that releases nothing until the run has succeeded;
//! - [`card`]: the Luhn check and the one way card numbers are masked;
//! - [`sanitize`]: untrusted text made safe for a terminal.

pub mod card;
pub mod error;
pub mod input;
pub mod output;
pub mod sanitize;
pub mod secret;

pub use error::{run, warn, Error, Outcome, Result};
pub use input::Input;
pub use output::Output;
pub use sanitize::sanitize;
pub use secret::{Secret, SecretSource};
