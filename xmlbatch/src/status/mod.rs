//! `xmlbatch status`: the gateway's answer (Paybox status XML or Lyra ANS)
//! in, one CSV or JSON Lines record per answer out.

use std::path::PathBuf;

use clap::{Args as ClapArgs, ValueEnum};
use gateways::Decision;
use paylot_cli::records::OutputFormat;
use paylot_cli::summary::Summary;
use paylot_cli::{Error, Input, Outcome, Output, Result};

use crate::cli::TOOL;
use crate::sniff::{sniff, Detected};

mod direct;
mod lyra;
mod office_batch;
mod paybox;

pub use direct::status_direct;
pub use lyra::status_lyra;
pub use paybox::status_paybox;

pub const ABOUT: &str =
    "Turn a Paybox status XML, a Lyra ANS or Paybox Direct answers into CSV or JSON Lines, one record per answer";

pub const LONG_ABOUT: &str = "\
Read the gateway's answer (Paybox status XML, Lyra PAY ANS, or Paybox
Direct answers one per line as the gateway sends them; recognised from the
content unless --format is given) and write one record per answer: CSV with
a header (default) or, with --output-format jsonl, JSON Lines.

With --question, each answer is matched to the question it answers (Paybox:
by question number, with batch number, site and rank; Lyra: by sequence
number, with transaction id, date and amount; Paybox Direct: --question is
the requests file, each answer matched by its NUMQUESTION, else by its
position, and SITE, RANG and NUMQUESTION must be echoed identical): a
missing answer, an unexpected answer or an echoed value that differs is
reported on stderr. A Direct answer that is lost or has no CODEREPONSE has
the outcome unknown: ask with an inquiry (TYPE 00017) before sending the
request again.

A summary (accepted / refused / to retry) goes to stderr. A Lyra file
rejected as a whole (header result 1 or 2) is reported with the instruction
to resend it under a new name.";

pub const EXAMPLES: &str = "\
Examples:
  $ xmlbatch status batch.status.xml > results.csv
  $ xmlbatch status --question batch.xml --output-format jsonl batch.status.xml
  $ xmlbatch status --question 20261123.12345678.PAY.REQ.T.01 \\
        20261123.12345678.PAY.ANS.T.01
  $ xmlbatch status --format paybox-direct --question requests.txt answers.txt

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
    /// Paybox Direct answers, one per line
    PayboxDirect,
    /// Sips Office Batch response file
    SipsOfficeBatch,
    /// (old spelling of --output-format csv)
    #[value(hide = true)]
    Csv,
    /// (old spelling of --output-format jsonl)
    #[value(hide = true)]
    Jsonl,
}

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The question file (Question XML, REQ, or the Paybox Direct requests) to match the answers to
    #[arg(long, value_name = "FILE")]
    pub question: Option<PathBuf>,
    /// The answer's format: auto (from the content), paybox (status XML),
    /// lyra (PAY ANS), paybox-direct (Direct answers, one per line)
    #[arg(long, alias = "format-in", value_enum, default_value_t = AnswerFormat::Auto)]
    pub format: AnswerFormat,
    /// How the records are written
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub output_format: OutputFormat,
    #[command(flatten)]
    pub quiet: paylot_cli::args::QuietArg,
    #[command(flatten)]
    pub output: paylot_cli::args::OutputArg,
    #[command(flatten)]
    pub file: paylot_cli::args::InputArg,
}

/// The answers read, by outcome, and the mismatches with the question.
pub struct Tally {
    summary: Summary,
    refused_or_retry: bool,
    mismatches: u64,
    /// What a mismatch is counted as ("with the question", "with the request").
    mismatch_label: &'static str,
}

impl Tally {
    /// For Paybox status files, whose every answer carries a code.
    pub(crate) fn new(with_question: bool) -> Tally {
        Tally::make(with_question, false, "mismatches with the question")
    }

    /// For Direct answers, which may say nothing (a lost answer).
    pub(crate) fn direct(with_question: bool) -> Tally {
        Tally::make(with_question, true, "mismatches with the request")
    }

    /// For Lyra ANS lines, which may carry no code yet (processed later).
    pub(crate) fn lyra(with_question: bool) -> Tally {
        Tally::make(with_question, true, "mismatches with the question")
    }

    /// For Office Batch response records, whose result is mostly not
    /// located.
    pub(crate) fn office_batch() -> Tally {
        Tally::make(false, true, "mismatches with the question")
    }

    fn make(with_question: bool, unknown: bool, mismatch_label: &'static str) -> Tally {
        let mut outcomes: Vec<&'static str> = vec!["accepted", "refused", "to retry"];
        if unknown {
            outcomes.push("unknown");
        }
        if with_question {
            outcomes.push(mismatch_label);
        }
        Tally {
            summary: Summary::new(("answer", "answers"), &outcomes),
            refused_or_retry: false,
            mismatches: 0,
            mismatch_label,
        }
    }

