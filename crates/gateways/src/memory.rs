//! The sandbox's memory: what the gateway it plays has answered, per
//! shop, so that a capture finds its authorisation, an inquiry its
//! transaction, and a question number or a transactionReference used
//! twice is recognised — across requests, restarts and a `kill -9`.
//!
//! One SQLite database (through rusqlite, the library built in): each
//! step of the gateway's rules is one SQLite transaction
//! ([`Memory::update`]), so that two requests at once never read the same
//! state, and a process killed at any point leaves the last committed
//! step whole (write-ahead log, `synchronous=NORMAL`: a commit survives
//! the process's death; only a power cut may lose the last ones, which
//! a sandbox can afford). Why SQLite rather than an append-only log:
//! DEVELOPERS.md.
//!
//! Three kinds of records, each by shop (a Paybox `SITE/RANG`, a Sips
//! `merchantId`):
//! - records by id ([`Books::get`], [`Books::put`]): a transaction, a
//!   subscriber — JSON text, shaped by the gateway's module that writes it;
//! - counters ([`Books::next_number`]): the numbers the gateway hands out
//!   (a platform's, shared by its shops: [`Books::next_platform_number`]);
//! - keys used per day ([`Books::first_use`]): a question number, a
//!   transaction id, whatever a gateway allows once a day.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What went wrong with the store: never the request's fault.
#[derive(Debug, thiserror::Error)]
#[error("the sandbox's memory ({where_}): {what}")]
pub struct MemoryError {
    where_: String,
    what: String,
}

/// The sandbox's memory, shared by every request (one connection, taken
/// in turn: SQLite serialises writers anyway).
pub struct Memory {
    conn: Mutex<Connection>,
    place: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    shop TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '', day TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (shop, kind, id)
);
CREATE INDEX IF NOT EXISTS records_by_reference ON records (shop, kind, reference);
CREATE TABLE IF NOT EXISTS counters (
    shop TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (shop, name)
);
CREATE TABLE IF NOT EXISTS used (
    shop TEXT NOT NULL, kind TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (shop, kind, day, key)
);
";

impl Memory {
    /// Open (or create, mode 0600: it holds the shops' references) the
    /// store at `path`.
    pub fn open(path: &Path) -> Result<Memory, MemoryError> {
        let place = paylot_cli::text::quote(&path.display().to_string());
        let fail = |what: String| MemoryError {
            where_: place.clone(),
            what,
        };
        {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| fail(format!("cannot be opened: {e}")))?;
        }
        let conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        let memory = Memory {
            conn: Mutex::new(conn),
            place,
        };
        memory.setup(true)?;
        Ok(memory)
    }

    /// A store that lives as long as this process (`xmlbatch respond`:
    /// one run's requests see each other, nothing more).
    pub fn in_memory() -> Result<Memory, MemoryError> {
        let conn = Connection::open_in_memory().map_err(|e| MemoryError {
            where_: "in memory".into(),
            what: e.to_string(),
        })?;
        let memory = Memory {
            conn: Mutex::new(conn),
            place: "in memory".into(),
        };
        memory.setup(false)?;
        Ok(memory)
    }

    fn setup(&self, on_disk: bool) -> Result<(), MemoryError> {
        let conn = self.lock();
        let mut pragmas = String::from("PRAGMA busy_timeout = 10000;");
        if on_disk {
            pragmas.push_str("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        }
        conn.execute_batch(&pragmas)
            .and_then(|()| conn.execute_batch(SCHEMA))
            .map_err(|e| self.error(e))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while the lock was held rolled its transaction back
        // (rusqlite's Transaction does on drop): the connection is sound.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn error(&self, e: rusqlite::Error) -> MemoryError {
        MemoryError {
            where_: self.place.clone(),
            what: e.to_string(),
        }
    }

    /// Forget everything: every shop's records, counters and used keys.
    pub fn reset(&self) -> Result<(), MemoryError> {
        self.lock()
            .execute_batch("DELETE FROM records; DELETE FROM counters; DELETE FROM used;")
            .map_err(|e| self.error(e))
    }

    /// One step of a gateway's rules, whole or not at all: what `step`
    /// reads, no other request changes before it ends, and what it writes
    /// is committed together when it returns `Ok`.
    pub fn update<T>(
        &self,
        step: impl FnOnce(&Books<'_>) -> Result<T, MemoryError>,
    ) -> Result<T, MemoryError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        let books = Books {
            tx: &tx,
            memory: self,
        };
        let out = step(&books)?;
        tx.commit().map_err(|e| self.error(e))?;
        Ok(out)
    }

    /// Several steps in one commit (what a busy server does with the
    /// requests that arrived together: one write to the disk for all):
    /// each step is whole or not at all, as with [`Memory::update`], and
    /// none is committed before all have run. Each step's own outcome, or
    /// the commit's failure for all.
    pub fn update_each<T>(
        &self,
        steps: Vec<Step<'_, T>>,
    ) -> Result<Vec<Result<T, MemoryError>>, MemoryError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        let mut outcomes = Vec::with_capacity(steps.len());
        for step in steps {
            tx.execute_batch("SAVEPOINT step")
                .map_err(|e| self.error(e))?;
            let books = Books {
                tx: &tx,
                memory: self,
            };
            let out = step(&books);
            let end = if out.is_ok() {
                "RELEASE step"
            } else {
                "ROLLBACK TO step; RELEASE step"
            };
            tx.execute_batch(end).map_err(|e| self.error(e))?;
            outcomes.push(out);
        }
        tx.commit().map_err(|e| self.error(e))?;
        Ok(outcomes)
    }
}

