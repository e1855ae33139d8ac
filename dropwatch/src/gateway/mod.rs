//! `dropwatch gateway`: a local sandbox that behaves like the gateways'
//! SFTP side, so that merchants can rehearse the whole exchange. The
//! gateways' rules (names, the order of the checks, what a rejected file
//! becomes) are those of `gateways::lyra::drop` and
//! `gateways::paybox::drop`; this module moves the files.
//!
//! Crash safety: before a request is handed to the responder its name is
//! recorded as seen and as pending in the state file (written atomically);
//! every later step (answer written under a temporary name then renamed,
//! request moved) is idempotent, and pending requests are finished first on
//! the next run. A kill at any point therefore loses no file, leaves no
//! half answer under its final name, and never answers a request twice.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use gateways::lyra::drop::{COMPRESS_AFTER, DELETE_AFTER};
use gateways::paybox::drop::ACCEPTED;
use paylot_cli::json::Lines;
use paylot_cli::output::{rename_durably, sync_dir};
use paylot_cli::{Error, Outcome, Result};

use crate::cli::NamingOpts;
use crate::fsutil::{self, quote_path};
use crate::state::{self, GatewayState, Pending};

mod events;
mod http;
mod lyra;
mod office_batch;
mod paybox;
mod responder;
mod used_ids;

use events::{answered_event, rejected_event, request_event};
use responder::Responder;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which gateway to play (drop directories)
    #[arg(long, alias = "scheme", value_enum, required_unless_present = "http")]
    pub gateway: Option<Played>,
    /// Serve the server-to-server interfaces over HTTP instead, on PORT or
    /// ADDR:PORT (127.0.0.1 unless an address is given; port 0 picks a
    /// free one, printed in the first line): Paybox Direct at /PPPS.php,
    /// Sips Office Server JSON under /rs-services/v2/
    #[arg(long, value_name = "[ADDR:]PORT", conflicts_with_all = ["gateway", "once", "state", "root"])]
    pub http: Option<String>,
    #[command(flatten)]
    pub shop: http::ShopKeys,
    /// Run one pass and exit (for tests and cron)
    #[arg(long, conflicts_with = "every")]
    pub once: bool,
    /// Run a pass every DURATION until killed
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::cli::duration_arg)]
    pub every: Duration,
    /// Command line run with `sh -c` for each request: request on stdin,
    /// answer on stdout [default: "xmlbatch respond", xmlbatch looked for
    /// next to dropwatch first, then on PATH]
    #[arg(long, value_name = "CMD")]
    pub responder: Option<String>,
    /// State file: names processed, last batch numbers, journal
    /// [default: ROOT/.dropwatch-gateway.json]
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Take a file only when no process has it open and its mtime is at
    /// least this old
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::cli::duration_arg)]
    pub settle: Duration,
    /// Lyra retention: compress files older than this
    #[arg(long, value_name = "DURATION", default_value = COMPRESS_AFTER, value_parser = crate::cli::duration_arg)]
    pub compress_after: Duration,
    /// Lyra retention: delete files older than this
    #[arg(long, value_name = "DURATION", default_value = DELETE_AFTER, value_parser = crate::cli::duration_arg)]
    pub delete_after: Duration,
    /// Lyra retention: delete _ERROR / _DUPLICATE files older than this
    #[arg(long, value_name = "DURATION", default_value = COMPRESS_AFTER, value_parser = crate::cli::duration_arg)]
    pub rejected_after: Duration,
    /// Do not apply retention
    #[arg(long)]
    pub no_retention: bool,
    /// Lyra: take each file at its scan, as the gateway's schedule says
    /// (--test-scans, --production-scans: by the file's mode and upload
    /// time, its mtime), and publish its answer at the start of the
    /// answer window; by default files are taken and answered at once
    #[arg(long, help_heading = "Lyra schedule")]
    pub on_schedule: bool,
    #[command(flatten)]
    pub schedule: crate::cli::ScheduleOpts,
    /// Paybox: file extension kept in in/ (repeatable); others are deleted
    #[arg(long, value_name = "EXT", default_values_t = vec![ACCEPTED.to_string()])]
    pub accept: Vec<String>,
    #[command(flatten)]
    pub naming: NamingOpts,
    /// The drop tree: ROOT/<shopId>/request_ips (Lyra) or ROOT/<merchant>/in (Paybox)
    #[arg(value_name = "ROOT", required_unless_present = "http")]
    pub root: Option<PathBuf>,
}

