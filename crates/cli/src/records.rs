//! Records for machines: CSV with a header row, or JSON Lines (one object
//! per line, `type` and `version` first), chosen with `--output-format`.

use std::io::Write;

use crate::error::{Error, Result};

/// `--output-format`: how records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// CSV with a header row
    Csv,
    /// JSON Lines: one object per record, with type and version
    Jsonl,
}

/// The version of the JSON Lines records (bumped on incompatible
/// changes; a new field may appear without it).
pub const RECORD_VERSION: u32 = 1;

/// Writes records of one kind, with fixed columns, as CSV or JSON Lines.
pub struct RecordWriter<'a> {
    kind: &'static str,
    columns: &'static [&'static str],
    /// What each column holds, for its masking (judged once).
    kinds: Vec<crate::text::FieldKind>,
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
    /// Start writing records of `kind` (the JSON `type`) with `columns`;
    /// CSV writes its header at once.
    pub fn new(
        out: &'a mut dyn Write,
        format: OutputFormat,
        kind: &'static str,
        columns: &'static [&'static str],
    ) -> Result<RecordWriter<'a>> {
        let sink = match format {
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(columns).map_err(csv_err)?;
                Sink::Csv(Box::new(w))
            }
            OutputFormat::Jsonl => Sink::Jsonl(out),
        };
        Ok(RecordWriter {
            kind,
            columns,
            kinds: columns
                .iter()
                .map(|c| crate::text::FieldKind::of(c))
                .collect(),
            sink,
        })
    }

    /// One record: a value per column, in order. The values come from a
    /// gateway's answer, outside our control: each is masked as its
    /// column's name says ([`crate::text::mask_field`]: a security code
    /// blanked, a card number masked wherever it stands), and in CSV its
    /// control characters are shown escaped (JSON escapes them itself).
    pub fn write(&mut self, values: &[&str]) -> Result<()> {
        let kinds = &self.kinds;
        let shown = |i: usize, v: &'_ str| kinds[i].mask(v).into_owned();
        match &mut self.sink {
            Sink::Csv(w) => {
                // Field by field, each written as soon as it is shown.
                for (v, k) in values.iter().zip(kinds) {
                    if k.shown_as_is(v) {
                        w.write_field(v.as_bytes()).map_err(csv_err)?;
                        continue;
                    }
                    let masked = k.mask(v);
                    w.write_field(crate::text::sanitize(&masked).as_bytes())
                        .map_err(csv_err)?;
                }
                w.write_record(None::<&[u8]>).map_err(csv_err)
            }
            Sink::Jsonl(out) => {
                let mut obj = serde_json::Map::new();
                obj.insert("type".into(), self.kind.into());
                obj.insert("version".into(), RECORD_VERSION.into());
                for (i, (k, v)) in self.columns.iter().zip(values).enumerate() {
                    obj.insert((*k).into(), shown(i, v).into());
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
        let mut w = RecordWriter::new(&mut buf, OutputFormat::Csv, "answer", &["a", "b"]).unwrap();
        w.write(&["1", "x,y"]).unwrap();
        w.finish().unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "a,b\n1,\"x,y\"\n");
        let mut buf = Vec::new();
        let mut w = RecordWriter::new(&mut buf, OutputFormat::Jsonl, "answer", &["a"]).unwrap();
        w.write(&["1"]).unwrap();
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "{\"type\":\"answer\",\"version\":1,\"a\":\"1\"}\n"
        );
    }
}
