//! What an input holds, recognised from its first bytes, for `check`,
//! `respond` and `status` (`--format auto`): every format of every
//! gateway xmlbatch reads, told apart here once.

use std::io::{BufRead, Cursor, Read};

use paylot_cli::{Error, Input, Result};

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

impl Detected {
    /// What the input is, in words, for a message about the wrong file.
    pub fn what(self) -> &'static str {
        match self {
            Detected::Xml => "it is XML: a Paybox Question or status file",
            Detected::LyraReq => "it is a Lyra PAY request (REQ)",
            Detected::LyraAns => "it is a Lyra PAY answer (ANS)",
            Detected::DirectRequest => "it holds Paybox Direct requests",
            Detected::DirectAnswer => "it holds Paybox Direct answers",
            Detected::SipsJson => "it is JSON (a Sips Office Server message?)",
            Detected::OfficeBatchRequest => "it is a Sips Office Batch request",
            Detected::OfficeBatchResponse => "it is a Sips Office Batch response",
        }
    }
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
}
