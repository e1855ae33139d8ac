//! `xmlbatch status` for a Sips Office Batch response file, as far as its
//! layout is published (`gateways::sips::batch`): the envelope, each
//! record's keyword, recordSequence, merchantId and transactionReference
//! (Orders 1–3), `officeBatchResponseCode` in words where its Order is
//! published (acceptChallenge 12, refuseChallenge 8), and the record's
//! other columns passed through by position. Where a response record
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

pub fn status_office_batch(
    format: OutputFormat,
    name: &str,
    reader: Box<dyn BufRead + Send>,
    out: &mut dyn Write,
) -> Result<Tally> {
    let mut rdr = batch::reader(reader);
    let mut rec = csv::StringRecord::new();
    let mut w = RecordWriter::new(
        out,
        format,
        "answer",
        OFFICE_BATCH_COLUMNS,
        gateways::kinds::of,
    )?;
    let mut tally = Tally::office_batch();
    let (mut first, mut records, mut end) = (true, 0u64, None);
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(rdr.error(name, e)),
        }
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
                let rest = data.get(3..).map(|r| r.join(";")).unwrap_or_default();
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
