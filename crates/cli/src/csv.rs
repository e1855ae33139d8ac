//! CSV input, read with the csv crate: the one reader of the CSV
//! `xmlbatch build` reads and of the gateways' line files ([`Lines`]),
//! each record bounded and said at the line where it starts, and its
//! errors as messages that say where.

use crate::error::Error;

/// A csv crate error on `name`, said of line `line`, where the record
/// being read starts ([`Lines::line`]; the csv crate's own position is a
/// line early after a CRLF): an I/O error stays one (a closed pipe, a
/// full disk), a record past its bound is [`Error::past_bound`],
/// anything else is trouble with the input.
pub fn error_at(name: &str, line: u64, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => match row_too_long(&io) {
            Some(bound) => Error::past_bound(format!(
                "{name}:{line}: {bound}, the most a {noun} may hold: not a {noun} of this format (is this the file meant?); nothing was read past it",
                noun = bound.noun
            )),
            None => Error::reading(crate::input::quote(name), io),
        },
        // Not met by a Lines' reader, which reads bytes and says a record
        // that is not UTF-8 itself, with the byte and the fix
        // (Lines::next_record).
        csv::ErrorKind::Utf8 { .. } => Error::trouble(format!(
            "{name}:{line}: not valid UTF-8 (expected UTF-8 text)"
        )),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Error::trouble(format!(
            "{name}:{line}: the row has {len} fields, the previous one {expected_len} (check the delimiter and quoting)"
        )),
        other => Error::trouble(format!("{name}:{line}: {other:?}")),
    }
}

/// A record that went past its bound: what the reader under the csv
/// crate says (an I/O error of its own type, told from any other by its
/// type, not its text).
#[derive(Debug)]
pub struct RowTooLong {
    pub max: u64,
    /// What a record is called in messages: "row" (a CSV) or "line".
    pub noun: &'static str,
}

impl std::fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a {} of more than {} bytes", self.noun, self.max)
    }
}

impl std::error::Error for RowTooLong {}

/// What the csv crate may read past the record it is on (its buffer),
/// allowed over the bound before reading stops; a record the read-ahead
/// held whole is still refused past the bound itself ([`Lines`]).
const READ_AHEAD: u64 = 64 * 1024;

/// The one reader of CSV and of the gateways' line files: a csv reader
/// whose records are bounded and said where they start. Each record is at
/// most `max` bytes (its line end aside): one past that is refused
/// ([`RowTooLong`], said as [`Error::past_bound`]) — before it is held
/// whole when it is longer than the read-ahead, so that one huge field or
/// a quoted field of a million lines costs the bound, not the machine.
///
/// Each record read carries the line where it starts (its
/// `position().line()`), counted here: the csv crate stops between the CR
/// and the LF of a CRLF line end and counts LFs only, so its own position
/// for a record is the line before (CRLF), the first blank line before
/// it, or line 1 all along (a file of bare CRs). Here a line ends at LF,
/// CRLF or a bare CR, blank lines are passed over, and a quoted field's
/// line ends count as lines of the file.
pub struct Lines<R> {
    rdr: csv::Reader<Bounded<R>>,
    /// The bytes of the record being read, before they are judged UTF-8
    /// ([`Lines::next_record`]): one buffer for the whole file.
    bytes: csv::ByteRecord,
    /// What a record that is not UTF-8 is: trouble (a malformed input,
    /// exit 2), or a "no" for a reader that plays a gateway refusing the
    /// file ([`Lines::non_utf8_refused`]).
    not_utf8: fn(String) -> Error,
}

impl<R: std::io::Read> Lines<R> {
    /// Read the line file `src` with `builder`'s settings, each record (a
    /// "line" in messages) at most `max` bytes. A header is read as the
    /// first record (the builder's `has_headers` is set off), so that its
    /// line is counted and its bytes bounded as every other's.
    pub fn new(builder: &mut csv::ReaderBuilder, src: R, max: u64) -> Lines<R> {
        Lines::with_noun(builder, src, max, "line")
    }

