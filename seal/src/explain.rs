//! `seal explain`: everything that goes into a seal, for a person.

use std::io::Write;

use gateways::schemes::Scheme;
use paylot_cli::{Error, Outcome, Output, Result};

use crate::analysis::{self, Analysis, Choice};
use crate::cli::{open_input, write_line, ExplainArgs};
use crate::records::{parse_record, read_secret, Finished, Records, Trouble};
use crate::report;
use crate::verify::{ipn_query, load_pubkey};

pub fn run(args: &ExplainArgs, out: &mut Output) -> Result<Finished> {
    let choice: Choice = args.message.choice();
    let secret = read_secret(&args.key, None)?;
    let pubkey = load_pubkey(args.ipn.pubkey.as_deref())?;
    let mut records = Records::new(open_input(&args.message)?, args.message.jsonl);
    let name = records.name();
    let mut trouble = Trouble::new(
        &args.message,
        &name,
        &["matching", "not matching", "unsealed", "not checked"],
    );
    let mut all_match = true;
    let mut first = true;
    while let Some((line, bytes)) = records.next_record()? {
        trouble.record();
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
            match report::ipn_report(
                &query,
                &scheme_reason,
                &pubkey,
                args.ipn.sig_field.as_deref(),
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
            let mut a = match Analysis::of(&msg, &choice) {
                Ok(a) => a,
                Err(e) => {
                    trouble.report(&name, format_args!("{line}: {e}"));
                    continue;
                }
            };
            let check = match &secret {
                Some(s) => Some((
                    crate::check::check(&msg, &mut a, s)?,
                    s.origin().to_string(),
                )),
                None => None,
            };
            report::report(&a, check, args.reveal, line)
        };
        // Checked with a key, an unsealed message is not a valid one.
        let unsealed = report.seal_in_message.is_none();
        let checked = report.computed_seal.is_some();
        if report.matches == Some(false) || (unsealed && checked) {
            all_match = false;
        }
        trouble.count(match report.matches {
            Some(true) => "matching",
            Some(false) => "not matching",
            None if unsealed => "unsealed",
            None => "not checked",
        });
        if args.json {
            // Masked as it was made (report::report); a key read for the
            // check is never repeated, even when the message holds it.
            let mut value =
                serde_json::to_value(&report).map_err(|e| Error::trouble(e.to_string()))?;
            paylot_cli::json::scrub_strings(&mut value);
            write_line(out, &paylot_cli::json::to_vec(&value))?;
        } else {
            if !first {
                write_line(out, b"")?;
            }
            // A key read for the check is never repeated, even when the
            // message holds it (a key pasted into a field).
            let text = report::render(&report);
            let text = paylot_cli::redact::scrub(&text);
            if let Err(e) = out.write_all(text.as_bytes()) {
                return Err(crate::cli::writing(&out.name())(e));
            }
        }
        first = false;
    }
    trouble.finish(Outcome::from_bool(all_match))
}
