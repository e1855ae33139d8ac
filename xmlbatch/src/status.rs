//! `xmlbatch status`: the gateway's answer (Paybox status XML or Lyra ANS)
//! in, one CSV or JSON Lines record per answer out.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::{Args as ClapArgs, ValueEnum};
use paylot_cli::{Error, Input, Outcome, Output, Result};

use crate::codes;
use crate::fields::show;
use crate::lyra;
use crate::paybox::{self, QuestionItem, StatusItem};
use crate::{sniff, Detected};

pub const ABOUT: &str =
    "Turn a Paybox status XML or a Lyra ANS into CSV or JSON Lines, one record per answer";

pub const LONG_ABOUT: &str = "\
Read the gateway's answer (Paybox status XML, or Lyra PAY ANS; recognised
from the content unless --format-in is given) and write one record per
answer: CSV with a header (default) or JSON Lines.

With --question, each answer is matched to the question it answers (Paybox:
by question number, with batch number, site and rank; Lyra: by sequence
number, with transaction id, date and amount): a missing answer, an
unexpected answer or an echoed value that differs is reported on stderr.

A summary (accepted / refused / to retry) goes to stderr. A Lyra file
rejected as a whole (header result 1 or 2) is reported with the instruction
to resend it under a new name.";

pub const EXAMPLES: &str = "\
Examples:
  $ xmlbatch status batch.status.xml > results.csv
  $ xmlbatch status --question batch.xml --format jsonl batch.status.xml
  $ xmlbatch status --question 20261123.12345678.PAY.REQ.T.01 20261123.12345678.PAY.ANS.T.01

Exit status: 0 every answer accepted and matched, 1 some answer refused or
to retry, a mismatch with the question, or a file rejected whole,
2 trouble (unreadable or malformed input).";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InFormat {
    /// Recognise from the content
    Auto,
    /// Paybox status XML
    Paybox,
    /// Lyra PAY ANS
    Lyra,
}

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The question file (Question XML or REQ) to match the answers to
    #[arg(long, value_name = "FILE")]
    pub question: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutFormat::Csv)]
    pub format: OutFormat,
    /// Input format
    #[arg(long, value_enum, default_value_t = InFormat::Auto)]
    pub format_in: InFormat,
    /// Write to FILE (atomically) instead of stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Status XML or ANS (default: stdin)
    pub file: Option<PathBuf>,
}

/// Writes records as CSV (header first) or JSON Lines.
struct Records<'a> {
    format: OutFormat,
    kind: &'static str,
    columns: &'static [&'static str],
    csv: Option<csv::Writer<&'a mut dyn Write>>,
    out: Option<&'a mut dyn Write>,
    label: String,
}