    /// [`Lines::new`], a record called `noun` in messages ("row").
    pub fn with_noun(
        builder: &mut csv::ReaderBuilder,
        src: R,
        max: u64,
        noun: &'static str,
    ) -> Lines<R> {
        Lines {
            rdr: builder
                .has_headers(false)
                .from_reader(Bounded::new(src, max, noun)),
            bytes: csv::ByteRecord::new(),
            not_utf8: Error::trouble,
        }
    }

    /// A record that is not UTF-8 is a "no" (exit 1), not trouble: for a
    /// reader that judges a file as the gateway would (a Lyra REQ, which
    /// `xmlbatch check` says the gateway would reject and `xmlbatch
    /// respond` refuses, so that the drop sandbox writes the refusal
    /// rather than leave the request pending as a local fault).
    pub fn non_utf8_refused(mut self) -> Lines<R> {
        self.not_utf8 = Error::no;
        self
    }

    /// The next record of the file called `name` (false at its end), a
    /// read error said as [`Lines::error`] does: the loop every reader of
    /// a line file writes, `while rdr.next_record(name, &mut rec)? {`.
    ///
    /// A record that is not UTF-8 is said at its line and column with the
    /// byte that is not and the fix (`iconv`; a byte of 0x80 or more is
    /// most often ISO-8859-1 / Windows-1252: docs/conventions.md), as
    /// trouble or, for a reader that asked, a "no"
    /// ([`Lines::non_utf8_refused`]). The record is read as bytes and
    /// judged here, in the buffer it was read into: the csv crate's own
    /// UTF-8 error says neither the byte nor the fix.
    pub fn next_record(&mut self, name: &str, rec: &mut csv::StringRecord) -> Result<bool, Error> {
        let mut bytes = std::mem::take(&mut self.bytes);
        let read = self.read_byte_record(&mut bytes);
        match read {
            Ok(true) => {}
            Ok(false) => {
                self.bytes = bytes;
                return Ok(false);
            }
            Err(e) => {
                self.bytes = bytes;
                return Err(self.error(name, e));
            }
        }
        match csv::StringRecord::from_byte_record(bytes) {
            Ok(text) => {
                // The record's buffer goes back to be read into next.
                self.bytes = std::mem::replace(rec, text).into_byte_record();
                Ok(true)
            }
            Err(e) => {
                let (column, valid) = (e.utf8_error().field(), e.utf8_error().valid_up_to());
                self.bytes = e.into_byte_record();
                let byte = self
                    .bytes
                    .get(column)
                    .and_then(|f| f.get(valid))
                    .copied()
                    .unwrap_or(0);
                Err((self.not_utf8)(format!(
                    "{name}:{line}: column {column}: {why}",
                    line = self.line(),
                    column = column + 1,
                    why = crate::encoding::not_utf8(byte, None)
                )))
            }
        }
    }

    /// The next record, as the csv reader's `read_byte_record`, its
    /// position where it starts.
    pub fn read_byte_record(&mut self, rec: &mut csv::ByteRecord) -> csv::Result<bool> {
        self.begin();
        let read = self.rdr.read_byte_record(rec);
        let read = self.end(read)?;
        if read {
            rec.set_position(Some(self.position(rec.position())));
        }
        Ok(read)
    }

    /// Before a record: it starts at the first byte past the reader's
    /// position that does not end a line.
    fn begin(&mut self) {
        let from = self.rdr.position();
        let (byte, line) = (from.byte(), from.line());
        self.rdr.get_mut().seek_record(byte, line);
    }

    /// After a record: refused past the bound, even when the read-ahead
    /// held it whole, so that the bound is the one documented, to the
    /// byte, not the read-ahead's.
    fn end(&mut self, read: csv::Result<bool>) -> csv::Result<bool> {
        if let Ok(true) = read {
            let to = self.rdr.position().byte();
            let bounded = self.rdr.get_ref();
            if bounded.record_len(to) > bounded.max {
                return Err(csv::Error::from(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    RowTooLong {
                        max: bounded.max,
                        noun: bounded.noun,
                    },
                )));
            }
        }
        read
    }

    /// The position of the record just read: where it starts, with the
    /// csv reader's record index.
    fn position(&self, csv: Option<&csv::Position>) -> csv::Position {
        let (byte, line) = self.rdr.get_ref().record_start();
        let mut at = csv::Position::new();
        at.set_byte(byte)
            .set_line(line)
            .set_record(csv.map_or(0, |p| p.record()));
        at
    }

    /// The line where the record read last (or being read) starts.
    pub fn line(&self) -> u64 {
        self.rdr.get_ref().record_start().1
    }

    /// A read error of `name` as a message with its line: where the
    /// record it was reading starts (a record past its bound, with the
    /// wrong number of fields or not UTF-8 alike).
    pub fn error(&self, name: &str, e: csv::Error) -> Error {
        error_at(name, self.line(), e)
    }
}

