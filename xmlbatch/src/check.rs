//! `xmlbatch check`: is this Question XML or Lyra REQ acceptable?

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};

use clap::Args as ClapArgs;
use paylot_cli::output::Held;
use paylot_cli::summary::Summary;
use paylot_cli::{Error, Input, Outcome, Result};

use gateways::lyra::file as lyra;
use gateways::lyra::names::{FileKind, HeaderDate, Name};
use gateways::paybox::fields::Field;
use gateways::paybox::operation::parse_operation;
use gateways::paybox::question::{self, QuestionItem};
use gateways::paybox::values::{
    parse_batch, parse_question, parse_site, parse_written_rank, Rules,
};
use gateways::show;

use crate::cli::TOOL;
use crate::sniff::{sniff, Detected};

pub const ABOUT: &str =
    "Check a Paybox Question XML or a Lyra PAY REQ against the rules build applies";

pub const LONG_ABOUT: &str = "\
Check a Paybox Question XML (ours or hand-made) or a Lyra PAY REQ file
against the rules `xmlbatch build` applies, and report every problem on
stderr as FILE:LINE: what is wrong (what would be right). The format is
recognised from the content.

Question XML: namespace, BatchNumber, CreatedOn, one Merchant with Site (7
digits) and Rank (3 digits), and per question: unique Number, known Type,
the elements the type needs, formats, Luhn, expiry not in the past.

REQ: the file name (when it follows YYYYMMDD.<shop>.PAY.REQ.<T|P>.<NN>,
the header must agree with it), the header, every detail line (positions
1 to 16), transaction ids unique per day, the trailer count. Above 2,000
lines a warning is printed.";

pub const EXAMPLES: &str = "\
Examples:
  $ xmlbatch check batch.xml && echo ok
  $ xmlbatch check 20261123.12345678.PAY.REQ.T.01

Exit status: 0 valid, 1 invalid, 2 trouble (unreadable or not XML / REQ).";

#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub quiet: paylot_cli::args::QuietArg,
    #[command(flatten)]
    pub request: crate::cli::RequestFile,
}

pub fn run(args: Args) -> Result<Outcome> {
    let input = Input::open(args.request.file.path())?;
    let name = input.name().to_string();
    let (detected, reader) = sniff(input)?;
    let (items, bad) = match detected {
        Detected::Xml => check_question(&name, reader)?,
        Detected::LyraReq => {
            check_req(&name, args.request.name().as_deref(), reader)?
        }
        Detected::OfficeBatchRequest => check_office_batch(&name, reader)?,
        Detected::OfficeBatchResponse => {
            return Err(Error::trouble(format!(
                "{}: this is a Sips Office Batch response; check reads request files (use xmlbatch status for responses)",
                paylot_cli::input::quote(&name)
            )))
        }
        Detected::LyraAns => {
            return Err(Error::trouble(format!(
                "{}: this is a Lyra ANS; check reads Question XML and REQ files (use xmlbatch status for answers)",
                paylot_cli::input::quote(&name)
            )))
        }
        Detected::DirectRequest | Detected::DirectAnswer | Detected::SipsJson => {
            return Err(Error::trouble(format!(
                "{}: check reads Question XML and REQ files (Paybox Direct answers: xmlbatch status; a Direct request's HMAC: seal verify --scheme paybox-direct)",
                paylot_cli::input::quote(&name)
            )))
        }
    };
    if bad > 0 {
        return Err(Error::no(format!(
            "{}: {bad} problem{}",
            paylot_cli::input::quote(&name),
            if bad == 1 { "" } else { "s" }
        )));
    }
    let mut summary = match detected {
        Detected::Xml => Summary::new(("question", "questions"), &["valid"]),
        Detected::OfficeBatchRequest => Summary::new(("record", "records"), &["valid"]),
        _ => Summary::new(("payment line", "payment lines"), &["valid"]),
    };
    for _ in 0..items {
        summary.read();
        summary.count("valid");
    }
    summary.say(TOOL, args.quiet.quiet);
    Ok(Outcome::Yes)
}

