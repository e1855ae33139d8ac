//! The sandbox's Paybox test cards: the gateway's published test card is
//! accepted; `111122223333CCCx` (CCC a code, x the Luhn digit) forces
//! the answer code `00CCC`.

use super::codes::PAYBOX_CODES;

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
    }
}
