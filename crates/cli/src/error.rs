//! Errors and exit status, like `diff` and `cmp`: 0 yes, 1 no, 2 trouble;
//! and the one place that prints a message for a person.
//!
//! Every line a tool prints on stderr goes through [`say`]: the text is
//! made safe ([`crate::text::safe`]: card numbers masked, security codes
//! blanked, control characters escaped) and any secret read during the
//! run is scrubbed from it, whatever the message quotes.

use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;

static TOOL: OnceLock<&'static str> = OnceLock::new();

/// The name of the running tool, for messages (set once, by
/// [`crate::run`]).
pub fn tool() -> &'static str {
    TOOL.get().copied().unwrap_or("paylot")
}

/// Name the running tool (by [`crate::run`], once).
pub(crate) fn set_tool(tool: &'static str) {
    let _ = TOOL.set(tool);
}

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
    /// Exit 2: unreadable or malformed input, I/O, missing key.
    Trouble,
    /// Exit 2: an input past one of its documented bounds
    /// ([`crate::limits`]), refused before it is held whole.
    PastBound,
    /// Exit 2: bad usage; the message is followed by "Try 'TOOL --help'".
    Usage,
    /// The reader of our stdout went away (`tool | head`): end quietly, 0.
    BrokenPipe,
    /// Exit 2 with nothing more to say (the message was printed already).
    Reported,
    /// Exit 0 with nothing more to say (`--help` was printed).
    Done,
}