/// The questions of a Question file, and its problems (each said).
fn check_question(name: &str, reader: Box<dyn BufRead>) -> Result<(u64, u64)> {
    let mut bad = 0u64;
    let mut report = |line: u64, msg: String| {
        bad += 1;
        paylot_cli::note(format_args!("{name}:{line}: {msg}"));
    };
    let rules = Rules {
        allow_names: false,
        decimal_amounts: false,
        today: gateways::calendar::YearMonth::today(),
    };
    let mut seen: HashMap<u32, u64> = HashMap::new();
    let mut questions = 0u64;
    question::read_questions(reader, name, |item| {
        match item {
            QuestionItem::Header(h) => {
                if h.namespace.as_deref() != Some(question::QUESTION_NS) {
                    report(
                        h.line,
                        format!(
                            "the namespace is {} (expected {})",
                            h.namespace
                                .as_deref()
                                .map(show)
                                .unwrap_or_else(|| "missing".into()),
                            question::QUESTION_NS
                        ),
                    );
                }
                if let Err(m) = parse_batch(h.batch.as_deref().unwrap_or("")) {
                    report(h.line, format!("BatchNumber {m}"));
                }
                let created = h.created_on.as_deref().unwrap_or("");
                if gateways::calendar::rfc3339(created).is_none() {
                    report(
                        h.line,
                        format!("CreatedOn {} is not a time (expected RFC 3339, e.g. 2026-11-22T10:15:00+01:00)", show(created)),
                    );
                }
                if let Err(m) = parse_site(h.site.as_deref().unwrap_or("")) {
                    report(h.merchant_line, format!("Merchant Site: {m}"));
                }
                if let Err(m) = parse_written_rank(h.rank.as_deref().unwrap_or("")) {
                    report(h.merchant_line, format!("Merchant Rank: {m}"));
                }
            }
            QuestionItem::Question(q) => {
                questions += 1;
                // The question's card number is card data wherever a
                // message about the question quotes it: in another
                // element, glued to an amount (`<Activity>` holding the
                // card and the amount run together), where no digit
                // rule could tell it from a reference.
                let card: Vec<&str> = q.get(Field::Pan).into_iter().collect();
                let mut report = |line: u64, msg: String| {
                    report(
                        line,
                        paylot_cli::text::hide_card_values(&msg, &card).into_owned(),
                    );
                };
                let label = format!("question {}", show(q.number.as_deref().unwrap_or("")));
                for s in &q.structure {
                    report(q.line, format!("{label}: {s}"));
                }
                if let Some(n) = q.number.as_deref().and_then(|n| parse_question(n).ok()) {
                    if let Some(first) = seen.insert(n, q.line) {
                        report(q.line, format!("{label}: Number is already used on line {first} (numbers must be unique in a file)"));
                    }
                }
                match parse_operation(|f| q.get(f), None, &rules) {
                    Ok(op) => {
                        let brand_token = q.token;
                        if brand_token != op.op.token && op.pan.is_some() {
                            report(
                                q.line,
                                format!(
                                    "{label}: a {} ({}) takes the card as {} (not {})",
                                    op.op.name,
                                    op.op.code,
                                    if op.op.token { "PaymentHandle" } else { "PAN" },
                                    if brand_token { "PaymentHandle" } else { "PAN" }
                                ),
                            );
                        }
                    }
                    Err(problems) => {
                        for p in problems {
                            report(
                                q.line,
                                format!(
                                    "{label}: element {}: {}",
                                    show(p.field.element()),
                                    p.message
                                ),
                            );
                        }
                    }
                }
            }
        }
        Ok(())
    })?;
    if questions == 0 {
        report(
            1,
            "no questions (expected at least one Question in the Merchant)".into(),
        );
    }
    Ok((questions, bad))
}

