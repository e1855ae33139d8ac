//! xmlbatch: CSV to gateway batch request files and back.
//!
//! - `build`: CSV → Paybox Question XML, or Lyra version-06 PAY REQ;
//! - `respond`: play the gateway (status XML / ANS), deterministically;
//! - `status`: status XML / ANS → CSV or JSON Lines, matched to the question;
//! - `check`: is a Question XML, REQ or Office Batch request acceptable?
//!
//! Beside them, what only xmlbatch needs: `counter` (NUMQUESTION and
//! batch numbers kept in a locked file, `--question-state`,
//! `--batch-state`) and `pipeline` (a conversion read on one thread and
//! written on another, for build and status).
//!
//! See docs/xmlbatch.md for every element, column, option and exit status.

use std::io::{BufRead, Cursor, Read};

use clap::{CommandFactory, Parser, Subcommand};
use paylot_cli::{Error, Input, Outcome, Result};

pub mod build;
pub mod check;
mod counter;
mod csv_input;
mod pipeline;
pub mod respond;
pub mod status;
mod usage;

const EXIT_STATUS: &str = "\
Exit status: 0 success (valid, all accepted), 1 the answer is no (bad rows,
invalid file, refused answers, mismatches), 2 trouble (usage, unreadable or
malformed input, I/O).";

#[derive(Debug, Parser)]
#[command(
    name = "xmlbatch",
    version = paylot_cli::VERSION,
    about = "CSV to Paybox Question XML / Lyra PAY REQ batch files, and the gateway's answers back to CSV",
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(about = build::ABOUT, long_about = build::LONG_ABOUT, after_help = build::EXAMPLES)]
    Build(Box<build::Args>),
    #[command(about = respond::ABOUT, long_about = respond::LONG_ABOUT, after_help = respond::EXAMPLES)]
    Respond(respond::Args),
    #[command(about = status::ABOUT, long_about = status::LONG_ABOUT, after_help = status::EXAMPLES)]
    Status(status::Args),
    #[command(about = check::ABOUT, long_about = check::LONG_ABOUT, after_help = check::EXAMPLES)]
    Check(check::Args),
}

/// The command-line definition, for man pages and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parse the arguments and run.
pub fn main() -> Result<Outcome> {
    gateways::kinds::install();
    let cli: Cli = paylot_cli::args::parse()?;
    match cli.command {
        Command::Build(a) => build::run(*a),
        Command::Respond(a) => respond::run(a),
        Command::Status(a) => status::run(a),
        Command::Check(a) => check::run(a),
    }
}

/// `--name NAME` and `[FILE]`: a request file, and the name it has (or will
/// have) in the drop directory, for the naming rule and the check that a
/// Lyra header agrees with its name.
#[derive(Debug, clap::Args)]
pub struct RequestFile {
    /// The request's file name, when it comes on stdin (default: FILE's name)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    #[command(flatten)]
    pub file: paylot_cli::args::InputArg,
}

impl RequestFile {
    /// The name the file goes by: `--name`, else FILE's.
    pub fn name(&self) -> Option<String> {
        self.name
            .clone()
            .or_else(|| self.file.path().map(|p| p.to_string_lossy().into_owned()))
    }
}

/// What an input holds, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// XML (a Question or status file).
    Xml,
    /// A Lyra request: `00;PAY;06;<shop>;...`.
    LyraReq,
    /// A Lyra answer: `00;PAY;06;<result 0|1|2>;...`.
    LyraAns,
    /// Paybox Direct requests, one form body per line: `VERSION=...`.
    DirectRequest,
    /// Paybox Direct answers, one per line: `NUMTRANS=...&...CODEREPONSE=...`.
    DirectAnswer,
    /// A JSON object (a Sips Office Server request or response).
    SipsJson,
    /// A Sips Office Batch request file: `FILE;request;office;vNN`.
    OfficeBatchRequest,
    /// A Sips Office Batch response file: `FILE;response;office;vNN`.
    OfficeBatchResponse,
}

/// Recognise the input's format from its first bytes, and give back a
/// reader that still sees every byte.
pub fn sniff(input: Input) -> Result<(Detected, Box<dyn BufRead + Send>)> {
    sniff_or(input, None)
}

