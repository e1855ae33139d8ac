//! `dropwatch gateway`: a local sandbox that behaves like the gateways'
//! SFTP side, so that merchants can rehearse the whole exchange.
//!
//! Crash safety: before a request is handed to the responder its name is
//! recorded as seen and as pending in the state file (written atomically);
//! every later step (answer written under a temporary name then renamed,
//! request moved) is idempotent, and pending requests are finished first on
//! the next run. A kill at any point therefore loses no file, leaves no
//! half answer under its final name, and never answers a request twice.

use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use paylot_cli::{Error, Outcome, Result};

use crate::events::{Event, Sink};
use crate::fsutil::{self, quote_path, rename_durably, OpenFiles};
use crate::name::question_of;
use crate::names::{self, Direction, LyraName, Rejection, Scheme};
use crate::state::{self, GatewayState, Pending};
use crate::sweep::{Policy, Sweeper};
use crate::NamingOpts;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which gateway to play
    #[arg(long, value_enum)]
    pub scheme: Scheme,
    /// Run one pass and exit (for tests and cron)
    #[arg(long, conflicts_with = "every")]
    pub once: bool,
    /// Run a pass every DURATION until killed
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::duration_arg)]
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
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::duration_arg)]
    pub settle: Duration,
    /// Lyra retention: compress files older than this
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = crate::duration_arg)]
    pub compress_after: Duration,
    /// Lyra retention: delete files older than this
    #[arg(long, value_name = "DURATION", default_value = "15d", value_parser = crate::duration_arg)]
    pub delete_after: Duration,
    /// Lyra retention: delete _ERROR / _DUPLICATE files older than this
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = crate::duration_arg)]
    pub rejected_after: Duration,
    /// Do not apply retention
    #[arg(long)]
    pub no_retention: bool,
    /// Paybox: file extension kept in in/ (repeatable); others are deleted
    #[arg(long, value_name = "EXT", default_values_t = vec!["xml".to_string()])]
    pub accept: Vec<String>,
    #[command(flatten)]
    pub naming: NamingOpts,
    /// The drop tree: ROOT/<shopId>/request_ips (Lyra) or ROOT/<merchant>/in (Paybox)
    #[arg(value_name = "ROOT")]
    pub root: PathBuf,
}

pub fn run(a: Args) -> Result<Outcome> {
    if !fsutil::is_real_dir(&a.root) {
        return Err(Error::trouble(format!(
            "{}: not a directory (give the root of the drop tree; symbolic links are not followed)",
            quote_path(&a.root)
        )));
    }
    let mut gw = Gateway::new(a);
    let mut sink = Sink::new();
    loop {
        gw.pass(&mut sink)?;
        sink.flush()?;
        if gw.args.once {
            break;
        }
        std::thread::sleep(gw.args.every);
    }
    if gw.failures > 0 {
        return Err(Error::trouble(format!(
            "gateway: {} file(s) could not be handled (see above)",
            gw.failures
        )));
    }
    Ok(Outcome::Yes)
}

struct Account {
    /// Directory name relative to ROOT (`.` for ROOT itself).
    name: String,
    dir: PathBuf,
    upload: &'static str,
    answer: &'static str,
}

/// Marks the error of a responder that could not be run at all.
const RESPONDER_NOT_RUN: &str = "the responder could not be run";

struct Gateway {
    args: Args,
    state_path: PathBuf,
    responder: String,
    failures: usize,
}

/// How a responder run ended.
enum Answer {
    Written,
    Failed(String),
}

impl Gateway {
    fn new(args: Args) -> Gateway {
        let state_path = args
            .state
            .clone()
            .unwrap_or_else(|| args.root.join(".dropwatch-gateway.json"));
        let responder = args.responder.clone().unwrap_or_else(default_responder);
        Gateway {
            args,
            state_path,
            responder,
            failures: 0,
        }
    }

    fn warn(&mut self, msg: String) {
        paylot_cli::say(crate::TOOL, msg);
        self.failures += 1;
    }

