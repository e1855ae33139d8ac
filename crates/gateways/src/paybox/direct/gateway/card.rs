//! The card operations: authorise, capture at once, credit (00001,
//! 00003, 00004, 00012), and Direct Plus's with a subscriber's card;
//! the numbers of a new transaction.

use super::outcome::{said, Outcome, TEST_AUTHORISATION};
use super::records::{
    save, State, Subscriber, Transaction, FIRST_NUMAPPEL, FIRST_NUMTRANS, PLATFORM, SUBSCRIBER,
};
use super::request::{card_data, money, Call, Money, Today};
use crate::memory::{Books, MemoryError};
use crate::paybox::codes::{self, OpType};
use crate::paybox::test_cards;
use crate::paybox::values::parse_text;

/// A new transaction: the platform's next numbers.
pub(super) fn new_transaction(
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

/// A card operation (00001, 00003, 00004, 00012), or a subscriber's with
/// the card the subscriber was registered with.
pub(super) fn card(
    c: &Call<'_>,
    op: &OpType,
    stored: Option<(&str, &Subscriber)>,
) -> Result<Outcome, MemoryError> {
    let Call { r, books, shop, t } = *c;
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
pub(super) fn subscriber_card(c: &Call<'_>, op: &OpType) -> Result<Outcome, MemoryError> {
    let Call { r, books, shop, t } = *c;
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
        let mut o = card(c, op, Some((reference, &s)))?;
        o.token = s.token;
        return Ok(o);
    }
    let mut o = card(c, op, None)?;
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
