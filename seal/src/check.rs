//! The one check of a message's seal, for `verify` and `explain` alike:
//! the seal computed with the key, whether the message's matches, and when
//! it does not, the known integration mistake that reproduces it.

use gateways::seal::{differs_only_in_case, key_bytes, same_seal, seal_of};
use paylot_cli::{Error, Result, Secret};

use crate::analysis::Analysis;
use crate::message::Message;

/// What to say when no known mistake reproduces the seal.
pub const NO_KNOWN_CAUSE: &str = "no known integration mistake reproduces this seal: check that the key \
    (and keyVersion) is the one the gateway uses for this shop and environment, and that the message \
    reached you unchanged";

/// A seal checked.
#[derive(Debug, Clone)]
pub struct Check {
    /// The seal computed with the key.
    pub computed: String,
    /// Whether the message's seal matches (`None`: the message has none).
    pub matches: Option<bool>,
    /// It matches, but its hex digits are in the other case.
    pub other_case: bool,
    /// When it does not match: the likely cause.
    pub likely_cause: Option<String>,
}

/// Check the seal `a` found in `msg` with `secret`.
pub fn check(msg: &Message, a: &Analysis, secret: &Secret) -> Result<Check> {
    let key = key_bytes(a.scheme, secret.expose()).map_err(|e| Error::trouble(e.to_string()))?;
    let computed = seal_of(a.scheme, a.algorithm, a.seal_string.text.as_bytes(), &key);
    let Some(given) = &a.given else {
        return Ok(Check {
            computed,
            matches: None,
            other_case: false,
            likely_cause: None,
        });
    };
    if same_seal(given, &computed) {
        return Ok(Check {
            other_case: differs_only_in_case(given, &computed),
            computed,
            matches: Some(true),
            likely_cause: None,
        });
    }
    let cause = crate::diagnose::diagnose(msg, a, secret.expose(), secret.trailing_line_ending());
    Ok(Check {
        computed,
        matches: Some(false),
        other_case: false,
        likely_cause: Some(cause.unwrap_or_else(|| NO_KNOWN_CAUSE.to_string())),
    })
}
