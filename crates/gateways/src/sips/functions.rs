//! The Office Server functions the sandbox plays, with what the platform
//! remembers of each transaction ([`crate::memory`], by merchantId):
//! `checkout/cardOrder`, `cashManagement/validate`, `cancel`, `refund`,
//! `diagnostic/getTransactionData`.
//!
//! Each response holds exactly fields the data dictionary gives that
//! function's response — checked against the response classes of
//! warehousenantes/sips-office-sdk-php (written against the real
//! platform, which checks the response's seal over the fields it models:
//! a field they lack breaks it): [`RESPONSE_FIELDS`]. Codes and their
//! sources: [`super::codes`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::fields::vocabulary;
use super::office::{self, RESPONSE_CODE_FIELD};
use crate::memory::{Books, MemoryError};

/// The response fields of each function the sandbox answers, as the
/// SDK's response classes model them (`CardOrderResponse`,
/// `ValidateResponse`, `CancelResponse`, `RefundResponse`,
/// `GetTransactionDataResponse`): a response never holds another.
pub const RESPONSE_FIELDS: &[(&str, &[&str])] = &[
    (
        "checkout/cardOrder",
        &[
            "acquirerResponseCode",
            "authorisationId",
            "captureDay",
            "captureMode",
            "errorFieldName",
            "maskedPan",
            "paymentMeanBrand",
            "responseCode",
            "transactionDateTime",
            "transactionReference",
            "seal",
        ],
    ),
    (
        "cashManagement/validate",
        &[
            "acquirerResponseCode",
            "authorisationId",
            "captureLimitDate",
            "errorFieldName",
            "newAmount",
            "newStatus",
            "operationDateTime",
            "responseCode",
            "seal",
        ],
    ),
    (
        "cashManagement/cancel",
        &[
            "acquirerResponseCode",
            "errorFieldName",
            "newAmount",
            "newStatus",
            "operationDateTime",
            "responseCode",
            "seal",
        ],
    ),
    (
        "cashManagement/refund",
        &[
            "acquirerResponseCode",
            "authorisationId",
            "errorFieldName",
            "newAmount",
            "newStatus",
            "operationDateTime",
            "responseCode",
            "seal",
        ],
    ),
    (
        "diagnostic/getTransactionData",
        &[
            "acquirerResponseCode",
            "authorisationId",
            "captureLimitDate",
            "currencyCode",
            "currentAmount",
            "errorFieldName",
            "getTransDataResponseCode",
            "lastOperationDateTime",
            "lastOperationName",
            "maskedPan",
            "merchantId",
            "orderChannel",
            "originAmount",
            "panExpiryDate",
            "paymentMeanBrand",
            "responseCode",
            "transactionDateTime",
            "transactionReference",
            "transactionStatus",
            "seal",
        ],
    ),
];

/// Whether `function`'s response has `field`.
pub fn answers(function: &str, field: &str) -> bool {
    RESPONSE_FIELDS
        .iter()
        .any(|(f, fields)| *f == function && fields.contains(&field))
}

/// A transaction as the memory keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Transaction {
    reference: String,
    /// The cardOrder's own responseCode (a refused one is kept too: its
    /// reference is used).
    code: String,
    origin: u64,
    /// After cancellations.
    current: u64,
    refunded: u64,
    currency: String,
    /// AUTHOR_CAPTURE or VALIDATION.
    mode: String,
    capture_day: u64,
    validated: bool,
    /// The sandbox day it was made (YYYY-MM-DD).
    day: String,
    time: String,
    masked_pan: String,
    expiry: String,
    channel: String,
    authorisation: String,
    last_operation: String,
    last_operation_time: String,
}

const TRANSACTION: &str = "transaction";

impl Transaction {
    /// The day the capture happens: the capture day after it was made
    /// (or validated); it is remitted at the end of that day.
    fn capture_date(&self) -> Option<time::Date> {
        let d = parse_day(&self.day)?;
        d.checked_add(time::Duration::days(
            i64::try_from(self.capture_day).unwrap_or(0),
        ))
    }

    /// transactionStatus, on the date the gateway believes (the
    /// dictionary's values: TO_VALIDATE, TO_CAPTURE, CAPTURED,
    /// CANCELLED, REFUSED; CREDITED once wholly refunded).
    fn status(&self, today: time::Date) -> &'static str {
        if self.code != "00" {
            "REFUSED"
        } else if self.current == 0 {
            "CANCELLED"
        } else if self.mode == "VALIDATION" && !self.validated {
            "TO_VALIDATE"
        } else if self.capture_date().is_some_and(|c| c < today) {
            if self.refunded >= self.current {
                "CREDITED"
            } else {
                "CAPTURED"
            }
        } else {
            "TO_CAPTURE"
        }
    }
}

