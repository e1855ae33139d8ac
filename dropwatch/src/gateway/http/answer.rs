//! A request and its answer: routed to Paybox Direct or Sips Office
//! Server, answered in this process (or by the `--responder`), logged
//! once when done.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use gateways::paybox::direct::{self, gateway as ppps};
use gateways::sips::{office, server};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use paylot_cli::json::Record;
use serde_json::{Map, Value};
use tokio::time::Instant;

use super::conn::Clock;
use super::ledger::{Done, Work};
use super::{InHand, Sandbox, DIRECT_PATH, LOAD_PATH, MAX_ANSWER, MAX_BODY};
use crate::gateway::responder::Replied;

/// The HTTP header that says why the sandbox answered as it did, where
/// the gateway's own words say little (`Non autorise`): for a person
/// reading `curl -i`; clients ignore it.
const NOTE_HEADER: &str = "paylot-sandbox-note";

/// Which gateway a path is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Service {
    Direct,
    Sips,
    Load,
}

impl Service {
    fn of(path: &str) -> Option<Service> {
        if path == DIRECT_PATH {
            Some(Service::Direct)
        } else if path == LOAD_PATH {
            Some(Service::Load)
        } else if is_office_function(path) {
            Some(Service::Sips)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Service::Direct => "paybox-direct",
            Service::Sips => "sips",
            Service::Load => "",
        }
    }
}

/// Whether `path` names an Office Server function: the service prefix,
/// then names (`checkout/cardOrder`), nothing else.
fn is_office_function(path: &str) -> bool {
    path.strip_prefix(office::SERVICE_PREFIX)
        .is_some_and(|rest| {
            !rest.is_empty()
                && rest.split('/').all(|part| {
                    !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                })
        })
}

/// What one request was answered, for the response and the log.
struct Answered {
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    /// The answer's code (CODEREPONSE, responseCode), when there is one.
    code: Option<String>,
    /// Why the sandbox answered as it did, or failed.
    note: Option<String>,
    /// Whether the body is a gateway's answer scrubbed field by field by
    /// the gateway's own rule (`gateways::kinds::scrub_echo`: the shop's
    /// name spared, a Sips answer sealed after): not to be scrubbed
    /// again as a whole, which would alter the shop's name or break the
    /// seal.
    scrubbed_by_field: bool,
}

impl Answered {
    /// A text answer. It may quote the responder's stderr, which may
    /// quote the request: masked (card numbers, security codes) and
    /// scrubbed of the shop's secrets, in the body as in the log.
    fn plain(status: StatusCode, text: impl Into<String>) -> Answered {
        let text = safe(&text.into());
        Answered {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{text}\n").into_bytes(),
            code: None,
            note: Some(text),
            scrubbed_by_field: false,
        }
    }

    fn busy(why: &str) -> Answered {
        Answered::plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{why}: try again in a moment"),
        )
    }
}

fn safe(text: &str) -> String {
    paylot_cli::text::safe(&paylot_cli::secret::scrub(text)).into_owned()
}

/// What the log says of a request.
struct Seen {
    method: Method,
    path: String,
    peer: SocketAddr,
    service: Option<Service>,
    bytes_in: usize,
    started: Instant,
}

