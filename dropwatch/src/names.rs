//! File names of the two gateways: parsing, classifying, building.
//!
//! Lyra (Systempay, PayZen, …): `YYYYMMDD.<shop 8 digits>.PAY.<REQ|ANS>.<T|P>.<01..99>`,
//! no extension; the gateway appends `_ERROR` or `_DUPLICATE` to rejected
//! files and `.gz` to compressed ones.
//!
//! Paybox: the gateway does not publish a naming rule for Question files, so
//! this project chooses one, with the batch number in the name so that a
//! gateway (and the sandbox) can order files without reading them. The
//! default template is `{site}.{rank}.{batch:06}.xml`
//! (`1999888.032.000042.xml`); the answer is `<stem>.status.xml` and a file
//! that could not be processed gets `<stem>.err`.

use std::fmt;

/// Suffix appended by the gateway to a file whose name or size is wrong.
pub const ERROR_SUFFIX: &str = "_ERROR";
/// Suffix appended by the gateway to a name it has already processed.
pub const DUPLICATE_SUFFIX: &str = "_DUPLICATE";
/// Suffix of compressed files.
pub const GZ_SUFFIX: &str = ".gz";
/// Prefix of every file dropwatch itself writes inside a tree (state,
/// temporary answers); such files are never reported, swept or processed.
pub const OWN_PREFIX: &str = ".dropwatch";

/// Lyra file direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Req,
    Ans,
}

/// Lyra mode: test or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Mode {
    Test,
    Production,
}

impl Mode {
    pub fn letter(self) -> char {
        match self {
            Mode::Test => 'T',
            Mode::Production => 'P',
        }
    }
}

/// A parsed Lyra payment file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LyraName {
    pub date: String,
    pub shop: String,
    pub direction: Direction,
    pub mode: Mode,
    pub seq: u8,
}

impl LyraName {
    /// Parse a bare name (no `_ERROR`, no `.gz`).
    pub fn parse(name: &str) -> Option<LyraName> {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() != 6 {
            return None;
        }
        let (date, shop, op, dir, mode, seq) =
            (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
        if !is_date(date) || !all_digits(shop, 8) || op != "PAY" {
            return None;
        }
        let direction = match dir {
            "REQ" => Direction::Req,
            "ANS" => Direction::Ans,
            _ => return None,
        };
        let mode = match mode {
            "T" => Mode::Test,
            "P" => Mode::Production,
            _ => return None,
        };
        if !all_digits(seq, 2) {
            return None;
        }
        let seq: u8 = seq.parse().ok()?;
        if seq == 0 {
            return None;
        }
        Some(LyraName {
            date: date.to_string(),
            shop: shop.to_string(),
            direction,
            mode,
            seq,
        })
    }

    /// The same file in the other direction (REQ ↔ ANS).
    pub fn with_direction(&self, direction: Direction) -> LyraName {
        LyraName {
            direction,
            ..self.clone()
        }
    }
}

impl fmt::Display for LyraName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.PAY.{}.{}.{:02}",
            self.date,
            self.shop,
            match self.direction {
                Direction::Req => "REQ",
                Direction::Ans => "ANS",
            },
            self.mode.letter(),
            self.seq
        )
    }
}

