//! `dropwatch wait` and `dropwatch fetch`: the gateway's answer to one
//! request, on its account — waited for until it is there and complete,
//! then brought home whole.
//!
//! Which file answers a request, and which says it was refused, is read
//! from the names (`super::meaning`): Lyra's ANS in result_ips, or the
//! request renamed `_ERROR` / `_DUPLICATE` in request_ips; Paybox's
//! `.status.xml`, or `.err`. A file the server shows cannot say whether
//! the gateway is still writing it, so an answer counts as complete once
//! its size and time have not changed for `--settle`; a fetch also checks
//! that they did not change while it read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use paylot_cli::output::{Access, AtomicFile};
use paylot_cli::time::format_duration;
use paylot_cli::{Error, Outcome, Result};

use super::{join, meaning, runtime, Account, Entry, Meaning, RemoteArgs};
use crate::fsutil::quote_path;

#[derive(clap::Args, Debug)]
pub struct WaitArgs {
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Give up after this long (exit 2)
    #[arg(long, value_name = "DURATION", default_value = "12h", value_parser = crate::cli::duration_arg)]
    pub timeout: Duration,
    /// Look at the account this often
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = crate::cli::duration_arg)]
    pub every: Duration,
    #[command(flatten)]
    pub settle: SettleArg,
    /// The request's name, as uploaded
    #[arg(value_name = "NAME")]
    pub request: String,
}

#[derive(clap::Args, Debug)]
pub struct FetchArgs {
    #[command(flatten)]
    pub remote: RemoteArgs,
    #[command(flatten)]
    pub settle: SettleArg,
    #[command(flatten)]
    pub local: LocalArg,
    /// The requests' names, as uploaded: their answers are fetched
    #[arg(value_name = "NAME", required = true)]
    pub requests: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct SettleArg {
    /// An answer counts as complete once its size and time have not
    /// changed for this long (the gateway may still be writing it)
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = crate::cli::duration_arg)]
    pub settle: Duration,
}

#[derive(clap::Args, Debug)]
pub struct LocalArg {
    /// Local directory of the answers fetched (fetch writes there, purge
    /// removes from the server only what is there)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub local: PathBuf,
}

/// An answer (or refusal) of the request, on the account.
struct Found {
    dir: String,
    entry: Entry,
    meaning: Meaning,
}

impl Found {
    fn path(&self) -> String {
        join(&self.dir, &self.entry.name)
    }
}

/// The file answering `request`, if any: an answer before a refusal (a
/// name uploaded twice has both: the first's answer, the second's
/// `_DUPLICATE`).
async fn look(acc: &Account<'_>, request: &str) -> Result<Option<Found>> {
    let mut found: Option<Found> = None;
    for (dir, entry) in acc.files().await? {
        let Some(m) = meaning(acc.args, &entry.name, request) else {
            continue;
        };
        if found.as_ref().is_none_or(|f| f.meaning != Meaning::Answer) {
            found = Some(Found {
                dir,
                entry,
                meaning: m,
            });
        }
    }
    Ok(found)
}

/// Look again after `settle`: the same file, unchanged, or `None`.
async fn settled(acc: &Account<'_>, f: Found, settle: Duration) -> Result<Option<Found>> {
    if !settle.is_zero() {
        tokio::time::sleep(settle).await;
    }
    let now = acc.stat(&f.path()).await?;
    Ok(now
        .filter(|e| e.size == f.entry.size && e.mtime == f.entry.mtime)
        .map(|_| f))
}

pub fn wait(a: WaitArgs) -> Result<Outcome> {
    runtime()?.block_on(wait_for(&a))
}

