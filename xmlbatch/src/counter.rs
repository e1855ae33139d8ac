//! A number kept in a file (`--batch-state FILE`: the last batch number
//! used), for numbers a gateway wants strictly increasing or never reused.
//!
//! [`Counter::open`] takes an exclusive lock on `FILE.lock` before reading
//! the number and keeps it until the counter is dropped, so two runs at
//! the same time never get the same number. The new number is stored
//! (atomically: temporary file and rename) only by [`Counter::store`],
//! once the run's output is complete, so a failed run consumes nothing.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use paylot_cli::text::quote;
use paylot_cli::{Error, Result};

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
