//! The three subcommands, record by record. Bad records are reported with
//! their location and skipped; the others are still processed, and the
//! run ends with status 2.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use paylot_cli::{say, warn, Error, Input, KeyArgs, Outcome, Output, Result, Secret};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::analysis::{self, Analysis, Choice, Direction};
use crate::cli::{open_input, write_line, ComputeArgs, ExplainArgs, VerifyArgs, TOOL};
use crate::compute::{differs_only_in_case, key_bytes, same_seal, seal_of, Keys};
use crate::explain;
use crate::fast;
use crate::ipn;
use crate::message::{self, InputKind, Message};
use crate::scheme::Scheme;

/// Records from the input: the whole input, or one per line.
struct Records {
    input: Input,
    jsonl: bool,
    line: usize,
    done: bool,
    buf: Vec<u8>,
}

impl Records {
    fn new(input: Input, jsonl: bool) -> Records {
        Records {
            input,
            jsonl,
            line: 0,
            done: false,
            buf: Vec::with_capacity(1024),
        }
    }

    fn name(&self) -> String {
        self.input.name().to_string()
    }

    /// The next record and its first line number.
    fn next(&mut self) -> Result<Option<(usize, &[u8])>> {
        if self.done {
            return Ok(None);
        }
        let name = self.input.name().to_string();
        let rerr = |e| Error::io(format!("reading {}", paylot_cli::input::quote(&name)), e);
        if !self.jsonl {
            self.done = true;
            self.buf.clear();
            self.input
                .reader()
                .read_to_end(&mut self.buf)
                .map_err(rerr)?;
            let first = message::records(&self.buf, false)[0].0;
            return Ok(Some((first, &self.buf)));
        }
        loop {
            self.buf.clear();
            let n = self
                .input
                .reader()
                .read_until(b'\n', &mut self.buf)
                .map_err(rerr)?;
            if n == 0 {
                self.done = true;
                return Ok(None);
            }
            self.line += 1;
            if !self.buf.iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(Some((self.line, &self.buf)));
            }
        }
    }
}

fn read_secret(key: &KeyArgs, needed_for: Option<&str>) -> Result<Option<Secret>> {
    match key.read(TOOL)? {
        Some(secret) => Ok(Some(secret)),
        None => match needed_for {
            Some(what) => Err(Error::trouble(format!(
                "{what} needs the secret key: give --key-file PATH or --key-env VAR \
                 (keys are never taken from the command line)"
            ))),
            None => Ok(None),
        },
    }
}

/// Counts bad records; the run ends with status 2 if any.
#[derive(Default)]
struct Trouble {
    bad: usize,
}

impl Trouble {
    fn report(&mut self, name: &str, what: impl std::fmt::Display) {
        self.bad += 1;
        say(TOOL, format_args!("{name}:{what}"));
    }

    fn finish(self, outcome: Outcome) -> Result<Outcome> {
        match self.bad {
            0 => Ok(outcome),
            1 => Err(Error::trouble("1 message could not be read (see above)")),
            n => Err(Error::trouble(format!(
                "{n} messages could not be read (see above)"
            ))),
        }
    }
}