/// The reader under a [`Lines`]' csv reader: it finds where each record
/// starts and its line, and refuses to go on once the record being read
/// has cost more than its bound and the read-ahead ([`RowTooLong`]).
///
/// A record's line is the csv reader's (which counts the LFs it has
/// passed) where the record before it ended, and the LFs of the blank
/// lines and CRLF halves between, and the bare CRs before it, which the
/// csv reader does not count: those are found once, as the bytes pass
/// here (a LF-only file has none), so a record costs a few steps whatever
/// its length.
struct Bounded<R> {
    inner: R,
    max: u64,
    noun: &'static str,
    /// Bytes read from `inner`.
    read: u64,
    /// A copy of the bytes last handed over, and where they start: the
    /// csv reader's position is always among them (its buffer is what is
    /// left of them), so where a record starts is read here.
    last: Vec<u8>,
    last_at: u64,
    /// Where the bare CRs (a CR not followed by LF) handed over are,
    /// until the record sought is known to start past them, and how many
    /// are before it: a few at a time, whatever the number of blank lines.
    bare: std::collections::VecDeque<u64>,
    bare_before: u64,
    /// The end of the input was read.
    ended: bool,
    /// Where the record being read starts.
    start: Start,
}

#[derive(Clone, Copy)]
enum Start {
    /// Not yet seen: only line ends from byte `at`, whose line not
    /// counting bare CRs is `line`.
    Seeking { at: u64, line: u64 },
    /// At this byte, on this line.
    Found { byte: u64, line: u64 },
}

impl<R> Bounded<R> {
    fn new(inner: R, max: u64, noun: &'static str) -> Bounded<R> {
        Bounded {
            inner,
            max,
            noun,
            read: 0,
            last: Vec::new(),
            last_at: 0,
            bare: Default::default(),
            bare_before: 0,
            ended: false,
            start: Start::Seeking { at: 0, line: 1 },
        }
    }

    fn last_end(&self) -> u64 {
        self.last_at + self.last.len() as u64
    }

    /// The next record is read from byte `from`, on line `line` as the
    /// csv reader counts (LFs only).
    fn seek_record(&mut self, from: u64, line: u64) {
        self.start = Start::Seeking { at: from, line };
        self.find_start();
    }

    /// While seeking: the first byte of what is at hand that does not end
    /// a line is where the record starts.
    fn find_start(&mut self) {
        let Start::Seeking { at, line } = self.start else {
            return;
        };
        let from = usize::try_from(at.saturating_sub(self.last_at))
            .unwrap_or(usize::MAX)
            .min(self.last.len());
        let rest = &self.last[from..];
        let ends = rest
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .unwrap_or(rest.len());
        let line = line + rest[..ends].iter().filter(|&&b| b == b'\n').count() as u64;
        let byte = self.last_at + (from + ends) as u64;
        // The bare CRs before `byte` are before the record, found or not:
        // counted now, so that blank lines of bare CRs are not kept while
        // seeking (record_start, on every read, would walk them all).
        while self.bare.front().is_some_and(|&cr| cr < byte) {
            self.bare.pop_front();
            self.bare_before += 1;
        }
        if ends == rest.len() {
            self.start = Start::Seeking { at: byte, line };
            return;
        }
        self.start = Start::Found {
            byte,
            line: line + self.bare_before,
        };
    }

    /// Where the record being read (or last read) starts, and its line;
    /// past the end of the input, the line after the last.
    fn record_start(&self) -> (u64, u64) {
        match self.start {
            Start::Found { byte, line } => (byte, line),
            Start::Seeking { at, line } => {
                let bare = self.bare.iter().take_while(|&&cr| cr < at).count() as u64;
                (at, line + self.bare_before + bare)
            }
        }
    }

