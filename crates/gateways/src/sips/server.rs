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

/// The shop's secret key and its version.
pub struct Keys<'a> {
    pub secret: &'a [u8],
    pub version: &'a str,
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

/// A request's field as text (a number as written).
fn text(request: &Map<String, Value>, k: &str) -> String {
    match request.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Why the platform refuses a request before running its function: a
/// seal or a keyVersion that is not the shop's gets responseCode 34
/// (../shared/reference/sips.md §6b: "otherwise the answer is
/// responseCode 34 (suspected fraud)").
pub fn refusal(
    request: &Map<String, Value>,
    keys: &Keys<'_>,
) -> Option<(Map<String, Value>, String)> {
    let version = text(request, office::KEY_VERSION_FIELD);
    let why = if version != keys.version {
        format!(
            "keyVersion is {}, the shop's key is version {}",
            crate::show(&version),
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
    _function: &str,
    request: &Map<String, Value>,
    _books: &Books<'_>,
    _today: time::Date,
) -> Result<Map<String, Value>, MemoryError> {
    Ok(response_to(request))
}

/// Seal a response with the shop's key (every field but `seal`), and
/// write it.
pub fn sealed(mut response: Map<String, Value>, keys: &Keys<'_>) -> Vec<u8> {
    response.remove(SEAL_FIELD);
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
pub fn check(body: &[u8], keys: &Keys<'_>) -> Checked {
    let request: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(m) => m,
        Err(e) => return Checked::Unreadable(format!("the request is not a JSON object: {e}")),
    };
    match refusal(&request, keys) {
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
    match check(body, keys) {
        Checked::Unreadable(why) => Ok(Reply::Unreadable(why)),
        Checked::Refused(r) => Ok(r),
        Checked::Run(request) => {
            let response = respond(function, &request, memory, today)?;
            Ok(reply(response, keys, None))
        }
    }
}

/// The response the test platform gives to `request`.
fn response_to(request: &Map<String, Value>) -> Map<String, Value> {
    let reference = text(request, "transactionReference");
    let card = text(request, "cardNumber");
    let amount = text(request, "amount");
    let amount_ok =
        amount.is_empty() || (amount.len() <= 12 && amount.bytes().all(|b| b.is_ascii_digit()));
    let (code, error_field) = if reference.is_empty() {
        // The test shop works in transactionReference mode.
        ("30".to_string(), Some("transactionReference"))
    } else if !amount_ok {
        ("30".to_string(), Some("amount"))
    } else if !card.is_empty() && !paylot_cli::card::luhn_valid(&card) {
        ("30".to_string(), Some("cardNumber"))
    } else {
        (
            office::forced_code(&card).unwrap_or_else(|| "00".to_string()),
            None,
        )
    };
    let mut r = Map::new();
    // What is echoed is the request's, whatever it holds, shown as its
    // field's kind says: merchantId and transactionReference exactly as
    // they came, anything else masked (a card number in the amount must
    // not come back whole).
    let mut put = |k: &str, v: String| {
        if !v.is_empty() {
            let shown = crate::kinds::of(k).show(&v).into_owned();
            r.insert(k.to_string(), Value::String(shown));
        }
    };
    put(
        "acquirerResponseCode",
        if code == "00" {
            "00".into()
        } else {
            String::new()
        },
    );
    put("amount", amount);
    if code == "00" && !card.is_empty() {
        put("authorisationId", "123456".into());
    }
    put("currencyCode", text(request, "currencyCode"));
    if let Some(f) = error_field {
        put("errorFieldName", f.to_string());
    }
    put("merchantId", text(request, "merchantId"));
    put(RESPONSE_CODE_FIELD, code);
    put("transactionReference", reference);
    r
}
