//! `seal verify`: one JSON verdict per message, and on stderr what is
//! wrong and the likely cause.

use gateways::paybox::ipn;
use gateways::schemes::Scheme;
use paylot_cli::{say, warn, Error, Outcome, Output, Result, Secret};
use serde::Serialize;
use serde_json::Value;

use gateways::sips::office;
use gateways::sips::seal::Direction;

use crate::analysis::Choice;
use crate::analysis::{self, Analysis};
use crate::check;
use crate::cli::TOOL;
use crate::cli::{open_input, write_line, VerifyArgs};
use crate::fast;
use crate::message::InputKind;
use crate::message::Message;
use crate::message::Unreadable;
use crate::records::{
    each_line_in_parallel, parse_message, read_secret, Finished, Records, Trouble,
};
use gateways::schemes::Keys;

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
    /// Sips JSON whose fields do not tell request from response: the one
    /// its seal matches as.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
    /// Paybox returns signed by a rule of their own (RemoteMPI): which.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'static str>,
    /// Sips Office Server responses: the code, in words, and what the
    /// gateway says to do (the seal's verdict first: an unsealed or
    /// altered response says nothing trustworthy).
    #[serde(skip_serializing_if = "Option::is_none")]
    response_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    meaning: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
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
            message: None,
            rule: None,
            response_code: None,
            meaning: None,
            outcome: None,
            action: None,
            warnings: Vec::new(),
        }
    }
}

/// What verifying one record gave, said in input order.
enum Judged {
    /// A verdict: its JSON line, and the lines for a person (stderr).
    Verdict {
        valid: bool,
        json: Vec<u8>,
        said: Vec<String>,
        warned: Vec<String>,
    },
    /// The record could not be judged: where and why (`line: what`).
    Unreadable(String),
}

/// What every record is judged with.
struct Judge<'a> {
    args: &'a VerifyArgs,
    choice: Choice,
    secret: Option<Secret>,
    /// The secret's key for each scheme, for the fast path.
    keys: Option<Keys>,
    pubkey: rsa::RsaPublicKey,
    name: String,
}

impl Judge<'_> {
    /// Judge one record. Nothing is said here: the caller says it, in
    /// input order, whichever thread judged.
    fn judge(&self, scratch: &mut fast::Scratch, bytes: &[u8], line: usize) -> Result<Judged> {
        let name = &self.name;
        // A valid seal on a usual line: said at once. The rest, below.
        if let (Some(keys), true) = (&self.keys, self.args.message.input != InputKind::Form) {
            let mut json = Vec::with_capacity(128);
            if fast::verify_line(bytes, line, &self.choice, keys, scratch, &mut json).is_some() {
                return Ok(Judged::Verdict {
                    valid: true,
                    json,
                    said: Vec::new(),
                    warned: Vec::new(),
                });
            }
        }
        let msg = match parse_message(bytes, self.args.message.input, line) {
            Ok(m) => m,
            Err(e) => return Ok(Judged::Unreadable(e)),
        };
        if self.choice.scheme.is_none()
            && gateways::paybox::direct::is_answer(|k| msg.fields.contains_key(k))
        {
            return Ok(Judged::Unreadable(format!(
                "{line}: a Paybox Direct answer: the gateway does not seal its Direct answers, there is nothing to verify; check it against its request with xmlbatch status --question REQUESTS"
            )));
        }
        let (scheme, _) = analysis::scheme_of(&msg, &self.choice);
        let verdict = if scheme == Scheme::PayboxIpn {
            match verify_ipn(&msg, &self.pubkey, self.args.ipn.sig_field.as_deref(), line) {
                Ok(v) => v,
                Err(e) => return Ok(Judged::Unreadable(format!("{line}: {e}"))),
            }
        } else {
            let Some(secret) = &self.secret else {
                return Err(Error::trouble(
                    "seal verify needs the secret key: give --key-file PATH or --key-env VAR \
                     (keys are never taken from the command line)",
                ));
            };
            let a = match Analysis::of(&msg, &self.choice) {
                Ok(a) => a,
                Err(e) => return Ok(Judged::Unreadable(format!("{line}: {e}"))),
            };
            let mut a = a;
            let mut v = verify_one(&msg, &mut a, secret, line)?;
            read_response_code(&msg, &a, &mut v);
            v
        };
        let mut said = Vec::new();
        if !verdict.valid {
            let mut cause = match &verdict.likely_cause {
                Some(c) => format!("; likely cause: {c}"),
                None => String::new(),
            };
            if let Some(action) = verdict.action {
                cause.push_str("; ");
                cause.push_str(action);
            }
            said.push(format!(
                "{name}:{line}: {}{cause}",
                verdict.reason.as_deref().unwrap_or("invalid")
            ));
        }
        if let (true, Some(code), Some(meaning), Some(action)) = (
            verdict.valid,
            &verdict.response_code,
            verdict.meaning,
            verdict.action,
        ) {
            if code != "00" && !self.args.message.quiet.quiet {
                said.push(format!(
                    "{name}:{line}: responseCode {}: {meaning}; {action}",
                    paylot_cli::text::safe(code)
                ));
            }
        }
        let warned = verdict
            .warnings
            .iter()
            .map(|w| format!("{name}:{line}: {w}"))
            .collect();
        let mut value =
            serde_json::to_value(&verdict).map_err(|e| Error::trouble(e.to_string()))?;
        paylot_cli::json::mask_strings(&mut value);
        Ok(Judged::Verdict {
            valid: verdict.valid,
            json: paylot_cli::json::to_vec(&value),
            said,
            warned,
        })
    }
}

