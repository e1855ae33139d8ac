//! CSV input, read with the csv crate: its errors as messages that say
//! where.

use crate::error::Error;

/// A csv crate error on `name`, as a message with its line: an I/O error
/// stays one (a closed pipe, a full disk), anything else is trouble with
/// the input.
pub fn error(name: &str, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::reading(crate::input::quote(name), io),
        csv::ErrorKind::Utf8 { .. } => Error::trouble(format!(
            "{name}:{line}: not valid UTF-8 (expected UTF-8 text)"
        )),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Error::trouble(format!(
            "{name}:{line}: the row has {len} fields, the previous one {expected_len} (check the delimiter and quoting)"
        )),
        other => Error::trouble(format!("{name}:{line}: {other:?}")),
    }
}
