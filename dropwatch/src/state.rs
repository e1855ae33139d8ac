//! Small state files (JSON), read at start and written atomically
//! (temporary file, fsync, rename) so that a crash leaves either the old or
//! the new state, never half of one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::Path;

use paylot_cli::{Error, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use paylot_cli::output::write_atomically;

use crate::fsutil::quote_path;

pub const STATE_VERSION: u32 = 1;

/// Load a state file; a missing file gives the default state. It is
/// parsed as it is read, never held whole, and read no further than
/// [`paylot_cli::limits::STATE_FILE`]: a file named here by mistake
/// (`/dev/zero`, a large sparse file) is refused at its first byte that
/// is not JSON, or at the bound.
pub fn load<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
    use io::Read;
    use paylot_cli::limits::{self, STATE_FILE};
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(T::default()),
        Err(e) => return Err(Error::reading_path(path, e)),
    };
    let mut limited = io::BufReader::new(file.take(STATE_FILE + 1));
    let mut de = serde_json::Deserializer::from_reader(&mut limited);
    let parsed = T::deserialize(&mut de).and_then(|t| de.end().map(|()| t));
    match parsed {
        Ok(t) => Ok(t),
        Err(e) if e.is_io() => Err(Error::reading_path(path, io::Error::from(e))),
        Err(_) if limited.get_ref().limit() == 0 => Err(Error::trouble(format!(
            "{}: more than {}, the most a dropwatch state file may hold: not a state file (move it away or give another --state)",
            quote_path(path),
            limits::show(STATE_FILE)
        ))),
        Err(e) => Err(Error::trouble(format!(
            "{}: not a dropwatch state file ({e}); move it away or give another --state",
            quote_path(path)
        ))),
    }
}

/// Saves a state file in the background, the latest version only: the
/// fsync of a save never stands between a change and its event. A save
/// that fails is said at the next `submit` (or `finish`), which fails.
pub struct Saver<T: Serialize + Send + 'static> {
    slot: std::sync::Arc<(std::sync::Mutex<SaverSlot<T>>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct SaverSlot<T> {
    next: Option<T>,
    failed: Option<Error>,
    done: bool,
}

impl<T: Serialize + Send + 'static> Saver<T> {
    pub fn new(path: std::path::PathBuf) -> Saver<T> {
        let slot = std::sync::Arc::new((
            std::sync::Mutex::new(SaverSlot {
                next: None,
                failed: None,
                done: false,
            }),
            std::sync::Condvar::new(),
        ));
        let theirs = slot.clone();
        let thread = std::thread::spawn(move || {
            let (lock, wake) = &*theirs;
            loop {
                let state = {
                    let Ok(mut s) = lock.lock() else { return };
                    while s.next.is_none() && !s.done {
                        s = match wake.wait(s) {
                            Ok(s) => s,
                            Err(_) => return,
                        };
                    }
                    match s.next.take() {
                        Some(state) => state,
                        None => return,
                    }
                };
                let saved = save(&path, &state);
                if let Ok(mut s) = lock.lock() {
                    if let Err(e) = saved {
                        s.failed = Some(e);
                    }
                    wake.notify_all();
                }
            }
        });
        Saver {
            slot,
            thread: Some(thread),
        }
    }

    /// Hand the latest state over (an older one not yet saved is dropped).
    pub fn submit(&self, state: T) -> Result<()> {
        let (lock, wake) = &*self.slot;
        let mut s = lock
            .lock()
            .map_err(|_| Error::trouble("the state saver stopped"))?;
        if let Some(e) = s.failed.take() {
            return Err(e);
        }
        s.next = Some(state);
        wake.notify_all();
        Ok(())
    }

    /// Wait until everything submitted is saved.
    pub fn finish(mut self) -> Result<()> {
        let (lock, wake) = &*self.slot;
        if let Ok(mut s) = lock.lock() {
            s.done = true;
            wake.notify_all();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        match lock.lock() {
            Ok(mut s) => s.failed.take().map_or(Ok(()), Err),
            Err(_) => Err(Error::trouble("the state saver stopped")),
        }
    }
}

/// Save a state file atomically.
pub fn save<T: Serialize>(path: &Path, state: &T) -> Result<()> {
    let mut bytes =
        serde_json::to_vec(state).map_err(|e| Error::trouble(format!("encoding state: {e}")))?;
    bytes.push(b'\n');
    write_atomically(path, &bytes)
}

/// The sandbox gateway's memory: every valid name processed (per upload
/// directory), the last Paybox batch number per merchant, and the journal
/// of the request being processed.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct GatewayState {
    #[serde(default = "version")]
    pub version: u32,
    /// Upload directory (relative to ROOT) → names processed.
    #[serde(default)]
    pub seen: BTreeMap<String, BTreeSet<String>>,
    /// `<merchant dir>/<site>.<rank>` → last batch number accepted.
    #[serde(default)]
    pub last_batch: BTreeMap<String, u64>,
    /// Requests claimed (recorded as seen) whose processing has not been
    /// finished; resumed first on the next run.
    #[serde(default)]
    pub pending: Vec<Pending>,
    /// Lyra: `SHOP/MODE` → UTC day → the transaction ids used that day
    /// (read from the answers given): see `gateway::used_ids`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lyra_ids: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

impl GatewayState {
    /// The requests of `account` claimed and not yet finished, copied
    /// (finishing one changes the state), in the order they were claimed.
    pub fn pending_of(&self, account: &str) -> Vec<Pending> {
        self.pending
            .iter()
            .filter(|p| p.account == account)
            .cloned()
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pending {
    /// Account directory relative to ROOT (`<shopId>` or `<merchant>`).
    pub account: String,
    pub name: String,
    /// Lyra on schedule: not answered before this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}

impl Pending {
    /// Whether it waits for its answer time, at `now`.
    pub fn waits(&self, now: jiff::Timestamp) -> bool {
        self.due
            .as_deref()
            .and_then(|d| d.parse::<jiff::Timestamp>().ok())
            .is_some_and(|d| d > now)
    }
}

fn version() -> u32 {
    STATE_VERSION
}

/// The watcher's memory: what it last reported for each path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchState {
    #[serde(default = "version")]
    pub version: u32,
    #[serde(default)]
    pub reported: BTreeMap<String, Reported>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Reported {
    #[serde(rename = "type")]
    pub kind: String,
    pub size: u64,
    pub mtime_ns: i128,
    /// The request this file stands for (for `request_taken` and `purged`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

impl Default for GatewayState {
    fn default() -> Self {
        GatewayState {
            version: STATE_VERSION,
            seen: BTreeMap::new(),
            last_batch: BTreeMap::new(),
            pending: Vec::new(),
            lyra_ids: BTreeMap::new(),
        }
    }
}

impl Default for WatchState {
    fn default() -> Self {
        WatchState {
            version: STATE_VERSION,
            reported: BTreeMap::new(),
        }
    }
}
