//! Progress of a long job on stderr — records or bytes done, and the rate
//! — only when stderr is a terminal: never in a pipe, a file or a log.
//! One line, rewritten in place at most once a second, erased at the end.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Records, named in the plural (`rows`, `answers`).
    Records(&'static str),
    /// Bytes, shown in MiB.
    Bytes,
}

/// A progress line.
pub struct Progress {
    tool: &'static str,
    unit: Unit,
    on: bool,
    start: Instant,
    last: Instant,
    shown: usize,
}

impl Progress {
    /// A progress line for the running tool, shown only on a terminal.
    pub fn new(unit: Unit) -> Progress {
        let now = Instant::now();
        Progress {
            tool: crate::error::tool(),
            unit,
            on: std::io::stderr().is_terminal(),
            start: now,
            last: now,
            shown: 0,
        }
    }

    /// `done` so far: shown if a second has passed since the last line.
    pub fn update(&mut self, done: u64) {
        if !self.on || self.last.elapsed() < Duration::from_secs(1) {
            return;
        }
        self.last = Instant::now();
        let secs = self.start.elapsed().as_secs_f64().max(0.001);
        let text = match self.unit {
            Unit::Records(what) => {
                format!(
                    "{}: {done} {what}, {:.0} {what}/s",
                    self.tool,
                    done as f64 / secs
                )
            }
            Unit::Bytes => {
                let mib = done as f64 / (1024.0 * 1024.0);
                format!("{}: {mib:.0} MiB, {:.0} MiB/s", self.tool, mib / secs)
            }
        };
        let pad = self.shown.saturating_sub(text.len());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{text}{}", " ".repeat(pad));
        self.shown = text.len();
    }

    /// Erase the line.
    pub fn done(&mut self) {
        if self.shown > 0 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(self.shown));
            self.shown = 0;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done();
    }
}