pub(super) async fn handle(
    req: Request<Incoming>,
    sandbox: Arc<Sandbox>,
    peer: SocketAddr,
    clock: Arc<Clock>,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    let in_hand = InHand::new(&sandbox);
    let started = clock.started();
    let mut seen = Seen {
        method: req.method().clone(),
        path: req.uri().path().to_string(),
        peer,
        service: Service::of(req.uri().path()),
        bytes_in: 0,
        started,
    };
    let early = match seen.service {
        None => Some(Answered::plain(
            StatusCode::NOT_FOUND,
            format!(
                "no such service: POST Paybox Direct requests to {DIRECT_PATH}, Sips Office Server requests under {}",
                office::SERVICE_PREFIX
            ),
        )),
        Some(Service::Load) if matches!(seen.method, Method::GET | Method::HEAD) => {
            let mut a = Answered::plain(StatusCode::OK, "OK");
            a.note = None;
            Some(a)
        }
        Some(Service::Load) => Some(Answered::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET is answered here",
        )),
        Some(_) if seen.method != Method::POST => Some(Answered::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only POST is answered here",
        )),
        Some(_) if sandbox.stopping.load(Ordering::SeqCst) => {
            Some(Answered::busy("the sandbox is stopping"))
        }
        Some(_) => None,
    };
    if let Some(a) = early {
        return Ok(finish(&sandbox, &seen, a));
    }
    // At most --max-pending requests answered or waiting at once: the
    // others are told at once to come back.
    let Ok(permit) = sandbox.pending.clone().try_acquire_owned() else {
        return Ok(finish(
            &sandbox,
            &seen,
            Answered::busy("the sandbox is answering as many requests as --max-pending allows"),
        ));
    };
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // The whole request, headers and body, within --timeout of its
    // first byte.
    let arrival = started + sandbox.timeout;
    // A Content-Length over the limit is refused at once, as the platform's
    // web server does: waiting for a body that will be refused anyway gave
    // 408 after --timeout instead of 413 (hyper's size hint is the length
    // declared; Limited alone only counts the bytes that have come).
    if hyper::body::Body::size_hint(req.body()).lower() > MAX_BODY as u64 {
        let a = Answered::plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request is larger than {MAX_BODY} bytes"),
        );
        return Ok(finish(&sandbox, &seen, a));
    }
    let body = Limited::new(req.into_body(), MAX_BODY);
    let body = match tokio::time::timeout_at(arrival, body.collect()).await {
        Err(_) => {
            let a = Answered::plain(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request did not arrive whole within {}",
                    paylot_cli::time::format_duration(sandbox.timeout)
                ),
            );
            return Ok(finish(&sandbox, &seen, a));
        }
        Ok(Err(e)) => {
            let a = if e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Answered::plain(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the request is larger than {MAX_BODY} bytes"),
                )
            } else {
                Answered::plain(
                    StatusCode::BAD_REQUEST,
                    format!("the request could not be read: {e}"),
                )
            };
            return Ok(finish(&sandbox, &seen, a));
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    seen.bytes_in = body.len();
    // From here the request is whole: it is answered and logged whatever
    // the client does meanwhile (a client that gives up does not stop
    // the gateway either).
    let (tx, rx) = tokio::sync::oneshot::channel();
    let answered_by = Instant::now() + sandbox.timeout;
    tokio::spawn(async move {
        let _in_hand = in_hand;
        let _permit = permit;
        let sb = &sandbox;
        let a = match seen.service {
            Some(Service::Direct) => answer_direct(sb, &seen.path, body, answered_by).await,
            _ => answer_sips(sb, &seen.path, &content_type, body, answered_by).await,
        };
        let response = finish(sb, &seen, a);
        let _ = tx.send(response);
    });
    Ok(rx.await.unwrap_or_else(|_| {
        let mut r = Response::new(Full::new(Bytes::from_static(b"sandbox fault\n")));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    }))
}

/// Log the request once, and make its response.
fn finish(sandbox: &Sandbox, seen: &Seen, a: Answered) -> Response<Full<Bytes>> {
    // Nothing answered repeats a secret of the shop's, whole or in part,
    // whatever the answer quotes (a key in a field): a gateway's answer
    // was scrubbed field by field, the shop's name spared, any other
    // body is scrubbed whole here.
    let body = if a.scrubbed_by_field {
        a.body
    } else {
        paylot_cli::redact::scrub_bytes(&a.body).into_owned()
    };
    let mut record = Record::new("http_request")
        .with("method", seen.method.as_str())
        .with("path", seen.path.as_str())
        .with("peer", seen.peer.to_string())
        .with("status", a.status.as_u16())
        .with("bytes_in", seen.bytes_in)
        .with("bytes_out", body.len())
        .with(
            "duration_ms",
            (seen.started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        );
    if let Some(s) = seen.service.filter(|s| !s.name().is_empty()) {
        record.set("gateway", s.name());
    }
    if let Some(c) = &a.code {
        record.set("response_code", c.as_str());
    }
    if let Some(n) = &a.note {
        record.set("note", n.as_str());
    }
    if a.status.is_server_error() && a.status != StatusCode::SERVICE_UNAVAILABLE {
        paylot_cli::say(
            crate::cli::TOOL,
            format_args!(
                "HTTP sandbox: {} {}: {}",
                seen.method,
                paylot_cli::text::safe(&seen.path),
                a.note.as_deref().unwrap_or("")
            ),
        );
    }
    sandbox.emit(&record);
    let mut response = Response::builder()
        .status(a.status)
        .header(CONTENT_TYPE, a.content_type);
    match a.status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = if seen.service == Some(Service::Load) {
                "GET, HEAD"
            } else {
                "POST"
            };
            response = response.header(ALLOW, allowed);
        }
        StatusCode::SERVICE_UNAVAILABLE => response = response.header(RETRY_AFTER, "1"),
        StatusCode::OK => {
            if let Some(v) = a
                .note
                .as_deref()
                .and_then(|n| HeaderValue::from_str(&ascii(n)).ok())
            {
                response = response.header(NOTE_HEADER, v);
            }
        }
        _ => {}
    }
    response
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// A note as a header value: printable ASCII only.
fn ascii(note: &str) -> String {
    note.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(500)
        .collect()
}

