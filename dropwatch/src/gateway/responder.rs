//! The responder: the command that plays the gateway's back office for
//! one request (`xmlbatch respond` by default), run with `sh -c`, the
//! request on its stdin, the answer on its stdout.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use paylot_cli::output::{Access, AtomicFile};
use paylot_cli::Error;

use super::{Failure, Played};
use crate::fsutil::quote_path;
use crate::state::Pending;

/// How a responder run ended.
pub enum Answered {
    /// The answer is in place.
    Written,
    /// The responder refused the request, as the gateway would (exit 1):
    /// why, in words (its stderr).
    Refused(String),
}

/// The command line run for each request.
///
/// The protocol: the request on stdin; exit 0 with the answer on stdout;
/// exit 1 to refuse the request as the gateway would (the reason on
/// stderr: the request is rejected, `.err` or `_ERROR`); any other end —
/// another status, a signal, no answer, an answer that cannot be written
/// (a full disk) — is a local fault: the request is left untouched for
/// the next pass and the pass ends in trouble, since nothing the merchant
/// did is wrong.
pub struct Responder {
    pub command: String,
    /// Whether this is the default responder (`xmlbatch respond`), which
    /// reads clear Questions only.
    pub is_default: bool,
}

impl Responder {
    /// The `--responder` command, or `xmlbatch respond` (xmlbatch taken
    /// next to this executable when it is there).
    pub fn new(command: Option<String>) -> Responder {
        Responder {
            is_default: command.is_none(),
            command: command.unwrap_or_else(default_responder),
        }
    }

    /// Answer a pending request of the sandbox playing `played`: the
    /// responder reads `input` and writes `answer`, told which request it
    /// answers by its environment, the same for every gateway played
    /// (`DROPWATCH_SCHEME`, `DROPWATCH_ACCOUNT`, `DROPWATCH_REQUEST`,
    /// `DROPWATCH_ANSWER`: the answer's file name), and `extra`, what a
    /// gateway adds (Lyra's `DROPWATCH_USED_IDS`).
    pub fn answer_pending(
        &self,
        played: Played,
        request: &Pending,
        input: &Path,
        answer: &Path,
        extra: &[(&str, &str)],
    ) -> Result<Answered, Failure> {
        let answer_name = answer
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let mut env = vec![
            ("DROPWATCH_SCHEME", played.as_str()),
            ("DROPWATCH_ACCOUNT", request.account.as_str()),
            ("DROPWATCH_REQUEST", request.name.as_str()),
            ("DROPWATCH_ANSWER", &answer_name),
        ];
        env.extend_from_slice(extra);
        self.respond(input, answer, &env)
    }

    /// Run the responder: `input` on stdin, stdout into a temporary file
    /// beside `answer`, renamed to it only after success and fsync.
    pub fn respond(
        &self,
        input: &Path,
        answer: &Path,
        env: &[(&str, &str)],
    ) -> Result<Answered, Failure> {
        // Nothing here is the request's fault: every failure is local.
        let stdin = File::open(input)
            .map_err(|e| Failure::Local(Error::io(format!("opening {}", quote_path(input)), e)))?;
        let out = AtomicFile::create(answer, Access::Usual).map_err(Failure::Local)?;
        let stdout = out
            .file()
            .try_clone()
            .map_err(|e| Failure::Local(Error::io(format!("writing {}", quote_path(answer)), e)))?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&self.command)
            .stdin(Stdio::from(stdin))
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let run = cmd
            .output()
            .map_err(|e| Failure::Stop(Error::io("running the responder with sh -c", e)))?;
        let stderr = String::from_utf8_lossy(&run.stderr);
        let stderr = stderr.trim();
        // Scrubbed and masked before it is cut (paylot_cli::text::excerpt).
        let cut = |n: usize| paylot_cli::text::excerpt(stderr, n);
        match ending(run.status, !out.is_empty(), stderr) {
            Ending::Answered => {}
            Ending::Refused(why) => return Ok(Answered::Refused(why)),
            Ending::CannotRun(code) => {
                return Err(Failure::Stop(Error::trouble(format!(
                    "the responder could not be run (sh -c exited with status {code}: {}): check --responder (default: xmlbatch respond, xmlbatch next to dropwatch or on PATH); the request stays pending",
                    cut(500)
                ))))
            }
            Ending::Local(what) => {
                let tail = if stderr.is_empty() {
                    String::new()
                } else {
                    format!(": {}", cut(2000))
                };
                return Err(Failure::Local(Error::trouble(format!(
                    "{what}{tail}; a local fault, not the request's: it is left in place for the next pass"
                ))));
            }
        }
        // Writing the answer is ours: a full disk is a local fault too.
        out.commit().map_err(Failure::Local)?;
        Ok(Answered::Written)
    }
}

