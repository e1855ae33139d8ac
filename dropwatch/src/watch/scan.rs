//! `dropwatch watch`: the files judged — walked, looked at, and each
//! change reported once, as its JSON line — and the state saved after.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use paylot_cli::Result;

use gateways::lyra::names::{strip_decorations, Name, DUPLICATE_SUFFIX, ERROR_SUFFIX, GZ_SUFFIX};
use paylot_cli::json::{Lines, Record};

use super::{Obs, Watch};
use crate::file_kind::{classify, Kind};
use crate::fsutil::{self, quote_path};
use crate::state::{self, Reported};

fn mtime_ns(meta: &fs::Metadata) -> i128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

fn ns_rfc3339(ns: i128) -> String {
    let d = Duration::from_nanos(u64::try_from(ns).unwrap_or(0));
    paylot_cli::time::rfc3339_millis(UNIX_EPOCH + d)
}

fn kind_type(k: &Kind) -> &'static str {
    match k {
        Kind::Request => "request_waiting",
        Kind::Answer { .. } => "answer_ready",
        Kind::Rejected { .. } => "request_rejected",
        Kind::Status { .. } => "status_ready",
        Kind::ErrorFile { .. } => "error_file",
        Kind::Compressed { .. } => "compressed",
    }
}

impl Watch {
    /// Emitted events are flushed, then the state is saved: a kill -9
    /// between the two can repeat the last events on restart, never lose
    /// one.
    pub(super) fn commit(&mut self) -> Result<()> {
        if self.dirty {
            match (&self.saver, &self.state_path) {
                (Some(saver), _) => saver.submit(self.state.clone())?,
                (None, Some(p)) => state::save(p, &self.state)?,
                (None, None) => {}
            }
            self.dirty = false;
        }
        Ok(())
    }