/// An error that ends the run: what went wrong, its causes, and the exit
/// status it implies.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    /// Lines printed after the message (a usage error's usage line).
    detail: Vec<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn new(kind: Kind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source: None,
            detail: Vec::new(),
        }
    }

    /// Trouble (exit 2): unreadable or malformed input, I/O, missing key.
    pub fn trouble(message: impl Into<String>) -> Error {
        Error::new(Kind::Trouble, message)
    }

    /// A bug met and contained (a panic, `what` it said): trouble, with
    /// what to do about it.
    pub fn internal(what: &str) -> Error {
        Error::trouble(format!(
            "internal error ({what}); nothing was written; this is a bug: please report it \
             with the command line that caused it"
        ))
    }

    /// An input past one of its documented bounds ([`crate::limits`]),
    /// refused before it is held whole: trouble (exit 2), told apart so
    /// that a caller for whom it is a refusal can say so
    /// ([`Error::refusal_if_past_bound`]).
    pub fn past_bound(message: impl Into<String>) -> Error {
        Error::new(Kind::PastBound, message)
    }

    /// Whether this is an input past its bound ([`Error::past_bound`]).
    pub fn is_past_bound(&self) -> bool {
        self.kind == Kind::PastBound
    }

    /// The same error, a "no" (exit 1) when it is an input past its
    /// bound: for `xmlbatch respond`, which plays a gateway that refuses
    /// such a file (the drop sandbox then writes its refusal, where
    /// trouble would leave the request pending as a local fault).
    pub fn refusal_if_past_bound(mut self) -> Error {
        if self.kind == Kind::PastBound {
            self.kind = Kind::No;
        }
        self
    }

    /// Bad usage (exit 2): printed with a pointer to `--help`.
    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(Kind::Usage, message)
    }

    /// A "no" answer that stops the run (exit 1).
    pub fn no(message: impl Into<String>) -> Error {
        Error::new(Kind::No, message)
    }

    /// Exit 2, the reason having been printed already.
    pub fn reported() -> Error {
        Error::new(Kind::Reported, "")
    }

    /// Exit 0, the run having done all it had to (`--help`).
    pub fn done() -> Error {
        Error::new(Kind::Done, "")
    }

    /// An I/O error, with what we were doing (e.g. `reading "x.csv"`).
    /// A broken pipe is recognised here so that every tool ends quietly
    /// when its reader goes away.
    pub fn io(context: impl fmt::Display, err: io::Error) -> Error {
        match err.kind() {
            io::ErrorKind::BrokenPipe => Error::new(Kind::BrokenPipe, ""),
            // "File too large" says nothing of the limit that was hit.
            io::ErrorKind::FileTooLarge => Error::new(Kind::Trouble, context.to_string())
                .caused_by(io::Error::new(
                    err.kind(),
                    "file too large: the file-size limit of this process was reached (ulimit \
                     -f, systemd's LimitFSIZE=); raise it, or write elsewhere",
                )),
            _ => Error::new(Kind::Trouble, context.to_string()).caused_by(err),
        }
    }

    /// An input that could not be read: `reading NAME: cause`, where
    /// `name` is already quoted for a message (`"x.csv"`, `<stdin>`).
    pub fn reading(name: impl fmt::Display, err: io::Error) -> Error {
        Error::io(format!("reading {name}"), err)
    }

    /// [`Error::reading`] for a path, quoted here.
    pub fn reading_path(path: &std::path::Path, err: io::Error) -> Error {
        Error::reading(crate::text::quote_input(&path.to_string_lossy()), err)
    }

    /// The same error, with lines to print after it (each made safe).
    pub fn with_detail(mut self, lines: Vec<String>) -> Error {
        self.detail = lines;
        self
    }

    /// The same error, with its cause (printed after the message).
    pub fn caused_by(
        mut self,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        self.source = Some(cause.into());
        self
    }

    /// The same error, said of something: `what: message`.
    pub fn within(mut self, what: impl fmt::Display) -> Error {
        if self.kind != Kind::BrokenPipe {
            self.message = if self.message.is_empty() {
                what.to_string()
            } else {
                format!("{what}: {}", self.message)
            };
        }
        self
    }

    /// The exit status this error implies (0 for a closed pipe).
    pub fn exit_status(&self) -> u8 {
        match self.kind {
            Kind::No => 1,
            Kind::Trouble | Kind::PastBound | Kind::Usage | Kind::Reported => 2,
            Kind::BrokenPipe | Kind::Done => 0,
        }
    }

    /// Whether this is the quiet end of a closed pipe.
    /// Whether an I/O error is the cause: a fault of this machine (a disk,
    /// a permission), not of the input's content.
    pub fn is_io(&self) -> bool {
        self.source.as_ref().is_some_and(|s| s.is::<io::Error>())
    }

    /// Whether this is [`Error::done`]: the work ended early, by design.
    pub fn is_done(&self) -> bool {
        self.kind == Kind::Done
    }

    pub fn is_broken_pipe(&self) -> bool {
        self.kind == Kind::BrokenPipe
    }

    /// Whether the answer is no (exit 1), not trouble.
    pub fn is_no(&self) -> bool {
        self.kind == Kind::No
    }

    /// The message and its causes, without the tool's name:
    /// `what: cause: cause`.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let mut cause = self.source.as_deref().map(|e| e as &dyn std::error::Error);
        while let Some(c) = cause {
            let text = describe(c);
            // Some causes repeat their own cause in their text.
            if !self.message.ends_with(&text) {
                if self.message.is_empty() {
                    f.write_str(&text)?;
                } else {
                    write!(f, ": {text}")?;
                }
            }
            cause = c.source();
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        Error::io("I/O error", err)
    }
}

