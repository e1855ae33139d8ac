//! Paybox code tables: the operation types (TYPE) and the answer codes
//! (CODEREPONSE: platform 000xx, authorisation centre 001xx).

use crate::decision::Decision;

/// What an operation needs, by family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A card payment: amount, currency, reference, card number, expiry.
    Card,
    /// Works on an earlier operation: amount, currency, reference, call and
    /// transaction numbers.
    FollowUp,
    /// Checks that a transaction exists: transaction number.
    Check,
    /// Asks about a transaction: transaction number.
    Inquiry,
    /// A stored-card payment: amount, currency, reference, subscriber,
    /// token (or card number for register / update), expiry.
    SubscriberCard,
    /// A stored-card follow-up: amount, currency, reference, subscriber, call
    /// and transaction numbers.
    SubscriberFollowUp,
    /// Delete a subscriber: subscriber.
    SubscriberDelete,
}

/// A Paybox Direct operation type (TYPE).
#[derive(Debug, PartialEq, Eq)]
pub struct OpType {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: Kind,
    /// Whether the card is given by a token (PaymentHandle) rather than a PAN.
    pub token: bool,
    /// Whether an accepted answer carries an authorisation number.
    pub authorizes: bool,
}

const fn op(
    code: &'static str,
    name: &'static str,
    kind: Kind,
    token: bool,
    authorizes: bool,
) -> OpType {
    OpType {
        code,
        name,
        kind,
        token,
        authorizes,
    }
}

pub static OP_TYPES: &[OpType] = &[
    op("00001", "authorize", Kind::Card, false, true),
    op("00002", "capture", Kind::FollowUp, false, false),
    op("00003", "authorize_capture", Kind::Card, false, true),
    op("00004", "credit", Kind::Card, false, false),
    op("00005", "cancel", Kind::FollowUp, false, false),
    op("00011", "check", Kind::Check, false, false),
    op("00012", "without_authorization", Kind::Card, false, false),
    op("00013", "update_amount", Kind::FollowUp, false, false),
    op("00014", "refund", Kind::FollowUp, false, false),
    op("00017", "inquiry", Kind::Inquiry, false, false),
    op(
        "00051",
        "subscriber_authorize",
        Kind::SubscriberCard,
        true,
        true,
    ),
    op(
        "00052",
        "subscriber_capture",
        Kind::SubscriberFollowUp,
        false,
        false,
    ),
    op(
        "00053",
        "subscriber_authorize_capture",
        Kind::SubscriberCard,
        true,
        true,
    ),
    op(
        "00054",
        "subscriber_credit",
        Kind::SubscriberCard,
        true,
        false,
    ),
    op(
        "00055",
        "subscriber_cancel",
        Kind::SubscriberFollowUp,
        false,
        false,
    ),
    op(
        "00056",
        "subscriber_register",
        Kind::SubscriberCard,
        false,
        true,
    ),
    op(
        "00057",
        "subscriber_update",
        Kind::SubscriberCard,
        false,
        true,
    ),
    op(
        "00058",
        "subscriber_delete",
        Kind::SubscriberDelete,
        false,
        false,
    ),
    op(
        "00061",
        "subscriber_without_authorization",
        Kind::SubscriberCard,
        true,
        false,
    ),
];

/// The operation type for a 5-digit code (`00003`; `3` is read as `00003`).
pub fn op_by_code(code: &str) -> Option<&'static OpType> {
    if code.is_empty() || code.len() > 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if code.len() == 5 {
        return OP_TYPES.iter().find(|t| t.code == code);
    }
    let padded = format!("{code:0>5}");
    OP_TYPES.iter().find(|t| t.code == padded)
}

/// The operation type for a readable name (`authorize_capture`), any case,
/// `-` or `_`.
pub fn op_by_name(name: &str) -> Option<&'static OpType> {
    // Any case, `-` for `_`; compared byte by byte rather than through a
    // normalised copy, since a lookup is made for every row of a batch.
    let name = name.trim().as_bytes();
    let norm = |b: u8| {
        if b == b'-' {
            b'_'
        } else {
            b.to_ascii_lowercase()
        }
    };
    OP_TYPES.iter().find(|t| {
        t.name.len() == name.len() && t.name.bytes().zip(name).all(|(a, &b)| a == norm(b))
    })
}

