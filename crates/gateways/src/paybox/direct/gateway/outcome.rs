//! What the gateway decided about a request: its code, its COMMENTAIRE
//! (the platform's own words where a public source records them) and
//! the transaction's numbers.

use super::records::Transaction;

/// What the gateway's COMMENTAIRE says, where a public source records
/// the pre-production platform's own words.
pub(super) mod said {
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

/// What the gateway decided.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub(super) code: &'static str,
    pub(super) comment: String,
    pub(super) numtrans: String,
    pub(super) numappel: String,
    pub(super) authorisation: String,
    pub(super) token: String,
    pub(super) status: Option<&'static str>,
    pub(super) country: String,
    pub(super) pan: String,
}

/// A refusal: the code and the COMMENTAIRE.
pub(super) struct Refused(&'static str, String);

impl From<Refused> for Outcome {
    fn from(r: Refused) -> Outcome {
        Outcome::refused(r.0, r.1)
    }
}

pub(super) fn refuse(code: &'static str, comment: impl Into<String>) -> Refused {
    Refused(code, comment.into())
}

impl Outcome {
    pub(super) fn refused(code: &'static str, comment: impl Into<String>) -> Outcome {
        Outcome {
            code,
            comment: comment.into(),
            ..Outcome::default()
        }
    }

    pub(super) fn done(t: &Transaction) -> Outcome {
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
