//! JSON Lines records: one object per line with `version` and `type`
//! first, written to stdout and flushed per batch so that a pipe reader
//! sees each event as soon as it happens.

use std::io::{self, Write};

use paylot_cli::{Error, Result};
use serde_json::{Map, Value};

/// Version of the JSON Lines records (bumped on incompatible changes).
pub const EVENT_VERSION: u32 = 1;

/// A record under construction.
pub struct Event(Map<String, Value>);

impl Event {
    pub fn new(kind: &str) -> Event {
        let mut m = Map::new();
        m.insert("version".into(), Value::from(EVENT_VERSION));
        m.insert("type".into(), Value::from(kind));
        Event(m)
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Event {
        self.set(key, value);
        self
    }

    /// Set a field. Text is masked ([`paylot_cli::text::mask`]): a card
    /// number in a file name or a helper's message is never repeated;
    /// control characters need nothing more, JSON escapes them.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        let mut value = value.into();
        paylot_cli::json::mask_strings(&mut value);
        self.0.insert(key.into(), value);
    }

    /// Set `path` and `name` from a path, exactly: a name that is not
    /// valid UTF-8 is given as text with each invalid byte replaced by
    /// U+FFFD (in both fields, so that `name` is always the last part of
    /// `path`), and its exact bytes in `path_bytes` / `name_bytes`, base64.
    pub fn with_path(mut self, path: &std::path::Path) -> Event {
        use base64::Engine as _;
        use std::os::unix::ffi::OsStrExt;
        let name = path.file_name().unwrap_or(path.as_os_str());
        self.set("path", path.to_string_lossy().into_owned());
        self.set("name", name.to_string_lossy().into_owned());
        if path.to_str().is_none() {
            let b64 = base64::engine::general_purpose::STANDARD;
            self.0.insert(
                "path_bytes".into(),
                Value::from(b64.encode(path.as_os_str().as_bytes())),
            );
            self.0.insert(
                "name_bytes".into(),
                Value::from(b64.encode(name.as_bytes())),
            );
        }
        self
    }

    pub fn to_line(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}

/// The one stdout writer.
pub struct Sink {
    out: io::BufWriter<io::Stdout>,
}

impl Default for Sink {
    fn default() -> Self {
        Sink::new()
    }
}

impl Sink {
    pub fn new() -> Sink {
        Sink {
            out: io::BufWriter::with_capacity(64 * 1024, io::stdout()),
        }
    }

    pub fn emit(&mut self, ev: &Event) -> Result<()> {
        serde_json::to_writer(&mut self.out, &ev.0)
            .map_err(io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| Error::io("writing to standard output", e))
    }

    /// A plain text line for a person, made safe (card numbers masked,
    /// control characters escaped).
    pub fn emit_human(&mut self, line: &str) -> Result<()> {
        self.out
            .write_all(paylot_cli::safe(line).as_bytes())
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| Error::io("writing to standard output", e))
    }

    pub fn flush(&mut self) -> Result<()> {
        self.out
            .flush()
            .map_err(|e| Error::io("writing to standard output", e))
    }
}
