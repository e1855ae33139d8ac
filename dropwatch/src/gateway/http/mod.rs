//! `dropwatch gateway --http`: the sandbox for the server-to-server
//! interfaces, answering as the gateways' test platforms do — in this
//! process, by the rules of `gateways::paybox::direct::gateway` and
//! `gateways::sips::server`, with a memory of what it answered
//! (`gateways::memory`, an SQLite file) — or through a `--responder`
//! command, after the checks the gateways make before anything else.
//!
//! What a client can rely on (docs/dropwatch.md says it for users):
//! - a request must arrive whole, headers and body, within `--timeout`
//!   of its first byte (408, or the connection closed), and hold at most
//!   [`MAX_BODY`] bytes (413); a request that has arrived whole is
//!   answered within `--timeout` more, waiting included (503 past it;
//!   a request waits for a responder half of `--timeout` at most, 503
//!   past it, so that no responder is started with no time left),
//!   and at most `--max-pending` are answered or waiting at once (503
//!   beyond, at once);
//! - a request sent whole is answered even if the client half-closes
//!   its side, and is answered and logged even if the client goes away;
//! - a client that stops reading its answers loses its connection after
//!   `--timeout`; the others are served meanwhile;
//! - every request is logged once, on stdout, when it is done;
//! - on SIGINT, SIGTERM or SIGHUP, the responders running are stopped
//!   with what they started, the requests in hand are answered and
//!   logged, then the sandbox ends (status 128 + the signal).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateways::memory::Memory;
use gateways::paybox::direct;
use gateways::schemes::{key_bytes, Scheme};
use gateways::sips::office;
use paylot_cli::json::{Lines, Record};
use paylot_cli::secret::SecretSource;
use paylot_cli::{Error, Outcome, Result};
use zeroize::Zeroizing;

use super::responder::{Responder, Running};
use super::Args;

mod answer;
mod conn;
mod ledger;
mod serve;

/// The largest request body taken (a Direct request is a few hundred
/// bytes, an Office Server request a few KB).
pub const MAX_BODY: usize = 64 * 1024;
/// The largest answer taken from the responder.
const MAX_ANSWER: usize = 256 * 1024;
/// Paybox Direct's path.
pub const DIRECT_PATH: &str = "/PPPS.php";
/// The page the official Verifone module asks for before any call
/// (PayboxByVerifone/PrestaShop `PayboxHelper::checkUrls`: a 200 at
/// `/load.html` of the platform's host, or "PaymentPlatform not
/// available").
pub const LOAD_PATH: &str = "/load.html";
/// At most this many responders run at once; the other requests wait,
/// half of `--timeout` at most (answer::respond).
const RUNNERS: usize = 16;
/// How many requests may be answered or waiting at once by default.
const MAX_PENDING: u32 = 256;

paylot_cli::secret_options! {
    /// The Paybox shop's HMAC key, what `xmlbatch build` reads with
    /// `--key-file`, under the sandbox's prefix.
    pub struct PayboxKeyArgs {
        file: paybox_key_file = "paybox-key-file",
        env: paybox_key_env = "paybox-key-env",
        what: "Paybox HMAC key",
        file_help: "--http, Paybox Direct: read the shop's HMAC key (hex) from PATH [default: the pre-production test key, 0123456789ABCDEF x 8]",
        env_help: "--http, Paybox Direct: the shop's HMAC key from the environment variable VAR",
        heading: "HTTP sandbox",
    }
}

paylot_cli::secret_options! {
    /// The Direct password accepted, what `xmlbatch build` reads with
    /// `--cle-file`, under the sandbox's prefix.
    pub struct PayboxCleArgs {
        file: paybox_cle_file = "paybox-cle-file",
        env: paybox_cle_env = "paybox-cle-env",
        what: "Direct password (CLE)",
        file_help: "--http, Paybox Direct: read the Direct password (CLE) accepted from PATH [default: 1999888I, the test shop's]",
        env_help: "--http, Paybox Direct: the CLE from the environment variable VAR",
        heading: "HTTP sandbox",
    }
}

paylot_cli::secret_options! {
    /// The Sips shop's secret key, what `seal` reads with `--key-file`,
    /// under the sandbox's prefix.
    pub struct SipsKeyArgs {
        file: sips_key_file = "sips-key-file",
        env: sips_key_env = "sips-key-env",
        what: "Sips secret key",
        file_help: "--http, Sips: read the shop's secret key from PATH [default: the Sogenactif test shop's, merchant 201040040170001]",
        env_help: "--http, Sips: the shop's secret key from the environment variable VAR",
        heading: "HTTP sandbox",
    }
}

