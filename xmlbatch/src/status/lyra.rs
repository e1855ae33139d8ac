//! `xmlbatch status` for Lyra: a PAY ANS, matched to its REQ.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

use gateways::lyra::codes;
use gateways::lyra::file as lyra;
use gateways::show;
use paylot_cli::progress::{Progress, Unit};
use paylot_cli::records::{OutputFormat, RecordWriter};
use paylot_cli::{Error, Input, Result};

use super::{mismatch, Tally};
use crate::pipeline::{two_stages, Feed};

const LYRA_COLUMNS: &[&str] = &[
    "sequence",
    "transaction_id",
    "date",
    "time",
    "amount",
    "currency",
    "return_code",
    "meaning",
    "outcome",
    "additional_code",
    "additional_meaning",
    "reference",
];

/// The request file's name, header, and lines by sequence number.
type RequestIndex = (String, Vec<String>, HashMap<String, (u64, Vec<String>)>);

/// Write one record per answer line of the ANS in `reader` to `out`.
pub fn status_lyra(
    question: Option<&Path>,
    format: OutputFormat,
    name: &str,
    reader: Box<dyn BufRead + Send>,
    out: &mut dyn Write,
) -> Result<Tally> {
    // The request lines by sequence number, when asked to match.
    let mut questions: Option<RequestIndex> = None;
    if let Some(qpath) = question {
        let qin = Input::open(Some(qpath))?;
        let qname = qin.name().to_string();
        let req = lyra::read_req(qin.into_reader(), &qname)?;
        let map = req
            .details
            .into_iter()
            .map(|(line, cols)| (cols.get(1).cloned().unwrap_or_default(), (line, cols)))
            .collect();
        questions = Some((qname, req.header, map));
    }

    let mut header_seen = false;
    let mut rejected = false;
    let mut trailer: Option<(u64, String)> = None;
    let mut details = 0u64;
    let mut malformed = 0u64;
    let mut tally = Tally::lyra(question.is_some());
    let mut progress = Progress::new(Unit::Records("answers"));
    let mut rec = RecordWriter::new(out, format, "answer", LYRA_COLUMNS, gateways::kinds::of)?;
    // The lines are read on a thread of their own while they are
    // matched, masked and written on this one; each record goes across
    // whole, and the slot's comes back to be read into.
    let read = |feed: &mut Feed<csv::StringRecord>| {
        let mut rdr = lyra::reader(reader);
        let mut record = csv::StringRecord::new();
        loop {
            match rdr.read_record(&mut record) {
                Ok(true) => std::mem::swap(feed.slot()?, &mut record),
                Ok(false) => return Ok(()),
                Err(e) => return Err(rdr.error(name, e)),
            }
        }
    };
    let written = two_stages(read, |record| {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let cols = &*record;
        let col = |i: usize| cols.get(i - 1).unwrap_or("");
        if !header_seen {
            header_seen = true;
            let c1 = col(1).trim_start_matches('\u{feff}');
            if c1 != "00" || col(2) != "PAY" {
                return Err(Error::trouble(format!(
                    "{name}:{line}: the first line is not a PAY answer header (expected 00;PAY;06;<result>;...)"
                )));
            }
            if col(4) != "0" {
                let what = match col(4) {
                    "1" => "format error",
                    "2" => "value error",
                    _ => "unknown result",
                };
                paylot_cli::note(format_args!(
                    "{name}:{line}: the gateway rejected the whole file (result {}, {what}: {}); nothing was processed: fix the request and resend it under a new name (the next sequence number), since the gateway never processes a name twice",
                    show(col(4)),
                    show(col(5))
                ));
                rejected = true;
                // Reading stops (at its next line).
                return Err(Error::done());
            }
            if let Some((qname, qh, _)) = &questions {
                for (what, a, q) in [("shop", col(6), qh.get(3)), ("mode", col(7), qh.get(4))] {
                    let q = q.map(String::as_str).unwrap_or("");
                    if a != q {
                        mismatch(
                            &mut tally,
                            format!(
                                "{name}:{line}: {what} is {}, the request {} says {}",
                                show(a),
                                paylot_cli::input::quote(qname),
                                show(q)
                            ),
                        );
                    }
                }
            }
            return Ok(());
        }
        match col(1) {
            "02" => {
                details += 1;
                if cols.len() < 19 {
                    malformed += 1;
                    paylot_cli::note(format_args!(
                        "{name}:{line}: the answer line has {} columns (expected at least 19: the return code is in column 19)",
                        cols.len()
                    ));
                    return Ok(());
                }
                let code = col(19);
                let additional = col(25);
                let mut reference = String::new();
                if let Some((qname, _, map)) = questions.as_mut() {
                    match map.remove(col(2)) {
                        None => mismatch(
                            &mut tally,
                            format!("{name}:{line}: answer line {} is unexpected: no such sequence number in {}", show(col(2)), paylot_cli::input::quote(qname)),
                        ),
                        Some((qline, q)) => {
                            for (pos, what) in [(3, "date"), (5, "transaction id"), (7, "amount"), (8, "currency")] {
                                let qv = q.get(pos - 1).map(String::as_str).unwrap_or("");
                                if col(pos) != qv {
                                    mismatch(
                                        &mut tally,
                                        format!("{name}:{line}: answer line {}: {what} is {}, the request (line {qline}) says {}", col(2), show(col(pos)), show(qv)),
                                    );
                                }
                            }
                            reference = q.get(12).cloned().unwrap_or_default();
                        }
                    }
                }
                let outcome = codes::decision(code);
                if outcome == gateways::Decision::Unknown {
                    paylot_cli::note(format_args!(
                        "{name}:{line}: answer line {}: return code {}: {}; its outcome is unknown",
                        show(col(2)),
                        show(code),
                        codes::meaning(code)
                    ));
                }
                tally.add(outcome);
                progress.update(tally.answers());
                let add_meaning = codes::additional_meaning(code, additional);
                rec.write(&[
                    col(2),
                    col(5),
                    col(3),
                    col(4),
                    col(7),
                    col(8),
                    code,
                    codes::meaning(code),
                    outcome.as_str(),
                    additional,
                    &add_meaning,
                    &reference,
                ])?;
            }
            "01" => trailer = Some((line, col(2).to_string())),
            "" if cols.len() == 1 => {}
            other => {
                malformed += 1;
                paylot_cli::note(format_args!(
                    "{name}:{line}: record code {} (expected 02 or 01)",
                    show(other)
                ));
            }
        }
        Ok(())
    });
    match written {
        Err(e) if e.is_done() && rejected => {
            rec.finish()?;
            tally.rejected_whole();
            return Ok(tally);
        }
        written => written?,
    }
    if !header_seen {
        return Err(Error::trouble(format!(
            "{}: empty input (expected a Lyra PAY ANS)",
            paylot_cli::input::quote(name)
        )));
    }
    match &trailer {
        None => mismatch(&mut tally, format!("{name}: no trailer line (01;<count>): the answer may be incomplete")),
        Some((line, count)) if count.parse::<u64>().ok() != Some(details) => mismatch(
            &mut tally,
            format!("{name}:{line}: the trailer counts {}, the file has {details} answer lines (incomplete answer?)", show(count)),
        ),
        _ => {}
    }
    if let Some((qname, _, map)) = questions {
        let mut missing: Vec<(u64, String)> = map.into_iter().map(|(k, (l, _))| (l, k)).collect();
        missing.sort();
        for (line, seq) in missing {
            mismatch(
                &mut tally,
                format!(
                    "{qname}:{line}: request line {seq} has no answer in {}",
                    paylot_cli::input::quote(name)
                ),
            );
        }
    }
    rec.finish()?;
    if malformed > 0 {
        return Err(Error::trouble(format!(
            "{}: {malformed} malformed answer lines",
            paylot_cli::input::quote(name)
        )));
    }
    Ok(tally)
}
