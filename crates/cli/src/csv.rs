//! CSV input, read with the csv crate: its errors as messages that say
//! where.

use crate::error::Error;

/// A csv crate error on `name`, as a message with its line: an I/O error
/// stays one (a closed pipe, a full disk), anything else is trouble with
/// the input.
pub fn error(name: &str, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    error_at(name, line, e)
}

/// [`error`], said of line `line` (where the record being read starts)
/// when it is a row past its bound, found while reading, not at a record.
pub fn error_at(name: &str, line: u64, e: csv::Error) -> Error {
    let line = match e.kind() {
        csv::ErrorKind::Io(_) => line,
        _ => e.position().map_or(line, |p| p.line()),
    };
    match e.into_kind() {
        csv::ErrorKind::Io(io) => match row_too_long(&io) {
            Some(bound) => Error::past_bound(format!(
                "{name}:{line}: {bound}, the most a {noun} may hold: not a {noun} of this format (is this the file meant?); nothing was read past it",
                noun = bound.noun
            )),
            None => Error::reading(crate::input::quote(name), io),
        },
        csv::ErrorKind::Utf8 { .. } => Error::trouble(format!(
            "{name}:{line}: not valid UTF-8 (expected UTF-8 text)"
        )),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Error::trouble(format!(
            "{name}:{line}: the row has {len} fields, the previous one {expected_len} (check the delimiter and quoting)"
        )),
        other => Error::trouble(format!("{name}:{line}: {other:?}")),
    }
}

/// A row that went past the bound [`bounded`] sets: what the reader
/// under the csv crate says (an I/O error of its own type, told from
/// any other by its type, not its text).
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
/// allowed over the bound.
const READ_AHEAD: u64 = 64 * 1024;

/// The reader under a csv reader whose records may be at most `max`
/// bytes: it refuses to go on once the record being read has cost more
/// ([`RowTooLong`]), so that one huge field or a quoted field of a
/// million lines is refused before it is held whole. The caller says
/// where each record starts ([`RecordStart::at`], from the csv reader's
/// position after each record).
pub struct Bounded<R> {
    inner: R,
    read: u64,
    start: RecordStart,
    max: u64,
    noun: &'static str,
}

/// Where the record being read starts, told to [`Bounded`].
#[derive(Clone, Default)]
pub struct RecordStart(
    std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The bound, for [`Lines`].
    u64,
);

impl RecordStart {
    fn bound(&self) -> u64 {
        self.1
    }

    /// The next record starts at byte `byte` of the input.
    pub fn at(&self, byte: u64) {
        self.0.store(byte, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `inner` with its records bounded to `max` bytes, and the handle to
/// say where each starts.
pub fn bounded<R: std::io::Read>(inner: R, max: u64) -> (Bounded<R>, RecordStart) {
    bounded_as(inner, max, "row")
}

/// [`bounded`], its records called `noun` in messages ("line").
pub fn bounded_as<R: std::io::Read>(
    inner: R,
    max: u64,
    noun: &'static str,
) -> (Bounded<R>, RecordStart) {
    let start = RecordStart(Default::default(), max);
    let reader = Bounded {
        inner,
        read: 0,
        start: start.clone(),
        max,
        noun,
    };
    (reader, start)
}

/// A csv reader whose records (lines) are bounded: each record read
/// moves the bound on to the next, and an error says the line where the
/// record it was reading starts ([`Lines::error`]). For the gateways'
/// line files (`;`, no quoting), whose records are lines.
pub struct Lines<R> {
    rdr: csv::Reader<Bounded<R>>,
    start: RecordStart,
    line: u64,
}

impl<R: std::io::Read> Lines<R> {
    /// Read `src` with `builder`'s settings, each record at most `max`
    /// bytes.
    pub fn new(builder: &csv::ReaderBuilder, src: R, max: u64) -> Lines<R> {
        let (reader, start) = bounded_as(src, max, "line");
        Lines {
            rdr: builder.from_reader(reader),
            start,
            line: 1,
        }
    }

    /// The next record, as the csv reader's `read_record`.
    pub fn read_record(&mut self, rec: &mut csv::StringRecord) -> csv::Result<bool> {
        let from = self.rdr.position().byte();
        let read = self.rdr.read_record(rec);
        self.moved(from, read)
    }

    /// The next record, as the csv reader's `read_byte_record`.
    pub fn read_byte_record(&mut self, rec: &mut csv::ByteRecord) -> csv::Result<bool> {
        let from = self.rdr.position().byte();
        let read = self.rdr.read_byte_record(rec);
        self.moved(from, read)
    }

    /// After a record read from byte `from`: the bound moved on to the
    /// next one. A record the reader's read-ahead held whole is still
    /// refused past the bound (its line end not counted), so that the
    /// bound is the one documented, not the read-ahead's.
    fn moved(&mut self, from: u64, read: csv::Result<bool>) -> csv::Result<bool> {
        if read.is_ok() {
            let at = self.rdr.position();
            let max = self.start.bound();
            if at.byte().saturating_sub(from) > max + 2 {
                return Err(csv::Error::from(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    RowTooLong { max, noun: "line" },
                )));
            }
            self.start.at(at.byte());
            self.line = at.line();
        }
        read
    }

    /// The line the record being read (or the next one) starts on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// A read error of `name` as a message with its line (a line past
    /// its bound said at the line where it starts).
    pub fn error(&self, name: &str, e: csv::Error) -> Error {
        error_at(name, self.line, e)
    }
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let start = self.start.0.load(std::sync::atomic::Ordering::Relaxed);
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
        self.read += n as u64;
        Ok(n)
    }
}

/// The bound an I/O error says was passed, if it is [`RowTooLong`].
pub fn row_too_long(e: &std::io::Error) -> Option<&RowTooLong> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<RowTooLong>())
}