/// The responder's answer to `body`, or why there is none. It waits for
/// a free runner, within the request's deadline.
async fn respond(
    sandbox: &Sandbox,
    path: &str,
    gateway: &'static str,
    body: Bytes,
    deadline: Instant,
) -> std::result::Result<Vec<u8>, Answered> {
    let Some(responder) = &sandbox.responder else {
        return Err(Answered::plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "sandbox fault: no responder",
        ));
    };
    // A request waits for a free runner half of its time at most: what
    // waited longer is overload, answered 503 with Retry-After as beyond
    // --max-pending, not a responder started with next to no time left
    // and stopped at once, a local fault (500) it is not. Every responder
    // started has half of --timeout at least.
    let wait_until = deadline - sandbox.timeout / 2;
    let Ok(Ok(_runner)) = tokio::time::timeout_at(wait_until, sandbox.runners.acquire()).await
    else {
        return Err(Answered::busy(&format!(
            "no responder was free within half of --timeout ({}; each responder is given the other half at least)",
            paylot_cli::time::format_duration(sandbox.timeout / 2)
        )));
    };
    let env = [("DROPWATCH_REQUEST", path), ("DROPWATCH_GATEWAY", gateway)];
    match responder
        .reply(body.to_vec(), &env, deadline, MAX_ANSWER, &sandbox.running)
        .await
    {
        Ok(Replied::Answer(a)) => Ok(a),
        Ok(Replied::Refused(why)) => Err(Answered::plain(StatusCode::BAD_REQUEST, why)),
        Err(e) => Err(Answered::plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("sandbox fault, not the request's: {e}"),
        )),
    }
}

/// Run `work` in the sandbox's memory.
async fn in_memory(sb: &Sandbox, work: Work) -> std::result::Result<Done, Answered> {
    sb.ledger.run(work).await.map_err(|e| {
        Answered::plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("sandbox fault, not the request's: {e}"),
        )
    })
}

const LATIN1_TEXT: &str = "text/plain; charset=ISO-8859-1";

fn not_direct() -> Answered {
    Answered::plain(
        StatusCode::BAD_REQUEST,
        "not a Paybox Direct request: expected a form body TYPE=…&VERSION=…&SITE=…&RANG=…&… (xmlbatch build --format paybox-direct writes them)",
    )
}

fn direct_answer(reply: ppps::Reply) -> Answered {
    Answered {
        status: StatusCode::OK,
        content_type: LATIN1_TEXT,
        body: reply.line,
        code: Some(reply.code),
        note: reply.note.map(|n| safe(&n)),
        // direct::answer_line scrubs every value but the shop's name.
        scrubbed_by_field: true,
    }
}

