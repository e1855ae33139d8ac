//! Inputs, outputs and options shared by the subcommands.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use paylot_cli::progress::{Progress, Unit};
use paylot_cli::{Error, PassphraseArgs, Result};
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

/// Where a copy failed: reading the input or writing the output, or the
/// content outgrew its message ([`Expansion`]).
pub enum CopyError {
    Read(io::Error),
    Write(io::Error),
    Expanded(Error),
}

/// Copy everything from `r` to `w` in large chunks (with progress on a
/// terminal), within `bound` when the content is unpacked from a message.
pub fn copy(
    r: &mut dyn Read,
    w: &mut dyn Write,
    bound: Option<&Expansion>,
) -> std::result::Result<u64, CopyError> {
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
        total += n as u64;
        if let Some(b) = bound {
            b.check(total).map_err(CopyError::Expanded)?;
        }
        w.write_all(&buf[..n]).map_err(CopyError::Write)?;
        progress.update(total);
    }
}

/// How many times its message's size the content may be, by default
/// (`--max-expansion`). Batch files compress by 3 to 35 with gpg's
/// default (deflate, level 6; measured in docs/pgpwrap.md, "Compressed
/// messages"); a compression bomb expands by about 1000 per layer of
/// compression.
pub const MAX_EXPANSION: u64 = 100;

/// Content up to this size is always allowed, whatever its message's
/// size: a short file of repeated lines compresses by more than any
/// batch, and costs nothing.
pub const EXPANSION_FLOOR: u64 = 16 * 1024 * 1024;

/// `--max-expansion N`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ExpansionArg {
    /// Refuse a message whose content is more than N times the message's size (a
    /// compression bomb); 16 MiB of content is always allowed
    #[arg(long, value_name = "N", default_value_t = MAX_EXPANSION,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_expansion: u64,
}

/// The bound on what a message may unpack to: `--max-expansion` times the
/// bytes of the message read so far, and never less than
/// [`EXPANSION_FLOOR`]. Checked as the content comes, so a compression
/// bomb is stopped after a few times the bound, never after filling a
/// disk or the memory.
pub struct Expansion {
    read: Arc<AtomicU64>,
    max: u64,
    message: String,
}

impl Expansion {
    /// The bound of `arg` for the message named `message` (for messages).
    pub fn new(arg: ExpansionArg, message: &str) -> Expansion {
        Expansion {
            read: Arc::new(AtomicU64::new(0)),
            max: arg.max_expansion,
            message: message.to_string(),
        }
    }

    /// The message's reader, counted.
    pub fn counted(&self, inner: Box<dyn Read + Send + Sync>) -> Box<dyn Read + Send + Sync> {
        Box::new(Counted {
            inner,
            read: self.read.clone(),
        })
    }

    /// Whether `content` bytes are within the bound; the refusal says
    /// which limit was hit and how to raise it.
    pub fn check(&self, content: u64) -> Result<()> {
        let read = self.read.load(Ordering::Relaxed);
        let allowed = read.saturating_mul(self.max).max(EXPANSION_FLOOR);
        if content <= allowed {
            return Ok(());
        }
        Err(Error::trouble(format!(
            "{}: the message unpacks to more than {} from the first {} of it, beyond the limit \
             of {} times its size (--max-expansion; {} is always allowed): refused as a \
             compression bomb, nothing was written; if it is genuine, raise the limit with \
             --max-expansion",
            self.message,
            bytes(allowed),
            bytes(read),
            self.max,
            bytes(EXPANSION_FLOOR),
        )))
    }
}

/// A size for a person: bytes, KiB or MiB.
fn bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} bytes"),
        1024..1_048_576 => format!("{:.0} KiB", n as f64 / 1024.0),
        _ => format!("{:.0} MiB", n as f64 / 1_048_576.0),
    }
}

struct Counted {
    inner: Box<dyn Read + Send + Sync>,
    read: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
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
        .read(crate::cli::TOOL)?
        .map(|secret| Password::from(secret.expose())))
}

/// What every command that turns one message into another takes
/// (encrypt, decrypt, sign, verify): `--allow-legacy`, `-o FILE` and
/// `[FILE]`, one group flattened last, so that they read alike in each
/// command's help.
#[derive(Debug, Clone, clap::Args)]
pub struct MessageArgs {
    #[command(flatten)]
    pub legacy: LegacyArgs,
    #[command(flatten)]
    pub output: paylot_cli::args::OutputArg,
    #[command(flatten)]
    pub file: paylot_cli::args::InputArg,
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

/// The refusal of an OpenPGP file (a key, a certificate, a message, a
/// signature) that starts with a UTF-8 byte order mark: sequoia said only
/// "EOF" or "Malformed Message". gpg 2.2 does not read one either ("no
/// valid OpenPGP data found"; a `--clearsign` file's signature BAD), so a
/// file pgpwrap took would not go through gpg: refused, with the fix.
pub fn bom_refusal(name: &str) -> Error {
    Error::trouble(format!(
        "{name}: starts with a byte order mark (BOM): save it without one (OpenPGP armor is \
         ASCII; gpg does not read it either)"
    ))
}

/// `reader`, refused with [`bom_refusal`] if it starts with a BOM; its
/// first bytes are read and given back in front of the rest. (An OpenPGP
/// binary message never starts with 0xEF: no packet is assigned that tag.)
pub fn no_bom(
    reader: Box<dyn io::BufRead + Send + Sync>,
    name: &str,
) -> Result<Box<dyn io::BufRead + Send + Sync>> {
    no_bom_head(reader, name).map(|(reader, _)| reader)
}

/// The bytes of an input's head kept to say what it is when it cannot be
/// read as what was expected (`paylot_cli::armor::recognised`): an armor
/// line after some white space, or a packet's first byte.
const HEAD: u64 = 64;

/// [`no_bom`], and the input's first bytes (at most [`HEAD`]), given back
/// in front of the rest too: what the input is, for a message when it is
/// not what the command expected (a detached signature given as the signed
/// file, or the reverse).
pub fn no_bom_head(
    reader: Box<dyn io::BufRead + Send + Sync>,
    name: &str,
) -> Result<(Box<dyn io::BufRead + Send + Sync>, Vec<u8>)> {
    let mut head = Vec::with_capacity(HEAD as usize);
    let mut reader = reader;
    (&mut reader)
        .take(HEAD)
        .read_to_end(&mut head)
        .map_err(|e| Error::reading(name, e))?;
    if head.starts_with(paylot_cli::text::BOM) {
        return Err(bom_refusal(name));
    }
    let reader = Box::new(io::Cursor::new(head.clone()).chain(reader));
    Ok((reader, head))
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
