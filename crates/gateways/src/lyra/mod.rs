//! Lyra (Systempay, PayZen, Scellius, Sogecommerce): PAY REQ / ANS payment
//! files by deposit.

pub mod codes;
pub mod drop;
pub mod fields;
pub mod file;
pub mod ids;
pub mod names;
pub mod schedule;
pub mod signature;
pub mod test_cards;
