//! A number kept in a file (`--batch-state FILE`: the last batch number
//! used), for numbers a gateway wants strictly increasing or never reused.
//!
//! [`Counter::open`] takes an exclusive lock on `FILE.lock` before reading
//! the number and keeps it until the counter is dropped, so two runs at
//! the same time never get the same number. The new number is stored
//! (atomically: temporary file and rename) only by [`Counter::store`],
//! once the run's output is complete, so a failed run consumes nothing;
//! [`Counter::store_and_commit`] gives the number back when the output
//! cannot then be made final (a full disk, a closed standard output).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use paylot_cli::output::Reached;
use paylot_cli::text::quote;
use paylot_cli::{Error, Output, Result};

/// A locked counter file and the last number it holds.
pub struct Counter {
    path: PathBuf,
    _lock: File,
    /// The last number used (0 when the file does not exist yet).
    pub last: u64,
}

fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl Counter {
    /// Lock the counter and read its last number, which may be at most
    /// `max`; `what` names the number in messages ("batch number").
    pub fn open(path: &Path, what: &str, max: u64) -> Result<Counter> {
        let name = quote(&path.to_string_lossy());
        let lock_name = lock_path(path);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_name)
            .map_err(|e| {
                Error::io(
                    format!(
                        "cannot create the lock file {}",
                        quote(&lock_name.to_string_lossy())
                    ),
                    e,
                )
            })?;
        lock.lock().map_err(|e| {
            Error::io(
                format!("cannot lock {}", quote(&lock_name.to_string_lossy())),
                e,
            )
        })?;
        // Bounded: a counter is one number; a file named here by mistake
        // (`/dev/zero`, a large file) is not read whole.
        let read = std::fs::File::open(path).and_then(|f| {
            let mut bytes = Vec::new();
            paylot_cli::limits::read_at_most(f, &mut bytes, paylot_cli::limits::STATE_LINE)
                .map(|_| bytes)
        });
        let last = match read {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let t = text.trim();
                t.parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| {
                    // The content is not repeated unless it is a short
                    // number: a file given here by mistake may be a key.
                    let holds = if !t.is_empty() && t.len() <= 10 && t.bytes().all(|b| b.is_ascii_digit()) {
                        format!("it holds {t}")
                    } else if bytes.len() as u64 > paylot_cli::limits::STATE_LINE {
                        format!("it holds more than {} (read no further; content not repeated: is it the right file?)", paylot_cli::limits::show(paylot_cli::limits::STATE_LINE))
                    } else {
                        format!("it holds {} bytes that are not one number (content not repeated: is it the right file?)", bytes.len())
                    };
                    Error::trouble(format!(
                        "{name}: not a {what} counter: {holds}; it should hold the last {what} used, from 0 to {max}"
                    ))
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(Error::reading(name, e)),
        };
        Ok(Counter {
            path: path.to_path_buf(),
            _lock: lock,
            last,
        })
    }

    /// Store `value` as the last number used. The lock is released when
    /// the counter is dropped.
    pub fn store(&self, value: u64) -> Result<()> {
        paylot_cli::output::write_atomically(&self.path, format!("{value}\n").as_bytes())
    }

    /// Store `value` as the last number used, then make `out` final (copy
    /// the held-back output to standard output, or rename `-o FILE` into
    /// place). Stored first: a document delivered with a number the
    /// counter does not hold would see that number given again by the
    /// next run. When `out` cannot be made final and none of it reached
    /// its reader — a full disk, standard output on /dev/full — the
    /// number used before is stored back: a local fault consumes no
    /// number (docs/conventions.md), where the run said "No space left on
    /// device" with status 2 and the counter had moved on all the same.
    /// When part of it may have been read (a pipe that broke midway: a
    /// reader may have sent the Direct requests it had), the numbers stay
    /// spent: a number is never used twice.
    pub fn store_and_commit(&self, value: u64, out: Output) -> Result<()> {
        self.store(value)?;
        let (e, reached) = match out.commit_telling() {
            Ok(()) => return Ok(()),
            Err(failed) => failed,
        };
        let name = quote(&self.path.to_string_lossy());
        if reached == Reached::Maybe {
            return Err(e.with_detail(vec![format!(
                "{name} keeps {value}: part of the output may have been read, and a number is never used twice"
            )]));
        }
        match self.store(self.last) {
            Ok(()) => Err(e),
            // Both failed: say both, whatever the first was (a closed
            // pipe too).
            Err(back) => Err(Error::trouble(format!(
                "{e}; and {name} could not be set back to {} ({back}): the number {value} is spent",
                self.last
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_under_a_lock_and_stores_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batch");
        let c = Counter::open(&path, "batch number", 10).unwrap();
        assert_eq!(c.last, 0);
        drop(c);
        assert!(!path.exists(), "nothing stored");
        let c = Counter::open(&path, "batch number", 10).unwrap();
        c.store(c.last + 1).unwrap();
        drop(c);
        assert_eq!(Counter::open(&path, "batch number", 10).unwrap().last, 1);
        std::fs::write(&path, "11\n").unwrap();
        let err = Counter::open(&path, "batch number", 10).err().unwrap();
        assert!(
            err.message()
                .contains("not a batch number counter: it holds 11"),
            "{}",
            err.message()
        );
    }
}
