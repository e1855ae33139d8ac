//! The one summary line a record filter ends with, on stderr (`seal
//! verify --jsonl`, `xmlbatch build`, `status`, `check`): how many records
//! were read and what became of them, in the tool's words — so that a run
//! over 2,000 bad messages does not end without a word. `-q` silences it
//! ([`crate::args::QuietArg`]); problems are still reported one by one.

use std::fmt::Write as _;

/// Counts of records, by outcome, in the order they are named.
#[derive(Debug, Clone)]
pub struct Summary {
    /// What a record is: ("message", "messages").
    noun: (&'static str, &'static str),
    read: usize,
    counts: Vec<(&'static str, usize)>,
}

impl Summary {
    /// A summary of records called `noun` (singular, plural), with these
    /// outcomes (each counted from 0).
    pub fn new(noun: (&'static str, &'static str), outcomes: &[&'static str]) -> Summary {
        Summary {
            noun,
            read: 0,
            counts: outcomes.iter().map(|o| (*o, 0)).collect(),
        }
    }

    /// One more record read.
    pub fn read(&mut self) {
        self.read += 1;
    }

    /// One more record with this outcome (one of those named in `new`).
    pub fn count(&mut self, outcome: &'static str) {
        if let Some(c) = self.counts.iter_mut().find(|(o, _)| *o == outcome) {
            c.1 += 1;
        }
    }

    /// How many records were read.
    pub fn total(&self) -> usize {
        self.read
    }

    /// How many had this outcome.
    pub fn of(&self, outcome: &str) -> usize {
        self.counts
            .iter()
            .find(|(o, _)| *o == outcome)
            .map_or(0, |c| c.1)
    }

    /// The line: `2000 messages read: 0 valid, 2000 invalid, 0 unreadable`.
    pub fn line(&self) -> String {
        let noun = if self.read == 1 {
            self.noun.0
        } else {
            self.noun.1
        };
        let mut s = format!("{} {noun} read", self.read);
        for (i, (outcome, n)) in self.counts.iter().enumerate() {
            let _ = write!(s, "{}{n} {outcome}", if i == 0 { ": " } else { ", " });
        }
        s
    }

    /// Print the line on stderr as `tool: …`, unless `quiet`.
    pub fn say(&self, tool: &str, quiet: bool) {
        if !quiet {
            crate::error::say(tool, self.line());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_every_outcome() {
        let mut s = Summary::new(("message", "messages"), &["valid", "invalid", "unreadable"]);
        s.read();
        s.count("invalid");
        assert_eq!(s.line(), "1 message read: 0 valid, 1 invalid, 0 unreadable");
        s.read();
        s.count("valid");
        assert_eq!(
            s.line(),
            "2 messages read: 1 valid, 1 invalid, 0 unreadable"
        );
        assert_eq!(s.of("valid"), 1);
    }
}
