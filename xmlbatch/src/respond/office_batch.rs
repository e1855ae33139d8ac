//! `xmlbatch respond` for Sips Office Batch: a request file in, one
//! response file out, as far as the layout is published
//! (`gateways::sips::batch`): `FILE;response;office;vNN` and the HEADER
//! echoed (by symmetry with the request, inferred), one response record
//! per request record, `END;<n>`.
//!
//! A response record echoes the request's columns; for acceptChallenge
//! and refuseChallenge, whose `officeBatchResponseCode` has a published
//! Order (12, 8), that column holds `00`, `01` (merchantId) or `03`
//! (transactionReference), the columns between left empty. Where the
//! other functions' results and `responseCode` stand is not published:
//! their records are echoed, each column shown as its kind says and any
//! column whose kind is not known masked (`sips::batch::show_column`).

use std::io::{BufRead, Write};

use gateways::sips::batch::{self, Line};
use paylot_cli::{Error, Result};

pub fn respond_office_batch(
    name: &str,
    reader: Box<dyn BufRead>,
    out: &mut dyn Write,
) -> Result<()> {
    let mut rdr = batch::reader(reader);
    let mut w = batch::writer(out);
    let werr = |e: csv::Error| Error::trouble(format!("writing the response: {e}"));
    let mut rec = csv::StringRecord::new();
    let (mut first, mut records) = (true, 0u64);
    while rdr.next_record(name, &mut rec)? {
        let cols: Vec<&str> = rec.iter().collect();
        // An answer carries no card data: what is echoed is shown as its
        // column's kind says, and a column whose kind is not known is
        // masked, and the record's card number hidden wherever another
        // column quotes it (sips::batch::show_record).
        match batch::classify(&cols, first) {
            Line::File(_, v) => w
                .write_record(["FILE", "response", "office", &format!("v{v}")])
                .map_err(werr)?,
            Line::Header(h) => {
                let shown = h
                    .iter()
                    .enumerate()
                    .map(|(i, v)| batch::show_header_column(i, v).into_owned());
                w.write_record(std::iter::once("HEADER".to_string()).chain(shown))
                    .map_err(werr)?
            }
            Line::Record(f, kw, data) => {
                records += 1;
                let mut out: Vec<String> = batch::show_record(f, &data);
                if let Some((f, order)) = f.and_then(|f| Some((f, f.response_code_order?))) {
                    out.resize(out.len().max(order), String::new());
                    out[order - 1] = batch::office_batch_response_code(f, &data).to_string();
                }
                w.write_record(std::iter::once(kw.to_string()).chain(out))
                    .map_err(werr)?;
            }
            Line::End(_) | Line::Other(_) => {}
        }
        first = false;
    }
    w.write_record(["END", &records.to_string()])
        .map_err(werr)?;
    w.flush()
        .map_err(|e| Error::io("writing the response", e))?;
    Ok(())
}
