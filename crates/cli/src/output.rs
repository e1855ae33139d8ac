//! Output: standard output, or a file written atomically (temporary file
//! beside the target, fsync, rename). A failed run leaves no file and no
//! half file, and never replaces a good file with a bad one.
//!
//! [`Output::create_spooled`] is for outputs that must not be released
//! before the run has succeeded (a batch document that may still turn out
//! invalid, plaintext whose signature has not been checked yet): on
//! standard output it spools to an unnamed temporary file and copies it
//! out only in [`Output::commit`].
//!
//! A file that may hold cardholder data or unverified plaintext is
//! created with [`Access::Private`]: mode 0600 from the moment it exists,
//! temporary and final alike, whatever the umask. Temporary files are
//! registered for removal on a signal, and those of killed runs are
//! removed by the next run in the same directory ([`crate::cleanup`]).

use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, LineWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::cleanup::{self, Registered};
use crate::error::{Error, Result};

const BUFFER: usize = 64 * 1024;

/// Who may read a file a tool creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// As `cp` or a shell redirection would: the mode of the file it
    /// replaces, else 0666 less the umask.
    Usual,
    /// Its owner only (0600), from the moment it exists: for anything that
    /// may hold cardholder data or unverified plaintext.
    Private,
    /// These permission bits (less the umask): a file made from another
    /// keeps its mode (a compressed copy of a private file stays private).
    Mode(u32),
}

impl Access {
    fn mode(self, target: &Path) -> fs::Permissions {
        use std::os::unix::fs::PermissionsExt;
        match self {
            Access::Private => fs::Permissions::from_mode(0o600),
            Access::Mode(mode) => fs::Permissions::from_mode(mode & 0o777),
            // The kernel applies the umask to the mode given at creation.
            Access::Usual => match fs::metadata(target) {
                Ok(m) => fs::Permissions::from_mode(m.permissions().mode() & 0o7777),
                Err(_) => fs::Permissions::from_mode(0o666),
            },
        }
    }
}

/// Where a command writes its data.
pub struct Output {
    inner: Inner,
}

enum Inner {
    /// Line-buffered on a terminal, so a person sees each record at once.
    Terminal(LineWriter<io::Stdout>),
    /// Block-buffered in a pipe, for throughput.
    Pipe(BufWriter<io::Stdout>),
    /// Held back in an anonymous temporary file (mode 0600, gone with the
    /// process) until `commit`.
    Spool(BufWriter<File>),
    /// A temporary file beside the target, renamed over it in `commit`.
    Atomic(AtomicFile),
}

// Standard output on /dev/null is written like any other: the caller asked
// for the data to be discarded (`> /dev/null`, Python's
// `subprocess.DEVNULL`, systemd's `StandardOutput=null`, daemon(3) all
// hand /dev/null to the child, the last three opened read-write). A
// standard output closed by the caller (`>&-`) cannot be told from these:
// the Rust runtime opens /dev/null read-write in the place of a closed
// descriptor 0, 1 or 2 before `main`, so it is /dev/null too.

impl Output {
    /// Standard output for `None` and `-`, else `path`, written atomically
    /// with the usual mode.
    pub fn create(path: Option<&Path>) -> Result<Output> {
        Output::open(path, Access::Usual, false)
    }

    /// Like [`Output::create`], for data that may hold card numbers: a
    /// file is 0600 from creation.
    pub fn create_private(path: Option<&Path>) -> Result<Output> {
        Output::open(path, Access::Private, false)
    }

    /// Like [`Output::create`], but on standard output nothing is written
    /// before [`Output::commit`]: if the run fails, stdout stays empty.
    pub fn create_spooled(path: Option<&Path>, access: Access) -> Result<Output> {
        Output::open(path, access, true)
    }

    fn open(path: Option<&Path>, access: Access, hold: bool) -> Result<Output> {
        let inner = match path {
            Some(p) if p.as_os_str() != "-" => Inner::Atomic(AtomicFile::create(p, access)?),
            _ if hold => {
                let file = private_tempfile()
                    .map_err(|e| Error::io("cannot create a temporary file", e))?;
                Inner::Spool(BufWriter::with_capacity(BUFFER, file))
            }
            _ => return Ok(Output::stdout()),
        };
        Ok(Output { inner })
    }

    /// Standard output, buffered as its reader needs.
    pub fn stdout() -> Output {
        let out = io::stdout();
        let inner = if out.is_terminal() {
            Inner::Terminal(LineWriter::new(out))
        } else {
            Inner::Pipe(BufWriter::with_capacity(BUFFER, out))
        };
        Output { inner }
    }