/// What `xmlbatch check` says of a REQ, held until the file is read whole
/// (its order: the header's, the stray lines', the trailer's, then the
/// payment lines'; and nothing but the error when the file cannot be
/// read to its end): in [`Held`], so memory does not grow with the file.
struct Said {
    name: String,
    /// The header's and stray lines' problems and warnings.
    first: Held,
    /// The payment lines' problems.
    details: Held,
}

const PROBLEM: u8 = 0;
const WARNING: u8 = 1;

impl Said {
    fn hold(to: &mut Held, tag: u8, line: u64, text: &str) -> Result<()> {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        let bytes = &text.as_bytes()[..len as usize];
        [&[tag][..], &line.to_le_bytes(), &len.to_le_bytes(), bytes]
            .iter()
            .try_for_each(|b| to.write_all(b))
            .map_err(|e| Error::io("holding the messages back", e))
    }

    fn problem(&mut self, line: u64, msg: &str) -> Result<()> {
        Said::hold(&mut self.first, PROBLEM, line, msg)
    }

    fn warning(&mut self, text: &str) -> Result<()> {
        Said::hold(&mut self.first, WARNING, 0, text)
    }

    fn detail(&mut self, line: u64, msg: &str) -> Result<()> {
        Said::hold(&mut self.details, PROBLEM, line, msg)
    }

    /// Say what `held` holds, in order; the number of problems.
    fn say(name: &str, held: Held) -> Result<u64> {
        let rerr = |e| Error::io("reading the held messages back", e);
        let mut r = held.into_reader().map_err(rerr)?;
        let mut bad = 0u64;
        loop {
            let mut tag = [0u8; 1];
            if r.read(&mut tag).map_err(rerr)? == 0 {
                return Ok(bad);
            }
            let (mut line, mut len) = ([0u8; 8], [0u8; 4]);
            r.read_exact(&mut line).map_err(rerr)?;
            r.read_exact(&mut len).map_err(rerr)?;
            let mut text = vec![0u8; u32::from_le_bytes(len) as usize];
            r.read_exact(&mut text).map_err(rerr)?;
            let text = String::from_utf8_lossy(&text);
            if tag[0] == PROBLEM {
                bad += 1;
                let line = u64::from_le_bytes(line);
                paylot_cli::note(format_args!("{name}:{line}: {text}"));
            } else {
                paylot_cli::warn(TOOL, text);
            }
        }
    }
}

/// The header's problems and warnings.
fn check_req_header(said: &mut Said, header: &[String], file_name: Option<&Name>) -> Result<()> {
    let name = said.name.clone();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    if let Some((_, msg)) = lyra::check_header(&header, file_name) {
        said.problem(1, &format!("header: {msg}"))?;
    }
    let version = header.get(2).copied().unwrap_or("");
    if let Some(note) = lyra::version_note(version) {
        said.warning(&format!("{name}:1: {note}"))?;
    }
    let date = header.get(5).copied();
    if let Some((n, date)) = file_name.zip(date) {
        let fit = n.header_date(date);
        if fit == HeaderDate::UtcDayBefore {
            said.warning(&format!(
                "{name}:1: the header's creation date {} is the day before the name's date {}: a name given in local time just after midnight (the header's date is the UTC day); to be sure, name the file with the header's date (dropwatch name --date {})",
                show(header[5]),
                n.date,
                header[5]
            ))?;
        } else if fit == HeaderDate::Other {
            said.problem(
                1,
                &format!(
                    "header: the creation date {} is not the name's date {}",
                    show(header[5]),
                    n.date
                ),
            )?;
        }
    }
    Ok(())
}