/// Why the Lyra gateway would refuse a name, in words that say what would
/// be right; `None` when the name is a valid request name.
pub fn lyra_request_problem(name: &str) -> Option<String> {
    let expected = "expected YYYYMMDD.<shop 8 digits>.PAY.REQ.<T|P>.<01..99>, no extension, e.g. 20181130.12345678.PAY.REQ.T.01";
    match LyraName::parse(name) {
        Some(n) if n.direction == Direction::Req => None,
        Some(_) => Some(format!("an ANS name cannot be uploaded ({expected})")),
        None => {
            let parts: Vec<&str> = name.split('.').collect();
            let detail = if parts.len() != 6 {
                format!("{} dot-separated parts instead of 6", parts.len())
            } else if !is_date(parts[0]) {
                format!("\"{}\" is not a date YYYYMMDD", parts[0])
            } else if !all_digits(parts[1], 8) {
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

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYYMMDD`, a real calendar date.
pub fn is_date(s: &str) -> bool {
    if !all_digits(s, 8) {
        return false;
    }
    let y: i32 = s[0..4].parse().unwrap_or(0);
    let m: u8 = s[4..6].parse().unwrap_or(0);
    let d: u8 = s[6..8].parse().unwrap_or(0);
    match time::Month::try_from(m) {
        Ok(month) => time::Date::from_calendar_date(y, month, d).is_ok(),
        Err(_) => false,
    }
}

// ---------------------------------------------------------------------------
// Paybox

/// The default Paybox Question naming template.
pub const DEFAULT_PAYBOX_TEMPLATE: &str = "{site}.{rank}.{batch:06}.xml";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Site,
    Rank,
    Batch(Option<usize>),
}

/// A Paybox Question naming template: literal text with the placeholders
/// `{site}` (7 digits), `{rank}` (3 digits) and `{batch}` or `{batch:N}`
/// (the batch number, zero-padded to exactly N digits). It must hold
/// `{batch}` and end with `.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
    text: String,
}

/// A parsed Paybox Question name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionName {
    pub site: Option<String>,
    pub rank: Option<String>,
    pub batch: u64,
}

impl QuestionName {
    /// The merchant key the batch sequence belongs to (`site.rank`).
    pub fn merchant_key(&self) -> String {
        format!(
            "{}.{}",
            self.site.as_deref().unwrap_or("-"),
            self.rank.as_deref().unwrap_or("-")
        )
    }
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        let mut literal = String::new();
        while let Some(c) = rest.chars().next() {
            if c == '{' {
                let end = rest
                    .find('}')
                    .ok_or_else(|| format!("template \"{text}\": \"{{\" without \"}}\""))?;
                let inner = &rest[1..end];
                let piece = match inner {
                    "site" => Piece::Site,
                    "rank" => Piece::Rank,
                    "batch" => Piece::Batch(None),
                    _ => match inner.strip_prefix("batch:") {
                        Some(w) => {
                            let w: usize = w.trim_start_matches('0').parse().map_err(|_| {
                                format!("template \"{text}\": bad width in {{{inner}}} (expected e.g. {{batch:06}})")
                            })?;
                            if !(1..=18).contains(&w) {
                                return Err(format!(
                                    "template \"{text}\": batch width must be 1..18"
                                ));
                            }
                            Piece::Batch(Some(w))
                        }
                        None => {
                            return Err(format!(
                            "template \"{text}\": unknown placeholder {{{inner}}} (expected {{site}}, {{rank}}, {{batch}} or {{batch:N}})"
                        ))
                        }
                    },
                };
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                } else if matches!(pieces.last(), Some(p) if !matches!(p, Piece::Literal(_))) {
                    return Err(format!(
                        "template \"{text}\": two placeholders must be separated by text"
                    ));
                }
                pieces.push(piece);
                rest = &rest[end + 1..];
            } else {
                if c == '/' || c == '}' {
                    return Err(format!("template \"{text}\": \"{c}\" is not allowed"));
                }
                literal.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        // A digit next to a placeholder would make names ambiguous.
        for (i, p) in pieces.iter().enumerate() {
            if let Piece::Literal(l) = p {
                let after_placeholder = i > 0;
                let before_placeholder = i + 1 < pieces.len();
                let starts_digit = l.chars().next().is_some_and(|c| c.is_ascii_digit());
                let ends_digit = l.chars().last().is_some_and(|c| c.is_ascii_digit());
                if (after_placeholder && starts_digit) || (before_placeholder && ends_digit) {
                    return Err(format!(
                        "template \"{text}\": a digit next to a placeholder makes names ambiguous"
                    ));
                }
            }
        }
        if pieces
            .iter()
            .filter(|p| matches!(p, Piece::Batch(_)))
            .count()
            != 1
        {
            return Err(format!(
                "template \"{text}\": must hold {{batch}} exactly once"
            ));
        }
        if !text.ends_with(".xml") || text.starts_with('.') || text.contains("..") {
            return Err(format!(
                "template \"{text}\": must end with \".xml\" and not start with \".\" nor hold \"..\""
            ));
        }
        Ok(Template {
            pieces,
            text: text.to_string(),
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The largest batch number the template can express.
    pub fn max_batch(&self) -> u64 {
        for p in &self.pieces {
            if let Piece::Batch(Some(w)) = p {
                return 10u64.pow(*w as u32) - 1;
            }
        }
        999_999_999_999_999_999
    }

    pub fn uses_site(&self) -> bool {
        self.pieces.contains(&Piece::Site)
    }

    pub fn uses_rank(&self) -> bool {
        self.pieces.contains(&Piece::Rank)
    }

    /// Build a name.
    pub fn render(&self, site: &str, rank: &str, batch: u64) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Literal(l) => out.push_str(l),
                Piece::Site => out.push_str(site),
                Piece::Rank => out.push_str(rank),
                Piece::Batch(None) => out.push_str(&batch.to_string()),
                Piece::Batch(Some(w)) => out.push_str(&format!("{batch:0w$}")),
            }
        }
        out
    }

    /// Parse a Question name (no `.status.xml`, `.err`, `.gz`).
    pub fn parse_name(&self, name: &str) -> Option<QuestionName> {
        let mut rest = name;
        let mut q = QuestionName {
            site: None,
            rank: None,
            batch: 0,
        };
        for p in &self.pieces {
            match p {
                Piece::Literal(l) => rest = rest.strip_prefix(l.as_str())?,
                Piece::Site | Piece::Rank | Piece::Batch(_) => {
                    let n = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
                    let digits = &rest[..n];
                    rest = &rest[n..];
                    match p {
                        Piece::Site if n == 7 => q.site = Some(digits.to_string()),
                        Piece::Rank if n == 3 => q.rank = Some(digits.to_string()),
                        Piece::Batch(None) if (1..=18).contains(&n) => {
                            q.batch = digits.parse().ok()?
                        }
                        Piece::Batch(Some(w)) if n == *w => q.batch = digits.parse().ok()?,
                        _ => return None,
                    }
                }
            }
        }
        if !rest.is_empty() || q.batch == 0 {
            return None;
        }
        Some(q)
    }

    /// Why the gateway would refuse this Question name, or `None`.
    pub fn problem(&self, name: &str) -> Option<String> {
        if self.parse_name(name).is_some() {
            return None;
        }
        let example = self.render("1999888", "032", 42);
        Some(format!(
            "bad name: does not follow the Question naming \"{}\" ({{site}} 7 digits, {{rank}} 3 digits, batch number from 1), e.g. {example}",
            self.text
        ))
    }
}

/// The stem of a Question name (`X` for `X.xml`).
pub fn question_stem(name: &str) -> &str {
    name.strip_suffix(".xml").unwrap_or(name)
}

/// `1` → `001`; refuses anything but 1..3 digits.
pub fn pad_rank(rank: &str) -> Result<String, String> {
    if rank.is_empty() || rank.len() > 3 || !rank.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("rank \"{rank}\" is not 1 to 3 digits (e.g. 032)"));
    }
    Ok(format!("{rank:0>3}"))
}

