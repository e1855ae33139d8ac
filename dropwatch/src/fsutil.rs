//! File-system helpers of the drop directories: "is this file open by some
//! process" (like `fuser`), gzip with the mtime kept, and directory
//! listings. Writing and renaming files durably is the shared crate's
//! (`paylot_cli::output`).

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use paylot_cli::output::{sync_dir_of, Access, AtomicFile};
use paylot_cli::{Error, Result};

/// A path quoted for a message, made safe for a terminal.
pub fn quote_path(p: &Path) -> String {
    paylot_cli::quote(&p.to_string_lossy())
}

/// Device and inode of files held open by a process we may inspect, with
/// one holder's pid, found the way `fuser` does: `stat` on each
/// `/proc/<pid>/fd/<n>`. Processes whose descriptors cannot be read
/// (another user's, without privileges) are counted, so that a tool can
/// say it could not look, rather than take "not seen" for "not open".
#[derive(Default)]
pub struct OpenFiles {
    held: HashMap<(u64, u64), u32>,
    unseen: usize,
}

impl OpenFiles {
    /// Every file open by any process.
    pub fn scan() -> OpenFiles {
        OpenFiles::walk_proc(None, |_| true)
    }

    /// Only these files: a descriptor is looked at (`stat`) only when the
    /// name it points to is one of theirs (`readlink`, cheap), so that the
    /// check costs little and runs only when there is a candidate. Names
    /// are compared, not whole paths: a process in another mount namespace
    /// sees the same file under another directory.
    pub fn scan_for(files: &[&fs::Metadata], names: &[&std::ffi::OsStr]) -> OpenFiles {
        if files.is_empty() {
            return OpenFiles::default();
        }
        let wanted: HashSet<(u64, u64)> = files.iter().map(|m| (m.dev(), m.ino())).collect();
        let names: HashSet<&std::ffi::OsStr> = names.iter().copied().collect();
        OpenFiles::walk_proc(Some(&names), |key| wanted.contains(key))
    }

    /// Every descriptor of every process we may look at; with `names`,
    /// only those pointing to a file of one of these names are stat'ed.
    fn walk_proc(
        names: Option<&HashSet<&std::ffi::OsStr>>,
        keep: impl Fn(&(u64, u64)) -> bool,
    ) -> OpenFiles {
        let me = std::process::id();
        let mut open = OpenFiles::default();
        let Ok(procs) = fs::read_dir("/proc") else {
            return open;
        };
        for p in procs.flatten() {
            let name = p.file_name();
            let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if pid == me {
                continue;
            }
            let fds = match fs::read_dir(p.path().join("fd")) {
                Ok(fds) => fds,
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                    open.unseen += 1;
                    continue;
                }
                // Gone meanwhile.
                Err(_) => continue,
            };
            for fd in fds.flatten() {
                let path = fd.path();
                if let Some(names) = names {
                    match fs::read_link(&path) {
                        Ok(t) if t.file_name().is_some_and(|n| names.contains(n)) => {}
                        _ => continue,
                    }
                }
                if let Ok(m) = fs::metadata(&path) {
                    let key = (m.dev(), m.ino());
                    if m.is_file() && keep(&key) {
                        open.held.insert(key, pid);
                    }
                }
            }
        }
        open
    }

    /// The pid of a process holding this file open, if any.
    pub fn holder(&self, meta: &fs::Metadata) -> Option<u32> {
        self.held.get(&(meta.dev(), meta.ino())).copied()
    }

    /// How many processes' open files could not be looked at.
    pub fn unseen(&self) -> usize {
        self.unseen
    }

    /// Say once per run, on stderr, that some processes could not be
    /// looked at: a file one of them holds open may be taken for complete.
    pub fn warn_unseen(&self) {
        static SAID: std::sync::Once = std::sync::Once::new();
        if self.unseen > 0 {
            SAID.call_once(|| {
                paylot_cli::warn(
                    crate::TOOL,
                    format_args!(
                        "the open files of {} process(es) cannot be seen (another user's /proc/PID/fd is not readable without privileges): a file one of them still writes may be taken for complete; run as the user who writes the files, or as root",
                        self.unseen
                    ),
                );
            });
        }
    }
}

/// Whether another process has the file at `path` open, asked of the
/// kernel directly: a write lease can be taken on a file only when no
/// other process has it open (fcntl(2), F_SETLEASE), which is the rule
/// `fuser` checks, in a few system calls instead of a walk of every
/// `/proc/<pid>/fd`. `None` when the kernel cannot say here (a file of
/// another user without CAP_LEASE, a network file system, leases turned
/// off): then the walk of `/proc` is the answer ([`OpenFiles`]).
pub fn open_elsewhere(path: &Path) -> Option<bool> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    lease_break_is_harmless();
    // O_NONBLOCK: never wait on another process's lease.
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .ok()?;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl with integer arguments on a descriptor we own, open for
    // the whole call; no memory is passed.
    #[allow(unsafe_code)]
    let taken = unsafe { libc::fcntl(fd, libc::F_SETLEASE, libc::F_WRLCK) };
    if taken == 0 {
        // SAFETY: as above.
        #[allow(unsafe_code)]
        unsafe {
            libc::fcntl(fd, libc::F_SETLEASE, libc::F_UNLCK);
        }
        return Some(false);
    }
    match io::Error::last_os_error().raw_os_error() {
        Some(libc::EAGAIN) => Some(true),
        _ => None,
    }
}

