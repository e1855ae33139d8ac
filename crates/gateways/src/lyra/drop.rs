//! What the Lyra gateway does with the files of a shop's `request_ips`
//! (older accounts: `depot`) at each scheduled scan, in its order:
//!
//! 1. a name that does not follow the naming rule of its file type is
//!    renamed `<name>_ERROR`;
//! 2. a 0-byte file is renamed `<name>_ERROR`;
//! 3. a name processed before is renamed `<name>_DUPLICATE`;
//!
//! and a valid request is moved to `result_ips` (`id`), where its ANS is
//! written. Files whose names hold `_ERROR` or `_DUPLICATE`, or end in
//! `.gz`, are ignored by later scans. Retention: compressed (`.gz`) 7 days
//! after upload, deleted after 15; rejected files stay until the merchant
//! or the purge deletes them.

use super::names::{request_problem, strip_decorations, Rejection};
pub use crate::drop::Reason;

/// The (upload, answer) directories of a Lyra account, newest layout
/// first.
pub const LAYOUTS: [(&str, &str); 2] = [("request_ips", "result_ips"), ("depot", "id")];

/// Whether a directory of this name is where the gateway moves the
/// requests it has taken (and writes their ANS): an answer directory of
/// one of the [`LAYOUTS`].
pub fn is_answer_dir(name: &str) -> bool {
    LAYOUTS.iter().any(|(_, answer)| *answer == name)
}

/// Retention: compressed after this long, deleted after that.
pub const COMPRESS_AFTER: &str = "7d";
pub const DELETE_AFTER: &str = "15d";

/// How the gateway renames a file it rejects for `reason`.
pub fn rejection(reason: &Reason) -> Rejection {
    match reason {
        Reason::Duplicate => Rejection::Duplicate,
        _ => Rejection::Error,
    }
}

/// Whether a later scan ignores this name (already rejected, or
/// compressed).
pub fn ignored(name: &str) -> bool {
    let (_, rejected, gz) = strip_decorations(name);
    rejected.is_some() || gz
}

/// Every check of one upload that fails, in the gateway's order: `name`
/// (`None` when it is not UTF-8), its size, and whether the name was
/// processed before (asked only of a valid name).
pub fn problems(name: Option<&str>, size: u64, seen: impl FnOnce(&str) -> bool) -> Vec<Reason> {
    let mut found = Vec::new();
    let valid = match name.map(|n| (n, request_problem(n))) {
        None => {
            found.push(Reason::BadName("bad name: not valid UTF-8".into()));
            None
        }
        Some((_, Some(why))) => {
            found.push(Reason::BadName(why));
            None
        }
        Some((n, None)) => Some(n),
    };
    if size == 0 {
        found.push(Reason::Empty);
    }
    if let Some(n) = valid {
        if seen(n) {
            found.push(Reason::Duplicate);
        }
    }
    found
}

/// What the gateway does: the first failing check decides.
pub fn validate(
    name: Option<&str>,
    size: u64,
    seen: impl FnOnce(&str) -> bool,
) -> Result<(), Reason> {
    match problems(name, size, seen).into_iter().next() {
        Some(r) => Err(r),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "20261201.12345678.PAY.REQ.T.01";

    #[test]
    fn the_gateways_order() {
        assert_eq!(validate(Some(OK), 10, |_| false), Ok(()));
        // A bad name is reported before emptiness, emptiness before reuse.
        assert!(matches!(
            validate(Some("x.csv"), 0, |_| true),
            Err(Reason::BadName(_))
        ));
        assert_eq!(validate(Some(OK), 0, |_| true), Err(Reason::Empty));
        assert_eq!(validate(Some(OK), 10, |_| true), Err(Reason::Duplicate));
        assert_eq!(rejection(&Reason::Duplicate), Rejection::Duplicate);
        assert!(matches!(
            validate(None, 10, |_| false),
            Err(Reason::BadName(_))
        ));
        assert!(ignored(&format!("{OK}_ERROR")) && ignored(&format!("{OK}.gz")) && !ignored(OK));
        // All of them, for a check before upload.
        assert_eq!(
            problems(Some(OK), 0, |_| true),
            vec![Reason::Empty, Reason::Duplicate]
        );
    }
}
