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

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{
    latin1, parse_request, refusal_line, request_problem, ACCESS_REFUSED, CODE_FIELD, NO_NUMBER,
    PASSWORD_FIELD, SEAL_FIELD,
};
use crate::memory::{Books, Memory, MemoryError};
use crate::paybox::codes::{self, Kind, OpType};
use crate::paybox::fields::vocabulary;
use crate::paybox::hmac;
use crate::paybox::test_cards;
use crate::paybox::values::{parse_cvv, parse_expiry, parse_text, YearMonth};
use crate::paybox::MAX_NUMBER;
use crate::seal::{same_seal, Algorithm};

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

/// What the gateway's COMMENTAIRE says, where a public source records
/// the pre-production platform's own words.
mod said {
    /// eopayment's and activemerchant's recorded answers
    /// (../shared/reference/paybox.md §2.4).
    pub const DONE: &str = "Demande traitée avec succès";
    /// activemerchant `test_unsuccessful_purchase`, nexylan
    /// `testCallInvalidBearer`.
    pub const BAD_CARD: &str = "PAYBOX : Numéro de porteur invalide";
    /// activemerchant `test_invalid_login`.
    pub const NOT_ALLOWED: &str = "Non autorise";
    /// nexylan `SubscriberDeleteRequestTest::testCallNotExistentSubscriber`.
    pub const NO_SUBSCRIBER: &str = "PAYBOX : Abonné inexistant";
    /// activemerchant `test_failed_capture`, `test_failed_refund` (an
    /// empty NUMAPPEL and NUMTRANS).
    pub const INVALID_DATA: &str = "Invalid data";
}

/// The authorisation number of the pre-production platform: always
/// `XXXXXX` (nexylan's live tests assert it for every authorising
/// operation; eopayment's and activemerchant's recorded answers carry it).
pub const TEST_AUTHORISATION: &str = "XXXXXX";

/// The first transaction and call numbers the platform gives (its are
/// 10 digits: 0013989865, 0030378572 in eopayment's recorded answer);
/// each is then one more, never the same twice.
const FIRST_NUMTRANS: u64 = 10_000_001;
const FIRST_NUMAPPEL: u64 = 30_000_001;
/// What the memory files every Paybox shop under (`paybox:SITE/RANG`),
/// and the platform's own counters.
const PLATFORM: &str = "paybox:";

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
    let outcome = run(&request, books, today)?;
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

/// A request's fields, read by name (field order is free).
struct Request<'a> {
    fields: &'a [(String, String)],
}

impl Request<'_> {
    fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether the request carries `name`, even empty: `PAYS`,
    /// `TYPECARTE` and `SHA-1` are answered only when asked for
    /// (../shared/reference/paybox.md §2.2; nexylan's
    /// `testCallResponseAttributes` asserts them absent otherwise).
    fn asks(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// The shop, as the memory files it: SITE and RANG as a number (the
    /// same shop is `32` to one client and `032` to another).
    fn shop(&self) -> String {
        let rank = self.get("RANG").trim_start_matches('0');
        format!("{PLATFORM}{}/{}", self.get("SITE"), rank)
    }
}

/// What became of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum State {
    Authorised,
    Captured,
    Cancelled,
    Refunded,
    Credited,
    Refused,
}

impl State {
    /// STATUS in an inquiry's answer: the platform's words (nexylan's
    /// `Status` enum, BenMorel's `testInquire` expects `Capturé`).
    fn status(self) -> &'static str {
        match self {
            State::Authorised => "Autorisé",
            State::Captured => "Capturé",
            State::Cancelled => "Annulé",
            State::Refunded => "Remboursé",
            State::Credited => "Crédit",
            State::Refused => "Refusé",
        }
    }
}

/// A transaction as the memory keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Transaction {
    numtrans: String,
    numappel: String,
    reference: String,
    amount: u64,
    captured: u64,
    refunded: u64,
    currency: String,
    state: State,
    /// The day it was made, and the day it was captured (remitted at the
    /// end of that day).
    day: String,
    captured_on: Option<String>,
    subscriber: String,
    country: String,
    authorisation: String,
}

