//! The messages of an input, record by record (the whole input, or one
//! per line with `--jsonl`), and the count of those that could not be
//! read: reported with their location and skipped, the others are still
//! processed, and the run ends with status 2.

use paylot_cli::summary::Summary;
use paylot_cli::{say, Error, Input, KeyArgs, Outcome, Result, Secret};

use crate::cli::MessageArgs;

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

/// The records of a run, counted: the bad ones are reported where they
/// are and end the run with status 2; a `--jsonl` run ends with one
/// summary line on stderr (unless `-q`), and an empty one is trouble.
pub struct Trouble {
    bad: usize,
    summary: Summary,
    jsonl: bool,
    quiet: bool,
    name: String,
}

impl Trouble {
    /// For the records of `name`, whose outcomes are `outcomes` (and
    /// `unreadable`).
    pub fn new(args: &MessageArgs, name: &str, outcomes: &[&'static str]) -> Trouble {
        let mut all = outcomes.to_vec();
        all.push("unreadable");
        Trouble {
            bad: 0,
            summary: Summary::new(("message", "messages"), &all),
            jsonl: args.jsonl,
            quiet: args.quiet.quiet,
            name: name.to_string(),
        }
    }

    /// One more record read.
    pub fn record(&mut self) {
        self.summary.read();
    }

    /// `n` more records read.
    pub fn records(&mut self, n: usize) {
        for _ in 0..n {
            self.summary.read();
        }
    }

    /// One more record with this outcome.
    pub fn count(&mut self, outcome: &'static str) {
        self.summary.count(outcome);
    }

    /// A record that could not be read: said where, and counted.
    pub fn report(&mut self, name: &str, what: impl std::fmt::Display) {
        self.bad += 1;
        self.summary.count("unreadable");
        say(TOOL, format_args!("{name}:{what}"));
    }

    /// The end of the run: its status, and the summary to say once the
    /// output is out (a run in trouble says it now: nothing goes out).
    pub fn finish(self, outcome: Outcome) -> Result<Finished> {
        if self.jsonl && self.summary.total() == 0 {
            return Err(Error::trouble(format!(
                "no message: {} is empty (expected one message a line)",
                paylot_cli::input::quote(&self.name)
            )));
        }
        let summary = (self.jsonl && !self.quiet).then_some(self.summary);
        match self.bad {
            0 => Ok(Finished {
                outcome,
                summary,
                warnings: Vec::new(),
            }),
            n => {
                if let Some(s) = summary {
                    s.say(TOOL, false);
                }
                Err(Error::trouble(if n == 1 {
                    "1 message could not be read (see above); nothing was written".to_string()
                } else {
                    format!("{n} messages could not be read (see above); nothing was written")
                }))
            }
        }
    }
}

/// A run that went to its end: its outcome, and the summary line to say
/// after the output was delivered (not before: a reader that went away
/// ends the run quietly).
pub struct Finished {
    pub outcome: Outcome,
    summary: Option<Summary>,
    /// Warnings about the run as a whole, said with the summary.
    pub warnings: Vec<String>,
}

impl Finished {
    /// Say the warnings and the summary; the outcome.
    pub fn said(self) -> Outcome {
        for w in &self.warnings {
            paylot_cli::warn(TOOL, w);
        }
        if let Some(s) = self.summary {
            s.say(TOOL, false);
        }
        self.outcome
    }
}

pub fn parse_record(
    bytes: &[u8],
    kind: InputKind,
    line: usize,
    name: &str,
    trouble: &mut Trouble,
) -> Option<Message> {
    if gateways::sips::office::is_unsupported_media_type_page(bytes) {
        trouble.report(
            name,
            format!(
                "{line}: this is the Sips platform's HTML page \"415 Unsupported Media Type\", not a response: \
                 the request was sent without the header Content-Type: application/json \
                 (curl: -H 'Content-Type: application/json'); the function was not run, send the request again with it"
            ),
        );
        return None;
    }
    match message::parse(bytes, kind, line) {
        Ok(m) => Some(m),
        Err(e) => {
            trouble.report(name, e);
            None
        }
    }
}