/// Say and write one record's result; false when it was not valid.
fn deliver(j: Judged, name: &str, trouble: &mut Trouble, out: &mut Output) -> Result<bool> {
    match j {
        Judged::Unreadable(e) => {
            trouble.report(name, e);
            Ok(true)
        }
        Judged::Verdict {
            valid,
            json,
            said,
            warned,
        } => {
            trouble.count(if valid { "valid" } else { "invalid" });
            for s in said {
                say(TOOL, s);
            }
            for w in warned {
                warn(TOOL, w);
            }
            write_line(out, &json)?;
            Ok(valid)
        }
    }
}

pub fn run(args: &VerifyArgs, out: &mut Output) -> Result<Finished> {
    let secret = read_secret(&args.key, None)?;
    let judge = Judge {
        args,
        choice: args.message.choice(),
        keys: secret.as_ref().map(|s| Keys::new(s.expose())),
        secret,
        pubkey: load_pubkey(args.ipn.pubkey.as_deref())?,
        name: String::new(),
    };
    let mut input = open_input(&args.message)?;
    let name = input.name().to_string();
    let judge = Judge {
        name: name.clone(),
        ..judge
    };
    let mut trouble = Trouble::new(&args.message, &name, &["valid", "invalid"]);
    let mut all_valid = true;
    if !args.message.jsonl {
        let mut records = Records::new(input, false);
        while let Some((line, bytes)) = records.next_record()? {
            trouble.record();
            let j = judge.judge(&mut fast::Scratch::default(), bytes, line)?;
            all_valid &= deliver(j, &name, &mut trouble, out)?;
        }
        return trouble.finish(Outcome::from_bool(all_valid));
    }
    // One message per line: judged by every core, said in order.
    each_line_in_parallel(
        &mut input,
        |part: &mut Vec<Result<Judged>>| part.clear(),
        |scratch: &mut fast::Scratch, part: &mut Vec<Result<Judged>>, line, bytes| {
            let j = judge.judge(scratch, bytes, line);
            let go_on = j.is_ok();
            part.push(j);
            go_on
        },
        |part, lines| {
            trouble.records(lines);
            for j in part.drain(..) {
                all_valid &= deliver(j?, &name, &mut trouble, out)?;
            }
            Ok(())
        },
    )?;
    trouble.finish(Outcome::from_bool(all_valid))
}

fn verify_one(msg: &Message, a: &mut Analysis, secret: &Secret, line: usize) -> Result<Verdict> {
    let c = check::check(msg, a, secret)?;
    let mut v = Verdict::invalid(line, a.scheme.name(), a.algorithm.name());
    match c.matches {
        None => {
            let mut reason = format!(
                "unsealed: the message carries no {} field",
                a.scheme.seal_field()
            );
            if a.scheme == Scheme::PayboxDirect
                && msg
                    .fields
                    .contains_key(gateways::paybox::direct::PASSWORD_FIELD)
            {
                reason.push_str(
                    " (it is authenticated by its CLE, the Direct password, which only the gateway can check)",
                );
            }
            if a.scheme == Scheme::SipsJson && matches!(a.direction, Some((Direction::Response, _)))
            {
                reason.push_str(
                    " (the Sips test platform sends none; an unsealed response must never be taken as valid)",
                );
            }
            v.reason = Some(reason);
        }
        Some(true) => {
            v.valid = true;
            if let (true, Some((d, _))) = (a.unsure, &a.direction) {
                v.message = Some(d.name());
            }
            if c.other_case {
                v.warnings.push(format!(
                    "the seal matches, but its hex digits are in the other case than {} writes them",
                    a.scheme
                ));
            }
        }
        Some(false) => {
            v.reason = Some("seal does not match".to_string());
            v.likely_cause = c.likely_cause;
        }
    }
    Ok(v)
}

/// A Sips JSON response's `responseCode`, in words, with what to do; for
/// a response whose seal is missing or wrong, what the gateway says of
/// that instead: the state is unknown.
fn read_response_code(msg: &Message, a: &Analysis, v: &mut Verdict) {
    if a.scheme != Scheme::SipsJson {
        return;
    }
    let code = match msg.fields.get(office::RESPONSE_CODE_FIELD) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return,
    };
    let reading = office::reading(&code);
    v.response_code = Some(code);
    if v.valid {
        v.meaning = Some(reading.meaning);
        v.outcome = Some(reading.decision.as_str());
        v.action = Some(reading.action);
    } else {
        v.outcome = Some(gateways::Decision::Unknown.as_str());
        v.action = Some(office::UNKNOWN_STATE);
    }
}