/// One step of [`Memory::update_each`].
pub type Step<'a, T> = Box<dyn FnOnce(&Books<'_>) -> Result<T, MemoryError> + Send + 'a>;

/// The store inside one step ([`Memory::update`]).
pub struct Books<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    memory: &'a Memory,
}

impl Books<'_> {
    fn fail(&self, e: impl std::fmt::Display) -> MemoryError {
        MemoryError {
            where_: self.memory.place.clone(),
            what: e.to_string(),
        }
    }

    /// The record `kind`/`id` of `shop`, if there is one, and the day it
    /// was first written.
    pub fn get<T: DeserializeOwned>(
        &self,
        shop: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<T>, MemoryError> {
        let text: Option<String> = self
            .tx
            .query_row(
                "SELECT data FROM records WHERE shop = ?1 AND kind = ?2 AND id = ?3",
                params![shop, kind, id],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.fail(e))?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| self.fail(e)))
            .transpose()
    }

    /// The records `kind` of `shop` filed under `reference`, oldest first.
    pub fn by_reference<T: DeserializeOwned>(
        &self,
        shop: &str,
        kind: &str,
        reference: &str,
    ) -> Result<Vec<T>, MemoryError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT data FROM records WHERE shop = ?1 AND kind = ?2 AND reference = ?3 ORDER BY rowid",
            )
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params![shop, kind, reference], |row| {
                row.get::<_, String>(0)
            })
            .map_err(|e| self.fail(e))?;
        let mut out = Vec::new();
        for row in rows {
            let text = row.map_err(|e| self.fail(e))?;
            out.push(serde_json::from_str(&text).map_err(|e| self.fail(e))?);
        }
        Ok(out)
    }

    /// Write the record `kind`/`id` of `shop` (in place of any), filed
    /// under `reference`, on `day`.
    pub fn put<T: Serialize>(
        &self,
        shop: &str,
        kind: &str,
        id: &str,
        reference: &str,
        day: &str,
        record: &T,
    ) -> Result<(), MemoryError> {
        let text = serde_json::to_string(record).map_err(|e| self.fail(e))?;
        self.tx
            .prepare_cached(
                "INSERT INTO records (shop, kind, id, reference, day, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (shop, kind, id) DO UPDATE SET reference = ?4, day = ?5, data = ?6",
            )
            .and_then(|mut s| s.execute(params![shop, kind, id, reference, day, text]))
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Forget the record `kind`/`id` of `shop`.
    pub fn remove(&self, shop: &str, kind: &str, id: &str) -> Result<(), MemoryError> {
        self.tx
            .execute(
                "DELETE FROM records WHERE shop = ?1 AND kind = ?2 AND id = ?3",
                params![shop, kind, id],
            )
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// The next number of `shop`'s counter `name`: `first`, then one more
    /// each time, never the same twice for the life of the store.
    pub fn next_number(&self, shop: &str, name: &str, first: u64) -> Result<u64, MemoryError> {
        let first = i64::try_from(first).unwrap_or(i64::MAX);
        let value: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO counters (shop, name, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (shop, name) DO UPDATE SET value = value + 1
                 RETURNING value",
            )
            .and_then(|mut s| s.query_row(params![shop, name, first], |row| row.get(0)))
            .map_err(|e| self.fail(e))?;
        Ok(u64::try_from(value).unwrap_or(0))
    }

    /// The next number of the counter `name` that the shops of a whole
    /// platform share (`platform` is the prefix of their names, e.g.
    /// `paybox:`; the counter is filed under it): as [`Books::next_number`],
    /// but never the same twice across those shops. First used, it starts
    /// past the highest the shops' own counter `name` reached, so that a
    /// store written when each shop counted alone never gets a number
    /// again that one of its shops was given.
    pub fn next_platform_number(
        &self,
        platform: &str,
        name: &str,
        first: u64,
    ) -> Result<u64, MemoryError> {
        let first = i64::try_from(first).unwrap_or(i64::MAX);
        let value: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO counters (shop, name, value) VALUES (?1, ?2, MAX(?3,
                     (SELECT COALESCE(MAX(value) + 1, 0) FROM counters
                      WHERE name = ?2 AND shop <> ?1 AND substr(shop, 1, length(?1)) = ?1)))
                 ON CONFLICT (shop, name) DO UPDATE SET value = value + 1
                 RETURNING value",
            )
            .and_then(|mut s| s.query_row(params![platform, name, first], |row| row.get(0)))
            .map_err(|e| self.fail(e))?;
        Ok(u64::try_from(value).unwrap_or(0))
    }

    /// Record that `shop` used `key` (of `kind`) on `day`; whether this
    /// is the first time that day.
    pub fn first_use(
        &self,
        shop: &str,
        kind: &str,
        day: &str,
        key: &str,
    ) -> Result<bool, MemoryError> {
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO used (shop, kind, day, key) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![shop, kind, day, key]))
            .map_err(|e| self.fail(e))?;
        Ok(inserted == 1)
    }
}

