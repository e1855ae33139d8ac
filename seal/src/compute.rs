//! `seal compute`: each message with its seal set, record by record; with
//! `--jsonl`, batches of lines sealed by every core, written in order.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use gateways::schemes::{seal_of, Keys, Scheme};
use gateways::sips::office::KEY_VERSION_FIELD;
use gateways::sips::seal::Direction;
use paylot_cli::{Error, Outcome, Output, Result};
use serde_json::{Map, Value};

use crate::analysis::{self, Analysis, Choice};
use crate::cli::{open_input, ComputeArgs};
use crate::fast;
use crate::message::{self, InputKind};
use crate::records::{each_line_in_parallel, read_secret, Finished, Trouble};

/// What sealing one record gave.
enum Sealed {
    /// Its line was appended to the output.
    Done,
    /// A bad record: the message (with its position), and the run goes on.
    Bad(String),
    /// Trouble that stops the run.
    Fatal(Error),
}

struct ComputeJob<'a> {
    /// Sips JSON requests sealed without a keyVersion, and the first one's line.
    without_key_version: AtomicUsize,
    first_without_key_version: AtomicUsize,
    args: &'a ComputeArgs,
    choice: Choice,
    keys: Keys,
    /// Whether the fast path may be tried (tests compare both paths).
    fast: bool,
}

impl ComputeJob<'_> {
    fn record(
        &self,
        bytes: &[u8],
        line: usize,
        scratch: &mut fast::Scratch,
        out: &mut Vec<u8>,
    ) -> Sealed {
        // A secret pasted into a field is refused, never sealed and
        // written on (secret::refuse_in_data): looked for in the line
        // first, the field named through the general path.
        let pasted = paylot_cli::redact::holds_secret(bytes);
        if self.fast && !pasted && self.args.message.input != InputKind::Form {
            if let Some(s) = fast::compute_line(
                bytes,
                &self.choice,
                self.args.seal_only,
                &self.keys,
                scratch,
                out,
            ) {
                if s.without_key_version {
                    self.no_key_version(line);
                }
                out.push(b'\n');
                return Sealed::Done;
            }
        }
        let mut msg = match message::parse(bytes, self.args.message.input, line) {
            Ok(m) => m,
            Err(e) => return Sealed::Bad(e.0),
        };
        if pasted {
            if let Err(e) = refuse_pasted_secret(&msg.fields, line) {
                return Sealed::Fatal(e);
            }
        }
        let (scheme, _) = analysis::scheme_of(&msg, &self.choice);
        if scheme == Scheme::PayboxIpn {
            return Sealed::Fatal(Error::trouble(
                "paybox-ipn signatures are made by Paybox with its private key: they can only be \
                 checked, with seal verify",
            ));
        }
        let a = match Analysis::of(&msg, &self.choice) {
            Ok(a) => a,
            Err(e) => return Sealed::Bad(format!("{line}: {e}")),
        };
        let key = match self.keys.get(scheme) {
            Ok(k) => k,
            Err(e) => return Sealed::Fatal(Error::trouble(e.to_string())),
        };
        if scheme == Scheme::SipsJson
            && matches!(a.direction, Some((Direction::Request, _)))
            && !msg.fields.contains_key(KEY_VERSION_FIELD)
        {
            self.no_key_version(line);
        }
        let seal = seal_of(scheme, a.algorithm, a.seal_string.text.as_bytes(), key);
        if self.args.seal_only {
            out.extend_from_slice(seal.as_bytes());
        } else {
            if let (Some(raw), Scheme::PayboxDirect) = (&msg.raw_form, scheme) {
                // A Direct request stays a form body, ready to post: the
                // HMAC last, in place of any it had.
                out.extend_from_slice(gateways::paybox::direct::with_seal(raw, &seal).as_bytes());
                out.push(b'\n');
                return Sealed::Done;
            }
            let sealed = match (&a.built_data, scheme) {
                (Some(data), Scheme::SipsPost) => post_form(&msg.fields, data, &seal),
                _ => {
                    msg.fields
                        .insert(scheme.seal_field().to_string(), Value::String(seal));
                    msg.fields
                }
            };
            if let Err(e) = serde_json::to_writer(&mut *out, &sealed) {
                return Sealed::Fatal(Error::trouble(e.to_string()));
            }
        }
        out.push(b'\n');
        Sealed::Done
    }
}

