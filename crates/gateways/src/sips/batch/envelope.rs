//! The envelope of an Office Batch file: its first line (`FILE`), the
//! header, the records and `END`, how each line is told, and the
//! reader and writer of its `;`-separated lines.

use super::columns::Function;
use super::tables::function;

/// The separator of every published sample.
pub const SEPARATOR: u8 = b';';

/// The CSV interface version of every published sample (`FILE;request;office;v19`).
pub const SAMPLE_VERSION: u32 = 19;

/// How a request file starts, and a response file (by symmetry).
pub const REQUEST_START: &[u8] = b"FILE;request;office;";

pub const RESPONSE_START: &[u8] = b"FILE;response;office;";

/// The name of the response to the request file `request`. Worldline's
/// names are not published (the archive's `OFBREQ…` is cut off): this is
/// the sandbox's own, `<request>.response`, to be replaced by the real
/// rule once known.
pub fn response_name(request: &str) -> String {
    format!("{request}.response")
}

/// The file's first line: `FILE;<type>;office;v<NN>`; its type and
/// version.
pub fn parse_file_line(cols: &[&str]) -> Option<(&'static str, u32)> {
    if cols.len() != 4 || cols[0] != "FILE" || cols[2] != "office" {
        return None;
    }
    let kind = match cols[1] {
        "request" => "request",
        "response" => "response",
        _ => return None,
    };
    let v = cols[3].strip_prefix('v')?;
    (crate::invalid::all_digits(v) && v.len() <= 4)
        .then(|| v.parse().ok())
        .flatten()
        .map(|n| (kind, n))
}

/// The header's date and time as the samples write them
/// (`2021-12-16+0100`, `14:26:45+0100`), from a time with its offset.
pub fn header_date_time(t: time::OffsetDateTime) -> (String, String) {
    let off = t.offset();
    let (h, m, _) = off.as_hms();
    let sign = if off.is_negative() { '-' } else { '+' };
    let zone = format!("{sign}{:02}{:02}", h.unsigned_abs(), m.unsigned_abs());
    (
        format!(
            "{:04}-{:02}-{:02}{zone}",
            t.year(),
            t.month() as u8,
            t.day()
        ),
        format!("{:02}:{:02}:{:02}{zone}", t.hour(), t.minute(), t.second()),
    )
}

/// A csv reader for Office Batch files: `;`, no quoting (none is
/// published), any number of columns, LF or CRLF.
pub fn reader<R: std::io::Read>(src: R) -> paylot_cli::csv::Lines<R> {
    crate::lyra::file::reader(src)
}

/// A csv writer for Office Batch files: `;`, never quoted, LF line ends
/// (the terminator is not published).
pub fn writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    crate::lyra::file::writer(out)
}

/// One line of an Office Batch file, as read.
#[derive(Debug)]
pub enum Line<'a> {
    /// `FILE;<type>;office;v<NN>`: request or response, and the version.
    File(&'static str, u32),
    /// `HEADER;…`, its columns after the keyword.
    Header(Vec<&'a str>),
    /// A record: its function when published, its keyword, and columns
    /// 1, 2, ….
    Record(Option<&'static Function>, &'a str, Vec<&'a str>),
    /// `END;<n>`: the count given.
    End(&'a str),
    /// Anything else (a first line that is not `FILE`, an empty line).
    Other(Vec<&'a str>),
}

/// What a line of a file says, the first line being `first`.
pub fn classify<'a>(cols: &[&'a str], first: bool) -> Line<'a> {
    let kw = cols.first().copied().unwrap_or("");
    if first {
        if let Some((kind, v)) = parse_file_line(cols) {
            return Line::File(kind, v);
        }
        return Line::Other(cols.to_vec());
    }
    match kw {
        "HEADER" => Line::Header(cols[1..].to_vec()),
        "END" => Line::End(cols.get(1).copied().unwrap_or("")),
        "" => Line::Other(cols.to_vec()),
        _ if kw.bytes().all(|b| b.is_ascii_uppercase()) => Line::Record(
            function(kw).filter(|f| f.keyword == kw),
            kw,
            cols[1..].to_vec(),
        ),
        _ => Line::Other(cols.to_vec()),
    }
}
