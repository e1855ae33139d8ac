//! The lines of a `--jsonl` input, a batch at a time, read in blocks
//! straight into the batch: each line is a range of the batch's bytes,
//! found by memchr. Reading line by line through the input's buffer
//! copied every byte once more and asked the buffer for each line, on
//! the reading thread, the one thread whose work is not shared (issue
//! 27). What a line is, and its bound, is as
//! [`paylot_cli::limits::append_line`] says for every other reader of
//! lines (a property test below holds the two to the same lines).

use std::io::{self, Read};
use std::ops::Range;

/// How a batch is cut: the bound on a line's content, and when a batch
/// ends.
#[derive(Debug, Clone, Copy)]
pub struct Cut {
    /// A line's content (without its `\n` or `\r\n`) past this is
    /// held to the bound and one byte, and reading stops there.
    pub max_line: usize,
    /// Lines of a batch.
    pub lines: usize,
    /// Bytes of a batch, past which it ends whatever its lines (it then
    /// holds at most this and a line more).
    pub bytes: usize,
    /// Bytes asked of the input at a time.
    pub read: usize,
}

/// Up to [`Cut::lines`] non-blank lines, and where each is: empty only
/// at the input's end.
#[derive(Default)]
pub struct Batch {
    /// The bytes read: `chunk[..filled]` (the rest is room, kept
    /// initialised from one batch to the next).
    chunk: Vec<u8>,
    filled: usize,
    /// Each non-blank line's number and content.
    pub lines: Vec<(usize, Range<usize>)>,
}

/// How far the input is read: the lines so far, the bytes read past the
/// last batch's last line, and whether reading ended (at the input's end,
/// or at a line past its bound).
#[derive(Default)]
pub struct Place {
    line: usize,
    carry: Vec<u8>,
    end: bool,
    stopped: bool,
}

impl Batch {
    /// A line's content.
    pub fn line(&self, range: Range<usize>) -> &[u8] {
        &self.chunk[range]
    }