fn parse_day(s: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &format).ok()
}

/// The date and time the gateway believes, as the dictionary writes it
/// (ISO 8601 with the offset).
fn now_on(today: time::Date) -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let t = now.replace_date(today);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    t.format(&format).unwrap_or_default()
}

fn day_of(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// A response: `fields` in the dictionary's order for the function,
/// empty values left out, numbers as JSON numbers.
struct Response(Map<String, Value>);

impl Response {
    fn new(code: &str) -> Response {
        let mut m = Map::new();
        m.insert(RESPONSE_CODE_FIELD.into(), Value::String(code.into()));
        Response(m)
    }

    fn text(mut self, k: &str, v: impl Into<String>) -> Response {
        let v = v.into();
        if !v.is_empty() {
            // What is echoed is shown as its field's kind says.
            let shown = vocabulary().of(k).show(&v).into_owned();
            self.0.insert(k.into(), Value::String(shown));
        }
        self
    }

    fn number(mut self, k: &str, v: u64) -> Response {
        self.0.insert(k.into(), Value::Number(v.into()));
        self
    }
}

/// A format error on `field` (responseCode 30, errorFieldName): the one
/// way the sandbox names a field it refuses, whatever the refusal (a
/// value that does not fit, a name given twice: `super::server::check`).
/// errorFieldName names the merchant's own field, shown as its own kind
/// (text) says, not as the kind of the field it names: `cardNumber` is
/// named, not masked as if it were a card number (a card number sent as
/// a name is still masked as text masks it; a secret, scrubbed when the
/// response is sealed).
pub(crate) fn format_error(field: &str) -> Map<String, Value> {
    Response::new("30").text("errorFieldName", field).0
}

/// An amount as the dictionary writes it: digits, at most 12.
fn amount(request: &Map<String, Value>, field: &str) -> Result<u64, Map<String, Value>> {
    let a = office::text(request, field);
    if a.is_empty() || a.len() > 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format_error(field));
    }
    a.parse().map_err(|_| format_error(field))
}

/// Run `function` on `request` for its shop.
pub fn run(
    function: &str,
    request: &Map<String, Value>,
    books: &Books<'_>,
    today: time::Date,
) -> Result<Map<String, Value>, MemoryError> {
    let shop = format!("sips:{}", office::text(request, "merchantId"));
    // The test shop works in transactionReference mode (sips.md §6b): every
    // request names its transaction.
    let reference = office::text(request, "transactionReference");
    if reference.is_empty() {
        return Ok(format_error("transactionReference"));
    }
    let found = books.get::<Transaction>(&shop, TRANSACTION, &reference)?;
    let mut out = match function {
        "checkout/cardOrder" => card_order(request, books, &shop, &reference, found, today)?,
        "diagnostic/getTransactionData" => transaction_data(request, found, today),
        "cashManagement/validate" | "cashManagement/cancel" | "cashManagement/refund" => {
            let Some(mut tx) = found else {
                // 25: not found in the Sips database (the dictionary).
                return Ok(Response::new("25").0);
            };
            let op = match amount(request, "operationAmount") {
                Ok(a) => a,
                Err(r) => return Ok(r),
            };
            let r = cash_management(function, &mut tx, op, today);
            if r.get(RESPONSE_CODE_FIELD) == Some(&Value::String("00".into())) {
                tx.last_operation = function
                    .rsplit('/')
                    .next()
                    .unwrap_or(function)
                    .to_ascii_uppercase();
                tx.last_operation_time = now_on(today);
                books.put(&shop, TRANSACTION, &tx.reference, "", &tx.day, &tx)?;
            }
            r
        }
        // A function the sandbox does not play: 40, not allowed for this
        // shop (the guide's generic table).
        _ => Response::new("40").0,
    };
    // Where the function's response has transactionReference, it comes
    // back whatever the code (a cardOrder refused for its format too).
    if answers(function, "transactionReference") && !out.contains_key("transactionReference") {
        let shown = vocabulary()
            .of("transactionReference")
            .show(&reference)
            .into_owned();
        out.insert("transactionReference".into(), Value::String(shown));
    }
    Ok(out)
}