/// While a lease is held (microseconds), another process that opens the
/// file makes the kernel send this process SIGIO, whose default is to end
/// it: SIGIO is caught and ignored instead, once per process.
fn lease_break_is_harmless() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGIO, flag);
    });
}

/// The command name of a process, for messages.
pub fn process_name(pid: u32) -> String {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

/// gzip `src` to `src.gz`: written under a temporary name (the shared
/// scheme), fsynced, given the original's mtime and mode, renamed, and
/// only then is `src` removed. Returns the compressed size. A crash at any
/// point leaves either the original alone (and maybe a temporary file,
/// which the next run removes and which is never taken for a result) or a
/// complete `.gz` beside the original.
pub fn gzip_file(src: &Path, meta: &fs::Metadata) -> Result<u64> {
    use std::os::unix::fs::PermissionsExt;
    let gz = append_ext(src, ".gz");
    let rerr = |e| Error::io(format!("compressing {}", quote_path(src)), e);
    let mut input = File::open(src).map_err(rerr)?;
    let mut out = AtomicFile::create(&gz, Access::Mode(meta.permissions().mode()))?;
    let size = {
        let mut enc = flate2::write::GzEncoder::new(out.writer(), flate2::Compression::default());
        io::copy(&mut input, &mut enc).map_err(rerr)?;
        enc.finish().and_then(|w| w.flush()).map_err(rerr)?;
        out.len()
    };
    let mtime = meta.modified().map_err(rerr)?;
    out.file()
        .set_times(fs::FileTimes::new().set_modified(mtime))
        .map_err(rerr)?;
    out.commit()?;
    fs::remove_file(src).map_err(rerr)?;
    sync_dir_of(src);
    Ok(size)
}

/// Whether `gz` decompresses to exactly the content of `original`.
pub fn gz_matches(gz: &Path, original: &Path) -> bool {
    let (Ok(g), Ok(mut o)) = (File::open(gz), File::open(original)) else {
        return false;
    };
    let mut dec = flate2::read::GzDecoder::new(g);
    let mut a = [0u8; 65536];
    let mut b = [0u8; 65536];
    loop {
        let n = match read_full(&mut dec, &mut a) {
            Ok(n) => n,
            Err(_) => return false,
        };
        let m = match read_full(&mut o, &mut b[..n.max(1)]) {
            Ok(m) => m,
            Err(_) => return false,
        };
        if n == 0 {
            return m == 0;
        }
        if n != m || a[..n] != b[..m] {
            return false;
        }
    }
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

pub fn append_ext(p: &Path, ext: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(ext);
    PathBuf::from(s)
}

/// A directory entry that is a real directory (not a symlink to one).
/// Whether a directory named on the command line is one: the root of a
/// tree may be a symbolic link to a directory (operators link drop
/// directories into place); inside the tree, links are never followed.
pub fn is_root_dir(p: &Path) -> bool {
    fs::metadata(p).map(|m| m.is_dir()).unwrap_or(false)
}

pub fn is_real_dir(p: &Path) -> bool {
    p.symlink_metadata().map(|m| m.is_dir()).unwrap_or(false)
}

/// Age of a file by mtime (zero if in the future).
pub fn age(meta: &fs::Metadata, now: SystemTime) -> Duration {
    meta.modified()
        .ok()
        .and_then(|m| now.duration_since(m).ok())
        .unwrap_or_default()
}

/// Names (not paths) of the entries of `dir`, sorted.
pub fn names_in(dir: &Path) -> io::Result<Vec<std::ffi::OsString>> {
    let mut v: Vec<_> = fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    v.sort();
    Ok(v)
}

/// The set of names in a directory as strings (lossy), for lookups.
pub fn name_set(dir: &Path) -> HashSet<String> {
    names_in(dir)
        .map(|v| {
            v.into_iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_keeps_mtime_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        fs::write(&f, b"hello hello hello").unwrap();
        let old = SystemTime::now() - Duration::from_secs(10 * 86400);
        File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let meta = fs::metadata(&f).unwrap();
        let copy = dir.path().join("copy");
        fs::copy(&f, &copy).unwrap();
        gzip_file(&f, &meta).unwrap();
        assert!(!f.exists());
        let gz = dir.path().join("a.gz");
        assert_eq!(fs::metadata(&gz).unwrap().modified().unwrap(), old);
        assert!(gz_matches(&gz, &copy));
        fs::write(&copy, b"other").unwrap();
        assert!(!gz_matches(&gz, &copy));
    }

    #[test]
    fn open_files_are_seen() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("held");
        fs::write(&f, b"x").unwrap();
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg("exec 3<\"$1\"; read _")
            .arg("sh")
            .arg(&f)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let meta = fs::metadata(&f).unwrap();
        let mut seen = false;
        for _ in 0..200 {
            if OpenFiles::scan().holder(&meta).is_some() {
                seen = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(child.stdin.take());
        child.wait().unwrap();
        assert!(seen);
        assert!(OpenFiles::scan().holder(&meta).is_none());
    }
}