/// What the drop-directory sandbox plays: the gateways whose rules the
/// other commands know (`--gateway`), and Sips Office Batch, whose file
/// names and directories are not published: only the sandbox plays it,
/// on a tree of this project's choosing (`office_batch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Played {
    /// Paybox, E-Transactions, Up2pay
    Paybox,
    /// Lyra: Systempay, PayZen, Scellius, Sogecommerce
    Lyra,
    /// Worldline Sips Office Batch CSV (Sogenactif, Mercanet, Sherlock's)
    SipsOfficeBatch,
}

impl Played {
    /// The (upload, answer) directory names of an account, in the order
    /// they are looked for.
    fn layouts(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Played::Lyra => gateways::Gateway::Lyra.layouts(),
            // The Office Batch tree is this project's, in the Paybox
            // tree's words (office_batch.rs).
            Played::Paybox | Played::SipsOfficeBatch => gateways::Gateway::Paybox.layouts(),
        }
    }

    /// The name in events (`gateway`).
    pub fn as_str(self) -> &'static str {
        match self {
            Played::Paybox => gateways::Gateway::Paybox.as_str(),
            Played::Lyra => gateways::Gateway::Lyra.as_str(),
            Played::SipsOfficeBatch => "sips-office-batch",
        }
    }
}

/// Where the sandbox moves the Paybox and Office Batch requests it has
/// taken, beside the account's upload directory (Lyra moves them to its
/// answer directory).
pub const PROCESSED: &str = "processed";

/// Why a file could not be handled.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The pass cannot go on: the responder cannot be run at all, or the
    /// reader of our output went away. The request stays pending.
    #[error(transparent)]
    Stop(Error),
    /// This file could not be handled; the others are.
    #[error(transparent)]
    File(Error),
    /// A local fault while a request was handled (the responder crashed,
    /// a disk is full): nothing was done to the request, which is left in
    /// place and unclaimed for the next pass; the others are handled.
    #[error(transparent)]
    Local(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        if e.is_broken_pipe() {
            Failure::Stop(e)
        } else {
            Failure::File(e)
        }
    }
}

pub fn run(a: Args) -> Result<Outcome> {
    if let Some(addr) = a.http.clone() {
        return http::serve(&addr, &a);
    }
    if let Some(opt) = a.shop.given() {
        return Err(Error::usage(format!(
            "{opt} is for the HTTP sandbox (--http PORT); the drop-directory sandbox has no use for it"
        )));
    }
    let (Some(root), Some(family)) = (a.root.clone(), a.gateway) else {
        return Err(Error::usage(
            "give --gateway and ROOT (drop directories) or --http PORT",
        ));
    };
    if !fsutil::is_root_dir(&root) {
        return Err(Error::trouble(format!(
            "{}: not a directory (give the root of the drop tree)",
            quote_path(&root)
        )));
    }
    if let Some(state) = &a.state {
        state_outside_accounts(state, &root, family)?;
    }
    let schedule = match (a.on_schedule, family) {
        (false, _) => None,
        (true, Played::Lyra) => Some(a.schedule.schedule()?),
        (true, _) => {
            return Err(Error::usage(
                "--on-schedule is for --gateway lyra (the others publish no scan times)",
            ))
        }
    };
    let mut gw = Gateway::new(a, root, family);
    gw.schedule = schedule;
    let mut out = Lines::stdout();
    loop {
        gw.unsettled = 0;
        gw.waiting = 0;
        gw.pass(&mut out)?;
        if gw.args.once {
            if gw.waiting > 0 {
                paylot_cli::say(
                    crate::cli::TOOL,
                    format_args!(
                        "{} file(s) wait for their scan or their answer time (--on-schedule)",
                        gw.waiting
                    ),
                );
            }
            if gw.unsettled > 0 {
                paylot_cli::say(crate::cli::TOOL, format_args!(
                    "{} file(s) left for a later pass: still open, or changed less than --settle {} ago (--settle 0s takes a closed file at once)",
                    gw.unsettled,
                    paylot_cli::time::format_duration(gw.args.settle)
                ));
            }
            break;
        }
        std::thread::sleep(gw.args.every);
    }
    let failed = (gw.failures > 0).then(|| format!("{} file(s) could not be handled", gw.failures));
    if let Some(e) = fsutil::incomplete("gateway", gw.unreadable, failed, "") {
        return Err(e);
    }
    Ok(Outcome::Yes)
}