/// How a responder run on a request body ended (the HTTP sandbox).
pub enum Replied {
    /// Exit 0: the answer.
    Answer(Vec<u8>),
    /// Exit 1: the request is refused, as the gateway would; why.
    Refused(String),
}

/// The process groups of the responders running now (the HTTP sandbox),
/// so that a signal that ends the sandbox ends them too.
#[derive(Default)]
pub struct Running {
    groups: std::sync::Mutex<std::collections::HashSet<u32>>,
}

impl Running {
    fn add(&self, group: u32) {
        self.groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(group);
    }

    fn remove(&self, group: u32) {
        self.groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&group);
    }

    /// Kill every running responder with what it started (its process
    /// group).
    pub fn kill_all(&self) {
        let groups: Vec<u32> = self
            .groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        for g in groups {
            kill_group(g);
        }
    }
}

/// kill(1) on a process group: libc's killpg would need `unsafe`, which
/// the workspace denies.
fn kill_group(group: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Responder {
    /// Run the responder on `body` (stdin) until `deadline`, and take at
    /// most `limit` bytes of its answer (stdout). Any end but exit 0 with
    /// an answer or exit 1 is a local fault, as with files.
    ///
    /// Asynchronous: its pipes are read by the runtime, not by threads of
    /// their own, and the sandbox's ends are closed when this returns, so
    /// that a responder that leaves a process behind holding them
    /// (`setsid`, out of its group) costs nothing once the deadline has
    /// passed: no thread, no descriptor.
    pub async fn reply(
        &self,
        body: Vec<u8>,
        env: &[(&str, &str)],
        deadline: tokio::time::Instant,
        limit: usize,
        running: &Running,
    ) -> Result<Replied, Error> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let allowed = deadline.saturating_duration_since(tokio::time::Instant::now());
        let mut cmd = tokio::process::Command::new("sh");
        cmd.arg("-c")
            .arg(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so that at the deadline the whole
            // responder goes, with whatever it started (a `sleep` holding
            // its stdout would keep the answer open otherwise).
            .process_group(0)
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::io("running the responder with sh -c", e))?;
        let Some(group) = child.id() else {
            return Err(Error::trouble(
                "the responder ended before it could be watched (a local fault)",
            ));
        };
        running.add(group);
        struct Unlist<'a>(&'a Running, u32);
        impl Drop for Unlist<'_> {
            fn drop(&mut self) {
                self.0.remove(self.1);
            }
        }
        let _unlist = Unlist(running, group);
        // The tasks that feed and read the pipes hold their ends: each is
        // aborted when `reply` returns, whatever way, so that a process
        // the responder left behind holding the other ends (`setsid`, out
        // of the group, not ours to kill) keeps no descriptor of ours
        // open past the deadline. A task merely left behind would read on
        // until that process exits.
        let _feed = child.stdin.take().map(|mut stdin| {
            Aborted(tokio::spawn(async move {
                // A responder that reads nothing closes its end: not ours to report.
                let _ = stdin.write_all(&body).await;
            }))
        });
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let mut out = Aborted(tokio::spawn(async move {
            let mut out = Vec::new();
            if let Some(s) = stdout {
                let _ = s.take(limit as u64 + 1).read_to_end(&mut out).await;
            }
            out
        }));
        let mut err = Aborted(tokio::spawn(async move {
            let mut out = Vec::new();
            if let Some(s) = stderr {
                let _ = s.take(64 * 1024).read_to_end(&mut out).await;
            }
            out
        }));
        let status = match tokio::time::timeout_at(deadline, child.wait()).await {
            Ok(Ok(st)) => Some(st),
            Ok(Err(e)) => {
                kill_group(group);
                return Err(Error::io("waiting for the responder", e));
            }
            Err(_) => {
                kill_group(group);
                let _ = child.wait().await;
                None
            }
        };
        // What the responder started may still hold its pipes: what is not
        // in by the deadline is not waited for.
        let grace =
            deadline.max(tokio::time::Instant::now() + std::time::Duration::from_millis(50));
        let out = match tokio::time::timeout_at(grace, &mut out.0).await {
            Ok(Ok(out)) => Some(out),
            _ => {
                // Still held, by what the responder started: those still
                // in its process group are stopped. One that left the
                // group (setsid) is not ours to stop; the sandbox only
                // drops its ends of the pipes. The group's id is the reaped
                // child's pid, which Linux does not hand out again within
                // this grace (pids are given in turn, wrapping only after
                // pid_max).
                kill_group(group);
                None
            }
        };
        let err = match tokio::time::timeout_at(grace, &mut err.0).await {
            Ok(Ok(e)) => e,
            _ => Vec::new(),
        };
        let err = paylot_cli::text::excerpt(String::from_utf8_lossy(&err).trim(), 2000);
        let tail = if err.is_empty() {
            String::new()
        } else {
            format!(": {err}")
        };
        let Some(status) = status else {
            return Err(Error::trouble(format!(
                "the responder did not answer within {} and was stopped (a local fault){tail}",
                paylot_cli::time::format_duration(allowed)
            )));
        };
        let Some(out) = out else {
            return Err(Error::trouble(format!(
                "the responder ended, but what it started kept its output open past {} (a local fault){tail}",
                paylot_cli::time::format_duration(allowed)
            )));
        };
        if out.len() > limit {
            return Err(Error::trouble(format!(
                "the responder's answer is larger than {limit} bytes (a local fault)"
            )));
        }
        match ending(status, !out.is_empty(), &err) {
            Ending::Answered => Ok(Replied::Answer(out)),
            Ending::Refused(why) => Ok(Replied::Refused(why)),
            Ending::CannotRun(code) => Err(Error::trouble(format!(
                "the responder could not be run (sh -c exited with status {code}{tail}): check --responder (default: xmlbatch respond, xmlbatch next to dropwatch or on PATH)"
            ))),
            Ending::Local(what) => Err(Error::trouble(format!("{what} (a local fault){tail}"))),
        }
    }
}

