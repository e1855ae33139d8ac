//! The header of the merchant's CSV read against the names a format
//! accepts, through the user's column mapping (`--column HEADER=NAME`,
//! `--columns FILE`), the same for every format; and a column's name as a
//! message shows it.

use std::collections::HashMap;
use std::hash::Hash;
use std::io::Read;
use std::path::PathBuf;

use paylot_cli::{Error, Input, Result};
use unicode_normalization::UnicodeNormalization;

use crate::usage::build as usage;

/// A header's column name quoted for a message — unless it does not look
/// like a name (no letter, or very long): then the file is probably not
/// the CSV meant (a key file, a data row where the header should be), and
/// its text, which may be a secret, is described instead of repeated.
pub fn show_column(h: &str) -> String {
    if wordlike(h) {
        gateways::show(h)
    } else {
        format!(
            "of {} characters with no letter or too long for a name (not shown: is this the CSV file meant, with a header row?)",
            h.chars().count()
        )
    }
}

/// Whether a header looks like a name: a letter, 40 characters at most.
fn wordlike(h: &str) -> bool {
    h.chars().count() <= 40 && h.chars().any(|c| c.is_alphabetic())
}

/// The names a build format accepts for its columns. The rule itself
/// (which name gives which column) is the format's, kept with the
/// gateway's other rules; this is how the mapping and the messages see it.
pub struct Vocabulary<C> {
    /// The format, for messages ("Paybox", "Lyra").
    pub format: &'static str,
    /// Every column with the names that give it, the first the one
    /// messages use.
    pub columns: Vec<(C, Vec<&'static str>)>,
    /// The column a header's name gives, if any (the format's rule).
    pub column: fn(&str) -> Option<C>,
}

impl<C: Copy + PartialEq> Vocabulary<C> {
    /// The name messages give a column.
    fn name(&self, c: C) -> &'static str {
        self.columns
            .iter()
            .find(|(k, _)| *k == c)
            .and_then(|(_, names)| names.first().copied())
            .unwrap_or("?")
    }

    /// The accepted names, a column's names joined by `/`.
    fn list(&self) -> String {
        self.columns
            .iter()
            .map(|(_, names)| names.join("/"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The accepted name closest to `text`, when one is close: accents,
    /// case, spaces and dashes aside (`Référence` → `reference`, `Type
    /// opération` → `type`); between equals, the one closest as written
    /// (`Reference` → `reference`, not `REFERENCE`).
    fn closest(&self, text: &str) -> Option<&'static str> {
        let (folded, kept) = (fold(text, true), fold(text, false));
        if folded.is_empty() {
            return None;
        }
        let score = |n: &str| {
            (
                strsim::jaro_winkler(&folded, &fold(n, true)),
                strsim::jaro_winkler(&kept, n),
            )
        };
        self.columns
            .iter()
            .flat_map(|(_, names)| names.iter().copied())
            .map(|n| (score(n), n))
            // The threshold clap's suggestions use (0.7) is loose for
            // names this short: `date` would be offered for `Carte` (0.78),
            // `recordSequence` for `Référence` (0.82).
            .filter(|((s, _), _)| *s >= 0.85)
            .max_by(|(a, _), (b, _)| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal))
            .map(|(_, n)| n)
    }
}

/// `text` for comparing with a name: decomposed, accents dropped, spaces,
/// dots and dashes made `_`, and lower-cased when `lower`.
fn fold(text: &str, lower: bool) -> String {
    let folded: String = text
        .trim()
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| {
            if c.is_whitespace() || c == '-' || c == '.' {
                '_'
            } else {
                c
            }
        })
        .collect();
    if lower {
        folded.to_lowercase()
    } else {
        folded
    }
}

/// A header as the mapping compares it: trimmed, composed (NFC: a header
/// typed on one system is the same header exported by another, macOS
/// writing é as e and an accent) and lower-cased.
fn header_key(header: &str) -> String {
    header.trim().nfc().flat_map(char::to_lowercase).collect()
}

/// The options that map the CSV's headers to the format's names.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ColumnArgs {
    /// Read the CSV column HEADER as the format's column NAME (repeat it
    /// for each column; HEADER is compared trimmed, in any case)
    #[arg(
        long = "column",
        value_name = "HEADER=NAME",
        help_heading = "Input and output"
    )]
    pub column: Vec<String>,
    /// The same from a file: one HEADER=NAME a line, # comment lines
    #[arg(
        long = "columns",
        value_name = "FILE",
        help_heading = "Input and output"
    )]
    pub columns: Vec<PathBuf>,
}

/// The largest mapping file read: thousands of lines; a bigger file is
/// not the mapping meant (and memory stays bounded).
const MAX_MAPPING: u64 = 1 << 20;

