//! Card numbers are secrets: every tool checks them with the same Luhn
//! test and masks them the same way (first 6 and last 4 digits kept).
//! Which fields hold them is a gateway rule (`gateways::kinds`).

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