/// Paybox Direct: the gateway's rules, in this process; or the
/// authentication here and the rest by the responder.
async fn answer_direct(sb: &Arc<Sandbox>, path: &str, body: Bytes, deadline: Instant) -> Answered {
    let keys = ppps::Keys {
        hmac: &sb.paybox_key,
        password: &sb.paybox_cle,
    };
    let fields = match ppps::screen(&body, Some(&keys)) {
        ppps::Screened::NotDirect => return not_direct(),
        ppps::Screened::Refused(reply) => return direct_answer(reply),
        ppps::Screened::Run(fields) => fields,
    };
    if sb.responder.is_none() {
        let today = sb.today();
        let work: Work =
            Box::new(move |books| ppps::run_step(&fields, books, today).map(Done::Direct));
        return match in_memory(sb, work).await {
            Ok(Done::Direct(reply)) => direct_answer(reply),
            Ok(Done::Sips(_)) => {
                Answered::plain(StatusCode::INTERNAL_SERVER_ERROR, "sandbox fault")
            }
            Err(a) => a,
        };
    }
    match respond(sb, path, "paybox-direct", body, deadline).await {
        Ok(answer) => {
            let code = direct::parse_answer(&answer)
                .into_iter()
                .find(|(k, _)| k == direct::CODE_FIELD)
                .map(|(_, v)| v);
            Answered {
                status: StatusCode::OK,
                content_type: LATIN1_TEXT,
                body: direct::scrubbed_answer(&answer, gateways::kinds::vocabulary()),
                code,
                note: None,
                scrubbed_by_field: true,
            }
        }
        Err(a) => a,
    }
}

/// Sips Office Server JSON: without the JSON content type, the
/// platform's 415 page; then the platform's rules in this process (or
/// the seal checked here and the function by the responder); every
/// response sealed.
async fn answer_sips(
    sb: &Arc<Sandbox>,
    path: &str,
    content_type: &str,
    body: Bytes,
    deadline: Instant,
) -> Answered {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media != "application/json" {
        return Answered {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            content_type: "text/html; charset=utf-8",
            body: office::UNSUPPORTED_MEDIA_TYPE_PAGE.as_bytes().to_vec(),
            code: None,
            note: Some("no Content-Type: application/json".into()),
            scrubbed_by_field: false,
        };
    }
    let function = path
        .strip_prefix(office::SERVICE_PREFIX)
        .unwrap_or_default()
        .to_string();
    let keys = server::Keys {
        secret: &sb.sips_key,
        version: &sb.sips_key_version,
        names: gateways::kinds::vocabulary(),
    };
    if sb.responder.is_none() {
        let request = match server::check(&function, &body, &keys) {
            server::Checked::Unreadable(why) => {
                return Answered::plain(StatusCode::BAD_REQUEST, why)
            }
            server::Checked::Refused(r) => return sips_answer(r),
            server::Checked::Run(request) => request,
        };
        let today = sb.today();
        let work: Work = Box::new(move |books| {
            server::run_step(&function, &request, books, today).map(Done::Sips)
        });
        return match in_memory(sb, work).await {
            Ok(Done::Sips(response)) => sips_answer(server::reply(response, &keys, None)),
            Ok(Done::Direct(_)) => {
                Answered::plain(StatusCode::INTERNAL_SERVER_ERROR, "sandbox fault")
            }
            Err(a) => a,
        };
    }
    let request: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => {
            return Answered::plain(
                StatusCode::BAD_REQUEST,
                format!("the request is not a JSON object: {e}"),
            )
        }
    };
    let (response, note) = match server::refusal(&function, &request, &keys) {
        Some((response, why)) => (response, Some(why)),
        None => match respond(sb, path, "sips", body, deadline).await {
            Ok(answer) => match serde_json::from_slice::<Map<String, Value>>(&answer) {
                Ok(m) => (m, None),
                Err(e) => {
                    return Answered::plain(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("sandbox fault, not the request's: the responder's answer is not a JSON object: {e}"),
                    )
                }
            },
            Err(a) => return a,
        },
    };
    sips_answer(server::reply(response, &keys, note))
}

fn sips_answer(reply: server::Reply) -> Answered {
    match reply {
        server::Reply::Response { body, code, note } => Answered {
            status: StatusCode::OK,
            content_type: "application/json",
            body,
            code: Some(code).filter(|c| !c.is_empty()),
            note,
            // server::sealed scrubs every value but merchantId, then seals.
            scrubbed_by_field: true,
        },
        server::Reply::Unreadable(why) => Answered::plain(StatusCode::BAD_REQUEST, why),
    }
}
