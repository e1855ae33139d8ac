//! Code tables: Paybox operation types, ISO 4217 currencies, Paybox
//! response codes, Lyra return codes, and the sandbox's test cards.

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
    let norm = name.trim().to_ascii_lowercase().replace('-', "_");
    OP_TYPES.iter().find(|t| t.name == norm)
}

/// An ISO 4217 currency.
#[derive(Debug, PartialEq, Eq)]
pub struct Currency {
    pub alpha: &'static str,
    pub numeric: &'static str,
    /// Digits after the decimal point (EUR 2, JPY 0, KWD 3).
    pub exponent: u32,
}

const fn cur(alpha: &'static str, numeric: &'static str, exponent: u32) -> Currency {
    Currency {
        alpha,
        numeric,
        exponent,
    }
}

/// The currencies xmlbatch knows (those a French merchant meets).
pub static CURRENCIES: &[Currency] = &[
    cur("AED", "784", 2),
    cur("AUD", "036", 2),
    cur("BGN", "975", 2),
    cur("BHD", "048", 3),
    cur("BRL", "986", 2),
    cur("CAD", "124", 2),
    cur("CHF", "756", 2),
    cur("CLP", "152", 0),
    cur("CNY", "156", 2),
    cur("CZK", "203", 2),
    cur("DKK", "208", 2),
    cur("DZD", "012", 2),
    cur("EUR", "978", 2),
    cur("GBP", "826", 2),
    cur("HKD", "344", 2),
    cur("HUF", "348", 2),
    cur("IDR", "360", 2),
    cur("ILS", "376", 2),
    cur("INR", "356", 2),
    cur("IQD", "368", 3),
    cur("ISK", "352", 0),
    cur("JOD", "400", 3),
    cur("JPY", "392", 0),
    cur("KRW", "410", 0),
    cur("KWD", "414", 3),
    cur("LYD", "434", 3),
    cur("MAD", "504", 2),
    cur("MGA", "969", 2),
    cur("MUR", "480", 2),
    cur("MXN", "484", 2),
    cur("NOK", "578", 2),
    cur("NZD", "554", 2),
    cur("OMR", "512", 3),
    cur("PLN", "985", 2),
    cur("QAR", "634", 2),
    cur("RON", "946", 2),
    cur("SAR", "682", 2),
    cur("SEK", "752", 2),
    cur("SGD", "702", 2),
    cur("THB", "764", 2),
    cur("TND", "788", 3),
    cur("TRY", "949", 2),
    cur("TWD", "901", 2),
    cur("UAH", "980", 2),
    cur("USD", "840", 2),
    cur("VND", "704", 0),
    cur("XAF", "950", 0),
    cur("XOF", "952", 0),
    cur("XPF", "953", 0),
    cur("ZAR", "710", 2),
];

pub fn currency_by_numeric(code: &str) -> Option<&'static Currency> {
    CURRENCIES.iter().find(|c| c.numeric == code)
}

pub fn currency_by_alpha(code: &str) -> Option<&'static Currency> {
    CURRENCIES
        .iter()
        .find(|c| c.alpha.eq_ignore_ascii_case(code))
}

/// How an answer ended, for the summary and the `outcome` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Refused,
    Retry,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Refused => "refused",
            Outcome::Retry => "retry",
        }
    }
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
pub fn paybox_meaning(code: &str) -> &'static str {
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

pub fn paybox_outcome(code: &str) -> Outcome {
    if code == "00000" {
        Outcome::Accepted
    } else if PAYBOX_RETRY.contains(&code) {
        Outcome::Retry
    } else {
        Outcome::Refused
    }
}

/// CB authorisation codes, as Lyra writes them in column 19 for refusals.
pub static CB_CODES: &[(&str, &str)] = &[
    ("00", "accepted"),
    ("02", "contact the card issuer"),
    ("03", "invalid acceptor"),
    ("04", "keep the card"),
    ("05", "do not honour"),
    ("07", "keep the card, special conditions"),
    ("08", "confirm after identification"),
    ("12", "incorrect transaction code"),
    ("13", "invalid amount"),
    ("14", "invalid card holder number"),
    ("15", "unknown issuer"),
    ("17", "cancelled by the buyer"),
    ("19", "retry later"),
    ("20", "incorrect response"),
    ("24", "unsupported file update"),
    ("25", "cannot locate record"),
    ("26", "duplicate, previous replaced"),
    ("27", "file update edit error"),
    ("28", "denied access to file"),
    ("29", "unable to update"),
    ("30", "request error"),
    ("31", "unknown acquirer"),
    ("33", "expired card"),
    ("34", "suspected fraud"),
    ("41", "lost card"),
    ("43", "stolen card"),
    ("51", "insufficient funds or credit limit exceeded"),
    ("54", "expired card"),
    ("55", "wrong PIN"),
    ("56", "card not in file"),
    ("57", "not allowed for this card holder"),
    ("58", "not allowed at this terminal"),
    ("59", "suspected fraud"),
    ("60", "acceptor must contact the acquirer"),
    ("61", "withdrawal limit exceeded"),
    ("63", "security rules unfulfilled"),
    ("65", "too many withdrawals"),
    ("68", "no or late response"),
    ("75", "too many PIN attempts"),
    ("76", "card holder already blocked"),
    ("78", "blocked, first transaction not unblocked"),
    ("80", "contactless not accepted"),
    ("81", "unsecured payment not accepted (soft decline)"),
    ("82", "CVV incorrect"),
    ("83", "revocation of all recurring payments"),
    ("84", "revocation for this merchant"),
    ("86", "issuer data verification failure"),
    ("88", "misuse of the TRA exemption"),
    ("90", "temporary shutdown"),
    ("91", "card issuer unreachable"),
    ("96", "business or technical error"),
    ("97", "timeout"),
    ("98", "server unavailable"),
    ("99", "initiator domain incident"),
];

