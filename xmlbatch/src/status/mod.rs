//! `xmlbatch status`: the gateway's answer (Paybox status XML or Lyra ANS)
//! in, one CSV or JSON Lines record per answer out.

use std::path::PathBuf;

use clap::{Args as ClapArgs, ValueEnum};
use gateways::Decision;
use paylot_cli::records::OutputFormat;
use paylot_cli::{Error, Input, Outcome, Output, Result};

use crate::{sniff, Detected};

mod lyra;
mod paybox;

pub use lyra::status_lyra;
pub use paybox::status_paybox;

pub const ABOUT: &str =
    "Turn a Paybox status XML or a Lyra ANS into CSV or JSON Lines, one record per answer";

pub const LONG_ABOUT: &str = "\
Read the gateway's answer (Paybox status XML, or Lyra PAY ANS; recognised
from the content unless --format is given) and write one record per
answer: CSV with a header (default) or, with --output-format jsonl, JSON
Lines.

With --question, each answer is matched to the question it answers (Paybox:
by question number, with batch number, site and rank; Lyra: by sequence
number, with transaction id, date and amount): a missing answer, an
unexpected answer or an echoed value that differs is reported on stderr.

A summary (accepted / refused / to retry) goes to stderr. A Lyra file
rejected as a whole (header result 1 or 2) is reported with the instruction
to resend it under a new name.";

pub const EXAMPLES: &str = "\
Examples:
  $ xmlbatch status batch.status.xml > results.csv
  $ xmlbatch status --question batch.xml --output-format jsonl batch.status.xml
  $ xmlbatch status --question 20261123.12345678.PAY.REQ.T.01 20261123.12345678.PAY.ANS.T.01

Exit status: 0 every answer accepted and matched, 1 some answer refused or
to retry, a mismatch with the question, or a file rejected whole,
2 trouble (unreadable or malformed input).";

/// `--format`: the answer's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnswerFormat {
    /// Recognise from the content
    Auto,
    /// Paybox status XML
    Paybox,
    /// Lyra PAY ANS
    Lyra,
    /// (old spelling of --output-format csv)
    #[value(hide = true)]
    Csv,
    /// (old spelling of --output-format jsonl)
    #[value(hide = true)]
    Jsonl,
}

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The question file (Question XML or REQ) to match the answers to
    #[arg(long, value_name = "FILE")]
    pub question: Option<PathBuf>,
    /// The answer's format: auto (from the content), paybox (status XML), lyra (PAY ANS)
    #[arg(long, alias = "format-in", value_enum, default_value_t = AnswerFormat::Auto)]
    pub format: AnswerFormat,
    /// How the records are written
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub output_format: OutputFormat,
    #[command(flatten)]
    pub output: paylot_cli::args::OutputArg,
    #[command(flatten)]
    pub file: paylot_cli::args::InputArg,
}

#[derive(Default)]
pub(crate) struct Tally {
    accepted: u64,
    refused: u64,
    retry: u64,
    mismatches: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, o: Decision) {
        match o {
            Decision::Accepted => self.accepted += 1,
            Decision::Refused => self.refused += 1,
            Decision::Retry => self.retry += 1,
        }
    }

    pub(crate) fn report(&self) -> Outcome {
        let total = self.accepted + self.refused + self.retry;
        paylot_cli::note(format_args!(
            "xmlbatch: {total} answers: {} accepted, {} refused, {} to retry{}",
            self.accepted,
            self.refused,
            self.retry,
            if self.mismatches > 0 {
                format!("; {} mismatches with the question file", self.mismatches)
            } else {
                String::new()
            }
        ));
        Outcome::from_bool(self.refused == 0 && self.retry == 0 && self.mismatches == 0)
    }
}

pub(crate) fn mismatch(tally: &mut Tally, msg: String) {
    tally.mismatches += 1;
    paylot_cli::note(format_args!("{msg}"));
}

pub fn run(args: Args) -> Result<Outcome> {
    let input = Input::open(args.file.path())?;
    let name = input.name().to_string();
    let (detected, reader) = sniff(input)?;
    let mut output_format = args.output_format;
    let format = match args.format {
        // The old spelling: --format was the output format.
        AnswerFormat::Csv | AnswerFormat::Jsonl => {
            output_format = if args.format == AnswerFormat::Csv {
                OutputFormat::Csv
            } else {
                OutputFormat::Jsonl
            };
            paylot_cli::warn(
                "xmlbatch",
                "--format csv|jsonl is now --output-format csv|jsonl (--format names the answer's format); the old spelling goes in the next release",
            );
            AnswerFormat::Auto
        }
        f => f,
    };
    let lyra = match (format, detected) {
        (AnswerFormat::Paybox, _) => false,
        (AnswerFormat::Lyra, _) => true,
        (_, Detected::Xml) => false,
        (_, Detected::LyraAns) => true,
        (_, Detected::LyraReq) => {
            return Err(Error::trouble(format!(
                "{}: this is a Lyra REQ (a request); status reads the gateway's ANS (or a Paybox status XML)",
                paylot_cli::input::quote(&name)
            )))
        }
    };
    let mut out = Output::create(args.output.path())?;
    let question = args.question.as_deref();
    let outcome = if lyra {
        status_lyra(question, output_format, &name, reader, &mut out)?
    } else {
        status_paybox(question, output_format, &name, reader, &mut out)?
    };
    out.commit()?;
    Ok(outcome)
}
