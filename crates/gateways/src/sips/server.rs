//! What the Sips Office Server does with a JSON request: the checks it
//! makes before running a function (the seal, the key version), the
//! function's response, and the response's seal. `dropwatch gateway
//! --http` calls [`answer`] for every `POST /rs-services/v2/…`,
//! `xmlbatch respond` [`respond`] (it holds no key: the sandbox seals).

use serde_json::{Map, Value};

use super::office::{self, RESPONSE_CODE_FIELD};
use super::seal::{json_seal, Direction, SEAL_FIELD};
use crate::memory::{Books, Memory, MemoryError};
use crate::seal::same_seal;
use crate::vocabulary::Vocabulary;

/// The shop's secret key and its version.
pub struct Keys<'a> {
    pub secret: &'a [u8],
    pub version: &'a str,
    /// The vocabulary a client's field names are judged in (what of a
    /// name or a value its answer may show): a client may give any
    /// gateway's names, so the caller gives every gateway's
    /// (`kinds::vocabulary`), from above the gateways.
    pub names: &'a Vocabulary,
}

/// The platform's answer to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A sealed JSON response, with its responseCode and why, in the
    /// sandbox's words, when the response says little.
    Response {
        body: Vec<u8>,
        code: String,
        note: Option<String>,
    },
    /// Not a JSON object: what is wrong.
    Unreadable(String),
}

/// Why the platform refuses a request before running its function: a
/// seal or a keyVersion that is not the shop's gets responseCode 34
/// (../shared/reference/sips.md §6b: "otherwise the answer is
/// responseCode 34 (suspected fraud)").
pub fn refusal(
    function: &str,
    request: &Map<String, Value>,
    keys: &Keys<'_>,
) -> Option<(Map<String, Value>, String)> {
    let version = office::text(request, office::KEY_VERSION_FIELD);
    let why = if version != keys.version {
        format!(
            "keyVersion is {}, the shop's key is version {}",
            crate::invalid::show(&version),
            keys.version
        )
    } else {
        let computed = json_seal(request, Direction::Request, keys.secret);
        let right = match (&computed, request.get(SEAL_FIELD)) {
            (Some(c), Some(Value::String(given))) => same_seal(given, c),
            _ => false,
        };
        if right {
            return None;
        }
        "the request's seal does not match the shop's key".to_string()
    };
    let mut m = Map::new();
    m.insert(RESPONSE_CODE_FIELD.into(), "34".into());
    echo_reference(function, request, &mut m);
    Some((m, why))
}

/// The response the test platform gives to `function` (`checkout/cardOrder`,
/// …), unsealed (`xmlbatch respond`).
pub fn respond(
    function: &str,
    request: &Map<String, Value>,
    memory: &Memory,
    today: time::Date,
) -> Result<Map<String, Value>, MemoryError> {
    memory.update(|books| run_step(function, request, books, today))
}

/// Run a function on a request [`check`] let through: one step of the
/// memory.
pub fn run_step(
    function: &str,
    request: &Map<String, Value>,
    books: &Books<'_>,
    today: time::Date,
) -> Result<Map<String, Value>, MemoryError> {
    super::functions::run(function, request, books, today)
}

/// Seal a response with the shop's key (every field but `seal`), and
/// write it. Every value but the shop's name (merchantId) is first
/// scrubbed of the secrets this process has read — an echoed
/// transactionReference or orderId holding the key does not come back —
/// and then sealed: the seal is over what is sent (`Vocabulary::scrub_echo`).
pub fn sealed(mut response: Map<String, Value>, keys: &Keys<'_>) -> Vec<u8> {
    response.remove(SEAL_FIELD);
    scrub_values(&mut response, keys.names);
    if let Some(seal) = json_seal(&response, Direction::Response, keys.secret) {
        response.insert(SEAL_FIELD.into(), Value::String(seal));
    }
    paylot_cli::json::to_vec(&Value::Object(response))
}

/// What the platform makes of a request before running its function.
pub enum Checked {
    /// Not a JSON object.
    Unreadable(String),
    /// Refused, and the sealed answer.
    Refused(Reply),
    /// To be run.
    Run(Map<String, Value>),
}