impl<'a> Records<'a> {
    fn new(
        out: &'a mut dyn Write,
        format: OutFormat,
        kind: &'static str,
        columns: &'static [&'static str],
    ) -> Result<Self> {
        let label = "the output".to_string();
        let mut r = Records {
            format,
            kind,
            columns,
            csv: None,
            out: None,
            label,
        };
        match format {
            OutFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(columns)
                    .map_err(|e| Error::trouble(format!("writing: {e}")))?;
                r.csv = Some(w);
            }
            OutFormat::Jsonl => r.out = Some(out),
        }
        Ok(r)
    }

    fn write(&mut self, values: &[&str]) -> Result<()> {
        let label = &self.label;
        let io_err = |e: std::io::Error| Error::io(format!("writing {label}"), e);
        match self.format {
            OutFormat::Csv => {
                if let Some(w) = self.csv.as_mut() {
                    w.write_record(values).map_err(|e| match e.into_kind() {
                        csv::ErrorKind::Io(e) => io_err(e),
                        other => Error::trouble(format!("writing: {other:?}")),
                    })?;
                }
            }
            OutFormat::Jsonl => {
                let mut obj = serde_json::Map::new();
                obj.insert("type".into(), self.kind.into());
                obj.insert("version".into(), 1.into());
                for (k, v) in self.columns.iter().zip(values) {
                    obj.insert((*k).into(), (*v).into());
                }
                if let Some(out) = self.out.as_mut() {
                    serde_json::to_writer(&mut **out, &obj)
                        .map_err(|e| Error::trouble(format!("writing: {e}")))?;
                    out.write_all(b"\n").map_err(io_err)?;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if let Some(mut w) = self.csv {
            w.flush()
                .map_err(|e| Error::io(format!("writing {}", self.label), e))?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Tally {
    accepted: u64,
    refused: u64,
    retry: u64,
    mismatches: u64,
}

impl Tally {
    fn add(&mut self, o: codes::Outcome) {
        match o {
            codes::Outcome::Accepted => self.accepted += 1,
            codes::Outcome::Refused => self.refused += 1,
            codes::Outcome::Retry => self.retry += 1,
        }
    }

    fn report(&self) -> Outcome {
        let total = self.accepted + self.refused + self.retry;
        paylot_cli::note(format_args!(
            "xmlbatch: {total} answers: {} accepted, {} refused, {} to retry{}",
            self.accepted,
            self.refused,
            self.retry,
            if self.mismatches > 0 {
                format!("; {} mismatches with the question file", self.mismatches)
            } else {
                String::new()
            }
        ));
        Outcome::from_bool(self.refused == 0 && self.retry == 0 && self.mismatches == 0)
    }
}

fn mismatch(tally: &mut Tally, msg: String) {
    tally.mismatches += 1;
    paylot_cli::note(format_args!("{msg}"));
}

pub fn run(args: Args) -> Result<Outcome> {
    let input = Input::open(args.file.as_deref())?;
    let name = input.name().to_string();
    let (detected, reader) = sniff(input)?;
    let lyra = match (args.format_in, detected) {
        (InFormat::Paybox, _) => false,
        (InFormat::Lyra, _) => true,
        (InFormat::Auto, Detected::Xml) => false,
        (InFormat::Auto, Detected::LyraAns) => true,
        (InFormat::Auto, Detected::LyraReq) => {
            return Err(Error::trouble(format!(
                "{}: this is a Lyra REQ (a request); status reads the gateway's ANS (or a Paybox status XML)",
                paylot_cli::input::quote(&name)
            )))
        }
    };
    let mut out = Output::create(args.output.as_deref())?;
    let outcome = if lyra {
        status_lyra(
            args.question.as_deref(),
            args.format,
            &name,
            reader,
            &mut out,
        )?
    } else {
        status_paybox(
            args.question.as_deref(),
            args.format,
            &name,
            reader,
            &mut out,
        )?
    };
    out.commit()?;
    Ok(outcome)
}

const PAYBOX_COLUMNS: &[&str] = &[
    "question",
    "operation",
    "operation_name",
    "reference",
    "amount",
    "currency",
    "response_code",
    "meaning",
    "outcome",
    "authorization",
    "call_id",
    "transaction_id",
    "card_country",
    "comment",
];

struct QuestionInfo {
    type_code: String,
    reference: String,
    amount: String,
    currency: String,
    line: u64,
}

/// Write one record per answer of the status XML in `reader` to `out`.
pub fn status_paybox(
    question: Option<&Path>,
    format: OutFormat,
    name: &str,
    reader: Box<dyn BufRead>,
    out: &mut dyn Write,
) -> Result<Outcome> {
    // The questions, when asked to match.
    let mut questions: Option<(String, paybox::Header, HashMap<String, QuestionInfo>)> = None;
    if let Some(qpath) = question {
        let qin = Input::open(Some(qpath))?;
        let qname = qin.name().to_string();
        let mut header = paybox::Header::default();
        let mut map = HashMap::new();
        paybox::read_questions(qin.into_reader(), &qname, |item| {
            match item {
                QuestionItem::Header(h) => header = h,
                QuestionItem::Question(q) => {
                    let key = q.number.clone().unwrap_or_default();
                    let key = key.trim_start_matches('0').to_string();
                    map.insert(
                        key,
                        QuestionInfo {
                            type_code: q.type_code.clone().unwrap_or_default(),
                            reference: q
                                .get(crate::fields::Field::Reference)
                                .unwrap_or("")
                                .to_string(),
                            amount: q
                                .get(crate::fields::Field::Amount)
                                .unwrap_or("")
                                .to_string(),
                            currency: q
                                .get(crate::fields::Field::Currency)
                                .unwrap_or("")
                                .to_string(),
                            line: q.line,
                        },
                    );
                }
            }
            Ok(())
        })?;
        questions = Some((qname, header, map));
    }

    let mut rec = Records::new(out, format, "answer", PAYBOX_COLUMNS)?;
    let mut tally = Tally::default();
    let mut progress = crate::Progress::new("answers");
    paybox::read_status(reader, name, |item| {
        match item {
            StatusItem::Header(h) => {
                if let Some((qname, qh, _)) = &questions {
                    for (what, a, q, line) in [
                        ("BatchNumber", &h.batch, &qh.batch, h.line),
                        ("Site", &h.site, &qh.site, h.merchant_line),
                        ("Rank", &h.rank, &qh.rank, h.merchant_line),
                    ] {
                        if a != q {
                            mismatch(
                                &mut tally,
                                format!(
                                    "{name}:{line}: {what} is {}, the question file {} says {}",
                                    show(a.as_deref().unwrap_or("")),
                                    paylot_cli::input::quote(qname),
                                    show(q.as_deref().unwrap_or(""))
                                ),
                            );
                        }
                    }
                }
            }
            StatusItem::Answer(a) => {
                let code = a.response_code.clone();
                if let Some((qname, _, map)) = questions.as_mut() {
                    let key = a.number.trim_start_matches('0').to_string();
                    match map.remove(&key) {
                        None => mismatch(
                            &mut tally,
                            format!(
                                "{name}:{}: answer {} is unexpected: no such question in {}",
                                a.line,
                                show(&a.number),
                                paylot_cli::input::quote(qname)
                            ),
                        ),
                        Some(q) => {
                            if !a.type_code.is_empty() && a.type_code != q.type_code {
                                mismatch(
                                    &mut tally,
                                    format!(
                                        "{name}:{}: answer {}: Type is {}, the question (line {}) says {}",
                                        a.line,
                                        show(&a.number),
                                        show(&a.type_code),
                                        q.line,
                                        show(&q.type_code)
                                    ),
                                );
                            }
                            if a.type_code.is_empty() {
                                a.type_code = q.type_code;
                            }
                            if a.reference.is_empty() {
                                a.reference = q.reference;
                            }
                            if a.amount.is_empty() {
                                a.amount = q.amount;
                            }
                            if a.currency.is_empty() {
                                a.currency = q.currency;
                            }
                        }
                    }
                }
                let outcome = codes::paybox_outcome(&code);
                tally.add(outcome);
                progress.tick(tally.accepted + tally.refused + tally.retry);
                let op_name = codes::op_by_code(&a.type_code)
                    .filter(|_| a.type_code.len() == 5)
                    .map(|t| t.name)
                    .unwrap_or("");
                rec.write(&[
                    &a.number,
                    &a.type_code,
                    op_name,
                    &a.reference,
                    &a.amount,
                    &a.currency,
                    &code,
                    codes::paybox_meaning(&code),
                    outcome.as_str(),
                    &a.authorization,
                    &a.call_id,
                    &a.transaction_id,
                    &a.card_country,
                    &a.comment,
                ])?;
            }
        }
        Ok(())
    })?;
    if let Some((qname, _, map)) = questions {
        let mut missing: Vec<(u64, String)> = map.into_iter().map(|(k, q)| (q.line, k)).collect();
        missing.sort();
        for (line, number) in missing {
            mismatch(
                &mut tally,
                format!(
                    "{qname}:{line}: question {number} has no answer in {}",
                    paylot_cli::input::quote(name)
                ),
            );
        }
    }
    rec.finish()?;
    progress.done();
    Ok(tally.report())
}

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
    format: OutFormat,
    name: &str,
    reader: Box<dyn BufRead>,
    out: &mut dyn Write,
) -> Result<Outcome> {
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

    let mut rdr = lyra::reader(reader);
    let mut record = csv::StringRecord::new();
    let mut header_seen = false;
    let mut trailer: Option<(u64, String)> = None;
    let mut details = 0u64;
    let mut malformed = 0u64;
    let mut tally = Tally::default();
    let mut progress = crate::Progress::new("answers");
    let mut rec = Records::new(out, format, "answer", LYRA_COLUMNS)?;
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(lyra::csv_error(name, e)),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let cols: Vec<&str> = record.iter().collect();
        let col = |i: usize| cols.get(i - 1).copied().unwrap_or("");
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
                rec.finish()?;
                return Ok(Outcome::No);
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
            continue;
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
                    continue;
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
                let outcome = codes::lyra_outcome(code);
                tally.add(outcome);
                progress.tick(tally.accepted + tally.refused + tally.retry);
                let add_meaning = codes::lyra_additional_meaning(code, additional);
                rec.write(&[
                    col(2),
                    col(5),
                    col(3),
                    col(4),
                    col(7),
                    col(8),
                    code,
                    codes::lyra_meaning(code),
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
    Ok(tally.report())
}
