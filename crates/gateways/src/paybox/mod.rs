//! Paybox (E-Transactions, Up2pay): batch files by deposit ("traitement
//! par lot") and the Direct vocabulary their operations use.

/// The highest batch number (a Question's BatchNumber) and question
/// number (NUMQUESTION, Number): 2^31 - 1, the largest signed 32-bit
/// number (../shared/reference/paybox.md §2.2: NUMQUESTION 1…2147483647).
/// Named once, for every check and every message that says the range.
pub const MAX_NUMBER: u64 = i32::MAX as u64;

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
