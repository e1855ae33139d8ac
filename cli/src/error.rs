//! Errors and exit status, like `diff` and `cmp`: 0 yes, 1 no, 2 trouble.

use std::fmt;
use std::io;
use std::process::ExitCode;

/// How a run that met no trouble ended: the answer to the question the
/// command asks ("is this seal valid?", "is this file acceptable?").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit status 0: success, valid.
    Yes,
    /// Exit status 1: the answer is no (a seal does not match, a row was
    /// rejected). The command has already said what and where on stderr.
    No,
}

impl Outcome {
    /// `Yes` when `ok`, else `No`.
    pub fn from_bool(ok: bool) -> Outcome {
        if ok {
            Outcome::Yes
        } else {
            Outcome::No
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Exit 1: the input was read and judged, and the answer is no.
    No,
    /// Exit 2: bad usage, unreadable or malformed input, I/O, missing key.
    Trouble,
    /// The reader of our stdout went away (`tool | head`): end quietly, 0.
    BrokenPipe,
}

/// An error that ends the run, with the message for stderr and the exit
/// status it implies.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Trouble (exit 2): usage, unreadable or malformed input, I/O.
    pub fn trouble(message: impl Into<String>) -> Error {
        Error {
            kind: Kind::Trouble,
            message: message.into(),
        }
    }

    /// A "no" answer that stops the run (exit 1).
    pub fn no(message: impl Into<String>) -> Error {
        Error {
            kind: Kind::No,
            message: message.into(),
        }
    }

    /// An I/O error, with what we were doing (e.g. `reading "x.csv"`).
    /// A broken pipe is recognised here so that every tool ends quietly
    /// when its reader goes away.
    pub fn io(context: impl fmt::Display, err: io::Error) -> Error {
        if err.kind() == io::ErrorKind::BrokenPipe {
            return Error {
                kind: Kind::BrokenPipe,
                message: String::new(),
            };
        }
        Error::trouble(format!("{context}: {}", describe_io(&err)))
    }

    /// The exit status this error implies (0 for a closed pipe).
    pub fn exit_status(&self) -> u8 {
        match self.kind {
            Kind::No => 1,
            Kind::Trouble => 2,
            Kind::BrokenPipe => 0,
        }
    }

    /// Whether this is the quiet end of a closed pipe.
    pub fn is_broken_pipe(&self) -> bool {
        self.kind == Kind::BrokenPipe
    }

    /// The message, without the tool's name.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        Error::io("I/O error", err)
    }
}

/// The OS error text without Rust's "(os error N)" suffix, lower-cased
/// the way coreutils prints it ("No such file or directory").
fn describe_io(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Run a tool's body and turn its result into a message and an exit
/// status. Every `main.rs` is one call to this.
pub fn run(tool: &str, body: impl FnOnce() -> Result<Outcome>) -> ExitCode {
    match body() {
        Ok(Outcome::Yes) => ExitCode::from(0),
        Ok(Outcome::No) => ExitCode::from(1),
        Err(err) => {
            if !err.is_broken_pipe() && !err.message.is_empty() {
                eprintln!("{tool}: {}", err.message);
            }
            ExitCode::from(err.exit_status())
        }
    }
}

/// A warning on stderr: `tool: warning: message`. The run goes on.
pub fn warn(tool: &str, message: impl fmt::Display) {
    eprintln!("{tool}: warning: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_contract() {
        assert_eq!(Error::no("x").exit_status(), 1);
        assert_eq!(Error::trouble("x").exit_status(), 2);
        let pipe = Error::io("writing", io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(pipe.is_broken_pipe());
        assert_eq!(pipe.exit_status(), 0);
    }

    #[test]
    fn io_errors_read_like_coreutils() {
        let err = Error::io(
            "reading \"a\"",
            io::Error::from_raw_os_error(2), // ENOENT
        );
        assert_eq!(err.message(), "reading \"a\": No such file or directory");
    }
}
