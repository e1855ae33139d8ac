//! `xmlbatch status` for a Sips Office Batch response file, as far as its
//! layout is published (`gateways::sips::batch`): the envelope, each
//! record's keyword, recordSequence, merchantId and transactionReference
//! (Orders 1–3), `officeBatchResponseCode` in words where its Order is
//! published (acceptChallenge 12, refuseChallenge 8), and the record's
//! other columns passed through by position, each shown as its kind says,
//! masked where its kind is not known (`sips::batch::show_column`). Where a response record
//! holds `responseCode` is not published: a record whose
//! officeBatchResponseCode says no field was wrong, or whose code has no
//! published place, has the outcome unknown.

use std::io::{BufRead, Write};

use gateways::sips::batch::{self, Line};
use gateways::{show, Decision};
use paylot_cli::records::{OutputFormat, RecordWriter};
use paylot_cli::{Error, Result};

use super::Tally;

const OFFICE_BATCH_COLUMNS: &[&str] = &[
    "function",
    "record_sequence",
    "merchant_id",
    "transaction_reference",
    "office_batch_response_code",
    "office_batch_meaning",
    "outcome",
    "columns",
];

/// The kind of a column this writes: `columns` is made of values each
/// already shown as its own kind says (sips::batch::show_column), which a
/// second look as text must not alter (an identifier in it that passes
/// the Luhn check); the others are named as the dictionary names them.
fn kind_of(column: &str) -> paylot_cli::text::FieldKind {
    if column == "columns" {
        paylot_cli::text::FieldKind::Identifier
    } else {
        gateways::kinds::of(column)
    }
}

pub fn status_office_batch(
    format: OutputFormat,
    name: &str,
    reader: Box<dyn BufRead + Send>,
    out: &mut dyn Write,
) -> Result<Tally> {
    let mut rdr = batch::reader(reader);
    let mut rec = csv::StringRecord::new();
    let mut w = RecordWriter::new(out, format, "answer", OFFICE_BATCH_COLUMNS, kind_of)?;
    let mut tally = Tally::office_batch();
    let (mut first, mut records, mut end) = (true, 0u64, None);
    while rdr.next_record(name, &mut rec)? {
        let line = rec.position().map_or(0, |p| p.line());
        let cols: Vec<&str> = rec.iter().collect();
        match batch::classify(&cols, first) {
            Line::File(kind, _) if kind != "response" => {
                return Err(Error::trouble(format!(
                    "{name}:{line}: this is an Office Batch {kind}; status reads the response file (FILE;response;office;vNN)"
                )))
            }
            Line::File(..) | Line::Header(_) => {}
            Line::Record(f, kw, data) => {
                records += 1;
                let col = |i: usize| data.get(i - 1).copied().unwrap_or("");
                let order = f.and_then(|f| f.response_code_order);
                let code = order.map_or("", col);
                let outcome = match order {
                    Some(_) if code == "00" => Decision::Unknown,
                    Some(_) if code.is_empty() => Decision::Unknown,
                    Some(_) => Decision::Refused,
                    None => Decision::Unknown,
                };
                tally.add(outcome);
                // The columns past Order 3, each shown as its kind says
                // and masked where its kind is not known: by position, any
                // of them may be a request's card number echoed; the
                // record's card number hidden wherever another column
                // quotes it (sips::batch::show_record).
                let rest = batch::show_record(f, &data)[3.min(data.len())..].join(";");
                w.write(&[
                    kw,
                    col(1),
                    col(2),
                    col(3),
                    code,
                    batch::office_batch_response_meaning(code),
                    outcome.as_str(),
                    &rest,
                ])?;
            }
            Line::End(n) => end = Some((line, n.to_string())),
            Line::Other(c) if first => {
                return Err(Error::trouble(format!(
                    "{name}:{line}: {} is not the FILE line of an Office Batch response",
                    show(&c.join(";"))
                )))
            }
            Line::Other(_) => {}
        }
        first = false;
    }
    w.finish()?;
    match end {
        None => paylot_cli::note(format_args!(
            "{name}: no END line: the response may be incomplete"
        )),
        Some((line, n)) if n.parse::<u64>().ok() != Some(records) => {
            paylot_cli::note(format_args!(
            "{name}:{line}: END counts {}, the file has {records} records (incomplete response?)",
            show(&n)
        ))
        }
        Some(_) => {}
    }
    if records > 0 {
        paylot_cli::note(format_args!(
            "{name}: where a response record holds responseCode is not published: outcomes other than a field error named by officeBatchResponseCode are unknown (confirm the layout with Worldline)"
        ));
    }
    Ok(tally)
}
