//! Lyra payment files (Systempay, PayZen, …): version-06 `PAY.REQ` requests
//! and `PAY.ANS` answers. `;`-separated, no quoting: read and written with
//! the csv crate (quoting off), values never contain `;`, CR or LF.

use std::io::Write;

use paylot_cli::{Error, Result};

use super::names::{Mode, Name};
use crate::calendar::{is_hhmmss, is_yyyymmdd};
use crate::currency;
use crate::invalid::show;

/// The current version, the one `xmlbatch build` writes.
pub const VERSION: &str = "06";
/// Every header version Lyra has published, oldest first. 02 to 05 are
/// deprecated, not withdrawn: their pages are still published as
/// "(deprecated)" (V2 response, V3/V4/V5 request files), and Lyra's
/// published answers to V2 files echo 02
/// (https://sogecommerce.societegenerale.eu/doc/en-EN/payment-file/ips/v2-response-file-deprecated.html ,
/// https://payzen.io/en-EN/form-payment/payment-method/sepa-recurring/analyzing-the-return-file-ans.html ,
/// https://sogecommerce.societegenerale.eu/doc/en-EN/payment-file/ips/v5-request-file-deprecated.html).
/// The gateway's "Incorrect header version" is kept for any other value.
pub const VERSIONS: [&str; 5] = ["02", "03", "04", "05", "06"];

/// What a header version other than the current one means for the
/// merchant, in words: deprecated, and what moving to 06 changes, as far
/// as Lyra published it (the header's layout is the same in every
/// version; detail positions 1 to 11 mean the same in V3 to V6; what V6
/// changed beyond that is not published). None for 06 or an unknown value.
pub fn version_note(version: &str) -> Option<String> {
    let to_six = "to move to the current version write 06 in header column 3: the header has the same 8 columns in every version and detail positions 1 to 11 keep their meaning (V6 reads the transaction id as NUMERIC 6 and the amount as up to 13 digits); what else V6 changed is not published";
    let what = match version {
        "02" => "version 02 (V2) is deprecated, not withdrawn: Lyra's own worked example is V2, the gateway still reads it and its answer echoes 02",
        "03" => "version 03 (V3) is deprecated: the Lyra pages disagree here, the Back Office \"check file format\" page still names 03 (left over from the V3 era) while the V6 pages say 06",
        "04" => "version 04 (V4) is deprecated (V4 read the transaction id as Alphanumeric 6 and the amount as up to 12 digits)",
        "05" => "version 05 (V5) is deprecated (V5 read the transaction id as Alphanumeric 6)",
        _ => return None,
    };
    Some(format!("header {what}; {to_six}"))
}

/// Whether a version reads the transaction id as Alphanumeric 6 (V4, V5)
/// rather than NUMERIC 6 (V3, V6; V2 by its example, 000001).
fn alphanumeric_ids(version: &str) -> bool {
    matches!(version, "04" | "05")
}
pub const DETAIL_COLUMNS: usize = 16;
pub const ANS_COLUMNS: usize = 25;
pub const RECOMMENDED_MAX_LINES: usize = 2000;
/// The largest number of detail lines a file can have: their sequence
/// number is NUMERIC 6 (the gateway's field format).
pub const MAX_LINES: usize = 999_999;

/// The transaction ids used in a file, per day: an id is 6 digits and must
/// be unique per shop per day. For the first few days of a file (a file
/// covers one or two) a fixed table per day keeps the line of each id's
/// first use; past them, a set says only that an id was used on a day —
/// one entry an id, not a table a day (a file of a thousand lines of a
/// thousand days took a table of 125 KB for each, 125 MB), so memory
/// grows with the ids recorded, at most the gateway's
/// [`MAX_LINES`] a file, never with the days.
#[derive(Default)]
pub struct TransactionIds {
    /// The first days, with the line of each id's first use (0: unused).
    days: Vec<(String, Box<[u32]>)>,
    /// The ids used on later days, as day (YYYYMMDD) × 1,000,000 + id.
    later: std::collections::HashSet<u64>,
}

/// How many days keep the line of each id (4 MB each).
const DAYS_WITH_LINES: usize = 3;
const IDS: usize = 1_000_000;

/// Whether an id was used before in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Used {
    /// No: now it is.
    First,
    /// Yes, first on this line.
    OnLine(u64),
    /// Yes, on an earlier line.
    Before,
}