/// A task aborted when dropped: the pipe it holds is closed then, not
/// when the task would have ended by itself.
struct Aborted<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for Aborted<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How a responder's run ended, by the protocol (see [`Responder`]):
/// the same reading for a file answered and a body answered.
enum Ending {
    /// Exit 0 with an answer.
    Answered,
    /// Exit 1: refused as the gateway would; why (its stderr).
    Refused(String),
    /// `sh` could not find or execute the command (126, 127): a setup
    /// problem, not the request's.
    CannotRun(i32),
    /// Anything else: a local fault, in words.
    Local(String),
}

fn ending(status: std::process::ExitStatus, answered: bool, stderr: &str) -> Ending {
    match status.code() {
        Some(c @ (126 | 127)) => Ending::CannotRun(c),
        Some(0) if answered => Ending::Answered,
        Some(0) => Ending::Local("the responder exited 0 but wrote no answer".into()),
        Some(1) if stderr.is_empty() => {
            Ending::Refused("the responder refused the request (exit 1, no reason given)".into())
        }
        Some(1) => Ending::Refused(paylot_cli::text::excerpt(stderr, 2000)),
        Some(c) => Ending::Local(format!("the responder exited with status {c}")),
        None => {
            use std::os::unix::process::ExitStatusExt;
            Ending::Local(format!(
                "the responder was killed by signal {}",
                status.signal().unwrap_or_default()
            ))
        }
    }
}

/// `xmlbatch respond --name "$DROPWATCH_REQUEST"` (the name tells a Lyra
/// REQ from a Question, and must agree with a REQ's header), with xmlbatch
/// taken next to this executable when it is there.
fn default_responder() -> String {
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            let x = dir.join("xmlbatch");
            if x.is_file() {
                return format!(
                    "{} respond --name \"$DROPWATCH_REQUEST\"",
                    shell_quote(&x.to_string_lossy())
                );
            }
        }
    }
    "xmlbatch respond --name \"$DROPWATCH_REQUEST\"".to_string()
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
