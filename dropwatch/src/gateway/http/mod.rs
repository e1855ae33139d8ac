//! `dropwatch gateway --http`: the sandbox for the server-to-server
//! interfaces. Each POST body goes to the responder's stdin and its
//! stdout is the answer — the same responders as the drop-directory
//! sandbox — after the checks the gateways make before anything else:
//!
//! - Paybox Direct (`POST /PPPS.php`, a form body): the request's HMAC
//!   (or CLE) against the shop's; a wrong one is answered `00006`
//!   (access refused), as the gateway does.
//! - Sips Office Server JSON (`POST /rs-services/v2/…`): without
//!   `Content-Type: application/json`, the platform's HTML 415 page; a
//!   request whose seal or keyVersion is not the shop's gets
//!   responseCode `34`; every response is sealed with the shop's key.
//!
//! Bounds: a request must arrive whole within `--timeout` (headers and
//! body) and hold at most [`MAX_BODY`] bytes; the responder has
//! `--timeout` to answer. One JSON line per request on stdout.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gateways::paybox::direct;
use gateways::seal::{key_bytes, same_seal, seal_of, Algorithm, Scheme};
use gateways::sips::office;
use gateways::sips::seal::{json_seal, Direction};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use paylot_cli::json::{Lines, Record};
use paylot_cli::secret::SecretSource;
use paylot_cli::{Error, Outcome, Result};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::responder::{Replied, Responder};
use super::Args;

/// The largest request body taken (a Direct request is a few hundred
/// bytes, an Office Server request a few KB).
pub const MAX_BODY: usize = 64 * 1024;
/// The largest answer taken from the responder.
const MAX_ANSWER: usize = 256 * 1024;
/// Paybox Direct's path.
pub const DIRECT_PATH: &str = "/PPPS.php";

/// The shop the HTTP sandbox plays: its keys, each by default the test
/// shop's published one.
#[derive(clap::Args, Debug, Clone)]
pub struct ShopKeys {
    /// --http, Paybox Direct: read the shop's HMAC key (hex) from PATH
    /// [default: the pre-production test key, 0123456789ABCDEF x 8]
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "paybox_key_env",
        help_heading = "HTTP sandbox"
    )]
    pub paybox_key_file: Option<PathBuf>,
    /// --http, Paybox Direct: the shop's HMAC key from the environment variable VAR
    #[arg(long, value_name = "VAR", help_heading = "HTTP sandbox")]
    pub paybox_key_env: Option<String>,
    /// --http, Paybox Direct: read the Direct password (CLE) accepted from
    /// PATH [default: 1999888I, the test shop's]
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "paybox_cle_env",
        help_heading = "HTTP sandbox"
    )]
    pub paybox_cle_file: Option<PathBuf>,
    /// --http, Paybox Direct: the CLE from the environment variable VAR
    #[arg(long, value_name = "VAR", help_heading = "HTTP sandbox")]
    pub paybox_cle_env: Option<String>,
    /// --http, Sips: read the shop's secret key from PATH [default: the
    /// Sogenactif test shop's, merchant 201040040170001]
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "sips_key_env",
        help_heading = "HTTP sandbox"
    )]
    pub sips_key_file: Option<PathBuf>,
    /// --http, Sips: the shop's secret key from the environment variable VAR
    #[arg(long, value_name = "VAR", help_heading = "HTTP sandbox")]
    pub sips_key_env: Option<String>,
    /// --http, Sips: the version of the shop's key (a request with another gets responseCode 34)
    /// [default: 1]
    #[arg(long, value_name = "N", help_heading = "HTTP sandbox")]
    pub sips_key_version: Option<String>,
    /// --http: the time a request may take to arrive, and the responder to answer it
    /// [default: 10s]
    #[arg(long, value_name = "DURATION", value_parser = crate::duration_arg, help_heading = "HTTP sandbox")]
    pub timeout: Option<Duration>,
}

