//! Card numbers and security codes are secrets: every tool checks card
//! numbers with the same Luhn test, recognises the same card and
//! security-code fields of every gateway, and masks them the same way
//! (first 6 and last 4 digits kept, security codes blanked).

/// The shortest and longest card numbers (ISO/IEC 7812).
pub const MIN_PAN_DIGITS: usize = 12;
pub const MAX_PAN_DIGITS: usize = 19;

/// Whether `digits` (ASCII digits only) passes the Luhn check.
pub fn luhn_valid(digits: &str) -> bool {
    luhn_valid_bytes(digits.as_bytes())
}

/// [`luhn_valid`] on bytes.
pub fn luhn_valid_bytes(digits: &[u8]) -> bool {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (true, twice) if twice > 9 => twice - 9,
                (true, twice) => twice,
                (false, _) => d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The digit that makes `body` followed by it pass the Luhn check.
pub fn luhn_check_digit(body: &str) -> char {
    let mut candidate = body.as_bytes().to_vec();
    candidate.push(b'0');
    for d in b'0'..=b'9' {
        *candidate.last_mut().expect("pushed") = d;
        if luhn_valid_bytes(&candidate) {
            return char::from(d);
        }
    }
    '0'
}

/// A card number (or token) as it may be shown: first 6 and last 4
/// characters kept, the rest starred; values shorter than 12 characters
/// are starred completely (6 + 4 would show most of them).
pub fn mask_pan(value: &str) -> String {
    let n = value.chars().count();
    if n < MIN_PAN_DIGITS {
        return "*".repeat(n);
    }
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i < 6 || i >= n - 4 { c } else { '*' })
        .collect()
}

/// Field names that hold a card number, in every gateway's vocabulary
/// (compared without regard to case).
const PAN_FIELDS: [&str; 7] = [
    "cardnumber",
    "porteur",
    "pan",
    "vads_card_number",
    "pbx_porteur_pan",
    "cardno",
    "card_number",
];

/// What the name of a field that holds a card security code (CVV, CVC,
/// CSC, "cryptogramme visuel") contains, once lower-cased and stripped of
/// `_` and `-`, in every gateway's vocabulary: Paybox `CVV`, Sips
/// `cardCSCValue` and `cardSecurityCode`, Lyra `vads_card_cvv` and
/// `securityCode`, and the spellings of CSV exports (`card_cvv`,
/// `cvvCode`, `cardCSC`). A name that also says `result` is the answer
/// to a check (`cardCSCResultCode`), not a code.
const CVV_NAME_PARTS: [&str; 7] = [
    "cvv",
    "cvc",
    "cardcsc",
    "securitycode",
    "cryptogram",
    "cvx",
    "cvn",
];

/// The last part of a field path (`customerContact.cardNumber`,
/// `cards[1].cvv`), lower-cased.
fn last_name_part(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    last.to_ascii_lowercase()
}

/// Whether a field of this name holds a card number.
pub fn is_pan_field(path: &str) -> bool {
    PAN_FIELDS.contains(&last_name_part(path).as_str())
}

/// Whether a field of this name holds a password: Paybox Direct's `CLE`
/// (the shop's Direct password, sent with every request that has no
/// HMAC), or any field named for a password.
pub fn is_password_field(path: &str) -> bool {
    let name = last_name_part(path);
    name == "cle" || name.contains("password") || name.contains("passwd")
}

/// Whether a field of this name holds a card security code.
pub fn is_cvv_field(path: &str) -> bool {
    let name: String = last_name_part(path)
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .collect();
    !name.contains("result")
        && (name == "csc"
            || name.ends_with("csc")
            || CVV_NAME_PARTS.iter().any(|p| name.contains(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("1111222233334444"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("4111 1111"));
        assert_eq!(luhn_check_digit("111122223333444"), '4');
    }

    #[test]
    fn masking_keeps_first_six_and_last_four() {
        assert_eq!(mask_pan("1111222233334444"), "111122******4444");
        assert_eq!(mask_pan("12345678901"), "***********");
        assert_eq!(mask_pan("TOKEN-ÉÉÉÉ-123456"), "TOKEN-*******3456");
    }
}