    /// The next batch of `input`: empty once the input is read, and only
    /// then (blank lines are no batch).
    pub fn fill<R: Read + ?Sized>(
        &mut self,
        input: &mut R,
        at: &mut Place,
        cut: Cut,
    ) -> io::Result<()> {
        self.lines.clear();
        self.filled = 0;
        let carry = std::mem::take(&mut at.carry);
        self.room(carry.len());
        self.chunk[..carry.len()].copy_from_slice(&carry);
        self.filled = carry.len();
        at.carry = carry;
        at.carry.clear();
        // The line being looked at starts at `start`; `searched` bytes of
        // it hold no line feed.
        let (mut start, mut searched) = (0, 0);
        while !at.stopped && self.lines.len() < cut.lines {
            if start >= cut.bytes {
                if !self.lines.is_empty() {
                    break;
                }
                // Blank lines only, so far: they are let go, and the batch
                // goes on to a line. A batch ended empty was taken for
                // the input's end, and the messages after 4 MiB of blank
                // lines were lost, the run ending with 0.
                self.chunk.copy_within(start..self.filled, 0);
                self.filled -= start;
                start = 0;
            }
            let held = &self.chunk[start..self.filled];
            if let Some(i) = memchr::memchr(b'\n', &held[searched..]) {
                let feed = start + searched + i;
                let end = if feed > start && self.chunk[feed - 1] == b'\r' {
                    feed - 1
                } else {
                    feed
                };
                self.take(start, end, at, cut);
                (start, searched) = (feed + 1, 0);
                continue;
            }
            searched = held.len();
            // No line end yet: a content already past its bound (a `\r`
            // last may be the start of a `\r\n`, which does not count).
            let content = held.len() - usize::from(held.last() == Some(&b'\r'));
            if content > cut.max_line {
                self.take(start, self.filled, at, cut);
                break;
            }
            if at.end {
                // The last line, without a line end: all content, within
                // its bound (a `\r` last is not counted, as above).
                if !held.is_empty() {
                    at.line += 1;
                    self.keep(at.line, start..self.filled);
                }
                start = self.filled;
                break;
            }
            self.room(cut.read);
            let room = &mut self.chunk[self.filled..self.filled + cut.read];
            let n = loop {
                match input.read(room) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    read => break read?,
                }
            };
            self.filled += n;
            at.end = n == 0;
        }
        if !at.stopped {
            at.carry.extend_from_slice(&self.chunk[start..self.filled]);
        }
        Ok(())
    }

    /// The line `start..end` (its content), numbered; a content past the
    /// bound is held to the bound and one byte, and ends the reading.
    fn take(&mut self, start: usize, end: usize, at: &mut Place, cut: Cut) {
        at.line += 1;
        if end - start > cut.max_line {
            at.stopped = true;
            // A line past its bound is said, blank or not.
            self.lines.push((at.line, start..start + cut.max_line + 1));
        } else {
            self.keep(at.line, start..end);
        }
    }

    /// The line numbered `n`, unless it is blank.
    fn keep(&mut self, n: usize, line: Range<usize>) {
        if !self.chunk[line.clone()].iter().all(u8::is_ascii_whitespace) {
            self.lines.push((n, line));
        }
    }

    /// Room for `n` more bytes past those read.
    fn room(&mut self, n: usize) {
        if self.chunk.len() < self.filled + n {
            self.chunk.resize(self.filled + n, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paylot_cli::limits::{append_line, Line};
    use proptest::prelude::*;

    /// The lines as `append_line` reads them one by one: each non-blank
    /// line's number and content, reading stopped at a line past its bound.
    fn by_append_line(input: &[u8], max: usize) -> Vec<(usize, Vec<u8>)> {
        let mut src = io::BufReader::with_capacity(7, input);
        let (mut lines, mut n) = (Vec::new(), 0);
        loop {
            let mut buf = Vec::new();
            let read = append_line(&mut src, &mut buf, max as u64).unwrap();
            let content = match read {
                Line::End => break,
                Line::TooLong => buf.len(),
                Line::Read if buf.ends_with(b"\r\n") => buf.len() - 2,
                Line::Read if buf.ends_with(b"\n") => buf.len() - 1,
                Line::Read => buf.len(),
            };
            n += 1;
            let line = buf[..content].to_vec();
            if read == Line::TooLong || !line.iter().all(u8::is_ascii_whitespace) {
                lines.push((n, line));
            }
            if read == Line::TooLong {
                break;
            }
        }
        lines
    }

    /// The same input read in batches.
    fn by_batches(input: &[u8], cut: Cut) -> Vec<(usize, Vec<u8>)> {
        let (mut src, mut at, mut batch) = (input, Place::default(), Batch::default());
        let mut lines = Vec::new();
        loop {
            batch.fill(&mut src, &mut at, cut).unwrap();
            if batch.lines.is_empty() {
                return lines;
            }
            assert!(batch.lines.len() <= cut.lines);
            for (n, range) in batch.lines.clone() {
                lines.push((n, batch.line(range).to_vec()));
            }
        }
    }

    proptest! {
        // Whatever the lines, their ends, blanks, lengths about the bound,
        // and however the batches and reads cut them: the lines of
        // append_line, in order, numbered alike.
        #[test]
        fn batches_hold_the_lines_append_line_reads(
            parts in proptest::collection::vec(
                prop_oneof!["[ab]{0,12}", Just("\n".to_string()), Just("\r\n".to_string()),
                            Just("\r".to_string()), Just(" ".to_string())],
                0..40),
            max in 1usize..10,
            lines in 1usize..5,
            bytes in 1usize..30,
            read in 1usize..9,
        ) {
            let input = parts.concat().into_bytes();
            let cut = Cut { max_line: max, lines, bytes, read };
            prop_assert_eq!(by_batches(&input, cut), by_append_line(&input, max));
            // Blank lines past a batch's bytes, and a line after them.
            let blanks = format!("{}x\n", " \n".repeat(bytes + 3)).into_bytes();
            let input = [blanks, input].concat();
            prop_assert_eq!(by_batches(&input, cut), by_append_line(&input, max));
        }
    }

    #[test]
    fn a_batch_ends_at_its_lines_or_its_bytes() {
        let input = b"a\nb\nc\nd\ne\n";
        let cut = Cut {
            max_line: 10,
            lines: 2,
            bytes: 100,
            read: 64,
        };
        let (mut src, mut at, mut batch) = (&input[..], Place::default(), Batch::default());
        batch.fill(&mut src, &mut at, cut).unwrap();
        assert_eq!(batch.lines, vec![(1, 0..1), (2, 2..3)]);
        batch
            .fill(&mut src, &mut at, Cut { bytes: 1, ..cut })
            .unwrap();
        assert_eq!(batch.lines.len(), 1);
        assert_eq!(batch.line(batch.lines[0].1.clone()), b"c");
    }
}