/// A `--state` file must not be one of the files the sandbox plays the
/// gateway on: in an account's upload directory it was taken as an
/// upload at the next pass (deleted as Paybox's unaccepted extension,
/// renamed `_ERROR` by Lyra), and with it the names seen and the batch
/// numbers, silently (a duplicate then answered as new); among the
/// answers or the requests taken, aged by the retention.
fn state_outside_accounts(state: &Path, root: &Path, family: Played) -> Result<()> {
    let dir = match state.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // A directory that does not exist yet is no drop directory.
    let (Ok(dir), Ok(root)) = (dir.canonicalize(), root.canonicalize()) else {
        return Ok(());
    };
    let (Some(name), Some(account)) = (dir.file_name().and_then(|n| n.to_str()), dir.parent())
    else {
        return Ok(());
    };
    let in_tree = account == root || account.parent() == Some(root.as_path());
    let drop_dir = family
        .layouts()
        .iter()
        .any(|(up, ans)| name == *up || name == *ans)
        || (name == PROCESSED && family != Played::Lyra);
    if in_tree && drop_dir {
        return Err(Error::usage(format!(
            "--state {}: inside the drop directory {}, where the sandbox takes every file as an \
             upload or an answer (the state would be lost with it): give a path outside the \
             accounts' directories, such as the default ROOT/.dropwatch-gateway.json",
            quote_path(state),
            quote_path(&dir)
        )));
    }
    Ok(())
}

struct Account {
    /// Directory name relative to ROOT (`.` for ROOT itself).
    name: String,
    dir: PathBuf,
    upload: &'static str,
    answer: &'static str,
}

/// Where one account's files go: its uploads, its answers, and where a
/// request is moved once answered (`processed/`; Lyra's answer
/// directory itself).
struct Dirs<'a> {
    account: &'a str,
    upload: PathBuf,
    answers: PathBuf,
    done: PathBuf,
}

struct Gateway {
    args: Args,
    root: PathBuf,
    family: Played,
    state_path: PathBuf,
    responder: Responder,
    failures: usize,
    /// Directories that could not be read (each said), counted apart
    /// from the files (`fsutil::incomplete`).
    unreadable: usize,
    /// Files left for a later pass: still open, or changed too recently.
    unsettled: usize,
    /// Lyra, on schedule: the scans (None: take and answer at once).
    schedule: Option<gateways::lyra::schedule::Schedule>,
    /// Files waiting for their scan or their answer time.
    waiting: usize,
}

impl Gateway {
    fn new(args: Args, root: PathBuf, family: Played) -> Gateway {
        let state_path = args
            .state
            .clone()
            .unwrap_or_else(|| root.join(".dropwatch-gateway.json"));
        let responder = Responder::new(args.responder.clone());
        Gateway {
            args,
            root,
            family,
            state_path,
            responder,
            failures: 0,
            unreadable: 0,
            unsettled: 0,
            schedule: None,
            waiting: 0,
        }
    }

    fn warn(&mut self, msg: impl std::fmt::Display) {
        paylot_cli::say(crate::cli::TOOL, msg);
        self.failures += 1;
    }

    /// Count a file's failure, or stop the pass.
    fn settle_failure(
        &mut self,
        r: std::result::Result<(), Failure>,
        dir: Option<&Path>,
    ) -> Result<()> {
        match r {
            Ok(()) => Ok(()),
            Err(Failure::Stop(e)) => Err(e),
            Err(Failure::File(e) | Failure::Local(e)) => {
                match dir {
                    Some(d) => self.warn(format_args!("{}: {e}", quote_path(d))),
                    None => self.warn(e),
                }
                Ok(())
            }
        }
    }

