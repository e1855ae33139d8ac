//! The remote half of the drop lifecycle: the gateway's SFTP account as
//! the merchant reaches it (`dropwatch upload`, `wait`, `fetch`, `purge`).
//!
//! The SFTP protocol is spoken by openssh-sftp-client over the user's own
//! `ssh -s … sftp`: their ssh_config (or `--ssh-config`), keys, agent and
//! known_hosts apply as they do for `sftp`, and nothing here weakens them
//! (no host-key option is ever passed; `BatchMode=yes` only forbids a
//! prompt, which would hang a nightly job). The gateways' rules — which
//! names answer a request, what a rejection is called, where each file
//! goes — are `gateways::{lyra, paybox}`'s and `crate::file_kind`'s: this
//! module only moves files.

use std::future::Future;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use futures_core::Stream;
use gateways::Gateway;
use openssh_sftp_client::error::SftpErrorKind;
use openssh_sftp_client::{Sftp, SftpOptions};
use paylot_cli::{Error, Result};

use crate::cli::NamingOpts;
use crate::file_kind::{self, Kind};

pub mod answer;
pub mod purge;
pub mod upload;

/// What every remote command is given: the gateway, how to reach its
/// account, and where the account is.
#[derive(clap::Args, Debug)]
pub struct RemoteArgs {
    /// Which gateway's rules apply
    #[arg(long, value_enum, default_value = "lyra")]
    pub gateway: Gateway,
    #[command(flatten)]
    pub naming: NamingOpts,
    /// OpenSSH client configuration file, as ssh -F [default: the user's
    /// ~/.ssh/config, then /etc/ssh/ssh_config]
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// Port of the SFTP server, as ssh -p [default: the ssh
    /// configuration's, else 22; Paybox's is 5752]
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// How long connecting, or one request to the server, may take before
    /// the link is taken as cut
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::cli::duration_arg)]
    pub io_timeout: Duration,
    /// The gateway account: [USER@]HOST:DIR, where DIR holds request_ips
    /// and result_ips (Lyra; older accounts: depot and id) or in and out
    /// (Paybox); HOST may be a Host of the ssh configuration; an empty DIR
    /// is the login directory (HOST:)
    #[arg(value_name = "[USER@]HOST:DIR", value_parser = Remote::parse)]
    pub remote: Remote,
}

/// `[USER@]HOST:DIR`, as scp and sftp write it.
#[derive(Debug, Clone)]
pub struct Remote {
    pub host: String,
    pub dir: String,
}

impl Remote {
    pub fn parse(text: &str) -> std::result::Result<Remote, String> {
        let example = "expected [USER@]HOST:DIR, e.g. merchant@sftp.example:12345678 or paybox:";
        // A bracketed IPv6 address holds colons of its own.
        let after = match (text.find('['), text.find(']')) {
            (Some(open), Some(close)) if open < close => close,
            _ => 0,
        };
        let Some(colon) = text[after..].find(':').map(|i| i + after) else {
            // A local file in the account's place: the request given
            // before the account (`upload FILE HOST:DIR`).
            return Err(format!(
                "no colon: {example}; the account comes first, then the files or names"
            ));
        };
        let (host, dir) = (&text[..colon], &text[colon + 1..]);
        if host.is_empty() || host.starts_with('-') {
            return Err(format!("\"{host}\" is not a host: {example}"));
        }
        Ok(Remote {
            host: host.to_string(),
            dir: dir.trim_end_matches('/').to_string(),
        })
    }

    /// `DIR/name`, or `name` for the login directory.
    pub fn join(&self, name: &str) -> String {
        join(&self.dir, name)
    }

    /// How a remote path is shown: `HOST:PATH`.
    pub fn show(&self, path: &str) -> String {
        paylot_cli::quote(&format!("{}:{path}", self.host))
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// One file of a remote directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub size: u64,
    pub mtime: Option<SystemTime>,
    pub is_file: bool,
}

/// A connection to the account: `ssh -s HOST sftp` and the SFTP session
/// over its pipes, with the account's upload and answer directories.
pub struct Account<'a> {
    pub args: &'a RemoteArgs,
    sftp: Sftp,
    ssh: tokio::process::Child,
    /// ssh's stderr, read when the link fails to say why.
    ssh_log: std::fs::File,
    /// The upload and answer directories (`request_ips` and `result_ips`,
    /// or `in` and `out`), as paths on the server.
    pub upload: String,
    pub answers: String,
}

