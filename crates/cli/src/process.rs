//! The process every tool runs as: [`run`], the one `main` of every tool
//! (exit status 0 yes, 1 no, 2 trouble; a panic anywhere ends in a
//! message and status 2, never in an abort; signals remove temporary
//! files), and [`contain`], a library call that may panic turned into an
//! error.

use std::process::ExitCode;
use std::sync::Mutex;

use crate::cleanup;
use crate::error::{self, Error, Outcome, Result};

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
    error::set_tool(tool);
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
            error::report(tool, &Error::internal(&what))
        }
    };
    ExitCode::from(code)
}
