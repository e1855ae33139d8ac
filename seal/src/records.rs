//! The messages of an input, record by record (the whole input, or one
//! per line with `--jsonl`), and the count of those that could not be
//! read: reported with their location and skipped, the others are still
//! processed, and the run ends with status 2.

use paylot_cli::{say, Error, Input, KeyArgs, Outcome, Result, Secret};

use crate::message::{self, InputKind, Message};
use crate::TOOL;

/// Records from the input: the whole input, or one per line.
pub struct Records {
    input: Input,
    jsonl: bool,
    line: usize,
    done: bool,
    buf: Vec<u8>,
}

impl Records {
    pub fn new(input: Input, jsonl: bool) -> Records {
        Records {
            input,
            jsonl,
            line: 0,
            done: false,
            buf: Vec::with_capacity(1024),
        }
    }

    pub fn name(&self) -> String {
        self.input.name().to_string()
    }

    /// The next record and its first line number.
    pub fn next_record(&mut self) -> Result<Option<(usize, &[u8])>> {
        if self.done {
            return Ok(None);
        }
        let name = self.input.name().to_string();
        let rerr = |e| Error::reading(paylot_cli::input::quote(&name), e);
        if !self.jsonl {
            self.done = true;
            self.buf.clear();
            self.input
                .reader()
                .read_to_end(&mut self.buf)
                .map_err(rerr)?;
            let first = message::records(&self.buf, false)[0].0;
            return Ok(Some((first, &self.buf)));
        }
        loop {
            self.buf.clear();
            let n = self
                .input
                .reader()
                .read_until(b'\n', &mut self.buf)
                .map_err(rerr)?;
            if n == 0 {
                self.done = true;
                return Ok(None);
            }
            self.line += 1;
            if !self.buf.iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(Some((self.line, &self.buf)));
            }
        }
    }
}

pub fn read_secret(key: &KeyArgs, needed_for: Option<&str>) -> Result<Option<Secret>> {
    match key.read(TOOL)? {
        Some(secret) => Ok(Some(secret)),
        None => match needed_for {
            Some(what) => Err(Error::trouble(format!(
                "{what} needs the secret key: give --key-file PATH or --key-env VAR \
                 (keys are never taken from the command line)"
            ))),
            None => Ok(None),
        },
    }
}

/// Counts bad records; the run ends with status 2 if any.
#[derive(Default)]
pub struct Trouble {
    bad: usize,
}

impl Trouble {
    pub fn report(&mut self, name: &str, what: impl std::fmt::Display) {
        self.bad += 1;
        say(TOOL, format_args!("{name}:{what}"));
    }

    pub fn finish(self, outcome: Outcome) -> Result<Outcome> {
        match self.bad {
            0 => Ok(outcome),
            1 => Err(Error::trouble("1 message could not be read (see above)")),
            n => Err(Error::trouble(format!(
                "{n} messages could not be read (see above)"
            ))),
        }
    }
}

pub fn parse_record(
    bytes: &[u8],
    kind: InputKind,
    line: usize,
    name: &str,
    trouble: &mut Trouble,
) -> Option<Message> {
    match message::parse(bytes, kind, line) {
        Ok(m) => Some(m),
        Err(e) => {
            trouble.report(name, e);
            None
        }
    }
}