impl ColumnArgs {
    /// The mapping the options give, its files read, its names checked
    /// against the format's (even those of headers a CSV may not have);
    /// every problem in them reported at once (status 2).
    pub fn mapping<C: Copy + PartialEq>(&self, vocab: &Vocabulary<C>) -> Result<Mapping> {
        let mut mapping = Mapping::default();
        let mut problems = Vec::new();
        for path in &self.columns {
            if path.as_os_str() == "-" {
                return Err(usage(
                    "--columns -: give the mapping as a file (standard input is the CSV's)",
                ));
            }
            let mut input = Input::open(Some(path))?;
            let name = input.name().to_string();
            let mut bytes = Vec::new();
            input
                .reader()
                .take(MAX_MAPPING + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| input.read_error(e))?;
            if bytes.len() as u64 > MAX_MAPPING {
                return Err(Error::trouble(format!(
                    "{}: larger than 1 MiB: not a column mapping (one HEADER=NAME a line)",
                    input.quoted()
                )));
            }
            if let Some(found) = paylot_cli::encoding::foreign(&bytes) {
                return Err(Error::trouble(found.message(&input.quoted())));
            }
            let bytes = paylot_cli::encoding::strip_bom(&bytes);
            let text = std::str::from_utf8(bytes).map_err(|e| {
                let at = e.valid_up_to();
                let line = paylot_cli::text::line_number(&bytes[..at]);
                Error::trouble(format!(
                    "{name}:{line}: {}",
                    paylot_cli::encoding::not_utf8(bytes[at], None)
                ))
            })?;
            // Lines end as the CSV's rows do (LF, CRLF or a bare CR): a
            // file of CR-ended lines is one line to `str::lines`, whose
            // mappings were lost without a word.
            for (n, line) in paylot_cli::text::lines(text).enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                mapping.add(line, format!("{name}:{}", n + 1), vocab, &mut problems);
            }
        }
        for arg in &self.column {
            mapping.add(
                arg,
                format!("--column {}", show_column(arg)),
                vocab,
                &mut problems,
            );
        }
        if problems.is_empty() {
            return Ok(mapping);
        }
        let n = problems.len();
        for p in problems {
            paylot_cli::note(p);
        }
        Err(Error::trouble(format!(
            "{n} {} in the column mapping, nothing read. Each is HEADER=NAME: the CSV's header, then one of the {} columns (any case): {}",
            if n == 1 { "problem" } else { "problems" },
            vocab.format,
            vocab.list()
        )))
    }
}

/// The CSV headers to read as the format's names.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    entries: Vec<Entry>,
    /// The entry of each header key.
    index: HashMap<String, usize>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The format's name it is read as.
    name: String,
    /// Where it was given: `map.txt:3` or `--column "Montant=amount"`.
    at: String,
}

impl Mapping {
    /// One `HEADER=NAME`, given at `at`. Neither side is repeated in a
    /// message about its form, nor a name unlike any of the format's: a
    /// file given by mistake (a key, a `.env`) would have its secrets
    /// quoted.
    fn add<C: Copy + PartialEq>(
        &mut self,
        text: &str,
        at: String,
        vocab: &Vocabulary<C>,
        problems: &mut Vec<String>,
    ) {
        // A name never holds `=`; a header may.
        let Some((header, name)) = text.rsplit_once('=') else {
            problems.push(format!(
                "{at}: no =: expected HEADER=NAME, e.g. Montant=amount"
            ));
            return;
        };
        let (header, name) = (header.trim(), name.trim());
        if header.is_empty() || name.is_empty() {
            let missing = if header.is_empty() {
                "the header before ="
            } else {
                "the name after ="
            };
            problems.push(format!(
                "{at}: {missing} is missing: expected HEADER=NAME, e.g. Montant=amount"
            ));
            return;
        }
        if (vocab.column)(name).is_none() {
            let format = vocab.format;
            problems.push(match vocab.closest(name) {
                Some(n) => format!(
                    "{at}: {} is not a {format} column; did you mean {n}?",
                    show_column(name)
                ),
                None => format!("{at}: the name after = is not a {format} column"),
            });
            return;
        }
        let key = header_key(header);
        if let Some(&first) = self.index.get(&key) {
            problems.push(format!(
                "{at}: the header {} is already mapped by {} (map each header once)",
                show_column(header),
                self.entries[first].at
            ));
            return;
        }
        self.index.insert(key, self.entries.len());
        self.entries.push(Entry {
            name: name.to_string(),
            at,
        });
    }