    fn pass(&mut self, out: &mut Lines) -> Result<()> {
        let mut st: GatewayState = state::load(&self.state_path)?;
        let accounts = self.accounts()?;
        for acc in accounts {
            let res = match self.family {
                Played::Lyra => self.lyra_account(&acc, &mut st, out),
                Played::Paybox => self.paybox_account(&acc, &mut st, out),
                Played::SipsOfficeBatch => self.office_batch_account(&acc, &mut st, out),
            };
            self.settle_failure(res, Some(&acc.dir))?;
        }
        Ok(())
    }

    /// Account directories: each real directory under ROOT holding an
    /// upload directory (and ROOT itself when it holds one), with the
    /// names of its upload and answer directories.
    fn accounts(&mut self) -> Result<Vec<Account>> {
        let mut v = Vec::new();
        if let Some((up, ans)) = self.layout_of(&self.root.clone()) {
            v.push(Account {
                name: ".".to_string(),
                dir: self.root.clone(),
                upload: up,
                answer: ans,
            });
        }
        let names =
            fsutil::names_in(&self.root).map_err(|e| fsutil::unreadable_dir(&self.root, e))?;
        for n in names {
            let Some(s) = n.to_str() else { continue };
            if s.starts_with('.') {
                continue;
            }
            let p = self.root.join(&n);
            if !fsutil::is_real_dir(&p) {
                continue;
            }
            if let Some((up, ans)) = self.layout_of(&p) {
                v.push(Account {
                    name: s.to_string(),
                    dir: p,
                    upload: up,
                    answer: ans,
                });
            }
        }
        Ok(v)
    }

    /// The (upload, answer) directory names used in an account directory,
    /// by the gateway's layouts. A symbolic link in their place is refused;
    /// a directory that cannot be looked into is said (and counted), never
    /// taken for one without an upload directory.
    fn layout_of(&mut self, dir: &Path) -> Option<(&'static str, &'static str)> {
        for (up, ans) in self.family.layouts() {
            let p = dir.join(up);
            match p.symlink_metadata() {
                Ok(m) if m.file_type().is_symlink() => {
                    self.warn(format_args!(
                        "{}: symbolic link refused, not followed",
                        quote_path(&p)
                    ));
                    return None;
                }
                Ok(m) if m.is_dir() => return Some((up, ans)),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    paylot_cli::say(crate::cli::TOOL, fsutil::unreadable_dir(&p, e));
                    self.unreadable += 1;
                    return None;
                }
            }
        }
        None
    }

    fn save(&self, st: &GatewayState) -> Result<()> {
        state::save(&self.state_path, st)
    }

    /// After a local fault `e` the request was unclaimed in `st`: save
    /// that, and say so in the error if the save failed too.
    fn save_unclaimed(&self, st: &GatewayState, e: Error) -> Error {
        match self.save(st) {
            Ok(()) => e,
            Err(s) => Error::trouble(format!("{e}; and the state could not be saved: {s}")),
        }
    }

    /// Whether a file is complete: nobody has it open (nor may have:
    /// [`fsutil::in_use`]) and its mtime is at least `--settle` old.
    fn complete(&mut self, path: &Path, meta: &fs::Metadata) -> bool {
        let done = fsutil::age(meta, SystemTime::now()) >= self.args.settle
            && fsutil::in_use(&[(path, meta)])[0].is_free();
        if !done {
            self.unsettled += 1;
        }
        done
    }

    /// An account's directories: the answers' and `done` (when the
    /// request is not moved among the answers) made if missing, and the
    /// temporaries a killed run left among the answers removed.
    fn dirs<'a>(&self, acc: &'a Account, done: Option<&str>) -> Result<Dirs<'a>> {
        let upload = acc.dir.join(acc.upload);
        let answers = self.inner_dir(&acc.dir, acc.answer)?;
        let done = match done {
            Some(d) => self.inner_dir(&acc.dir, d)?,
            None => answers.clone(),
        };
        paylot_cli::cleanup::remove_leftovers(crate::cli::TOOL, &answers);
        Ok(Dirs {
            account: &acc.name,
            upload,
            answers,
            done,
        })
    }

    /// Where a claimed request is read from to be answered: the upload
    /// directory, or where the run that was killed had moved it. Neither:
    /// said (`what` the request is called), and None.
    fn claimed(&mut self, p: &Pending, dirs: &Dirs, what: &str) -> Option<PathBuf> {
        let upload = dirs.upload.join(&p.name);
        let found = [&upload, &dirs.done.join(&p.name)]
            .into_iter()
            .find(|f| f.is_file())
            .cloned();
        if found.is_none() {
            self.warn(format_args!(
                "{}: pending {what} disappeared before it was answered",
                quote_path(&upload)
            ));
        }
        found
    }

    /// A real directory inside the account, created if missing.
    fn inner_dir(&self, account_dir: &Path, name: &str) -> Result<PathBuf> {
        let p = account_dir.join(name);
        match p.symlink_metadata() {
            Ok(m) if m.is_dir() => Ok(p),
            Ok(_) => Err(Error::trouble(format!(
                "{}: not a directory (symbolic links are refused)",
                quote_path(&p)
            ))),
            Err(_) => {
                fs::create_dir(&p)
                    .map_err(|e| Error::io(format!("creating {}", quote_path(&p)), e))?;
                sync_dir(account_dir);
                Ok(p)
            }
        }
    }
}

