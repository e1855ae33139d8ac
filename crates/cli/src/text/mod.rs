//! Text that came from outside (field values, file names, XML snippets,
//! gateway answers, a helper's stderr) on its way to a person.
//!
//! [`safe`] is the one function every such piece of text goes through
//! before it reaches a message or a human-readable line: card numbers are
//! masked and security codes blanked ([`mask`]), and control characters
//! are shown escaped, never sent ([`sanitize`]), so that a hostile value
//! can neither leak a card nor drive the terminal. The tools' message
//! printers ([`crate::error`]) apply it to every line they print, so a
//! value quoted anywhere in a message is covered.
//!
//! Where a value's field is known, its [`FieldKind`] decides instead
//! ([`FieldKind::mask`]): the kinds are a gateway rule, declared with
//! each gateway's fields (crates/gateways) and passed in by the caller;
//! this module knows no gateway. The names after which free text holds
//! card data are given once by the tool ([`use_card_field_names`]).
//!
//! One job a module, each item re-exported here: `mask` (card data in
//! free text: what is read as a digit, a run, a card number, a name),
//! `kinds` (a value whose field is known), `sanitize` (control
//! characters; `safe`, mask then sanitize), `quote` (a value quoted or
//! cut for a message). They import one another one way: kinds, quote
//! and sanitize use mask; mask uses none of them.

mod kinds;
mod mask;
mod quote;
mod sanitize;

pub use kinds::{use_card_field_names, FieldKind, FIGURE_DIGITS, SEAL_CHARS};
pub use mask::{hide_card_values, mask, mask_joined, shown_as_is};
pub use quote::{excerpt, quote, quote_cut, quote_input, quote_unresolved};
pub use sanitize::{acts_on_terminal, safe, sanitize};
