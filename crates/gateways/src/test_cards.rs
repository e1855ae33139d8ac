//! What the sandboxes of every gateway agree on for their test cards,
//! so that no gateway borrows it from another: `111122223333`, then a
//! code, then a Luhn check digit, forces the answer that code names (the
//! codes and their length are each gateway's: `paybox::test_cards`,
//! `sips::office`).

/// The prefix of the sandboxes' test cards.
pub const TEST_CARD_PREFIX: &str = "111122223333";