    /// The column of each of the CSV's headers (in `file`), each read as
    /// the mapping says or as itself. Every problem is reported at once;
    /// then the error says the names accepted and how to map a header
    /// (status 2).
    pub fn columns<C: Copy + Eq + Hash>(
        &self,
        file: &str,
        headers: &[String],
        vocab: &Vocabulary<C>,
    ) -> Result<Vec<C>> {
        let mut problems = Vec::new();
        let mut columns = Vec::with_capacity(headers.len());
        let mut seen: HashMap<C, usize> = HashMap::new();
        let mut unknown = 0;
        let entries: Vec<Option<&Entry>> = headers
            .iter()
            .map(|h| self.index.get(&header_key(h)).map(|&e| &self.entries[e]))
            .collect();
        let via = |i: usize| -> String {
            entries[i]
                .map(|e| format!(" (mapped by {})", e.at))
                .unwrap_or_default()
        };
        for (i, h) in headers.iter().enumerate() {
            let entry = entries[i];
            match (vocab.column)(entry.map_or(h.as_str(), |e| e.name.as_str())) {
                Some(c) => {
                    if let Some(j) = seen.insert(c, i) {
                        problems.push(format!(
                            "{file}:1: columns {} {}{} and {} {}{} both give {} (keep one)",
                            j + 1,
                            show_column(&headers[j]),
                            via(j),
                            i + 1,
                            show_column(h),
                            via(i),
                            vocab.name(c)
                        ));
                    }
                    columns.push(c);
                }
                None => {
                    unknown += 1;
                    problems.push(unknown_column(file, i, h, vocab));
                }
            }
        }
        if problems.is_empty() {
            return Ok(columns);
        }
        let n = problems.len();
        for p in problems {
            paylot_cli::note(p);
        }
        let what = match unknown {
            0 if n == 1 => "a problem with its columns".to_string(),
            0 => format!("{n} problems with its columns"),
            1 => "an unknown column".to_string(),
            u => format!("{u} unknown columns"),
        };
        Err(Error::trouble(format!(
            "{}: {what}, nothing read. {} columns (any case): {}. Map a header to one with --column 'HEADER=NAME' or --columns FILE (one HEADER=NAME a line)",
            paylot_cli::input::quote(file),
            vocab.format,
            vocab.list()
        )))
    }
}

/// The line for header `i`, not one of the format's names: where, and
/// the name it is closest to with the option that maps it.
fn unknown_column<C: Copy + PartialEq>(
    file: &str,
    i: usize,
    header: &str,
    vocab: &Vocabulary<C>,
) -> String {
    let at = format!("{file}:1: column {}", i + 1);
    if header.is_empty() {
        return format!("{at} has no name (a delimiter too many at the end of the header?)");
    }
    let mut line = format!(
        "{at} {}: not a {} column",
        show_column(header),
        vocab.format
    );
    // A name is offered only for a header shown as it is: the fix must
    // be the text to paste, not a masked or escaped copy of it.
    let shown = wordlike(header) && paylot_cli::text::safe(header) == header;
    if let Some(n) = vocab.closest(header).filter(|_| shown) {
        let fix = format!("{header}={n}");
        if let Ok(fix) = shlex::try_quote(&fix) {
            line.push_str(&format!("; did you mean {n}? (--column {fix})"));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    enum Col {
        Amount,
        Type,
    }

    fn col(name: &str) -> Option<Col> {
        match name.trim().to_ascii_lowercase().as_str() {
            "amount" | "montant" => Some(Col::Amount),
            "type" => Some(Col::Type),
            _ => None,
        }
    }

    fn vocab() -> Vocabulary<Col> {
        Vocabulary {
            format: "Test",
            columns: vec![
                (Col::Amount, vec!["amount", "MONTANT"]),
                (Col::Type, vec!["type"]),
            ],
            column: col,
        }
    }

    fn mapping(options: &[&str]) -> Mapping {
        let args = ColumnArgs {
            column: options.iter().map(|o| o.to_string()).collect(),
            columns: Vec::new(),
        };
        args.mapping(&vocab()).unwrap()
    }

    #[test]
    fn the_closest_name_is_offered_only_when_close() {
        let v = vocab();
        assert_eq!(v.closest("Montant TTC"), Some("MONTANT"));
        assert_eq!(v.closest("Type opération"), Some("type"));
        assert_eq!(v.closest("Amount"), Some("amount"));
        assert_eq!(v.closest("Carte"), None);
        assert_eq!(v.closest("  "), None);
    }

    proptest! {
        /// Whatever a header holds, mapped to a name it is read as that
        /// name, however it is composed or cased in the CSV.
        #[test]
        fn a_mapped_header_is_read_as_its_name(header in "\\PC{1,24}") {
            prop_assume!(!header.trim().is_empty() && col(&header).is_none());
            let option = format!("{header}=amount");
            prop_assume!(option.rsplit_once('=').map(|(h, _)| h) == Some(header.as_str()));
            let m = mapping(&[&option]);
            let nfd: String = header.trim().nfd().collect();
            for h in [header.clone(), nfd, header.to_uppercase()] {
                if header_key(&h) != header_key(&header) {
                    // Upper-casing is not always undone by lower-casing.
                    continue;
                }
                let cols = m.columns("t.csv", &[h.trim().to_string(), "type".into()], &vocab());
                prop_assert_eq!(cols.unwrap(), vec![Col::Amount, Col::Type]);
            }
        }

        /// Any header row is judged without a panic, and every header
        /// the format does not know makes it an error.
        #[test]
        fn any_header_row_is_judged(headers in prop::collection::vec("\\PC{0,12}", 1..6)) {
            let headers: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
            let unknown = headers.iter().any(|h| col(h).is_none());
            let result = Mapping::default().columns("t.csv", &headers, &vocab());
            if unknown {
                prop_assert!(result.is_err());
            }
        }
    }
}