/// `checkout/cardOrder`: an authorisation, captured `captureDay` days
/// later unless `captureMode` is VALIDATION.
fn card_order(
    request: &Map<String, Value>,
    books: &Books<'_>,
    shop: &str,
    reference: &str,
    found: Option<Transaction>,
    today: time::Date,
) -> Result<Map<String, Value>, MemoryError> {
    let day = day_of(today);
    // 94: the transactionReference was used already that day (the
    // dictionary: "for a given day, the TransactionReference has already
    // been used").
    if found.as_ref().is_some_and(|t| t.day == day) {
        return Ok(Response::new("94").0);
    }
    let origin = match amount(request, "amount") {
        Ok(a) => a,
        Err(r) => return Ok(r),
    };
    let card = office::text(request, "cardNumber");
    if card.is_empty()
        || card.len() > 19
        || !card.bytes().all(|b| b.is_ascii_digit())
        || !paylot_cli::card::luhn_valid(&card)
    {
        return Ok(format_error("cardNumber"));
    }
    let expiry = office::text(request, "cardExpiryDate");
    let expiry_ok = expiry.len() == 6
        && expiry.bytes().all(|b| b.is_ascii_digit())
        && expiry[4..]
            .parse::<u8>()
            .is_ok_and(|m| (1..=12).contains(&m));
    if !expiry_ok {
        return Ok(format_error("cardExpiryDate"));
    }
    let this_month = format!("{:04}{:02}", today.year(), today.month() as u8);
    let mode = match office::text(request, "captureMode").as_str() {
        "" => "AUTHOR_CAPTURE".to_string(),
        m @ ("AUTHOR_CAPTURE" | "VALIDATION" | "IMMEDIATE") => m.to_string(),
        _ => return Ok(format_error("captureMode")),
    };
    let capture_day = match office::text(request, "captureDay") {
        d if d.is_empty() => 0,
        d => match d.parse::<u64>() {
            Ok(n) if n <= 99 => n,
            _ => return Ok(format_error("captureDay")),
        },
    };
    // 54: the card past its expiry date; then the sandbox's test cards.
    let code = if expiry < this_month {
        "54".to_string()
    } else {
        office::forced_code(&card).unwrap_or_else(|| "00".to_string())
    };
    let masked = paylot_cli::card::mask_pan(&card);
    let tx = Transaction {
        reference: reference.to_string(),
        code: code.clone(),
        origin,
        current: origin,
        refunded: 0,
        currency: office::text(request, "currencyCode"),
        mode: mode.clone(),
        capture_day,
        validated: false,
        day,
        time: now_on(today),
        masked_pan: masked.clone(),
        expiry: expiry.clone(),
        channel: office::text(request, "orderChannel"),
        authorisation: if code == "00" {
            "123456".into()
        } else {
            String::new()
        },
        last_operation: String::new(),
        last_operation_time: String::new(),
    };
    books.put(shop, TRANSACTION, reference, "", &tx.day, &tx)?;
    let mut r = Response::new(&code)
        .text(
            "acquirerResponseCode",
            if code == "00" { "00" } else { "05" },
        )
        .text("authorisationId", tx.authorisation.clone())
        .number("captureDay", capture_day)
        .text("captureMode", mode)
        .text("maskedPan", masked)
        .text("paymentMeanBrand", "VISA")
        .text("transactionDateTime", tx.time.clone())
        .text("transactionReference", reference);
    if code != "00" {
        r.0.remove("authorisationId");
    }
    Ok(r.0)
}

