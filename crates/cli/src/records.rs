//! Records for machines: CSV with a header row, or JSON Lines (one object
//! per line, `type` and `version` first), chosen with `--output-format`.

use std::io::Write;

use crate::error::{Error, Result};
use crate::text::FieldKind;

/// `--output-format`: how records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// CSV with a header row
    Csv,
    /// JSON Lines: one object per record, with type and version
    Jsonl,
}

/// Writes records of one kind, with fixed columns, as CSV or JSON Lines.
pub struct RecordWriter<'a> {
    kind: &'static str,
    columns: &'static [&'static str],
    /// What each column holds, for its masking (judged once).
    kinds: Vec<FieldKind>,
    /// Whether a column holds card numbers: their values are hidden
    /// wherever the row quotes them again.
    has_cards: bool,
    sink: Sink<'a>,
}

enum Sink<'a> {
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
    Jsonl(&'a mut dyn Write),
}

fn werr(e: std::io::Error) -> Error {
    Error::io("writing the records", e)
}

fn csv_err(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => werr(e),
        other => Error::trouble(format!("writing the records: {other:?}")),
    }
}

impl<'a> RecordWriter<'a> {
    /// Start writing records of `kind` (the JSON `type`) with `columns`,
    /// each holding what `kind_of` says (the gateway's rule, from
    /// `gateways::kinds`); CSV writes its header at once.
    pub fn new(
        out: &'a mut dyn Write,
        format: OutputFormat,
        kind: &'static str,
        columns: &'static [&'static str],
        kind_of: fn(&str) -> FieldKind,
    ) -> Result<RecordWriter<'a>> {
        let sink = match format {
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(columns).map_err(csv_err)?;
                Sink::Csv(Box::new(w))
            }
            OutputFormat::Jsonl => Sink::Jsonl(out),
        };
        let kinds: Vec<FieldKind> = columns.iter().map(|c| kind_of(c)).collect();
        Ok(RecordWriter {
            kind,
            columns,
            has_cards: kinds.contains(&FieldKind::CardNumber),
            kinds,
            sink,
        })
    }

    /// One record: a value per column, in order. The values come from a
    /// gateway's answer, outside our control: each is shown as its
    /// column's kind says ([`FieldKind::mask`]: a card number masked, a
    /// security code blanked, an identifier as it is, text masked
    /// wherever a card number stands in it), a card column's value is
    /// hidden wherever another column quotes it
    /// ([`crate::text::hide_card_values`]), and in CSV control characters
    /// are shown escaped (JSON escapes them itself).
    pub fn write(&mut self, values: &[&str]) -> Result<()> {
        let kinds = &self.kinds;
        let cards: Vec<&str> = if self.has_cards {
            values
                .iter()
                .zip(kinds)
                .filter(|(_, k)| **k == FieldKind::CardNumber)
                .map(|(v, _)| *v)
                .collect()
        } else {
            Vec::new()
        };
        let shown = |k: FieldKind, v: &'_ str| -> String {
            let masked = k.mask(v);
            if cards.is_empty() || k == FieldKind::CardNumber {
                return masked.into_owned();
            }
            crate::text::hide_card_values(&masked, &cards).into_owned()
        };
        match &mut self.sink {
            Sink::Csv(w) => {
                // Field by field, each written as soon as it is shown.
                for (v, k) in values.iter().zip(kinds) {
                    if cards.is_empty() && k.shown_as_is(v) {
                        w.write_field(v.as_bytes()).map_err(csv_err)?;
                        continue;
                    }
                    let masked = shown(*k, v);
                    w.write_field(crate::text::sanitize(&masked).as_bytes())
                        .map_err(csv_err)?;
                }
                w.write_record(None::<&[u8]>).map_err(csv_err)
            }
            Sink::Jsonl(out) => {
                let mut obj = serde_json::Map::new();
                obj.insert("type".into(), self.kind.into());
                obj.insert("version".into(), crate::json::RECORD_VERSION.into());
                for ((c, k), v) in self.columns.iter().zip(kinds).zip(values) {
                    obj.insert((*c).into(), shown(*k, v).into());
                }
                crate::json::to_writer(&mut **out, &obj).map_err(werr)?;
                out.write_all(b"\n").map_err(werr)
            }
        }
    }

    /// Flush what is buffered.
    pub fn finish(self) -> Result<()> {
        match self.sink {
            Sink::Csv(mut w) => w.flush().map_err(werr),
            Sink::Jsonl(out) => out.flush().map_err(werr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_a_header_or_json_lines_with_type_and_version() {
        let mut buf = Vec::new();
        let text = |_: &str| FieldKind::Text;
        let mut w =
            RecordWriter::new(&mut buf, OutputFormat::Csv, "answer", &["a", "b"], text).unwrap();
        w.write(&["1", "x,y"]).unwrap();
        w.finish().unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "a,b\n1,\"x,y\"\n");
        let mut buf = Vec::new();
        let mut w =
            RecordWriter::new(&mut buf, OutputFormat::Jsonl, "answer", &["a"], text).unwrap();
        w.write(&["1"]).unwrap();
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "{\"type\":\"answer\",\"version\":1,\"a\":\"1\"}\n"
        );
    }

    /// Found by a merchant: the same card number, masked in its column,
    /// was written whole in the others.
    #[test]
    fn a_card_columns_value_is_hidden_in_every_column() {
        let kind_of = |c: &str| match c {
            "pan" => FieldKind::CardNumber,
            "reference" => FieldKind::Identifier,
            _ => FieldKind::Text,
        };
        let columns = &["pan", "reference", "note"];
        for format in [OutputFormat::Csv, OutputFormat::Jsonl] {
            let mut buf = Vec::new();
            let mut w = RecordWriter::new(&mut buf, format, "row", columns, kind_of).unwrap();
            let pan = "4970100000000000";
            w.write(&[pan, pan, &format!("card {pan}")]).unwrap();
            w.write(&["", "2026112300000003", "201040040170001"])
                .unwrap();
            w.finish().unwrap();
            let text = String::from_utf8(buf).unwrap();
            assert!(!text.contains("4970100000"), "{text}");
            assert_eq!(text.matches("497010******0000").count(), 3, "{text}");
            assert!(text.contains("2026112300000003") && text.contains("201040040170001"));
        }
    }
}
