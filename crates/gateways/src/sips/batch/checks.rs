//! What the platform checks of a record: each value against its
//! column's format and presence, the CSV interface version's columns,
//! and the `officeBatchResponseCode` it gives.

use paylot_cli::text::hide_card_values;

use super::columns::Format::*;
use super::columns::{Column, Function};
use super::envelope::{SAMPLE_VERSION, SEPARATOR};
use super::show::card_values;
use crate::currency;

/// What is wrong with `value` in column `c`, in words (None: nothing the
/// dictionary states). An empty value is judged by presence only.
pub fn value_problem(c: &Column, value: &str) -> Option<String> {
    if value.is_empty() {
        return c
            .required
            .then(|| "missing (the dictionary says Required)".to_string());
    }
    if value
        .bytes()
        .any(|b| b == SEPARATOR || b == b'\r' || b == b'\n')
    {
        // The value is not quoted: it may be card data.
        return Some(
            "the value contains ;, CR or LF (how Office Batch escapes them is not published: it is refused)"
                .to_string(),
        );
    }
    let digits = crate::invalid::all_digits(value);
    match c.format {
        Text => None,
        Digits(max) => (!digits || value.len() > max)
            .then(|| format!("{} is not a number of up to {max} digits", crate::invalid::show(value))),
        Amount => (!digits || value.len() > 12).then(|| {
            format!(
                "{} is not an amount in the smallest currency unit (digits, e.g. 1050 for EUR 10.50)",
                crate::invalid::show(value)
            )
        }),
        Currency => currency::currency_by_numeric(value).is_none().then(|| {
            format!(
                "{} is not a known ISO 4217 numeric currency (e.g. 978)",
                crate::invalid::show(value)
            )
        }),
        Reference => (value.len() > 35 || !value.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| {
                format!(
                    "{} is not a transactionReference (AN35: up to 35 letters and digits)",
                    crate::invalid::show(value)
                )
            }),
        CardNumber => {
            let card = digits && value.len() <= 19;
            let token = value.chars().count() <= 128 && !value.chars().any(char::is_control);
            (!card && !token).then(|| {
                "is not a card number (N19) nor a token (ANS128)".to_string()
            })
        }
        Date => (!crate::calendar::is_yyyymmdd(value))
            .then(|| format!("{} is not a date YYYYMMDD", crate::invalid::show(value))),
    }
}

/// The meaning of an `officeBatchResponseCode` (D-AC, D-RC: the list is
/// cut off after 04).
pub fn office_batch_response_meaning(code: &str) -> &'static str {
    match code {
        "00" => "no error: every field is correct",
        "01" => "merchantId error",
        "03" => "transactionReference error",
        "" => "",
        _ => "not in the published part of the list",
    }
}

/// The columns a file of CSV interface `version` may carry for `f`, or
/// why none can be written: the published columns are those of the v19
/// samples, and which of them earlier versions had is not published.
pub fn columns_for(f: &Function, version: u32) -> Result<&'static [Column], String> {
    if version < SAMPLE_VERSION {
        return Err(format!(
            "which columns CSV interface version {version} had is not published (the samples are v{SAMPLE_VERSION}): declare v{SAMPLE_VERSION} or later"
        ));
    }
    let n = f
        .columns
        .iter()
        .rposition(|c| c.since.is_none_or(|s| s <= version))
        .map_or(0, |i| i + 1);
    Ok(&f.columns[..n])
}

/// Problems of one record of `f` (columns 1, 2, … in `cols`, column 0
/// left out), as (Order, column name, message), in Order. Columns past
/// the published ones are not judged.
///
/// The record's card number is hidden wherever a message quotes it
/// again (an amount with the card number run into it, a lost separator:
/// no digit rule could tell that run from a reference).
pub fn check_record(f: &Function, cols: &[&str]) -> Vec<(usize, &'static str, String)> {
    let cards = card_values(Some(f), cols);
    let mut out = Vec::new();
    for (i, c) in f.columns.iter().enumerate() {
        let v = cols.get(i).copied().unwrap_or("");
        if let Some(m) = value_problem(c, v) {
            out.push((i + 1, c.name, hide_card_values(&m, &cards).into_owned()));
        }
    }
    out
}

/// The `officeBatchResponseCode` the platform gives a record of `f`:
/// `01` for a bad merchantId, `03` for a bad transactionReference, else
/// `00` (the published part of the list; which check comes first is not
/// published: merchantId, Order 2, is taken first).
pub fn office_batch_response_code(f: &Function, cols: &[&str]) -> &'static str {
    let bad = |name: &str| {
        f.column(name).is_some_and(|(order, c)| {
            value_problem(c, cols.get(order - 1).copied().unwrap_or("")).is_some()
        })
    };
    if bad("merchantId") {
        "01"
    } else if bad("transactionReference") {
        "03"
    } else {
        "00"
    }
}