impl TransactionIds {
    /// Record the use of `id` (6 digits) on `date` (YYYYMMDD) at `line`;
    /// an id that is not 6 digits, or a date that is not 8, is the detail
    /// check's business, not counted here.
    pub fn record(&mut self, date: &str, id: &str, line: u64) -> Used {
        let six = id.len() == 6 && id.bytes().all(|b| b.is_ascii_digit());
        let eight = date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit());
        let (Some(n), Some(day)) = (
            six.then(|| id.parse::<usize>().ok()).flatten(),
            eight.then(|| date.parse::<u64>().ok()).flatten(),
        ) else {
            return Used::First;
        };
        let at = match self.days.iter().position(|(d, _)| d == date) {
            Some(i) => Some(i),
            None if self.days.len() < DAYS_WITH_LINES => {
                self.days
                    .push((date.to_string(), vec![0u32; IDS].into_boxed_slice()));
                Some(self.days.len() - 1)
            }
            None => None,
        };
        match at {
            Some(i) => {
                let lines = &mut self.days[i].1;
                match lines[n] {
                    0 => {
                        lines[n] = u32::try_from(line).unwrap_or(u32::MAX).max(1);
                        Used::First
                    }
                    first => Used::OnLine(u64::from(first)),
                }
            }
            None => {
                if self.later.insert(day * IDS as u64 + n as u64) {
                    Used::First
                } else {
                    Used::Before
                }
            }
        }
    }

    /// The message for an id used twice, or None for its first use.
    pub fn duplicate_message(used: Used, date: &str, id: &str) -> Option<String> {
        let where_ = match used {
            Used::First => return None,
            Used::OnLine(l) => format!("on line {l}"),
            Used::Before => "on an earlier line".to_string(),
        };
        Some(format!(
            "transaction id {id} is already used {where_} for {date} (ids must be unique per shop per day)"
        ))
    }
}

/// A csv reader for Lyra files: `;`, no quoting, any number of columns,
/// LF, CRLF or CR; a line past [`paylot_cli::limits::LINE`] is refused where
/// it starts, before it is held whole (a hostile file may be one line of
/// gigabytes).
pub fn reader<R: std::io::Read>(src: R) -> paylot_cli::csv::Lines<R> {
    paylot_cli::csv::Lines::new(
        csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .flexible(true)
            .quoting(false),
        src,
        paylot_cli::limits::LINE,
    )
}

/// A csv writer for Lyra files: `;`, never quoted, LF line ends.
pub fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .quote_style(csv::QuoteStyle::Never)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The checks of a REQ header (`00;PAY;06;<shop>;<mode>;<date>;<time>;`),
/// in the gateway's order. Returns the result code (1 format error,
/// 2 value error) and the gateway's message.
pub fn check_header(cols: &[&str], name: Option<&Name>) -> Option<(u8, String)> {
    if cols.first() != Some(&"00") {
        return Some((1, "Expected header type (record code 00)".into()));
    }
    if cols.len() != 8 {
        return Some((
            1,
            format!(
                "Invalid number of columns (the header has {}, expected 8)",
                cols.len()
            ),
        ));
    }
    if cols[1] != "PAY" {
        return Some((1, "PAY not present in the header".into()));
    }
    if !VERSIONS.contains(&cols[2]) {
        return Some((
            1,
            format!("Incorrect header version ({}, expected 06)", show(cols[2])),
        ));
    }
    if !super::names::is_shop_id(cols[3]) {
        return Some((
            2,
            format!(
                "Incorrect shop identification ({}, expected 8 digits)",
                show(cols[3])
            ),
        ));
    }
    if Mode::from_word(cols[4]).is_none() {
        return Some((
            2,
            format!(
                "Incorrect environment ({}, expected TEST or PRODUCTION)",
                show(cols[4])
            ),
        ));
    }
    if !is_yyyymmdd(cols[5]) || !is_hhmmss(cols[6]) {
        return Some((
            2,
            "Incorrect creation date or time (expected YYYYMMDD and HHMMSS)".into(),
        ));
    }
    if !cols[7].is_empty() {
        return Some((2, "Execution date not empty".into()));
    }
    if let Some(n) = name {
        if n.shop != cols[3] || Some(n.mode) != Mode::from_word(cols[4]) {
            return Some((2, "Header does not match filename".into()));
        }
    }
    None
}

