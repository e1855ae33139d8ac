//! Paybox Question file names. The gateway does not publish a naming rule
//! for Question files, so this project chooses one, with the batch number
//! in the name so that a gateway (and the sandbox) can order files
//! without reading them. The default template is
//! `{site}.{rank}.{batch:06}.xml` (`1999888.032.000042.xml`); the answer
//! is `<stem>.status.xml` and a file that could not be processed gets
//! `<stem>.err`.

/// The default Paybox Question naming template.
pub const DEFAULT_TEMPLATE: &str = "{site}.{rank}.{batch:06}.xml";

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
    pub fn parse(text: &str) -> Result<Template, crate::invalid::Invalid> {
        Self::parse_text(text).map_err(crate::invalid::Invalid)
    }

    fn parse_text(text: &str) -> Result<Template, String> {
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

    /// The Question a name stands for, whatever its state (`.status.xml`,
    /// `.err`, `.gz`).
    pub fn question_of(&self, name: &str) -> Option<QuestionName> {
        self.parse_name(&question_name_of(name))
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

/// The answer to `X.xml` is `X.status.xml`.
pub const STATUS_SUFFIX: &str = ".status.xml";
/// A Question that could not be processed gets `X.err`, with the reason.
pub const ERROR_FILE_SUFFIX: &str = ".err";
/// What a compressed file gets (the same as Lyra's).
const GZ_SUFFIX: &str = ".gz";

/// The name of the status file answering the Question `name`.
pub fn status_name(name: &str) -> String {
    format!("{}{STATUS_SUFFIX}", question_stem(name))
}

/// The name of the `.err` file for the Question `name`.
pub fn error_file_name(name: &str) -> String {
    format!("{}{ERROR_FILE_SUFFIX}", question_stem(name))
}

/// The Question name that a file in any state stands for: itself, its
/// status file, its `.err`, any of them compressed.
pub fn question_name_of(name: &str) -> String {
    let n = name.strip_suffix(GZ_SUFFIX).unwrap_or(name);
    if let Some(stem) = n.strip_suffix(STATUS_SUFFIX) {
        format!("{stem}.xml")
    } else if let Some(stem) = n.strip_suffix(ERROR_FILE_SUFFIX) {
        format!("{stem}.xml")
    } else {
        n.to_string()
    }
}

/// The stem of a Question name (`X` for `X.xml`).
pub fn question_stem(name: &str) -> &str {
    name.strip_suffix(".xml").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_and_parse() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
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
    fn every_state_of_a_question_name() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        assert_eq!(
            status_name("1999888.032.000042.xml"),
            "1999888.032.000042.status.xml"
        );
        assert_eq!(
            error_file_name("1999888.032.000042.xml"),
            "1999888.032.000042.err"
        );
        for n in [
            "1999888.032.000042.status.xml",
            "1999888.032.000042.err",
            "1999888.032.000042.xml.gz",
        ] {
            assert_eq!(t.question_of(n).unwrap().batch, 42, "{n}");
        }
    }
}
