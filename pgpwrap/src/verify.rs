//! `pgpwrap verify`: check a signed message (inline) or a file against a
//! detached signature, accepting only the named signers.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use paylot_cli::{Access, Error, Input, Outcome, Output, Result};
use sequoia_openpgp as openpgp;

use openpgp::parse::stream::{DetachedVerifierBuilder, VerifierBuilder};
use openpgp::parse::Parse;

use crate::io::{self, CopyError, Expansion, ExpansionArg};
use crate::keys::{self, Need, Policies};
use crate::verdict::{Helper, Nested, Report};

const EXAMPLES: &str = "\
Examples:
  Merchant side: accept a status file only if the gateway signed it:
  $ pgpwrap verify --signer gw.pub status.xml.gpg | xmlbatch status

  Check a file against a detached signature (nothing on standard output):
  $ pgpwrap verify --signer gw.pub --signature status.xml.asc status.xml

An inline signed message's content is written (to -o FILE or standard
output) only after its signature verified. Cleartext-signed files (gpg
--clearsign) are accepted too.
A message signed only by keys not named by --signer is refused before its
content is unpacked; a message that unpacks to more than --max-expansion
times its size (a compression bomb) is refused as it is read.
Exit status: 0 good signature from a named signer, 1 signature missing,
bad, or from a signer not named, 2 trouble (a compression bomb among them).";

/// Verify a signed message or a detached signature
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A certificate whose signature is accepted; repeat for several
    #[arg(long, short = 's', value_name = "CERT", required = true)]
    pub signer: Vec<PathBuf>,
    /// A detached signature over FILE (then nothing is written)
    #[arg(long, value_name = "SIG", conflicts_with = "output")]
    pub signature: Option<PathBuf>,
    #[command(flatten)]
    pub expansion: ExpansionArg,
    #[command(flatten)]
    pub message: io::MessageArgs,
}

/// What the input was given as: the signed message (FILE, without
/// `--signature`) or a detached signature (`--signature SIG`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Given {
    Signed,
    Signature,
}

/// An input's first bytes, and the argument that names it in the command
/// a message suggests: its name, or a placeholder for standard input (the
/// place it is suggested for: SIG for a signature given as FILE, FILE for a
/// message given as --signature).
#[derive(Debug, Clone, Copy)]
struct Seen<'a> {
    head: &'a [u8],
    arg: &'a str,
}

impl<'a> Seen<'a> {
    fn new(
        head: &'a [u8],
        path: Option<&std::path::Path>,
        name: &'a str,
        stdin: &'a str,
    ) -> Seen<'a> {
        let arg = match path {
            Some(p) if p.as_os_str() != "-" => name,
            _ => stdin,
        };
        Seen { head, arg }
    }
}

/// The error of an input that could not be verified: a refusal said by
/// the helper, a compression bomb, or an input that is not what it was
/// given as, said by what it is (`head`, its first bytes, when they tell
/// something) with the option
/// that takes it — a detached signature given as FILE, a signed message
/// as `--signature`, a file that does not start as OpenPGP data (were FILE and
/// `--signature` swapped?), where the library said only "EOF" or
/// "Malformed Message".
fn fail(
    e: openpgp::anyhow::Error,
    report: &std::sync::Mutex<Report>,
    input: &str,
    seen: Option<Seen>,
    given: Given,
) -> Error {
    use paylot_cli::armor::{recognised, Armored};
    let r = report.lock().map(|r| r.clone()).unwrap_or_default();
    if let Some(why) = r.refusal {
        return Error::no(format!("{input}: {why}"));
    }
    if let Some(bomb) = Nested::refusal(&e, input) {
        return bomb;
    }
    let arg = seen.map(|s| s.arg).unwrap_or_default();
    let what = match (given, seen.map(|s| recognised(s.head))) {
        (Given::Signed, Some(Some(Armored::Signature))) => Some(format!(
            "a detached signature, not a signed message: give it with --signature {arg}, \
             and the file it signs as FILE"
        )),
        (Given::Signed, Some(None)) => Some(
            "not a signed OpenPGP message (it does not start as one); if its signature is a file \
             of its own (.asc, .sig), give that with --signature SIG and this file as FILE"
                .to_string(),
        ),
        (Given::Signature, Some(Some(Armored::Message | Armored::SignedText))) => Some(format!(
            "a signed message, not a detached signature: verify it alone, without \
             --signature (pgpwrap verify --signer CERT {arg})"
        )),
        (Given::Signature, Some(None)) => Some(
            "not an OpenPGP signature (it does not start as one): --signature takes the detached \
             signature (.asc, .sig), FILE the file it signs; were the two swapped?"
                .to_string(),
        ),
        (Given::Signed, Some(Some(Armored::Message))) => Some(format!(
            "not a signed OpenPGP message ({}); if it is encrypted, open it with pgpwrap \
             decrypt --key KEY --verify-with CERT {arg}",
            io::describe(&e)
        )),
        (_, Some(Some(Armored::Key))) => Some(
            "an OpenPGP key or certificate, not a signed file (--signer takes the \
             certificate)"
                .to_string(),
        ),
        _ => None,
    };
    if let Some(what) = what {
        return Error::trouble(format!("{input}: {what}"));
    }
    let text = match e.downcast_ref::<std::io::Error>() {
        Some(ioe) => ioe.to_string(),
        None => io::describe(&e),
    };
    match given {
        Given::Signed => Error::trouble(format!("{input}: not a signed OpenPGP message: {text}")),
        Given::Signature => Error::trouble(format!("{input}: not an OpenPGP signature: {text}")),
    }
}

