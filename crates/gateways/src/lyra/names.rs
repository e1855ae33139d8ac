//! Lyra payment file names and the states the gateway gives them:
//! `YYYYMMDD.<shop 8 digits>.PAY.<REQ|ANS>.<T|P>.<01..99>`, no extension;
//! `_ERROR` or `_DUPLICATE` appended to a rejected request, `.gz` to a
//! compressed file.

use std::fmt;

use crate::calendar::{is_yyyymmdd, previous_day};

/// Suffix appended by the gateway to a file whose name or size is wrong.
pub const ERROR_SUFFIX: &str = "_ERROR";
/// Suffix appended by the gateway to a name it has already processed.
pub const DUPLICATE_SUFFIX: &str = "_DUPLICATE";
/// Suffix of compressed files.
pub const GZ_SUFFIX: &str = ".gz";

/// A request (REQ, the merchant's) or its answer (ANS, the gateway's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Req,
    Ans,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Req => "REQ",
            FileKind::Ans => "ANS",
        }
    }
}

/// Lyra mode: test or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Mode {
    Test,
    Production,
}

impl Mode {
    /// The letter of file names.
    pub fn letter(self) -> char {
        match self {
            Mode::Test => 'T',
            Mode::Production => 'P',
        }
    }

    /// The word of REQ and ANS headers.
    pub fn word(self) -> &'static str {
        match self {
            Mode::Test => "TEST",
            Mode::Production => "PRODUCTION",
        }
    }

    /// The mode a header word names.
    pub fn from_word(word: &str) -> Option<Mode> {
        [Mode::Test, Mode::Production]
            .into_iter()
            .find(|m| m.word() == word)
    }
}

/// A Lyra payment file name: `YYYYMMDD.<shop>.PAY.<REQ|ANS>.<T|P>.<01..99>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name {
    pub date: String,
    pub shop: String,
    pub kind: FileKind,
    pub mode: Mode,
    pub seq: u8,
}

/// How a header's creation date stands to its file's name
/// ([`Name::header_date`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderDate {
    Same,
    UtcDayBefore,
    Other,
}

impl Name {
    /// Parse a bare name (no `_ERROR`, no `.gz`; a path's last component).
    pub fn parse(name: &str) -> Option<Name> {
        let name = name.rsplit('/').next().unwrap_or(name);
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() != 6 {
            return None;
        }
        let (date, shop, op, dir, mode, seq) =
            (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
        if !is_yyyymmdd(date) || !is_shop_id(shop) || op != "PAY" {
            return None;
        }
        let kind = match dir {
            "REQ" => FileKind::Req,
            "ANS" => FileKind::Ans,
            _ => return None,
        };
        let mode = match mode {
            "T" => Mode::Test,
            "P" => Mode::Production,
            _ => return None,
        };
        if !digits(seq, 2) {
            return None;
        }
        let seq: u8 = seq.parse().ok()?;
        if seq == 0 {
            return None;
        }
        Some(Name {
            date: date.to_string(),
            shop: shop.to_string(),
            kind,
            mode,
            seq,
        })
    }

    /// How a header's creation date (a UTC day, `YYYYMMDD`) stands to the
    /// name's date: the same day; the UTC day before it (a name given in
    /// local time just after midnight: a file built at 00:30 in Paris is
    /// of the previous UTC day — no source says the gateway compares the
    /// dates); or another day, which `xmlbatch check` calls a problem and
    /// `xmlbatch build -o NAME` warns about (and writes: a nightly job
    /// builds a past day's file).
    pub fn header_date(&self, header_date: &str) -> HeaderDate {
        if header_date == self.date {
            HeaderDate::Same
        } else if previous_day(&self.date).as_deref() == Some(header_date) {
            HeaderDate::UtcDayBefore
        } else {
            HeaderDate::Other
        }
    }

    /// The same file of the other kind (REQ ↔ ANS).
    pub fn with_kind(&self, kind: FileKind) -> Name {
        Name {
            kind,
            ..self.clone()
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.PAY.{}.{}.{:02}",
            self.date,
            self.shop,
            self.kind.as_str(),
            self.mode.letter(),
            self.seq
        )
    }
}

/// Why the Lyra gateway would refuse a name, in words that say what would
/// be right; `None` when the name is a valid request name.
pub fn request_problem(name: &str) -> Option<String> {
    let expected = "expected YYYYMMDD.<shop 8 digits>.PAY.REQ.<T|P>.<01..99>, no extension, e.g. 20181130.12345678.PAY.REQ.T.01";
    match Name::parse(name) {
        Some(n) if n.kind == FileKind::Req => None,
        Some(_) => Some(format!("an ANS name cannot be uploaded ({expected})")),
        None => {
            let parts: Vec<&str> = name.split('.').collect();
            let detail = if parts.len() != 6 {
                format!("{} dot-separated parts instead of 6", parts.len())
            } else if !is_yyyymmdd(parts[0]) {
                format!("\"{}\" is not a date YYYYMMDD", parts[0])
            } else if !is_shop_id(parts[1]) {
                format!("shop \"{}\" is not 8 digits", parts[1])
            } else if parts[2] != "PAY" {
                format!("\"{}\" instead of PAY", parts[2])
            } else if parts[3] != "REQ" && parts[3] != "ANS" {
                format!("\"{}\" instead of REQ", parts[3])
            } else if parts[4] != "T" && parts[4] != "P" {
                format!("mode \"{}\" instead of T or P", parts[4])
            } else {
                format!("sequence \"{}\" is not 01..99", parts[5])
            };
            Some(format!("bad name: {detail} ({expected})"))
        }
    }
}

/// A name with the gateway's decorations removed: (base, rejection, gz).
pub fn strip_decorations(name: &str) -> (&str, Option<Rejection>, bool) {
    let (name, gz) = match name.strip_suffix(GZ_SUFFIX) {
        Some(n) => (n, true),
        None => (name, false),
    };
    for (suffix, kind) in [
        (ERROR_SUFFIX, Rejection::Error),
        (DUPLICATE_SUFFIX, Rejection::Duplicate),
    ] {
        if let Some(at) = name.find(suffix) {
            return (&name[..at], Some(kind), gz);
        }
    }
    (name, None, gz)
}

/// How the gateway rejected a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Error,
    Duplicate,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Error => "error",
            Rejection::Duplicate => "duplicate",
        }
    }
    pub fn suffix(self) -> &'static str {
        match self {
            Rejection::Error => ERROR_SUFFIX,
            Rejection::Duplicate => DUPLICATE_SUFFIX,
        }
    }
}

