//! Card numbers and security codes are secrets too: anything printed for
//! a person masks them (first 6 and last 4 digits kept) unless asked not to.

/// Field names that hold a card number whatever the value looks like.
const PAN_FIELDS: [&str; 6] = [
    "cardnumber",
    "porteur",
    "pan",
    "vads_card_number",
    "pbx_porteur_pan",
    "cardno",
];
/// Field names that hold a card security code.
const CVV_FIELDS: [&str; 5] = ["cardcscvalue", "cvv", "vads_cvv", "pbx_cvv", "csc"];

pub use paylot_cli::card::{luhn_valid, mask_pan};

fn last_name_part(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    last.to_ascii_lowercase()
}

/// A field's value as it may be shown to a person.
pub fn mask_field(path: &str, value: &str) -> String {
    let name = last_name_part(path);
    if CVV_FIELDS.contains(&name.as_str()) && !value.is_empty() {
        return "*".repeat(value.len());
    }
    if PAN_FIELDS.contains(&name.as_str())
        && value.len() >= 12
        && value.bytes().all(|b| b.is_ascii_digit())
    {
        return mask_pan(value);
    }
    mask_text(value)
}

/// Mask every run of 13 to 19 digits that passes the Luhn check.
pub fn mask_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let run = &text[start..i];
            if (13..=19).contains(&run.len()) && luhn_valid(run) {
                out.push_str(&mask_pan(run));
            } else {
                out.push_str(run);
            }
        } else {
            let ch = text[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_card_numbers_and_codes() {
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4111111111111112"));
        assert_eq!(
            mask_text("pan 4111111111111111 end"),
            "pan 411111******1111 end"
        );
        assert_eq!(mask_text("order 20161130102008"), "order 20161130102008");
        assert_eq!(
            mask_field("cardNumber", "1234123412341234"),
            "123412******1234"
        );
        assert_eq!(mask_field("cardCSCValue", "000"), "***");
        assert_eq!(
            mask_field("x.PORTEUR", "1111222233334444"),
            "111122******4444"
        );
    }
}