/// The shop the HTTP sandbox plays: its keys, each by default the test
/// shop's published one.
#[derive(clap::Args, Debug, Clone)]
pub struct ShopKeys {
    #[command(flatten)]
    pub paybox_key: PayboxKeyArgs,
    #[command(flatten)]
    pub paybox_cle: PayboxCleArgs,
    #[command(flatten)]
    pub sips_key: SipsKeyArgs,
    /// --http, Sips: the version of the shop's key (a request with another gets responseCode 34)
    /// [default: 1]
    #[arg(long, value_name = "N", help_heading = "HTTP sandbox")]
    pub sips_key_version: Option<String>,
    /// --http: the time a request may take to arrive whole, and then to be answered
    /// [default: 10s]
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::duration_arg, help_heading = "HTTP sandbox")]
    pub timeout: Option<Duration>,
    /// --http: the sandbox's memory of the transactions it answered, an SQLite file
    /// [default: dropwatch-sandbox.db in the current directory]
    #[arg(long, value_name = "FILE", help_heading = "HTTP sandbox")]
    pub store: Option<PathBuf>,
    /// --http: forget every transaction of the store before serving
    #[arg(long, help_heading = "HTTP sandbox")]
    pub reset: bool,
    /// --http: the date the gateways believe, YYYY-MM-DD or YYYYMMDD (question numbers
    /// per day, remittance at the end of a capture's day, expiry dates) [default: today]
    #[arg(long, value_name = "D", value_parser = date_arg, help_heading = "HTTP sandbox")]
    pub date: Option<time::Date>,
    /// --http: at most N requests answered or waiting at once; more are answered 503
    /// [default: 256]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536), help_heading = "HTTP sandbox")]
    pub max_pending: Option<u32>,
}

/// clap value parser for `--date`: what `--date` takes in every tool.
fn date_arg(s: &str) -> std::result::Result<time::Date, String> {
    use gateways::calendar::{parse_day, DAY_FORMS};
    let format = time::macros::format_description!("[year][month][day]");
    parse_day(s)
        .and_then(|d| time::Date::parse(&d, &format).ok())
        .ok_or_else(|| format!("{s:?} is not a date (expected {DAY_FORMS}, e.g. 2026-12-24)"))
}

impl ShopKeys {
    /// The first of these options given, if any (they mean nothing
    /// without --http).
    pub fn given(&self) -> Option<&'static str> {
        let secrets = [
            self.paybox_key.given(),
            self.paybox_cle.given(),
            self.sips_key.given(),
        ];
        if let Some(option) = secrets.into_iter().flatten().next() {
            return Some(option);
        }
        [
            (self.sips_key_version.is_some(), "--sips-key-version"),
            (self.timeout.is_some(), "--timeout"),
            (self.store.is_some(), "--store"),
            (self.reset, "--reset"),
            (self.date.is_some(), "--date"),
            (self.max_pending.is_some(), "--max-pending"),
        ]
        .into_iter()
        .find(|(given, _)| *given)
        .map(|(_, name)| name)
    }
}