/// The payment lines of a REQ, and its problems (each said). The file is
/// read line by line (`lyra::each_req_line`): of it only the header, the
/// trailer, the counts and the transaction ids seen are kept, the
/// messages held back in a temporary file past 64 KiB, so memory does not
/// grow with the file (a 310 MB REQ, held whole, aborted under a 300 MB
/// limit).
fn check_req(name: &str, path: Option<&str>, reader: Box<dyn BufRead>) -> Result<(u64, u64)> {
    let mut bad = 0u64;
    let mut report = |line: u64, msg: String| {
        bad += 1;
        paylot_cli::note(format_args!("{name}:{line}: {msg}"));
    };
    let file_name = match path {
        Some(p) => {
            let parsed = Name::parse(p);
            match &parsed {
                Some(n) if n.kind != FileKind::Req => report(0, format!("the name says {}, but the content is a REQ", n.kind.as_str())),
                Some(_) => {}
                None => paylot_cli::warn(
                    TOOL,
                    format!(
                        "{}: the name does not follow YYYYMMDD.<shop>.PAY.REQ.<T|P>.<NN> (no extension); the gateway renames such files _ERROR",
                        paylot_cli::input::quote(name)
                    ),
                ),
            }
            parsed
        }
        None => None,
    };
    let mut said = Said {
        name: name.to_string(),
        first: Held::new(),
        details: Held::new(),
    };
    let mut req = lyra::ReqShape::default();
    let mut seen = lyra::TransactionIds::default();
    lyra::each_req_line(reader, name, |line, kind, rec| {
        if let Some(what) = req.take(line, kind, rec) {
            return said.problem(line, &what);
        }
        match kind {
            lyra::ReqLine::Header => check_req_header(&mut said, &req.header, file_name.as_ref()),
            lyra::ReqLine::Detail => {
                let version = req.header.get(2).map(String::as_str).unwrap_or("");
                let c: Vec<&str> = rec.iter().collect();
                let problems = lyra::check_detail(&c, version);
                for (pos, msg) in &problems {
                    let what = gateways::lyra::codes::POSITIONS
                        .iter()
                        .find(|(p, _)| *p == pos.to_string())
                        .map(|(_, w)| format!(" ({})", w.split(" (").next().unwrap_or(w)))
                        .unwrap_or_default();
                    said.detail(line, &format!("position {pos}{what}: {msg}"))?;
                }
                if problems.is_empty() {
                    if c[1] != req.details.to_string() {
                        said.detail(line, &format!("position 2 (sequence number): {} (expected {}, the lines are numbered 1, 2, ...)", show(c[1]), req.details))?;
                    }
                    let used = seen.record(c[2], c[4], line);
                    if let Some(m) = lyra::TransactionIds::duplicate_message(used, c[2], c[4]) {
                        let m = m.strip_prefix("transaction id ").unwrap_or(&m);
                        said.detail(line, &format!("position 5 (transaction id): {m}"))?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    })?;
    if req.end_line == 0 && req.header.is_empty() {
        // No line at all: the header's checks say so.
        check_req_header(&mut said, &[], file_name.as_ref())?;
    }
    let Said { first, details, .. } = said;
    bad += Said::say(name, first)?;
    let mut report = |line: u64, msg: String| {
        bad += 1;
        paylot_cli::note(format_args!("{name}:{line}: {msg}"));
    };
    match &req.trailer {
        None => report(
            req.end_line,
            format!(
                "no trailer (expected 01;{} here: 01 and the number of detail lines, as the last line)",
                req.details
            ),
        ),
        Some((line, t)) => {
            let count = t.get(1).map(String::as_str).unwrap_or("");
            if t.len() != 2 || count.parse::<usize>().ok() != Some(req.details) {
                report(
                    *line,
                    format!(
                        "trailer {} does not match the {} detail lines (expected 01;{})",
                        show(&t.join(";")),
                        req.details,
                        req.details
                    ),
                );
            }
        }
    }
    if req.details == 0 {
        report(1, "no detail lines (expected at least one 02 line)".into());
    }
    bad += Said::say(name, details)?;
    if req.details > lyra::RECOMMENDED_MAX_LINES {
        paylot_cli::warn(
            TOOL,
            format!(
                "{}: {} payment lines; the gateway recommends at most 2,000 per file",
                paylot_cli::input::quote(name),
                req.details
            ),
        );
    }
    Ok((req.details as u64, bad))
}

/// The records of a Sips Office Batch request file, and its problems
/// (each said): the envelope (`FILE`, `HEADER`, `END` and its count),
/// and per record of a published function its required columns and the
/// formats the dictionary states (`gateways::sips::batch`). A record of
/// another function is passed with a warning: its columns are not
/// published, and a check is never stricter than the gateway.
fn check_office_batch(name: &str, reader: Box<dyn BufRead>) -> Result<(u64, u64)> {
    use gateways::sips::batch::{self, Line};
    let mut bad = 0u64;
    let mut report = |line: u64, msg: String| {
        bad += 1;
        paylot_cli::note(format_args!("{name}:{line}: {msg}"));
    };
    let mut rdr = batch::reader(reader);
    let mut rec = csv::StringRecord::new();
    let (mut records, mut first, mut header, mut end) = (0u64, true, false, None);
    let mut last_line = 0u64;
    while rdr.next_record(name, &mut rec)? {
        let line = rec.position().map_or(0, |p| p.line());
        let cols: Vec<&str> = rec.iter().collect();
        if cols.len() == 1 && cols[0].is_empty() {
            continue;
        }
        last_line = line;
        if let Some((end_line, _)) = end {
            report(
                line,
                format!("a line after END (line {end_line}): END is the last line"),
            );
            continue;
        }
        match batch::classify(&cols, first) {
            Line::File(_, v) => {
                if v < batch::SAMPLE_VERSION {
                    paylot_cli::warn(
                        TOOL,
                        format!("{name}:{line}: CSV interface version {v}: the published columns are those of v{} (which columns earlier versions had is not published): checked against them", batch::SAMPLE_VERSION),
                    );
                }
            }
            Line::Header(h) => {
                if header {
                    report(line, "a second HEADER (one per file)".into());
                } else if h.len() != 4 || h[0].is_empty() {
                    report(
                        line,
                        format!(
                            "HEADER has {} columns after the keyword (expected 4: remitterId;date;time;sequence, e.g. HEADER;023101122334455;2021-12-16+0100;14:26:45+0100;1)",
                            h.len()
                        ),
                    );
                }
                header = true;
            }
            Line::Record(f, kw, cols) => {
                records += 1;
                if !header {
                    report(line, "a record before the HEADER line".into());
                }
                let Some(f) = f else {
                    paylot_cli::warn(
                        TOOL,
                        format!("{name}:{line}: record {}: the columns of {} are not published: not checked", show(cols.first().copied().unwrap_or("")), show(kw)),
                    );
                    continue;
                };
                for (order, cname, msg) in batch::check_record(f, &cols) {
                    report(
                        line,
                        format!(
                            "{} record {}: column {order} ({cname}): {msg}",
                            f.keyword,
                            show(cols.first().copied().unwrap_or(""))
                        ),
                    );
                }
            }
            Line::End(n) => end = Some((line, n.to_string())),
            Line::Other(c) if first => report(
                line,
                format!(
                    "{} is not the FILE line (expected FILE;request;office;v19)",
                    show(&c.join(";"))
                ),
            ),
            Line::Other(c) => report(
                line,
                format!(
                    "{} is not a HEADER, a record (an upper-case function keyword) or END",
                    show(c.first().copied().unwrap_or(""))
                ),
            ),
        }
        first = false;
    }
    if !header {
        report(
            2,
            "no HEADER line (expected HEADER;remitterId;date;time;sequence as the second line)"
                .into(),
        );
    }
    match end {
        None => report(
            last_line + 1,
            format!("no END line (expected END;{records} here, the number of records, as the last line)"),
        ),
        Some((line, n)) if n.parse::<u64>().ok() != Some(records) => report(
            line,
            format!("END;{} does not match the {records} records (expected END;{records})", show(&n)),
        ),
        Some(_) => {}
    }
    if records == 0 {
        report(
            last_line,
            "no records (expected at least one operation)".into(),
        );
    }
    Ok((records, bad))
}
