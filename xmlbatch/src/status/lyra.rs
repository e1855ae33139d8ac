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
use crate::sniff::Detected;

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

/// What matching needs of a request (`--question`): its name, its
/// header's shop and mode, and of each payment line, by sequence number,
/// its line and the columns compared or echoed — never the lines whole
/// (64 KiB each, up to 999,999 of them).
struct RequestIndex {
    name: String,
    shop: String,
    mode: String,
    lines: HashMap<Box<str>, Asked>,
    /// Payment lines whose sequence number an earlier line has, in
    /// words: each a mismatch.
    repeated: Vec<String>,
    /// The lines answered, moved from `lines`: by sequence number, the
    /// answer's line and the request's, to say a second answer as one.
    answered: HashMap<Box<str>, (u64, u64)>,
}

/// The request's columns an answer line is matched on, in this order:
/// their positions, and what each is called in messages.
const MATCHED: [(usize, &str); 4] = [
    (3, "date"),
    (5, "transaction id"),
    (7, "amount"),
    (8, "currency"),
];

/// The position of the order reference, which the records echo.
const REFERENCE: usize = 13;

/// A payment line of the request: where it is, and its [`MATCHED`]
/// columns then its order reference, joined by `;` (which no value of a
/// Lyra file holds) in one allocation.
struct Asked {
    line: u64,
    kept: Box<str>,
}

impl Asked {
    /// The `i`th column kept.
    fn get(&self, i: usize) -> &str {
        self.kept.split(';').nth(i).unwrap_or("")
    }
}

