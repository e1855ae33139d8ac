//! Card numbers are secrets: every message a tool prints masks them the
//! same way (first 6 and last 4 kept), and every tool checks them with
//! the same Luhn test.

/// Whether `digits` (ASCII digits only) passes the Luhn check.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
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
    sum % 10 == 0
}

/// A card number (or token) as it may be shown: first 6 and last 4
/// characters kept, the rest starred; values shorter than 12 characters
/// are starred completely (6 + 4 would show most of them).
pub fn mask_pan(value: &str) -> String {
    let n = value.chars().count();
    if n < 12 {
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
    }

    #[test]
    fn masking_keeps_first_six_and_last_four() {
        assert_eq!(mask_pan("1111222233334444"), "111122******4444");
        assert_eq!(mask_pan("12345678901"), "***********");
        assert_eq!(mask_pan("TOKEN-ÉÉÉÉ-123456"), "TOKEN-*******3456");
    }
}
