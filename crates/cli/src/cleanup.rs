//! Temporary files never outlive their run.
//!
//! Every temporary file a tool creates beside a target is registered
//! here while it exists: SIGINT, SIGTERM and SIGHUP remove the registered
//! files before the process ends (status 128 + the signal's number, as a
//! shell reports it). A run killed outright (SIGKILL, a power cut) cannot
//! clean up; its temporary files are recognisable by name
//! (`.<target>.<pid>.<random>.paylot-tmp`) and carry a lock while their
//! run lives, so the next run that writes in that directory removes them
//! and says so ([`remove_leftovers`]).

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::{Duration, SystemTime};

/// What every temporary file's name ends with.
pub const TEMP_SUFFIX: &str = ".paylot-tmp";

/// What a signal removes: the temporary files of this process, named by
/// their directory and prefix (`.<name>.<pid>.`), registered *before*
/// the file is created, so that no signal can come between the creation
/// and the registration.
static TEMPS: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());
static INSTALLED: Once = Once::new();

/// Remove the registered temporary files on SIGINT, SIGTERM and SIGHUP,
/// then end with status 128 + the signal. Called once by [`crate::run`].
pub fn install(tool: &'static str) {
    INSTALLED.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        // A signal ignored when the run started (nohup, a background job
        // of a script) stays ignored.
        let ignored = ignored_signals();
        let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
            .into_iter()
            .filter(|s| ignored & (1 << (s - 1)) == 0)
            .collect();
        let Ok(mut signals) = signal_hook::iterator::Signals::new(wanted) else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let mut first = true;
                for sig in signals.forever() {
                    // A run that must finish what it has in hand (the
                    // HTTP sandbox) does so on the first signal; a second
                    // one ends it at once.
                    let drain = if first {
                        DRAIN.lock().ok().and_then(|mut d| d.take())
                    } else {
                        None
                    };
                    first = false;
                    match drain {
                        Some(drain) => {
                            let _ =
                                std::thread::Builder::new()
                                    .name("drain".into())
                                    .spawn(move || {
                                        drain();
                                        end(tool, sig)
                                    });
                        }
                        None => end(tool, sig),
                    }
                }
            });
        drop(spawned);
    });
}

/// What a run does before a signal ends it, if anything.
static DRAIN: Mutex<Option<Box<dyn FnOnce() + Send>>> = Mutex::new(None);

/// A run that must finish what it has in hand when SIGINT, SIGTERM or
/// SIGHUP ends it (the HTTP sandbox: the requests in flight answered and
/// logged, the responders it started stopped): `drain` runs on the first
/// such signal, and when it returns the temporary files are removed and
/// the process ends as usual (status 128 + the signal). A second signal
/// ends it at once.
pub fn drain_on_signal(drain: impl FnOnce() + Send + 'static) {
    if let Ok(mut d) = DRAIN.lock() {
        *d = Some(Box::new(drain));
    }
}

/// Remove the registered temporary files, say why the run ends, end it.
fn end(tool: &'static str, sig: i32) -> ! {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let removed = remove_registered();
    let name = match sig {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "SIGHUP",
    };
    let what = if removed > 0 {
        "; its temporary files were removed, nothing was written"
    } else {
        ""
    };
    crate::error::say(tool, format_args!("interrupted by {name}{what}"));
    std::process::exit(128 + sig);
}

/// The signals this process ignores, as the kernel tells them
/// (`SigIgn` in /proc/self/status: bit N-1 for signal N).
fn ignored_signals() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("SigIgn:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(0)
}

fn remove_registered() -> usize {
    let Ok(temps) = TEMPS.lock() else { return 0 };
    let mut removed = 0;
    for (dir, prefix) in temps.iter() {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(prefix.as_str())
                && name.ends_with(TEMP_SUFFIX)
                && fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// The temporary files of one target, registered for removal on a
/// signal; dropping it unregisters them (the files themselves are the
/// owner's business).
#[derive(Debug)]
pub struct Registered {
    entry: (PathBuf, String),
}

impl Registered {
    /// Register the temporary files `prefix*` + [`TEMP_SUFFIX`] in `dir`
    /// (the prefix is [`temp_prefix`]'s, so they are this process's), to
    /// be done before the file is created.
    pub fn new(dir: &Path, prefix: &str) -> Registered {
        let entry = (dir.to_path_buf(), prefix.to_string());
        if let Ok(mut temps) = TEMPS.lock() {
            temps.push(entry.clone());
        }
        Registered { entry }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut temps) = TEMPS.lock() {
            if let Some(at) = temps.iter().position(|e| *e == self.entry) {
                temps.swap_remove(at);
            }
        }
    }
}

/// The prefix of a temporary file for `target`'s name, for this process:
/// `.<name>.<pid>.` (a random part and [`TEMP_SUFFIX`] follow).
pub fn temp_prefix(target_name: &str) -> String {
    format!(".{target_name}.{}.", std::process::id())
}

/// Take the lock that tells later runs this temporary file is in use.
/// Best effort: a file system without locks still has the pid test.
pub fn hold(file: &File) {
    // Another run may be testing this very file's lock for a moment.
    for _ in 0..20 {
        match file.try_lock() {
            Err(std::fs::TryLockError::WouldBlock) => {
                std::thread::sleep(Duration::from_millis(5));
            }
            _ => return,
        }
    }
}

/// How old a leftover with a live pid must be before its lock is trusted
/// to tell that its run is gone (the pid may have been reused).
const REUSED_PID_AGE: Duration = Duration::from_secs(60);

/// Whether `name` is a temporary file of ours, and the pid that made it.
fn leftover_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let mut parts = rest.rsplitn(3, '.');
    let _random = parts.next()?;
    let pid = parts.next()?.parse().ok()?;
    parts.next()?;
    Some(pid)
}