/// A Direct Plus subscriber.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Subscriber {
    token: String,
    country: String,
}

const TRANSACTION: &str = "transaction";
const SUBSCRIBER: &str = "subscriber";
const QUESTION: &str = "numquestion";

/// What the gateway decided.
#[derive(Debug, Default)]
struct Outcome {
    code: &'static str,
    comment: String,
    numtrans: String,
    numappel: String,
    authorisation: String,
    token: String,
    status: Option<&'static str>,
    country: String,
    pan: String,
}

/// A refusal: the code and the COMMENTAIRE.
struct Refused(&'static str, String);

impl From<Refused> for Outcome {
    fn from(r: Refused) -> Outcome {
        Outcome::refused(r.0, r.1)
    }
}

fn refuse(code: &'static str, comment: impl Into<String>) -> Refused {
    Refused(code, comment.into())
}

impl Outcome {
    fn refused(code: &'static str, comment: impl Into<String>) -> Outcome {
        Outcome {
            code,
            comment: comment.into(),
            ..Outcome::default()
        }
    }

    fn done(t: &Transaction) -> Outcome {
        Outcome {
            code: "00000",
            comment: said::DONE.into(),
            numtrans: t.numtrans.clone(),
            numappel: t.numappel.clone(),
            authorisation: t.authorisation.clone(),
            country: t.country.clone(),
            ..Outcome::default()
        }
    }
}

fn day_of(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// One request's outcome, in one step of the memory.
fn run(r: &Request<'_>, books: &Books<'_>, today: time::Date) -> Result<Outcome, MemoryError> {
    let shop = r.shop();
    let day = day_of(today);
    // NUMQUESTION: 1 to 2^31 - 1 (00005), once a day per shop: a second
    // request with the same number gets 00039, "a request with the same
    // question number has already been processed" (BenMorel/Paybox
    // `PayboxDirectResponse::DUPLICATE_REQUEST`; the number is unique per
    // day and site/rank, ../shared/reference/paybox.md §2.2).
    let number = match r.get("NUMQUESTION").parse::<u64>() {
        Ok(n) if (1..=MAX_NUMBER).contains(&n) => n,
        _ => {
            return Ok(Outcome::refused(
                "00005",
                format!(
                    "invalid question number: NUMQUESTION must be a number from 1 to {MAX_NUMBER}"
                ),
            ))
        }
    };
    if !books.first_use(&shop, QUESTION, &day, &number.to_string())? {
        return Ok(Outcome::refused(
            "00039",
            format!("question number {number} already processed today for this shop: NUMQUESTION must be new every day"),
        ));
    }
    // TYPE: a known operation, padded or not (00009).
    let Some(op) = codes::op_by_code(r.get("TYPE")) else {
        return Ok(Outcome::refused(
            "00009",
            format!(
                "invalid operation type: TYPE is {}",
                crate::show(r.get("TYPE"))
            ),
        ));
    };
    // DATEQ: a real date, with or without its time, or none (00007).
    let dateq = r.get("DATEQ");
    if !dateq.is_empty()
        && !crate::calendar::is_ddmmyyyy(dateq)
        && !crate::calendar::is_ddmmyyyyhhmmss(dateq)
    {
        return Ok(Outcome::refused(
            "00007",
            "invalid date: DATEQ must be DDMMYYYYHHMMSS or DDMMYYYY",
        ));
    }
    if !r.get("ACTIVITE").is_empty()
        && crate::paybox::values::parse_activity(&format!("{:0>3}", r.get("ACTIVITE")), false)
            .is_err()
    {
        return Ok(Outcome::refused(
            "00026",
            "wrong ACTIVITE: expected 020 to 024 or 027",
        ));
    }
    let t = Today {
        day,
        month: YearMonth::of(today),
    };
    match op.kind {
        Kind::Card => card(r, books, &shop, op, &t, None),
        Kind::SubscriberCard => subscriber_card(r, books, &shop, op, &t),
        Kind::FollowUp => follow_up(r, books, &shop, op, &t),
        Kind::SubscriberFollowUp => {
            let reference = r.get("REFABONNE");
            if reference.is_empty() {
                // eopayment's `cancel` sends TYPE 00055 (a subscriber's
                // cancel) with no REFABONNE: the reference's table says
                // 00055 needs one (../shared/reference/paybox.md §2.3).
                return Ok(Outcome::refused(
                    "00017",
                    format!("{}: TYPE {} is a Direct Plus (subscriber) operation and needs REFABONNE; a plain cancel is TYPE 00005, a capture 00002 (eopayment's cancel sends 00055 without REFABONNE)", said::NO_SUBSCRIBER, op.code),
                ));
            }
            if books
                .get::<Subscriber>(&shop, SUBSCRIBER, reference)?
                .is_none()
            {
                return Ok(Outcome::refused("00017", said::NO_SUBSCRIBER));
            }
            follow_up(r, books, &shop, op, &t)
        }
        Kind::SubscriberDelete => {
            let reference = r.get("REFABONNE");
            if books
                .get::<Subscriber>(&shop, SUBSCRIBER, reference)?
                .is_none()
            {
                return Ok(Outcome::refused("00017", said::NO_SUBSCRIBER));
            }
            books.remove(&shop, SUBSCRIBER, reference)?;
            Ok(Outcome {
                code: "00000",
                comment: said::DONE.into(),
                numtrans: NO_NUMBER.into(),
                numappel: NO_NUMBER.into(),
                ..Outcome::default()
            })
        }
        Kind::Check => check(r, books, &shop),
        Kind::Inquiry => inquiry(r, books, &shop),
    }
}

/// The date the gateway believes, in the forms its rules need.
struct Today {
    day: String,
    month: YearMonth,
}

/// Amount, currency and reference of an operation that moves money.
struct Money {
    amount: u64,
    currency: String,
    reference: String,
}

fn money(r: &Request<'_>, need_reference: bool) -> Result<Money, Refused> {
    let amount = crate::currency::parse_amount(r.get("MONTANT"))
        .ok()
        .filter(|a| *a > 0)
        .ok_or_else(|| {
            refuse(
                "00011",
                "wrong amount: MONTANT must be the amount in cents, 1 to 10 digits",
            )
        })?;
    let currency = crate::currency::parse_currency(r.get("DEVISE"), false)
        .map_err(|_| {
            refuse(
                "00010",
                "unknown currency: DEVISE must be an ISO 4217 numeric code, e.g. 978",
            )
        })?
        .numeric
        .to_string();
    let reference = r.get("REFERENCE");
    let bad = if reference.is_empty() {
        need_reference
    } else {
        parse_text(reference, 250).is_err()
    };
    if bad {
        return Err(refuse(
            "00012",
            "invalid order reference: REFERENCE must be 1 to 250 characters",
        ));
    }
    Ok(Money {
        amount,
        currency,
        reference: reference.to_string(),
    })
}

/// The card of a card operation, checked as the gateway does: the number
/// (00004, with the platform's words), the expiry (00008), the CVV when
/// given (00004).
fn card_data(r: &Request<'_>, t: &Today) -> Result<String, Refused> {
    let pan = r.get("PORTEUR");
    let digits = !pan.is_empty() && pan.len() <= 19 && pan.bytes().all(|b| b.is_ascii_digit());
    if !digits || !paylot_cli::card::luhn_valid(pan) {
        return Err(refuse("00004", said::BAD_CARD));
    }
    // BenMorel's live test `providerAuthorize`: an expiry of 0101 gets
    // 00008.
    if parse_expiry(r.get("DATEVAL"), t.month).is_err() {
        return Err(refuse(
            "00008",
            "invalid expiry date: DATEVAL must be MMYY, not in the past",
        ));
    }
    if !r.get("CVV").is_empty() && parse_cvv(r.get("CVV")).is_err() {
        return Err(refuse(
            "00004",
            "invalid card number or CVV: CVV must be 3 or 4 digits",
        ));
    }
    Ok(pan.to_string())
}

/// A new transaction: the platform's next numbers.
fn new_transaction(
    books: &Books<'_>,
    m: &Money,
    t: &Today,
    state: State,
    country: &str,
) -> Result<Transaction, MemoryError> {
    // One counter gives both: a transaction's numbers are new together.
    // The platform's, not the shop's: the numbers identify a transaction
    // on their own (a merchant's database keys its payments by NUMTRANS,
    // whatever the rank that took them — ranks 32, 63 and 222 of the test
    // site 1999888 are one merchant's test shops), so no two shops of the
    // sandbox are given the same.
    let n = books.next_platform_number(PLATFORM, "transaction", 0)?;
    let (numtrans, numappel) = (FIRST_NUMTRANS + n, FIRST_NUMAPPEL + n);
    Ok(Transaction {
        numtrans: format!("{numtrans:010}"),
        numappel: format!("{numappel:010}"),
        reference: m.reference.clone(),
        amount: m.amount,
        captured: if state == State::Captured {
            m.amount
        } else {
            0
        },
        refunded: 0,
        currency: m.currency.clone(),
        state,
        day: t.day.clone(),
        captured_on: (state == State::Captured).then(|| t.day.clone()),
        subscriber: String::new(),
        country: country.to_string(),
        authorisation: String::new(),
    })
}

fn save(books: &Books<'_>, shop: &str, t: &Transaction) -> Result<(), MemoryError> {
    books.put(shop, TRANSACTION, &t.numtrans, &t.reference, &t.day, t)
}

/// A card operation (00001, 00003, 00004, 00012), or a subscriber's with
/// the card the subscriber was registered with.
fn card(
    r: &Request<'_>,
    books: &Books<'_>,
    shop: &str,
    op: &OpType,
    t: &Today,
    stored: Option<(&str, &Subscriber)>,
) -> Result<Outcome, MemoryError> {
    let m = match money(r, true) {
        Ok(m) => m,
        Err(o) => return Ok(o.into()),
    };
    let (pan, country) = match stored {
        Some((_, s)) => (String::new(), s.country.clone()),
        None => match card_data(r, t) {
            Ok(pan) => {
                let country = test_cards::country(&pan).to_string();
                (pan, country)
            }
            Err(o) => return Ok(o.into()),
        },
    };
    let state = match op.code {
        "00001" | "00051" | "00056" | "00057" => State::Authorised,
        "00004" | "00054" => State::Credited,
        _ => State::Captured,
    };
    // The sandbox's test cards force an answer code (docs/dropwatch.md);
    // an authorisation centre's refusal (001xx) still makes a refused
    // transaction, with its numbers.
    if let Some(code) = test_cards::forced_code(&pan) {
        if !code.starts_with("001") {
            return Ok(Outcome::refused(code, codes::meaning(code)));
        }
        let mut tx = new_transaction(books, &m, t, State::Refused, &country)?;
        tx.captured = 0;
        tx.captured_on = None;
        save(books, shop, &tx)?;
        let mut o = Outcome::done(&tx);
        o.code = code;
        o.comment = codes::meaning(code).into();
        o.pan = pan;
        return Ok(o);
    }
    let mut tx = new_transaction(books, &m, t, state, &country)?;
    if op.authorizes {
        tx.authorisation = TEST_AUTHORISATION.into();
    }
    if let Some((reference, _)) = stored {
        tx.subscriber = reference.to_string();
    }
    save(books, shop, &tx)?;
    let mut o = Outcome::done(&tx);
    o.pan = pan;
    Ok(o)
}

/// A Direct Plus card operation: register (00056) and update (00057)
/// take a card and give its token; the others pay with a registered
/// subscriber's token.
fn subscriber_card(
    r: &Request<'_>,
    books: &Books<'_>,
    shop: &str,
    op: &OpType,
    t: &Today,
) -> Result<Outcome, MemoryError> {
    let reference = r.get("REFABONNE");
    if reference.is_empty() || parse_text(reference, 250).is_err() {
        return Ok(Outcome::refused(
            "00017",
            format!(
                "{}: REFABONNE must be 1 to 250 characters",
                said::NO_SUBSCRIBER
            ),
        ));
    }
    let existing = books.get::<Subscriber>(shop, SUBSCRIBER, reference)?;
    match (op.code, &existing) {
        // ../shared/reference/paybox.md §2.6: 00016 subscriber already
        // exists, 00017 subscriber does not exist.
        ("00056", Some(_)) => return Ok(Outcome::refused("00016", "subscriber already exists")),
        ("00056", None) | ("00057", Some(_)) => {}
        (_, None) => return Ok(Outcome::refused("00017", said::NO_SUBSCRIBER)),
        (_, Some(_)) => {}
    }
    if let Some(s) = existing.filter(|_| op.code != "00057") {
        let mut o = card(r, books, shop, op, t, Some((reference, &s)))?;
        o.token = s.token;
        return Ok(o);
    }
    let mut o = card(r, books, shop, op, t, None)?;
    if o.code == "00000" {
        let number = books.next_number(shop, "token", 1)?;
        let s = Subscriber {
            token: format!("SBX{number:012}"),
            country: o.country.clone(),
        };
        books.put(shop, SUBSCRIBER, reference, "", &t.day, &s)?;
        o.token = s.token;
    }
    Ok(o)
}

/// The transaction a follow-up names (NUMTRANS, and NUMAPPEL when
/// given, must be one the gateway made for this shop).
fn named(
    r: &Request<'_>,
    books: &Books<'_>,
    shop: &str,
) -> Result<Result<Transaction, Refused>, MemoryError> {
    let numtrans = r.get("NUMTRANS");
    if numtrans.is_empty() {
        // activemerchant's `test_failed_capture` / `test_failed_refund`
        // record `Invalid data` for an empty NUMAPPEL and NUMTRANS.
        return Ok(Err(refuse("00014", said::INVALID_DATA)));
    }
    let key = padded(numtrans);
    let found = books.get::<Transaction>(shop, TRANSACTION, &key)?;
    let numappel = r.get("NUMAPPEL");
    Ok(match found {
        Some(t) if numappel.is_empty() || padded(numappel) == t.numappel => Ok(t),
        // ../shared/reference/paybox.md §2.6: 00015, error accessing the
        // previously referenced data.
        _ => Err(refuse(
            "00015",
            format!(
                "error accessing previously referenced data: no transaction {} (NUMAPPEL {}) for this shop",
                crate::show(numtrans),
                crate::show(numappel)
            ),
        )),
    })
}

/// A 10-digit Paybox number as the gateway writes it.
fn padded(n: &str) -> String {
    format!("{n:0>10}")
}

/// Capture (00002, 00052), cancel (00005, 00055), update the amount
/// (00013), refund (00014): on a transaction the gateway made.
fn follow_up(
    r: &Request<'_>,
    books: &Books<'_>,
    shop: &str,
    op: &OpType,
    t: &Today,
) -> Result<Outcome, MemoryError> {
    let mut tx = match named(r, books, shop)? {
        Ok(tx) => tx,
        Err(o) => return Ok(o.into()),
    };
    // A refund needs no reference (BenMorel/Paybox's `Refund` sends none).
    let m = match money(r, false) {
        Ok(m) => m,
        Err(o) => return Ok(o.into()),
    };
    let remitted = tx
        .captured_on
        .as_deref()
        .is_some_and(|d| d < t.day.as_str());
    let done = |what: &str, state: State| {
        Outcome::refused(
            "00015",
            format!(
                "payment already done: the transaction is {} ({}); {what}",
                state.status(),
                tx.numtrans
            ),
        )
    };
    match op.code {
        // Capture what was authorised, at most its amount
        // (../shared/reference/paybox.md §2.3: "MONTANT (≤ authorised)",
        // 00011 wrong amount), once (00015, payment already done).
        "00002" | "00052" => {
            if tx.state != State::Authorised {
                return Ok(done("only an authorisation is captured", tx.state));
            }
            if m.amount > tx.amount {
                return Ok(Outcome::refused(
                    "00011",
                    format!(
                        "wrong amount: {} is more than the {} authorised",
                        m.amount, tx.amount
                    ),
                ));
            }
            tx.state = State::Captured;
            tx.captured = m.amount;
            tx.captured_on = Some(t.day.clone());
        }
        // Cancel before the remittance at the end of the capture's day
        // (../shared/reference/paybox.md §2.3: "00005 cancel (before
        // télécollecte)"; after it, a refund, 00014).
        "00005" | "00055" => {
            if !matches!(tx.state, State::Authorised | State::Captured) {
                return Ok(done("there is nothing left to cancel", tx.state));
            }
            if remitted {
                return Ok(Outcome::refused(
                    "00015",
                    format!(
                        "the transaction {} was remitted at the end of {}: refund it (TYPE 00014) instead of cancelling it",
                        tx.numtrans,
                        tx.captured_on.as_deref().unwrap_or("")
                    ),
                ));
            }
            tx.state = State::Cancelled;
        }
        "00013" => {
            if tx.state != State::Authorised {
                return Ok(done("only an authorisation's amount is updated", tx.state));
            }
            tx.amount = m.amount;
        }
        // Refund what was captured, in one or more parts (activemerchant's
        // `test_partial_refund` and `test_successful_refund` refund a
        // same-day purchase), never more (00011).
        _ => {
            if !matches!(tx.state, State::Captured | State::Refunded) {
                return Ok(done("only a captured transaction is refunded", tx.state));
            }
            if tx.refunded + m.amount > tx.captured {
                return Ok(Outcome::refused(
                    "00011",
                    format!(
                        "wrong amount: {} more would refund more than the {} captured ({} already refunded)",
                        m.amount, tx.captured, tx.refunded
                    ),
                ));
            }
            tx.refunded += m.amount;
            tx.state = State::Refunded;
        }
    }
    save(books, shop, &tx)?;
    let mut o = Outcome::done(&tx);
    if let Some(s) = books.get::<Subscriber>(shop, SUBSCRIBER, &tx.subscriber)? {
        o.token = s.token;
    }
    Ok(o)
}

/// 00011: does a transaction of this amount and reference exist? Its
/// numbers if so (BenMorel's `testCheckExistingTransaction`), 00018 if
/// not (`testCheckNonExistingTransaction`).
fn check(r: &Request<'_>, books: &Books<'_>, shop: &str) -> Result<Outcome, MemoryError> {
    let amount = crate::currency::parse_amount(r.get("MONTANT")).ok();
    let found = books
        .by_reference::<Transaction>(shop, TRANSACTION, r.get("REFERENCE"))?
        .into_iter()
        .rev()
        .find(|t| Some(t.amount) == amount && t.state != State::Refused);
    Ok(match found {
        Some(t) => Outcome::done(&t),
        None => Outcome::refused("00018", "transaction not found"),
    })
}

/// 00017: a transaction's state, in STATUS (BenMorel's `testInquire`;
/// `testInquireNonExistingTransaction`: 00018).
fn inquiry(r: &Request<'_>, books: &Books<'_>, shop: &str) -> Result<Outcome, MemoryError> {
    let numtrans = r.get("NUMTRANS");
    let found = if numtrans.is_empty() {
        None
    } else {
        books.get::<Transaction>(shop, TRANSACTION, &padded(numtrans))?
    };
    Ok(match found {
        Some(t) => {
            let mut o = Outcome::done(&t);
            o.status = Some(t.state.status());
            o
        }
        None => Outcome::refused("00018", "transaction not found"),
    })
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

/// NUMQUESTION as the gateway echoes it: 10 digits when it is a number
/// it takes, as sent otherwise.
pub fn question_echo(sent: &str) -> String {
    match sent.parse::<u64>() {
        Ok(n) if n <= MAX_NUMBER && sent.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{n:010}")
        }
        _ => sent.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> time::Date {
        time::Date::from_calendar_date(2026, time::Month::December, 6).unwrap()
    }

    fn ask(memory: &Memory, body: &str) -> Vec<(String, String)> {
        let keys = Keys {
            hmac: b"",
            password: b"1999888I",
        };
        let reply = answer(body.as_bytes(), Some(&keys), memory, date())
            .unwrap()
            .unwrap();
        assert!(!reply.line.ends_with(b"\n"));
        super::super::parse_answer(&reply.line)
    }

    fn field<'a>(a: &'a [(String, String)], k: &str) -> &'a str {
        a.iter().find(|(n, _)| n == k).map_or("?", |(_, v)| v)
    }

    #[test]
    fn a_life_capture_refund_inquiry() {
        let m = Memory::in_memory().unwrap();
        let a = ask(&m, "TYPE=3&VERSION=00104&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=7&MONTANT=1000&DEVISE=978&REFERENCE=R&PORTEUR=1111222233334444&DATEVAL=1230&DATEQ=06122026");
        assert_eq!(field(&a, "CODEREPONSE"), "00000");
        assert_eq!(field(&a, "NUMQUESTION"), "0000000007");
        assert_eq!(field(&a, "AUTORISATION"), "XXXXXX");
        assert_eq!(field(&a, "PAYS"), "?", "not asked");
        let numtrans = field(&a, "NUMTRANS").to_string();
        let numappel = field(&a, "NUMAPPEL").to_string();
        let again = ask(&m, "TYPE=3&VERSION=00104&SITE=1999888&RANG=032&CLE=1999888I&NUMQUESTION=7&MONTANT=1000&DEVISE=978&REFERENCE=R&PORTEUR=1111222233334444&DATEVAL=1230");
        assert_eq!(field(&again, "CODEREPONSE"), "00039");
        let refund = ask(&m, &format!("TYPE=00014&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=8&MONTANT=600&DEVISE=978&NUMTRANS={numtrans}&NUMAPPEL={numappel}"));
        assert_eq!(field(&refund, "CODEREPONSE"), "00000");
        let more = ask(&m, &format!("TYPE=00014&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=9&MONTANT=600&DEVISE=978&NUMTRANS={numtrans}&NUMAPPEL={numappel}"));
        assert_eq!(field(&more, "CODEREPONSE"), "00011");
        let q = ask(&m, &format!("TYPE=00017&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=10&NUMTRANS={numtrans}"));
        assert_eq!(field(&q, "STATUS"), "Remboursé");
        assert_eq!(field(&q, "NUMAPPEL"), numappel);
        let unknown = ask(&m, "TYPE=00002&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=11&MONTANT=600&DEVISE=978&REFERENCE=R&NUMTRANS=1&NUMAPPEL=2");
        assert_eq!(field(&unknown, "CODEREPONSE"), "00015");
    }

    #[test]
    fn a_wrong_cle_is_not_allowed_and_a_void_with_zeros_is_taken() {
        let m = Memory::in_memory().unwrap();
        let a = ask(
            &m,
            "VERSION=00103&TYPE=00001&SITE=1999888&RANG=32&CLE=nope&NUMQUESTION=44",
        );
        assert_eq!(field(&a, "CODEREPONSE"), "00006");
        assert_eq!(field(&a, "COMMENTAIRE"), "Non autorise");
        assert_eq!(field(&a, "NUMQUESTION"), "0000000044");
        let p = ask(&m, "REFERENCE=1&PORTEUR=1111222233334444&DATEVAL=1228&CVV=123&MONTANT=0000000100&DEVISE=978&VERSION=00103&TYPE=00003&DATEQ=06122026101010&NUMQUESTION=0000341744&SITE=1999888&RANG=222&CLE=1999888I&PAYS=&ARCHIVAGE=");
        assert_eq!(field(&p, "PAYS"), "FRA");
        let void = ask(&m, &format!("REFERENCE=1&NUMAPPEL={}&NUMTRANS={}&PORTEUR=000000000000000&DATEVAL=0000&MONTANT=0000000100&DEVISE=978&VERSION=00103&TYPE=00005&NUMQUESTION=0000341745&SITE=1999888&RANG=222&CLE=1999888I&PAYS=&ARCHIVAGE=", field(&p, "NUMAPPEL"), field(&p, "NUMTRANS")));
        assert_eq!(field(&void, "CODEREPONSE"), "00000");
    }
}
