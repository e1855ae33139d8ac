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

/// The (upload, answer) directories of a Lyra account, newest layout
/// first.
pub const LAYOUTS: [(&str, &str); 2] = [("request_ips", "result_ips"), ("depot", "id")];

/// Retention: compressed after this long, deleted after that.
pub const COMPRESS_AFTER: &str = "7d";
pub const DELETE_AFTER: &str = "15d";

/// Why the gateway rejects a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// (1) the name does not follow the naming rule (in words).
    BadName(String),
    /// (2) the file is empty.
    Empty,
    /// (3) the name was processed before.
    Duplicate,
}

impl Reason {
    /// How the gateway renames the file.
    pub fn rejection(&self) -> Rejection {
        match self {
            Reason::Duplicate => Rejection::Duplicate,
            _ => Rejection::Error,
        }
    }
}

/// Whether a later scan ignores this name (already rejected, or
/// compressed).
pub fn ignored(name: &str) -> bool {
    let (_, rejected, gz) = strip_decorations(name);
    rejected.is_some() || gz
}

/// The gateway's checks of one upload, in its order: `name` (`None` when
/// it is not UTF-8), its size, and whether the name was processed before.
pub fn validate(
    name: Option<&str>,
    size: u64,
    seen: impl FnOnce(&str) -> bool,
) -> Result<(), Reason> {
    let Some(name) = name else {
        return Err(Reason::BadName("bad name: not valid UTF-8".into()));
    };
    if let Some(why) = request_problem(name) {
        return Err(Reason::BadName(why));
    }
    if size == 0 {
        return Err(Reason::Empty);
    }
    if seen(name) {
        return Err(Reason::Duplicate);
    }
    Ok(())
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
        assert_eq!(Reason::Duplicate.rejection(), Rejection::Duplicate);
        assert!(matches!(
            validate(None, 10, |_| false),
            Err(Reason::BadName(_))
        ));
        assert!(ignored(&format!("{OK}_ERROR")) && ignored(&format!("{OK}.gz")) && !ignored(OK));
    }
}