/// The upload `n` as a pass first looks at it: its path, its name and
/// its metadata (a link not followed); None for a hidden file (an upload
/// in progress under a temporary name) or a name `skip` says to pass over.
fn upload(
    dirs: &Dirs,
    n: &OsString,
    skip: impl Fn(&str) -> bool,
) -> Result<Option<(PathBuf, String, fs::Metadata)>> {
    let path = dirs.upload.join(n);
    let name = n.to_string_lossy().into_owned();
    if name.starts_with('.') || skip(&name) {
        return Ok(None);
    }
    let meta = path
        .symlink_metadata()
        .map_err(|e| Error::io(quote_path(&path), e))?;
    Ok(Some((path, name, meta)))
}

/// An answered request moved out of the upload directory to `done`,
/// durably; moved already (by the run that was killed), nothing to do.
fn move_done(p: &Pending, dirs: &Dirs) -> Result<()> {
    let from = dirs.upload.join(&p.name);
    if from.exists() {
        rename_durably(&from, &dirs.done.join(&p.name))
            .map_err(|e| Error::io(format!("moving {}", quote_path(&from)), e))?;
    }
    Ok(())
}

/// A refused upload at `path`: the reason written to `err` (one line,
/// `<name>: <why>`), the file moved to `done/<name>.rejected` (or `.2`, …),
/// a symbolic link removed, never followed.
fn set_aside(err: &Path, path: &Path, name: &str, why: &str, done: &Path) -> Result<()> {
    let reason = paylot_cli::safe(&format!("{name}: {why}")).into_owned();
    paylot_cli::output::write_atomically(err, format!("{reason}\n").as_bytes())?;
    let is_link = path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        fs::remove_file(path)
            .map_err(|e| Error::io(format!("removing {}", quote_path(path)), e))?;
    } else if path.exists() {
        let target = free_name(done, &OsString::from(name), ".rejected");
        paylot_cli::output::rename_durably(path, &target)
            .map_err(|e| Error::io(format!("moving {}", quote_path(path)), e))?;
    }
    Ok(())
}

/// `dir/<name><suffix>`, or with `.2`, `.3`… if taken (nothing is ever
/// overwritten).
fn free_name(dir: &Path, n: &OsString, suffix: &str) -> PathBuf {
    let mut base = n.clone();
    base.push(suffix);
    let first = dir.join(&base);
    if first.symlink_metadata().is_err() {
        return first;
    }
    let mut i = 2u64;
    loop {
        let mut b = base.clone();
        b.push(format!(".{i}"));
        let p = dir.join(&b);
        if p.symlink_metadata().is_err() {
            return p;
        }
        i += 1;
    }
}
