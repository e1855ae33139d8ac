//! One run in two stages on two threads: the input read and checked on
//! one, the output written on the other, so that a conversion of a large
//! file uses two cores. The items go across in batches, in order, and the
//! batches come back to be filled again (each item keeps its buffers).
//! Memory stays bounded whatever the input: a batch is handed over when
//! it holds [`BATCH`] items or [`BATCH_BYTES`], at most [`IN_FLIGHT`]
//! batches wait, and an item that grew big is dropped, not recycled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use paylot_cli::{Error, Result};

/// Items per batch: enough that handing a batch over costs little per
/// item, few enough that the writing stage starts at once.
pub const BATCH: usize = 256;

/// A batch is handed over once its items hold this many bytes (counted
/// by [`Item::held`]), whatever their number: long values make short
/// batches (one item, however big, being a batch of its own).
pub const BATCH_BYTES: usize = 256 * 1024;

/// Batches waiting for the writing stage at most: the reading stage
/// waits when it is that far ahead (besides the batch being written, the
/// one being filled and one being handed over).
pub const IN_FLIGHT: usize = 4;

/// An item bigger than this is dropped after it is written rather than
/// kept to be filled again, so that a few long values do not leave every
/// slot holding a long buffer.
const KEEP_AT_MOST: usize = 4 * 1024;

/// What crosses from one stage to the other.
pub trait Item: Default + Send {
    /// The bytes the item holds (its buffers' sizes, roughly).
    fn held(&self) -> usize;
}

impl Item for csv::StringRecord {
    fn held(&self) -> usize {
        self.as_slice().len() + 8 * self.len()
    }
}

impl Item for Vec<String> {
    fn held(&self) -> usize {
        self.iter().map(String::capacity).sum()
    }
}

/// Where the reading stage puts its items, in order.
pub struct Feed<'a, T> {
    batch: Vec<T>,
    filled: usize,
    /// What the filled items hold, the last one not yet counted.
    bytes: usize,
    full: mpsc::SyncSender<(Vec<T>, usize)>,
    empty: mpsc::Receiver<Vec<T>>,
    stopped: &'a AtomicBool,
}

impl<'a, T: Item> Feed<'a, T> {
    /// The next item to fill, holding an earlier item's buffers (clear
    /// or overwrite what it holds). An error when the writing stage has
    /// stopped: its own error is the run's, and reading stops too.
    pub fn slot(&mut self) -> Result<&mut T> {
        self.check()?;
        if let Some(last) = self.filled.checked_sub(1) {
            self.bytes += self.batch[last].held();
        }
        if self.filled == BATCH || self.bytes >= BATCH_BYTES {
            self.send()?;
        }
        if self.batch.len() == self.filled {
            self.batch.push(T::default());
        }
        self.filled += 1;
        Ok(&mut self.batch[self.filled - 1])
    }

    /// An error when the writing stage has stopped: for a reading stage
    /// that goes on for a while without handing anything over (rows that
    /// are only checked), to stop as soon as writing has.
    pub fn check(&self) -> Result<()> {
        self.stop().check()
    }

    /// The same question, to be asked where the feed itself is not at hand.
    pub fn stop(&self) -> Stop<'a> {
        Stop(self.stopped)
    }

    /// Hand the items filled so far to the writing stage.
    fn send(&mut self) -> Result<()> {
        if self.filled == 0 {
            return Ok(());
        }
        let next = self.empty.try_recv().unwrap_or_default();
        let full = std::mem::replace(&mut self.batch, next);
        let filled = std::mem::take(&mut self.filled);
        self.bytes = 0;
        self.full.send((full, filled)).map_err(|_| Error::done())
    }
}

/// Whether the writing stage has stopped ([`Feed::stop`]).
#[derive(Clone, Copy)]
pub struct Stop<'a>(&'a AtomicBool);

impl Stop<'_> {
    /// An error when the writing stage has stopped.
    pub fn check(self) -> Result<()> {
        if self.0.load(Ordering::Relaxed) {
            return Err(Error::done());
        }
        Ok(())
    }
}

/// Sets the flag that tells the reading stage writing has stopped, when
/// dropped: at the end of writing, whether by an error or a panic.
struct Tell<'a>(&'a AtomicBool);

