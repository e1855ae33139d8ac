//! `dropwatch watch`: one JSON line per state change in drop directories.
//!
//! inotify events (through the notify crate) are only hints: the tree is
//! rescanned on start, when the kernel queue overflowed (`need_rescan`) and
//! periodically, and every candidate is judged by looking at it. A file is
//! reported once it is complete: no process holds it open (like `fuser`)
//! and its size and mtime have not changed for `--settle`. What was
//! reported is kept in a state file written atomically, so a restart
//! reports only what changed meanwhile.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher as _};
use paylot_cli::{Error, Outcome, Result};

use gateways::lyra::names::{strip_decorations, Name, DUPLICATE_SUFFIX, ERROR_SUFFIX, GZ_SUFFIX};
use gateways::paybox::names::Template;
use gateways::Gateway;
use paylot_cli::json::{Lines, Record};

use crate::file_kind::{classify, Kind};
use crate::fsutil::{self, quote_path};
use crate::state::{self, Reported, WatchState};
use crate::NamingOpts;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this gateway's names [default: both]
    #[arg(long, alias = "scheme", value_enum)]
    pub gateway: Option<Gateway>,
    #[command(flatten)]
    pub naming: NamingOpts,
    /// Report the current states not yet reported, then exit (for cron)
    #[arg(long)]
    pub once: bool,
    /// A file is complete when no process has it open and its size and
    /// mtime have not changed for this long
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::duration_arg)]
    pub settle: Duration,
    /// What was reported [default: DIR/.dropwatch-watch.json, first DIR]
    #[arg(long, value_name = "FILE", conflicts_with = "no_state")]
    pub state: Option<PathBuf>,
    /// Keep no state: report every current state
    #[arg(long)]
    pub no_state: bool,
    /// Do not use inotify: rescan every DURATION (network mounts: NFS,
    /// CIFS, sshfs see no remote writes)
    #[arg(long, value_name = "DURATION", value_parser = crate::duration_arg)]
    pub poll: Option<Duration>,
    /// Full rescan period while watching with inotify
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::duration_arg)]
    pub rescan_every: Duration,
    /// Directories to watch (recursively; a DIR may be a symbolic link to a directory, links inside are not followed)
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
}

pub fn run(a: Args) -> Result<Outcome> {
    let mut dirs = Vec::new();
    for d in &a.dirs {
        if !fsutil::is_root_dir(d) {
            return Err(Error::trouble(format!(
                "{}: not a directory",
                quote_path(d)
            )));
        }
        dirs.push(fs::canonicalize(d).map_err(|e| Error::reading_path(d, e))?);
    }
    let state_path = if a.no_state {
        None
    } else {
        Some(
            a.state
                .clone()
                .unwrap_or_else(|| dirs[0].join(".dropwatch-watch.json")),
        )
    };
    let st: WatchState = match &state_path {
        Some(p) => {
            // Temporaries of a killed run.
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
            paylot_cli::cleanup::remove_leftovers(crate::TOOL, dir.unwrap_or(Path::new(".")));
            state::load(p)?
        }
        None => WatchState::default(),
    };
    let mut w = Watch {
        gateways: crate::gateways(a.gateway),
        template: a.naming.template.clone(),
        settle: a.settle,
        dirs,
        state: st,
        state_path,
        candidates: HashMap::new(),
        warned: HashSet::new(),
        handed_off: HashSet::new(),
        unreadable: 0,
        dirty: false,
        saver: None,
    };
    let mut sink = Lines::stdout();
    if a.once {
        w.full_scan(&mut sink)?;
        if !w.candidates.is_empty() {
            std::thread::sleep(w.settle);
            let due: Vec<PathBuf> = w.candidates.keys().cloned().collect();
            w.observe(&due, &mut sink)?;
        }
        w.commit()?;
        if let Some(e) = fsutil::incomplete("watch", w.unreadable, None, "the rest was reported") {
            return Err(e);
        }
        return Ok(Outcome::Yes);
    }
    match a.poll {
        Some(every) => loop {
            w.full_scan(&mut sink)?;
            w.commit()?;
            w.sleep_until_next(every, &mut sink)?;
        },
        None => w.live(a.rescan_every, &mut sink),
    }
}