    /// Whether this writes to a terminal (for human-only decoration).
    pub fn is_terminal(&self) -> bool {
        matches!(self.inner, Inner::Terminal(_))
    }

    /// Whether this is standard output, written as it goes (not a file,
    /// not a spool).
    pub fn is_stdout(&self) -> bool {
        matches!(self.inner, Inner::Terminal(_) | Inner::Pipe(_))
    }

    /// The destination, for messages: the file name or `<stdout>`.
    pub fn name(&self) -> String {
        match &self.inner {
            Inner::Atomic(a) => crate::text::quote(&a.target.to_string_lossy()),
            _ => "<stdout>".to_string(),
        }
    }

    /// Make the output final: flush stdout, copy a spool out, or fsync and
    /// rename a file into place (then fsync its directory). Dropping an
    /// `Output` without committing discards a spool or temporary file.
    pub fn commit(self) -> Result<()> {
        self.commit_telling().map_err(|(e, _)| e)
    }

    /// [`Output::commit`], saying on failure whether any of the output
    /// may have reached its reader: for a run that gives back what it
    /// took for the output (a counter's number) only when nothing left.
    pub fn commit_telling(self) -> std::result::Result<(), (Error, Reached)> {
        let name = self.name();
        let werr = |e: io::Error| Error::io(format!("writing {name}"), e);
        match self.inner {
            // Written as it went: any of it may have been read.
            Inner::Terminal(mut w) => w.flush().map_err(|e| (werr(e), Reached::Maybe)),
            Inner::Pipe(mut w) => w.flush().map_err(|e| (werr(e), Reached::Maybe)),
            Inner::Spool(w) => {
                let nothing = |e: io::Error| (werr(e), Reached::Nothing);
                let mut file = w.into_inner().map_err(|e| nothing(e.into_error()))?;
                file.seek(SeekFrom::Start(0)).map_err(nothing)?;
                let mut out = io::stdout().lock();
                let mut accepted = 0u64;
                let counting = &mut Counting {
                    to: &mut out,
                    accepted: &mut accepted,
                };
                // Read in BUFFER-sized pieces, each written at once (io::copy
                // writes what a BufReader holds).
                io::copy(&mut io::BufReader::with_capacity(BUFFER, file), counting)
                    .and_then(|_| counting.flush())
                    .map_err(|e| {
                        // What stdout accepted may sit in its buffer, or
                        // have been read: counted as read.
                        let reached = if accepted == 0 {
                            Reached::Nothing
                        } else {
                            Reached::Maybe
                        };
                        (werr(e), reached)
                    })
            }
            Inner::Atomic(a) => a.commit_telling(),
        }
    }
}

/// Whether a failed commit may have let any of the output reach its
/// reader ([`Output::commit_telling`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// None of it: the spool's copy wrote no byte (standard output on
    /// /dev/full), or the file was not renamed into place.
    Nothing,
    /// Some of it may have been read.
    Maybe,
}

/// A writer that counts the bytes its writer accepted: a copy that
/// fails tells how far it came (`io::copy` does not).
struct Counting<'a, W> {
    to: W,
    accepted: &'a mut u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.to.write(buf)?;
        *self.accepted += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.to.flush()
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Terminal(w) => w.write(buf),
            Inner::Pipe(w) => w.write(buf),
            Inner::Spool(w) => w.write(buf),
            Inner::Atomic(a) => a.writer.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.inner {
            Inner::Terminal(w) => w.write_all(buf),
            Inner::Pipe(w) => w.write_all(buf),
            Inner::Spool(w) => w.write_all(buf),
            Inner::Atomic(a) => a.writer.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Terminal(w) => w.flush(),
            Inner::Pipe(w) => w.flush(),
            // Flushing a spool or a temporary file releases nothing.
            Inner::Spool(w) => w.flush(),
            Inner::Atomic(a) => a.writer.flush(),
        }
    }
}