impl Drop for Tell<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Run `read` on a thread of its own, feeding items to `write`, which
/// takes them in order on this thread. Everything read before an error
/// of `read` is written; an error of `write` stops `read` (at its next
/// [`Feed::slot`] or [`Feed::check`]) and is the result; else the result
/// is `read`'s. A panic of either stage stops the other and goes on as a
/// panic of this thread, before any error.
pub fn two_stages<T, R>(
    read: impl FnOnce(&mut Feed<'_, T>) -> Result<R> + Send,
    mut write: impl FnMut(&mut T) -> Result<()>,
) -> Result<R>
where
    T: Item,
    R: Send,
{
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<T>, usize)>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<T>>();
    let stopped = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let stopped = &stopped;
        let reading = scope.spawn(move || {
            let mut feed = Feed {
                batch: Vec::new(),
                filled: 0,
                bytes: 0,
                full: full_tx,
                empty: empty_rx,
                stopped,
            };
            let result = read(&mut feed);
            // What was read before an error is written too.
            let sent = feed.send();
            result.and_then(|r| sent.map(|()| r))
        });
        // However writing ends (an error, a panic), reading is told.
        let tell = Tell(stopped);
        let mut written = Ok(());
        for (mut batch, n) in full_rx.iter() {
            written = batch[..n].iter_mut().try_for_each(&mut write);
            if written.is_err() {
                break;
            }
            // Big items are not kept to be filled again.
            for item in &mut batch[..n] {
                if item.held() > KEEP_AT_MOST {
                    *item = T::default();
                }
            }
            // The reading stage may have ended: the batch is not needed.
            let _ = empty_tx.send(batch);
        }
        // A reading stage waiting to hand over a batch, or only checking
        // rows, is told to stop.
        drop(full_rx);
        drop(tell);
        // A bug comes first: a panic is never hidden behind an error.
        let read = reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written?;
        read
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    impl Item for u32 {
        fn held(&self) -> usize {
            4
        }
    }

    impl Item for u64 {
        fn held(&self) -> usize {
            8
        }
    }

    #[test]
    fn long_values_make_short_batches_and_are_not_kept() {
        let produced = AtomicUsize::new(0);
        let mut ahead = 0;
        let mut written = 0;
        two_stages(
            |feed: &mut Feed<Vec<String>>| {
                for _ in 0..300 {
                    let slot = feed.slot()?;
                    slot.clear();
                    slot.push("x".repeat(1 << 20));
                    produced.fetch_add(1, Ordering::SeqCst);
                }
                Ok(())
            },
            |s| {
                // What is kept is what is in flight, whatever the items hold.
                assert!(s[0].len() == 1 << 20 && s[0].capacity() < 2 << 20);
                written += 1;
                ahead = ahead.max(produced.load(Ordering::SeqCst) - written);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(written, 300);
        // A batch of 1 MiB values holds one: a few batches in flight.
        assert!(ahead <= IN_FLIGHT + 3, "{ahead} items of 1 MiB ahead");
    }

    #[test]
    fn a_panic_in_reading_is_a_panic_of_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            two_stages(
                |_: &mut Feed<u32>| -> Result<()> { panic!("boom at row 7") },
                |_| Ok(()),
            )
        });
        let payload = caught.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom at row 7"));
    }

    #[test]
    fn a_panic_in_reading_is_not_hidden_by_an_error_in_writing() {
        let caught = std::panic::catch_unwind(|| {
            two_stages(
                |feed: &mut Feed<u32>| -> Result<()> {
                    *feed.slot()? = 1;
                    feed.send()?;
                    while feed.check().is_ok() {
                        std::thread::yield_now();
                    }
                    panic!("boom after the writer stopped")
                },
                |_| Err(Error::trouble("disk full")),
            )
        });
        assert!(caught.is_err());
    }

    #[test]
    fn a_panic_in_writing_stops_a_reading_stage_that_only_checks() {
        let caught = std::panic::catch_unwind(|| {
            two_stages(
                |feed: &mut Feed<u32>| -> Result<()> {
                    *feed.slot()? = 1;
                    feed.send()?;
                    loop {
                        feed.check()?;
                        std::thread::yield_now();
                    }
                },
                |_| -> Result<()> { panic!("a bug in writing") },
            )
        });
        assert!(caught.is_err());
    }

    #[test]
    fn a_reading_stage_that_only_checks_stops_when_writing_has() {
        let r: Result<()> = two_stages(
            |feed: &mut Feed<u32>| {
                *feed.slot()? = 1;
                feed.send()?;
                // Rows checked, none handed over: told to stop all the same.
                loop {
                    feed.check()?;
                    std::thread::yield_now();
                }
            },
            |_| Err(Error::trouble("disk full")),
        );
        assert!(r.unwrap_err().to_string().contains("disk full"));
    }

    #[test]
    fn every_item_arrives_in_order_with_buffers_reused() {
        let mut got = Vec::new();
        let n = two_stages(
            |feed: &mut Feed<Vec<String>>| {
                for i in 0..10_000 {
                    let slot = feed.slot()?;
                    slot.clear();
                    slot.push(i.to_string());
                }
                Ok(10_000)
            },
            |s| {
                got.push(s[0].parse::<usize>().unwrap());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(n, 10_000);
        assert_eq!(got, (0..10_000).collect::<Vec<_>>());
    }

    #[test]
    fn what_was_read_before_an_error_is_written_and_the_error_is_the_result() {
        let mut got = 0;
        let r: Result<()> = two_stages(
            |feed: &mut Feed<u32>| {
                for i in 0..1000 {
                    *feed.slot()? = i;
                }
                Err(Error::trouble("line 1001: malformed"))
            },
            |_| {
                got += 1;
                Ok(())
            },
        );
        assert_eq!(got, 1000);
        assert!(r.unwrap_err().to_string().contains("line 1001"));
    }

    #[test]
    fn an_error_in_writing_stops_the_reading() {
        let mut read = 0u64;
        let r: Result<()> = two_stages(
            |feed: &mut Feed<u64>| loop {
                *feed.slot()? = 1;
                read += 1;
            },
            |_| Err(Error::trouble("disk full")),
        );
        assert!(r.unwrap_err().to_string().contains("disk full"));
        // Stopped after a few batches, not run forever.
        assert!(read <= ((IN_FLIGHT + 2) * BATCH) as u64, "{read}");
    }
}
