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

use std::process::ExitCode;
use std::sync::{Mutex, OnceLock};

pub mod args;
pub mod armor;
pub mod card;
pub mod cleanup;
pub mod csv;
pub mod encoding;
pub mod error;
pub mod input;
pub mod json;
pub mod limits;
pub mod output;
pub mod progress;
pub mod records;
pub mod redact;
pub mod secret;
pub mod summary;
pub mod text;
pub mod time;

pub use error::{note, say, warn, Error, Outcome, Result};
pub use input::Input;
pub use output::{Access, Output};
pub use secret::{KeyArgs, PassphraseArgs, Secret, SecretSource};
pub use text::{quote, safe, sanitize};

/// What `TOOL --version` prints after the tool's name: the workspace's
/// version and, when built from a git checkout, the commit
/// (`0.1.0 (git 1a2b3c4d5e6f)`, `-dirty` when the work tree had changes).
/// Stamped by `build.rs`.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("PAYLOT_GIT_SUFFIX"));

static TOOL: OnceLock<&'static str> = OnceLock::new();

/// The name of the running tool, for messages.
pub fn tool() -> &'static str {
    TOOL.get().copied().unwrap_or("paylot")
}

/// What the last panic said, and where.
static PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Panics are recorded for the message that reports them, not printed
/// (the default hook would print a backtrace with paths and values).
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let what = match (
                info.payload().downcast_ref::<&str>(),
                info.payload().downcast_ref::<String>(),
            ) {
                (Some(s), _) => (*s).to_string(),
                (_, Some(s)) => s.clone(),
                _ => "no message".to_string(),
            };
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", short_path(l.file()), l.line()))
                .unwrap_or_default();
            if let Ok(mut p) = PANIC.lock() {
                *p = Some(format!("{what}{at}"));
            }
        }));
    });
}

/// A source path as a bug report needs it: from the crate's directory
/// (`sequoia-openpgp-2.3.0/src/parse.rs`), not from the build machine's
/// home.
fn short_path(file: &str) -> &str {
    match file.find("/registry/src/") {
        Some(at) => {
            let rest = &file[at + "/registry/src/".len()..];
            rest.split_once('/')
                .map_or(rest, |(_, crate_path)| crate_path)
        }
        None => file,
    }
}

/// Run `f`, and turn a panic inside it (a library's `unwrap` on input it
/// did not expect) into `Err` with what the panic said, so that the
/// caller can say which input made it fail. Nothing is printed.
pub fn contain<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    quiet_panics();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
        PANIC
            .lock()
            .ok()
            .and_then(|mut p| p.take())
            .unwrap_or_else(|| "no message".into())
    })
}

/// A write past the file-size limit (`ulimit -f`, `LimitFSIZE=`) fails
/// with `EFBIG`, said like any I/O error (exit 2, temporary files
/// removed), instead of killing the process by SIGXFSZ, whose default
/// action that is. A handler, not SIG_IGN: the commands a tool runs (the
/// sandbox's responder) start with the default again.
fn file_size_limit_is_an_error() {
    let caught = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, caught);
}

/// Run a tool's body and turn its result into a message and an exit
/// status. Every `main.rs` is one call to this.
///
/// A panic (in the tool, or inside a library it uses) does not abort: it
/// ends the run with a message and status 2, after the unwinding has
/// dropped every temporary file and spool, so nothing half-done is left.
pub fn run(tool: &'static str, body: impl FnOnce() -> Result<Outcome>) -> ExitCode {
    let _ = TOOL.set(tool);
    cleanup::install(tool);
    file_size_limit_is_an_error();
    quiet_panics();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
    let code = match result {
        Ok(Ok(Outcome::Yes)) => 0,
        Ok(Ok(Outcome::No)) => 1,
        Ok(Err(err)) => error::report(tool, &err),
        Err(_) => {
            let what = PANIC
                .lock()
                .ok()
                .and_then(|mut p| p.take())
                .unwrap_or_else(|| "unknown".into());
            say(
                tool,
                format_args!(
                    "internal error ({what}); nothing was written; this is a bug: please \
                     report it with the command line that caused it"
                ),
            );
            2
        }
    };
    ExitCode::from(code)
}
