//! `xmlbatch respond` for Paybox Direct: request lines in, one answer
//! line each out, as the gateway's pre-production platform answers them
//! (the same test cards and codes as the batch responder). The request's
//! authentication (CLE or HMAC) is checked by the sandbox that runs the
//! responder (`dropwatch gateway --http`), which holds the shop's key.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};

use gateways::paybox::codes;
use gateways::paybox::direct;
use gateways::paybox::fields::Field;
use gateways::paybox::question::RawQuestion;
use gateways::paybox::values::YearMonth;
use paylot_cli::{Error, Result};

use super::{answer_for, mix, Ctx};

/// Answer each request line of `reader` with an answer line on `out`.
pub fn respond_direct(
    seed: u64,
    name: &str,
    mut reader: Box<dyn BufRead>,
    out: &mut dyn Write,
) -> Result<()> {
    let werr = |e: std::io::Error| Error::io("writing the Direct answers", e);
    let mut ctx = Ctx {
        seed,
        batch: String::new(),
        site: String::new(),
        rank: String::new(),
        header_problem: None,
        today: crate::build::today(),
        seen: HashSet::new(),
    };
    let mut buf = Vec::with_capacity(512);
    loop {
        buf.clear();
        // A request is a few hundred bytes: a longer line is cut (and
        // answered as the incoherent frame it then is).
        let (n, _) = paylot_cli::input::read_line_bounded(&mut *reader, &mut buf, 64 * 1024)
            .map_err(|e| Error::reading(paylot_cli::input::quote(name), e))?;
        if n == 0 {
            break;
        }
        let fields = direct::parse_request(&buf);
        if fields.is_empty() {
            continue;
        }
        let line = answer_line(&fields, &mut ctx);
        out.write_all(&line).map_err(werr)?;
    }
    out.flush().map_err(werr)
}

/// The answer to one request, as the gateway writes it.
pub fn answer_line(fields: &[(String, String)], ctx: &mut Ctx) -> Vec<u8> {
    let map: HashMap<&str, &str> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let get = |k: &str| map.get(k).copied().unwrap_or("");
    let mut q = RawQuestion {
        number: Some(get("NUMQUESTION").to_string()),
        type_code: Some(get("TYPE").to_string()),
        token: codes::op_by_code(get("TYPE")).is_some_and(|t| t.token),
        ..RawQuestion::default()
    };
    for (k, v) in fields {
        if let Some(f) = Field::ALL
            .into_iter()
            .find(|f| f.direct() == k && !matches!(f, Field::Question | Field::Type))
        {
            q.values.insert(f, v.clone());
        }
    }
    ctx.site = get("SITE").to_string();
    ctx.rank = get("RANG").to_string();
    ctx.header_problem = direct::request_problem(fields);
    // Each request's expiry is judged against its own date (or today).
    ctx.today = dateq_month(get("DATEQ")).unwrap_or_else(crate::build::today);
    let a = answer_for(&q, ctx);
    let accepted = a.response_code == "00000";
    let zeros = direct::NO_NUMBER;
    let token = if accepted && get("TYPE") == "00056" {
        format!(
            "SBX{:012}",
            mix(ctx.seed, &["token", get("REFABONNE"), get("SITE")]) % 1_000_000_000_000
        )
    } else {
        String::new()
    };
    let number = match get("NUMQUESTION").parse::<u64>() {
        Ok(n) if n <= direct::MAX_QUESTION => format!("{n:010}"),
        _ => get("NUMQUESTION").to_string(),
    };
    // What is echoed is the request's, whatever it holds, shown as its
    // field's kind says: the merchant's identifiers exactly as they came,
    // text masked (a card number typed in a comment must not come back
    // whole).
    let echo = |k: &str, v: &str| gateways::kinds::of(k).show(v).into_owned();
    direct::answer_line(&[
        ("NUMTRANS", nonempty(&a.transaction_id, zeros)),
        ("NUMAPPEL", nonempty(&a.call_id, zeros)),
        ("NUMQUESTION", &echo("NUMQUESTION", &number)),
        ("SITE", &echo("SITE", get("SITE"))),
        ("RANG", &echo("RANG", get("RANG"))),
        ("AUTORISATION", &a.authorization),
        (direct::CODE_FIELD, &a.response_code),
        ("COMMENTAIRE", &echo("COMMENTAIRE", &a.comment)),
        ("REFABONNE", &echo("REFABONNE", get("REFABONNE"))),
        ("PORTEUR", &token),
        ("PAYS", &a.card_country),
    ])
}

fn nonempty<'a>(v: &'a str, otherwise: &'a str) -> &'a str {
    if v.is_empty() {
        otherwise
    } else {
        v
    }
}

/// The month of a DATEQ (DDMMYYYY…): expiry dates are judged against it.
fn dateq_month(dateq: &str) -> Option<YearMonth> {
    if dateq.len() < 8 || !dateq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month: u8 = dateq[2..4].parse().ok()?;
    let year: i32 = dateq[4..8].parse().ok()?;
    (1..=12)
        .contains(&month)
        .then_some(YearMonth { year, month })
}