/// Problems of one detail line of a file of header `version`, as
/// (position, message), in position order.
pub fn check_detail(cols: &[&str], version: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let get = |i: usize| cols.get(i - 1).copied().unwrap_or("");
    if get(1) != "02" {
        out.push((1, format!("record code {} (expected 02)", show(get(1)))));
        return out;
    }
    if cols.len() < 11 {
        out.push((
            cols.len() + 1,
            format!("the line has {} columns (expected 16)", cols.len()),
        ));
        return out;
    }
    if cols.len() > DETAIL_COLUMNS {
        out.push((
            DETAIL_COLUMNS + 1,
            format!("the line has {} columns (expected 16)", cols.len()),
        ));
    }
    let seq = get(2);
    if !digits(seq) || seq.len() > 6 || seq.trim_start_matches('0').is_empty() {
        out.push((
            2,
            format!(
                "sequence number {} (expected 1 to {MAX_LINES}: NUMERIC 6, the gateway's format)",
                show(seq)
            ),
        ));
    }
    if !is_yyyymmdd(get(3)) {
        out.push((
            3,
            format!("{} is not a date (expected YYYYMMDD)", show(get(3))),
        ));
    }
    if !is_hhmmss(get(4)) {
        out.push((
            4,
            format!("{} is not a time (expected HHMMSS)", show(get(4))),
        ));
    }
    if alphanumeric_ids(version) {
        if get(5).len() != 6 || !get(5).bytes().all(|b| b.is_ascii_alphanumeric()) {
            out.push((
                5,
                format!(
                    "{} is not a transaction id (expected 6 letters or digits in version {version}, e.g. 000001)",
                    show(get(5))
                ),
            ));
        }
    } else if get(5).len() != 6 || !digits(get(5)) {
        out.push((
            5,
            format!(
                "{} is not a transaction id (expected 6 digits, e.g. 000001)",
                show(get(5))
            ),
        ));
    }
    if get(6) != "CD" {
        out.push((
            6,
            format!("transaction type {} (expected CD)", show(get(6))),
        ));
    }
    if !digits(get(7)) || get(7).len() > 13 {
        out.push((
            7,
            format!(
                "{} is not an amount in cents (expected up to 13 digits, e.g. 1250)",
                show(get(7))
            ),
        ));
    }
    if currency::currency_by_numeric(get(8)).is_none() {
        out.push((
            8,
            format!(
                "{} is not a known ISO 4217 numeric currency (expected e.g. 978)",
                show(get(8))
            ),
        ));
    }
    if !get(9).is_empty() && !is_yyyymmdd(get(9)) {
        out.push((
            9,
            format!(
                "{} is not a capture date (expected YYYYMMDD or empty)",
                show(get(9))
            ),
        ));
    }
    if !["", "0", "1"].contains(&get(10)) {
        out.push((
            10,
            format!(
                "{} is not a validation mode (expected 0, 1 or empty)",
                show(get(10))
            ),
        ));
    }
    let token = get(11);
    if token.is_empty()
        || token.chars().count() > 50
        || token.chars().any(|c| c.is_control() || c == ' ')
    {
        out.push((
            11,
            format!(
                "{} is not a token (expected 1 to 50 characters, no spaces)",
                show(token)
            ),
        ));
    }
    for (pos, max) in [(12, 255), (13, 64), (14, 255), (15, 255), (16, 255)] {
        let v = get(pos);
        let n = v.chars().count();
        if n > max {
            out.push((
                pos,
                format!("{} is {n} characters long (at most {max})", show(v)),
            ));
        } else if v.chars().any(char::is_control) {
            out.push((
                pos,
                format!("{} contains a control character (not allowed)", show(v)),
            ));
        }
    }
    out
}

/// What the whole-file checks of a REQ need, gathered line by line as
/// [`each_req_line`] reads it: the header, the trailer, the number of
/// payment lines, the first stray line. Bounded whatever the file (each
/// line is at most [`paylot_cli::limits::LINE`]): the payment lines
/// themselves are the caller's to judge as they pass, never kept.
#[derive(Debug, Default)]
pub struct ReqShape {
    /// The header's columns (a BOM before the first one dropped); empty
    /// when the file has no line.
    pub header: Vec<String>,
    /// How many payment lines (`02`) there are.
    pub details: usize,
    pub trailer: Option<(u64, Vec<String>)>,
    /// The first line after the trailer or of a record other than
    /// 00/02/01, and what it is: the gateway's check names the first.
    pub first_stray: Option<(u64, String)>,
    /// The line after the last record read: where a missing trailer was
    /// expected.
    pub end_line: u64,
}