/// Read a request and make the checks the platform makes before
/// running a function.
pub fn check(function: &str, body: &[u8], keys: &Keys<'_>) -> Checked {
    // Numbers as written: the request's seal covers their text.
    let request: Map<String, Value> = match crate::seal::tree::parse_slice(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Checked::Unreadable("the request is not a JSON object".to_string()),
        Err(e) => return Checked::Unreadable(format!("the request is not a JSON object: {e}")),
    };
    // A field given twice: the rule `seal verify` applies to the same
    // message (crate::seal::tree::repeated_name), here a format error on that
    // field — never an answer to one of its readings.
    if let Some(name) = crate::seal::tree::repeated_name(body) {
        // Named as every field refused for its format is
        // (functions::format_error), so that the merchant reads one name
        // for one field: a repeated cardCSCValue named, not starred.
        let m = super::functions::format_error(&name);
        let why = format!(
            "the field {} is given twice: which value is meant?",
            crate::invalid::show(&name)
        );
        return Checked::Refused(reply(m, keys, Some(why)));
    }
    match refusal(function, &request, keys) {
        Some((response, why)) => Checked::Refused(reply(response, keys, Some(why))),
        None => Checked::Run(request),
    }
}

/// A response, sealed, with its code.
pub fn reply(response: Map<String, Value>, keys: &Keys<'_>, note: Option<String>) -> Reply {
    let code = match response.get(RESPONSE_CODE_FIELD) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    Reply::Response {
        body: sealed(response, keys),
        code,
        note,
    }
}

/// The whole exchange: read, check, run, seal.
pub fn answer(
    function: &str,
    body: &[u8],
    keys: &Keys<'_>,
    memory: &Memory,
    today: time::Date,
) -> Result<Reply, MemoryError> {
    match check(function, body, keys) {
        Checked::Unreadable(why) => Ok(Reply::Unreadable(why)),
        Checked::Refused(r) => Ok(r),
        Checked::Run(request) => {
            let response = respond(function, &request, memory, today)?;
            Ok(reply(response, keys, None))
        }
    }
}

/// A refusal echoes the request's transactionReference where the
/// function's response has the field (a cardOrder's does, a cancel's
/// does not: super::functions::RESPONSE_FIELDS), as it came.
fn echo_reference(function: &str, request: &Map<String, Value>, response: &mut Map<String, Value>) {
    const FIELD: &str = "transactionReference";
    let reference = office::text(request, FIELD);
    if !reference.is_empty() && super::functions::answers(function, FIELD) {
        let shown = super::fields::vocabulary()
            .of(FIELD)
            .show(&reference)
            .into_owned();
        response.insert(FIELD.into(), Value::String(shown));
    }
}

/// Every string of `map`, nested objects and arrays included, scrubbed as
/// its field's name says (`Vocabulary::scrub_echo`); the names too. A
/// responder's names may be any gateway's: they are judged in the
/// vocabulary given, every gateway's.
fn scrub_values(map: &mut Map<String, Value>, names: &Vocabulary) {
    fn walk(name: &str, value: &mut Value, names: &Vocabulary) {
        match value {
            Value::String(s) => {
                if let std::borrow::Cow::Owned(t) = names.scrub_echo(name, s) {
                    *s = t;
                }
            }
            // A number of many digits may be a hex key's run of digits.
            Value::Number(n) => {
                if let std::borrow::Cow::Owned(t) = names.scrub_echo(name, &n.to_string()) {
                    *value = Value::String(t);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(name, v, names)),
            Value::Object(m) => scrub_values(m, names),
            _ => {}
        }
    }
    for (name, value) in map.iter_mut() {
        walk(name, value, names);
    }
    // A name holding a secret (a responder's own field): the map made
    // again, in its order.
    if map
        .keys()
        .any(|k| matches!(paylot_cli::redact::scrub(k), std::borrow::Cow::Owned(_)))
    {
        *map = std::mem::take(map)
            .into_iter()
            .map(|(k, v)| (paylot_cli::redact::scrub(&k).into_owned(), v))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};

    /// A request's number with an exponent is checked as written: read by
    /// serde_json alone (`1E3` became `1e+3`), a request sealed over its
    /// text, as the gateway seals it, was refused with responseCode 34.
    #[test]
    fn a_number_with_an_exponent_is_checked_as_written() {
        let secret = office::TEST_SECRET_KEY.as_bytes();
        let keys = Keys {
            secret,
            version: office::TEST_KEY_VERSION,
            names: super::super::fields::vocabulary(),
        };
        // A request's seal string: its values in the order of their names,
        // keyVersion and seal left out.
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
        mac.update(b"1E3978T1");
        let seal = hex::encode(mac.finalize().into_bytes());
        let body = format!(
            r#"{{"amount":1E3,"currencyCode":"978","keyVersion":"1","transactionReference":"T1","seal":"{seal}"}}"#
        );
        match check("checkout/cardOrder", body.as_bytes(), &keys) {
            Checked::Run(request) => assert_eq!(request["amount"].to_string(), "1E3"),
            Checked::Refused(r) => panic!("refused: {r:?}"),
            Checked::Unreadable(why) => panic!("unreadable: {why}"),
        }
    }
}
