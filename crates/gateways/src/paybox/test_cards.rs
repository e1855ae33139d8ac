//! The sandbox's Paybox test cards: the gateway's published test card is
//! accepted; `111122223333CCCx` (CCC a code, x the Luhn digit) forces
//! the answer code `00CCC`.

use super::codes::PAYBOX_CODES;

/// The prefix of the sandbox's test cards: `111122223333` + a 3-digit code
/// + a Luhn check digit. A code naming a known Paybox refusal forces it.
pub use crate::test_cards::TEST_CARD_PREFIX;

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

/// The Visa test card nexylan/paybox-direct's live tests use
/// (`getCreditCardSerial`), a card from the United States.
pub const VISA_TEST_CARD: &str = "4012001037141112";

/// The country the platform gives for a card (PAYS, ISO 3166 alpha-3:
/// nexylan's live tests expect `USA` for its Visa test card; the
/// sandbox's other cards are French).
pub fn country(pan: &str) -> &'static str {
    if pan == VISA_TEST_CARD {
        "USA"
    } else {
        "FRA"
    }
}

/// TYPECARTE, when asked: what nexylan's live tests record the
/// pre-production platform answering (`getExpectedCardType`).
pub fn card_type(pan: &str) -> &'static str {
    if pan.is_empty() {
        ""
    } else {
        "cb2a5.2"
    }
}

/// SHA-1, when asked: the card number's SHA-1 in uppercase hex (nexylan's
/// `getExpectedSha1` for its Visa test card is exactly that).
pub fn card_hash(pan: &str) -> String {
    use sha1::Digest;
    if pan.is_empty() {
        return String::new();
    }
    hex::encode_upper(sha1::Sha1::digest(pan.as_bytes()))
}

/// The test card number that forces `code` (e.g. `00151`).
pub fn test_card_for(code: &str) -> String {
    let body = format!("{TEST_CARD_PREFIX}{}", &code[2..]);
    let check = paylot_cli::card::luhn_check_digit(&body);
    format!("{body}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_are_luhn_valid_and_force_their_code() {
        for code in ["00151", "00154", "00159", "00191", "00105", "00001"] {
            let card = test_card_for(code);
            assert!(paylot_cli::card::luhn_valid(&card), "{card}");
            assert_eq!(forced_code(&card), Some(code));
        }
        assert!(paylot_cli::card::luhn_valid(PAYBOX_TEST_CARD));
        assert_eq!(forced_code(PAYBOX_TEST_CARD), None);
        assert_eq!(
            card_hash(VISA_TEST_CARD),
            "678AEDDA00FA890C9056626FFB5699C57BC602B0"
        );
    }
}
