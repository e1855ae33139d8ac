//! The CSV a merchant exports (header row, any delimiter, UTF-8 or a
//! single-byte Windows encoding), read row by row for `build`; its header
//! is read against the names a format accepts in [`columns`].

use std::borrow::Cow;
use std::io::BufRead;

use paylot_cli::{Error, Input, Result};

use crate::usage::build as usage;

mod columns;

pub use columns::{show_column, ColumnArgs, Mapping, Vocabulary};

/// The `--delimiter` option: one ASCII character, or `tab`.
pub fn delimiter(d: &str) -> Result<u8> {
    match d {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if d.len() == 1 => Ok(d.as_bytes()[0]),
        _ => Err(usage(format!(
            "--delimiter {}: expected one ASCII character such as ; or , (or tab)",
            gateways::show(d)
        ))),
    }
}

/// The `--encoding` option: None for UTF-8 (checked strictly).
pub fn encoding(label: &str) -> Result<Option<&'static encoding_rs::Encoding>> {
    match encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
        Some(e) if e == encoding_rs::UTF_8 => Ok(None),
        Some(e) if e.is_single_byte() => Ok(Some(e)),
        _ => Err(usage(format!(
            "--encoding {}: expected utf-8, windows-1252 (latin1) or iso-8859-15",
            gateways::show(label)
        ))),
    }
}

/// The longest row of an operations CSV, in bytes: a row is a few
/// hundred bytes (the longest field, a reference, is 250 characters); a
/// longer one is refused before it is held whole (docs/xmlbatch.md).
pub const MAX_ROW: u64 = paylot_cli::limits::CSV_ROW;

/// The CSV reader, its rows bounded to [`MAX_ROW`] and said at the line
/// where they start (paylot_cli's one CSV reader).
pub struct CsvReader {
    rdr: paylot_cli::csv::Lines<Box<dyn std::io::BufRead + Send + Sync>>,
}

/// The CSV reader and its header, with the BOM stripped.
pub fn open_csv(
    input: Input,
    delim: u8,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<(String, CsvReader, Vec<String>)> {
    let name = input.name().to_string();
    let mut reader = input.into_reader();
    // UTF-16 is told by its first bytes, before the CSV reader makes
    // nonsense columns of it.
    let head = reader
        .fill_buf()
        .map_err(|e| Error::reading(paylot_cli::input::quote(&name), e))?;
    if let Some(found) = paylot_cli::encoding::foreign(head) {
        return Err(Error::trouble(
            found.message(&paylot_cli::input::quote(&name)),
        ));
    }
    // The header is the first record, read as every other one (bounded,
    // its line counted); it sets the number of fields every row must have.
    let mut rdr = paylot_cli::csv::Lines::with_noun(
        csv::ReaderBuilder::new()
            .delimiter(delim)
            .has_headers(false)
            .flexible(false),
        reader,
        MAX_ROW,
        "row",
    );
    let mut headers = csv::ByteRecord::new();
    rdr.read_byte_record(&mut headers)
        .map_err(|e| rdr.error(&name, e))?;
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(Error::trouble(format!(
            "{}: empty input (expected a CSV with a header row)",
            paylot_cli::input::quote(&name)
        )));
    }
    let mut names = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let mut s = match encoding {
            Some(e) => e.decode_without_bom_handling(h).0.trim().to_string(),
            None => match std::str::from_utf8(h) {
                Ok(t) => t.trim().to_string(),
                Err(e) => {
                    return Err(Error::trouble(format!(
                        "{name}:1: the header: {}",
                        paylot_cli::encoding::not_utf8(h[e.valid_up_to()], Some(ENCODING_FIX))
                    )))
                }
            },
        };
        if i == 0 {
            s = s.trim_start_matches('\u{feff}').to_string();
        }
        names.push(s);
    }
    Ok((name, CsvReader { rdr }, names))
}

/// The fix xmlbatch offers for a single-byte export.
const ENCODING_FIX: &str = "give --encoding windows-1252";

/// Decode a row's fields as trimmed text. A field that is not UTF-8 (and
/// no `--encoding` given) is trouble for the whole file, said once: the
/// file is in another encoding, and every row of it would say the same.
pub fn decode<'a>(
    rec: &'a csv::ByteRecord,
    names: &[String],
    encoding: Option<&'static encoding_rs::Encoding>,
    name: &str,
) -> Result<Vec<Cow<'a, str>>> {
    let mut vals = Vec::with_capacity(rec.len());
    for (i, f) in rec.iter().enumerate() {
        if let Some(enc) = encoding {
            vals.push(match enc.decode_without_bom_handling(f).0 {
                Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
                Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
            });
            continue;
        }
        match std::str::from_utf8(f) {
            Ok(s) => vals.push(Cow::Borrowed(s.trim())),
            Err(e) => {
                let line = rec.position().map_or(0, |p| p.line());
                return Err(Error::trouble(format!(
                    "{name}:{line}: column {}: {}",
                    show_column(names.get(i).map(String::as_str).unwrap_or("")),
                    paylot_cli::encoding::not_utf8(f[e.valid_up_to()], Some(ENCODING_FIX))
                )));
            }
        }
    }
    Ok(vals)
}

/// Read the next record; a row with the wrong number of fields is a bad
/// row (reported, reading goes on), anything else is trouble.
pub fn next_record(
    rdr: &mut CsvReader,
    rec: &mut csv::ByteRecord,
    name: &str,
    columns: usize,
    bad_rows: &mut usize,
) -> Result<Option<bool>> {
    match rdr.rdr.read_byte_record(rec) {
        Ok(false) => Ok(None),
        Ok(true) => Ok(Some(true)),
        Err(e) => {
            let line = rdr.rdr.line();
            if let csv::ErrorKind::UnequalLengths { len, .. } = e.kind() {
                paylot_cli::note(format_args!("{name}:{line}: the row has {len} fields, the header has {columns} (check the delimiter and quoting)"));
                *bad_rows += 1;
                Ok(Some(false))
            } else {
                Err(rdr.rdr.error(name, e))
            }
        }
    }
}
