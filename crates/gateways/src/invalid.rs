//! A value a gateway would refuse, and how a value is quoted in such a
//! message: the ground floor every gateway's rules stand on.

/// A value the gateway would refuse: what is wrong with it and what would
/// be right, in words (card numbers masked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    /// The message, in words.
    pub fn message(&self) -> &str {
        &self.0
    }
}

/// A value quoted for a message: masked and made safe, cut after 40
/// characters.
pub fn show(value: &str) -> String {
    paylot_cli::text::quote_cut(value, 40)
}

/// Whether `s` is one or more ASCII digits.
pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}