impl<'a> Account<'a> {
    /// Connect, and find the account's layout.
    pub async fn connect(args: &'a RemoteArgs) -> Result<Account<'a>> {
        let host = &args.remote.host;
        let ssh_log = tempfile::tempfile()
            .map_err(|e| Error::io("creating a temporary file for ssh's messages", e))?;
        let log_for_ssh = ssh_log
            .try_clone()
            .map_err(|e| Error::io("creating a temporary file for ssh's messages", e))?;
        let alive = (args.io_timeout.as_secs() / 4).max(1);
        let mut cmd = tokio::process::Command::new("ssh");
        cmd.args(["-o", "BatchMode=yes"])
            .arg("-o")
            .arg(format!(
                "ConnectTimeout={}",
                args.io_timeout.as_secs().max(1)
            ))
            .arg("-o")
            .arg(format!("ServerAliveInterval={alive}"))
            .args(["-o", "ServerAliveCountMax=4"]);
        if let Some(f) = &args.ssh_config {
            cmd.arg("-F").arg(f);
        }
        if let Some(p) = args.port {
            cmd.arg("-p").arg(p.to_string());
        }
        cmd.args(["-s", "--", host, "sftp"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_for_ssh))
            .kill_on_drop(true);
        let mut ssh = cmd.spawn().map_err(|e| {
            Error::io(
                "running ssh (the OpenSSH client: apt-get install openssh-client)",
                e,
            )
        })?;
        let (Some(stdin), Some(stdout)) = (ssh.stdin.take(), ssh.stdout.take()) else {
            return Err(Error::trouble("ssh: no pipes to talk to it"));
        };
        let started = tokio::time::timeout(
            args.io_timeout,
            Sftp::new(stdin, stdout, SftpOptions::new()),
        )
        .await;
        let sftp = match started {
            Ok(Ok(s)) => s,
            Ok(Err(_)) | Err(_) => {
                let _ = ssh.start_kill();
                let _ = tokio::time::timeout(Duration::from_secs(5), ssh.wait()).await;
                return Err(Error::trouble(format!(
                    "cannot open an SFTP session on {} with ssh{}",
                    paylot_cli::quote(host),
                    why_from_log(&ssh_log, started.is_err(), args.io_timeout)
                )));
            }
        };
        let mut account = Account {
            args,
            sftp,
            ssh,
            ssh_log,
            upload: String::new(),
            answers: String::new(),
        };
        let (upload, answers) = account.layout().await?;
        account.upload = args.remote.join(upload);
        account.answers = args.remote.join(answers);
        Ok(account)
    }

    /// The account's (upload, answer) directory names, by the gateway's
    /// layouts: the first whose upload directory is there.
    async fn layout(&self) -> Result<(&'static str, &'static str)> {
        let layouts = self.args.gateway.layouts();
        for (up, ans) in layouts {
            let path = self.args.remote.join(up);
            if self.stat(&path).await?.is_some_and(|e| !e.is_file) {
                return Ok((up, ans));
            }
        }
        let names: Vec<&str> = layouts.iter().map(|(up, _)| *up).collect();
        Err(Error::trouble(format!(
            "{}: no {} directory there: give the account's directory ({})",
            self.args.remote.show(&self.args.remote.dir),
            names.join(" or "),
            match self.args.gateway {
                Gateway::Lyra => "the shop's, e.g. HOST:12345678",
                Gateway::Paybox => "the one holding in and out, e.g. HOST: for the login directory",
            }
        )))
    }

    /// Run one request, bounded by `--io-timeout`; a failure says what was
    /// being done, where, and why (the server's words, or ssh's when the
    /// link is gone).
    pub async fn ask<T>(
        &self,
        what: &str,
        path: &str,
        fut: impl Future<Output = std::result::Result<T, openssh_sftp_client::Error>>,
    ) -> Result<T> {
        match self.ask_if_there(what, path, fut).await? {
            Some(t) => Ok(t),
            None => Err(Error::trouble(format!(
                "{what} {}: no such file or directory",
                self.args.remote.show(path)
            ))),
        }
    }

    /// [`Account::ask`], where a missing file is `None`.
    pub async fn ask_if_there<T>(
        &self,
        what: &str,
        path: &str,
        fut: impl Future<Output = std::result::Result<T, openssh_sftp_client::Error>>,
    ) -> Result<Option<T>> {
        use openssh_sftp_client::Error as E;
        match tokio::time::timeout(self.args.io_timeout, fut).await {
            Ok(Ok(t)) => Ok(Some(t)),
            Ok(Err(E::SftpError(SftpErrorKind::NoSuchFile, _))) => Ok(None),
            Ok(Err(e)) => Err(self.failure(what, path, &e)),
            Err(_) => Err(Error::trouble(format!(
                "{what} {}: no answer from the server within --io-timeout {}: the link is taken as cut",
                self.args.remote.show(path),
                paylot_cli::time::format_duration(self.args.io_timeout)
            ))),
        }
    }

    fn failure(&self, what: &str, path: &str, e: &openssh_sftp_client::Error) -> Error {
        use openssh_sftp_client::Error as E;
        let shown = self.args.remote.show(path);
        match e {
            E::SftpError(kind, msg) => {
                let words = match kind {
                    SftpErrorKind::PermDenied => "permission denied",
                    SftpErrorKind::OpUnsupported => "not supported by this server",
                    _ => msg.get().0,
                };
                Error::trouble(format!("{what} {shown}: {}", paylot_cli::safe(words)))
            }
            _ => Error::trouble(format!(
                "{what} {shown}: the link to the server was lost{}",
                why_from_log(&self.ssh_log, false, self.args.io_timeout)
            )),
        }
    }

    /// A file or directory's entry, or `None` when there is none.
    pub async fn stat(&self, path: &str) -> Result<Option<Entry>> {
        let mut fs = self.sftp.fs();
        let m = self
            .ask_if_there("looking at", path, fs.metadata(path))
            .await?;
        Ok(m.map(|m| Entry {
            name: path.rsplit('/').next().unwrap_or(path).to_string(),
            size: m.len().unwrap_or(0),
            mtime: m.modified().map(|t| t.as_system_time()),
            is_file: m.file_type().is_some_and(|t| t.is_file()),
        }))
    }

    /// The files and directories of `dir` (none when it does not exist:
    /// Lyra creates result_ips with its first answer).
    pub async fn list(&self, dir: &str) -> Result<Vec<Entry>> {
        let mut fs = self.sftp.fs();
        let Some(d) = self.ask_if_there("listing", dir, fs.open_dir(dir)).await? else {
            return Ok(Vec::new());
        };
        let mut entries = Box::pin(d.read_dir());
        let mut found = Vec::new();
        loop {
            let next = std::future::poll_fn(|cx| entries.as_mut().poll_next(cx));
            let Some(entry) = self
                .ask("listing", dir, async { next.await.transpose() })
                .await?
            else {
                break;
            };
            let name = entry.filename().to_string_lossy().into_owned();
            if name == "." || name == ".." {
                continue;
            }
            let m = entry.metadata();
            found.push(Entry {
                name,
                size: m.len().unwrap_or(0),
                mtime: m.modified().map(|t| t.as_system_time()),
                is_file: entry.file_type().is_some_and(|t| t.is_file()),
            });
        }
        Ok(found)
    }

    /// The files of the upload and answer directories, each with the
    /// directory it is in.
    pub async fn files(&self) -> Result<Vec<(String, Entry)>> {
        let mut all = Vec::new();
        for dir in [self.upload.clone(), self.answers.clone()] {
            for e in self.list(&dir).await? {
                if e.is_file {
                    all.push((dir.clone(), e));
                }
            }
        }
        Ok(all)
    }

    pub fn sftp(&self) -> &Sftp {
        &self.sftp
    }

    /// End the session and ssh.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(self.args.io_timeout, self.sftp.close()).await;
        let _ = self.ssh.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.ssh.wait()).await;
    }
}

