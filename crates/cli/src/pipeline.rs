//! One run in two stages on two threads: the input read and checked on
//! one, the output written on the other, so that a conversion of a large
//! file uses two cores. The items go across in batches, in order, and the
//! batches come back to be filled again (each item keeps its buffers); a
//! few batches are in flight at a time, so memory stays the same whatever
//! the size of the input.

use std::sync::mpsc;

use crate::error::{Error, Result};

/// Items per batch: enough that handing a batch over costs little per
/// item, few enough that the writing stage starts at once.
const BATCH: usize = 256;

/// Batches waiting for the writing stage at most: the reading stage
/// waits when it is that far ahead.
const IN_FLIGHT: usize = 4;

/// Where the reading stage puts its items, in order.
pub struct Feed<T> {
    batch: Vec<T>,
    filled: usize,
    full: mpsc::SyncSender<(Vec<T>, usize)>,
    empty: mpsc::Receiver<Vec<T>>,
}

impl<T: Default> Feed<T> {
    /// The next item to fill, holding an earlier item's buffers (clear
    /// or overwrite what it holds). An error when the writing stage has
    /// stopped: its own error is the run's, and reading stops too.
    pub fn slot(&mut self) -> Result<&mut T> {
        if self.filled == BATCH {
            self.send()?;
        }
        if self.batch.len() == self.filled {
            self.batch.push(T::default());
        }
        self.filled += 1;
        Ok(&mut self.batch[self.filled - 1])
    }

    /// Hand the items filled so far to the writing stage.
    fn send(&mut self) -> Result<()> {
        if self.filled == 0 {
            return Ok(());
        }
        let next = self.empty.try_recv().unwrap_or_default();
        let full = std::mem::replace(&mut self.batch, next);
        self.full
            .send((full, self.filled))
            .map_err(|_| Error::done())?;
        self.filled = 0;
        Ok(())
    }
}

/// Run `read` on a thread of its own, feeding items to `write`, which
/// takes them in order on this thread. Everything read before an error
/// of `read` is written; an error of `write` stops `read` and is the
/// result; else the result is `read`'s.
pub fn two_stages<T, R>(
    read: impl FnOnce(&mut Feed<T>) -> Result<R> + Send,
    mut write: impl FnMut(&mut T) -> Result<()>,
) -> Result<R>
where
    T: Default + Send,
    R: Send,
{
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<T>, usize)>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<T>>();
    std::thread::scope(|scope| {
        let reading = scope.spawn(move || {
            let mut feed = Feed {
                batch: Vec::new(),
                filled: 0,
                full: full_tx,
                empty: empty_rx,
            };
            let result = read(&mut feed);
            // What was read before an error is written too.
            let sent = feed.send();
            result.and_then(|r| sent.map(|()| r))
        });
        let mut written = Ok(());
        for (mut batch, n) in full_rx.iter() {
            written = batch[..n].iter_mut().try_for_each(&mut write);
            if written.is_err() {
                break;
            }
            // The reading stage may have ended: the batch is not needed.
            let _ = empty_tx.send(batch);
        }
        // A reading stage waiting to hand over a batch is told to stop.
        drop(full_rx);
        let read = reading.join().map_err(|_| {
            Error::trouble(
                "internal error: the reading stage stopped unexpectedly (please report it)",
            )
        })?;
        written?;
        read
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_arrives_in_order_with_buffers_reused() {
        let mut got = Vec::new();
        let n = two_stages(
            |feed: &mut Feed<String>| {
                for i in 0..10_000 {
                    let slot = feed.slot()?;
                    slot.clear();
                    slot.push_str(&i.to_string());
                }
                Ok(10_000)
            },
            |s| {
                got.push(s.parse::<usize>().unwrap());
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