/// The meaning of a Lyra line return code (ANS column 19).
pub fn lyra_meaning(code: &str) -> &'static str {
    CB_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, m)| *m)
        .unwrap_or("unknown return code")
}

const LYRA_RETRY: &[&str] = &["19", "68", "90", "91", "97", "98"];

pub fn lyra_outcome(code: &str) -> Outcome {
    if code == "00" {
        Outcome::Accepted
    } else if LYRA_RETRY.contains(&code) {
        Outcome::Retry
    } else {
        Outcome::Refused
    }
}

/// The meaning of a Lyra additional code (ANS column 25), given the
/// return code it follows.
pub fn lyra_additional_meaning(code: &str, additional: &str) -> String {
    match code {
        "30" => match LYRA_POSITIONS.iter().find(|(p, _)| *p == additional) {
            Some((_, what)) => format!("bad field at position {additional}: {what}"),
            None => format!("bad field at position {additional}"),
        },
        "96" => match additional {
            "transaction.exist" => "the transaction id already exists".into(),
            "contratAccepteur.nomatch.cardtype.notaccepted" => {
                "the contract does not accept the token's card type".into()
            }
            "" => String::new(),
            other => other.to_string(),
        },
        _ => match additional {
            "" => String::new(),
            "00" => "all risk checks passed".into(),
            "02" => "card velocity exceeded".into(),
            "03" => "card on the merchant's greylist".into(),
            "04" => "card's country on greylist".into(),
            "05" => "IP address on greylist".into(),
            "06" => "BIN on greylist".into(),
            "07" => "e-carte bleue detected".into(),
            "08" => "national commercial card".into(),
            "09" => "foreign commercial card".into(),
            "14" => "card requiring systematic authorisation".into(),
            "20" => "countries do not match".into(),
            "30" => "IP country on greylist".into(),
            "99" => "technical problem during a risk check".into(),
            other => format!("risk check {other}"),
        },
    }
}

/// REQ detail-line positions, as named in `30` answers.
pub static LYRA_POSITIONS: &[(&str, &str)] = &[
    ("1", "record code (expected 02)"),
    ("2", "sequence number"),
    ("3", "transaction date"),
    ("4", "transaction time"),
    ("5", "transaction id"),
    ("6", "transaction type (expected CD)"),
    ("7", "amount"),
    ("8", "currency"),
    ("9", "capture date"),
    ("10", "validation mode"),
    ("11", "token"),
    ("12", "contract"),
    ("13", "order reference"),
    ("14", "order info 1"),
    ("15", "order info 2"),
    ("16", "order info 3"),
];

/// The prefix of the sandbox's test cards: `111122223333` + a 3-digit code
/// + a Luhn check digit. A code naming a known Paybox refusal forces it.
pub const TEST_CARD_PREFIX: &str = "111122223333";

/// The Paybox published test card, accepted.
pub const PAYBOX_TEST_CARD: &str = "1111222233334444";

/// The response code a sandbox test card forces, if any.
pub fn forced_code(pan: &str) -> Option<&'static str> {
    let rest = pan.strip_prefix(TEST_CARD_PREFIX)?;
    if rest.len() != 4 {
        return None;
    }
    let code = format!("00{}", &rest[..3]);
    PAYBOX_CODES
        .iter()
        .find(|(c, _)| *c == code && *c != "00000" && *c != "00100")
        .map(|(c, _)| *c)
}

/// The test card number that forces `code` (e.g. `00151`).
pub fn test_card_for(code: &str) -> String {
    let body = format!("{TEST_CARD_PREFIX}{}", &code[2..]);
    let check = paylot_cli::card::luhn_check_digit(&body);
    format!("{body}{check}")
}

/// Lyra sandbox tokens that force a refusal: `TEST-REFUSE-<code>` forces
/// the CB code (e.g. `TEST-REFUSE-51`).
pub fn lyra_forced_code(token: &str) -> Option<&'static str> {
    let code = token.strip_prefix("TEST-REFUSE-")?;
    CB_CODES
        .iter()
        .find(|(c, _)| *c == code && *c != "00" && *c != "30" && *c != "96")
        .map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_are_luhn_valid_and_force_their_code() {
        for code in ["00151", "00154", "00159", "00191", "00105", "00001"] {
            let card = test_card_for(code);
            assert!(crate::fields::luhn_valid(&card), "{card}");
            assert_eq!(forced_code(&card), Some(code));
        }
        assert!(crate::fields::luhn_valid(PAYBOX_TEST_CARD));
        assert_eq!(forced_code(PAYBOX_TEST_CARD), None);
    }

    #[test]
    fn op_lookup() {
        assert_eq!(op_by_code("3").unwrap().name, "authorize_capture");
        assert_eq!(op_by_name("Refund").unwrap().code, "00014");
        assert!(op_by_code("00006").is_none());
        assert!(op_by_code("123456").is_none());
    }

    #[test]
    fn currencies() {
        assert_eq!(currency_by_alpha("eur").unwrap().numeric, "978");
        assert_eq!(currency_by_numeric("392").unwrap().exponent, 0);
        let mut seen = std::collections::HashSet::new();
        for c in CURRENCIES {
            assert!(seen.insert(c.numeric), "{}", c.numeric);
        }
    }
}