    /// The bytes of the record that ended at `to`, its line end aside.
    fn record_len(&self, to: u64) -> u64 {
        let (start, _) = self.record_start();
        let ended_line = to
            .checked_sub(1)
            .filter(|&at| at >= self.last_at)
            .and_then(|at| self.last.get((at - self.last_at) as usize))
            .is_some_and(|&b| b == b'\r' || b == b'\n');
        to.saturating_sub(start)
            .saturating_sub(u64::from(ended_line))
    }

    /// New bytes handed over: their bare CRs noted (a CR that ended the
    /// bytes before is one unless these start with LF), then kept.
    fn handed(&mut self, new: &[u8]) {
        let at = self.last_end();
        if self.last.last() == Some(&b'\r') && new.first() != Some(&b'\n') {
            self.bare.push_back(at - 1);
        }
        for i in memchr::memchr_iter(b'\r', new) {
            if new.get(i + 1).is_some_and(|&b| b != b'\n') {
                self.bare.push_back(at + i as u64);
            }
        }
        self.last.clear();
        self.last.extend_from_slice(new);
        self.last_at = at;
        self.find_start();
    }
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let (start, _) = self.record_start();
        let allowed = (start + self.max + READ_AHEAD).saturating_sub(self.read);
        if allowed == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                RowTooLong {
                    max: self.max,
                    noun: self.noun,
                },
            ));
        }
        let take = buf
            .len()
            .min(usize::try_from(allowed).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..take])?;
        if n > 0 {
            self.read += n as u64;
            self.handed(&buf[..n]);
        } else if !self.ended {
            // A CR that ends the input ends a line.
            self.ended = true;
            if self.last.last() == Some(&b'\r') {
                self.bare.push_back(self.last_end() - 1);
            }
        }
        Ok(n)
    }
}

