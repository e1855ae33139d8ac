//! The one check of a message's seal, for `verify` and `explain` alike:
//! the seal computed with the key, whether the message's matches, and when
//! it does not, the known integration mistake that reproduces it.

use gateways::schemes::{key_bytes, seal_of};
use gateways::seal::{differs_only_in_case, same_seal};
use paylot_cli::{Error, Result, Secret};

use crate::analysis::Analysis;
use crate::message::Message;

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

/// Check the seal `a` found in `msg` with `secret`. A Sips JSON message
/// whose fields do not tell request from response is checked as both:
/// when the other one matches, `a` becomes it, and says so.
pub fn check(msg: &Message, a: &mut Analysis, secret: &Secret) -> Result<Check> {
    let key = key_bytes(a.scheme, secret.expose()).map_err(|e| Error::trouble(e.to_string()))?;
    let computed = seal_of(a.scheme, a.algorithm, a.seal_string.text.as_bytes(), &key);
    let Some(given) = a.given.clone() else {
        return Ok(Check {
            computed,
            matches: None,
            other_case: false,
            likely_cause: None,
        });
    };
    if same_seal(&given, &computed) {
        settle(a, msg, true);
        return Ok(Check {
            other_case: differs_only_in_case(&given, &computed),
            computed,
            matches: Some(true),
            likely_cause: None,
        });
    }
    if let Some(mut other) = a.other_direction(msg) {
        let theirs = seal_of(
            other.scheme,
            other.algorithm,
            other.seal_string.text.as_bytes(),
            &key,
        );
        if same_seal(&given, &theirs) {
            settle(&mut other, msg, true);
            *a = other;
            return Ok(Check {
                other_case: differs_only_in_case(&given, &theirs),
                computed: theirs,
                matches: Some(true),
                likely_cause: None,
            });
        }
    }
    let cause = crate::diagnose::diagnose(msg, a, secret.expose(), secret.trailing_line_ending());
    settle(a, msg, false);
    Ok(Check {
        computed,
        matches: Some(false),
        other_case: false,
        likely_cause: Some(cause.unwrap_or_else(|| crate::diagnose::fallback(msg, a))),
    })
}

/// Say, for a message whose direction the seal had to decide, whether
/// the direction `a` holds matched.
fn settle(a: &mut Analysis, msg: &Message, matched: bool) {
    if let (true, Some((d, why))) = (a.unsure, &mut a.direction) {
        let said = if matched {
            "both were tried: the seal matches as a"
        } else {
            "both were tried and neither matches: diagnosed as a"
        };
        *why = format!(
            "{}; {said} {}",
            crate::analysis::unsure_why(&msg.fields),
            d.name()
        );
    }
}
