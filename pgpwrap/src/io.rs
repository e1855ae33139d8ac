//! Inputs, outputs and options shared by the subcommands.

use std::io::{self, Read, Write};

use paylot_cli::{PassphraseArgs, Result};
use sequoia_openpgp::crypto::Password;

/// Bytes read and written per step when streaming.
pub const CHUNK: usize = 256 * 1024;

/// The read-ahead the OpenPGP parser keeps. Sequoia's own default is 25 MiB;
/// sizes below 8 KiB make it panic (observed in 2.4.2), so never below
/// 64 KiB. Verification does not depend on it: plaintext is spooled and
/// released only after the signature checked out.
pub const PARSER_BUFFER: usize = 1024 * 1024;

/// The parser buffer to use, clamped to a safe minimum.
pub fn parser_buffer(requested: usize) -> usize {
    requested.max(64 * 1024)
}

/// Where a copy failed: reading the input or writing the output.
pub enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// Progress of a long copy on stderr (bytes, rate), only when stderr is a
/// terminal; nothing is ever written to a pipe or a log.
struct Progress {
    start: std::time::Instant,
    last: std::time::Instant,
    shown: bool,
    enabled: bool,
}

impl Progress {
    fn new() -> Progress {
        use std::io::IsTerminal;
        let now = std::time::Instant::now();
        Progress {
            start: now,
            last: now,
            shown: false,
            enabled: io::stderr().is_terminal(),
        }
    }

    fn update(&mut self, total: u64) {
        if !self.enabled || self.last.elapsed().as_millis() < 1000 {
            return;
        }
        self.last = std::time::Instant::now();
        let secs = self.start.elapsed().as_secs_f64().max(0.001);
        let mib = total as f64 / (1024.0 * 1024.0);
        eprint!(
            "\r{}: {mib:.0} MiB, {:.0} MiB/s   ",
            crate::TOOL,
            mib / secs
        );
        self.shown = true;
    }

    fn finish(&mut self) {
        if self.shown {
            eprint!("\r{:60}\r", "");
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Copy everything from `r` to `w` in large chunks (with progress on a
/// terminal).
pub fn copy(r: &mut dyn Read, w: &mut dyn Write) -> std::result::Result<u64, CopyError> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    let mut progress = Progress::new();
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        w.write_all(&buf[..n]).map_err(CopyError::Write)?;
        total += n as u64;
        progress.update(total);
    }
}

/// The passphrase named by `--passphrase-file` / `--passphrase-env`, if
/// any, for a secret key.
pub fn passphrase(args: &PassphraseArgs) -> Result<Option<Password>> {
    Ok(args
        .read(crate::TOOL)?
        .map(|secret| Password::from(secret.expose())))
}

/// `--allow-legacy`.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct LegacyArgs {
    /// Accept legacy keys (SHA-1 self-signatures, RSA/DSA below 2048 bits), with a warning
    ///
    /// Such keys are refused by default: SHA-1 is broken for signatures and
    /// 1024-bit RSA is within reach of well-funded attackers. Use this only
    /// for a partner who cannot send a better key yet.
    #[arg(long)]
    pub allow_legacy: bool,
}

/// Describe an error from the OpenPGP library with its causes.
pub fn describe(err: &sequoia_openpgp::anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}

/// Format a time as RFC 3339 UTC, to the second.
pub fn format_time(t: std::time::SystemTime) -> String {
    let odt = time::OffsetDateTime::from(t);
    let odt = odt.replace_nanosecond(0).unwrap_or(odt);
    odt.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("{odt}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parser_buffer_is_never_below_64_kib() {
        // Sequoia panics with tiny buffers: the clamp keeps us clear.
        assert_eq!(super::parser_buffer(0), 64 * 1024);
        assert_eq!(super::parser_buffer(4096), 64 * 1024);
        assert_eq!(super::parser_buffer(super::PARSER_BUFFER), 1024 * 1024);
    }
}
