//! `dropwatch sweep`: retention. Files older than one limit are gzipped
//! (`.gz` appended), files older than a second limit are deleted; a file
//! in use, or that may be ([`fsutil::in_use`]), is never touched.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use paylot_cli::{Error, Outcome, Result};

use gateways::lyra::drop::{COMPRESS_AFTER, DELETE_AFTER};
use gateways::lyra::names::{strip_decorations, GZ_SUFFIX};
use paylot_cli::cleanup::{is_temp_name, stale_leftovers};
use paylot_cli::json::{Lines, Record};

use crate::file_kind::OWN_PREFIX;
use crate::fsutil::{self, quote_path, Use};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Compress files whose mtime is older than this
    #[arg(long, value_name = "DURATION", default_value = COMPRESS_AFTER, value_parser = crate::cli::duration_arg)]
    pub compress_after: Duration,
    /// Delete files (compressed or not) whose mtime is older than this
    #[arg(long, value_name = "DURATION", default_value = DELETE_AFTER, value_parser = crate::cli::duration_arg)]
    pub delete_after: Duration,
    /// Delete files renamed _ERROR / _DUPLICATE older than this (Lyra
    /// purges them after 7 days) [default: as --delete-after]
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::duration_arg)]
    pub rejected_after: Option<Duration>,
    /// Print what would be done, do nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Directories to sweep (recursively; a DIR may be a symbolic link to a directory, links inside are not followed)
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
}

/// The retention rules.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub compress_after: Duration,
    pub delete_after: Duration,
    pub rejected_after: Duration,
    pub dry_run: bool,
}

pub fn run(a: Args) -> Result<Outcome> {
    let policy = Policy {
        compress_after: a.compress_after,
        delete_after: a.delete_after,
        rejected_after: a.rejected_after.unwrap_or(a.delete_after),
        dry_run: a.dry_run,
    };
    let mut sink = Lines::stdout();
    let mut sweeper = Sweeper::new(policy);
    for d in &a.dirs {
        if !fsutil::is_root_dir(d) {
            return Err(Error::trouble(format!(
                "{}: not a directory",
                quote_path(d)
            )));
        }
        sweeper.sweep(d, &mut sink)?;
    }
    let failed = (sweeper.failures > 0).then(|| format!("{} action(s) failed", sweeper.failures));
    if let Some(e) = fsutil::incomplete("sweep", sweeper.unreadable, failed, "the others were done")
    {
        return Err(e);
    }
    Ok(Outcome::Yes)
}

/// Applies a [`Policy`] to trees, counting failures.
pub struct Sweeper {
    pub policy: Policy,
    /// Actions that failed (each said).
    pub failures: usize,
    /// Directories that could not be read (each said), counted apart:
    /// every command ends its run with them in the same words
    /// (`fsutil::incomplete`).
    pub unreadable: usize,
}

/// Whether some process has the file open, or may have: asked right
/// before acting on it.
fn busy(path: &Path, meta: &fs::Metadata) -> Option<Use> {
    let u = fsutil::in_use_named(path, meta);
    (!u.is_free()).then_some(u)
}

impl Sweeper {
    pub fn new(policy: Policy) -> Sweeper {
        Sweeper {
            policy,
            failures: 0,
            unreadable: 0,
        }
    }