/// [`sniff`], with what to take an input whose first bytes say nothing for
/// (`respond` answers a file named as a Lyra REQ as one, whatever it holds:
/// the gateway would, with a format error).
pub fn sniff_or(
    input: Input,
    otherwise: Option<Detected>,
) -> Result<(Detected, Box<dyn BufRead + Send>)> {
    let name = input.name().to_string();
    let mut reader = input.into_reader();
    let mut head = Vec::with_capacity(256);
    // The first bytes are usually in the reader's buffer already: looked
    // at there, they stay in it, and every later read goes straight to
    // the buffer (a file's, or a pipe's first write); else they are read
    // out and put back in front.
    let peeked = reader
        .fill_buf()
        .map_err(|e| Error::reading(paylot_cli::input::quote(&name), e))?;
    let in_buffer = peeked.len() >= 256;
    if in_buffer {
        head.extend_from_slice(&peeked[..256]);
    }
    let mut chunk = [0u8; 256];
    while !in_buffer && head.len() < 256 {
        let n = reader
            .read(&mut chunk[..256 - head.len()])
            .map_err(|e| Error::reading(paylot_cli::input::quote(&name), e))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let detected = detect(&head).or(otherwise.filter(|_| !head.is_empty())).ok_or_else(|| {
        if head.is_empty() {
            Error::trouble(format!(
                "{}: empty input (expected a Paybox XML file or a Lyra PAY file)",
                paylot_cli::input::quote(&name)
            ))
        } else if let Some(found) = paylot_cli::encoding::foreign(&head) {
            Error::trouble(found.message(&paylot_cli::input::quote(&name)))
        } else if let Some(kind) = paylot_cli::armor::armored(&head) {
            Error::trouble(format!(
                "{}: not a Paybox XML file nor a Lyra PAY file: {}; a signed status file is \
                 checked with pgpwrap verify --signer GATEWAY.pub FILE | xmlbatch status",
                paylot_cli::input::quote(&name),
                kind.hint()
            ))
        } else if paylot_cli::armor::binary_message(&head) {
            Error::trouble(format!(
                "{}: not a Paybox XML file nor a Lyra PAY file: it is binary OpenPGP data: \
                 open it first with pgpwrap decrypt (or pgpwrap verify for a signed file)",
                paylot_cli::input::quote(&name)
            ))
        } else {
            Error::trouble(format!(
                "{}: not a Paybox XML file, a Lyra PAY file nor Paybox Direct lines (expected '<', '00;PAY;', Paybox Direct fields such as VERSION= and TYPE=, or an answer's NUMTRANS=)",
                paylot_cli::input::quote(&name)
            ))
        }
    })?;
    let reader: Box<dyn BufRead + Send> = if in_buffer {
        reader
    } else {
        // Both halves are buffered already: chaining them needs no third
        // buffer.
        Box::new(Cursor::new(head).chain(reader))
    };
    Ok((detected, reader))
}

/// The format of a document from its first bytes.
pub fn detect(head: &[u8]) -> Option<Detected> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    if head.starts_with(b"<") {
        return Some(Detected::Xml);
    }
    if head.starts_with(b"{") {
        return Some(Detected::SipsJson);
    }
    if head.starts_with(gateways::sips::batch::REQUEST_START) {
        return Some(Detected::OfficeBatchRequest);
    }
    if head.starts_with(gateways::sips::batch::RESPONSE_START) {
        return Some(Detected::OfficeBatchResponse);
    }
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let code_field = format!("{}=", gateways::paybox::direct::CODE_FIELD);
    if memchr::memmem::find(first_line, code_field.as_bytes()).is_some()
        || head.starts_with(b"NUMTRANS=")
    {
        return Some(Detected::DirectAnswer);
    }
    // A request's fields come in any order (each client has its own).
    if gateways::paybox::direct::is_request_line(first_line) {
        return Some(Detected::DirectRequest);
    }
    // A Lyra file: `00;PAY;...`, or at least a 2-digit record code (a
    // request with a bad header is still answered as a request).
    let record_code =
        head.len() >= 3 && head[..2].iter().all(u8::is_ascii_digit) && head[2] == b';';
    if record_code && !head.starts_with(b"00;PAY;") {
        return Some(Detected::LyraReq);
    }
    if head.starts_with(b"00;PAY;") {
        let col4 = head.split(|b| *b == b';').nth(3).unwrap_or(b"");
        let col4 = col4
            .split(|b| *b == b'\n' || *b == b'\r')
            .next()
            .unwrap_or(b"");
        return Some(if col4.len() == 1 {
            Detected::LyraAns
        } else {
            Detected::LyraReq
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn detection() {
        assert_eq!(detect(b"\xEF\xBB\xBF  <?xml"), Some(Detected::Xml));
        assert_eq!(detect(b"00;PAY;06;12345678;TEST"), Some(Detected::LyraReq));
        assert_eq!(detect(b"00;PAY;06;0;;12345678"), Some(Detected::LyraAns));
        assert_eq!(detect(b"TYPE,MONTANT"), None);
        assert_eq!(
            detect(b"VERSION=00103&TYPE=00001"),
            Some(Detected::DirectRequest)
        );
        assert_eq!(
            detect(b"REFERENCE=1&PORTEUR=1111222233334444&VERSION=00103&TYPE=00003"),
            Some(Detected::DirectRequest)
        );
        assert_eq!(
            detect(b"NUMTRANS=1&NUMAPPEL=2&CODEREPONSE=00000"),
            Some(Detected::DirectAnswer)
        );
        assert_eq!(detect(b" {\"a\":1}"), Some(Detected::SipsJson));
        assert_eq!(detect(b""), None);
        assert_eq!(
            detect(b"FILE;request;office;v19\nHEADER"),
            Some(Detected::OfficeBatchRequest)
        );
    }

    /// Modules depend one way (issue 27 §1): what a command reads
    /// through (`csv_input`, `usage`) and the other commands never reach
    /// into `build` (today's month is the calendar's, in gateways).
    #[test]
    fn nothing_reaches_back_into_build() {
        for (file, code) in [
            ("csv_input.rs", include_str!("csv_input.rs")),
            ("usage.rs", include_str!("usage.rs")),
            ("check.rs", include_str!("check.rs")),
            ("respond/mod.rs", include_str!("respond/mod.rs")),
            ("respond/lyra.rs", include_str!("respond/lyra.rs")),
            ("respond/paybox.rs", include_str!("respond/paybox.rs")),
            ("respond/direct.rs", include_str!("respond/direct.rs")),
            (
                "respond/office_batch.rs",
                include_str!("respond/office_batch.rs"),
            ),
            ("respond/sips.rs", include_str!("respond/sips.rs")),
            ("status/mod.rs", include_str!("status/mod.rs")),
            ("status/direct.rs", include_str!("status/direct.rs")),
            ("status/lyra.rs", include_str!("status/lyra.rs")),
            (
                "status/office_batch.rs",
                include_str!("status/office_batch.rs"),
            ),
            ("status/paybox.rs", include_str!("status/paybox.rs")),
        ] {
            assert!(
                !code.contains(concat!("crate::", "build")),
                "{file} reaches into build"
            );
        }
    }
}