    pub(super) fn sleep_until_next(&mut self, every: Duration, sink: &mut Lines) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < every {
            let next = self
                .candidates
                .values()
                .map(|o| o.since + self.settle)
                .min()
                .unwrap_or(start + every)
                .min(start + every);
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
            if !self.candidates.is_empty() {
                let due: Vec<PathBuf> = self.candidates.keys().cloned().collect();
                self.observe(&due, sink)?;
                self.commit()?;
            }
        }
        Ok(())
    }

    /// Every candidate file under these directories.
    pub(super) fn walk(&mut self, roots: &[PathBuf]) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for d in roots {
            for e in walkdir::WalkDir::new(d).follow_links(false) {
                let e = match e {
                    Ok(e) => e,
                    Err(e) => {
                        let at = e.path().unwrap_or(d).to_path_buf();
                        if self.warned.insert(at) {
                            self.unreadable += 1;
                            paylot_cli::say(crate::cli::TOOL, fsutil::unreadable(e, d));
                        }
                        continue;
                    }
                };
                let ft = e.file_type();
                if ft.is_dir() {
                    continue;
                }
                if ft.is_symlink() {
                    if self.warned.insert(e.path().to_path_buf()) {
                        paylot_cli::warn(
                            crate::cli::TOOL,
                            format!("{}: symbolic link not followed", quote_path(e.path())),
                        );
                    }
                    continue;
                }
                // Classified (and unknown names skipped) in observe.
                out.push(e.into_path());
            }
        }
        out
    }

    pub(super) fn full_scan(&mut self, sink: &mut Lines) -> Result<()> {
        let mut paths = self.walk(&self.dirs.clone());
        let present: HashSet<String> = paths.iter().map(|p| key_of(p)).collect();
        // Reported files that are gone.
        for k in self.state.reported.keys() {
            if !present.contains(k) {
                paths.push(path_of(k));
            }
        }
        self.observe(&paths, sink)
    }

    /// Judge these paths now and emit what changed. The open-file check
    /// runs once, for the files that are candidates, not for the world.
    pub(super) fn observe(&mut self, paths: &[PathBuf], sink: &mut Lines) -> Result<()> {
        let now = SystemTime::now();
        let mut gone = Vec::new();
        let mut uniq: HashSet<&PathBuf> = HashSet::with_capacity(paths.len());
        let mut judged = Vec::new();
        for path in paths {
            if !uniq.insert(path) {
                continue;
            }
            let key = key_of(path);
            let meta = match fs::symlink_metadata(path) {
                Ok(m) if m.is_file() => m,
                _ => {
                    self.candidates.remove(path);
                    if self.state.reported.contains_key(&key) {
                        gone.push(path.clone());
                    }
                    continue;
                }
            };
            let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            let Some((gateway, kind)) = classify(&name, &self.gateways, &self.template) else {
                continue;
            };
            if kind == Kind::Request && in_answer_dir(path) {
                // Moved there by the gateway: reported as request_taken
                // when it left the upload directory.
                continue;
            }
            let ty = kind_type(&kind);
            if let Some(r) = self.state.reported.get(&key) {
                if r.kind == ty && r.size == meta.len() && r.mtime_ns == mtime_ns(&meta) {
                    self.candidates.remove(path);
                    continue;
                }
            }
            judged.push((path, key, meta, name, gateway, kind));
        }
        // Open by some process, or may be? One test for them all.
        let files: Vec<(&Path, &fs::Metadata)> =
            judged.iter().map(|j| (j.0.as_path(), &j.2)).collect();
        let uses = fsutil::in_use(&files);
        for ((path, key, meta, name, gateway, kind), used) in judged.into_iter().zip(uses) {
            let size = meta.len();
            let mt = mtime_ns(&meta);
            let ty = kind_type(&kind);
            // Complete?
            if !used.is_free() {
                self.candidates.insert(path.clone(), Obs::now(size, mt));
                continue;
            }
            // Looked at again now that nobody holds it: a writer that wrote
            // and closed it between the first look and the open-file test
            // left it other than it was seen, and what is reported is what
            // is there.
            match fs::symlink_metadata(path) {
                Ok(m) if m.is_file() && m.len() == size && mtime_ns(&m) == mt => {}
                Ok(m) if m.is_file() => {
                    self.candidates
                        .insert(path.clone(), Obs::now(m.len(), mtime_ns(&m)));
                    continue;
                }
                // Gone meanwhile: the next look says so.
                _ => {
                    self.candidates.remove(path);
                    continue;
                }
            }
            // A file renamed into place while nobody holds it open is
            // complete: that rename is the writer's hand-off.
            let handed_off = self.handed_off.remove(path);
            let old_enough = handed_off || fsutil::age(&meta, now) >= self.settle;
            let stable = match self.candidates.get(path) {
                Some(o) => o.size == size && o.mtime_ns == mt && o.since.elapsed() >= self.settle,
                None => false,
            };
            if !(old_enough || stable) {
                let same = matches!(self.candidates.get(path), Some(o) if o.size == size && o.mtime_ns == mt);
                if !same {
                    self.candidates.insert(path.clone(), Obs::now(size, mt));
                }
                continue;
            }
            self.candidates.remove(path);
            let mut ev = Record::new(ty)
                .with("gateway", gateway.as_str())
                // The old name of the field, kept for one release.
                .with("scheme", gateway.as_str())
                .with_path(path)
                .with("size", size)
                .with(
                    "mtime",
                    meta.modified()
                        .map(paylot_cli::time::rfc3339_millis)
                        .unwrap_or_default(),
                );
            let mut request = None;
            match &kind {
                Kind::Request => request = Some(name.clone()),
                Kind::Answer { request: r } | Kind::Status { request: r } => {
                    ev.set("request", r.as_str());
                }
                Kind::ErrorFile { request: r } => {
                    ev.set("request", r.as_str());
                    ev.set("message", first_line(path));
                }
                Kind::Rejected { request: r, reason } => {
                    ev.set("request", r.as_str());
                    ev.set("reason", reason.as_str());
                }
                Kind::Compressed { original } => {
                    ev.set("original", original.as_str());
                }
            }
            ev.set("time", paylot_cli::time::now_rfc3339());
            sink.emit(&ev)?;
            self.state.reported.insert(
                key,
                Reported {
                    kind: ty.to_string(),
                    size,
                    mtime_ns: mt,
                    request,
                },
            );
            self.dirty = true;
        }
        for path in gone {
            self.disappeared(&path, sink)?;
        }
        Ok(())
    }

    /// A reported file is gone: compressed (the .gz has its own event),
    /// rejected (idem), taken by the gateway (a request), or purged.
    fn disappeared(&mut self, path: &Path, sink: &mut Lines) -> Result<()> {
        let key = key_of(path);
        let Some(r) = self.state.reported.remove(&key) else {
            return Ok(());
        };
        self.dirty = true;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = path.parent().unwrap_or(Path::new("/"));
        if fsutil::append_ext(path, GZ_SUFFIX).exists() {
            return Ok(());
        }
        let ty = if r.kind == "request_waiting" {
            let siblings = fsutil::name_set(dir);
            let rejected = siblings.iter().any(|s| {
                s.starts_with(&name)
                    && (s[name.len()..].starts_with(ERROR_SUFFIX)
                        || s[name.len()..].starts_with(DUPLICATE_SUFFIX))
            });
            if rejected {
                return Ok(());
            }
            "request_taken"
        } else {
            "purged"
        };
        let mut ev = Record::new(ty)
            .with("gateway", gateway_of(&name))
            .with("scheme", gateway_of(&name))
            .with_path(path)
            .with("size", r.size)
            .with("mtime", ns_rfc3339(r.mtime_ns))
            .with("was", r.kind.as_str());
        ev.set("time", paylot_cli::time::now_rfc3339());
        sink.emit(&ev)
    }
}

