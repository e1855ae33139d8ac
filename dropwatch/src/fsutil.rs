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

/// Whether another process may have a file open, as far as this process
/// can tell: the answer of [`in_use`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// No other process has it open.
    Free,
    /// Another process has it open; its pid when the walk of `/proc`
    /// found it (the kernel's answer names none).
    Open(Option<u32>),
    /// This process cannot tell: the kernel does not answer for this
    /// file, and some processes' open files cannot be seen. Every command
    /// treats it as open (nothing that may be open is taken, gzipped,
    /// deleted or said complete), and [`in_use`] has said why.
    Unknown,
}

impl Use {
    /// Whether the file may be acted on: nobody else has it open.
    pub fn is_free(self) -> bool {
        self == Use::Free
    }
}

/// [`in_use`] for one file, with the holder named when the kernel says
/// it is open and the walk of `/proc` can find it (for a message or an
/// event; the walk is the slow part, so only then).
pub fn in_use_named(path: &Path, meta: &fs::Metadata) -> Use {
    match in_use(&[(path, meta)])[0] {
        Use::Open(None) => {
            let name: Vec<&std::ffi::OsStr> = path.file_name().into_iter().collect();
            Use::Open(OpenFiles::scan_for(&[meta], &name).holder(meta))
        }
        other => other,
    }
}

/// The one open-file test of every command (`watch`, `sweep`, `check`,
/// `gateway`), like `fuser`: for each file, the kernel first (a write
/// lease, [`open_elsewhere`]); where it cannot answer (another user's file
/// without CAP_LEASE, a network file system), one walk of `/proc` for
/// those files only ([`OpenFiles`]). A file neither can clear while some
/// processes cannot be looked at is [`Use::Unknown`], said once per file
/// on stderr.
pub fn in_use(files: &[(&Path, &fs::Metadata)]) -> Vec<Use> {
    let asked: Vec<Option<bool>> = files.iter().map(|(p, _)| open_elsewhere(p)).collect();
    let walked = || {
        files
            .iter()
            .zip(&asked)
            .filter(|(_, a)| a.is_none())
            .map(|(f, _)| f)
    };
    let metas: Vec<&fs::Metadata> = walked().map(|f| f.1).collect();
    let names: Vec<&std::ffi::OsStr> = walked().filter_map(|f| f.0.file_name()).collect();
    let open = OpenFiles::scan_for(&metas, &names);
    files
        .iter()
        .zip(asked)
        .map(|((path, meta), asked)| match (asked, open.holder(meta)) {
            (Some(false), _) => Use::Free,
            (_, Some(pid)) => Use::Open(Some(pid)),
            (Some(true), None) => Use::Open(None),
            (None, None) if open.all_seen() => Use::Free,
            (None, None) => {
                open.cannot_tell(path);
                Use::Unknown
            }
        })
        .collect()
}

/// Device and inode of files held open by a process we may inspect, with
/// one holder's pid, found the way `fuser` does: `stat` on each
/// `/proc/<pid>/fd/<n>`. Processes whose descriptors cannot be read
/// (another user's, without privileges), or that `/proc` hides
/// (`hidepid`), are noted, so that "not seen" is never taken for "not
/// open". (Tests use it to wait for a file to be closed: it opens
/// nothing.)
#[derive(Default)]
pub struct OpenFiles {
    held: HashMap<(u64, u64), u32>,
    unseen: usize,
    hidden: bool,
}

