//! Inputs, outputs and options shared by the subcommands.

use std::io::{self, Read, Write};

use paylot_cli::progress::{Progress, Unit};
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

/// Copy everything from `r` to `w` in large chunks (with progress on a
/// terminal).
pub fn copy(r: &mut dyn Read, w: &mut dyn Write) -> std::result::Result<u64, CopyError> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    let mut progress = Progress::new(Unit::Bytes);
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

/// `--key KEY` and its passphrase: our secret key (armored or binary, as
/// `pgpwrap keygen` or `gpg --export-secret-keys` writes it).
#[derive(Debug, Clone, clap::Args)]
pub struct SecretKeyArgs {
    /// Our secret key file: the message's recipient, or the signer
    #[arg(long, short = 'k', value_name = "KEY", required = true)]
    pub key: std::path::PathBuf,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
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
