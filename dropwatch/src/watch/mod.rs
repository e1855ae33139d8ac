//! `dropwatch watch`: one JSON line per state change in drop directories.
//!
//! inotify events (through the notify crate) are only hints: the tree is
//! rescanned on start, when the kernel queue overflowed (`need_rescan`) and
//! periodically, and every candidate is judged by looking at it. A file is
//! reported once it is complete: no process holds it open (like `fuser`)
//! and its size and mtime have not changed for `--settle`. What was
//! reported is kept in a state file written atomically, so a restart
//! reports only what changed meanwhile.
//!
//! Here the command and what a run holds; `scan.rs` judges the files
//! found and says what changed (one pass, `--once`, `--poll`); `live.rs`
//! keeps inotify's watches and turns its events into what to look at.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use paylot_cli::{Error, Outcome, Result};

use gateways::paybox::names::Template;
use gateways::Gateway;
use paylot_cli::json::Lines;

use crate::cli::NamingOpts;
use crate::fsutil::{self, quote_path};
use crate::state::{self, WatchState};

mod live;
mod scan;

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
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::cli::duration_arg)]
    pub settle: Duration,
    /// What was reported [default: DIR/.dropwatch-watch.json, first DIR]
    #[arg(long, value_name = "FILE", conflicts_with = "no_state")]
    pub state: Option<PathBuf>,
    /// Keep no state: report every current state
    #[arg(long)]
    pub no_state: bool,
    /// Do not use inotify: rescan every DURATION (network mounts: NFS,
    /// CIFS, sshfs see no remote writes)
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::duration_arg)]
    pub poll: Option<Duration>,
    /// Full rescan period while watching with inotify
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::cli::duration_arg)]
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
            paylot_cli::cleanup::remove_leftovers(crate::cli::TOOL, dir.unwrap_or(Path::new(".")));
            state::load(p)?
        }
        None => WatchState::default(),
    };
    let mut w = Watch {
        gateways: gateways(a.gateway),
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

/// The gateways whose rules apply: the one named, or both.
fn gateways(g: Option<Gateway>) -> Vec<Gateway> {
    match g {
        Some(g) => vec![g],
        None => vec![Gateway::Lyra, Gateway::Paybox],
    }
}
