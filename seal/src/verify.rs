//! `seal verify`: one JSON verdict per message, and on stderr what is
//! wrong and the likely cause.

use gateways::paybox::ipn;
use gateways::seal::Scheme;
use paylot_cli::{say, warn, Error, Outcome, Output, Result, Secret};
use serde::Serialize;
use serde_json::Value;

use gateways::sips::office;
use gateways::sips::seal::Direction;

use crate::analysis::{self, Analysis};
use crate::check::{self, NO_KNOWN_CAUSE};
use crate::cli::{open_input, write_line, VerifyArgs};
use crate::message::Message;
use crate::message::Unreadable;
use crate::records::{parse_record, read_secret, Finished, Records, Trouble};
use crate::TOOL;

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
            response_code: None,
            meaning: None,
            outcome: None,
            action: None,
            warnings: Vec::new(),
        }
    }
}

pub fn run(args: &VerifyArgs, out: &mut Output) -> Result<Finished> {
    let choice = args.message.choice();
    let secret = read_secret(&args.key, None)?;
    let pubkey = load_pubkey(args.pubkey.as_deref())?;
    let mut records = Records::new(open_input(&args.message)?, args.message.jsonl);
    let name = records.name();
    let mut trouble = Trouble::new(&args.message, &name, &["valid", "invalid"]);
    let mut all_valid = true;
    while let Some((line, bytes)) = records.next_record()? {
        trouble.record();
        let Some(msg) = parse_record(bytes, args.message.input, line, &name, &mut trouble) else {
            continue;
        };
        if choice.scheme.is_none() && msg.fields.contains_key("CODEREPONSE") {
            trouble.report(
                &name,
                format_args!(
                    "{line}: a Paybox Direct answer: the gateway does not seal its Direct answers, there is nothing to verify; check it against its request with xmlbatch status --question REQUESTS"
                ),
            );
            continue;
        }
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
            let mut v = verify_one(&msg, &a, secret, line)?;
            read_response_code(&msg, &a, &mut v);
            v
        };
        trouble.count(if verdict.valid { "valid" } else { "invalid" });
        if !verdict.valid {
            all_valid = false;
            let mut cause = match &verdict.likely_cause {
                Some(c) => format!("; likely cause: {c}"),
                None => String::new(),
            };
            if let Some(action) = verdict.action {
                cause.push_str("; ");
                cause.push_str(action);
            }
            say(
                TOOL,
                format_args!(
                    "{name}:{line}: {}{cause}",
                    verdict.reason.as_deref().unwrap_or("invalid")
                ),
            );
        }
        if let (true, Some(code), Some(meaning), Some(action)) = (
            verdict.valid,
            &verdict.response_code,
            verdict.meaning,
            verdict.action,
        ) {
            if code != "00" && !args.message.quiet.quiet {
                say(
                    TOOL,
                    format_args!(
                        "{name}:{line}: responseCode {}: {meaning}; {action}",
                        paylot_cli::text::safe(code)
                    ),
                );
            }
        }
        for w in &verdict.warnings {
            warn(TOOL, format_args!("{name}:{line}: {w}"));
        }
        let mut value =
            serde_json::to_value(&verdict).map_err(|e| Error::trouble(e.to_string()))?;
        paylot_cli::json::mask_strings(&mut value);
        write_line(out, &paylot_cli::json::to_vec(&value))?;
    }
    trouble.finish(Outcome::from_bool(all_valid))
}

fn verify_one(msg: &Message, a: &Analysis, secret: &Secret, line: usize) -> Result<Verdict> {
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
            let text = std::fs::read_to_string(p).map_err(|e| {
                Error::io(format!("cannot read the public key \"{}\"", p.display()), e)
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
    v.likely_cause = Some(
        crate::ipn::diagnose(key, &split, &signature).unwrap_or_else(|| {
            "no known integration mistake reproduces this signature: check that the query string \
         is complete and exactly as received, that the signature parameter is the right one \
         (--sig-field), and that the IPN came from Paybox"
                .into()
        }),
    );
    Ok(v)
}
