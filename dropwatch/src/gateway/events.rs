//! The events the sandbox writes about a request (docs/dropwatch.md,
//! "Events"): the same fields for every gateway played, made here once.

use std::fs;
use std::path::Path;

use paylot_cli::json::Record;

use super::Played;

/// An event about one request of an account, with what every such event
/// carries: the gateway (also under its old field name, `scheme`, for
/// one release), the account and the request.
pub(super) fn request_event(kind: &str, gateway: Played, account: &str, request: &str) -> Record {
    Record::new(kind)
        .with("gateway", gateway.as_str())
        .with("scheme", gateway.as_str())
        .with("account", account)
        .with("request", request)
}

/// A request rejected: why, as a code for scripts (`reason`) where there
/// is one, and in words (`detail`), and where that is said (the `.err`
/// file) or the request renamed (`path`). The same fields for every
/// gateway played (docs/dropwatch.md, "Events").
pub(super) fn rejected_event(
    kind: &str,
    gateway: Played,
    account: &str,
    request: &str,
    reason: Option<&str>,
    detail: &str,
    path: &Path,
) -> Record {
    let mut event = request_event(kind, gateway, account, request);
    if let Some(reason) = reason {
        event.set("reason", reason);
    }
    event
        .with("detail", detail)
        .with("path", path.to_string_lossy().into_owned())
}

/// A request answered: the answer's file name, path and size.
pub(super) fn answered_event(
    kind: &str,
    gateway: Played,
    account: &str,
    request: &str,
    answer: &Path,
) -> Record {
    let name = answer.file_name().unwrap_or_default().to_string_lossy();
    request_event(kind, gateway, account, request)
        .with("answer", name.into_owned())
        .with("path", answer.to_string_lossy().into_owned())
        .with("size", fs::metadata(answer).map(|m| m.len()).unwrap_or(0))
}