/// The bound an I/O error says was passed, if it is [`RowTooLong`].
pub fn row_too_long(e: &std::io::Error) -> Option<&RowTooLong> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<RowTooLong>())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader handing over `step` bytes at a time: records and line
    /// ends cut across the csv reader's reads.
    struct Steps<'a>(&'a [u8], usize);

    impl std::io::Read for Steps<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// The line each record of `text` starts on, and its first field,
    /// read `step` bytes at a time.
    fn lines(text: &str, step: usize, quoting: bool) -> Vec<(u64, String)> {
        let mut builder = csv::ReaderBuilder::new();
        builder.delimiter(b';').flexible(true).quoting(quoting);
        let mut rdr = Lines::new(&mut builder, Steps(text.as_bytes(), step), 1 << 10);
        let mut rec = csv::StringRecord::new();
        let mut found = Vec::new();
        while rdr.next_record("t", &mut rec).unwrap() {
            let line = rec.position().unwrap().line();
            assert_eq!(line, rdr.line());
            found.push((line, rec[0].to_string()));
        }
        found
    }

    #[test]
    fn each_record_is_said_on_the_line_where_it_starts_whatever_its_line_ends() {
        let said = |pairs: &[(u64, &str)]| -> Vec<(u64, String)> {
            pairs.iter().map(|(l, s)| (*l, s.to_string())).collect()
        };
        for step in [1, 2, 3, 7, 4096] {
            let three = said(&[(1, "a"), (2, "b"), (3, "c")]);
            assert_eq!(lines("a;1\nb;2\nc;3\n", step, true), three, "LF");
            assert_eq!(lines("a;1\r\nb;2\r\nc;3\r\n", step, true), three, "CRLF");
            assert_eq!(lines("a;1\rb;2\rc;3", step, true), three, "CR");
            assert_eq!(lines("a;1\r\nb;2\rc;3\n", step, true), three, "mixed");
            // Blank lines are passed over, and counted.
            assert_eq!(
                lines("\r\na\r\n\r\n\nb\r\r\nc", step, true),
                said(&[(2, "a"), (5, "b"), (7, "c")]),
                "blank lines"
            );
            // A quoted field's line ends are lines of the file.
            assert_eq!(
                lines("a;\"x\r\ny\r\nz\"\r\nb\r\n\"c\nd\";1\ne\n", step, true),
                said(&[(1, "a"), (4, "b"), (5, "c\nd"), (7, "e")]),
                "quoted"
            );
            // Unquoted (the gateways' line files): a quote is a character.
            assert_eq!(
                lines("a;\"x\r\nb\r\n", step, false),
                said(&[(1, "a"), (2, "b")]),
                "unquoted"
            );
        }
    }

    /// Blank lines of bare CRs: the queue of bare CRs does not grow with
    /// them while the next record is sought (each read walked it whole,
    /// so time was quadratic in their number and memory linear), and the
    /// record after them is on its line.
    #[test]
    fn bare_cr_blank_lines_are_counted_without_being_kept() {
        use std::io::Read;
        let blank = 20_000;
        let text = format!("a;1\r{}b;2\r", "\r".repeat(blank));
        let said = vec![(1, "a".to_string()), (blank as u64 + 2, "b".to_string())];
        for step in [1, 7, 8192] {
            assert_eq!(lines(&text, step, true), said, "{step}");
        }
        // Read as the csv reader does, the blank lines first: after each
        // read, at most the CR that ended the read before is held.
        let text = format!("{}b;2\r", "\r".repeat(blank));
        for step in [1, 7, 8192] {
            let mut bounded = Bounded::new(Steps(text.as_bytes(), step), 1 << 10, "line");
            let mut buf = [0; 8192];
            let mut most = 0;
            while bounded.read(&mut buf).unwrap() > 0 {
                most = most.max(bounded.bare.len());
            }
            assert!(most <= 1, "{step}: {most} bare CRs held");
            assert_eq!(bounded.record_start(), (blank as u64, blank as u64 + 1));
        }
    }

    /// What reading two records of `len` bytes (each after a line end
    /// `end`, the last ending the input) says under a bound of 1 KiB.
    fn bounded(len: usize, end: &str, step: usize) -> std::result::Result<usize, String> {
        let row = "x".repeat(len);
        let text = format!("a{end}{row}{end}{row}");
        let mut builder = csv::ReaderBuilder::new();
        let mut rdr = Lines::with_noun(&mut builder, Steps(text.as_bytes(), step), 1 << 10, "row");
        let mut rec = csv::ByteRecord::new();
        let mut n = 0;
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => n += 1,
                Ok(false) => return Ok(n),
                Err(e) => return Err(rdr.error("t.csv", e).to_string()),
            }
        }
    }

    #[test]
    fn the_bound_is_exact_whatever_the_read_ahead_held() {
        for step in [1, 100, 8192] {
            for end in ["\n", "\r\n", "\r"] {
                assert_eq!(bounded(1024, end, step), Ok(3), "{end:?} {step}");
                let past = bounded(1025, end, step).unwrap_err();
                assert!(
                    past.contains("t.csv:2: a row of more than 1024 bytes"),
                    "{end:?} {step}: {past}"
                );
            }
        }
    }

    /// A record that is not UTF-8: said at its line and column with the
    /// byte and the fix, trouble unless the reader refuses it; the
    /// records around it read as text, in the one buffer.
    #[test]
    fn a_record_not_utf8_is_said_with_its_byte_at_its_line_and_column() {
        let text = b"a;1\r\n\r\nb;caf\xE9\r\nc;3\r\n";
        let read = |refused: bool| {
            let mut builder = csv::ReaderBuilder::new();
            builder.delimiter(b';').flexible(true).quoting(false);
            let mut rdr = Lines::new(&mut builder, &text[..], 1 << 10);
            if refused {
                rdr = rdr.non_utf8_refused();
            }
            let mut rec = csv::StringRecord::new();
            assert!(rdr.next_record("t", &mut rec).unwrap());
            assert_eq!((&rec[0], rec.position().unwrap().line()), ("a", 1));
            rdr.next_record("t", &mut rec).unwrap_err()
        };
        for refused in [false, true] {
            let e = read(refused);
            assert!(
                e.message().starts_with(
                    "t:3: column 2: byte 0xE9 is not UTF-8: the file looks like ISO-8859-1"
                ),
                "{}",
                e.message()
            );
            assert!(e.message().contains("iconv -f WINDOWS-1252 -t UTF-8"));
            assert_eq!(e.exit_status(), if refused { 1 } else { 2 });
        }
    }
}