pub fn run(args: Args) -> Result<Outcome> {
    let policies = Policies::new(args.message.legacy.allow_legacy);
    let p = policies.active();
    let signers = keys::load_certs(&args.signer, Need::Verify, &policies)?;
    let helper = Helper::new(signers, Vec::new(), false);
    let report = helper.report.clone();
    match &args.signature {
        Some(sig_path) => {
            let sig = Input::open(Some(sig_path))?;
            let data = Input::open(args.message.file.path())?;
            let sig_name = sig.quoted();
            let data_name = data.quoted();
            let (sig, head) = io::no_bom_head(sig.into_reader(), &sig_name)?;
            let seen = Seen::new(&head, Some(sig_path), &sig_name, "FILE");
            let as_signature = |e| fail(e, &report, &sig_name, Some(seen), Given::Signature);
            let mut v = DetachedVerifierBuilder::from_reader(sig)
                .map_err(as_signature)?
                .with_policy(p, None, helper)
                .map_err(as_signature)?;
            // The data is any file: its head says nothing.
            v.verify_reader(data.into_reader())
                .map_err(|e| fail(e, &report, &data_name, None, Given::Signed))?;
        }
        None => {
            let input = Input::open(args.message.file.path())?;
            let name = input.quoted();
            // Unverified until the end: held back, and private.
            let mut out = Output::create_spooled(args.message.output.path(), Access::Private)?;
            let bound = Expansion::new(args.expansion, &name);
            let tail = Arc::new(Mutex::new(Tail::default()));
            let (input, head) = io::no_bom_head(input.into_reader(), &name)?;
            let watched = Watched {
                inner: bound.counted(Box::new(input)),
                tail: tail.clone(),
            };
            let seen = Seen::new(&head, args.message.file.path(), &name, "SIG");
            let as_signed = |e| fail(e, &report, &name, Some(seen), Given::Signed);
            let mut v = VerifierBuilder::from_reader(watched)
                .map_err(as_signed)?
                .buffer_size(io::parser_buffer(io::PARSER_BUFFER))
                .with_policy(p, None, helper)
                .map_err(as_signed)?;
            io::copy(&mut v, &mut out, Some(&bound)).map_err(|e| match e {
                CopyError::Read(e) => as_signed(openpgp::anyhow::Error::from(e)),
                CopyError::Write(e) => Error::io("writing the verified content", e),
                CopyError::Expanded(e) => e,
            })?;
            if !v.message_processed() {
                return Err(Error::trouble(format!("{name}: the message is incomplete")));
            }
            // gpg's output of a cleartext message ends with the text's last
            // line ending, which the signature does not cover (see Tail).
            let state = tail.lock().map(|t| t.state).unwrap_or_default();
            if let TailState::Ended(crlf) = state {
                let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
                out.write_all(eol)
                    .map_err(|e| Error::io("writing the verified content", e))?;
            }
            out.commit()?;
        }
    }
    let good = report.lock().map(|r| r.good.clone()).unwrap_or_default();
    if good.is_empty() {
        return Err(Error::no("no good signature"));
    }
    Ok(Outcome::Yes)
}