async fn wait_for(a: &WaitArgs) -> Result<Outcome> {
    let deadline = Instant::now() + a.timeout;
    let remote = &a.remote.remote;
    let mut acc: Option<Account> = None;
    let mut said_waiting = false;
    let mut trouble: Option<Error> = None;
    loop {
        if acc.is_none() {
            match Account::connect(&a.remote).await {
                Ok(c) => acc = Some(c),
                Err(e) => {
                    say_retry(&e, trouble.is_none());
                    trouble = Some(e);
                }
            }
        }
        if let Some(c) = &acc {
            let looked = match look(c, &a.request).await {
                Ok(Some(f)) => settled(c, f, a.settle.settle).await,
                other => other,
            };
            match looked {
                Ok(Some(f)) => {
                    let outcome = say_answer(c, &f, &a.request).await;
                    if let Some(c) = acc.take() {
                        c.close().await;
                    }
                    return outcome;
                }
                Ok(None) if !said_waiting => {
                    said_waiting = true;
                    paylot_cli::say(
                        crate::cli::TOOL,
                        format_args!(
                            "waiting for the answer to {} on {} (a look every {}, for at most {})",
                            paylot_cli::quote(&a.request),
                            paylot_cli::quote(&remote.host),
                            format_duration(a.every),
                            format_duration(a.timeout)
                        ),
                    );
                }
                Ok(None) => {}
                Err(e) => {
                    // The link was cut: connect again at the next look.
                    say_retry(&e, trouble.is_none());
                    trouble = Some(e);
                    if let Some(c) = acc.take() {
                        c.close().await;
                    }
                }
            }
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        tokio::time::sleep(a.every.min(deadline - now)).await;
    }
    if let Some(c) = acc.take() {
        c.close().await;
    }
    let last = trouble
        .map(|e| format!(" (the last trouble: {})", e.message()))
        .unwrap_or_default();
    Err(Error::trouble(format!(
        "wait: no answer to {} on {} after {}: the gateway answers at its scheduled runs; wait longer (--timeout) or look at the account{last}",
        paylot_cli::quote(&a.request),
        paylot_cli::quote(&remote.host),
        format_duration(a.timeout)
    )))
}

fn say_retry(e: &Error, first: bool) {
    paylot_cli::say(crate::cli::TOOL, e);
    if first {
        paylot_cli::say(
            crate::cli::TOOL,
            "wait: connecting again at each look, until the answer or --timeout",
        );
    }
}

/// Say what the answer is: its name on stdout; for a refusal, why on
/// stderr (a Paybox `.err` file holds the reason) and exit 1.
async fn say_answer(acc: &Account<'_>, f: &Found, request: &str) -> Result<Outcome> {
    let mut out = paylot_cli::json::Lines::stdout();
    out.human(&f.entry.name)?;
    if f.meaning == Meaning::Answer {
        return Ok(Outcome::Yes);
    }
    let why = refusal_reason(acc, f).await;
    paylot_cli::say(
        crate::cli::TOOL,
        format_args!(
            "{} was refused by the gateway: {}{why}",
            paylot_cli::quote(request),
            acc.args.remote.show(&f.path())
        ),
    );
    Ok(Outcome::No)
}

/// The gateway's reason, where it gives one: the start of a `.err` file
/// (Paybox); for a Lyra rejection, what its suffix means.
async fn refusal_reason(acc: &Account<'_>, f: &Found) -> String {
    use gateways::lyra::names::{strip_decorations, Rejection};
    let (_, rejection, _) = strip_decorations(&f.entry.name);
    match rejection {
        Some(Rejection::Error) => {
            "; its name breaks the naming rule, or it is empty: upload it again under the next name (dropwatch name)".into()
        }
        Some(Rejection::Duplicate) => {
            "; that name was processed before: upload it again under the next name (dropwatch name)".into()
        }
        None => {
            let mut text = Vec::new();
            let path = f.path();
            let Ok(mut file) = acc.ask("opening", &path, acc.sftp().open(&path)).await else {
                return String::new();
            };
            if let Ok(Some(b)) = acc
                .ask("reading", &path, file.read(4096, bytes::BytesMut::new()))
                .await
            {
                text.extend_from_slice(&b);
            }
            let _ = acc.ask("closing", &path, file.close()).await;
            let text = String::from_utf8_lossy(&text);
            let first = text.lines().next().unwrap_or("").trim();
            if first.is_empty() {
                String::new()
            } else {
                format!(": \"{}\"", paylot_cli::safe(first))
            }
        }
    }
}

pub fn fetch(a: FetchArgs) -> Result<Outcome> {
    runtime()?.block_on(fetch_all(&a))
}

async fn fetch_all(a: &FetchArgs) -> Result<Outcome> {
    if !a.local.local.is_dir() {
        return Err(Error::trouble(format!(
            "{}: not a directory (give --local DIR, where the answers go)",
            quote_path(&a.local.local)
        )));
    }
    let acc = Account::connect(&a.remote).await?;
    let mut out = paylot_cli::json::Lines::stdout();
    let mut refused = false;
    let mut trouble: Option<Error> = None;
    for request in &a.requests {
        match fetch_one(&acc, a, request).await {
            Ok((path, m)) => {
                out.human(&path.to_string_lossy())?;
                refused |= m == Meaning::Refusal;
            }
            Err(e) => {
                paylot_cli::say(crate::cli::TOOL, &e);
                trouble = Some(e);
            }
        }
    }
    acc.close().await;
    if trouble.is_some() {
        return Err(Error::reported());
    }
    Ok(Outcome::from_bool(!refused))
}

/// Fetch the answer to `request` into `--local`, whole or not at all;
/// one fetched before is not fetched again.
async fn fetch_one(acc: &Account<'_>, a: &FetchArgs, request: &str) -> Result<(PathBuf, Meaning)> {
    let remote = &a.remote.remote;
    let Some(found) = look(acc, request).await? else {
        return Err(Error::trouble(format!(
            "fetch: no answer to {} on {} yet (dropwatch wait waits for it)",
            paylot_cli::quote(request),
            paylot_cli::quote(&remote.host)
        )));
    };
    let path = found.path();
    let local = a.local.local.join(&found.entry.name);
    if let Some(done) = fetched_before(&local, &found.entry)? {
        paylot_cli::say(
            crate::cli::TOOL,
            format_args!(
                "{}: fetched before ({}): not fetched again",
                remote.show(&path),
                quote_path(&done)
            ),
        );
        return Ok((local, found.meaning));
    }
    let meaning = found.meaning.clone();
    let Some(found) = settled(acc, found, a.settle.settle).await? else {
        return Err(Error::trouble(format!(
            "fetch: {} is still changing (the gateway may be writing it): try again later",
            remote.show(&path)
        )));
    };
    // Answers may hold card data: private from creation.
    let mut copy = AtomicFile::create(&local, Access::Private)?;
    let werr = |e| Error::io(format!("writing {}", quote_path(&local)), e);
    let written = read_remote(acc, &path, |b| copy.writer().write_all(b).map_err(werr)).await?;
    copy.writer().flush().map_err(werr)?;
    // Complete and final: the size and mtime unchanged, and the file read
    // again gives the same bytes. SFTP's times are whole seconds: a
    // gateway rewriting the answer, same size, within the second, leaves
    // the stat as it was, and the copy half the old file, half the new
    // (attack M6); a second read tells. Answers are small beside the
    // batches; the second read costs one more transfer of it.
    let changed = || {
        Error::trouble(format!(
            "fetch: {} changed while it was read: nothing written, try again later",
            remote.show(&path)
        ))
    };
    let after = acc.stat(&path).await?;
    if written.0 != found.entry.size
        || after.as_ref().map(|e| (e.size, e.mtime)) != Some((found.entry.size, found.entry.mtime))
    {
        return Err(changed());
    }
    let again = read_remote(acc, &path, |_| Ok(())).await?;
    if again != written {
        return Err(changed());
    }
    copy.commit()?;
    paylot_cli::say(
        crate::cli::TOOL,
        format_args!(
            "fetched {} into {} ({} bytes)",
            remote.show(&path),
            quote_path(&local),
            found.entry.size
        ),
    );
    Ok((local, meaning))
}

/// Read the remote file `path` whole, each piece given to `each`: its
/// length and SHA-256.
async fn read_remote(
    acc: &Account<'_>,
    path: &str,
    mut each: impl FnMut(&[u8]) -> Result<()>,
) -> Result<(u64, [u8; 32])> {
    use sha2::Digest as _;
    let mut digest = sha2::Sha256::new();
    let mut len = 0u64;
    let mut file = acc.ask("opening", path, acc.sftp().open(path)).await?;
    while let Some(b) = acc
        .ask(
            "reading",
            path,
            file.read(256 * 1024, bytes::BytesMut::new()),
        )
        .await?
    {
        digest.update(&b);
        len += b.len() as u64;
        each(&b)?;
    }
    acc.ask("closing", path, file.close()).await?;
    Ok((len, digest.finalize().into()))
}

/// A copy fetched before: `Some` when `local` is there with the size of
/// the file on the server; a different file of that name is never
/// overwritten.
pub(super) fn fetched_before(local: &Path, entry: &Entry) -> Result<Option<PathBuf>> {
    match std::fs::symlink_metadata(local) {
        Ok(m) if m.is_file() && m.len() == entry.size => Ok(Some(local.to_path_buf())),
        Ok(_) => Err(Error::trouble(format!(
            "{}: already there and not the file on the server ({} bytes there): not overwritten; move it away first",
            quote_path(local),
            entry.size
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(quote_path(local), e)),
    }
}
