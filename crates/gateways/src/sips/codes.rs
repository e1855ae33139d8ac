//! Sips `responseCode`: every code of the data dictionary's table, what it
//! says, what it decides and what to do — the one table `seal verify`, the
//! HTTP sandbox and the docs read.
//!
//! Sources, named per entry:
//! - `guide`: the Sogenactif Office Server JSON guide, release 24.3, its
//!   generic table (../shared/reference/sips.md §6b: 00, 40, 90, 99; 34 and
//!   75 and 97 named when watching a shop), which sends the reader to the
//!   data dictionary for each code;
//! - `dictionary`: the data dictionary's responseCode list as Worldline's
//!   Benelux technical integration guide v1.5 gives it, copied by
//!   eopayment 3.15 (`eopayment/sips2.py`, `RESPONSE_CODES`): 00 02 03 05
//!   12 14 17 24 25 30 34 40 51 54 60 63 75 90 94 97 99;
//! - `sdk`: worldline/sips-sdk-java, `ResponseCode` (adds 11) and
//!   `AcquirerResponseCode` (57, 62: the acquirer's codes the responseCode
//!   carries over; also the Sips → Worldline Direct migration guide's
//!   response codes mapping);
//! - `issue`: worldline/Sips-International-non-FR-PHPlibrary#9 (a library
//!   that counted 60 as a success).

use crate::decision::Decision;

/// What a response code says, and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub meaning: &'static str,
    pub action: &'static str,
    pub decision: Decision,
    /// Where the meaning comes from (the module's documentation names
    /// each source).
    pub source: &'static str,
}

const fn r(
    meaning: &'static str,
    action: &'static str,
    decision: Decision,
    source: &'static str,
) -> Reading {
    Reading {
        meaning,
        action,
        decision,
        source,
    }
}

use Decision::{Accepted, AlreadyDone, Pending, Refused, Retry};

/// The table, in code order.
pub static CODES: &[(&str, Reading)] = &[
    ("00", r("function done (authorisation accepted)", "nothing: the function succeeded", Accepted, "guide, dictionary, sdk")),
    ("02", r("authorisation to be asked of the issuer by telephone: the card's authorisation threshold is exceeded", "call the issuer for an authorisation, then force the transaction if the shop may force; otherwise take it as refused", Refused, "dictionary, sdk")),
    ("03", r("invalid distance-selling contract (the shop's acquirer contract)", "contact the gateway's support: the shop's contract does not allow this", Refused, "dictionary, sdk")),
    ("05", r("authorisation refused by the card issuer", "do not send it again as it is: ask the buyer for another means of payment", Refused, "dictionary, sdk")),
    ("11", r("card number blocked (fraud control)", "do not send it again with this card", Refused, "sdk")),
    ("12", r("invalid transaction: a parameter of the request is wrong", "check the request's parameters against the data dictionary", Refused, "dictionary, sdk")),
    ("14", r("invalid card number or card security code", "ask the buyer to check the card number and security code", Refused, "dictionary, sdk")),
    ("17", r("cancelled by the buyer", "nothing was paid: offer the payment again if the buyer wants", Refused, "dictionary, sdk")),
    ("24", r("operation impossible in the transaction's state (e.g. a refund before the capture, a cancel after the remittance)", "look the transaction up (getTransactionData) and use the operation its state allows: cancel before the capture, refund after", Refused, "dictionary")),
    ("25", r("transaction not found in the Sips database", "check transactionReference and merchantId: this shop has no such transaction", Refused, "dictionary")),
    ("30", r("format error: errorFieldName names the field", "fix the field errorFieldName names (its format is in the data dictionary)", Refused, "guide, dictionary, sdk")),
    ("34", r("suspected fraud (the seal or keyVersion is not the shop's)", "if the shop's secret key was renewed, the request must carry the new keyVersion; otherwise check the seal and the key", Refused, "guide, dictionary, sdk")),
    ("40", r("function not allowed for this shop", "contact the gateway's support to have it enabled, if the acquirer contract allows", Refused, "guide, dictionary")),
    ("51", r("amount too high", "lower the amount, or ask the acquirer for a higher ceiling", Refused, "dictionary")),
    ("54", r("card past its expiry date", "ask the buyer for a card that has not expired", Refused, "dictionary, sdk")),
    ("57", r("transaction not permitted to this cardholder", "ask the buyer for another means of payment", Refused, "sdk")),
    ("60", r("transaction pending: neither refused nor done yet", "do not deliver and do not send it again: look its final state up later (getTransactionData)", Pending, "dictionary, issue")),
    ("62", r("transaction awaiting payment confirmation", "do not deliver yet: look its final state up later (getTransactionData)", Pending, "sdk")),
    ("63", r("security rules not observed: transaction stopped", "do not send it again as it is; contact the gateway's support", Refused, "dictionary")),
    ("75", r("maximum number of payment attempts reached", "do not try again with the same data", Refused, "guide, dictionary, sdk")),
    ("90", r("service temporarily unavailable", "try the function again later", Retry, "guide, dictionary, sdk")),
    ("94", r("duplicated transaction: this transactionReference was used already", "the first request went through: look it up (getTransactionData) rather than send it again; a new payment needs a new transactionReference", AlreadyDone, "dictionary, sdk")),
    ("97", r("time frame exceeded: transaction refused", "try again later (a new payment with a new transactionReference)", Retry, "guide, dictionary, sdk")),
    ("99", r("temporary problem at the Sips Office Server", "try the function again later", Retry, "guide, dictionary, sdk")),
];

/// The reading of a `responseCode`; a code the table does not list is
/// said so, and its outcome is unknown.
pub fn reading(code: &str) -> Reading {
    CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, r)| *r)
        .unwrap_or(r(
            "a code the data dictionary's table does not list",
            "look the transaction up (getTransactionData) before doing anything with it",
            Decision::Unknown,
            "",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_sourced_and_the_ones_that_matter_decide_right() {
        for (code, r) in CODES {
            assert!(!r.source.is_empty(), "{code}");
            assert_eq!(code.len(), 2);
        }
        assert_eq!(reading("05").decision, Decision::Refused);
        assert_eq!(reading("17").decision, Decision::Refused);
        assert_eq!(reading("60").decision, Decision::Pending);
        assert_eq!(reading("94").decision, Decision::AlreadyDone);
        assert_eq!(reading("97").decision, Decision::Retry);
        assert_eq!(reading("42").decision, Decision::Unknown);
        assert!(reading("34").action.contains("keyVersion"));
    }
}