/// A field holding a fragment of the key is refused by name
/// (secret::refuse_in_data), a Sips POST `Data` field by the pairs it
/// holds; the shop's name is not (a Sips test key is named after its
/// merchantId: `002001000000001_KEY1`).
fn refuse_pasted_secret(fields: &Map<String, Value>, line: usize) -> Result<()> {
    let at = format!("line {line}");
    for (name, value) in fields {
        // A name is written on as a value is (a nested one is checked
        // with its object's text, below): a key pasted as a name is
        // refused, the name shown scrubbed.
        gateways::kinds::refuse_pasted_secret(&at, name, name)?;
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let pairs: Vec<(&str, &str)> = if name.eq_ignore_ascii_case("Data") {
            text.split('|')
                .map(|p| p.split_once('=').unwrap_or((name.as_str(), p)))
                .collect()
        } else {
            vec![(name.as_str(), text.as_str())]
        };
        for (n, v) in pairs {
            gateways::kinds::refuse_pasted_secret(&at, n, v)?;
        }
    }
    Ok(())
}

impl ComputeJob<'_> {
    fn no_key_version(&self, line: usize) {
        if self.without_key_version.fetch_add(1, Ordering::Relaxed) == 0 {
            self.first_without_key_version
                .store(line, Ordering::Relaxed);
        }
    }

    /// Said once, at the end: the gateway cannot tell which key sealed a
    /// request without its keyVersion (and answers 34 to the wrong one).
    fn warn_key_version(&self, name: &str, finished: Result<Finished>) -> Result<Finished> {
        let mut finished = finished?;
        let n = self.without_key_version.load(Ordering::Relaxed);
        if n > 0 {
            let line = self.first_without_key_version.load(Ordering::Relaxed);
            finished.warnings.push(
                format!(
                    "{name}:{line}: {} without keyVersion: the gateway needs it to know which of the shop's keys sealed {} (1 for a first key; after a renewal, the new key's version, or it answers responseCode 34)",
                    if n == 1 { "a Sips request".to_string() } else { format!("{n} Sips requests") },
                    if n == 1 { "it" } else { "them" }
                ),
            );
        }
        Ok(finished)
    }
}

/// What sealing one part of a batch gave: its output, its bad records,
/// and the trouble that stopped it.
#[derive(Default)]
struct Part {
    out: Vec<u8>,
    bad: Vec<String>,
    fatal: Option<Error>,
}

pub fn run(args: &ComputeArgs, out: &mut Output) -> Result<Finished> {
    let secret = read_secret(&args.key, Some("seal compute"))?.expect("required");
    let job = ComputeJob {
        without_key_version: AtomicUsize::new(0),
        first_without_key_version: AtomicUsize::new(0),
        args,
        choice: args.message.choice(),
        keys: Keys::new(secret.expose()),
        fast: true,
    };
    let mut input = open_input(&args.message)?;
    let name = input.name().to_string();
    let mut trouble = Trouble::new(&args.message, &name, &["sealed"]);
    let dest = out.name();
    let werr = crate::cli::writing(&dest);

    if !args.message.jsonl {
        let mut bytes = Vec::new();
        let (first, content) = crate::records::read_whole(&mut input, &mut bytes)?;
        let mut buf = Vec::new();
        trouble.record();
        match job.record(
            &bytes[..content],
            first,
            &mut fast::Scratch::default(),
            &mut buf,
        ) {
            Sealed::Done => {
                trouble.count("sealed");
                out.write_all(&buf).map_err(werr)?
            }
            Sealed::Bad(e) => trouble.report(&name, e),
            Sealed::Fatal(e) => return Err(e),
        }
        return job.warn_key_version(&name, trouble.finish(Outcome::Yes));
    }

    each_line_in_parallel(
        &mut input,
        |part: &mut Part| {
            crate::records::clear_part_buffer(&mut part.out);
            part.bad.clear();
            part.fatal = None;
        },
        |scratch: &mut fast::Scratch, part: &mut Part, line, bytes| match job.record(
            bytes,
            line,
            scratch,
            &mut part.out,
        ) {
            Sealed::Done => true,
            Sealed::Bad(e) => {
                part.bad.push(e);
                true
            }
            Sealed::Fatal(e) => {
                part.fatal = Some(e);
                false
            }
        },
        |part, lines| {
            out.write_all(&part.out).map_err(&werr)?;
            trouble.records(lines);
            for _ in part.bad.len()..lines {
                trouble.count("sealed");
            }
            for e in part.bad.drain(..) {
                trouble.report(&name, e);
            }
            match part.fatal.take() {
                Some(e) => Err(e),
                None => Ok(()),
            }
        },
    )?;
    job.warn_key_version(&name, trouble.finish(Outcome::Yes))
}