/// What a cleartext-signed message (`gpg --clearsign`) ended its text with.
///
/// The line ending before `-----BEGIN PGP SIGNATURE-----` is not signed
/// (RFC 9580, 7.1), and sequoia's verifier leaves it out of the content;
/// gpg (`--decrypt`, `--verify --output -`) writes it as the file has it
/// (`\n` or `\r\n`, also when the signed file had none: `--clearsign`
/// always ends the text with one, and an empty text is one empty line).
/// `verify` writes it back so that its output is gpg's, byte for byte.
///
/// Told from the raw bytes as the parser reads them: the first line that
/// opens an armor (`-----BEGIN PGP `) must be `SIGNED MESSAGE` (a binary
/// message starts with a byte above 0x7F and is never looked at), and the
/// first line after it that opens the signature armor ends the text; the
/// line before it gives the ending. A quoting prefix (`> `) before the
/// first armor line is taken off the others, as sequoia does.
#[derive(Debug, Default)]
struct Tail {
    state: TailState,
    /// The current line's first bytes (all that the tests need).
    line: Vec<u8>,
    prefix: Vec<u8>,
    /// The ending of the last line of the text so far.
    last_crlf: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum TailState {
    #[default]
    Start,
    Header,
    Text,
    /// A cleartext message whose text ended with `\r\n` (true) or `\n`.
    Ended(bool),
    /// Not a cleartext message (or not one told from its first lines).
    NotCleartext,
}

/// The bytes of a line kept: an armor line's prefix and marker fit.
const TAIL_LINE: usize = 256;

impl Tail {
    fn feed(&mut self, buf: &[u8]) {
        for &b in buf {
            match self.state {
                TailState::Ended(_) | TailState::NotCleartext => return,
                TailState::Start if b >= 0x80 => {
                    self.state = TailState::NotCleartext;
                    return;
                }
                TailState::Start => self.state = TailState::Header,
                _ => {}
            }
            if b != b'\n' {
                if self.line.len() < TAIL_LINE {
                    self.line.push(b);
                }
                continue;
            }
            let crlf = self.line.last() == Some(&b'\r');
            let line = std::mem::take(&mut self.line);
            self.end_line(&line, crlf);
        }
    }

    fn end_line(&mut self, line: &[u8], crlf: bool) {
        const OPEN: &[u8] = b"-----BEGIN PGP ";
        match self.state {
            TailState::Header => {
                let Some(at) = line.windows(OPEN.len()).position(|w| w == OPEN) else {
                    return;
                };
                self.state = if line[at + OPEN.len()..].starts_with(b"SIGNED MESSAGE-----") {
                    self.prefix = line[..at].to_vec();
                    TailState::Text
                } else {
                    TailState::NotCleartext
                };
            }
            TailState::Text => {
                let body = line.strip_prefix(&self.prefix[..]).unwrap_or(line);
                let dashes = body.iter().take_while(|&&c| c == b'-').count();
                if dashes > 2 && body[dashes..].starts_with(b"BEGIN PGP SIGNATURE") {
                    self.state = TailState::Ended(self.last_crlf);
                } else {
                    self.last_crlf = crlf;
                }
            }
            _ => {}
        }
    }
}

/// The input as the parser reads it, watched by a [`Tail`].
struct Watched {
    inner: Box<dyn Read + Send + Sync>,
    tail: Arc<Mutex<Tail>>,
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut t) = self.tail.lock() {
            t.feed(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ending(input: &[u8], step: usize) -> TailState {
        let mut t = Tail::default();
        for piece in input.chunks(step) {
            t.feed(piece);
        }
        t.state
    }

    #[test]
    fn the_text_s_last_line_ending_is_told() {
        let msg = |text: &str, eol: &str| {
            format!(
                "-----BEGIN PGP SIGNED MESSAGE-----{eol}Hash: SHA256{eol}{eol}{text}\
                 -----BEGIN PGP SIGNATURE-----{eol}{eol}iHUE{eol}-----END PGP SIGNATURE-----{eol}"
            )
        };
        for step in [1, 3, 1000] {
            let lf = msg("a\n- -----BEGIN PGP SIGNATURE-----\nb\n", "\n");
            assert_eq!(ending(lf.as_bytes(), step), TailState::Ended(false));
            let crlf = msg("a\r\nb\r\n", "\r\n");
            assert_eq!(ending(crlf.as_bytes(), step), TailState::Ended(true));
            // Only the last line counts.
            let mixed = msg("a\nb\r\n", "\n");
            assert_eq!(ending(mixed.as_bytes(), step), TailState::Ended(true));
            // An empty text: the blank line after the header.
            let empty = msg("", "\n");
            assert_eq!(ending(empty.as_bytes(), step), TailState::Ended(false));
            let junk = format!("junk\n\n{}", msg("a\n", "\r\n"));
            assert_eq!(ending(junk.as_bytes(), step), TailState::Ended(false));
            let quoted = msg("a\n", "\n").replace('\n', "\n> ");
            let quoted = format!("> {quoted}");
            assert_eq!(ending(quoted.as_bytes(), step), TailState::Ended(false));
            let armored = "-----BEGIN PGP MESSAGE-----\n\nowGb\n-----END PGP MESSAGE-----\n";
            assert_eq!(ending(armored.as_bytes(), step), TailState::NotCleartext);
            let binary = b"\xa3\x01-----BEGIN PGP SIGNED MESSAGE-----\n\n-----BEGIN PGP SIGNATURE";
            assert_eq!(ending(binary, step), TailState::NotCleartext);
        }
    }
}
