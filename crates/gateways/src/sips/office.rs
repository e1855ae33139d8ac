//! Sips Office Server JSON (server to server): what a response's
//! `responseCode` means and what the gateway prescribes, the test shop,
//! and what the platform answers to a request it cannot read.
//!
//! Source: the Sogenactif Office Server JSON guide, release 24.3
//! (../shared/reference/sips.md §6b).

/// The Sogenactif test shop's (recette, merchant 201040040170001,
/// published by the gateway) key version.
pub const TEST_KEY_VERSION: &str = "1";
/// Its secret key, published by the gateway for its test platform.
pub const TEST_SECRET_KEY: &str = "rxSP61eeP_oNi5TxCD7Ngy9YcwC8MLw6OlmFGGcsY54";

/// The field that names the key a request was sealed with.
pub const KEY_VERSION_FIELD: &str = "keyVersion";
/// The response's code.
pub const RESPONSE_CODE_FIELD: &str = "responseCode";

/// The service paths of the Office Server functions the sandbox answers
/// (appended to the platform's base URL).
pub const SERVICE_PREFIX: &str = "/rs-services/v2/";

/// A message's field as text: a string as it is, a number as written,
/// nothing for anything else.
pub fn text(message: &serde_json::Map<String, serde_json::Value>, field: &str) -> String {
    match message.get(field) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

pub use super::codes::{reading, Reading};

/// What the gateway's documentation says of a response whose seal does
/// not match.
pub const UNKNOWN_STATE: &str = "the transaction's state is unknown: leave it as it is, contact the gateway's support, and never run it again automatically";

/// Whether a body is the platform's HTML "415 Unsupported Media Type"
/// page (its answer to a request sent without `Content-Type:
/// application/json`).
pub fn is_unsupported_media_type_page(body: &[u8]) -> bool {
    let head = &body[..body.len().min(4096)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let html = text.trim_start().starts_with('<');
    html && text.contains("415") && text.contains("unsupported media type")
}

/// The page the sandbox answers without the JSON content type.
pub const UNSUPPORTED_MEDIA_TYPE_PAGE: &str = "<!doctype html>\n<html><head><title>415 Unsupported Media Type</title></head>\n<body><h1>Unsupported Media Type</h1><p>The request must be sent with Content-Type: application/json.</p></body></html>\n";

/// The sandbox's test cards: `111122223333` + `0NN` + a Luhn digit forces
/// responseCode NN; any other valid card is accepted (00).
pub fn forced_code(card: &str) -> Option<String> {
    let rest = card.strip_prefix(crate::test_cards::TEST_CARD_PREFIX)?;
    let digits = rest.as_bytes();
    (digits.len() == 4 && digits[0] == b'0' && digits.iter().all(u8::is_ascii_digit))
        .then(|| rest[1..3].to_string())
        .filter(|c| c != "00")
}

/// The test card number that forces responseCode `code` (2 digits).
pub fn test_card_for(code: &str) -> String {
    let body = format!("{}0{code}", crate::test_cards::TEST_CARD_PREFIX);
    let check = paylot_cli::card::luhn_check_digit(&body);
    format!("{body}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_415_page_is_recognised() {
        assert!(is_unsupported_media_type_page(
            UNSUPPORTED_MEDIA_TYPE_PAGE.as_bytes()
        ));
        assert!(!is_unsupported_media_type_page(
            b"{\"responseCode\":\"00\"}"
        ));
    }

    #[test]
    fn test_cards_force_their_code() {
        for code in ["05", "34", "51", "75", "90"] {
            let card = test_card_for(code);
            assert!(paylot_cli::card::luhn_valid(&card), "{card}");
            assert_eq!(forced_code(&card).as_deref(), Some(code));
        }
        assert_eq!(forced_code("1111222233334444"), None);
    }
}