fn parse_record(
    bytes: &[u8],
    kind: InputKind,
    line: usize,
    name: &str,
    trouble: &mut Trouble,
) -> Option<Message> {
    match message::parse(bytes, kind, line) {
        Ok(m) => Some(m),
        Err(e) => {
            trouble.report(name, e);
            None
        }
    }
}

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
        if self.fast
            && self.args.message.input != InputKind::Form
            && fast::compute_line(
                bytes,
                &self.choice,
                self.args.seal_only,
                &self.keys,
                scratch,
                out,
            )
            .is_some()
        {
            out.push(b'\n');
            return Sealed::Done;
        }
        let mut msg = match message::parse(bytes, self.args.message.input, line) {
            Ok(m) => m,
            Err(e) => return Sealed::Bad(e),
        };
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
            Err(e) => return Sealed::Fatal(Error::trouble(e)),
        };
        let seal = seal_of(scheme, a.algorithm, a.seal_string.text.as_bytes(), key);
        if self.args.seal_only {
            out.extend_from_slice(seal.as_bytes());
        } else {
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

/// Up to `BATCH_LINES` non-blank lines and where each starts.
#[derive(Default)]
struct Batch {
    chunk: Vec<u8>,
    lines: Vec<(usize, std::ops::Range<usize>)>,
}

impl Batch {
    fn fill(&mut self, input: &mut Input, line_no: &mut usize) -> Result<()> {
        self.chunk.clear();
        self.lines.clear();
        while self.lines.len() < BATCH_LINES {
            let start = self.chunk.len();
            let n = input
                .reader()
                .read_until(b'\n', &mut self.chunk)
                .map_err(|e| {
                    Error::io(
                        format!("reading {}", paylot_cli::input::quote(input.name())),
                        e,
                    )
                })?;
            if n == 0 {
                break;
            }
            *line_no += 1;
            if !self.chunk[start..].iter().all(u8::is_ascii_whitespace) {
                self.lines.push((*line_no, start..self.chunk.len()));
            }
        }
        Ok(())
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

/// Lines per part of a batch.
const PART_LINES: usize = 256;

/// Lines per batch in `--jsonl` mode; each batch is split between the
/// machine's cores and written out in input order.
const BATCH_LINES: usize = 4096;

pub fn compute(args: &ComputeArgs, out: &mut Output) -> Result<Outcome> {
    let secret = read_secret(&args.key, Some("seal compute"))?.expect("required");
    let job = ComputeJob {
        args,
        choice: args.message.choice(),
        keys: Keys::new(secret.expose()),
        fast: true,
    };
    let mut input = open_input(&args.message)?;
    let name = input.name().to_string();
    let mut trouble = Trouble::default();
    let werr = |e| Error::io("writing <stdout>", e);

    if !args.message.jsonl {
        let bytes = input.read_all()?;
        let first = message::records(&bytes, false)[0].0;
        let mut buf = Vec::new();
        match job.record(&bytes, first, &mut fast::Scratch::default(), &mut buf) {
            Sealed::Done => out.write_all(&buf).map_err(werr)?,
            Sealed::Bad(e) => trouble.report(&name, e),
            Sealed::Fatal(e) => return Err(e),
        }
        return trouble.finish(Outcome::Yes);
    }

    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    // Each batch is cut into parts that the threads take in turn, so that
    // this thread, once it has read the next batch, seals parts too.
    let mut slots: Vec<Mutex<Part>> = Vec::new();
    let mut line_no = 0;
    let mut current = Batch::default();
    let mut next = Batch::default();
    current.fill(&mut input, &mut line_no)?;
    while !current.lines.is_empty() {
        let parts: Vec<&[(usize, std::ops::Range<usize>)]> =
            current.lines.chunks(PART_LINES).collect();
        while slots.len() < parts.len() {
            slots.push(Mutex::new(Part::default()));
        }
        let taken = AtomicUsize::new(0);
        let seal_parts = || {
            let mut scratch = fast::Scratch::default();
            loop {
                let i = taken.fetch_add(1, Ordering::Relaxed);
                let Some(lines) = parts.get(i) else { break };
                let mut slot = slots[i].lock().expect("a worker panicked");
                let Part {
                    out: buf,
                    bad,
                    fatal,
                } = &mut *slot;
                buf.clear();
                bad.clear();
                *fatal = None;
                for (line, range) in lines.iter() {
                    match job.record(&current.chunk[range.clone()], *line, &mut scratch, buf) {
                        Sealed::Done => {}
                        Sealed::Bad(e) => bad.push(e),
                        Sealed::Fatal(e) => {
                            *fatal = Some(e);
                            break;
                        }
                    }
                }
            }
        };
        let read = std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(seal_parts);
            }
            let read = next.fill(&mut input, &mut line_no);
            seal_parts();
            read
        });
        for slot in &mut slots[..parts.len()] {
            let part = slot.get_mut().expect("a worker panicked");
            out.write_all(&part.out).map_err(werr)?;
            for e in part.bad.drain(..) {
                trouble.report(&name, e);
            }
            if let Some(e) = part.fatal.take() {
                return Err(e);
            }
        }
        read?;
        std::mem::swap(&mut current, &mut next);
    }
    trouble.finish(Outcome::Yes)
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

/// One verification result, as printed.
#[derive(Debug, Serialize)]
struct Verdict {
    #[serde(rename = "type")]
    kind: &'static str,
    version: u32,
    line: usize,
    valid: bool,
    scheme: &'static str,
    algorithm: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    likely_cause: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

impl Verdict {
    /// A result that is not valid until the check says so.
    fn invalid(line: usize, scheme: &'static str, algorithm: &'static str) -> Verdict {
        Verdict {
            kind: "verify",
            version: 1,
            line,
            valid: false,
            scheme,
            algorithm,
            reason: None,
            likely_cause: None,
            warnings: Vec::new(),
        }
    }
}

const NO_KNOWN_CAUSE: &str = "no known integration mistake reproduces this seal: check that the key \
    (and keyVersion) is the one the gateway uses for this shop and environment, and that the message \
    reached you unchanged";

pub fn verify(args: &VerifyArgs, out: &mut Output) -> Result<Outcome> {
    let choice = args.message.choice();
    let secret = read_secret(&args.key, None)?;
    let pubkey = load_pubkey(args.pubkey.as_deref())?;
    let mut records = Records::new(open_input(&args.message)?, args.message.jsonl);
    let name = records.name();
    let mut trouble = Trouble::default();
    let mut all_valid = true;
    let mut buf = Vec::new();
    while let Some((line, bytes)) = records.next()? {
        let Some(msg) = parse_record(bytes, args.message.input, line, &name, &mut trouble) else {
            continue;
        };
        let (scheme, _) = analysis::scheme_of(&msg, &choice);
        let verdict = if scheme == Scheme::PayboxIpn {
            match verify_ipn(&msg, &pubkey, args.sig_field.as_deref(), line) {
                Ok(v) => v,
                Err(e) => {
                    trouble.report(&name, format_args!("{line}: {e}"));
                    continue;
                }
            }
        } else {
            let Some(secret) = &secret else {
                return Err(Error::trouble(
                    "seal verify needs the secret key: give --key-file PATH or --key-env VAR \
                     (keys are never taken from the command line)",
                ));
            };
            let a = match Analysis::of(&msg, &choice) {
                Ok(a) => a,
                Err(e) => {
                    trouble.report(&name, format_args!("{line}: {e}"));
                    continue;
                }
            };
            verify_one(&msg, &a, secret, line)?
        };
        if !verdict.valid {
            all_valid = false;
            let cause = match &verdict.likely_cause {
                Some(c) => format!("; likely cause: {c}"),
                None => String::new(),
            };
            say(
                TOOL,
                format_args!(
                    "{name}:{line}: {}{cause}",
                    verdict.reason.as_deref().unwrap_or("invalid")
                ),
            );
        }
        for w in &verdict.warnings {
            warn(TOOL, format_args!("{name}:{line}: {w}"));
        }
        buf.clear();
        serde_json::to_writer(&mut buf, &verdict).map_err(|e| Error::trouble(e.to_string()))?;
        write_line(out, &buf)?;
    }
    trouble.finish(Outcome::from_bool(all_valid))
}

fn verify_one(msg: &Message, a: &Analysis, secret: &Secret, line: usize) -> Result<Verdict> {
    let key = key_bytes(a.scheme, secret.expose()).map_err(Error::trouble)?;
    let mut v = Verdict::invalid(line, a.scheme.name(), a.algorithm.name());
    let Some(given) = &a.given else {
        let mut reason = format!(
            "unsealed: the message carries no {} field",
            a.scheme.seal_field()
        );
        if a.scheme == Scheme::SipsJson && matches!(a.direction, Some((Direction::Response, _))) {
            reason.push_str(
                " (the Sips test platform sends none; an unsealed response must never be taken as valid)",
            );
        }
        v.reason = Some(reason);
        return Ok(v);
    };
    let computed = seal_of(a.scheme, a.algorithm, a.seal_string.text.as_bytes(), &key);
    if same_seal(given, &computed) {
        v.valid = true;
        if differs_only_in_case(given, &computed) {
            v.warnings.push(format!(
                "the seal matches, but its hex digits are in the other case than {} writes them",
                a.scheme
            ));
        }
        return Ok(v);
    }
    v.reason = Some("seal does not match".to_string());
    let cause = crate::diagnose::diagnose(msg, a, secret.expose(), secret.trailing_line_ending());
    v.likely_cause = Some(cause.unwrap_or_else(|| NO_KNOWN_CAUSE.to_string()));
    Ok(v)
}

fn load_pubkey(path: Option<&std::path::Path>) -> Result<rsa::RsaPublicKey> {
    match path {
        None => ipn::public_key(ipn::PAYBOX_PUBLIC_KEY).map_err(Error::trouble),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                Error::io(format!("cannot read the public key \"{}\"", p.display()), e)
            })?;
            ipn::public_key(&text).map_err(|e| Error::trouble(format!("\"{}\": {e}", p.display())))
        }
    }
}