/// Whether `s` is a shop identifier as Lyra writes it: 8 digits (a
/// name's second part, a REQ header's fourth column, `--shop`).
pub fn is_shop_id(s: &str) -> bool {
    digits(s, 8)
}

fn digits(s: &str, len: usize) -> bool {
    s.len() == len && crate::invalid::all_digits(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_names_parse() {
        for n in [
            "20200603.12345678.PAY.REQ.T.01",
            "20200603.12345678.PAY.REQ.P.01",
            "20200603.12345678.PAY.ANS.T.01",
            "20181130.12345678.PAY.REQ.T.01",
        ] {
            let p = Name::parse(n).unwrap();
            assert_eq!(p.to_string(), n);
        }
        let p = Name::parse("outbox/20161130.12345678.PAY.REQ.T.01").unwrap();
        assert_eq!(
            p.with_kind(FileKind::Ans).to_string(),
            "20161130.12345678.PAY.ANS.T.01"
        );
        assert_eq!(Mode::from_word("PRODUCTION"), Some(Mode::Production));
        assert_eq!(Mode::Test.word(), "TEST");
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        for (n, word) in [
            ("20191130.12345678.PAY.REQ.T.01.csv", "7 dot-separated"),
            ("20191131.12345678.PAY.REQ.T.01", "not a date"),
            ("20191130.1234567.PAY.REQ.T.01", "shop"),
            ("20191130.12345678.FPS.REQ.T.01", "instead of PAY"),
            ("20191130.12345678.PAY.REQ.X.01", "mode"),
            ("20191130.12345678.PAY.REQ.T.00", "sequence"),
            ("20191130.12345678.PAY.REQ.T.1", "sequence"),
            ("20191130.12345678.PAY.ANS.T.01", "ANS"),
        ] {
            let p = request_problem(n).unwrap_or_default();
            assert!(p.contains(word), "{n}: {p}");
        }
        assert_eq!(request_problem("20191130.12345678.PAY.REQ.T.99"), None);
    }

    #[test]
    fn decorations_are_stripped() {
        assert_eq!(
            strip_decorations("20191130.12345678.PAY.ANS.T.01_ERROR"),
            (
                "20191130.12345678.PAY.ANS.T.01",
                Some(Rejection::Error),
                false
            )
        );
        assert_eq!(
            strip_decorations("x_DUPLICATE.2.gz"),
            ("x", Some(Rejection::Duplicate), true)
        );
    }
}