    pub fn sweep(&mut self, dir: &Path, sink: &mut Lines) -> Result<()> {
        let now = SystemTime::now();
        let walker = walkdir::WalkDir::new(dir)
            .follow_links(false)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    paylot_cli::say(crate::cli::TOOL, fsutil::unreadable(e, dir));
                    self.unreadable += 1;
                    continue;
                }
            };
            let ft = entry.file_type();
            // The root named on the command line may be a link to a
            // directory; walkdir descends into it.
            let root_link = entry.depth() == 0 && ft.is_symlink();
            if ft.is_dir() || root_link {
                // Before its files: what killed runs left in it.
                self.clean(entry.path(), sink)?;
                continue;
            }
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if ft.is_symlink() {
                paylot_cli::warn(
                    crate::cli::TOOL,
                    format!(
                        "{}: symbolic link not followed, left alone",
                        quote_path(path)
                    ),
                );
                continue;
            }
            if !ft.is_file() || name.starts_with(OWN_PREFIX) || is_temp_name(&name) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            match self.one(path, &name, &meta, now, sink) {
                // The reader of the events went away: the run ends, quietly.
                Err(e) if e.is_broken_pipe() => return Err(e),
                Err(e) => self.fail(e),
                Ok(()) => {}
            }
        }
        Ok(())
    }

    /// Remove the temporary files that killed runs left in `dir` (written
    /// under the shared naming scheme, `paylot_cli::cleanup`), one
    /// `cleaned` event each; one still held open by a process is left.
    fn clean(&mut self, dir: &Path, sink: &mut Lines) -> Result<()> {
        for (path, _) in stale_leftovers(dir) {
            let Ok(meta) = path.symlink_metadata() else {
                continue;
            };
            if busy(&path, &meta).is_some() {
                continue;
            }
            if !self.policy.dry_run {
                if let Err(e) = fs::remove_file(&path) {
                    self.fail(Error::io(format!("removing {}", quote_path(&path)), e));
                    continue;
                }
            }
            emit(
                sink,
                event_base(&path, &meta),
                "cleaned",
                self.policy.dry_run,
            )?;
        }
        Ok(())
    }

    fn fail(&mut self, msg: impl std::fmt::Display) {
        paylot_cli::say(crate::cli::TOOL, msg);
        self.failures += 1;
    }

    fn one(
        &mut self,
        path: &Path,
        name: &str,
        meta: &fs::Metadata,
        now: SystemTime,
        sink: &mut Lines,
    ) -> Result<()> {
        let p = self.policy;
        let age = fsutil::age(meta, now);
        let base = || event_base(path, meta);
        let rejected = strip_decorations(name).1.is_some();
        let limit = if rejected {
            p.rejected_after.min(p.delete_after)
        } else {
            p.delete_after
        };
        if age > limit {
            if let Some(u) = busy(path, meta) {
                return skipped(sink, base(), u);
            }
            if !p.dry_run {
                fs::remove_file(path)
                    .map_err(|e| Error::io(format!("deleting {}", quote_path(path)), e))?;
            }
            return emit(sink, base(), "purged", p.dry_run);
        }
        if name.ends_with(GZ_SUFFIX) || age <= p.compress_after {
            return Ok(());
        }
        let gz = fsutil::append_ext(path, GZ_SUFFIX);
        if let Ok(gz_meta) = gz.symlink_metadata() {
            // Killed between the rename of the .gz and the removal of the
            // original (a killed run chose the file by the same rule, so it
            // is old): finish only if the .gz holds exactly the original.
            let same_mtime = match (gz_meta.modified(), meta.modified()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if !same_mtime || !fsutil::gz_matches(&gz, path) {
                paylot_cli::warn(
                    crate::cli::TOOL,
                    format!(
                        "{}: not compressed: {} exists with other content",
                        quote_path(path),
                        quote_path(&gz)
                    ),
                );
                return Ok(());
            }
            if let Some(u) = busy(path, meta) {
                return skipped(sink, base(), u);
            }
            if !p.dry_run {
                fs::remove_file(path)
                    .map_err(|e| Error::io(format!("removing {}", quote_path(path)), e))?;
            }
            let ev = base()
                .with("gz_path", gz.to_string_lossy().into_owned())
                .with("resumed", true);
            return emit(sink, ev, "compressed", p.dry_run);
        }
        if let Some(u) = busy(path, meta) {
            return skipped(sink, base(), u);
        }
        let mut ev = base().with("gz_path", gz.to_string_lossy().into_owned());
        if !p.dry_run {
            let size = fsutil::gzip_file(path, meta)?;
            ev.set("gz_size", size);
        }
        emit(sink, ev, "compressed", p.dry_run)
    }
}

fn event_base(path: &Path, meta: &fs::Metadata) -> Record {
    Record::new("")
        .with_path(path)
        .with("size", meta.len())
        .with(
            "mtime",
            meta.modified()
                .map(paylot_cli::time::rfc3339_millis)
                .unwrap_or_default(),
        )
}

fn emit(sink: &mut Lines, mut ev: Record, kind: &str, dry_run: bool) -> Result<()> {
    ev.set("type", kind);
    if dry_run {
        ev.set("dry_run", true);
    }
    ev.set("time", paylot_cli::time::now_rfc3339());
    sink.emit(&ev)
}

fn skipped(sink: &mut Lines, mut ev: Record, why: Use) -> Result<()> {
    ev.set("type", "skipped");
    match why {
        Use::Unknown => ev.set("reason", "cannot_tell"),
        _ => ev.set("reason", "in_use"),
    }
    if let Use::Open(Some(pid)) = why {
        ev.set("pid", pid);
        ev.set("process", fsutil::process_name(pid));
    }
    ev.set("time", paylot_cli::time::now_rfc3339());
    sink.emit(&ev)
}