/// Checks a Paybox site number (7 digits).
pub fn check_site(site: &str) -> Result<String, String> {
    if site.len() == 7 && site.bytes().all(|b| b.is_ascii_digit()) {
        Ok(site.to_string())
    } else {
        Err(format!("site \"{site}\" is not 7 digits (e.g. 1999888)"))
    }
}

// ---------------------------------------------------------------------------
// Classification used by watch

/// What a file name means in a drop tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A valid request (Lyra REQ or Paybox Question).
    Request,
    /// A Lyra answer; `request` is the REQ it answers.
    Answer { request: String },
    /// A request renamed `_ERROR` / `_DUPLICATE`.
    Rejected { request: String, reason: Rejection },
    /// A Paybox status file; `request` is the Question it answers.
    Status { request: String },
    /// A Paybox `.err` file.
    ErrorFile { request: String },
    /// A compressed file; `original` is the name before compression.
    Compressed { original: String },
}

/// Which naming rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scheme {
    Lyra,
    Paybox,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Lyra => "lyra",
            Scheme::Paybox => "paybox",
        }
    }
}

/// Classify a file name for the watcher; `None` for names of neither
/// scheme (and for dropwatch's own files).
pub fn classify(name: &str, schemes: &[Scheme], template: &Template) -> Option<(Scheme, Kind)> {
    if name.starts_with(OWN_PREFIX) || name.ends_with(".gz.tmp") {
        return None;
    }
    if let Some(original) = name.strip_suffix(GZ_SUFFIX) {
        // Report the compressed form only for names we know.
        classify(original, schemes, template)?;
        let scheme = classify(original, schemes, template)?.0;
        return Some((
            scheme,
            Kind::Compressed {
                original: original.to_string(),
            },
        ));
    }
    if schemes.contains(&Scheme::Lyra) {
        let (base, rejection, _) = strip_decorations(name);
        if let Some(reason) = rejection {
            // The gateway renames whatever was uploaded, valid name or not.
            if !base.is_empty() {
                return Some((
                    Scheme::Lyra,
                    Kind::Rejected {
                        request: base.to_string(),
                        reason,
                    },
                ));
            }
        } else if let Some(n) = LyraName::parse(name) {
            return Some((
                Scheme::Lyra,
                match n.direction {
                    Direction::Req => Kind::Request,
                    Direction::Ans => Kind::Answer {
                        request: n.with_direction(Direction::Req).to_string(),
                    },
                },
            ));
        }
    }
    if schemes.contains(&Scheme::Paybox) {
        if let Some(stem) = name.strip_suffix(".status.xml") {
            return Some((
                Scheme::Paybox,
                Kind::Status {
                    request: format!("{stem}.xml"),
                },
            ));
        }
        if let Some(stem) = name.strip_suffix(".err") {
            return Some((
                Scheme::Paybox,
                Kind::ErrorFile {
                    request: format!("{stem}.xml"),
                },
            ));
        }
        if template.parse_name(name).is_some() {
            return Some((Scheme::Paybox, Kind::Request));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_lyra_names_parse() {
        for n in [
            "20200603.12345678.PAY.REQ.T.01",
            "20200603.12345678.PAY.REQ.P.01",
            "20200603.12345678.PAY.ANS.T.01",
            "20181130.12345678.PAY.REQ.T.01",
        ] {
            let p = LyraName::parse(n).unwrap();
            assert_eq!(p.to_string(), n);
        }
        let p = LyraName::parse("20161130.12345678.PAY.REQ.T.01").unwrap();
        assert_eq!(
            p.with_direction(Direction::Ans).to_string(),
            "20161130.12345678.PAY.ANS.T.01"
        );
    }

    #[test]
    fn bad_lyra_names_are_refused_with_a_reason() {
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
            let p = lyra_request_problem(n).unwrap_or_default();
            assert!(p.contains(word), "{n}: {p}");
        }
        assert_eq!(lyra_request_problem("20191130.12345678.PAY.REQ.T.99"), None);
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

    #[test]
    fn templates_render_and_parse() {
        let t = Template::parse(DEFAULT_PAYBOX_TEMPLATE).unwrap();
        assert_eq!(t.render("1999888", "032", 42), "1999888.032.000042.xml");
        let q = t.parse_name("1999888.032.000042.xml").unwrap();
        assert_eq!(q.batch, 42);
        assert_eq!(q.merchant_key(), "1999888.032");
        assert!(t.parse_name("1999888.032.000042.status.xml").is_none());
        assert!(t.parse_name("1999888.032.42.xml").is_none());
        assert!(t.parse_name("1999888.032.000000.xml").is_none());
        assert_eq!(t.max_batch(), 999_999);
        let t = Template::parse("Q-{batch}.xml").unwrap();
        assert_eq!(t.parse_name("Q-17.xml").unwrap().batch, 17);
        assert!(Template::parse("{site}{batch}.xml").is_err());
        assert!(Template::parse("{site}.xml").is_err());
        assert!(Template::parse("a/{batch}.xml").is_err());
        assert!(Template::parse("{batch}.txt").is_err());
    }

    #[test]
    fn classification() {
        let t = Template::parse(DEFAULT_PAYBOX_TEMPLATE).unwrap();
        let both = [Scheme::Lyra, Scheme::Paybox];
        assert_eq!(
            classify("20191130.12345678.PAY.ANS.T.01", &both, &t)
                .unwrap()
                .1,
            Kind::Answer {
                request: "20191130.12345678.PAY.REQ.T.01".into()
            }
        );
        assert_eq!(
            classify("1999888.032.000042.status.xml", &both, &t)
                .unwrap()
                .1,
            Kind::Status {
                request: "1999888.032.000042.xml".into()
            }
        );
        assert_eq!(
            classify("20191130.12345678.PAY.REQ.T.01.gz", &both, &t)
                .unwrap()
                .1,
            Kind::Compressed {
                original: "20191130.12345678.PAY.REQ.T.01".into()
            }
        );
        assert!(classify(".dropwatch-state.json", &both, &t).is_none());
        assert!(classify("notes.txt", &both, &t).is_none());
    }
}
