//! Paybox (E-Transactions, Up2pay): batch files by deposit ("traitement
//! par lot") and the Direct vocabulary their operations use.

/// The highest batch number (and question number): 2^31 - 1.
pub const MAX_BATCH: u64 = 2_147_483_647;

pub mod codes;
pub mod direct;
pub mod drop;
pub mod fields;
pub mod hmac;
pub mod ipn;
pub mod names;
pub mod operation;
pub mod question;
pub mod status;
pub mod test_cards;
pub mod values;