/// Paybox CODEREPONSE meanings (platform 000xx, authorisation centre 001xx).
pub static PAYBOX_CODES: &[(&str, &str)] = &[
    ("00000", "success"),
    ("00001", "connection to the authorisation centre failed"),
    ("00002", "coherence error"),
    ("00003", "Paybox error"),
    ("00004", "invalid card number or CVV"),
    ("00005", "invalid question number"),
    ("00006", "access refused (site or rank wrong)"),
    ("00007", "invalid date"),
    ("00008", "invalid expiry date"),
    ("00009", "invalid operation type"),
    ("00010", "unknown currency"),
    ("00011", "wrong amount"),
    ("00012", "invalid order reference"),
    ("00013", "version no longer supported"),
    ("00014", "incoherent frame"),
    (
        "00015",
        "already done, or previously referenced data not found",
    ),
    ("00016", "subscriber already exists"),
    ("00017", "subscriber does not exist"),
    ("00018", "transaction not found"),
    ("00020", "CVV missing"),
    ("00021", "card not allowed"),
    ("00022", "ceiling reached"),
    ("00023", "card holder already seen today"),
    ("00024", "country code filtered"),
    ("00026", "wrong activity"),
    ("00039", "question number already processed"),
    ("00040", "holder enrolled but not 3-D Secure authenticated"),
    ("00097", "connection timeout"),
    ("00098", "internal connection error"),
    ("00099", "question/answer incoherence, retry later"),
    ("00100", "approved"),
    ("00101", "contact the card issuer"),
    ("00102", "contact the card issuer"),
    ("00103", "invalid merchant"),
    ("00104", "keep the card"),
    ("00105", "do not honour"),
    ("00107", "keep the card, special conditions"),
    ("00108", "approve after identification"),
    ("00112", "invalid transaction"),
    ("00113", "invalid amount"),
    ("00114", "invalid card number"),
    ("00115", "unknown issuer"),
    ("00117", "cancelled by the customer"),
    ("00119", "retry later"),
    ("00120", "erroneous answer (server side)"),
    ("00124", "file update not supported"),
    ("00125", "record not found"),
    ("00126", "duplicate record, previous replaced"),
    ("00127", "file update edit error"),
    ("00128", "file access denied"),
    ("00129", "update impossible"),
    ("00130", "format error"),
    ("00131", "unknown acquirer"),
    ("00133", "card expired"),
    ("00134", "suspected fraud"),
    ("00138", "PIN tries exceeded"),
    ("00141", "lost card"),
    ("00143", "stolen card"),
    ("00151", "insufficient funds"),
    ("00154", "card expired"),
    ("00155", "wrong PIN"),
    ("00156", "card not in file"),
    ("00157", "not permitted to the card holder"),
    ("00158", "not permitted to the terminal"),
    ("00159", "suspected fraud"),
    ("00160", "acceptor must contact the acquirer"),
    ("00161", "withdrawal limit exceeded"),
    ("00163", "security rules violated"),
    ("00168", "no answer, or answer too late"),
    ("00175", "PIN tries exceeded"),
    ("00176", "holder already blocked"),
    ("00189", "authentication failure"),
    ("00190", "system temporarily stopped"),
    ("00191", "card issuer unreachable"),
    ("00194", "duplicate request"),
    ("00196", "system malfunction"),
    ("00197", "global watch timeout"),
    ("00198", "server unreachable"),
    ("00199", "initiator domain incident"),
];

/// The meaning of a Paybox response code, in words.
pub fn meaning(code: &str) -> &'static str {
    PAYBOX_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, m)| *m)
        .unwrap_or("unknown response code")
}

/// Paybox codes worth sending again later as they are.
const PAYBOX_RETRY: &[&str] = &[
    "00001", "00003", "00097", "00098", "00099", "00119", "00168", "00190", "00191", "00196",
    "00197", "00198",
];

pub fn decision(code: &str) -> Decision {
    if code == "00000" {
        Decision::Accepted
    } else if PAYBOX_RETRY.contains(&code) {
        Decision::Retry
    } else {
        Decision::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_lookup() {
        assert_eq!(op_by_code("3").unwrap().name, "authorize_capture");
        assert_eq!(op_by_name("Refund").unwrap().code, "00014");
        assert_eq!(op_by_name(" Authorize-Capture ").unwrap().code, "00003");
        assert!(op_by_name("authorize_captur").is_none());
        for t in OP_TYPES {
            assert!(std::ptr::eq(op_by_name(&t.name.to_uppercase()).unwrap(), t));
        }
        assert!(op_by_code("00006").is_none());
        assert!(op_by_code("123456").is_none());
    }

    #[test]
    fn answer_codes_in_words_and_decisions() {
        assert_eq!(meaning("00151"), "insufficient funds");
        assert_eq!(decision("00000"), Decision::Accepted);
        assert_eq!(decision("00191"), Decision::Retry);
        assert_eq!(decision("00105"), Decision::Refused);
    }
}
