//! `dropwatch watch` live: inotify's watches kept over the whole tree,
//! and its events turned into the paths to look at again (a hint, never
//! a verdict: `scan.rs` judges).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher as _};
use paylot_cli::{Error, Outcome, Result};

use paylot_cli::json::Lines;

use super::Watch;
use crate::fsutil::quote_path;
use crate::state;

impl Watch {
    pub(super) fn live(&mut self, rescan_every: Duration, sink: &mut Lines) -> Result<Outcome> {
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
                    paylot_cli::warn(crate::cli::TOOL, format!("inotify: {e}; rescanning"));
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
                        crate::cli::TOOL,
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
