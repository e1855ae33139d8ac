//! The Paybox Question file (`PayboxBatch`): written one question at a
//! time, read streaming. The layout keeps the batch number, date, site and
//! rank outside the `Merchant` element's content, so that they stay
//! readable when that content is encrypted.
//!
//! A job a file: `write` writes a Question file; `header` reads the
//! routing data (the root and `Merchant`'s attributes); `sealed` reads
//! a Question as the gateway receives it, its content encrypted or not;
//! `read` reads the questions of a plain one.

mod header;
mod read;
mod sealed;
#[cfg(test)]
mod tests;
mod write;

pub use header::{encrypted_merchant, read_header, Header};
pub use read::{read_questions, QuestionItem, RawQuestion};
pub use sealed::{read_sealed, Sealing};
pub use write::{card_brand, QuestionWriter, QUESTION_NS};
