//! `xmlbatch build --format paybox-direct`: one Paybox Direct request per
//! row, each a form body on a line of its own, for a `curl` loop.

use std::io::Write;

use gateways::paybox::direct::{self, Auth};
use gateways::paybox::fields::Field;
use gateways::paybox::MAX_NUMBER;
use gateways::schemes::{key_bytes, Scheme};
use paylot_cli::{Access, Error, Input, Outcome, Output, Result};
use zeroize::Zeroizing;

use super::paybox::{created, first_question, read_operations, shop, vocabulary, PayboxOpts};
use super::{usage, Args};
use crate::cli::TOOL;
use crate::counter::Counter;

/// How the requests prove they come from the shop.
enum Authentication {
    /// The Direct password (CLE).
    Password(Zeroizing<String>),
    /// HMAC-SHA-512 with the shop's key (hex-decoded).
    Hmac(Zeroizing<Vec<u8>>),
}

pub(super) fn build_direct(args: Args, delim: u8) -> Result<Outcome> {
    let (site, rank) = shop(&args)?;
    for (given, opt) in [
        (args.batch.is_some(), "--batch"),
        (args.batch_state.is_some(), "--batch-state"),
    ] {
        if given {
            return Err(usage(format!(
                "{opt} is for --format paybox (a Direct request has a question number, no batch)"
            )));
        }
    }
    let first = first_question(&args)?;
    let (_, default_date) = created(&args)?;
    let columns = args.columns.mapping(&vocabulary())?;
    let auth = authentication(&args)?;
    // The counter comes last among the checks, so a usage error takes no lock.
    let state = match &args.question_state {
        Some(p) => Some(Counter::open(p, "question number", MAX_NUMBER)?),
        None => None,
    };
    let used = state.as_ref().map(|s| s.last);
    let first = match (&state, first) {
        (Some(s), _) => s.last + 1,
        (None, Some(n)) => n,
        (None, None) => 0,
    };
    let opts = PayboxOpts {
        // 0: the CSV must number its questions.
        first_question: first,
        ..PayboxOpts::new(
            &args,
            delim,
            (site.clone(), rank.clone()),
            default_date,
            columns,
        )?
    };
    let input = Input::open(args.file.path())?;
    let mut out = Output::create_spooled(args.output.path(), Access::Private)?;
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, &mut out);
    let write_err = |e: std::io::Error| Error::io("writing the Direct requests", e);
    let mut last_number = 0u64;
    let state_name = args
        .question_state
        .as_ref()
        .map(|p| paylot_cli::quote(&p.to_string_lossy()));
    // How the requests say who they are (the key itself stays here).
    let fields_auth = match &auth {
        Authentication::Password(p) => Auth::Password(p),
        Authentication::Hmac(_) => Auth::Hmac,
    };
    let rows = read_operations(
        &opts,
        input,
        |op, column, write| {
            let op = &op;
            let mut problems = Vec::new();
            // A number from the CSV at or below the counter may have been
            // sent already today: never twice.
            if let (Some(last), Some(state)) = (used, &state_name) {
                if u64::from(op.number) <= last {
                    problems.push((
                    column(Field::Question),
                    format!(
                        "question number {} is not above the last one used, {last} ({state}): a number is never sent twice",
                        op.number
                    ),
                ));
                }
            }
            let fields = direct::request_fields(op, &site, &rank, &fields_auth, &opts.default_date);
            // The gateway reads Latin-1: a value it cannot hold is the row's fault.
            for (k, v) in &fields {
                if let Err(c) = direct::latin1(v) {
                    let field = Field::ALL.into_iter().find(|f| f.direct() == *k);
                    problems.push((
                    field.map_or_else(|| k.to_string(), column),
                    format!(
                        "the character U+{:04X} cannot be sent: Paybox Direct reads Latin-1 (ISO-8859-1); write it without that character",
                        u32::from(c)
                    ),
                ));
                }
            }
            if !problems.is_empty() || !write {
                return Ok(problems);
            }
            let seal = match &auth {
                Authentication::Hmac(key) => {
                    let pairs: Vec<(String, String)> = fields
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect();
                    Some(direct::seal(&pairs, key))
                }
                Authentication::Password(_) => None,
            };
            let body = direct::request_body(&fields, seal.as_deref())
                .map_err(|_| Error::trouble("internal: a checked request is not Latin-1"))?;
            buffered.write_all(body.as_bytes()).map_err(write_err)?;
            buffered.write_all(b"\n").map_err(write_err)?;
            last_number = last_number.max(u64::from(op.number));
            Ok(problems)
        },
        &|| Ok(()),
    )?;
    buffered.flush().map_err(write_err)?;
    drop(buffered);
    match &state {
        Some(s) => s.store_and_commit(last_number.max(s.last), out)?,
        None => out.commit()?,
    }
    super::summarize(rows, args.quiet.quiet);
    Ok(Outcome::Yes)
}

/// `--key-file`/`--key-env` (HMAC) or `--cle-file`/`--cle-env` (CLE):
/// exactly one of them.
fn authentication(args: &Args) -> Result<Authentication> {
    match (args.key.source(), args.cle.source()) {
        (Some(_), Some(_)) => Err(usage(
            "give either --key-file/--key-env (HMAC) or --cle-file/--cle-env (CLE), not both",
        )),
        (None, None) => Err(usage(
            "paybox-direct requests need authentication: --key-file PATH (the shop's HMAC key, hex, from the back office) or --cle-file PATH (the Direct password)",
        )),
        (Some(_), None) => {
            let secret = args
                .key
                .read(TOOL)?
                .ok_or_else(|| usage("--key-file or --key-env is required"))?;
            let key = key_bytes(Scheme::PayboxDirect, secret.expose())
                .map_err(|e| Error::trouble(format!("{}: {e}", secret.origin())))?;
            Ok(Authentication::Hmac(key))
        }
        (None, Some(source)) => {
            let secret = source.read(super::CleArgs::WHAT, &mut |w| {
                paylot_cli::warn(TOOL, w)
            })?;
            let text = std::str::from_utf8(secret.expose())
                .map_err(|_| "the Direct password is not text")
                .and_then(|t| direct::password_problem(t).map_or(Ok(t), Err))
                .map_err(|why| Error::trouble(format!("{}: {why}", secret.origin())))?;
            Ok(Authentication::Password(Zeroizing::new(text.to_string())))
        }
    }
}
