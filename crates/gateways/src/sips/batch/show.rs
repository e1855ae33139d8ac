//! What of a record's columns may be shown: each as its kind says, a
//! column of no known kind masked as a card number would be, the
//! record's card number hidden wherever another column quotes it.

use std::borrow::Cow;

use paylot_cli::text::{hide_card_values, FieldKind};

use super::columns::Sure::Inferred;
use super::columns::{Column, Function};
use super::tables::head;
use crate::sips::fields::vocabulary;

/// The values of a record's card-number columns (columns 1, 2, … in
/// `cols`): card data wherever the record quotes them again.
pub(super) fn card_values<'a>(f: Option<&Function>, cols: &[&'a str]) -> Vec<&'a str> {
    cols.iter()
        .enumerate()
        .filter(|(i, _)| column_kind(f, i + 1) == Some(FieldKind::CardNumber))
        .map(|(_, v)| *v)
        .collect()
}

/// A record's columns (1, 2, … in `cols`) as the tools may show them
/// (xmlbatch respond's echo, xmlbatch status): each as [`show_column`]
/// says, and the record's card number hidden wherever a column that is
/// not an identifier quotes it again, glued to other digits or not (the
/// amount `40120010371411121050`: the card number and the amount run
/// together). An identifier is never altered.
pub fn show_record(f: Option<&Function>, cols: &[&str]) -> Vec<String> {
    let cards = card_values(f, cols);
    cols.iter()
        .enumerate()
        .map(|(i, v)| {
            let shown = show_column(f, i + 1, v);
            match column_kind(f, i + 1) {
                Some(FieldKind::Identifier | FieldKind::CardNumber) => shown.into_owned(),
                _ => hide_card_values(&shown, &cards).into_owned(),
            }
        })
        .collect()
}

/// What the HEADER's columns after the keyword hold: the remitter's
/// identifier, the date, the time and the file's sequence number (the
/// order `xmlbatch build` writes, by the samples).
const HEADER_KINDS: [FieldKind; 4] = [
    FieldKind::Identifier,
    FieldKind::Text,
    FieldKind::Text,
    FieldKind::Identifier,
];

/// The kind of the column of Order `order` (1, 2, …) of a record of `f`
/// (None: a keyword no table has), when it is known: the kind its
/// published name declares (Sips's vocabulary), a code where a response
/// holds `officeBatchResponseCode`. Orders 1–3 are every function's
/// (recordSequence, merchantId, transactionReference). None
/// for a column past the table, of no published name (`column23`) or of
/// a name nobody declared: what it holds is not known.
pub fn column_kind(f: Option<&Function>, order: usize) -> Option<FieldKind> {
    const HEAD: [Column; 3] = head(false, Inferred, "");
    if f.is_some_and(|f| f.response_code_order == Some(order)) {
        return Some(FieldKind::Figure);
    }
    let columns = f.map_or(&HEAD[..], |f| f.columns);
    let column = columns.get(order.checked_sub(1)?)?;
    vocabulary().known(column.name)
}

/// The value of the column of Order `order` of a record of `f`, as the
/// tools may show it (xmlbatch status, xmlbatch respond's echo): as its
/// kind says when its kind is known, else masked as a card number would
/// be. A column passed through by position may be the request's card
/// number or security code (a function whose layout is not published, a
/// column past the table): only a column known not to hold card data is
/// shown as it is.
pub fn show_column<'a>(f: Option<&Function>, order: usize, value: &'a str) -> Cow<'a, str> {
    column_kind(f, order)
        .unwrap_or(FieldKind::CardNumber)
        .show(value)
}

/// [`show_column`] for the HEADER's column `i` (0: the first after the
/// keyword).
pub fn show_header_column(i: usize, value: &str) -> Cow<'_, str> {
    HEADER_KINDS
        .get(i)
        .copied()
        .unwrap_or(FieldKind::CardNumber)
        .show(value)
}
