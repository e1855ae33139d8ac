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
        self.0.insert(key.into(), value.into());
        self
    }

    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.0.insert(key.into(), value.into());
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

    /// A plain text line (human output).
    pub fn emit_raw(&mut self, line: &str) -> Result<()> {
        self.out
            .write_all(line.as_bytes())
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| Error::io("writing to standard output", e))
    }

    pub fn flush(&mut self) -> Result<()> {
        self.out
            .flush()
            .map_err(|e| Error::io("writing to standard output", e))
    }
}
