//! The operations on a transaction the platform made: capture, cancel,
//! update the amount, refund; and the questions about one (does it
//! exist, what became of it).

use super::outcome::{refuse, said, Outcome, Refused};
use super::records::{padded, save, State, Subscriber, Transaction, SUBSCRIBER, TRANSACTION};
use super::request::{money, Call};
use crate::memory::MemoryError;
use crate::paybox::codes::OpType;

/// The transaction a follow-up names (NUMTRANS, and NUMAPPEL when
/// given, must be one the gateway made for this shop).
pub(super) fn named(c: &Call<'_>) -> Result<Result<Transaction, Refused>, MemoryError> {
    let Call { r, books, shop, .. } = *c;
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
                crate::invalid::show(numtrans),
                crate::invalid::show(numappel)
            ),
        )),
    })
}

/// Capture (00002, 00052), cancel (00005, 00055), update the amount
/// (00013), refund (00014): on a transaction the gateway made.
pub(super) fn follow_up(c: &Call<'_>, op: &OpType) -> Result<Outcome, MemoryError> {
    let Call { r, books, shop, t } = *c;
    let mut tx = match named(c)? {
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
pub(super) fn check(c: &Call<'_>) -> Result<Outcome, MemoryError> {
    let Call { r, books, shop, .. } = *c;
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
pub(super) fn inquiry(c: &Call<'_>) -> Result<Outcome, MemoryError> {
    let Call { r, books, shop, .. } = *c;
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
