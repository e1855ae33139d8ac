//! The bounds on what one piece of input may cost, named once: memory
//! stays bounded whatever a tool is given, and a piece past its bound is
//! refused (status 2, with where it starts) before it is held whole —
//! never an abort on an allocation that fails. Each bound is far above
//! any real input; docs/conventions.md ("Limits") lists them with why.

use std::io::{self, BufRead, Read};

/// A message `seal` judges (the whole input, or a `--jsonl` line): a Sips
/// JSON message is a few tens of KiB at most, a Direct request a few KiB.
pub const MESSAGE: u64 = 1 << 20;

/// A row of the operations CSV `xmlbatch build` reads: a row is a few
/// hundred bytes (the longest field, a reference, is 250 characters).
pub const CSV_ROW: u64 = 64 * 1024;

/// A line of a gateway's line file: a Lyra PAY REQ or ANS line (about 25
/// short columns), a Sips Office Batch line, a Paybox Direct request or
/// answer (a few hundred bytes each).
pub const LINE: u64 = 64 * 1024;

/// What `xmlbatch status --question` keeps of a Lyra PAY REQ to match
/// its answer: of each payment line, only its sequence number, date,
/// transaction id, amount, currency and order reference (about 50 bytes;
/// a REQ holds at most 999,999 lines, so about 50 MB at the most a real
/// one needs), never the line whole. The same of a Paybox Question: of
/// each question its number, type, reference, amount and currency, and
/// what its entry costs (about 200 bytes: some 600,000 questions).
pub const MATCHED_REQUEST: u64 = 128 << 20;

/// A Sips Office Server request (JSON, a few KiB).
pub const OFFICE_SERVER_REQUEST: u64 = 1 << 20;

/// One piece of a Paybox Question or status XML document — a text, a tag
/// with its attributes, a comment: the longest value is a 250-character
/// reference. An element's text, however many pieces make it, is held to
/// the same bound.
pub const XML_PIECE: u64 = 64 * 1024;

/// How deep the elements of a Paybox Question or status XML document may
/// nest: the documents are four levels deep.
pub const XML_DEPTH: usize = 32;

/// A secret file (`--key-file`, `--cle-file`, `--passphrase-file`…): a key
/// is at most a few hundred bytes.
pub const SECRET_FILE: u64 = 64 * 1024;

/// A PEM public key file (`seal --pubkey`): an RSA key is under 1 KiB.
pub const PUBLIC_KEY_FILE: u64 = 64 * 1024;

/// An OpenPGP key or certificate file: a certificate with many
/// signatures and a photo is a few hundred KiB.
pub const OPENPGP_KEY_FILE: u64 = 16 << 20;

/// A line of a small state file (a counter, a `--sent` list of file
/// names): a number or a file name.
pub const STATE_LINE: u64 = 4096;

/// A JSON state file of dropwatch (the files in progress, the Lyra ids
/// each shop used on its last 31 days): read as it is parsed, never whole.
pub const STATE_FILE: u64 = 256 << 20;

/// The document `pgpwrap encrypt --element` reads whole (it is signed
/// whole and written back around the element): a batch file is a few MiB.
pub const ELEMENT_DOCUMENT: u64 = 64 << 20;

/// The document `pgpwrap decrypt --element` and `inspect` read whole:
/// what `encrypt --element` writes from [`ELEMENT_DOCUMENT`] bytes (the
/// armor adds a third), with room to spare.
pub const ELEMENT_ENVELOPE: u64 = 96 << 20;

/// A bound as it is said in messages: "1 MiB", "64 KiB", "4096 bytes".
pub fn show(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// Read all of `src` into `buf`, but never more than `max` bytes and one:
/// `Ok(false)` when `src` holds more than `max` (the caller refuses it; at
/// most `max + 1` bytes were read).
pub fn read_at_most(src: impl Read, buf: &mut Vec<u8>, max: u64) -> io::Result<bool> {
    let start = buf.len();
    src.take(max.saturating_add(1)).read_to_end(buf)?;
    Ok((buf.len() - start) as u64 <= max)
}

/// One line read by [`read_line`].
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line (in the buffer, with its `\n` if it had one).
    Read,
    /// The end of the input: nothing read.
    End,
    /// A line longer than the bound: reading stopped at the bound, so that
    /// an endless line (`/dev/zero`) costs neither memory nor time. The
    /// line's first bytes are held, the bound and one.
    TooLong,
}

/// Read one line into `buf` (cleared first), up to `max` bytes and its
/// line end (`\n` or `\r\n`, which the bound does not count); past
/// that, stop and say [`Line::TooLong`].
pub fn read_line(src: &mut dyn BufRead, buf: &mut Vec<u8>, max: u64) -> io::Result<Line> {
    buf.clear();
    append_line(src, buf, max)
}