/// A secret from a file or a variable, or the published test value;
/// and where it came from, for messages.
fn secret(
    source: Option<SecretSource>,
    what: &str,
    default: &str,
) -> Result<(Zeroizing<Vec<u8>>, String)> {
    match source {
        Some(s) => {
            let secret = s.read(what, &mut |w| paylot_cli::warn(crate::cli::TOOL, w))?;
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

/// What every request is answered with.
struct Sandbox {
    paybox_key: Zeroizing<Vec<u8>>,
    paybox_cle: Zeroizing<Vec<u8>>,
    sips_key: Zeroizing<Vec<u8>>,
    sips_key_version: String,
    timeout: Duration,
    /// `None`: answered in this process.
    responder: Option<Responder>,
    running: Running,
    runners: tokio::sync::Semaphore,
    pending: Arc<tokio::sync::Semaphore>,
    ledger: ledger::Ledger,
    date: Option<time::Date>,
    log: Mutex<Lines>,
    /// Set when the reader of the log went away: the run ends.
    stop: tokio::sync::Notify,
    /// Set by a signal: new requests are answered 503.
    stopping: AtomicBool,
    /// Requests taken and not yet logged.
    in_hand: AtomicUsize,
}

impl Sandbox {
    /// Write a log line; a closed stdout ends the run quietly.
    fn emit(&self, record: &Record) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = log.emit(record) {
            if !e.is_broken_pipe() {
                paylot_cli::say(crate::cli::TOOL, &e);
            }
            self.stop.notify_one();
        }
    }

    /// The date the gateways believe.
    fn today(&self) -> time::Date {
        self.date.unwrap_or_else(gateways::calendar::today)
    }

    /// Stop the responders, wait (at most `--timeout` and a second) for
    /// the requests in hand to be answered and logged: what a signal
    /// does before the run ends.
    fn drain(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.running.kill_all();
        let deadline = std::time::Instant::now() + self.timeout + Duration::from_secs(1);
        while self.in_hand.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            // A responder started after the first sweep goes too.
            self.running.kill_all();
        }
    }
}

/// A request taken: counted until its log line is written.
struct InHand(Arc<Sandbox>);

impl InHand {
    fn new(sandbox: &Arc<Sandbox>) -> InHand {
        sandbox.in_hand.fetch_add(1, Ordering::SeqCst);
        InHand(sandbox.clone())
    }
}

impl Drop for InHand {
    fn drop(&mut self) {
        self.0.in_hand.fetch_sub(1, Ordering::SeqCst);
    }
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
        k.paybox_key.source(),
        PayboxKeyArgs::WHAT,
        gateways::paybox::hmac::TEST_KEY,
    )?;
    let paybox_key = key_bytes(Scheme::PayboxDirect, &paybox_hex)
        .map_err(|e| Error::trouble(format!("{origin}: {e}")))?;
    let (paybox_cle, origin) = secret(
        k.paybox_cle.source(),
        PayboxCleArgs::WHAT,
        direct::TEST_PASSWORD,
    )?;
    if let Some(why) = std::str::from_utf8(&paybox_cle).map_or(
        Some("the Direct password is not text"),
        direct::password_problem,
    ) {
        return Err(Error::trouble(format!("{origin}: {why}")));
    }
    let store = k
        .store
        .clone()
        .unwrap_or_else(|| gateways::memory::default_path(std::path::Path::new(".")));
    let memory = Memory::open(&store)
        .map_err(|e| Error::trouble(format!("{e} (give another place with --store FILE)")))?;
    if k.reset {
        memory.reset().map_err(|e| Error::trouble(e.to_string()))?;
    }
    let sandbox = Arc::new(Sandbox {
        paybox_key,
        paybox_cle,
        sips_key: secret(
            k.sips_key.source(),
            SipsKeyArgs::WHAT,
            office::TEST_SECRET_KEY,
        )?
        .0,
        sips_key_version,
        timeout,
        responder: a.responder.clone().map(|c| Responder::new(Some(c))),
        running: Running::default(),
        runners: tokio::sync::Semaphore::new(RUNNERS),
        pending: Arc::new(tokio::sync::Semaphore::new(
            k.max_pending.unwrap_or(MAX_PENDING) as usize,
        )),
        ledger: ledger::Ledger::start(memory)
            .map_err(|e| Error::io("starting the HTTP sandbox", e))?,
        date: k.date,
        log: Mutex::new(Lines::stdout()),
        stop: tokio::sync::Notify::new(),
        stopping: AtomicBool::new(false),
        in_hand: AtomicUsize::new(0),
    });
    if !addr.ip().is_loopback() {
        paylot_cli::warn(
            crate::cli::TOOL,
            format_args!("the HTTP sandbox listens on {addr}, beyond this machine: it answers anyone who can reach it"),
        );
    }
    let draining = sandbox.clone();
    paylot_cli::cleanup::drain_on_signal(move || draining.drain());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::io("starting the HTTP sandbox", e))?;
    runtime.block_on(run(addr, sandbox, store))
}

async fn run(addr: SocketAddr, sandbox: Arc<Sandbox>, store: PathBuf) -> Result<Outcome> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::io(format!("listening on {addr}"), e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io(format!("listening on {addr}"), e))?;
    let mut first = Record::new("listening")
        .with("address", local.to_string())
        .with("paybox_direct", format!("http://{local}{DIRECT_PATH}"))
        .with("sips", format!("http://{local}{}", office::SERVICE_PREFIX))
        .with("store", store.display().to_string());
    if let Some(d) = sandbox.date {
        first.set("date", d.to_string());
    }
    sandbox.emit(&first);
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
                            paylot_cli::say(crate::cli::TOOL, format_args!("HTTP sandbox: accepting a connection: {e} (said once until a connection is accepted again)"));
                        }
                        accept_errors += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve::connection(stream, peer, sandbox.clone()));
            }
            () = sandbox.stop.notified() => return Ok(Outcome::Yes),
        }
    }
}
