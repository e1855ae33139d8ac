//! One request run, in one step of the memory: the checks the gateway
//! makes before the operation (the question number, the type, the date,
//! the activity), in its order, then the operation by its kind.

use super::card::{card, subscriber_card};
use super::follow_up::{check, follow_up, inquiry};
use super::outcome::{said, Outcome};
use super::records::{day_of, Subscriber, QUESTION, SUBSCRIBER};
use super::request::{Call, Request, Today};
use crate::memory::{Books, MemoryError};
use crate::paybox::codes::{self, Kind};
use crate::paybox::direct::NO_NUMBER;
use crate::paybox::values::YearMonth;
use crate::paybox::MAX_NUMBER;

/// One request's outcome, in one step of the memory.
pub(super) fn run(
    r: &Request<'_>,
    books: &Books<'_>,
    today: time::Date,
) -> Result<Outcome, MemoryError> {
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
                crate::invalid::show(r.get("TYPE"))
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
    let c = Call {
        r,
        books,
        shop: &shop,
        t: &t,
    };
    match op.kind {
        Kind::Card => card(&c, op, None),
        Kind::SubscriberCard => subscriber_card(&c, op),
        Kind::FollowUp => follow_up(&c, op),
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
            follow_up(&c, op)
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
        Kind::Check => check(&c),
        Kind::Inquiry => inquiry(&c),
    }
}