/// An anonymous temporary file, mode 0600: what is held back may be card
/// data or unverified plaintext. `tempfile::tempfile` opens it with
/// O_TMPFILE and mode 0666 less the umask (0644 as a rule), not the 0600
/// every file of card data has (docs/conventions.md): the mode is set
/// before anything is written.
fn private_tempfile() -> io::Result<File> {
    use std::os::unix::fs::PermissionsExt;
    let file = tempfile::tempfile()?;
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Bytes a command must hold back while it reads on — the body of an
/// answer whose first line depends on the input's last, messages to be
/// said after others —, in memory up to 64 KiB, past that in an
/// anonymous temporary file (mode 0600, gone with the process): memory
/// stays bounded whatever the input's size.
#[derive(Default)]
pub struct Held {
    memory: Vec<u8>,
    file: Option<BufWriter<File>>,
}

impl Held {
    pub fn new() -> Held {
        Held::default()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.memory.is_empty() && self.file.is_none()
    }

    /// What was written, from its first byte.
    pub fn into_reader(self) -> io::Result<Box<dyn io::BufRead>> {
        match self.file {
            None => Ok(Box::new(io::Cursor::new(self.memory))),
            Some(w) => {
                let mut file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.seek(SeekFrom::Start(0))?;
                Ok(Box::new(io::BufReader::with_capacity(BUFFER, file)))
            }
        }
    }
}

impl Write for Held {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.file.is_none() && self.memory.len() + buf.len() > BUFFER {
            let mut w = BufWriter::with_capacity(BUFFER, private_tempfile()?);
            w.write_all(&std::mem::take(&mut self.memory))?;
            self.file = Some(w);
        }
        match &mut self.file {
            Some(w) => w.write(buf),
            None => self.memory.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        // Nothing held is released before it is read back.
        Ok(())
    }
}

/// A file being written under a temporary name beside its target, and
/// renamed over it when complete: the one way every tool writes a file.
///
/// A target that exists and is not a regular file (`/dev/null`, a named
/// pipe, a terminal) cannot be replaced by a rename: it is written
/// directly, as a shell redirection would. A symbolic link to a file is
/// followed: the file it names is replaced, the link stays.
pub struct AtomicFile {
    writer: BufWriter<Writeback>,
    /// The temporary file, removed when dropped unless renamed into place.
    temp: Option<tempfile::TempPath>,
    target: PathBuf,
    _registered: Option<Registered>,
}

impl AtomicFile {
    /// Start writing `target`: a temporary file in its directory, created
    /// with `access`'s mode, locked and registered for removal on a
    /// signal. Leftovers of killed runs in that directory are removed
    /// first.
    pub fn create(target: &Path, access: Access) -> Result<AtomicFile> {
        let shown = crate::text::quote(&target.to_string_lossy());
        match fs::metadata(target) {
            Ok(m) if m.is_dir() => {
                return Err(Error::trouble(format!(
                    "cannot write {shown}: it is a directory"
                )))
            }
            Ok(m) if !m.is_file() => {
                let file = fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(target)
                    .map_err(|e| Error::io(format!("cannot write {shown}"), e))?;
                return Ok(AtomicFile {
                    writer: BufWriter::with_capacity(BUFFER, Writeback::new(file)),
                    temp: None,
                    target: target.to_path_buf(),
                    _registered: None,
                });
            }
            _ => {}
        }
        // Through a symbolic link, the file it names.
        let real = match fs::symlink_metadata(target) {
            Ok(m) if m.file_type().is_symlink() => {
                fs::canonicalize(target).unwrap_or_else(|_| target.to_path_buf())
            }
            _ => target.to_path_buf(),
        };
        let dir = match real.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        cleanup::remove_leftovers(crate::error::tool(), &dir);
        // Registered before it exists: a signal between the two would
        // otherwise leave it behind.
        let prefix = cleanup::temp_prefix(&name);
        let registered = Registered::new(&dir, &prefix);
        let tmp: NamedTempFile = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(cleanup::TEMP_SUFFIX)
            .rand_bytes(6)
            .permissions(access.mode(&real))
            .tempfile_in(&dir)
            .map_err(|e| {
                Error::io(
                    format!(
                        "cannot write in {}",
                        crate::text::quote(&dir.to_string_lossy())
                    ),
                    e,
                )
            })?;
        cleanup::hold(tmp.as_file());
        let (file, path) = tmp.into_parts();
        Ok(AtomicFile {
            writer: BufWriter::with_capacity(BUFFER, Writeback::new(file)),
            temp: Some(path),
            target: real,
            _registered: Some(registered),
        })
    }

    /// The file being written.
    pub fn writer(&mut self) -> &mut BufWriter<impl Write> {
        &mut self.writer
    }

    /// The file itself (its times, or a copy of its descriptor for a child
    /// process's stdout). Flush [`AtomicFile::writer`] first when mixing.
    pub fn file(&self) -> &File {
        &self.writer.get_ref().file
    }

    /// The size written so far (after a flush, or a child's writes).
    pub fn len(&self) -> u64 {
        self.file().metadata().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Flush, fsync, rename into place, fsync the directory (a target that
    /// is not a regular file is only flushed).
    pub fn commit(self) -> Result<()> {
        self.commit_telling().map_err(|(e, _)| e)
    }

    /// [`AtomicFile::commit`], saying on failure whether any of the file
    /// may have been read: nothing, unless the target is not a regular
    /// file (a device, a FIFO), written as it went.
    fn commit_telling(self) -> std::result::Result<(), (Error, Reached)> {
        let shown = crate::text::quote(&self.target.to_string_lossy());
        let werr = |e: io::Error| Error::io(format!("writing {shown}"), e);
        let reached = if self.temp.is_some() {
            Reached::Nothing
        } else {
            Reached::Maybe
        };
        let file = self
            .writer
            .into_inner()
            .map_err(|e| (werr(e.into_error()), reached))?
            .file;
        let Some(temp) = self.temp else {
            return Ok(());
        };
        // `seal compute --key-file shop.key -o shop.key` replaced the
        // shop's key with the sealed message, with status 0: a file a
        // secret was read from is never written over.
        if crate::secret::is_secret_file(&self.target) {
            return Err((
                Error::trouble(format!(
                    "-o {shown} names the file a secret was read from (--key-file, --cle-file, --passphrase-file): the output would replace it; nothing written, write the output elsewhere"
                )),
                Reached::Nothing,
            ));
        }
        file.sync_all().map_err(|e| (werr(e), reached))?;
        temp.persist(&self.target)
            .map_err(|e| (werr(e.error), reached))?;
        sync_dir_of(&self.target);
        Ok(())
    }
}

/// A file handed to the disk as it is written: every [`Writeback::EVERY`]
/// bytes, the kernel is asked to start writing the file's dirty pages out
/// (`sync_file_range`, without waiting), so that the fsync of
/// [`AtomicFile::commit`] waits for the last of them only. Without it the
/// whole file went to the disk in that fsync, after the work: 18 ms of a
/// 30 MB `seal compute` and 39 ms of a 90 MB one (issue 27), a fifth of
/// their time, now spent by the disk while the tool works.
struct Writeback {
    file: File,
    /// Bytes written since writeback was last started.
    since: usize,
}

impl Writeback {
    const EVERY: usize = 4 << 20;

    fn new(file: File) -> Writeback {
        Writeback { file, since: 0 }
    }

    /// Start writing out every dirty page of the file, best effort: the
    /// fsync at the end is what makes the file durable, whatever this
    /// did (a file system that cannot start writeback early only loses
    /// the head start).
    #[cfg(target_os = "linux")]
    fn start(&self) {
        use std::os::fd::AsRawFd;
        // Offset 0 and length 0: the whole file. SYNC_FILE_RANGE_WRITE
        // alone starts the writing and does not wait for it.
        #[allow(unsafe_code)]
        // SAFETY: the descriptor is the file's own, open for this call;
        // the call reads no memory of ours.
        let _ = unsafe {
            libc::sync_file_range(self.file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE)
        };
    }

    #[cfg(not(target_os = "linux"))]
    fn start(&self) {}
}

impl Write for Writeback {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.since += n;
        if self.since >= Writeback::EVERY {
            self.since = 0;
            self.start();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Write `bytes` to `target` atomically (temporary file, fsync, rename).
pub fn write_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    write_with(target, bytes, Access::Usual)
}

/// Like [`write_atomically`], for a secret: mode 0600 from the start.
pub fn write_atomically_private(target: &Path, bytes: &[u8]) -> Result<()> {
    write_with(target, bytes, Access::Private)
}

fn write_with(target: &Path, bytes: &[u8], access: Access) -> Result<()> {
    let mut file = AtomicFile::create(target, access)?;
    file.writer.write_all(bytes).map_err(|e| {
        Error::io(
            format!("writing {}", crate::text::quote(&target.to_string_lossy())),
            e,
        )
    })?;
    file.commit()
}

/// fsync the directory holding `path`, so that a rename survives a crash.
/// Best effort: some file systems refuse to sync a directory.
pub fn sync_dir_of(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    sync_dir(dir);
}

/// fsync a directory (after creating, renaming or removing an entry).
/// Best effort, like [`sync_dir_of`].
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Rename `from` to `to` and make the rename durable (both directories
/// synced when they differ).
pub fn rename_durably(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    sync_dir_of(to);
    if from.parent() != to.parent() {
        sync_dir_of(from);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