impl ReqShape {
    /// Take the line `line` of kind `kind` into account; for a stray line
    /// (after the trailer, or of another record code), what it is.
    pub fn take(&mut self, line: u64, kind: ReqLine, rec: &csv::StringRecord) -> Option<String> {
        if !(rec.len() == 1 && rec[0].is_empty()) {
            self.end_line = line + 1;
        }
        let stray = match kind {
            ReqLine::Header => {
                self.header = rec.iter().map(str::to_string).collect();
                if let Some(c) = self.header.first_mut() {
                    if let Some(stripped) = c.strip_prefix('\u{feff}') {
                        *c = stripped.to_string();
                    }
                }
                None
            }
            ReqLine::AfterTrailer => Some("a line after the trailer".to_string()),
            ReqLine::Detail => {
                self.details += 1;
                None
            }
            ReqLine::Trailer => {
                self.trailer = Some((line, rec.iter().map(str::to_string).collect()));
                None
            }
            ReqLine::Blank => None,
            ReqLine::Other => Some(format!("record code {} (expected 02 or 01)", show(&rec[0]))),
        };
        if let Some(what) = &stray {
            self.first_stray.get_or_insert_with(|| (line, what.clone()));
        }
        stray
    }
}

/// What a line of a REQ is, by its place and record code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReqLine {
    /// The first line (its first column may start with a BOM).
    Header,
    /// A payment line (`02`).
    Detail,
    /// The trailer (`01`).
    Trailer,
    /// Any line after the trailer.
    AfterTrailer,
    /// An empty line.
    Blank,
    /// A record code other than `02` or `01`.
    Other,
}

/// Call `f` with the line, the kind and the columns of each line of the
/// REQ read from `src`, one at a time (memory does not grow with the
/// file: what a caller keeps is its own, [`ReqShape`] what the whole-file
/// checks need), through the one reader of line files
/// (`Lines::next_record`: line ends, blank lines, line numbers, the
/// bound and the encoding are its). A line that is not UTF-8 is a "no"
/// (status 1: the gateway would reject the file;
/// `Lines::non_utf8_refused`); a line past its bound, or a payment line
/// past the [`MAX_LINES`]th, is past its bound (status 2; a refusal for
/// `xmlbatch respond`): what is kept of each payment line (its
/// transaction id, at the least) stays bounded by the gateway's own
/// limit.
pub fn each_req_line<R: std::io::Read>(
    src: R,
    name: &str,
    mut f: impl FnMut(u64, ReqLine, &csv::StringRecord) -> Result<()>,
) -> Result<()> {
    let mut rdr = reader(src).non_utf8_refused();
    let mut rec = csv::StringRecord::new();
    let mut first = true;
    let mut after_trailer = false;
    let mut details = 0usize;
    while rdr.next_record(name, &mut rec)? {
        let kind = if first {
            first = false;
            ReqLine::Header
        } else if after_trailer {
            ReqLine::AfterTrailer
        } else {
            match &rec[0] {
                "02" => ReqLine::Detail,
                "01" => {
                    after_trailer = true;
                    ReqLine::Trailer
                }
                "" if rec.len() == 1 => ReqLine::Blank,
                _ => ReqLine::Other,
            }
        };
        let line = rdr.line();
        if kind == ReqLine::Detail {
            details += 1;
            if details > MAX_LINES {
                return Err(Error::past_bound(format!(
                    "{name}:{line}: more than {MAX_LINES} payment lines, the most a Lyra request holds (its sequence number is NUMERIC 6): not a request of this gateway (is this the file meant?); nothing was read past it"
                )));
            }
        }
        f(line, kind, &rec)?;
    }
    Ok(())
}

/// The whole-file checks after the header: trailer present and agreeing.
pub fn check_trailer(req: &ReqShape) -> Option<(u8, String)> {
    if let Some((line, what)) = &req.first_stray {
        return Some((1, format!("line {line}: {what}")));
    }
    match &req.trailer {
        None => Some((
            1,
            "Trailer missing (record code 01 with the number of detail lines)".into(),
        )),
        Some((_, t)) => {
            let count = t.get(1).map(String::as_str).unwrap_or("");
            if t.len() != 2 || count.parse::<usize>().ok() != Some(req.details) {
                Some((
                    1,
                    format!(
                        "Trailer count {} does not match the {} detail lines",
                        show(count),
                        req.details
                    ),
                ))
            } else if req.details == 0 {
                Some((2, "No detail lines".into()))
            } else {
                None
            }
        }
    }
}