/// [`read_line`], the line added after what `buf` holds: one reading of
/// a line for a reader that keeps several lines in one buffer (seal's
/// `--jsonl` batches).
pub fn append_line(src: &mut dyn BufRead, buf: &mut Vec<u8>, max: u64) -> io::Result<Line> {
    let before = buf.len();
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    loop {
        let chunk = match src.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(if buf.len() == before {
                Line::End
            } else {
                Line::Read
            });
        }
        let (part, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (&chunk[..=i], true),
            None => (chunk, false),
        };
        // The line end does not count, `\n` or `\r\n` (a CR at a chunk's
        // end may be a CRLF's: it counts once the next byte is not `\n`).
        let mut text = part.len() - usize::from(done);
        let mut held = buf.len() - before;
        if text > 0 && part[text - 1] == b'\r' {
            text -= 1;
        } else if done && text == 0 && held > 0 && buf.last() == Some(&b'\r') {
            held -= 1;
        }
        if held + text > max {
            // The bound and one held: what is past the bound is seen.
            let take = max + 1 - held;
            buf.extend_from_slice(&part[..take]);
            src.consume(take);
            return Ok(Line::TooLong);
        }
        buf.extend_from_slice(part);
        let n = part.len();
        src.consume(n);
        if done {
            return Ok(Line::Read);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_said_in_their_unit() {
        assert_eq!(show(MESSAGE), "1 MiB");
        assert_eq!(show(LINE), "64 KiB");
        assert_eq!(show(STATE_LINE), "4 KiB");
        assert_eq!(show(1000), "1000 bytes");
    }

    #[test]
    fn a_line_past_its_bound_stops_the_reading_at_the_bound() {
        let mut buf = Vec::new();
        let mut src = io::BufReader::with_capacity(16, &b"ab\ncdefgh\nij"[..]);
        assert_eq!(read_line(&mut src, &mut buf, 4).unwrap(), Line::Read);
        assert_eq!(buf, b"ab\n");
        assert_eq!(read_line(&mut src, &mut buf, 4).unwrap(), Line::TooLong);
        let mut exact = &b"abcd\nabcd"[..];
        assert_eq!(read_line(&mut exact, &mut buf, 4).unwrap(), Line::Read);
        assert_eq!(read_line(&mut exact, &mut buf, 4).unwrap(), Line::Read);
        assert_eq!(buf, b"abcd");
        assert_eq!(read_line(&mut exact, &mut buf, 4).unwrap(), Line::End);
        // An endless line costs the bound.
        let mut zero = io::BufReader::new(io::repeat(0));
        assert_eq!(read_line(&mut zero, &mut buf, 4096).unwrap(), Line::TooLong);
        assert_eq!(buf.len(), 4097);
    }

    /// A CRLF's CR is the line end's, not the line's, wherever a chunk
    /// cuts it from its LF (the attacker's finding: a Direct answer of
    /// 64 KiB and CRLF was refused, the same with LF read).
    #[test]
    fn a_crlf_does_not_count_against_the_bound() {
        for capacity in [1, 2, 3, 4, 5, 6, 7, 64] {
            let mut buf = Vec::new();
            let mut src = io::BufReader::with_capacity(capacity, &b"abcd\r\nabcd\rx\nab\r"[..]);
            assert_eq!(
                read_line(&mut src, &mut buf, 4).unwrap(),
                Line::Read,
                "{capacity}"
            );
            assert_eq!(buf, b"abcd\r\n");
            // A CR that no LF follows is the line's.
            assert_eq!(
                read_line(&mut src, &mut buf, 4).unwrap(),
                Line::TooLong,
                "{capacity}"
            );
            assert_eq!(buf, b"abcd\r");
            let mut rest = Vec::new();
            src.read_to_end(&mut rest).unwrap();
            assert_eq!(rest, b"x\nab\r", "{capacity}");
        }
    }

    #[test]
    fn lines_are_appended_each_to_its_bound() {
        let mut buf = b"kept".to_vec();
        let mut src = io::BufReader::with_capacity(3, &b"abcd\nabcde\n\nz"[..]);
        assert_eq!(append_line(&mut src, &mut buf, 4).unwrap(), Line::Read);
        assert_eq!(buf, b"keptabcd\n");
        assert_eq!(append_line(&mut src, &mut buf, 4).unwrap(), Line::TooLong);
        // The bound and one, and no further.
        assert_eq!(buf, b"keptabcd\nabcde");
        let mut rest = Vec::new();
        src.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"\n\nz");
        let mut empty = &b""[..];
        assert_eq!(append_line(&mut empty, &mut buf, 4).unwrap(), Line::End);
    }

    #[test]
    fn a_whole_read_past_its_bound_is_told() {
        let mut buf = Vec::new();
        assert!(read_at_most(&b"abcd"[..], &mut buf, 4).unwrap());
        buf.clear();
        assert!(!read_at_most(io::repeat(0), &mut buf, 4).unwrap());
        assert_eq!(buf.len(), 5);
    }
}
