//! Output: standard output, or a file written atomically (temporary file
//! beside the target, fsync, rename). A failed run leaves no file and no
//! half file, and never replaces a good file with a bad one.
//!
//! [`Output::create_spooled`] is for outputs that must not be released
//! before the run has succeeded (a batch document that may still turn out
//! invalid, plaintext whose signature has not been checked yet): on
//! standard output it spools to an unnamed temporary file and copies it
//! out only in [`Output::commit`].

use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, LineWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

const BUFFER: usize = 64 * 1024;

/// Where a command writes its data.
pub struct Output {
    inner: Inner,
}

enum Inner {
    /// Line-buffered on a terminal, so a person sees each record at once.
    Terminal(LineWriter<io::Stdout>),
    /// Block-buffered in a pipe, for throughput.
    Pipe(BufWriter<io::Stdout>),
    /// Held back in an anonymous temporary file until `commit`.
    Spool(BufWriter<File>),
    /// A temporary file beside the target, renamed over it in `commit`.
    Atomic {
        writer: BufWriter<NamedTempFile>,
        target: PathBuf,
    },
}

impl Output {
    /// Standard output for `None` and `-`, else `path`, written atomically.
    pub fn create(path: Option<&Path>) -> Result<Output> {
        match path {
            Some(p) if p.as_os_str() != "-" => Output::atomic(p, Access::Usual),
            _ => Ok(Output::stdout()),
        }
    }

    /// Like [`Output::create`], but on standard output nothing is written
    /// before [`Output::commit`]: if the run fails, stdout stays empty.
    pub fn create_spooled(path: Option<&Path>) -> Result<Output> {
        match path {
            Some(p) if p.as_os_str() != "-" => Output::atomic(p, Access::Usual),
            _ => {
                let file = tempfile::tempfile()
                    .map_err(|e| Error::io("cannot create a temporary file", e))?;
                Ok(Output {
                    inner: Inner::Spool(BufWriter::with_capacity(BUFFER, file)),
                })
            }
        }
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

    fn atomic(target: &Path, access: Access) -> Result<Output> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if target.is_dir() {
            return Err(Error::trouble(format!(
                "cannot write \"{}\": it is a directory",
                target.display()
            )));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .permissions(access.mode(target))
            .tempfile_in(&dir)
            .map_err(|e| Error::io(format!("cannot write in \"{}\"", dir.display()), e))?;
        Ok(Output {
            inner: Inner::Atomic {
                writer: BufWriter::with_capacity(BUFFER, tmp),
                target: target.to_path_buf(),
            },
        })
    }

    /// Whether this writes to a terminal (for human-only decoration).
    pub fn is_terminal(&self) -> bool {
        matches!(self.inner, Inner::Terminal(_))
    }

    /// The destination, for messages: the file name or `<stdout>`.
    pub fn name(&self) -> String {
        match &self.inner {
            Inner::Atomic { target, .. } => format!("\"{}\"", target.display()),
            _ => "<stdout>".to_string(),
        }
    }

    /// Make the output final: flush stdout, copy a spool out, or fsync and
    /// rename a file into place (then fsync its directory). Dropping an
    /// `Output` without committing discards a spool or temporary file.
    pub fn commit(self) -> Result<()> {
        let name = self.name();
        let werr = |e: io::Error| Error::io(format!("writing {name}"), e);
        match self.inner {
            Inner::Terminal(mut w) => w.flush().map_err(werr),
            Inner::Pipe(mut w) => w.flush().map_err(werr),
            Inner::Spool(w) => {
                let mut file = w.into_inner().map_err(|e| werr(e.into_error()))?;
                file.seek(SeekFrom::Start(0)).map_err(werr)?;
                let mut out = io::stdout().lock();
                io::copy(&mut file, &mut out).map_err(werr)?;
                out.flush().map_err(werr)
            }
            Inner::Atomic { writer, target } => {
                let tmp = writer.into_inner().map_err(|e| werr(e.into_error()))?;
                tmp.as_file().sync_all().map_err(werr)?;
                tmp.persist(&target).map_err(|e| werr(e.error))?;
                sync_dir_of(&target);
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Terminal(w) => w.write(buf),
            Inner::Pipe(w) => w.write(buf),
            Inner::Spool(w) => w.write(buf),
            Inner::Atomic { writer, .. } => writer.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.inner {
            Inner::Terminal(w) => w.write_all(buf),
            Inner::Pipe(w) => w.write_all(buf),
            Inner::Spool(w) => w.write_all(buf),
            Inner::Atomic { writer, .. } => writer.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Terminal(w) => w.flush(),
            Inner::Pipe(w) => w.flush(),
            // Flushing a spool or a temporary file releases nothing.
            Inner::Spool(w) => w.flush(),
            Inner::Atomic { writer, .. } => writer.flush(),
        }
    }
}

/// Who may read a file we create.
#[derive(Clone, Copy)]
enum Access {
    /// As `cp` or a shell redirection would: the mode of the file it
    /// replaces, else 0666 less the umask.
    Usual,
    /// Its owner only (0600), from the moment it exists.
    Private,
}

impl Access {
    fn mode(self, target: &Path) -> fs::Permissions {
        use std::os::unix::fs::PermissionsExt;
        match self {
            Access::Private => fs::Permissions::from_mode(0o600),
            // The kernel applies the umask to the mode given at creation.
            Access::Usual => match fs::metadata(target) {
                Ok(m) => fs::Permissions::from_mode(m.permissions().mode() & 0o7777),
                Err(_) => fs::Permissions::from_mode(0o666),
            },
        }
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
    let mut out = Output::atomic(target, access)?;
    out.write_all(bytes)
        .map_err(|e| Error::io(format!("writing \"{}\"", target.display()), e))?;
    out.commit()
}

/// fsync the directory holding `path`, so that a rename survives a crash.
/// Best effort: some file systems refuse to sync a directory.
pub fn sync_dir_of(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Rename `from` to `to` and make the rename durable.
pub fn rename_durably(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    sync_dir_of(to);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_output_appears_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.xml");
        let mut out = Output::create(Some(&target)).unwrap();
        out.write_all(b"hello").unwrap();
        out.flush().unwrap();
        assert!(!target.exists());
        out.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"hello");
        // no temporary left behind
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn modes_follow_umask_keep_the_replaced_file_or_stay_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let public = dir.path().join("public");
        write_atomically(&public, b"x").unwrap();
        // Linux tells the umask in /proc/self/status.
        let umask = fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Umask:").map(|v| v.trim().to_string()))
            })
            .and_then(|v| u32::from_str_radix(&v, 8).ok())
            .unwrap_or(0o022);
        assert_eq!(mode(&public), 0o666 & !umask);
        fs::set_permissions(&public, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&public, b"y").unwrap();
        assert_eq!(mode(&public), 0o640);
        let secret = dir.path().join("secret");
        write_atomically_private(&secret, b"k").unwrap();
        assert_eq!(mode(&secret), 0o600);
    }

    #[test]
    fn dropped_output_leaves_nothing_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.xml");
        fs::write(&target, b"good").unwrap();
        {
            let mut out = Output::create(Some(&target)).unwrap();
            out.write_all(b"bad half").unwrap();
        }
        assert_eq!(fs::read(&target).unwrap(), b"good");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
