//! Lyra payment files (Systempay, PayZen, …): version-06 `PAY.REQ` requests
//! and `PAY.ANS` answers. `;`-separated, no quoting: read and written with
//! the csv crate (quoting off), values never contain `;`, CR or LF.

use std::io::{BufRead, Write};

use paylot_cli::{Error, Result};

use crate::codes;
use crate::fields::show;

pub const VERSION: &str = "06";
pub const DETAIL_COLUMNS: usize = 16;
pub const ANS_COLUMNS: usize = 25;
pub const RECOMMENDED_MAX_LINES: usize = 2000;

/// A csv reader for Lyra files: `;`, no quoting, any number of columns,
/// LF or CRLF.
pub fn reader<R: std::io::Read>(src: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .quoting(false)
        .from_reader(src)
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

pub fn csv_error(name: &str, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => {
            Error::io(format!("reading {}", paylot_cli::input::quote(name)), io)
        }
        other => Error::trouble(format!("{name}:{line}: {other:?}")),
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn valid_date(s: &str) -> bool {
    if s.len() != 8 || !digits(s) {
        return false;
    }
    let y: i32 = s[..4].parse().unwrap_or(0);
    let m: u8 = s[4..6].parse().unwrap_or(0);
    let d: u8 = s[6..].parse().unwrap_or(0);
    match time::Month::try_from(m) {
        Ok(month) => time::Date::from_calendar_date(y, month, d).is_ok(),
        Err(_) => false,
    }
}

pub fn valid_time(s: &str) -> bool {
    if s.len() != 6 || !digits(s) {
        return false;
    }
    let h: u8 = s[..2].parse().unwrap_or(99);
    let m: u8 = s[2..4].parse().unwrap_or(99);
    let sec: u8 = s[4..].parse().unwrap_or(99);
    h < 24 && m < 60 && sec < 60
}

/// The mode word for T / P and back.
pub fn mode_letter(mode: &str) -> Option<char> {
    match mode {
        "TEST" => Some('T'),
        "PRODUCTION" => Some('P'),
        _ => None,
    }
}

/// The parts of a file name `YYYYMMDD.<shop>.PAY.<REQ|ANS>.<T|P>.<NN>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub date: String,
    pub shop: String,
    pub kind: String,
    pub mode: char,
    pub sequence: String,
}

/// Parse a Lyra file name (the last path component); None if the name
/// does not follow the pattern.
pub fn parse_file_name(path: &str) -> Option<FileName> {
    let base = path.rsplit('/').next()?;
    let parts: Vec<&str> = base.split('.').collect();
    if parts.len() != 6 || parts[2] != "PAY" {
        return None;
    }
    let ok = valid_date(parts[0])
        && parts[1].len() == 8
        && digits(parts[1])
        && (parts[3] == "REQ" || parts[3] == "ANS")
        && (parts[4] == "T" || parts[4] == "P")
        && parts[5].len() == 2
        && digits(parts[5])
        && parts[5] != "00";
    ok.then(|| FileName {
        date: parts[0].into(),
        shop: parts[1].into(),
        kind: parts[3].into(),
        mode: parts[4].chars().next().unwrap_or('T'),
        sequence: parts[5].into(),
    })
}

/// The checks of a REQ header (`00;PAY;06;<shop>;<mode>;<date>;<time>;`),
/// in the gateway's order. Returns the result code (1 format error,
/// 2 value error) and the gateway's message.
pub fn check_header(cols: &[&str], name: Option<&FileName>) -> Option<(u8, String)> {
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
    if cols[2] != VERSION {
        return Some((
            1,
            format!("Incorrect header version ({}, expected 06)", show(cols[2])),
        ));
    }
    if cols[3].len() != 8 || !digits(cols[3]) {
        return Some((
            2,
            format!(
                "Incorrect shop identification ({}, expected 8 digits)",
                show(cols[3])
            ),
        ));
    }
    if mode_letter(cols[4]).is_none() {
        return Some((
            2,
            format!(
                "Incorrect environment ({}, expected TEST or PRODUCTION)",
                show(cols[4])
            ),
        ));
    }
    if !valid_date(cols[5]) || !valid_time(cols[6]) {
        return Some((
            2,
            "Incorrect creation date or time (expected YYYYMMDD and HHMMSS)".into(),
        ));
    }
    if !cols[7].is_empty() {
        return Some((2, "Execution date not empty".into()));
    }
    if let Some(n) = name {
        if n.shop != cols[3] || Some(n.mode) != mode_letter(cols[4]) {
            return Some((2, "Header does not match filename".into()));
        }
    }
    None
}

/// Problems of one detail line, as (position, message), in position order.
pub fn check_detail(cols: &[&str]) -> Vec<(usize, String)> {
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
            format!("sequence number {} (expected 1 to 999999)", show(seq)),
        ));
    }
    if !valid_date(get(3)) {
        out.push((
            3,
            format!("{} is not a date (expected YYYYMMDD)", show(get(3))),
        ));
    }
    if !valid_time(get(4)) {
        out.push((
            4,
            format!("{} is not a time (expected HHMMSS)", show(get(4))),
        ));
    }
    if get(5).len() != 6 || !digits(get(5)) {
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
    if codes::currency_by_numeric(get(8)).is_none() {
        out.push((
            8,
            format!(
                "{} is not a known ISO 4217 numeric currency (expected e.g. 978)",
                show(get(8))
            ),
        ));
    }
    if !get(9).is_empty() && !valid_date(get(9)) {
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

/// A REQ file read whole: header, detail lines (with their file line),
/// trailer.
#[derive(Debug, Default)]
pub struct Req {
    pub header: Vec<String>,
    pub details: Vec<(u64, Vec<String>)>,
    pub trailer: Option<(u64, Vec<String>)>,
    /// Lines after the trailer, or records other than 00/02/01.
    pub stray: Vec<(u64, String)>,
}

pub fn read_req<R: BufRead>(src: R, name: &str) -> Result<Req> {
    let mut rdr = reader(src);
    let mut rec = csv::StringRecord::new();
    let mut req = Req::default();
    let mut first = true;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                if let csv::ErrorKind::Utf8 { .. } = e.kind() {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    return Err(Error::no(format!(
                        "{name}:{line}: not valid UTF-8 (expected UTF-8 text)"
                    )));
                }
                return Err(csv_error(name, e));
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let mut cols: Vec<String> = rec.iter().map(str::to_string).collect();
        if first {
            if let Some(c) = cols.first_mut() {
                if let Some(stripped) = c.strip_prefix('\u{feff}') {
                    *c = stripped.to_string();
                }
            }
            req.header = cols;
            first = false;
            continue;
        }
        if req.trailer.is_some() {
            req.stray.push((line, "a line after the trailer".into()));
            continue;
        }
        match cols.first().map(String::as_str) {
            Some("02") => req.details.push((line, cols)),
            Some("01") => req.trailer = Some((line, cols)),
            _ if cols.len() == 1 && cols[0].is_empty() => {}
            Some(other) => req.stray.push((
                line,
                format!("record code {} (expected 02 or 01)", show(other)),
            )),
            None => {}
        }
    }
    Ok(req)
}

/// The whole-file checks after the header: trailer present and agreeing.
pub fn check_trailer(req: &Req) -> Option<(u8, String)> {
    if let Some((line, what)) = req.stray.first() {
        return Some((1, format!("line {line}: {what}")));
    }
    match &req.trailer {
        None => Some((
            1,
            "Trailer missing (record code 01 with the number of detail lines)".into(),
        )),
        Some((_, t)) => {
            let count = t.get(1).map(String::as_str).unwrap_or("");
            if t.len() != 2 || count.parse::<usize>().ok() != Some(req.details.len()) {
                Some((
                    1,
                    format!(
                        "Trailer count {} does not match the {} detail lines",
                        show(count),
                        req.details.len()
                    ),
                ))
            } else if req.details.is_empty() {
                Some((2, "No detail lines".into()))
            } else {
                None
            }
        }
    }
}

/// One ANS detail line, as read by `status`.
#[derive(Debug, Clone, Default)]
pub struct AnsLine {
    pub line: u64,
    pub sequence: String,
    pub date: String,
    pub time: String,
    pub transaction_id: String,
    pub amount: String,
    pub currency: String,
    pub return_code: String,
    pub additional: String,
}

/// What an ANS file says.
#[derive(Debug, Default)]
pub struct AnsHeader {
    pub result: String,
    pub message: String,
    pub shop: String,
    pub mode: String,
}
