//! A request's fields as the operations read them: by name, the shop
//! they are for, and what an operation that moves money reads (the
//! amount, currency and reference; the card), each checked as the
//! gateway checks it.

use super::outcome::{refuse, said, Refused};
use super::records::PLATFORM;
use crate::memory::Books;
use crate::paybox::values::{parse_cvv, parse_expiry, parse_text, YearMonth};

/// A request's fields, read by name (field order is free).
pub(super) struct Request<'a> {
    pub(super) fields: &'a [(String, String)],
}

impl Request<'_> {
    pub(super) fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether the request carries `name`, even empty: `PAYS`,
    /// `TYPECARTE` and `SHA-1` are answered only when asked for
    /// (../shared/reference/paybox.md §2.2; nexylan's
    /// `testCallResponseAttributes` asserts them absent otherwise).
    pub(super) fn asks(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// The shop, as the memory files it: SITE and RANG as a number (the
    /// same shop is `32` to one client and `032` to another).
    pub(super) fn shop(&self) -> String {
        let rank = self.get("RANG").trim_start_matches('0');
        format!("{PLATFORM}{}/{}", self.get("SITE"), rank)
    }
}

/// A request being run: its fields, the memory's books, the shop it is
/// for (as [`Request::shop`] files it) and the date the gateway believes;
/// what every operation reads.
#[derive(Clone, Copy)]
pub(super) struct Call<'a> {
    pub(super) r: &'a Request<'a>,
    pub(super) books: &'a Books<'a>,
    pub(super) shop: &'a str,
    pub(super) t: &'a Today,
}

/// The date the gateway believes, in the forms its rules need.
pub(super) struct Today {
    pub(super) day: String,
    pub(super) month: YearMonth,
}

/// Amount, currency and reference of an operation that moves money.
pub(super) struct Money {
    pub(super) amount: u64,
    pub(super) currency: String,
    pub(super) reference: String,
}

pub(super) fn money(r: &Request<'_>, need_reference: bool) -> Result<Money, Refused> {
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
pub(super) fn card_data(r: &Request<'_>, t: &Today) -> Result<String, Refused> {
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