    pub(crate) fn add(&mut self, o: Decision) {
        self.summary.read();
        self.summary.count(match o {
            Decision::Accepted => "accepted",
            Decision::Refused => "refused",
            Decision::Retry => "to retry",
            Decision::Pending => "pending",
            Decision::AlreadyDone => "already done",
            Decision::Unknown => "unknown",
        });
        self.refused_or_retry |= o != Decision::Accepted;
    }

    /// The gateway rejected the whole file: no answer, and the outcome no.
    pub(crate) fn rejected_whole(&mut self) {
        self.refused_or_retry = true;
    }

    /// How many answers were read.
    pub(crate) fn answers(&self) -> u64 {
        self.summary.total() as u64
    }

    /// The summary line (unless `quiet`), and the run's outcome: yes when
    /// every answer was accepted and matched.
    pub fn finish(&self, quiet: bool) -> Outcome {
        self.summary.say(TOOL, quiet);
        Outcome::from_bool(!self.refused_or_retry && self.mismatches == 0)
    }
}

pub(crate) fn mismatch(tally: &mut Tally, msg: String) {
    tally.mismatches += 1;
    tally.summary.count(tally.mismatch_label);
    paylot_cli::note(format_args!("{msg}"));
}

pub fn run(args: Args) -> Result<Outcome> {
    let input = Input::open(args.file.path())?;
    let name = input.name().to_string();
    // Direct answers may be no line at all (every answer lost): named,
    // they are read as they are.
    let (detected, reader) = if args.format == AnswerFormat::PayboxDirect {
        let reader: Box<dyn std::io::BufRead + Send> = input.into_reader();
        (Detected::DirectAnswer, reader)
    } else {
        sniff(input)?
    };
    let quiet = args.quiet.quiet;
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
                TOOL,
                "--format csv|jsonl is now --output-format csv|jsonl (--format names the answer's format); the old spelling goes in the next release",
            );
            AnswerFormat::Auto
        }
        f => f,
    };
    let format = match (format, detected) {
        (AnswerFormat::Auto, Detected::Xml) => AnswerFormat::Paybox,
        (AnswerFormat::Auto, Detected::LyraAns) => AnswerFormat::Lyra,
        (AnswerFormat::Auto, Detected::DirectAnswer) => AnswerFormat::PayboxDirect,
        (AnswerFormat::Auto, Detected::OfficeBatchResponse) => AnswerFormat::SipsOfficeBatch,
        (AnswerFormat::Auto, Detected::OfficeBatchRequest) => {
            return Err(Error::trouble(format!(
                "{}: this is a Sips Office Batch request; status reads the response file",
                paylot_cli::input::quote(&name)
            )))
        }
        (AnswerFormat::Auto, Detected::LyraReq) => {
            return Err(Error::trouble(format!(
                "{}: this is a Lyra REQ (a request); status reads the gateway's ANS (or a Paybox status XML)",
                paylot_cli::input::quote(&name)
            )))
        }
        (AnswerFormat::Auto, Detected::DirectRequest) => {
            return Err(Error::trouble(format!(
                "{}: these are Paybox Direct requests; status reads the gateway's answers (give the requests with --question)",
                paylot_cli::input::quote(&name)
            )))
        }
        (AnswerFormat::Auto, Detected::SipsJson) => {
            return Err(Error::trouble(format!(
                "{}: this is JSON (a Sips Office Server message?): status reads Paybox and Lyra answers; a Sips response is checked and put in words by seal verify",
                paylot_cli::input::quote(&name)
            )))
        }
        (f, _) => f,
    };
    // Nothing is left by a run that ends in trouble (docs/conventions.md).
    let mut out = Output::create_spooled(args.output.path(), paylot_cli::Access::Usual)?;
    let question = args.question.as_deref();
    let outcome = match format {
        AnswerFormat::Lyra => status_lyra(question, output_format, &name, reader, &mut out)?,
        AnswerFormat::PayboxDirect => {
            status_direct(question, output_format, &name, reader, &mut out)?
        }
        AnswerFormat::SipsOfficeBatch => {
            if question.is_some() {
                return Err(Error::usage(
                    "--question is not read for Office Batch responses (how a response record matches its request beyond recordSequence is not published)",
                ));
            }
            office_batch::status_office_batch(output_format, &name, reader, &mut out)?
        }
        _ => status_paybox(question, output_format, &name, reader, &mut out)?,
    };
    out.commit()?;
    Ok(outcome.finish(quiet))
}
