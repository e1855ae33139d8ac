//! The responder: the command that plays the gateway's back office for
//! one request (`xmlbatch respond` by default), run with `sh -c`, the
//! request on its stdin, the answer on its stdout.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use paylot_cli::output::{Access, AtomicFile};
use paylot_cli::Error;

use super::Failure;
use crate::fsutil::quote_path;

/// How a responder run ended.
pub enum Answered {
    /// The answer is in place.
    Written,
    /// The responder failed on this request: why, in words.
    Failed(String),
}

/// The command line run for each request.
pub struct Responder {
    pub command: String,
}

impl Responder {
    /// The `--responder` command, or `xmlbatch respond` (xmlbatch taken
    /// next to this executable when it is there).
    pub fn new(command: Option<String>) -> Responder {
        Responder {
            command: command.unwrap_or_else(default_responder),
        }
    }

    /// Run the responder: `input` on stdin, stdout into a temporary file
    /// beside `answer`, renamed to it only after success and fsync.
    pub fn respond(
        &self,
        input: &Path,
        answer: &Path,
        env: &[(&str, &str)],
    ) -> Result<Answered, Failure> {
        let stdin = File::open(input)
            .map_err(|e| Error::io(format!("opening {}", quote_path(input)), e))?;
        let out = AtomicFile::create(answer, Access::Usual)?;
        let stdout = out
            .file()
            .try_clone()
            .map_err(|e| Error::io(format!("writing {}", quote_path(answer)), e))?;
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
        let code = run.status.code();
        if matches!(code, Some(126 | 127)) {
            // sh could not find or execute the command: a setup problem,
            // not the request's fault. The request stays pending.
            return Err(Failure::Stop(Error::trouble(format!(
                "the responder could not be run (sh -c exited with status {}: {}): check --responder (default: xmlbatch respond, xmlbatch next to dropwatch or on PATH); the request stays pending",
                code.unwrap_or_default(),
                stderr.chars().take(500).collect::<String>()
            ))));
        }
        let failed = match code {
            Some(0) | Some(1) if !out.is_empty() => None,
            Some(0) | Some(1) => Some("the responder wrote no answer".to_string()),
            Some(c) => Some(format!("the responder exited with status {c}")),
            None => Some("the responder was killed by a signal".to_string()),
        };
        if let Some(mut why) = failed {
            if !stderr.is_empty() {
                why.push_str(": ");
                why.push_str(&stderr.chars().take(2000).collect::<String>());
            }
            return Ok(Answered::Failed(why));
        }
        out.commit()?;
        Ok(Answered::Written)
    }
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