/// The raw query string of a Paybox return: the form body as received, or
/// a JSON object's `query` field.
fn ipn_query(msg: &Message) -> std::result::Result<String, String> {
    if let Some(raw) = &msg.raw_form {
        return Ok(raw.trim().to_string());
    }
    match msg.fields.get("query") {
        Some(Value::String(q)) => Ok(q.clone()),
        _ => Err(
            "paybox-ipn needs the raw query string as received: give it with --input form, \
                  or as the \"query\" field of a JSON object"
                .into(),
        ),
    }
}

fn verify_ipn(
    msg: &Message,
    key: &rsa::RsaPublicKey,
    sig_field: Option<&str>,
    line: usize,
) -> std::result::Result<Verdict, String> {
    let query = ipn_query(msg)?;
    let split = ipn::split(&query, sig_field)?;
    let mut v = Verdict::invalid(line, Scheme::PayboxIpn.name(), "RSA-SHA-1");
    if !split.last {
        v.warnings.push(format!(
            "the signature parameter {} is not the last one; Paybox puts it last (K must end PBX_RETOUR)",
            split.field
        ));
    }
    let signature = match ipn::decode_signature(split.raw_signature) {
        Ok(s) => s,
        Err(e) => {
            let spaced = split.raw_signature.contains(' ') || split.raw_signature.is_empty();
            v.reason = Some(format!("parameter {}: {e}", split.field));
            v.likely_cause = Some(if spaced {
                "the signature's '+' signs were turned into spaces by form decoding: pass the raw query string".into()
            } else {
                NO_KNOWN_CAUSE.into()
            });
            return Ok(v);
        }
    };
    if ipn::verifies(key, split.signed.as_bytes(), &signature) {
        v.valid = true;
        return Ok(v);
    }
    v.reason = Some(format!(
        "signature does not verify over \"{}\" (the text before &{}=)",
        paylot_cli::text::mask(split.signed),
        split.field
    ));
    v.likely_cause = Some(ipn::diagnose(key, &split, &signature).unwrap_or_else(|| {
        "no known integration mistake reproduces this signature: check that the query string \
         is complete and exactly as received, that the signature parameter is the right one \
         (--sig-field), and that the IPN came from Paybox"
            .into()
    }));
    Ok(v)
}