impl ShopKeys {
    /// The first of these options given, if any (they mean nothing
    /// without --http).
    pub fn given(&self) -> Option<&'static str> {
        [
            (self.paybox_key_file.is_some(), "--paybox-key-file"),
            (self.paybox_key_env.is_some(), "--paybox-key-env"),
            (self.paybox_cle_file.is_some(), "--paybox-cle-file"),
            (self.paybox_cle_env.is_some(), "--paybox-cle-env"),
            (self.sips_key_file.is_some(), "--sips-key-file"),
            (self.sips_key_env.is_some(), "--sips-key-env"),
            (self.sips_key_version.is_some(), "--sips-key-version"),
            (self.timeout.is_some(), "--timeout"),
        ]
        .into_iter()
        .find(|(given, _)| *given)
        .map(|(_, name)| name)
    }
}

/// A secret from a file or a variable, or the published test value;
/// and where it came from, for messages.
fn secret(
    file: &Option<PathBuf>,
    env: &Option<String>,
    options: (&'static str, &'static str),
    what: &str,
    default: &str,
) -> Result<(Zeroizing<Vec<u8>>, String)> {
    match SecretSource::named(file, env, options) {
        Some(s) => {
            let secret = s.read(what, &mut |w| paylot_cli::warn(crate::TOOL, w))?;
            Ok((
                Zeroizing::new(secret.expose().to_vec()),
                secret.origin().to_string(),
            ))
        }
        None => {
            // A published test value, but this run's secret all the same.
            paylot_cli::secret::hold(default.as_bytes());
            Ok((
                Zeroizing::new(default.as_bytes().to_vec()),
                format!("the published test {what}"),
            ))
        }
    }
}

/// What every request is answered with.
struct Sandbox {
    paybox_key: Zeroizing<Vec<u8>>,
    paybox_cle: Zeroizing<Vec<u8>>,
    sips_key: Zeroizing<Vec<u8>>,
    sips_key_version: String,
    timeout: Duration,
    responder: Responder,
    log: Mutex<Lines>,
    /// Set when the reader of the log went away: the run ends.
    stop: tokio::sync::Notify,
}

impl Sandbox {
    /// Write a log line; a closed stdout ends the run quietly.
    fn emit(&self, record: &Record) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = log.emit(record) {
            if !e.is_broken_pipe() {
                paylot_cli::say(crate::TOOL, &e);
            }
            self.stop.notify_one();
        }
    }
}

/// `PORT` or `ADDR:PORT`; a bare port is on 127.0.0.1.
fn parse_addr(text: &str) -> Result<SocketAddr> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    text.parse::<SocketAddr>().map_err(|_| {
        Error::usage(format!(
            "--http {}: expected PORT (on 127.0.0.1) or ADDR:PORT, e.g. 8080 or 127.0.0.1:8080",
            paylot_cli::text::quote(text)
        ))
    })
}

pub fn serve(addr: &str, a: &Args) -> Result<Outcome> {
    let addr = parse_addr(addr)?;
    let k = &a.shop;
    let sips_key_version = k
        .sips_key_version
        .clone()
        .unwrap_or_else(|| office::TEST_KEY_VERSION.to_string());
    if sips_key_version.is_empty() || !sips_key_version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::usage(format!(
            "--sips-key-version {}: expected the key's version number, e.g. 1",
            paylot_cli::text::quote(&sips_key_version)
        )));
    }
    let timeout = k.timeout.unwrap_or(Duration::from_secs(10));
    if timeout.is_zero() {
        return Err(Error::usage(
            "--timeout 0s: a request would never be given time to arrive (e.g. --timeout 10s)",
        ));
    }
    let (paybox_hex, origin) = secret(
        &k.paybox_key_file,
        &k.paybox_key_env,
        ("--paybox-key-file", "--paybox-key-env"),
        "Paybox HMAC key",
        gateways::paybox::hmac::TEST_KEY,
    )?;
    let paybox_key = key_bytes(Scheme::PayboxDirect, &paybox_hex)
        .map_err(|e| Error::trouble(format!("{origin}: {e}")))?;
    let (paybox_cle, origin) = secret(
        &k.paybox_cle_file,
        &k.paybox_cle_env,
        ("--paybox-cle-file", "--paybox-cle-env"),
        "Direct password (CLE)",
        direct::TEST_PASSWORD,
    )?;
    if let Some(why) = std::str::from_utf8(&paybox_cle).map_or(
        Some("the Direct password is not text"),
        direct::password_problem,
    ) {
        return Err(Error::trouble(format!("{origin}: {why}")));
    }
    let sandbox = Arc::new(Sandbox {
        paybox_key,
        paybox_cle,
        sips_key: secret(
            &k.sips_key_file,
            &k.sips_key_env,
            ("--sips-key-file", "--sips-key-env"),
            "Sips secret key",
            office::TEST_SECRET_KEY,
        )?
        .0,
        sips_key_version,
        timeout,
        responder: Responder::new(a.responder.clone()),
        log: Mutex::new(Lines::stdout()),
        stop: tokio::sync::Notify::new(),
    });
    if !addr.ip().is_loopback() {
        paylot_cli::warn(
            crate::TOOL,
            format_args!("the HTTP sandbox listens on {addr}, beyond this machine: it answers anyone who can reach it"),
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::io("starting the HTTP sandbox", e))?;
    runtime.block_on(run(addr, sandbox))
}

