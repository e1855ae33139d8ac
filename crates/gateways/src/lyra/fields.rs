//! What the fields of Lyra hold (their [`FieldKind`]: what may be shown
//! of them): the form's `vads_*` fields, and the columns of the PAY REQ
//! and ANS files by their readable names and by their positions.

use paylot_cli::text::FieldKind::{self, *};

use crate::vocabulary::Vocabulary;

use super::file::ANS_COLUMNS;

/// Lyra's vocabulary: what its fields hold, by their names, and the
/// fields that name the shop; what Lyra's own code judges its fields
/// by (`crate::kinds` joins it with the other gateways').
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
    VOCABULARY.get_or_init(|| Vocabulary::new(FIELDS.iter().copied(), SHOP_FIELDS.iter().copied()))
}

/// The fields that name the shop itself: never altered, not even where
/// they overlap a secret (`Vocabulary::names_the_shop`).
pub const SHOP_FIELDS: &[&str] = &["vads_site_id"];

/// The form's fields and the readable names of the files' columns.
pub const FIELDS: &[(&str, FieldKind)] = &[
    ("vads_site_id", Identifier),
    ("vads_trans_id", Identifier),
    ("vads_trans_uuid", Identifier),
    ("vads_order_id", Identifier),
    ("vads_cust_id", Identifier),
    ("vads_identifier", Identifier),
    ("vads_subscription", Identifier),
    ("vads_auth_number", Identifier),
    ("vads_amount", Figure),
    ("vads_currency", Figure),
    ("vads_trans_date", Figure),
    ("vads_capture_delay", Figure),
    ("vads_expiry_month", Figure),
    ("vads_expiry_year", Figure),
    ("vads_card_number", CardNumber),
    ("vads_cvv", SecurityCode),
    ("signature", Seal),
    // The REQ and ANS columns, as xmlbatch names them.
    ("sequence", Identifier),
    ("transaction_id", Identifier),
    ("trans_id", Identifier),
    ("token", Identifier),
    ("identifier", Identifier),
    ("contract", Identifier),
    ("reference", Identifier),
    ("order_id", Identifier),
    ("capture_date", Figure),
    ("validation_mode", Figure),
];

/// What each column of an ANS detail line holds, by position: the REQ's
/// columns echoed (the sequence number, the transaction id, the token,
/// the contract and the order reference are identifiers), then the
/// answer's (authorisation number, payment id).
pub const ANS_KINDS: [FieldKind; ANS_COLUMNS] = [
    Figure,     // 1 record code
    Identifier, // 2 sequence number
    Figure,     // 3 transaction date
    Figure,     // 4 transaction time
    Identifier, // 5 transaction id
    Text,       // 6 transaction type
    Figure,     // 7 amount
    Figure,     // 8 currency
    Figure,     // 9 effective amount
    Figure,     // 10 effective currency
    Figure,     // 11 capture date
    Figure,     // 12 validation mode
    Identifier, // 13 token
    Identifier, // 14 contract
    Identifier, // 15 order reference
    Identifier, // 16 authorisation number
    Text,       // 17 card brand
    Text,       // 18
    Figure,     // 19 return code
    Text,       // 20 status
    Identifier, // 21 payment id
    Figure,     // 22 date
    Figure,     // 23 time
    Text,       // 24
    Text,       // 25 additional code
];
