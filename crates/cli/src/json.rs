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

/// The version of the JSON Lines records (bumped on incompatible
/// changes; a new field may appear without it): every record a tool
/// writes, by [`Record`] or by the record writer (`records`, which
/// writes through this module: data flows one way).
pub const RECORD_VERSION: u32 = 1;

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
        to_writer(&mut self.out, &record.0).map_err(werr)?;
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

/// JSON text as this project writes it: like `serde_json`, but the
/// characters a terminal acts on that JSON lets through raw (C1 controls
/// such as U+009B, the bidirectional overrides) are escaped too, as
/// `\u009b`. The same value for a JSON reader; nothing that can drive a
/// terminal for a person who `cat`s the output.
pub fn to_writer<W: Write, T: serde::Serialize + ?Sized>(w: W, value: &T) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, SafeFormatter);
    value.serialize(&mut ser).map_err(std::io::Error::from)
}

/// [`to_writer`] into a new buffer.
pub fn to_vec<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut buf = Vec::with_capacity(128);
    // Writing into a Vec cannot fail; a value that cannot be serialized
    // (a map with non-string keys) is not built here.
    let _ = to_writer(&mut buf, value);
    buf
}

struct SafeFormatter;

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut from = 0;
        for (i, c) in fragment.char_indices() {
            if crate::text::acts_on_terminal(c) {
                writer.write_all(&fragment.as_bytes()[from..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                from = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[from..])
    }
}

/// Mask card numbers and security codes in every string of `value`
/// ([`crate::text::mask`]), keys included, and scrub the secrets this
/// process has read ([`crate::redact::scrub`]): for JSON that describes
/// input (an inspection, a diagnosis, an event), not for the data a user
/// asked for.
pub fn mask_strings(value: &mut Value) {
    map_strings(value, &|s| {
        let masked = crate::text::mask(s);
        match crate::redact::scrub(&masked) {
            std::borrow::Cow::Owned(t) => Some(t),
            std::borrow::Cow::Borrowed(_) => match masked {
                std::borrow::Cow::Owned(t) => Some(t),
                std::borrow::Cow::Borrowed(_) => None,
            },
        }
    });
}

/// Scrub the secrets this process has read from every string of `value`,
/// keys included, and nothing else (`seal explain --reveal`).
pub fn scrub_strings(value: &mut Value) {
    map_strings(value, &|s| match crate::redact::scrub(s) {
        std::borrow::Cow::Owned(t) => Some(t),
        std::borrow::Cow::Borrowed(_) => None,
    });
}

/// Replace every string of `value`, keys included, for which `f` gives a
/// new one.
fn map_strings(value: &mut Value, f: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::String(s) => {
            if let Some(new) = f(s) {
                *s = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| map_strings(v, f)),
        Value::Object(map) => {
            let done: serde_json::Map<String, Value> = std::mem::take(map)
                .into_iter()
                .map(|(k, mut v)| {
                    map_strings(&mut v, f);
                    (f(&k).unwrap_or(k), v)
                })
                .collect();
            *map = done;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    /// The record writer writes through this module; this module needs
    /// nothing of it (issue 27 §1: modules depend one way).
    #[test]
    fn json_does_not_reach_back_into_records() {
        let code = include_str!("json.rs");
        let code = &code[..code.find("#[cfg(test)]").unwrap()];
        assert!(!code.contains(concat!("crate::", "records")));
        assert!(include_str!("records.rs").contains("crate::json::"));
    }

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
    fn terminal_controls_are_escaped_in_json() {
        let v = serde_json::json!({"a\u{9b}": "x\u{9b}31m\u{202e}y\u{1b}z é"});
        let text = String::from_utf8(super::to_vec(&v)).unwrap();
        assert_eq!(text, r#"{"a\u009b":"x\u009b31m\u202ey\u001bz é"}"#);
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
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