    fn pass(&mut self, sink: &mut Sink) -> Result<()> {
        let mut st: GatewayState = state::load(&self.state_path)?;
        let open = OpenFiles::scan();
        if let Some(dir) = self.state_path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            fsutil::remove_stale_temps(dir, &open);
        }
        let accounts = self.accounts()?;
        for acc in accounts {
            let res = match self.args.scheme {
                Scheme::Lyra => self.lyra_account(&acc, &mut st, &open, sink),
                Scheme::Paybox => self.paybox_account(&acc.name, &acc.dir, &mut st, &open, sink),
            };
            if let Err(e) = res {
                if e.is_broken_pipe() || e.message().contains(RESPONDER_NOT_RUN) {
                    return Err(e);
                }
                self.warn(format!("{}: {}", quote_path(&acc.dir), e.message()));
            }
            sink.flush()?;
        }
        Ok(())
    }

    /// Account directories: each real directory under ROOT holding an
    /// upload directory (and ROOT itself when it holds one), with the
    /// names of its upload and answer directories.
    fn accounts(&mut self) -> Result<Vec<Account>> {
        let mut v = Vec::new();
        if let Some((up, ans)) = self.layout_of(&self.args.root.clone()) {
            v.push(Account {
                name: ".".to_string(),
                dir: self.args.root.clone(),
                upload: up,
                answer: ans,
            });
        }
        let names = fsutil::names_in(&self.args.root)
            .map_err(|e| Error::io(format!("reading {}", quote_path(&self.args.root)), e))?;
        for n in names {
            let Some(s) = n.to_str() else { continue };
            if s.starts_with('.') {
                continue;
            }
            let p = self.args.root.join(&n);
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

    /// The (upload, answer) directory names used in an account directory:
    /// Lyra `request_ips`/`result_ips`, or the older `depot`/`id`; Paybox
    /// `in`/`out`. A symbolic link in their place is refused.
    fn layout_of(&mut self, dir: &Path) -> Option<(&'static str, &'static str)> {
        let layouts: &[(&'static str, &'static str)] = match self.args.scheme {
            Scheme::Lyra => &[("request_ips", "result_ips"), ("depot", "id")],
            Scheme::Paybox => &[("in", "out")],
        };
        for (up, ans) in layouts {
            let p = dir.join(up);
            match p.symlink_metadata() {
                Ok(m) if m.file_type().is_symlink() => {
                    self.warn(format!(
                        "{}: symbolic link refused, not followed",
                        quote_path(&p)
                    ));
                    return None;
                }
                Ok(m) if m.is_dir() => return Some((up, ans)),
                _ => {}
            }
        }
        None
    }

    fn save(&self, st: &GatewayState) -> Result<()> {
        state::save(&self.state_path, st)
    }

    /// Whether a file is complete: nobody has it open and its mtime is at
    /// least `--settle` old.
    fn complete(&self, meta: &fs::Metadata, open: &OpenFiles) -> bool {
        open.holder(meta).is_none() && fsutil::age(meta, SystemTime::now()) >= self.args.settle
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
                fsutil::sync_dir(account_dir);
                Ok(p)
            }
        }
    }

    /// Run the responder: `input` on stdin, stdout into a temporary file
    /// renamed to `answer` only after success and fsync.
    fn respond(&self, input: &Path, answer: &Path, env: &[(&str, &str)]) -> Result<Answer> {
        let tmp = fsutil::temp_for(answer);
        let stdin = File::open(input)
            .map_err(|e| Error::io(format!("opening {}", quote_path(input)), e))?;
        let stdout = File::create(&tmp)
            .map_err(|e| Error::io(format!("creating {}", quote_path(&tmp)), e))?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&self.responder)
            .stdin(Stdio::from(stdin))
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = match cmd.output() {
            Ok(o) => o,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(Error::io("running the responder with sh -c", e));
            }
        };
        let size = fs::metadata(&tmp).map(|m| m.len()).unwrap_or(0);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stderr = stderr.trim();
        let code = out.status.code();
        if matches!(code, Some(126 | 127)) {
            // sh could not find or execute the command: a setup problem,
            // not the request's fault. The request stays pending.
            let _ = fs::remove_file(&tmp);
            return Err(Error::trouble(format!(
                "{RESPONDER_NOT_RUN} (sh -c exited with status {}: {}): check --responder (default: xmlbatch respond, xmlbatch next to dropwatch or on PATH); the request stays pending",
                code.unwrap_or_default(),
                stderr.chars().take(500).collect::<String>()
            )));
        }
        let failed = match code {
            Some(0) | Some(1) if size > 0 => None,
            Some(0) | Some(1) => Some("the responder wrote no answer".to_string()),
            Some(c) => Some(format!("the responder exited with status {c}")),
            None => Some("the responder was killed by a signal".to_string()),
        };
        if let Some(mut why) = failed {
            let _ = fs::remove_file(&tmp);
            if !stderr.is_empty() {
                why.push_str(": ");
                why.push_str(&stderr.chars().take(2000).collect::<String>());
            }
            return Ok(Answer::Failed(why));
        }
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .and_then(|_| rename_durably(&tmp, answer))
            .map_err(|e| {
                let _ = fs::remove_file(&tmp);
                Error::io(format!("writing {}", quote_path(answer)), e)
            })?;
        Ok(Answer::Written)
    }

    // -----------------------------------------------------------------
    // Lyra

    fn lyra_account(
        &mut self,
        acc: &Account,
        st: &mut GatewayState,
        open: &OpenFiles,
        sink: &mut Sink,
    ) -> Result<()> {
        let account = acc.name.as_str();
        let req_dir = acc.dir.join(acc.upload);
        let res_dir = self.inner_dir(&acc.dir, acc.answer)?;
        fsutil::remove_stale_temps(&res_dir, open);
        // Finish what a killed run left pending.
        let pending: Vec<Pending> = st
            .pending
            .iter()
            .filter(|p| p.account == account)
            .cloned()
            .collect();
        for p in pending {
            self.lyra_finish(&p, &req_dir, &res_dir, st, sink)?;
        }
        let names = fsutil::names_in(&req_dir)
            .map_err(|e| Error::io(format!("reading {}", quote_path(&req_dir)), e))?;
        for n in names {
            if let Err(e) = self.lyra_file(account, &req_dir, &res_dir, &n, st, open, sink) {
                if e.is_broken_pipe() || e.message().contains(RESPONDER_NOT_RUN) {
                    return Err(e);
                }
                self.warn(e.message().to_string());
            }
        }
        if !self.args.no_retention {
            let mut sw = Sweeper::new(Policy {
                compress_after: self.args.compress_after,
                delete_after: self.args.delete_after,
                rejected_after: self.args.rejected_after,
                dry_run: false,
            });
            sw.sweep(&req_dir, sink)?;
            sw.sweep(&res_dir, sink)?;
            self.failures += sw.failures;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn lyra_file(
        &mut self,
        account: &str,
        req_dir: &Path,
        res_dir: &Path,
        n: &OsString,
        st: &mut GatewayState,
        open: &OpenFiles,
        sink: &mut Sink,
    ) -> Result<()> {
        let path = req_dir.join(n);
        let lossy = n.to_string_lossy().into_owned();
        // Hidden files: uploads in progress under a temporary name.
        if lossy.starts_with('.') {
            return Ok(());
        }
        // Ignored by later scans.
        let (_, rejected, gz) = names::strip_decorations(&lossy);
        if rejected.is_some() || gz {
            return Ok(());
        }
        let meta = path
            .symlink_metadata()
            .map_err(|e| Error::io(quote_path(&path), e))?;
        if meta.file_type().is_symlink() {
            return self.lyra_reject(
                account,
                &path,
                n,
                Rejection::Error,
                "symbolic link refused (not followed)",
                sink,
            );
        }
        if !meta.is_file() {
            return Ok(());
        }
        if !self.complete(&meta, open) {
            return Ok(());
        }
        let name = match n.to_str() {
            Some(s) => s.to_string(),
            None => {
                return self.lyra_reject(
                    account,
                    &path,
                    n,
                    Rejection::Error,
                    "bad name: not valid UTF-8",
                    sink,
                )
            }
        };
        // (1) naming rule, (2) empty, (3) duplicate — the gateway's order.
        if let Some(why) = names::lyra_request_problem(&name) {
            return self.lyra_reject(account, &path, n, Rejection::Error, &why, sink);
        }
        if meta.len() == 0 {
            return self.lyra_reject(
                account,
                &path,
                n,
                Rejection::Error,
                "empty file (0 bytes)",
                sink,
            );
        }
        let in_results = res_dir.join(&name).exists()
            || fsutil::append_ext(&res_dir.join(&name), names::GZ_SUFFIX).exists();
        let seen = st
            .seen
            .get(account)
            .map(|s| s.contains(&name))
            .unwrap_or(false);
        if seen || in_results {
            return self.lyra_reject(
                account,
                &path,
                n,
                Rejection::Duplicate,
                "name already processed",
                sink,
            );
        }
        // Claim: record before acting.
        st.seen
            .entry(account.to_string())
            .or_default()
            .insert(name.clone());
        let p = Pending {
            account: account.to_string(),
            name,
        };
        st.pending.push(p.clone());
        self.save(st)?;
        self.lyra_finish(&p, req_dir, res_dir, st, sink)
    }

    fn lyra_reject(
        &mut self,
        account: &str,
        path: &Path,
        n: &OsString,
        why: Rejection,
        detail: &str,
        sink: &mut Sink,
    ) -> Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let target = free_name(dir, n, why.suffix());
        rename_durably(path, &target)
            .map_err(|e| Error::io(format!("renaming {}", quote_path(path)), e))?;
        sink.emit(
            &Event::new("request_rejected")
                .with("scheme", "lyra")
                .with("account", account)
                .with("request", n.to_string_lossy().into_owned())
                .with("reason", why.as_str())
                .with("detail", detail)
                .with("path", target.to_string_lossy().into_owned())
                .with("time", fsutil::now_rfc3339()),
        )
    }

    /// Finish a claimed request; idempotent.
    fn lyra_finish(
        &mut self,
        p: &Pending,
        req_dir: &Path,
        res_dir: &Path,
        st: &mut GatewayState,
        sink: &mut Sink,
    ) -> Result<()> {
        let req_in = req_dir.join(&p.name);
        let req_out = res_dir.join(&p.name);
        let ans_name = LyraName::parse(&p.name)
            .map(|n| n.with_direction(Direction::Ans).to_string())
            .ok_or_else(|| Error::trouble(format!("state: bad pending name \"{}\"", p.name)))?;
        let ans = res_dir.join(&ans_name);
        let mut event = None;
        if !ans.exists() {
            let source = if req_in.is_file() {
                Some(req_in.clone())
            } else if req_out.is_file() {
                Some(req_out.clone())
            } else {
                None
            };
            match source {
                None => {
                    self.warn(format!(
                        "{}: pending request disappeared before it was answered",
                        quote_path(&req_in)
                    ));
                }
                Some(src) => {
                    let env = [
                        ("DROPWATCH_SCHEME", "lyra"),
                        ("DROPWATCH_ACCOUNT", p.account.as_str()),
                        ("DROPWATCH_REQUEST", p.name.as_str()),
                        ("DROPWATCH_ANSWER", ans_name.as_str()),
                    ];
                    match self.respond(&src, &ans, &env)? {
                        Answer::Written => {}
                        Answer::Failed(why) => {
                            if req_in.exists() {
                                let n = OsString::from(&p.name);
                                self.lyra_reject(
                                    &p.account,
                                    &req_in,
                                    &n,
                                    Rejection::Error,
                                    &why,
                                    sink,
                                )?;
                            }
                            st.pending.retain(|q| q != p);
                            return self.save(st);
                        }
                    }
                }
            }
        }
        if req_in.exists() {
            rename_durably(&req_in, &req_out)
                .map_err(|e| Error::io(format!("moving {}", quote_path(&req_in)), e))?;
        }
        if ans.exists() {
            event = Some(
                Event::new("request_answered")
                    .with("scheme", "lyra")
                    .with("account", p.account.as_str())
                    .with("request", p.name.as_str())
                    .with("answer", ans_name.as_str())
                    .with("path", ans.to_string_lossy().into_owned())
                    .with("size", fs::metadata(&ans).map(|m| m.len()).unwrap_or(0))
                    .with("time", fsutil::now_rfc3339()),
            );
        }
        st.pending.retain(|q| q != p);
        self.save(st)?;
        if let Some(ev) = event {
            sink.emit(&ev)?;
        }
        Ok(())
    }

    // -----------------------------------------------------------------
    // Paybox

    fn paybox_account(
        &mut self,
        account: &str,
        dir: &Path,
        st: &mut GatewayState,
        open: &OpenFiles,
        sink: &mut Sink,
    ) -> Result<()> {
        let in_dir = dir.join("in");
        let out_dir = self.inner_dir(dir, "out")?;
        let done_dir = self.inner_dir(dir, "processed")?;
        fsutil::remove_stale_temps(&out_dir, open);
        let pending: Vec<Pending> = st
            .pending
            .iter()
            .filter(|p| p.account == account)
            .cloned()
            .collect();
        for p in pending {
            self.paybox_finish(&p, &in_dir, &out_dir, &done_dir, st, sink)?;
        }
        let t = self.args.naming.template.clone();
        let mut candidates = Vec::new();
        let names = fsutil::names_in(&in_dir)
            .map_err(|e| Error::io(format!("reading {}", quote_path(&in_dir)), e))?;
        for n in names {
            let path = in_dir.join(&n);
            let Ok(meta) = path.symlink_metadata() else {
                continue;
            };
            let lossy = n.to_string_lossy().into_owned();
            // Hidden files: uploads in progress under a temporary name.
            if lossy.starts_with('.') {
                continue;
            }
            if meta.file_type().is_symlink() {
                // Never followed: the link itself is removed.
                self.paybox_reject(
                    account,
                    &path,
                    &lossy,
                    "symlink",
                    "symbolic link refused (not followed)",
                    &out_dir,
                    &done_dir,
                    sink,
                )?;
                continue;
            }
            if !meta.is_file() || !self.complete(&meta, open) {
                continue;
            }
            let accepted = self
                .args
                .accept
                .iter()
                .any(|ext| lossy.len() > ext.len() + 1 && lossy.ends_with(&format!(".{ext}")));
            if !accepted || n.to_str().is_none() {
                fs::remove_file(&path)
                    .map_err(|e| Error::io(format!("deleting {}", quote_path(&path)), e))?;
                fsutil::sync_dir(&in_dir);
                sink.emit(
                    &Event::new("file_deleted")
                        .with("scheme", "paybox")
                        .with("account", account)
                        .with_path(&path)
                        .with("reason", "extension")
                        .with(
                            "detail",
                            format!(
                                "extension not accepted (accepted: {})",
                                self.args.accept.join(", ")
                            ),
                        )
                        .with("time", fsutil::now_rfc3339()),
                )?;
                continue;
            }
            let Some(q) = t.parse_name(&lossy) else {
                let why = t.problem(&lossy).unwrap_or_default();
                self.paybox_reject(
                    account, &path, &lossy, "name", &why, &out_dir, &done_dir, sink,
                )?;
                continue;
            };
            if meta.len() == 0 {
                self.paybox_reject(
                    account,
                    &path,
                    &lossy,
                    "empty",
                    "empty file (0 bytes)",
                    &out_dir,
                    &done_dir,
                    sink,
                )?;
                continue;
            }
            candidates.push((q.merchant_key(), q.batch, lossy));
        }
        candidates.sort();
        // Batch numbers already taken, also from processed/ (if the state
        // file was lost).
        let done_names = fsutil::name_set(&done_dir);
        for (key, batch, name) in candidates {
            let state_key = format!("{account}/{key}");
            let from_state = st.last_batch.get(&state_key).copied().unwrap_or(0);
            let from_done = done_names
                .iter()
                .filter(|d| !d.contains(".rejected"))
                .filter_map(|d| question_of(d, &t))
                .filter(|q| q.merchant_key() == key)
                .map(|q| q.batch)
                .max()
                .unwrap_or(0);
            let last = from_state.max(from_done);
            let path = in_dir.join(&name);
            if batch <= last {
                let why = format!("batch number {batch} is not greater than the last one ({last})");
                self.paybox_reject(
                    account, &path, &name, "batch", &why, &out_dir, &done_dir, sink,
                )?;
                continue;
            }
            st.last_batch.insert(state_key, batch);
            let p = Pending {
                account: account.to_string(),
                name,
            };
            st.pending.push(p.clone());
            self.save(st)?;
            self.paybox_finish(&p, &in_dir, &out_dir, &done_dir, st, sink)?;
        }
        Ok(())
    }

    /// Write `<stem>.err` with the reason, then move the file away from
    /// in/ (a symbolic link is removed, never followed).
    #[allow(clippy::too_many_arguments)]
    fn paybox_reject(
        &mut self,
        account: &str,
        path: &Path,
        name: &str,
        code: &str,
        why: &str,
        out_dir: &Path,
        done_dir: &Path,
        sink: &mut Sink,
    ) -> Result<()> {
        let err = out_dir.join(format!("{}.err", names::question_stem(name)));
        let reason = paylot_cli::safe(&format!("{name}: {why}")).into_owned();
        fsutil::write_atomically(&err, format!("{reason}\n").as_bytes())?;
        let is_link = path
            .symlink_metadata()
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
        if is_link {
            fs::remove_file(path)
                .map_err(|e| Error::io(format!("removing {}", quote_path(path)), e))?;
        } else if path.exists() {
            let target = free_name(done_dir, &OsString::from(name), ".rejected");
            rename_durably(path, &target)
                .map_err(|e| Error::io(format!("moving {}", quote_path(path)), e))?;
        }
        sink.emit(
            &Event::new("question_rejected")
                .with("scheme", "paybox")
                .with("account", account)
                .with("request", name)
                .with("reason", code)
                .with("detail", why)
                .with("path", err.to_string_lossy().into_owned())
                .with("time", fsutil::now_rfc3339()),
        )
    }

    fn paybox_finish(
        &mut self,
        p: &Pending,
        in_dir: &Path,
        out_dir: &Path,
        done_dir: &Path,
        st: &mut GatewayState,
        sink: &mut Sink,
    ) -> Result<()> {
        let q_in = in_dir.join(&p.name);
        let q_done = done_dir.join(&p.name);
        let stem = names::question_stem(&p.name);
        let status_name = format!("{stem}.status.xml");
        let status = out_dir.join(&status_name);
        let err = out_dir.join(format!("{stem}.err"));
        let mut event = None;
        if !status.exists() && !err.exists() {
            let source = if q_in.is_file() {
                Some(q_in.clone())
            } else if q_done.is_file() {
                Some(q_done.clone())
            } else {
                None
            };
            if let Some(src) = source {
                let env = [
                    ("DROPWATCH_SCHEME", "paybox"),
                    ("DROPWATCH_ACCOUNT", p.account.as_str()),
                    ("DROPWATCH_REQUEST", p.name.as_str()),
                    ("DROPWATCH_ANSWER", status_name.as_str()),
                ];
                if let Answer::Failed(why) = self.respond(&src, &status, &env)? {
                    fsutil::write_atomically(&err, format!("{}: {why}\n", p.name).as_bytes())?;
                    event = Some(
                        Event::new("question_rejected")
                            .with("scheme", "paybox")
                            .with("account", p.account.as_str())
                            .with("request", p.name.as_str())
                            .with("reason", "responder")
                            .with("detail", why)
                            .with("path", err.to_string_lossy().into_owned()),
                    );
                }
            } else {
                self.warn(format!(
                    "{}: pending Question disappeared before it was answered",
                    quote_path(&q_in)
                ));
            }
        }
        if q_in.exists() {
            rename_durably(&q_in, &q_done)
                .map_err(|e| Error::io(format!("moving {}", quote_path(&q_in)), e))?;
        }
        if event.is_none() && status.exists() {
            event = Some(
                Event::new("question_answered")
                    .with("scheme", "paybox")
                    .with("account", p.account.as_str())
                    .with("request", p.name.as_str())
                    .with("answer", status_name.as_str())
                    .with("path", status.to_string_lossy().into_owned())
                    .with("size", fs::metadata(&status).map(|m| m.len()).unwrap_or(0)),
            );
        }
        st.pending.retain(|q| q != p);
        self.save(st)?;
        if let Some(mut ev) = event {
            ev.set("time", fsutil::now_rfc3339());
            sink.emit(&ev)?;
        }
        Ok(())
    }
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
    for i in 2.. {
        let mut b = base.clone();
        b.push(format!(".{i}"));
        let p = dir.join(&b);
        if p.symlink_metadata().is_err() {
            return p;
        }
    }
    unreachable!()
}

/// `xmlbatch respond`, with xmlbatch taken next to this executable when it
/// is there.
fn default_responder() -> String {
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            let x = dir.join("xmlbatch");
            if x.is_file() {
                return format!("{} respond", shell_quote(&x.to_string_lossy()));
            }
        }
    }
    "xmlbatch respond".to_string()
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
