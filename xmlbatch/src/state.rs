//! `--batch-state FILE`: the last batch number used, kept in a file.
//!
//! The run takes an exclusive lock on `FILE.lock` before reading the
//! number and keeps it until the end, so two runs at the same time never
//! get the same number. The new number is stored (atomically: temporary
//! file and rename) only once the document is complete, so a failed run
//! consumes nothing.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use paylot_cli::{Error, Result};

pub const MAX_BATCH: u64 = 2_147_483_647;

pub struct BatchState {
    path: PathBuf,
    _lock: File,
    pub next: u64,
}

fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl BatchState {
    /// Lock the state and read the next batch number (1 if the file does
    /// not exist yet).
    pub fn open(path: &Path) -> Result<BatchState> {
        let name = path.display().to_string();
        let lock_name = lock_path(path);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_name)
            .map_err(|e| {
                Error::io(
                    format!("cannot create the lock file \"{}\"", lock_name.display()),
                    e,
                )
            })?;
        lock.lock()
            .map_err(|e| Error::io(format!("cannot lock \"{}\"", lock_name.display()), e))?;
        let last = match std::fs::read_to_string(path) {
            Ok(text) => {
                let t = text.trim();
                t.parse::<u64>().ok().filter(|n| *n <= MAX_BATCH).ok_or_else(|| {
                    Error::trouble(format!(
                        "\"{name}\": {} is not a batch number (expected the last batch number used, from 0 to {MAX_BATCH})",
                        crate::fields::show(t)
                    ))
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(Error::io(format!("reading \"{name}\""), e)),
        };
        if last >= MAX_BATCH {
            return Err(Error::trouble(format!(
                "\"{name}\": the last batch number is {last}, the highest allowed (ask the gateway how to restart the numbering)"
            )));
        }
        Ok(BatchState {
            path: path.to_path_buf(),
            _lock: lock,
            next: last + 1,
        })
    }

    /// Store the number as used. The lock is released when `self` is dropped.
    pub fn store(&self) -> Result<()> {
        paylot_cli::output::write_atomically(&self.path, format!("{}\n", self.next).as_bytes())
    }
}
