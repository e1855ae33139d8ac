//! `xmlbatch respond` for Sips Office Server JSON: a request object in,
//! the response object out, unsealed — the sandbox that runs the
//! responder (`dropwatch gateway --http`) checks the request's seal and
//! seals the response with the shop's key.
//!
//! The test cards: `111122223333` + `0NN` + a Luhn digit forces
//! responseCode NN; any other valid card number is accepted (00).

use std::io::{BufRead, Read, Write};

use gateways::sips::office::{self, RESPONSE_CODE_FIELD};
use paylot_cli::{Error, Result};
use serde_json::{Map, Value};

use super::mix;

/// The largest request read (the platform's requests are a few KB).
const MAX_REQUEST: u64 = 1 << 20;

pub fn respond_sips(
    seed: u64,
    name: &str,
    reader: Box<dyn BufRead>,
    out: &mut dyn Write,
) -> Result<()> {
    let mut body = Vec::new();
    reader
        .take(MAX_REQUEST + 1)
        .read_to_end(&mut body)
        .map_err(|e| Error::reading(paylot_cli::input::quote(name), e))?;
    if body.len() as u64 > MAX_REQUEST {
        return Err(Error::trouble(format!(
            "{}: more than 1 MiB: not a Sips Office Server request",
            paylot_cli::input::quote(name)
        )));
    }
    let request: Map<String, Value> = serde_json::from_slice(&body).map_err(|e| {
        Error::trouble(format!(
            "{}:{}:{}: not a JSON object: {}",
            paylot_cli::input::quote(name),
            e.line(),
            e.column(),
            e
        ))
    })?;
    let response = response_to(seed, &request);
    let mut text = paylot_cli::json::to_vec(&Value::Object(response));
    text.push(b'\n');
    out.write_all(&text)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("writing the response", e))
}

/// The response the test platform gives to `request`.
pub fn response_to(seed: u64, request: &Map<String, Value>) -> Map<String, Value> {
    let text = |k: &str| match request.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let reference = text("transactionReference");
    let card = text("cardNumber");
    let amount = text("amount");
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
            let shown = gateways::kinds::of(k).show(&v).into_owned();
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
        put(
            "authorisationId",
            format!("{:06}", mix(seed, &["auth", &reference]) % 1_000_000),
        );
    }
    put("currencyCode", text("currencyCode"));
    if let Some(f) = error_field {
        put("errorFieldName", f.to_string());
    }
    put("merchantId", text("merchantId"));
    put(RESPONSE_CODE_FIELD, code);
    put("transactionReference", reference);
    r
}
