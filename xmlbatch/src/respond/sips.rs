//! `xmlbatch respond` for Sips Office Server JSON: a request object in,
//! the response object out, unsealed — what the platform does with it is
//! `gateways::sips::server`, the very code the HTTP sandbox (`dropwatch
//! gateway --http`) runs; the sandbox checks the request's seal and seals
//! the response with the shop's key. The function is named by `--name`
//! (the sandbox gives the URL path, `/rs-services/v2/checkout/cardOrder`);
//! without it, a cardOrder.

use std::io::{BufRead, Read, Write};

use gateways::memory::Memory;
use gateways::sips::{office, server};
use paylot_cli::{Error, Result};
use serde_json::{Map, Value};

/// The largest request read (the platform's requests are a few KB).
const MAX_REQUEST: u64 = paylot_cli::limits::OFFICE_SERVER_REQUEST;

/// The function a request name (a URL path) names.
pub fn function_of(name: Option<&str>) -> &str {
    name.and_then(|n| n.split_once(office::SERVICE_PREFIX).map(|(_, f)| f))
        .filter(|f| !f.is_empty())
        .unwrap_or("checkout/cardOrder")
}

pub fn respond_sips(
    function: &str,
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
        return Err(Error::past_bound(format!(
            "{}: more than {}: not a Sips Office Server request",
            paylot_cli::input::quote(name),
            paylot_cli::limits::show(MAX_REQUEST)
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
    let memory = Memory::in_memory().map_err(|e| Error::trouble(e.to_string()))?;
    let response = server::respond(function, &request, &memory, gateways::calendar::today())
        .map_err(|e| Error::trouble(e.to_string()))?;
    let mut text = paylot_cli::json::to_vec(&Value::Object(response));
    text.push(b'\n');
    out.write_all(&text)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("writing the response", e))
}
