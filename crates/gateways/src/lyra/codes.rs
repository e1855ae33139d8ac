//! Lyra code tables: the line return codes of a PAY ANS (column 19, CB
//! authorisation codes), the additional codes (column 25), and the REQ
//! positions a `30` answer names.

use std::borrow::Cow;

use crate::decision::Decision;

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
pub fn meaning(code: &str) -> &'static str {
    match CB_CODES.iter().find(|(c, _)| *c == code) {
        Some((_, m)) => m,
        None if code.is_empty() => {
            "no return code: not processed yet (the platform processes it later: do not resend it)"
        }
        None => "unknown return code (not in the published tables: do not resend it before asking)",
    }
}

const LYRA_RETRY: &[&str] = &["19", "68", "90", "91", "97", "98"];

/// What a line return code decides. An empty code, or one that is in no
/// published table, is `Unknown`: Lyra's "analyzing the return file"
/// pages say only the lines answered `30` are to be sent again, and that
/// lines the platform could not process yet are processed later and must
/// not be resent
/// (https://paiement.systempay.fr/doc/en-EN/payment-file/oneclick-payment/analyzing-the-return-file-ans.html).
pub fn decision(code: &str) -> Decision {
    if code == "00" {
        Decision::Accepted
    } else if LYRA_RETRY.contains(&code) {
        Decision::Retry
    } else if is_known(code) {
        Decision::Refused
    } else {
        Decision::Unknown
    }
}

/// Whether `code` is a return code of the published tables.
pub fn is_known(code: &str) -> bool {
    CB_CODES.iter().any(|(c, _)| *c == code)
}

/// The meaning of a Lyra additional code (ANS column 25), given the
/// return code it follows (borrowed, as nearly every one is a fixed text).
/// After an empty or unknown return code nothing says what column 25
/// holds (Lyra's own sample answer has a date there): no meaning is
/// given; after `00` or a refusal only a 2-digit value is read as a risk
/// check result (`vads_extra_result`'s codes).
pub fn additional_meaning<'a>(code: &str, additional: &'a str) -> Cow<'a, str> {
    if !is_known(code) {
        return "".into();
    }
    match code {
        "30" => match POSITIONS.iter().find(|(p, _)| *p == additional) {
            Some((_, what)) => format!("bad field at position {additional}: {what}").into(),
            None => format!("bad field at position {additional}").into(),
        },
        "96" => match additional {
            "transaction.exist" => "the transaction id already exists".into(),
            "contratAccepteur.nomatch.cardtype.notaccepted" => {
                "the contract does not accept the token's card type".into()
            }
            "" => "".into(),
            other => other.into(),
        },
        _ => match additional {
            "" => "".into(),
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
            other if other.len() == 2 && crate::invalid::all_digits(other) => {
                format!("risk check {other} (not in the published list)").into()
            }
            _ => "".into(),
        },
    }
}

/// REQ detail-line positions, as named in `30` answers.
pub static POSITIONS: &[(&str, &str)] = &[
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_codes_in_words_and_decisions() {
        assert_eq!(decision("00"), Decision::Accepted);
        assert_eq!(decision("91"), Decision::Retry);
        assert_eq!(decision("51"), Decision::Refused);
        assert_eq!(decision(""), Decision::Unknown);
        assert_eq!(decision("X1"), Decision::Unknown);
        // Lyra's own sample answer: no return code, a date in column 25.
        assert_eq!(additional_meaning("", "20170922"), "");
        assert_eq!(additional_meaning("00", "20170922"), "");
        assert_eq!(additional_meaning("00", "02"), "card velocity exceeded");
        assert_eq!(
            additional_meaning("30", "7"),
            "bad field at position 7: amount"
        );
        assert_eq!(
            additional_meaning("96", "transaction.exist"),
            "the transaction id already exists"
        );
    }
}
