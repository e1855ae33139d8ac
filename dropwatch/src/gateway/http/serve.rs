//! One client's connection served: its requests read by hyper and
//! answered (`answer`), and a connection that hyper ended before a
//! request reached the sandbox logged with why.

use std::net::SocketAddr;
use std::sync::Arc;

use paylot_cli::json::Record;

use super::answer::handle;
use super::conn::{Clock, Watched};
use super::{Sandbox, MAX_BODY};

/// Serve one client's connection until it ends.
pub async fn connection(stream: tokio::net::TcpStream, peer: SocketAddr, sandbox: Arc<Sandbox>) {
    let timeout = sandbox.timeout;
    let clock = Clock::new();
    let io = Watched::new(stream, clock.clone(), timeout);
    let log = sandbox.clone();
    let watch = clock.clone();
    let service =
        hyper::service::service_fn(move |req| handle(req, sandbox.clone(), peer, clock.clone()));
    // A client that is too slow, or goes away, ends its own connection
    // only. A client that sends its request and half-closes its side
    // (SHUT_WR) still gets the answer (half_close).
    let served = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(timeout)
        .half_close(true)
        .max_buf_size(HEAD_BOUND)
        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
        .await;
    if let Err(e) = served {
        // A connection kept alive after its requests and closed when idle
        // past --timeout (as a server does) is no client's fault; one
        // whose next request began to come after an answer and was not
        // whole in time is logged like a first one, where it went unsaid.
        if !(e.is_timeout() && watch.idle_after_an_answer()) {
            log.emit(&connection_ended(peer, &e));
        }
    }
}

/// The most a request's line and headers may hold (hyper's buffer).
const HEAD_BOUND: usize = if MAX_BODY > 8192 { MAX_BODY } else { 8192 };

/// The most headers hyper reads in a request (its default), and the
/// longest URI it takes (`u16::MAX - 1`): past either it answers itself.
const MAX_HEADERS: usize = 100;
const MAX_URI: usize = u16::MAX as usize - 1;

/// A connection that hyper ended before a request reached the sandbox,
/// or while one was answered: what hyper answered, if anything (it
/// answers a request it cannot read itself, with no body), and why, for
/// the log. Such a client saw a bare 400, 414 or 431, or a closed
/// connection, and the log said nothing of it.
fn connection_ended(peer: SocketAddr, e: &hyper::Error) -> Record {
    let error = e.to_string();
    let (answered, note) = if e.is_parse_version_h2() {
        (
            None,
            "an HTTP/2 connection preface: the sandbox speaks HTTP/1.1 (curl --http1.1)"
                .to_string(),
        )
    } else if e.is_parse_too_large() {
        // hyper's words tell its two causes apart: the URI alone (414),
        // or the request's line and headers (431).
        let uri = error.starts_with("URI");
        // hyper refuses with 431 a head past its buffer and one of more
        // than its 100 headers alike (one error); a note that named only
        // the bytes was wrong for a short head of many headers.
        (
            Some(if uri { 414 } else { 431 }),
            if uri {
                format!("the request's URI is past {MAX_URI} bytes")
            } else {
                format!(
                    "the request's line and headers are past {HEAD_BOUND} bytes, or hold more \
                     than {MAX_HEADERS} headers"
                )
            },
        )
    } else if e.is_parse() {
        (Some(400), "not an HTTP/1.1 request".to_string())
    } else if e.is_timeout() {
        (
            None,
            "no whole request line and headers within --timeout".to_string(),
        )
    } else if e.is_incomplete_message() {
        (
            None,
            "the client closed the connection before its request was whole".to_string(),
        )
    } else {
        (None, "the connection ended early".to_string())
    };
    let mut record = Record::new("http_connection")
        .with("peer", peer.to_string())
        .with("error", error);
    if let Some(status) = answered {
        record.set("status", status);
    }
    record.with("note", note)
}
