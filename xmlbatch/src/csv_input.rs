//! The CSV a merchant exports (header row, any delimiter, UTF-8 or a
//! single-byte Windows encoding), read row by row for `build`.

use std::borrow::Cow;

use paylot_cli::{Error, Input, Result};

use crate::build::usage;

/// A header's column name quoted for a message — unless it does not look
/// like a name (no letter, or very long): then the file is probably not
/// the CSV meant (a key file, a data row where the header should be), and
/// its text, which may be a secret, is described instead of repeated.
pub fn show_column(h: &str) -> String {
    let wordlike = h.chars().count() <= 40 && h.chars().any(|c| c.is_alphabetic());
    if wordlike {
        gateways::show(h)
    } else {
        format!(
            "of {} characters with no letter or too long for a name (not shown: is this the CSV file meant, with a header row?)",
            h.chars().count()
        )
    }
}

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

pub type CsvReader = csv::Reader<Box<dyn std::io::BufRead + Send + Sync>>;

/// The CSV reader and its header, with the BOM stripped.
pub fn open_csv(
    input: Input,
    delim: u8,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<(String, CsvReader, Vec<String>)> {
    let name = input.name().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .flexible(false)
        .from_reader(input.into_reader());
    let headers = rdr
        .byte_headers()
        .map_err(|e| paylot_cli::csv::error(&name, e))?
        .clone();
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
            None => String::from_utf8_lossy(h).trim().to_string(),
        };
        if i == 0 {
            s = s.trim_start_matches('\u{feff}').to_string();
        }
        names.push(s);
    }
    Ok((name, rdr, names))
}

/// Decode a row's fields as trimmed UTF-8; report the bad ones.
pub fn decode<'a>(
    rec: &'a csv::ByteRecord,
    names: &[String],
    encoding: Option<&'static encoding_rs::Encoding>,
) -> (Vec<Cow<'a, str>>, Vec<(String, String)>) {
    let mut vals = Vec::with_capacity(rec.len());
    let mut bad = Vec::new();
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
            Err(_) => {
                vals.push(Cow::Borrowed(""));
                bad.push((
                    names.get(i).cloned().unwrap_or_default(),
                    "is not valid UTF-8 (expected UTF-8 text; for a Windows export use --encoding windows-1252)".into(),
                ));
            }
        }
    }
    (vals, bad)
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
    match rdr.read_byte_record(rec) {
        Ok(false) => Ok(None),
        Ok(true) => Ok(Some(true)),
        Err(e) => {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            if let csv::ErrorKind::UnequalLengths { len, .. } = e.kind() {
                paylot_cli::note(format_args!("{name}:{line}: the row has {len} fields, the header has {columns} (check the delimiter and quoting)"));
                *bad_rows += 1;
                Ok(Some(false))
            } else {
                Err(paylot_cli::csv::error(name, e))
            }
        }
    }
}