pub fn load_pubkey(path: Option<&std::path::Path>) -> Result<rsa::RsaPublicKey> {
    match path {
        None => ipn::public_key(ipn::PAYBOX_PUBLIC_KEY).map_err(|e| Error::trouble(e.0)),
        Some(p) => {
            // Bounded: a file named here by mistake is not read whole.
            let max = paylot_cli::limits::PUBLIC_KEY_FILE;
            let mut bytes = Vec::new();
            let whole = std::fs::File::open(p)
                .and_then(|f| paylot_cli::limits::read_at_most(f, &mut bytes, max))
                .map_err(|e| {
                    Error::io(format!("cannot read the public key \"{}\"", p.display()), e)
                })?;
            if !whole {
                return Err(Error::trouble(format!(
                    "--pubkey \"{}\": more than {}, the most a public key file may hold (a PEM RSA key is under 1 KiB): is it the right file?",
                    p.display(),
                    paylot_cli::limits::show(max)
                )));
            }
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::trouble(format!(
                    "--pubkey \"{}\": not a PEM public key (not UTF-8 text)",
                    p.display()
                ))
            })?;
            ipn::public_key(&text).map_err(|e| Error::trouble(format!("\"{}\": {e}", p.display())))
        }
    }
}

/// The raw query string of a Paybox return: the form body as received, or
/// a JSON object's `query` field.
pub fn ipn_query(msg: &Message) -> std::result::Result<String, Unreadable> {
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
) -> std::result::Result<Verdict, Unreadable> {
    let query = ipn_query(msg)?;
    let split = ipn::split(&query, sig_field)?;
    let mut v = Verdict::invalid(line, Scheme::PayboxIpn.name(), "RSA-SHA-1");
    if !split.last {
        v.warnings.push(format!(
            "the signature parameter {} is not the last one; Paybox puts it last (K must end PBX_RETOUR)",
            split.field
        ));
    }
    let c = crate::ipn::check(key, &query, &split);
    v.valid = c.valid;
    v.rule = c.rule;
    if !c.valid {
        v.reason = Some(match &c.unreadable {
            Some(e) => format!("parameter {}: {e}", split.field),
            None => format!(
                "signature does not verify over \"{}\" (the text before &{}=)",
                paylot_cli::text::mask(split.signed),
                split.field
            ),
        });
        v.likely_cause = c.likely_cause;
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    fn args(extra: &[&str]) -> VerifyArgs {
        let mut argv = vec!["seal", "verify", "--key-env", "K"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::parse_from(argv).command {
            crate::cli::Command::Verify(v) => v,
            _ => unreachable!(),
        }
    }

    /// The JSON line a judge gives, with the fast path or without.
    fn secret() -> Secret {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, KEY).unwrap();
        paylot_cli::secret::SecretSource::File {
            path,
            option: "--key-file",
        }
        .read("key", &mut |_| {})
        .unwrap()
    }

    const KEY: &[u8] = b"0123456789abcdef";

    fn judged(args: &VerifyArgs, fast: bool, line: &[u8]) -> Option<Vec<u8>> {
        let secret = secret();
        let judge = Judge {
            args,
            choice: args.message.choice(),
            keys: fast.then(|| Keys::new(secret.expose())),
            secret: Some(secret),
            pubkey: load_pubkey(None).unwrap(),
            name: "t".into(),
        };
        match judge.judge(&mut fast::Scratch::default(), line, 1) {
            Ok(Judged::Verdict { json, .. }) => Some(json),
            _ => None,
        }
    }

    fn field() -> impl Strategy<Value = (String, Value)> {
        (
            prop_oneof![
                "[a-zA-Z]{1,6}",
                Just("keyVersion".to_string()),
                // The fields that tell a request from a response, and
                // one that tells nothing.
                Just("interfaceVersion".to_string()),
                Just("responseCode".to_string()),
                Just("redirectionData".to_string()),
            ],
            crate::strategies::value(),
        )
    }

    proptest! {
        /// The fast path says exactly what the general path says, on
        /// every shape, sealed right or wrong.
        #[test]
        fn fast_and_general_verdicts_agree(
            fields in prop::collection::vec(field(), 0..6),
            spaced in any::<bool>(),
            right in any::<bool>(),
        ) {
            let mut sealed: Map<String, Value> = fields.into_iter().collect();
            // Sealed by the gateway's rule (a Sips JSON request).
            let seal = gateways::sips::seal::json_seal(&sealed, Direction::Request, KEY).unwrap();
            sealed.insert("seal".into(), Value::String(seal));
            if !right {
                if let Some(Value::String(s)) = sealed.get_mut("seal") {
                    s.replace_range(0..1, "0");
                    s.push('0');
                }
            }
            let text = if spaced {
                serde_json::to_string_pretty(&sealed).unwrap()
            } else {
                serde_json::to_string(&sealed).unwrap()
            };
            let a = args(&[]);
            prop_assert_eq!(judged(&a, true, text.as_bytes()), judged(&a, false, text.as_bytes()));
        }
    }
}