/// ssh's last words (its stderr), for a failure's message.
fn why_from_log(log: &std::fs::File, timed_out: bool, limit: Duration) -> String {
    let mut text = String::new();
    let mut f = log;
    let _ = f.seek(SeekFrom::Start(0));
    let _ = f.take(4096).read_to_string(&mut text);
    let said: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut why = match said.len() {
        0 => String::new(),
        n => format!(": ssh said: {}", said[n.saturating_sub(3)..].join(" / ")),
    };
    if timed_out {
        why.push_str(&format!(
            " (no session within --io-timeout {})",
            paylot_cli::time::format_duration(limit)
        ));
    }
    if said
        .iter()
        .any(|l| l.contains("Host key verification failed") || l.contains("HOST IDENTIFICATION"))
    {
        why.push_str(
            "; the server's host key is not the one known_hosts holds for it (or none is): \
             check its fingerprint with the gateway, then add it (ssh-keyscan -p PORT HOST >> \
             ~/.ssh/known_hosts, or connect once with sftp); host keys are never skipped",
        );
    }
    why
}

/// What a file of the account is, for the request `request`: its answer,
/// a rejection of it, or nothing to do with it. The gateway's names, read
/// by `crate::file_kind` (a compressed answer counts as the answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meaning {
    /// The gateway's answer (Lyra ANS, Paybox `.status.xml`).
    Answer,
    /// A refusal: `_ERROR` / `_DUPLICATE`, or a Paybox `.err` file.
    Refusal,
}

/// What `name` means for `request`.
pub fn meaning(args: &RemoteArgs, name: &str, request: &str) -> Option<Meaning> {
    let classify = |n: &str| file_kind::classify(n, &[args.gateway], &args.naming.template);
    let (_, kind) = classify(name)?;
    let kind = match kind {
        Kind::Compressed { original } => classify(&original)?.1,
        k => k,
    };
    match kind {
        Kind::Answer { request: r } | Kind::Status { request: r } if r == request => {
            Some(Meaning::Answer)
        }
        Kind::Rejected { request: r, .. } | Kind::ErrorFile { request: r } if r == request => {
            Some(Meaning::Refusal)
        }
        _ => None,
    }
}

/// A one-thread runtime for a remote command (ssh's pipes and the SFTP
/// session's tasks).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the SFTP client's runtime", e))
}
