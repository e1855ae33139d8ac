//! What the platform keeps of the transactions it made and the
//! subscribers it registered ([`crate::memory`]), and the numbers it
//! gives them.

use serde::{Deserialize, Serialize};

use crate::memory::{Books, MemoryError};

/// The first transaction and call numbers the platform gives (its are
/// 10 digits: 0013989865, 0030378572 in eopayment's recorded answer);
/// each is then one more, never the same twice.
pub(super) const FIRST_NUMTRANS: u64 = 10_000_001;
pub(super) const FIRST_NUMAPPEL: u64 = 30_000_001;

/// What the memory files every Paybox shop under (`paybox:SITE/RANG`),
/// and the platform's own counters.
pub(super) const PLATFORM: &str = "paybox:";

/// What became of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum State {
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
    pub(super) fn status(self) -> &'static str {
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
pub(super) struct Transaction {
    pub(super) numtrans: String,
    pub(super) numappel: String,
    pub(super) reference: String,
    pub(super) amount: u64,
    pub(super) captured: u64,
    pub(super) refunded: u64,
    pub(super) currency: String,
    pub(super) state: State,
    /// The day it was made, and the day it was captured (remitted at the
    /// end of that day).
    pub(super) day: String,
    pub(super) captured_on: Option<String>,
    pub(super) subscriber: String,
    pub(super) country: String,
    pub(super) authorisation: String,
}

/// A Direct Plus subscriber.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Subscriber {
    pub(super) token: String,
    pub(super) country: String,
}

pub(super) const TRANSACTION: &str = "transaction";

pub(super) const SUBSCRIBER: &str = "subscriber";

pub(super) const QUESTION: &str = "numquestion";

pub(super) fn day_of(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

pub(super) fn save(books: &Books<'_>, shop: &str, t: &Transaction) -> Result<(), MemoryError> {
    books.put(shop, TRANSACTION, &t.numtrans, &t.reference, &t.day, t)
}

/// A 10-digit Paybox number as the gateway writes it.
pub(super) fn padded(n: &str) -> String {
    format!("{n:0>10}")
}