pub fn explain(args: &ExplainArgs, out: &mut Output) -> Result<Outcome> {
    let choice: Choice = args.message.choice();
    let secret = read_secret(&args.key, None)?;
    let pubkey = load_pubkey(args.pubkey.as_deref())?;
    let mut records = Records::new(open_input(&args.message)?, args.message.jsonl);
    let name = records.name();
    let mut trouble = Trouble::default();
    let mut all_match = true;
    let mut first = true;
    while let Some((line, bytes)) = records.next()? {
        let Some(msg) = parse_record(bytes, args.message.input, line, &name, &mut trouble) else {
            continue;
        };
        let (scheme, scheme_reason) = analysis::scheme_of(&msg, &choice);
        let report = if scheme == Scheme::PayboxIpn {
            let query = match ipn_query(&msg) {
                Ok(q) => q,
                Err(e) => {
                    trouble.report(&name, format_args!("{line}: {e}"));
                    continue;
                }
            };
            match explain::ipn_report(
                &query,
                &scheme_reason,
                &pubkey,
                args.sig_field.as_deref(),
                args.reveal,
                line,
            ) {
                Ok(r) => r,
                Err(e) => {
                    trouble.report(&name, format_args!("{line}: {e}"));
                    continue;
                }
            }
        } else {
            let a = match Analysis::of(&msg, &choice) {
                Ok(a) => a,
                Err(e) => {
                    trouble.report(&name, format_args!("{line}: {e}"));
                    continue;
                }
            };
            let check = match &secret {
                Some(s) => {
                    let key = key_bytes(a.scheme, s.expose()).map_err(Error::trouble)?;
                    let computed =
                        seal_of(a.scheme, a.algorithm, a.seal_string.text.as_bytes(), &key);
                    let cause = match &a.given {
                        Some(g) if !same_seal(g, &computed) => Some(
                            crate::diagnose::diagnose(
                                &msg,
                                &a,
                                s.expose(),
                                s.trailing_line_ending(),
                            )
                            .unwrap_or_else(|| NO_KNOWN_CAUSE.to_string()),
                        ),
                        _ => None,
                    };
                    Some((computed, s.origin().to_string(), cause))
                }
                None => None,
            };
            explain::report(&a, check, args.reveal, line)
        };
        if report.matches == Some(false) {
            all_match = false;
        }
        if args.json {
            let mut buf = serde_json::to_vec(&report).map_err(|e| Error::trouble(e.to_string()))?;
            buf.shrink_to_fit();
            write_line(out, &buf)?;
        } else {
            if !first {
                write_line(out, b"")?;
            }
            let text = explain::render(&report, args.reveal);
            out.write_all(text.as_bytes())
                .map_err(|e| Error::io("writing <stdout>", e))?;
        }
        first = false;
    }
    trouble.finish(Outcome::from_bool(all_match))
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
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| Value::Number(n.into())),
            "[ -~\u{e9}\\\\\"]{0,8}".prop_map(Value::String),
        ];
        let value = leaf.prop_recursive(2, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec(("[a-zA-Z]{1,4}", inner), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        });
        (
            prop_oneof![
                "[a-zA-Z]{1,6}",
                "PBX_[A-Z]{1,3}",
                "vads_[a-z]{1,3}",
                Just("responseCode".to_string())
            ],
            value,
        )
    }

    proptest! {
        /// The fast path writes exactly what the general path writes.
        #[test]
        fn fast_and_general_paths_agree(fields in prop::collection::vec(field(), 0..6), seal_only in any::<bool>()) {
            let obj: Map<String, Value> = fields.into_iter().collect();
            let line = serde_json::to_vec(&obj).unwrap();
            let args = if seal_only { job(&["--key-env", "K", "--seal-only"]) } else { job(&["--key-env", "K"]) };
            prop_assert_eq!(run(&args, true, &line), run(&args, false, &line));
        }
    }
}