/// The text of one cause; for an OS error, without Rust's "(os error N)"
/// suffix, as coreutils prints it ("No such file or directory").
fn describe(err: &dyn std::error::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Print one line for a person on stderr: `tool: text`, made safe. A
/// closed stderr is not an error worth dying for: the line is dropped.
pub fn say(tool: &str, text: impl fmt::Display) {
    let text = text.to_string();
    let scrubbed = crate::redact::scrub(&text);
    let safe = crate::text::safe(&scrubbed);
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{tool}: {safe}");
}

/// Print one diagnostic line for a person on stderr, without the tool's
/// name (`payments.csv:17: column "amount": …`, as compilers write
/// them), made safe like [`say`].
pub fn note(text: impl fmt::Display) {
    let text = text.to_string();
    let scrubbed = crate::redact::scrub(&text);
    let safe = crate::text::safe(&scrubbed);
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{safe}");
}

/// A warning on stderr: `tool: warning: message`. The run goes on.
pub fn warn(tool: &str, message: impl fmt::Display) {
    say(tool, format_args!("warning: {message}"));
}

/// The help to point to for a usage error without a usage line (a value
/// clap's parser refused, a rule the subcommand applies itself): the
/// subcommand's, where it said the tool's (`dropwatch name --site …`
/// without `--gateway paybox` ended "Try 'dropwatch --help'", a page that
/// names no option of `name`). The tools take no option before their
/// subcommand, so the first argument is its name once clap has placed it
/// (an argument it could not place comes with a usage line); only a
/// word of a subcommand's shape is repeated.
fn subcommand_help(tool: &str, first: Option<String>) -> String {
    match first {
        Some(sub)
            if (1..=20).contains(&sub.len())
                && sub.starts_with(|c: char| c.is_ascii_lowercase())
                && sub.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') =>
        {
            format!("{tool} {sub}")
        }
        _ => tool.to_string(),
    }
}

/// Print the error that ended a run, and give its exit status.
pub fn report(tool: &str, err: &Error) -> u8 {
    match err.kind {
        Kind::BrokenPipe | Kind::Reported | Kind::Done => {}
        Kind::Usage => {
            say(tool, err);
            for line in &err.detail {
                note(line);
            }
            // The subcommand's help when the usage line names it.
            let command = err
                .detail
                .iter()
                .find_map(|l| l.trim().strip_prefix("Usage: "))
                .map(|u| {
                    u.split_whitespace()
                        .take_while(|w| !w.starts_with(['[', '<', '-']))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|c| !c.is_empty())
                // args_os, not args: std::env::args panics on an argument
                // that is not UTF-8, and the program's own name (argv[0], a
                // path in a Latin-1 directory or an exec -a) is read first.
                .unwrap_or_else(|| {
                    let first = std::env::args_os().nth(1);
                    subcommand_help(tool, first.and_then(|a| a.into_string().ok()))
                });
            note(format_args!("Try '{command} --help' for more information."));
        }
        _ if err.message.is_empty() && err.source.is_none() => {}
        _ => {
            say(tool, err);
            for line in &err.detail {
                note(line);
            }
        }
    }
    err.exit_status()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usage_error_points_to_its_subcommand_s_help() {
        let help = |first: Option<&str>| subcommand_help("dropwatch", first.map(str::to_string));
        assert_eq!(help(Some("name")), "dropwatch name");
        assert_eq!(help(Some("sips-office")), "dropwatch sips-office");
        // Nothing but a subcommand's shape is repeated: an argument in
        // its place may be a secret typed there.
        for other in [None, Some("--once"), Some("s3cr3t"), Some("Name"), Some("")] {
            assert_eq!(help(other), "dropwatch", "{other:?}");
        }
    }

    #[test]
    fn statuses_follow_the_contract() {
        assert_eq!(Error::no("x").exit_status(), 1);
        assert_eq!(Error::trouble("x").exit_status(), 2);
        assert_eq!(Error::usage("x").exit_status(), 2);
        let pipe = Error::io("writing", io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(pipe.is_broken_pipe());
        assert_eq!(pipe.exit_status(), 0);
    }

    #[test]
    fn io_errors_read_like_coreutils_with_their_causes() {
        let err = Error::io(
            "reading \"a\"",
            io::Error::from_raw_os_error(2), // ENOENT
        );
        assert_eq!(err.message(), "reading \"a\": No such file or directory");
        let err = err.within("seal");
        assert_eq!(
            err.message(),
            "seal: reading \"a\": No such file or directory"
        );
    }
}