/// Whether a file sits in a directory where the gateway puts what it has
/// taken (Lyra `result_ips` / `id`, the sandbox's Paybox `processed`).
fn in_answer_dir(p: &Path) -> bool {
    p.parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        .is_some_and(|n| gateways::lyra::drop::is_answer_dir(n) || n == crate::gateway::PROCESSED)
}

fn gateway_of(name: &str) -> &'static str {
    let (base, _, _) = strip_decorations(name);
    if Name::parse(base).is_some() {
        "lyra"
    } else {
        "paybox"
    }
}

/// The first line of a small text file (the reason in a `.err`).
fn first_line(p: &Path) -> String {
    use std::io::Read;
    let mut s = String::new();
    if let Ok(f) = fs::File::open(p) {
        let _ = f.take(4096).read_to_string(&mut s);
    }
    s.lines().next().unwrap_or("").trim().to_string()
}

/// The state's key for `path`: the path itself when it is UTF-8 (every
/// path watched is absolute: it starts with `/`), else `bytes:` and its
/// bytes in base64. The key was the path with each byte that is not
/// UTF-8 replaced by U+FFFD: two files whose paths differ only there
/// were one key, so the second was taken for reported after a restart,
/// and the one that left was never said gone.
fn key_of(path: &Path) -> String {
    use base64::Engine as _;
    use std::os::unix::ffi::OsStrExt;
    match path.to_str() {
        Some(s) => s.to_string(),
        None => format!(
            "{BYTES_KEY}{}",
            base64::engine::general_purpose::STANDARD.encode(path.as_os_str().as_bytes())
        ),
    }
}

/// The path a key of [`key_of`] stands for.
fn path_of(key: &str) -> PathBuf {
    use base64::Engine as _;
    use std::os::unix::ffi::OsStringExt;
    key.strip_prefix(BYTES_KEY)
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map(|b| PathBuf::from(std::ffi::OsString::from_vec(b)))
        .unwrap_or_else(|| PathBuf::from(key))
}

/// What starts the key of a path that is not UTF-8 (no absolute path
/// does).
const BYTES_KEY: &str = "bytes:";