/// A Sips POST form built from a plain object: `Data`, the form-level
/// fields the object named, and `Seal`.
fn post_form(fields: &Map<String, Value>, data: &str, seal: &str) -> Map<String, Value> {
    let mut form = Map::new();
    form.insert("Data".into(), Value::String(data.to_string()));
    for f in ["InterfaceVersion", "Encode", "SealAlgorithm"] {
        if let Some(v) = fields.get(f) {
            form.insert(f.into(), v.clone());
        }
    }
    form.insert("Seal".into(), Value::String(seal.to_string()));
    form
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use proptest::prelude::*;

    fn job(args: &[&str]) -> ComputeArgs {
        let mut argv = vec!["seal", "compute"];
        argv.extend_from_slice(args);
        match crate::cli::Cli::parse_from(argv).command {
            crate::cli::Command::Compute(c) => c,
            _ => unreachable!(),
        }
    }

    fn run(args: &ComputeArgs, fast: bool, line: &[u8]) -> Option<Vec<u8>> {
        let job = ComputeJob {
            without_key_version: AtomicUsize::new(0),
            first_without_key_version: AtomicUsize::new(0),
            args,
            choice: args.message.choice(),
            keys: Keys::new(b"0123456789abcdef"),
            fast,
        };
        let mut out = Vec::new();
        match job.record(line, 1, &mut fast::Scratch::default(), &mut out) {
            Sealed::Done => Some(out),
            _ => None,
        }
    }

    fn field() -> impl Strategy<Value = (String, Value)> {
        (
            prop_oneof![
                "[a-zA-Z]{1,6}",
                "PBX_[A-Z]{1,3}",
                "vads_[a-z]{1,3}",
                Just("responseCode".to_string()),
                Just("interfaceVersion".to_string())
            ],
            crate::strategies::value(),
        )
    }

    fn escape_non_ascii(line: &[u8]) -> Vec<u8> {
        let mut out = String::new();
        for c in String::from_utf8_lossy(line).chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                for u in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
        out.into_bytes()
    }

    proptest! {
        /// The fast path writes exactly what the general path writes.
        #[test]
        fn fast_and_general_paths_agree(
            fields in prop::collection::vec(field(), 0..6),
            seal_only in any::<bool>(),
            spaced in any::<bool>(),
            sealed in any::<bool>(),
            escaped in any::<bool>(),
        ) {
            let mut obj: Map<String, Value> = fields.into_iter().collect();
            if sealed {
                obj.insert("seal".into(), Value::String("00ff".into()));
            }
            // Every shape: compact, or spaced as Python and pretty printers write.
            let line = if spaced {
                serde_json::to_string(&obj).unwrap().replace("\":", "\": ").replace(",\"", ", \"").into_bytes()
            } else {
                serde_json::to_vec(&obj).unwrap()
            };
            // Non-ASCII text raw, or written as `\u00e9` escapes (Python's
            // json.dumps, PHP's json_encode).
            let line = if escaped { escape_non_ascii(&line) } else { line };
            let args = if seal_only { job(&["--key-env", "K", "--seal-only"]) } else { job(&["--key-env", "K"]) };
            let (fast, general) = (run(&args, true, &line), run(&args, false, &line));
            if escaped && !seal_only {
                // A compact line keeps its escapes (the seal is spliced
                // in), the general path writes the text raw: the same
                // object, field for field.
                let read = |out: Option<Vec<u8>>| out.map(|o| serde_json::from_slice::<Value>(&o).unwrap());
                prop_assert_eq!(read(fast), read(general));
            } else {
                prop_assert_eq!(fast, general);
            }
        }
    }
}
