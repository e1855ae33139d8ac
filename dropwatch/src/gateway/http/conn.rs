//! One client's connection, watched: when each request began to arrive
//! (its whole-request deadline counts from there), and a client that
//! stops reading its answers (pipelining, never reading) loses its
//! connection after `--timeout` instead of keeping it forever.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// When the request being read began to arrive.
pub struct Clock {
    started: Mutex<Instant>,
    /// The next bytes read start a new request (the connection is new, or
    /// an answer was written since).
    fresh: AtomicBool,
    /// An answer was written on this connection.
    answered: AtomicBool,
}

impl Clock {
    pub fn new() -> Arc<Clock> {
        Arc::new(Clock {
            started: Mutex::new(Instant::now()),
            fresh: AtomicBool::new(true),
            answered: AtomicBool::new(false),
        })
    }

    /// When the current request's first bytes came (a pipelined request
    /// already read counts from the previous answer).
    pub fn started(&self) -> Instant {
        *self.started.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An answer was written and nothing read since: a connection kept
    /// alive after its requests that ends now is idle, not one whose next
    /// request was coming in, nor one that never sent one. (A request
    /// pipelined in the same read as the one before it is not told
    /// apart.)
    pub fn idle_after_an_answer(&self) -> bool {
        self.answered.load(Ordering::Acquire) && self.fresh.load(Ordering::Acquire)
    }
}

/// A connection's stream, with its [`Clock`] and a bound on how long a
/// write may wait for the client to read.
pub struct Watched<S> {
    io: S,
    clock: Arc<Clock>,
    limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<S> Watched<S> {
    pub fn new(io: S, clock: Arc<Clock>, limit: Duration) -> Watched<S> {
        Watched {
            io,
            clock,
            limit,
            stalled: None,
        }
    }

    /// A write that cannot proceed: pending until `limit` has passed
    /// since it first could not, then an error that ends the connection.
    fn stall<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let limit = self.limit;
        let timer = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client has not read its answers within --timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(())))
            && buf.filled().len() > before
            && self.clock.fresh.swap(false, Ordering::AcqRel)
        {
            *self.clock.started.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.io).poll_write(cx, data) {
            Poll::Ready(r) => {
                self.stalled = None;
                if matches!(r, Ok(n) if n > 0) {
                    self.clock.answered.store(true, Ordering::Release);
                    self.clock.fresh.store(true, Ordering::Release);
                }
                Poll::Ready(r)
            }
            Poll::Pending => self.stall(cx),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.io).poll_flush(cx) {
            Poll::Ready(r) => {
                self.stalled = None;
                Poll::Ready(r)
            }
            Poll::Pending => self.stall(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
