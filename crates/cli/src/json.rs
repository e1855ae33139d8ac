//! JSON for machines that a person may read too: records built field by
//! field ([`Record`]: `version` and `type` first, text masked, paths
//! exact), and the one JSON Lines writer ([`Lines`]), which writes and
//! flushes each record when it happens, so that a reader at the other
//! end of a pipe — or a log after a `kill -9` — has every event.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::output::Output;
use crate::records::RECORD_VERSION;

/// One JSON Lines record under construction.
#[derive(Debug, Clone)]
pub struct Record(Map<String, Value>);

impl Record {
    /// A record of `kind`: `{"version":1,"type":kind,…}`.
    pub fn new(kind: &str) -> Record {
        let mut m = Map::new();
        m.insert("version".into(), Value::from(RECORD_VERSION));
        m.insert("type".into(), Value::from(kind));
        Record(m)
    }

    /// The record with one more field.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Record {
        self.set(key, value);
        self
    }

    /// Set a field. Text is masked ([`crate::text::mask`]): a card number
    /// in a file name or a helper's message is never repeated; control
    /// characters need nothing more, JSON escapes them.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        let mut value = value.into();
        mask_strings(&mut value);
        self.0.insert(key.into(), value);
    }

    /// Set `path` and `name` from a path, exactly: a name that is not
    /// valid UTF-8 is given as text with each invalid byte replaced by
    /// U+FFFD (in both fields, so that `name` is always the last part of
    /// `path`), and its exact bytes in `path_bytes` / `name_bytes`, base64.
    pub fn with_path(mut self, path: &Path) -> Record {
        use base64::Engine as _;
        use std::os::unix::ffi::OsStrExt;
        let name = path.file_name().unwrap_or(path.as_os_str());
        self.set("path", path.to_string_lossy().into_owned());
        self.set("name", name.to_string_lossy().into_owned());
        if path.to_str().is_none() {
            let b64 = base64::engine::general_purpose::STANDARD;
            self.set("path_bytes", b64.encode(path.as_os_str().as_bytes()));
            self.set("name_bytes", b64.encode(name.as_bytes()));
        }
        self
    }

    /// The field `key`, if set.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }
}

/// The JSON Lines writer on standard output: every record is written and
/// flushed at once.
pub struct Lines {
    out: Output,
}

impl Default for Lines {
    fn default() -> Self {
        Lines::stdout()
    }
}

fn werr(e: std::io::Error) -> Error {
    Error::io("writing to standard output", e)
}

impl Lines {
    /// Records on standard output.
    pub fn stdout() -> Lines {
        Lines {
            out: Output::stdout(),
        }
    }

    /// Write one record and flush it.
    pub fn emit(&mut self, record: &Record) -> Result<()> {
        serde_json::to_writer(&mut self.out, &record.0).map_err(|e| werr(e.into()))?;
        self.out.write_all(b"\n").map_err(werr)?;
        self.out.flush().map_err(werr)
    }

    /// A line for a person, made safe ([`crate::text::safe`]), flushed.
    pub fn human(&mut self, line: &str) -> Result<()> {
        self.out
            .write_all(crate::text::safe(line).as_bytes())
            .and_then(|_| self.out.write_all(b"\n"))
            .and_then(|_| self.out.flush())
            .map_err(werr)
    }
}

/// Mask card numbers and security codes in every string of `value`
/// ([`crate::text::mask`]), keys included: for JSON that describes input
/// (an inspection, a diagnosis), not for the data a user asked for.
pub fn mask_strings(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(m) = crate::text::mask(s) {
                *s = m;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_strings),
        Value::Object(map) => {
            let masked: serde_json::Map<String, Value> = std::mem::take(map)
                .into_iter()
                .map(|(k, mut v)| {
                    mask_strings(&mut v);
                    (crate::text::mask(&k).into_owned(), v)
                })
                .collect();
            *map = masked;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn records_start_with_version_and_type_and_mask_text() {
        let r = super::Record::new("check")
            .with("detail", "card 4111111111111111")
            .with_path(std::path::Path::new("in/a.xml"));
        assert_eq!(
            serde_json::to_string(&r.0).unwrap(),
            r#"{"version":1,"type":"check","detail":"card 411111******1111","path":"in/a.xml","name":"a.xml"}"#
        );
    }

    #[test]
    fn strings_and_keys_are_masked() {
        let mut v =
            serde_json::json!({"uid": "Shop 4111111111111111", "4111111111111111": [1, "CVV=222"]});
        super::mask_strings(&mut v);
        assert_eq!(
            v.to_string(),
            r#"{"uid":"Shop 411111******1111","411111******1111":[1,"CVV=***"]}"#
        );
    }
}
