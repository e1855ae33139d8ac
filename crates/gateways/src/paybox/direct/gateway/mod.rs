//! What the Paybox Direct platform does with a request, as its
//! pre-production platform answers the clients merchants run: the checks
//! it makes and the order it makes them in, the code and COMMENTAIRE of
//! each outcome, the answer line, the echo — and what it remembers of the
//! transactions it answered ([`crate::memory`]), so that a capture finds
//! its authorisation and an inquiry its transaction.
//!
//! `dropwatch gateway --http` calls [`answer`] for every `POST /PPPS.php`,
//! `xmlbatch respond` for every Direct line (without the authentication:
//! it holds no key). Never stricter than the gateway: each refusal below
//! names its public source; what the clients' live test suites record the
//! gateway accepting is accepted:
//! - fields in any order (every client orders them its own way);
//! - `TYPE=3` unpadded (nexylan/paybox-direct sends the type as an
//!   integer; its live tests pass);
//! - `DATEQ` as a date alone, `DDMMYYYY` (the gateway's documentation
//!   example `DATEQ=30012013`, ../shared/reference/paybox.md §2.2; and
//!   BenMorel/Paybox `PayboxDirect::execute`, `gmdate('dmY')`), or
//!   absent; a date in the past (nexylan's `testCallWithOptionalParameters`
//!   sends ten days ago);
//! - card data on a follow-up is not read (activemerchant's void sends
//!   `PORTEUR=000000000000000&DATEVAL=0000`, and its remote test
//!   `test_purchase_and_void` records the gateway approving it);
//! - numbers unpadded (MONTANT, NUMQUESTION, RANG: BenMorel, nexylan).
//!
//! A job a file: this one screens a request (its frame, version, shop
//! and authentication) and writes the answer; `run` runs the operation
//! a request names, its checks in the gateway's order, `card` the card
//! operations, `follow_up` those on a transaction the platform made;
//! `request` reads a request's fields, `outcome` is what the gateway
//! decided, in its words, `records` what it keeps.

use std::borrow::Cow;

use super::{
    latin1, parse_request, question_echo, refusal_line, request_problem, ACCESS_REFUSED,
    CODE_FIELD, NO_NUMBER, PASSWORD_FIELD, SEAL_FIELD,
};
use crate::memory::{Books, Memory, MemoryError};
use crate::paybox::fields::vocabulary;
use crate::paybox::hmac;
use crate::paybox::test_cards;
use crate::seal::{same_seal, Algorithm};
use outcome::{said, Outcome};
use request::Request;

mod card;
mod follow_up;
mod outcome;
mod records;
mod request;
mod run;
#[cfg(test)]
mod tests;

/// The shop's secrets, to check a request's authentication.
pub struct Keys<'a> {
    /// The HMAC key, hex-decoded.
    pub hmac: &'a [u8],
    /// The Direct password (CLE).
    pub password: &'a [u8],
}

/// The gateway's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The answer line, Latin-1, without a line end (the gateway sends
    /// none: eopayment would read `PAYS='\n'`, activemerchant `'250\n'`).
    pub line: Vec<u8>,
    /// CODEREPONSE.
    pub code: String,
    /// Why, in the sandbox's words, when the gateway's COMMENTAIRE says
    /// little (a wrong HMAC is `Non autorise` there): for the log and the
    /// HTTP header that carries it.
    pub note: Option<String>,
}

/// The fields of a request that say it is meant for Paybox Direct.
const DIRECT_FIELDS: [&str; 6] = ["VERSION", "TYPE", "SITE", "RANG", "NUMQUESTION", "DATEQ"];

/// What the gateway makes of a request before running it.
pub enum Screened {
    /// The body holds none of Direct's fields: not a Direct request.
    NotDirect,
    /// Refused before anything ran: the frame, the version, the shop or
    /// the authentication.
    Refused(Reply),
    /// To be run.
    Run(Vec<(String, String)>),
}

/// The checks the gateway makes before running a request: the frame
/// (a field given twice: 00014), the version (00013), the shop (00006)
/// and, with the shop's `keys`, the authentication (00006).
pub fn screen(body: &[u8], keys: Option<&Keys<'_>>) -> Screened {
    let fields = parse_request(body);
    if !fields
        .iter()
        .any(|(k, _)| DIRECT_FIELDS.contains(&k.as_str()))
    {
        return Screened::NotDirect;
    }
    let refused =
        request_problem(&fields).or_else(|| keys.and_then(|k| authentication(&fields, k)));
    match refused {
        Some((code, why)) => {
            // activemerchant's `test_invalid_login` records the words
            // the platform gives any access refused.
            let comment = if code == ACCESS_REFUSED {
                said::NOT_ALLOWED.to_string()
            } else {
                why.clone()
            };
            Screened::Refused(Reply {
                line: refusal_line(&fields, code, &comment),
                code: code.to_string(),
                note: Some(why),
            })
        }
        None => Screened::Run(fields),
    }
}