/// First observation of a file that is not yet complete.
struct Obs {
    size: u64,
    mtime_ns: i128,
    since: Instant,
}

impl Obs {
    /// A file seen now with this size and modification time: unchanged
    /// since then, and nobody holding it, it is complete.
    fn now(size: u64, mtime_ns: i128) -> Obs {
        Obs {
            size,
            mtime_ns,
            since: Instant::now(),
        }
    }
}

struct Watch {
    gateways: Vec<Gateway>,
    template: Template,
    settle: Duration,
    dirs: Vec<PathBuf>,
    state: WatchState,
    state_path: Option<PathBuf>,
    candidates: HashMap<PathBuf, Obs>,
    warned: HashSet<PathBuf>,
    /// Paths renamed into place since they were last judged.
    handed_off: HashSet<PathBuf>,
    /// Directories that could not be read (each said once).
    unreadable: usize,
    dirty: bool,
    /// While watching live, the state is saved in the background.
    saver: Option<state::Saver<WatchState>>,
}

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
    fn commit(&mut self) -> Result<()> {
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

    fn sleep_until_next(&mut self, every: Duration, sink: &mut Lines) -> Result<()> {
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
    fn walk(&mut self, roots: &[PathBuf]) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for d in roots {
            for e in walkdir::WalkDir::new(d).follow_links(false) {
                let e = match e {
                    Ok(e) => e,
                    Err(e) => {
                        let at = e.path().unwrap_or(d).to_path_buf();
                        if self.warned.insert(at) {
                            self.unreadable += 1;
                            paylot_cli::say(crate::TOOL, fsutil::unreadable(e, d));
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
                            crate::TOOL,
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

    fn full_scan(&mut self, sink: &mut Lines) -> Result<()> {
        let mut paths = self.walk(&self.dirs.clone());
        let present: HashSet<String> = paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        // Reported files that are gone.
        for k in self.state.reported.keys() {
            if !present.contains(k) {
                paths.push(PathBuf::from(k));
            }
        }
        self.observe(&paths, sink)
    }

    /// Judge these paths now and emit what changed. The open-file check
    /// runs once, for the files that are candidates, not for the world.
    fn observe(&mut self, paths: &[PathBuf], sink: &mut Lines) -> Result<()> {
        let now = SystemTime::now();
        let mut gone = Vec::new();
        let mut uniq: HashSet<&PathBuf> = HashSet::with_capacity(paths.len());
        let mut judged = Vec::new();
        for path in paths {
            if !uniq.insert(path) {
                continue;
            }
            let key = path.to_string_lossy().into_owned();
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
        let key = path.to_string_lossy().into_owned();
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

    fn live(&mut self, rescan_every: Duration, sink: &mut Lines) -> Result<Outcome> {
        let (tx, rx) = mpsc::channel();
        let config = notify::Config::default().with_follow_symlinks(false);
        let mut watcher = notify::RecommendedWatcher::new(tx, config)
            .map_err(|e| Error::trouble(format!("starting inotify: {e} (try --poll 5s)")))?;
        for d in &self.dirs {
            watcher.watch(d, RecursiveMode::Recursive).map_err(|e| {
                Error::trouble(format!(
                    "watching {}: {e} (raise fs.inotify.max_user_watches, or use --poll)",
                    quote_path(d)
                ))
            })?;
        }
        // Watches are in place: now the start-up scan cannot miss a file.
        self.full_scan(sink)?;
        self.commit()?;
        self.saver = self.state_path.clone().map(state::Saver::new);
        let mut next_rescan = Instant::now() + rescan_every;
        loop {
            let next_due = self
                .candidates
                .values()
                .map(|o| o.since + self.settle)
                .min()
                .unwrap_or(next_rescan)
                .min(next_rescan);
            let wait = next_due.saturating_duration_since(Instant::now());
            let mut dirty: Vec<PathBuf> = Vec::new();
            let mut new_dirs: Vec<PathBuf> = Vec::new();
            let mut full = false;
            let first = rx.recv_timeout(wait.max(Duration::from_millis(1)));
            let handle = |r: notify::Result<notify::Event>,
                          dirty: &mut Vec<PathBuf>,
                          new_dirs: &mut Vec<PathBuf>,
                          full: &mut bool,
                          handed: &mut HashSet<PathBuf>| match r {
                // Opening or reading a file or directory (our own scans
                // among them) changes nothing: only a write, a close after
                // writing, a creation, a rename or a removal is a hint.
                Ok(ev) if matches!(ev.kind, EventKind::Access(a) if a != AccessKind::Close(AccessMode::Write)) =>
                    {}
                Ok(ev) => {
                    if ev.need_rescan() {
                        *full = true;
                    }
                    let created = matches!(
                        ev.kind,
                        EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_))
                    );
                    // Renamed into place: the writer's hand-off.
                    match ev.kind {
                        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => {
                            handed.extend(ev.paths.first().cloned());
                        }
                        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
                            handed.extend(ev.paths.get(1).cloned());
                        }
                        _ => {}
                    }
                    for p in ev.paths {
                        if created && p.is_dir() {
                            new_dirs.push(p);
                        } else {
                            dirty.push(p);
                        }
                    }
                }
                Err(e) => {
                    paylot_cli::warn(crate::TOOL, format!("inotify: {e}; rescanning"));
                    *full = true;
                }
            };
            match first {
                Ok(r) => {
                    let handed = &mut self.handed_off;
                    handle(r, &mut dirty, &mut new_dirs, &mut full, handed);
                    while let Ok(r) = rx.try_recv() {
                        handle(r, &mut dirty, &mut new_dirs, &mut full, handed);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Error::trouble("inotify watcher stopped"));
                }
            }
            if Instant::now() >= next_rescan {
                full = true;
                next_rescan = Instant::now() + rescan_every;
            }
            if full {
                // Directories made while events were lost have no watch:
                // the roots' watches are renewed, down the whole tree.
                new_dirs = self.dirs.clone();
            }
            if !new_dirs.is_empty() {
                if let Err(e) = watch_dirs(&mut watcher, &mut new_dirs) {
                    paylot_cli::warn(
                        crate::TOOL,
                        format!(
                            "inotify: {e}; rescanning (raise fs.inotify.max_user_watches, or use --poll)"
                        ),
                    );
                    full = true;
                }
            }
            if full {
                self.full_scan(sink)?;
            } else {
                let found = self.walk(&new_dirs);
                dirty.extend(found);
                let now = Instant::now();
                dirty.extend(
                    self.candidates
                        .iter()
                        .filter(|(_, o)| o.since + self.settle <= now)
                        .map(|(p, _)| p.clone()),
                );
                if !dirty.is_empty() {
                    self.observe(&dirty, sink)?;
                }
            }
            self.handed_off.clear();
            self.commit()?;
        }
    }
}

/// Watch directories, down their whole subtrees, before they are scanned:
/// directories that appeared while watching, or every root after events
/// were lost. notify reports a new directory before it adds the
/// directory's own watch (it adds it once it has read the events at hand),
/// so a file created or renamed in it meanwhile gives no event, and a scan
/// made when the event arrives may come too early to see it. `watch`
/// returns once the watches of the whole subtree are in place (a directory
/// already watched keeps its watch): a file that arrives later gives an
/// event, and one that came before is found by the scan that follows.
/// `dirs` is left sorted, without the directories inside another of them
/// (their parent's watch and scan cover them).
fn watch_dirs(
    watcher: &mut notify::RecommendedWatcher,
    dirs: &mut Vec<PathBuf>,
) -> std::result::Result<(), notify::Error> {
    // Sorted by components, a directory's subdirectories follow it.
    dirs.sort();
    let mut kept: Vec<PathBuf> = Vec::with_capacity(dirs.len());
    for d in dirs.drain(..) {
        if !kept.last().is_some_and(|k| d.starts_with(k)) {
            kept.push(d);
        }
    }
    *dirs = kept;
    for d in dirs.iter() {
        match watcher.watch(d, RecursiveMode::Recursive) {
            Ok(()) => {}
            Err(e) if gone(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A directory gone already (or replaced by a file): nothing to watch.
fn gone(e: &notify::Error) -> bool {
    match &e.kind {
        notify::ErrorKind::PathNotFound => true,
        notify::ErrorKind::Io(io) => io.kind() == std::io::ErrorKind::NotFound,
        _ => false,
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