async fn run(addr: SocketAddr, sandbox: Arc<Sandbox>) -> Result<Outcome> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::io(format!("listening on {addr}"), e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io(format!("listening on {addr}"), e))?;
    sandbox.emit(
        &Record::new("listening")
            .with("address", local.to_string())
            .with("paybox_direct", format!("http://{local}{DIRECT_PATH}"))
            .with("sips", format!("http://{local}{}", office::SERVICE_PREFIX)),
    );
    let mut accept_errors = 0u64;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => {
                        accept_errors = 0;
                        x
                    }
                    Err(e) => {
                        // A connection that failed before it began (the
                        // peer reset it), or no file descriptor left: said
                        // once per run of failures, and the loop waits a
                        // little so as not to spin while none is freed.
                        if accept_errors == 0 {
                            paylot_cli::say(crate::TOOL, format_args!("HTTP sandbox: accepting a connection: {e} (said once until a connection is accepted again)"));
                        }
                        accept_errors += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let sandbox = sandbox.clone();
                tokio::spawn(async move {
                    let timeout = sandbox.timeout;
                    let service = hyper::service::service_fn(move |req| {
                        handle(req, sandbox.clone(), peer)
                    });
                    // A client that is too slow, or goes away, ends its own
                    // connection only.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(timeout)
                        .max_buf_size(MAX_BODY.max(8192))
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            () = sandbox.stop.notified() => return Ok(Outcome::Yes),
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
    gateway: &'static str,
    /// The answer's code (CODEREPONSE, responseCode), when there is one.
    code: Option<String>,
    /// Why the sandbox itself answered (not the responder), or failed.
    note: Option<String>,
}

impl Answered {
    /// A text answer. It may quote the responder's stderr, which may
    /// quote the request: masked (card numbers, security codes) and
    /// scrubbed of the shop's secrets, in the body as in the log.
    fn plain(status: StatusCode, gateway: &'static str, text: impl Into<String>) -> Answered {
        let text = text.into();
        let text = paylot_cli::text::safe(&paylot_cli::secret::scrub(&text)).into_owned();
        Answered {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{text}\n").into_bytes(),
            gateway,
            code: None,
            note: Some(text),
        }
    }
}

async fn handle(
    req: Request<Incoming>,
    sandbox: Arc<Sandbox>,
    peer: SocketAddr,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let gateway = if path == DIRECT_PATH {
        "paybox-direct"
    } else if is_office_function(&path) {
        "sips"
    } else {
        ""
    };
    let mut bytes_in = 0usize;
    let answered = if gateway.is_empty() {
        Answered::plain(
            StatusCode::NOT_FOUND,
            gateway,
            format!(
                "no such service: POST Paybox Direct requests to {DIRECT_PATH}, Sips Office Server requests under {}",
                office::SERVICE_PREFIX
            ),
        )
    } else if method != Method::POST {
        Answered::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            gateway,
            "only POST is answered here",
        )
    } else {
        let body = Limited::new(req.into_body(), MAX_BODY);
        match tokio::time::timeout(sandbox.timeout, body.collect()).await {
            Err(_) => Answered::plain(
                StatusCode::REQUEST_TIMEOUT,
                gateway,
                format!(
                    "the request did not arrive whole within {}",
                    paylot_cli::time::format_duration(sandbox.timeout)
                ),
            ),
            Ok(Err(e))
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                Answered::plain(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    gateway,
                    format!("the request is larger than {MAX_BODY} bytes"),
                )
            }
            Ok(Err(e)) => Answered::plain(
                StatusCode::BAD_REQUEST,
                gateway,
                format!("the request could not be read: {e}"),
            ),
            Ok(Ok(collected)) => {
                let body = collected.to_bytes().to_vec();
                bytes_in = body.len();
                let sb = sandbox.clone();
                let p = path.clone();
                let work = move || {
                    if gateway == "paybox-direct" {
                        answer_direct(&sb, &p, &body)
                    } else {
                        answer_sips(&sb, &p, &content_type, &body)
                    }
                };
                match tokio::task::spawn_blocking(work).await {
                    Ok(a) => a,
                    Err(e) => Answered::plain(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        gateway,
                        format!("sandbox fault: {e}"),
                    ),
                }
            }
        }
    };
    // Nothing answered repeats a secret of the shop's, whole or in part,
    // whatever the answer quotes (a CLE sent as SITE, a key in a field).
    let body = paylot_cli::redact::scrub_bytes(&answered.body).into_owned();
    let mut record = Record::new("http_request")
        .with("method", method.as_str())
        .with("path", path.as_str())
        .with("peer", peer.to_string())
        .with("status", answered.status.as_u16())
        .with("bytes_in", bytes_in)
        .with("bytes_out", body.len())
        .with(
            "duration_ms",
            (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        );
    if !answered.gateway.is_empty() {
        record.set("gateway", answered.gateway);
    }
    if let Some(c) = &answered.code {
        record.set("response_code", c.as_str());
    }
    if let Some(n) = &answered.note {
        record.set("note", n.as_str());
    }
    if answered.status.is_server_error() {
        paylot_cli::say(
            crate::TOOL,
            format_args!(
                "HTTP sandbox: {method} {}: {}",
                paylot_cli::text::safe(&path),
                answered.note.as_deref().unwrap_or("")
            ),
        );
    }
    sandbox.emit(&record);
    let mut response = Response::builder()
        .status(answered.status)
        .header(CONTENT_TYPE, answered.content_type);
    if answered.status == StatusCode::METHOD_NOT_ALLOWED {
        response = response.header(ALLOW, "POST");
    }
    Ok(response
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
}

/// The responder's answer to `body`, or why there is none.
fn respond(
    sandbox: &Sandbox,
    path: &str,
    gateway: &'static str,
    body: &[u8],
) -> std::result::Result<Vec<u8>, Answered> {
    let env = [("DROPWATCH_REQUEST", path), ("DROPWATCH_GATEWAY", gateway)];
    match sandbox
        .responder
        .reply(body, &env, sandbox.timeout, MAX_ANSWER)
    {
        Ok(Replied::Answer(a)) => Ok(a),
        Ok(Replied::Refused(why)) => Err(Answered::plain(StatusCode::BAD_REQUEST, gateway, why)),
        Err(e) => Err(Answered::plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            gateway,
            format!("sandbox fault, not the request's: {e}"),
        )),
    }
}

/// Paybox Direct: the authentication first, then the responder.
fn answer_direct(sandbox: &Sandbox, path: &str, body: &[u8]) -> Answered {
    let fields = direct::parse_request(body);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    if !direct::is_request(|k| fields.iter().any(|(n, _)| n == k)) {
        return Answered::plain(
            StatusCode::BAD_REQUEST,
            "paybox-direct",
            "not a Paybox Direct request: expected a form body VERSION=…&TYPE=…&SITE=…&RANG=…&… (xmlbatch build --format paybox-direct writes them)",
        );
    }
    // What the gateway refuses before it runs anything: the frame, the
    // version, the shop, the authentication.
    let refusal = if let Some(problem) = direct::request_problem(&fields) {
        Some(problem)
    } else if !get(direct::SEAL_FIELD).is_empty() {
        let algorithm = match get(direct::ALGORITHM_FIELD) {
            "" => Ok(Algorithm::HmacSha512),
            name => Algorithm::parse(name, Scheme::PayboxDirect),
        };
        match algorithm {
            Err(e) => Some((
                direct::ACCESS_REFUSED,
                format!("access refused: HASH: {}", e.0),
            )),
            Ok(alg) => {
                let text = direct::seal_string(&fields).text;
                let computed = seal_of(
                    Scheme::PayboxDirect,
                    alg,
                    text.as_bytes(),
                    &sandbox.paybox_key,
                );
                (!same_seal(get(direct::SEAL_FIELD), &computed)).then(|| {
                    (direct::ACCESS_REFUSED, "access refused: the HMAC does not match the shop's key (seal verify --scheme paybox-direct says why)".to_string())
                })
            }
        }
    } else {
        (!paylot_cli::secret::same_secret(
            get(direct::PASSWORD_FIELD).as_bytes(),
            &sandbox.paybox_cle,
        ))
        .then(|| {
            (
                direct::ACCESS_REFUSED,
                "access refused: CLE is not the shop's".to_string(),
            )
        })
    };
    if let Some((code, why)) = refusal {
        let why = paylot_cli::text::safe(&why).into_owned();
        return Answered {
            status: StatusCode::OK,
            content_type: "text/plain; charset=ISO-8859-1",
            body: direct::refusal_line(&fields, code, &why),
            gateway: "paybox-direct",
            code: Some(code.into()),
            note: Some(why),
        };
    }
    match respond(sandbox, path, "paybox-direct", body) {
        Ok(answer) => {
            let code = direct::parse_answer(&answer)
                .into_iter()
                .find(|(k, _)| k == direct::CODE_FIELD)
                .map(|(_, v)| v);
            Answered {
                status: StatusCode::OK,
                content_type: "text/plain; charset=ISO-8859-1",
                body: answer,
                gateway: "paybox-direct",
                code,
                note: None,
            }
        }
        Err(a) => a,
    }
}

/// Sips Office Server JSON: the content type, the seal and keyVersion,
/// then the responder; every answer sealed.
fn answer_sips(sandbox: &Sandbox, path: &str, content_type: &str, body: &[u8]) -> Answered {
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
            gateway: "sips",
            code: None,
            note: Some("no Content-Type: application/json".into()),
        };
    }
    let request: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(m) => m,
        Err(e) => {
            return Answered::plain(
                StatusCode::BAD_REQUEST,
                "sips",
                format!("the request is not a JSON object: {e}"),
            )
        }
    };
    let text = |k: &str| match request.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let computed = json_seal(&request, Direction::Request, &sandbox.sips_key);
    let sealed_right = match (&computed, request.get(gateways::sips::seal::SEAL_FIELD)) {
        (Some(c), Some(Value::String(given))) => same_seal(given, c),
        _ => false,
    };
    let version_right = text(office::KEY_VERSION_FIELD) == sandbox.sips_key_version;
    let (mut response, note) = if sealed_right && version_right {
        match respond(sandbox, path, "sips", body) {
            Ok(answer) => match serde_json::from_slice::<Map<String, Value>>(&answer) {
                Ok(m) => (m, None),
                Err(e) => {
                    return Answered::plain(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "sips",
                        format!("sandbox fault, not the request's: the responder's answer is not a JSON object: {e}"),
                    )
                }
            },
            Err(a) => return a,
        }
    } else {
        let why = if !version_right {
            format!(
                "keyVersion is {}, the shop's key is version {}",
                gateways::show(&text(office::KEY_VERSION_FIELD)),
                sandbox.sips_key_version
            )
        } else {
            "the request's seal does not match the shop's key".to_string()
        };
        let mut m = Map::new();
        for k in ["merchantId", "transactionReference"] {
            let v = office::echo(&request, k);
            if !v.is_empty() {
                m.insert(k.into(), Value::String(v));
            }
        }
        m.insert(office::RESPONSE_CODE_FIELD.into(), "34".into());
        (m, Some(why))
    };
    response.remove(gateways::sips::seal::SEAL_FIELD);
    let code = match response.get(office::RESPONSE_CODE_FIELD) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    if let Some(seal) = json_seal(&response, Direction::Response, &sandbox.sips_key) {
        response.insert(gateways::sips::seal::SEAL_FIELD.into(), Value::String(seal));
    }
    let mut out = paylot_cli::json::to_vec(&Value::Object(response));
    out.push(b'\n');
    Answered {
        status: StatusCode::OK,
        content_type: "application/json",
        body: out,
        gateway: "sips",
        code,
        note,
    }
}