/// The answer to one request body, or `None` when the body holds none
/// of Direct's fields (not a Direct request at all). `keys` checks the
/// authentication (the HTTP sandbox); without them it is trusted.
/// `today` is the date the gateway believes.
pub fn answer(
    body: &[u8],
    keys: Option<&Keys<'_>>,
    memory: &Memory,
    today: time::Date,
) -> Result<Option<Reply>, MemoryError> {
    match screen(body, keys) {
        Screened::NotDirect => Ok(None),
        Screened::Refused(reply) => Ok(Some(reply)),
        Screened::Run(fields) => memory
            .update(|books| run_step(&fields, books, today))
            .map(Some),
    }
}

/// Run a request [`screen`] let through: one step of the memory.
pub fn run_step(
    fields: &[(String, String)],
    books: &Books<'_>,
    today: time::Date,
) -> Result<Reply, MemoryError> {
    let request = Request { fields };
    let outcome = run::run(&request, books, today)?;
    Ok(reply(&request, outcome))
}

/// Whether the request proves it comes from the shop: an HMAC over its
/// fields under the shop's key, or the shop's CLE. `None` when it does.
fn authentication(fields: &[(String, String)], keys: &Keys<'_>) -> Option<(&'static str, String)> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let given = get(SEAL_FIELD);
    if given.is_empty() {
        let right = paylot_cli::secret::same_secret(get(PASSWORD_FIELD).as_bytes(), keys.password);
        return (!right).then(|| {
            (
                ACCESS_REFUSED,
                "access refused: CLE is not the shop's".to_string(),
            )
        });
    }
    let algorithm = match get(super::ALGORITHM_FIELD) {
        "" => Algorithm::HmacSha512,
        name => match hmac::parse_algorithm(name, "paybox-direct") {
            Ok(a) => a,
            Err(e) => return Some((ACCESS_REFUSED, format!("access refused: HASH: {}", e.0))),
        },
    };
    let text = super::seal_string(fields).text;
    // The bytes the client signed: those it sent (a client in Latin-1, or
    // the official module in UTF-8, signs what it posts), or the UTF-8 of
    // what the gateway reads (what `xmlbatch build` signs). Either is
    // taken: the gateway's own choice is not published, and the sandbox
    // is never the stricter.
    let sent = latin1(&text).unwrap_or(Cow::Borrowed(text.as_bytes()));
    let matches = |bytes: &[u8]| {
        let mut seal = Vec::with_capacity(128);
        super::write_seal(algorithm, bytes, keys.hmac, &mut seal);
        same_seal(given, std::str::from_utf8(&seal).unwrap_or_default())
    };
    if matches(&sent) || (text.as_bytes() != &*sent && matches(text.as_bytes())) {
        None
    } else {
        Some((ACCESS_REFUSED, "access refused: the HMAC does not match the shop's key (seal verify --scheme paybox-direct says why)".to_string()))
    }
}

/// The answer line: the fields every answer has, in the gateway's order
/// (../shared/reference/paybox.md §2.4), then what was asked for.
fn reply(r: &Request<'_>, o: Outcome) -> Reply {
    // What is echoed is the request's, shown as its field's kind says:
    // the merchant's identifiers exactly as they came, text masked (a card
    // number typed in a reference must not come back whole).
    let echo = |k: &str, v: &str| vocabulary().of(k).show(v).into_owned();
    let zeros = |v: &str| {
        if v.is_empty() {
            NO_NUMBER.to_string()
        } else {
            v.to_string()
        }
    };
    let mut fields: Vec<(&str, String)> = vec![
        ("NUMTRANS", zeros(&o.numtrans)),
        ("NUMAPPEL", zeros(&o.numappel)),
        (
            "NUMQUESTION",
            echo("NUMQUESTION", &question_echo(r.get("NUMQUESTION"))),
        ),
        ("SITE", echo("SITE", r.get("SITE"))),
        ("RANG", echo("RANG", r.get("RANG"))),
        ("AUTORISATION", o.authorisation.clone()),
        (CODE_FIELD, o.code.to_string()),
        ("COMMENTAIRE", echo("COMMENTAIRE", &o.comment)),
        ("REFABONNE", echo("REFABONNE", r.get("REFABONNE"))),
        ("PORTEUR", o.token.clone()),
    ];
    if r.asks("PAYS") {
        fields.push(("PAYS", o.country.clone()));
    }
    if r.asks("TYPECARTE") {
        fields.push(("TYPECARTE", test_cards::card_type(&o.pan).to_string()));
    }
    if r.asks("SHA-1") {
        fields.push(("SHA-1", test_cards::card_hash(&o.pan)));
    }
    if let Some(status) = o.status {
        fields.push(("STATUS", status.to_string()));
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Reply {
        line: super::answer_line(&pairs),
        code: o.code.to_string(),
        note: (o.code != "00000").then(|| o.comment.clone()),
    }
}