/// Whether a temporary file's run is gone. The lock its run holds says
/// so first: a held lock is a live run, whatever its pid (a run in
/// another pid namespace, a container sharing the directory, has a pid
/// that means nothing here). A free lock is a run that was killed — or
/// one that has just created the file and not yet locked it, so a free
/// lock counts only when the pid is not alive here, or the file is old
/// enough (the pid may have been reused). Where locks are not supported,
/// the pid alone tells.
fn is_stale(path: &Path, pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let Ok(file) = File::open(path) else {
        return false;
    };
    let pid_alive = alive(pid);
    match file.try_lock() {
        Err(std::fs::TryLockError::WouldBlock) => false,
        Err(std::fs::TryLockError::Error(_)) => !pid_alive,
        Ok(()) => {
            let old = fs::symlink_metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age >= REUSED_PID_AGE);
            !pid_alive || old
        }
    }
}

/// Whether process `pid` is alive here.
fn alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Whether `name` is one of our temporary names whose run is gone, told
/// by its pid alone: for a file on another machine (a gateway's SFTP
/// account), which no lock of ours reaches.
pub fn left_by_gone_run(name: &str) -> bool {
    leftover_pid(name).is_some_and(|pid| pid != std::process::id() && !alive(pid))
}

/// The temporary files in `dir` left by runs that were killed, with the
/// pid of each (nothing is removed).
pub fn stale_leftovers(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut stale = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return stale;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(leftover_pid) else {
            continue;
        };
        let path = e.path();
        let regular = fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        if regular && is_stale(&path, pid) {
            stale.push((path, pid));
        }
    }
    stale
}

/// Whether `name` is the name of a temporary file of ours.
pub fn is_temp_name(name: &str) -> bool {
    leftover_pid(name).is_some()
}

/// Remove, from `dir`, the temporary files of runs that were killed, and
/// say so on stderr. Returns the names removed.
pub fn remove_leftovers(tool: &str, dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for (path, pid) in stale_leftovers(dir) {
        if fs::remove_file(&path).is_ok() {
            crate::error::say(
                tool,
                format_args!(
                    "removed {}, a temporary file left by a run that was killed (pid {pid})",
                    crate::text::quote(&path.to_string_lossy())
                ),
            );
            removed.push(path);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_names_are_recognised() {
        assert_eq!(leftover_pid(".a.xml.123.Ab3dE9.paylot-tmp"), Some(123));
        assert_eq!(leftover_pid(".x.123.Ab3dE9.paylot-tmp"), Some(123));
        assert_eq!(leftover_pid("a.xml.123.Ab3dE9.paylot-tmp"), None);
        assert_eq!(leftover_pid(".a.xml.x.Ab3dE9.paylot-tmp"), None);
        assert_eq!(leftover_pid(".a.xml.123.Ab3dE9.tmp"), None);
    }

    #[test]
    fn leftovers_of_dead_runs_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        // A pid that does not exist (above the kernel's maximum).
        let dead = dir.path().join(".a.xml.4999999.AAAAAA.paylot-tmp");
        fs::write(&dead, b"4111111111111111").unwrap();
        let mine = dir
            .path()
            .join(format!("{}BBBBBB{TEMP_SUFFIX}", temp_prefix("b.xml")));
        fs::write(&mine, b"x").unwrap();
        let other = dir.path().join("keep.paylot-tmp");
        fs::write(&other, b"x").unwrap();
        let removed = remove_leftovers("test", dir.path());
        assert_eq!(removed, vec![dead.clone()]);
        assert!(!dead.exists() && mine.exists() && other.exists());
    }
}