/// Where a sandbox keeps its memory by default: `NAME` in `dir`.
pub fn default_path(dir: &Path) -> PathBuf {
    dir.join(DEFAULT_NAME)
}

/// The file name of a sandbox's memory.
pub const DEFAULT_NAME: &str = "dropwatch-sandbox.db";

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct T {
        amount: u64,
    }

    #[test]
    fn records_counters_and_keys_survive_a_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        {
            let m = Memory::open(&path).unwrap();
            m.update(|b| {
                b.put("S", "t", "1", "REF", "2026-12-06", &T { amount: 5 })?;
                assert_eq!(b.next_number("S", "n", 10)?, 10);
                assert_eq!(b.next_number("S", "n", 10)?, 11);
                assert!(b.first_use("S", "q", "2026-12-06", "7")?);
                Ok(())
            })
            .unwrap();
        }
        let m = Memory::open(&path).unwrap();
        m.update(|b| {
            assert_eq!(b.get::<T>("S", "t", "1")?, Some(T { amount: 5 }));
            assert_eq!(b.get::<T>("other", "t", "1")?, None);
            assert_eq!(b.by_reference::<T>("S", "t", "REF")?.len(), 1);
            assert_eq!(b.next_number("S", "n", 10)?, 12);
            assert!(!b.first_use("S", "q", "2026-12-06", "7")?);
            assert!(b.first_use("S", "q", "2026-12-07", "7")?);
            Ok(())
        })
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        m.reset().unwrap();
        m.update(|b| {
            assert_eq!(b.get::<T>("S", "t", "1")?, None);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn a_platform_number_is_shared_by_its_shops_and_starts_past_theirs() {
        let m = Memory::in_memory().unwrap();
        m.update(|b| {
            // A store of when each shop counted alone.
            b.next_number("p:1/32", "n", 0)?;
            b.next_number("p:1/32", "n", 0)?;
            b.next_number("p:1/63", "n", 0)?;
            b.next_number("other", "n", 0)?;
            b.next_number("other", "n", 0)?;
            b.next_number("other", "n", 0)?;
            b.next_number("other", "n", 0)?;
            assert_eq!(b.next_platform_number("p:", "n", 0)?, 2);
            assert_eq!(b.next_platform_number("p:", "n", 0)?, 3);
            assert_eq!(b.next_platform_number("q:", "n", 0)?, 0);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn steps_committed_together_each_whole_or_not_at_all() {
        let m = Memory::in_memory().unwrap();
        let steps: Vec<Step<'_, u64>> = vec![
            Box::new(|b| b.next_number("S", "n", 1)),
            Box::new(|b| {
                b.next_number("S", "n", 1)?;
                Err(b.fail("stop"))
            }),
            Box::new(|b| b.next_number("S", "n", 1)),
        ];
        let out = m.update_each(steps).unwrap();
        assert_eq!(out[0].as_ref().unwrap(), &1);
        assert!(out[1].is_err());
        assert_eq!(out[2].as_ref().unwrap(), &2, "the failed step left nothing");
    }

    #[test]
    fn a_failed_step_writes_nothing() {
        let m = Memory::in_memory().unwrap();
        let r: Result<(), MemoryError> = m.update(|b| {
            b.put("S", "t", "1", "", "d", &T { amount: 1 })?;
            Err(b.fail("stop"))
        });
        assert!(r.is_err());
        m.update(|b| {
            assert_eq!(b.get::<T>("S", "t", "1")?, None);
            Ok(())
        })
        .unwrap();
    }
}