/// Read the request `qpath` line by line, keeping what matching needs,
/// bounded: past [`lyra::MAX_LINES`] payment lines or
/// [`paylot_cli::limits::MATCHED_REQUEST`] kept, it is not a Lyra request
/// (status 2).
fn index_request(qpath: &Path) -> Result<RequestIndex> {
    use paylot_cli::limits::{self, MATCHED_REQUEST};
    let qin = Input::open(Some(qpath))?;
    let name = qin.name().to_string();
    // Any other file (a Question XML, Direct requests, the ANS itself) was
    // read as a REQ whose first line is its header: every answer line was
    // then a mismatch with it (status 1, the answer's "no"), where the
    // wrong file was given (trouble).
    let (detected, reader) = crate::sniff::sniff(qin)?;
    if detected != Detected::LyraReq {
        return Err(Error::trouble(format!(
            "{}: not a Lyra PAY request ({}): give --question the REQ this answer answers",
            paylot_cli::input::quote(&name),
            detected.what()
        )));
    }
    let mut index = RequestIndex {
        name: name.clone(),
        shop: String::new(),
        mode: String::new(),
        lines: HashMap::new(),
        repeated: Vec::new(),
        answered: HashMap::new(),
    };
    let mut kept = 0u64;
    lyra::each_req_line(reader, &name, |line, kind, rec| {
        let col = |i: usize| rec.get(i - 1).unwrap_or("");
        match kind {
            lyra::ReqLine::Header => {
                index.shop = col(4).to_string();
                index.mode = col(5).to_string();
            }
            // Past lyra::MAX_LINES payment lines, each_req_line stops.
            lyra::ReqLine::Detail => {
                let mut text = String::new();
                for (i, (pos, _)) in MATCHED.iter().enumerate() {
                    if i > 0 {
                        text.push(';');
                    }
                    text.push_str(col(*pos));
                }
                text.push(';');
                text.push_str(col(REFERENCE));
                kept += (text.len() + col(2).len()) as u64;
                if kept > MATCHED_REQUEST {
                    return Err(Error::past_bound(format!(
                        "{name}:{line}: the columns an answer is matched on pass {} over the request's lines, the most a Lyra request needs (about 50 bytes a line): not a request of this gateway (is this the file meant?); nothing was read past it",
                        limits::show(MATCHED_REQUEST)
                    )));
                }
                // The first is kept: replaced, it was matched to the
                // other's answer (its reference shown with it) and never
                // said unanswered.
                if let Some(first) = index.lines.get(col(2)) {
                    index.repeated.push(format!(
                        "{name}:{line}: request line {}: the sequence number is already used on line {}: its answer cannot be told from that one's (each payment line has its own: see xmlbatch check)",
                        show(col(2)),
                        first.line
                    ));
                    return Ok(());
                }
                index.lines.insert(
                    col(2).into(),
                    Asked {
                        line,
                        kept: text.into(),
                    },
                );
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(index)
}

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
        questions = Some(index_request(qpath)?);
    }

    let mut header_seen = false;
    let mut rejected = false;
    let mut trailer: Option<(u64, String)> = None;
    let mut details = 0u64;
    let mut malformed = 0u64;
    let mut tally = Tally::lyra(question.is_some());
    for msg in questions.iter_mut().flat_map(|q| q.repeated.drain(..)) {
        mismatch(&mut tally, msg);
    }
    let mut progress = Progress::new(Unit::Records("answers"));
    let mut rec = RecordWriter::new(out, format, "answer", LYRA_COLUMNS, gateways::kinds::of)?;
    // The lines are read on a thread of their own while they are
    // matched, masked and written on this one; each record goes across
    // whole, and the slot's comes back to be read into.
    let read = |feed: &mut Feed<csv::StringRecord>| {
        let mut rdr = lyra::reader(reader);
        let mut record = csv::StringRecord::new();
        while rdr.next_record(name, &mut record)? {
            std::mem::swap(feed.slot()?, &mut record);
        }
        Ok(())
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
            // An answer's result is one digit; a REQ has its shop there
            // (8 digits), and was said rejected by the gateway ("result
            // 12345678, unknown result: resend it under a new name"):
            // the wrong file, given with --format lyra, is trouble.
            if !matches!(col(4).as_bytes(), [d] if d.is_ascii_digit()) {
                return Err(Error::trouble(format!(
                    "{name}:{line}: not a PAY answer: column 4 holds {}, where an answer has its result (0, 1 or 2){}",
                    show(col(4)),
                    if gateways::lyra::names::is_shop_id(col(4)) {
                        "; a REQ has its shop there: status reads the gateway's ANS, give the REQ with --question"
                    } else {
                        ""
                    }
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
            if let Some(q) = &questions {
                let qname = &q.name;
                for (what, a, q) in [("shop", col(6), &q.shop), ("mode", col(7), &q.mode)] {
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
                if let Some(q) = questions.as_mut() {
                    match q.lines.remove_entry(col(2)) {
                        // A line answered already: said as such, not as a
                        // sequence number the request lacks.
                        None => match q.answered.get(col(2)) {
                            Some(&(first, request_line)) => mismatch(
                                &mut tally,
                                format!("{name}:{line}: answer line {} is a second answer to line {} of the request {}: the first is on line {}", show(col(2)), request_line, paylot_cli::input::quote(&q.name), first),
                            ),
                            None => mismatch(
                                &mut tally,
                                format!("{name}:{line}: answer line {} is unexpected: no such sequence number in {}", show(col(2)), paylot_cli::input::quote(&q.name)),
                            ),
                        },
                        Some((number, asked)) => {
                            // Its key moves over: no more kept than before.
                            q.answered.insert(number, (line, asked.line));
                            for (i, (pos, what)) in MATCHED.iter().enumerate() {
                                let qv = asked.get(i);
                                if col(*pos) != qv {
                                    mismatch(
                                        &mut tally,
                                        format!("{name}:{line}: answer line {}: {what} is {}, the request (line {}) says {}", col(2), show(col(*pos)), asked.line, show(qv)),
                                    );
                                }
                            }
                            reference = asked.get(MATCHED.len()).to_string();
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
    if let Some(q) = questions {
        let qname = q.name;
        let mut missing: Vec<(u64, Box<str>)> =
            q.lines.into_iter().map(|(k, a)| (a.line, k)).collect();
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