/// validate, cancel, refund: what the transaction's status allows, or 24
/// (the dictionary: "operation impossible ... not compatible with the
/// status of the transaction").
fn cash_management(
    function: &str,
    tx: &mut Transaction,
    op: u64,
    today: time::Date,
) -> Map<String, Value> {
    let status = tx.status(today);
    let impossible = || Response::new("24").0;
    let done = |tx: &Transaction, new_amount: u64| {
        Response::new("00")
            .text("acquirerResponseCode", "00")
            .number("newAmount", new_amount)
            .text("newStatus", tx.status(today))
            .text("operationDateTime", now_on(today))
            .0
    };
    match function {
        // VALIDATION mode: the merchant confirms (at most the amount
        // authorised); the capture follows captureDay days later.
        "cashManagement/validate" => {
            if status != "TO_VALIDATE" || op > tx.current {
                return impossible();
            }
            tx.validated = true;
            tx.current = op;
            tx.day = day_of(today);
            let mut r = done(tx, op);
            if let Some(limit) = tx.capture_date() {
                r.insert(
                    "captureLimitDate".into(),
                    Value::String(format!(
                        "{:04}{:02}{:02}",
                        limit.year(),
                        limit.month() as u8,
                        limit.day()
                    )),
                );
            }
            r.insert(
                "authorisationId".into(),
                Value::String(tx.authorisation.clone()),
            );
            r
        }
        // Before the remittance only: at most what is left.
        "cashManagement/cancel" => {
            if !matches!(status, "TO_VALIDATE" | "TO_CAPTURE") || op > tx.current {
                return impossible();
            }
            tx.current -= op;
            let left = tx.current;
            done(tx, left)
        }
        // After the remittance only: at most what was captured, all
        // refunds counted.
        _ => {
            if status != "CAPTURED" || tx.refunded + op > tx.current {
                return impossible();
            }
            tx.refunded += op;
            let mut r = done(tx, tx.current - tx.refunded);
            r.insert(
                "authorisationId".into(),
                Value::String(tx.authorisation.clone()),
            );
            r
        }
    }
}

/// `diagnostic/getTransactionData`: the transaction's state. The SDK's
/// `doRefund` decides on `getTransDataResponseCode` (this function's
/// own code: 00 found, 25 not) and `transactionStatus`; `responseCode` is
/// the transaction's.
fn transaction_data(
    request: &Map<String, Value>,
    found: Option<Transaction>,
    today: time::Date,
) -> Map<String, Value> {
    let Some(tx) = found else {
        let mut r = Response::new("25");
        r.0.insert("getTransDataResponseCode".into(), "25".into());
        return r.0;
    };
    let mut r = Response::new(&tx.code)
        .text(
            "acquirerResponseCode",
            if tx.code == "00" { "00" } else { "05" },
        )
        .text("authorisationId", tx.authorisation.clone())
        .text("currencyCode", tx.currency.clone())
        .number("currentAmount", tx.current - tx.refunded.min(tx.current))
        .text("getTransDataResponseCode", "00")
        .text("lastOperationName", tx.last_operation.clone())
        .text("lastOperationDateTime", tx.last_operation_time.clone())
        .text("maskedPan", tx.masked_pan.clone())
        .text("merchantId", office::text(request, "merchantId"))
        .text("orderChannel", tx.channel.clone())
        .number("originAmount", tx.origin)
        .text("panExpiryDate", tx.expiry.clone())
        .text("paymentMeanBrand", "VISA")
        .text("transactionDateTime", tx.time.clone())
        .text("transactionReference", tx.reference.clone())
        .text("transactionStatus", tx.status(today));
    if let Some(limit) = tx.capture_date() {
        r = r.text(
            "captureLimitDate",
            format!(
                "{:04}{:02}{:02}",
                limit.year(),
                limit.month() as u8,
                limit.day()
            ),
        );
    }
    r.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_response_holds_only_its_function_s_fields() {
        let m = crate::memory::Memory::in_memory().unwrap();
        let today = time::Date::from_calendar_date(2026, time::Month::December, 6).unwrap();
        let order: Map<String, Value> = serde_json::from_str(
            r#"{"amount":"1000","cardNumber":"1111222233334444","cardExpiryDate":"209912","currencyCode":"978","merchantId":"M","transactionReference":"R","captureMode":"VALIDATION"}"#,
        )
        .unwrap();
        let op: Map<String, Value> = serde_json::from_str(
            r#"{"operationAmount":"1000","merchantId":"M","transactionReference":"R","currencyCode":"978"}"#,
        )
        .unwrap();
        for (function, request) in [
            ("checkout/cardOrder", &order),
            ("diagnostic/getTransactionData", &op),
            ("cashManagement/validate", &op),
            ("cashManagement/cancel", &op),
            ("diagnostic/getTransactionData", &op),
        ] {
            let r = m.update(|b| run(function, request, b, today)).unwrap();
            let allowed = RESPONSE_FIELDS
                .iter()
                .find(|(f, _)| *f == function)
                .unwrap()
                .1;
            for k in r.keys() {
                assert!(allowed.contains(&k.as_str()), "{function}: {k}");
            }
            assert_eq!(r["responseCode"], "00", "{function}: {r:?}");
        }
    }
}