impl OpenFiles {
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
        let mut open = OpenFiles::walk_proc(&names, |key| wanted.contains(key));
        open.hidden |= proc_hides_others();
        open
    }

    /// Every descriptor of every process we may look at; only those
    /// pointing to a file of one of these names are stat'ed.
    fn walk_proc(
        names: &HashSet<&std::ffi::OsStr>,
        keep: impl Fn(&(u64, u64)) -> bool,
    ) -> OpenFiles {
        let me = std::process::id();
        let mut open = OpenFiles::default();
        let Ok(procs) = fs::read_dir("/proc") else {
            open.hidden = true;
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
                match fs::read_link(&path) {
                    Ok(t) if t.file_name().is_some_and(|n| names.contains(n)) => {}
                    _ => continue,
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

    /// Whether every process's open files could be looked at.
    fn all_seen(&self) -> bool {
        self.unseen == 0 && !self.hidden
    }

    /// Say, once per file and run, that whether `path` is open cannot be
    /// told, why, and what is done.
    fn cannot_tell(&self, path: &Path) {
        static SAID: std::sync::Mutex<Option<HashSet<PathBuf>>> = std::sync::Mutex::new(None);
        let first = SAID
            .lock()
            .map(|mut said| {
                said.get_or_insert_with(HashSet::new)
                    .insert(path.to_path_buf())
            })
            .unwrap_or(true);
        if !first {
            return;
        }
        let unseen = match (self.unseen, self.hidden) {
            (0, _) => "/proc does not show other users' processes (mounted with hidepid, or \
                       not readable)"
                .to_string(),
            (n, false) => format!(
                "the open files of {n} process(es) cannot be seen (another user's \
                 /proc/PID/fd is not readable without privileges)"
            ),
            (n, true) => format!(
                "/proc hides other users' processes (hidepid) and the open files of {n} \
                 more cannot be seen"
            ),
        };
        paylot_cli::warn(
            crate::cli::TOOL,
            format_args!(
                "{}: cannot tell whether another process has it open: the kernel does not \
                 answer for this file (another user's file, without CAP_LEASE), and {unseen}; \
                 it is treated as in use (left alone); run as the user who writes the files, \
                 or as root",
                quote_path(path)
            ),
        );
    }
}

/// Whether `/proc` lists only this user's processes (`hidepid=invisible`
/// or `ptraceable`, alias 2 and 4) and this process is not exempt (root,
/// or a member of the mount's `gid=`): then another user's process that
/// holds a file is not even listed.
fn proc_hides_others() -> bool {
    let Ok(mounts) = fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    // The mount on /proc that is on top: the last one listed.
    let Some(options) = mounts
        .lines()
        .rfind(|l| l.split(' ').nth(4) == Some("/proc"))
        .and_then(|l| l.split(" - ").nth(1))
        .and_then(|fs| fs.split(' ').nth(2))
    else {
        return false;
    };
    let hides = options.split(',').any(|o| {
        matches!(
            o,
            "hidepid=2" | "hidepid=invisible" | "hidepid=4" | "hidepid=ptraceable"
        )
    });
    if !hides {
        return false;
    }
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let ids = |field: &str| -> Vec<String> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    };
    // Uid: and Gid: list real, effective, saved, file system.
    if ids("Uid:").get(1).is_some_and(|euid| euid == "0") {
        return false;
    }
    let exempt = options.split(',').find_map(|o| o.strip_prefix("gid="));
    !exempt.is_some_and(|gid| {
        ids("Groups:").iter().any(|g| g == gid) || ids("Gid:").get(1).is_some_and(|g| g == gid)
    })
}

/// Whether another process has the file at `path` open, asked of the
/// kernel directly: a write lease can be taken on a file only when no
/// other process has it open (fcntl(2), F_SETLEASE), which is the rule
/// `fuser` checks, in a few system calls instead of a walk of every
/// `/proc/<pid>/fd`. `None` when the kernel cannot say here (a file of
/// another user without CAP_LEASE, a network file system, leases turned
/// off): then the walk of `/proc` is the answer ([`OpenFiles`]).
fn open_elsewhere(path: &Path) -> Option<bool> {
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

/// A directory that could not be read, said the same way by every
/// command; the command ends with status 2 once it has done the rest.
pub fn unreadable_dir(dir: &Path, e: io::Error) -> Error {
    Error::trouble(format!(
        "reading {} (nothing under it was looked at: give the user running dropwatch read \
         and search permission on it)",
        quote_path(dir)
    ))
    .caused_by(e)
}

/// How a command that went on past what it could not do ends, once the
/// rest is done (status 2): the directories it could not read
/// ([`unreadable_dir`], each said already), counted in the same words by
/// every command, then its other failures in its own (`other`); `rest`,
/// what was done all the same. None when nothing failed.
pub fn incomplete(
    command: &str,
    unreadable: usize,
    other: Option<String>,
    rest: &str,
) -> Option<Error> {
    let mut parts = Vec::new();
    if unreadable > 0 {
        parts.push(format!("{unreadable} directory(ies) could not be read"));
    }
    parts.extend(other);
    if parts.is_empty() {
        return None;
    }
    let rest = if rest.is_empty() {
        String::new()
    } else {
        format!("; {rest}")
    };
    Some(Error::trouble(format!(
        "{command}: {} (see above){rest}",
        parts.join(" and ")
    )))
}

/// [`unreadable_dir`] for a part of a tree walked (walkdir's error).
pub fn unreadable(e: walkdir::Error, root: &Path) -> Error {
    let dir = e.path().unwrap_or(root).to_path_buf();
    let why = e.to_string();
    let io = e.into_io_error().unwrap_or_else(|| io::Error::other(why));
    unreadable_dir(&dir, io)
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
            .arg("exec 3<\"$1\"; echo ready; read _")
            .arg("sh")
            .arg(&f)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut ready)
            .unwrap();
        let meta = fs::metadata(&f).unwrap();
        let name = f.file_name().unwrap();
        // The walk of /proc names the holder; the kernel, or the walk,
        // says it is open.
        let walked = OpenFiles::scan_for(&[&meta], &[name]).holder(&meta);
        let judged = in_use_named(&f, &meta);
        drop(child.stdin.take());
        child.wait().unwrap();
        assert_eq!(walked, Some(child.id()));
        assert_eq!(judged, Use::Open(Some(child.id())));
        assert_eq!(OpenFiles::scan_for(&[&meta], &[name]).holder(&meta), None);
        assert_eq!(in_use(&[(&f, &meta)]), vec![Use::Free]);
    }
}
