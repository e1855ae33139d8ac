//! Sips Office Batch, CSV flavour (Sips 2.0: Sogenactif, Mercanet,
//! Sherlock's): the file envelope, the columns of each function, the
//! record and envelope checks, `officeBatchResponseCode`.
//!
//! Only part of the format is public (../shared/reference/office-batch.md
//! gathers it, release 24.x pages): every column carries where it comes
//! from and how sure it is ([`Sure`]), so that a real file from Worldline
//! can correct the tables. The sources, by their ids in that reference:
//!
//! - G-CSV, https://docs.sips.worldline-solutions.com/en/WLSIPS.335-UG-Sips-Office-Batch-CSV.html (flow);
//! - D-CO, D-WO, D-WC, D-AC, D-RC, D-CA, D-VA, D-RF, D-DU: the data
//!   dictionary's pages `…/data-dictionary/sob/<function>.html` on
//!   documentation.sogenactif.com, docs.sips.worldline-solutions.com,
//!   documentation.mercanet.bnpparibas.net, sherlocks-documentation.secure.lcl.fr
//!   (Orders, presence, request samples);
//! - FMT, https://documentation.sogenactif.com/en/data-dictionary/formats.html .
//!
//! The rule of the records (inferred, strong): column 0 is the function's
//! keyword, column n the dictionary's Order n; a container such as
//! `s10TransactionReference` takes one column per element.
//!
//! Not published, so not done here: the file names (the ZIP archive
//! `OFBREQ…` is cut off in every copy), the line terminator, the
//! encoding (UTF-8 by the XML flavour), how a `;` inside a value is
//! escaped (a value holding one is refused), the response record's
//! layout beyond `officeBatchResponseCode` for acceptChallenge and
//! refuseChallenge, where `responseCode` stands in a response record,
//! the columns of credit and directDebitOrder, the optional columns of
//! cancel, validate, refund and duplicate, and the file-level rejections.
//!
//! A job a file: `envelope` the file's lines (FILE, HEADER, records,
//! END) and how they are read and written; `columns` what a column and
//! a function are; `tables` each function's columns, with their sources;
//! `checks` a record's values and its `officeBatchResponseCode`; `show`
//! what of a column may be shown, by its kind.

mod checks;
mod columns;
mod envelope;
mod show;
mod tables;
#[cfg(test)]
mod tests;

pub use checks::{
    check_record, columns_for, office_batch_response_code, office_batch_response_meaning,
    value_problem,
};
pub use columns::{Column, Format, Function, Sure};
pub use envelope::{
    classify, header_date_time, parse_file_line, reader, response_name, writer, Line,
    REQUEST_START, RESPONSE_START, SAMPLE_VERSION, SEPARATOR,
};
pub use show::{column_kind, show_column, show_header_column, show_record};
pub use tables::{function, FUNCTIONS};
