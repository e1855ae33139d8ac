//! File-system helpers shared by the subcommands: durations, timestamps,
//! "is this file open by some process" (like `fuser`), durable writes and
//! renames, and gzip with the mtime kept.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use paylot_cli::{Error, Result};

/// Parse `500ms`, `2s`, `5m`, `1h`, `7d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| {
        format!("\"{text}\" is not a duration (expected e.g. 500ms, 2s, 5m, 1h, 7d)")
    })?;
    let scale = match unit {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => {
            return Err(format!(
                "\"{text}\": unknown unit \"{unit}\" (expected ms, s, m, h or d)"
            ))
        }
    };
    let secs = value * scale;
    if !secs.is_finite() || !(0.0..=1e12).contains(&secs) {
        return Err(format!("\"{text}\" is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: SystemTime) -> String {
    // Not `From<SystemTime>`, which panics out of range (a file's mtime
    // can be anything).
    let ns = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp_nanos(ns) else {
        return String::new();
    };
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    dt.format(&f).unwrap_or_default()
}

/// The current time, RFC 3339; formatted at most once per millisecond
/// (a scan can emit thousands of events in one).
pub fn now_rfc3339() -> String {
    use std::cell::RefCell;
    thread_local! {
        static CACHE: RefCell<(u128, String)> = const { RefCell::new((0, String::new())) };
    }
    let now = SystemTime::now();
    let ms = now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != ms || c.1.is_empty() {
            *c = (ms, rfc3339(now));
        }
        c.1.clone()
    })
}

/// A path quoted for a message, made safe for a terminal.
pub fn quote_path(p: &Path) -> String {
    paylot_cli::quote(&p.to_string_lossy())
}

/// Device and inode of every file held open by a process we may inspect,
/// with one holder's pid, found the way `fuser` does: `stat` on each
/// `/proc/<pid>/fd/<n>`.
#[derive(Default)]
pub struct OpenFiles {
    held: HashMap<(u64, u64), u32>,
}

impl OpenFiles {
    pub fn scan() -> OpenFiles {
        let me = std::process::id();
        let mut held = HashMap::new();
        let Ok(procs) = fs::read_dir("/proc") else {
            return OpenFiles { held };
        };
        for p in procs.flatten() {
            let name = p.file_name();
            let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if pid == me {
                continue;
            }
            let Ok(fds) = fs::read_dir(p.path().join("fd")) else {
                continue;
            };
            for fd in fds.flatten() {
                if let Ok(m) = fs::metadata(fd.path()) {
                    if m.is_file() {
                        held.insert((m.dev(), m.ino()), pid);
                    }
                }
            }
        }
        OpenFiles { held }
    }

    /// The pid of a process holding this file open, if any.
    pub fn holder(&self, meta: &fs::Metadata) -> Option<u32> {
        self.held.get(&(meta.dev(), meta.ino())).copied()
    }
}

/// The command name of a process, for messages.
pub fn process_name(pid: u32) -> String {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

/// fsync a directory (best effort).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Rename and make the rename durable.
pub fn rename_durably(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    if let Some(d) = to.parent() {
        sync_dir(d);
    }
    if let (Some(a), Some(b)) = (from.parent(), to.parent()) {
        if a != b {
            sync_dir(a);
        }
    }
    Ok(())
}

/// The temporary name dropwatch uses for `target` (same directory, hidden,
/// unique per process).
pub fn temp_for(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(
        "{}.{}.{}.tmp",
        crate::names::OWN_PREFIX,
        name,
        std::process::id()
    ))
}

/// Write `bytes` to `target` atomically: hidden temporary, fsync, rename.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_for(target);
    let res = (|| -> io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        rename_durably(&tmp, target)
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(format!("writing {}", quote_path(target)), e));
    }
    Ok(())
}

/// Remove dropwatch's own leftover temporary files in `dir` (from a run
/// that was killed), unless some process still holds them open.
pub fn remove_stale_temps(dir: &Path, open: &OpenFiles) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let name = e.file_name();
        let n = name.to_string_lossy();
        if n.starts_with(crate::names::OWN_PREFIX) && n.ends_with(".tmp") {
            if let Ok(m) = e.path().symlink_metadata() {
                if m.is_file() && open.holder(&m).is_none() {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }
}

/// gzip `src` to `src.gz`: write `src.gz.tmp`, fsync, keep the mtime,
/// rename, then remove `src`. Returns the compressed size. A crash at any
/// point leaves either the original alone (and maybe a `.gz.tmp`, which is
/// never taken for a result) or a complete `.gz` beside the original.
pub fn gzip_file(src: &Path, meta: &fs::Metadata) -> io::Result<u64> {
    let gz = append_ext(src, ".gz");
    let tmp = append_ext(src, ".gz.tmp");
    let mut input = File::open(src)?;
    let res = (|| -> io::Result<u64> {
        let out = File::create(&tmp)?;
        let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        io::copy(&mut input, &mut enc)?;
        let out = enc.finish()?;
        out.sync_all()?;
        let mtime = meta.modified()?;
        out.set_times(fs::FileTimes::new().set_modified(mtime))?;
        let size = out.metadata()?.len();
        drop(out);
        rename_durably(&tmp, &gz)?;
        Ok(size)
    })();
    match res {
        Ok(size) => {
            fs::remove_file(src)?;
            if let Some(d) = src.parent() {
                sync_dir(d);
            }
            Ok(size)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
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
    fn durations() {
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86400)
        );
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("7w").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn timestamps_never_panic() {
        assert_eq!(rfc3339(std::time::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let far = std::time::UNIX_EPOCH + Duration::from_secs(1 << 50);
        assert_eq!(rfc3339(far), "");
        let before = std::time::UNIX_EPOCH - Duration::from_secs(86400);
        assert_eq!(rfc3339(before), "1969-12-31T00:00:00.000Z");
    }

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
