//! `xmlbatch status --format paybox-direct`: Paybox Direct answers, one
//! per line as the gateway sends them, matched to the requests sent.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

use gateways::paybox::codes;
use gateways::paybox::direct::{self, ECHOED};
use gateways::paybox::fields;
use gateways::show;
use gateways::Decision;
use paylot_cli::progress::{Progress, Unit};
use paylot_cli::records::{OutputFormat, RecordWriter};
use paylot_cli::{Error, Input, Result};

use super::{mismatch, Tally};

use gateways::paybox::direct::UNKNOWN_STATE;

/// The fields of a request its answer is matched and completed with
/// (not the card data: nothing more is kept than needed).
const KEPT: &[&str] = &[
    "SITE",
    "RANG",
    "NUMQUESTION",
    "TYPE",
    "REFERENCE",
    "MONTANT",
    "DEVISE",
];

/// A request sent, as far as its answer is concerned.
struct Sent {
    line: u64,
    fields: HashMap<String, String>,
    answered: bool,
    /// The line of its answer, once answered.
    answer_line: u64,
}

impl Sent {
    fn get(&self, k: &str) -> &str {
        self.fields.get(k).map_or("", String::as_str)
    }
}

/// Every line of `reader` (the rule and its bound: `direct::each_line`).
fn lines(
    reader: &mut dyn BufRead,
    name: &str,
    f: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    direct::each_line(reader, name, f)
}

/// An amount as the request padded it, without the padding.
fn unpadded(amount: &str) -> &str {
    match amount.trim_start_matches('0') {
        "" if !amount.is_empty() => "0",
        t => t,
    }
}

fn key(n: &str) -> String {
    n.trim().trim_start_matches('0').to_string()
}

/// Write one record per answer line in `reader` to `out`.
pub fn status_direct(
    question: Option<&Path>,
    format: OutputFormat,
    name: &str,
    mut reader: Box<dyn BufRead>,
    out: &mut dyn Write,
) -> Result<Tally> {
    // The requests, in order, when asked to match.
    let mut sent: Vec<Sent> = Vec::new();
    let mut by_number: HashMap<String, usize> = HashMap::new();
    // Requests whose NUMQUESTION an earlier one has, in words: each a
    // mismatch once the tally is made.
    let mut repeated: Vec<String> = Vec::new();
    let qname = match question {
        Some(qpath) => {
            let qin = Input::open(Some(qpath))?;
            let qname = qin.name().to_string();
            let mut r = qin.into_reader();
            lines(&mut *r, &qname, |line, bytes| {
                let fields = direct::parse_request(bytes);
                if fields.is_empty() {
                    return Ok(());
                }
                if !direct::is_request(|k| fields.iter().any(|(n, _)| n == k))
                    || !fields.iter().any(|(n, _)| n == "NUMQUESTION")
                {
                    return Err(Error::trouble(format!(
                        "{qname}:{line}: not a Paybox Direct request (no VERSION and NUMQUESTION fields): give --question the requests file xmlbatch build --format paybox-direct wrote"
                    )));
                }
                let fields: HashMap<String, String> = fields
                    .into_iter()
                    .filter(|(k, _)| KEPT.contains(&k.as_str()))
                    .collect();
                // The first is kept, as for a Paybox Question (nothing
                // an answer echoes tells two requests of one NUMQUESTION
                // apart): the repeat was said unanswered while the one
                // answer, which may be its own, was shown under the first.
                // It stays in the order (a curl loop's answers are matched
                // by position when their number is taken), and is said.
                let number = key(&fields["NUMQUESTION"]);
                if let Some(&first) = by_number.get(&number) {
                    repeated.push(format!(
                        "{qname}:{line}: request {}: NUMQUESTION is already used on line {}: its answer cannot be told from that one's (a NUMQUESTION is new every day: the gateway answers a repeat 00039)",
                        show(&fields["NUMQUESTION"]),
                        sent[first].line
                    ));
                } else {
                    by_number.insert(number, sent.len());
                }
                sent.push(Sent {
                    line,
                    fields,
                    answered: false,
                    answer_line: 0,
                });
                Ok(())
            })?;
            Some(qname)
        }
        None => None,
    };

    let mut rec = RecordWriter::new(
        out,
        format,
        "answer",
        fields::answer_column_names(),
        fields::answer_column_kind,
    )?;
    let mut tally = Tally::direct(question.is_some());
    for msg in repeated {
        mismatch(&mut tally, msg);
    }
    let mut progress = Progress::new(Unit::Records("answers"));
    let mut position = 0usize;
    let mut seen_any = false;
    lines(&mut *reader, name, |line, bytes| {
        seen_any |= !bytes.iter().all(u8::is_ascii_whitespace);
        let pairs = direct::parse_answer(bytes);
        let repeated = direct::repeated_field(&pairs).map(str::to_string);
        let answer: HashMap<String, String> = pairs.into_iter().collect();
        let at = position;
        position += 1;
        let get = |k: &str| answer.get(k).map_or("", String::as_str);
        // The request this line answers: by its echoed number, else the
        // request at the same position (a curl loop writes them in order).
        let request = if let Some(q) = &qname {
            let by_echo = by_number
                .get(&key(get("NUMQUESTION")))
                .copied()
                .filter(|i| !sent[*i].answered && !get("NUMQUESTION").is_empty());
            let found = by_echo.or(Some(at).filter(|i| *i < sent.len() && !sent[*i].answered));
            match found {
                Some(i) => {
                    sent[i].answered = true;
                    sent[i].answer_line = line;
                    Some(i)
                }
                None => {
                    // A request answered already: said as such, not as
                    // a number the requests file lacks.
                    let again = by_number
                        .get(&key(get("NUMQUESTION")))
                        .map(|&i| &sent[i])
                        .filter(|s| s.answered && !get("NUMQUESTION").is_empty());
                    if let Some(s) = again {
                        mismatch(
                            &mut tally,
                            format!(
                                "{name}:{line}: answer to question {} is a second answer to the request on line {} of {}: the first is on line {}",
                                show(get("NUMQUESTION")),
                                s.line,
                                paylot_cli::input::quote(q),
                                s.answer_line
                            ),
                        );
                    } else if !answer.is_empty() {
                        mismatch(
                            &mut tally,
                            format!(
                                "{name}:{line}: answer to question {} is unexpected: no such request unanswered in {}",
                                show(get("NUMQUESTION")),
                                paylot_cli::input::quote(q)
                            ),
                        );
                    }
                    None
                }
            }
        } else {
            None
        };
        let code = get(direct::CODE_FIELD);
        let well_formed = code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit());
        let outcome = match (&repeated, well_formed) {
            // Which value did the gateway mean? Neither is taken.
            (Some(k), _) => {
                paylot_cli::note(format_args!(
                    "{name}:{line}: the field {} is given twice: the answer is ambiguous; {UNKNOWN_STATE}",
                    show(k)
                ));
                Decision::Unknown
            }
            (None, false) if !code.is_empty() => {
                paylot_cli::note(format_args!(
                    "{name}:{line}: CODEREPONSE {} is not a 5-digit code: {UNKNOWN_STATE}",
                    show(code)
                ));
                Decision::Unknown
            }
            _ => direct::decision(code).unwrap_or(Decision::Unknown),
        };
        if let (Some(i), Some(q)) = (request, &qname) {
            let s = &sent[i];
            if answer.is_empty() {
                paylot_cli::note(format_args!(
                    "{name}:{line}: no answer to the request on {q}:{}: {UNKNOWN_STATE}",
                    s.line
                ));
            } else {
                for field in ECHOED {
                    if !direct::same_echo(field, s.get(field), get(field)) {
                        mismatch(
                            &mut tally,
                            format!(
                                "{name}:{line}: {field} is {}, the request ({q}:{}) says {}: this answer may not be this request's; {UNKNOWN_STATE}",
                                show(get(field)),
                                s.line,
                                show(s.get(field))
                            ),
                        );
                    }
                }
            }
        }
        if answer.is_empty() && request.is_none() {
            // A blank line matched to nothing: nothing to report.
            return Ok(());
        }
        if !answer.is_empty() && code.is_empty() {
            paylot_cli::note(format_args!(
                "{name}:{line}: not a Paybox Direct answer (no CODEREPONSE): {UNKNOWN_STATE}"
            ));
        }
        tally.add(outcome);
        progress.update(tally.answers());
        let s = request.map(|i| &sent[i]);
        let from_request = |k: &str| s.map_or("", |s| s.get(k));
        let type_code = from_request("TYPE");
        let op_name = codes::op_by_code(type_code)
            .filter(|_| type_code.len() == 5)
            .map(|t| t.name)
            .unwrap_or("");
        let number = if get("NUMQUESTION").is_empty() {
            from_request("NUMQUESTION")
        } else {
            get("NUMQUESTION")
        };
        let meaning = if repeated.is_some() {
            "ambiguous: a field is given twice"
        } else if code.is_empty() {
            "no answer code"
        } else if outcome == Decision::Unknown {
            "not a code the gateway gives"
        } else {
            codes::meaning(code)
        };
        rec.write(&[
            number,
            type_code,
            op_name,
            from_request("REFERENCE"),
            unpadded(from_request("MONTANT")),
            from_request("DEVISE"),
            code,
            meaning,
            outcome.as_str(),
            get("AUTORISATION"),
            get("NUMAPPEL"),
            get("NUMTRANS"),
            get("PAYS"),
            get("COMMENTAIRE"),
            get("REFABONNE"),
            get("PORTEUR"),
        ])?;
        Ok(())
    })?;
    if !seen_any && qname.is_none() {
        return Err(Error::trouble(format!(
            "{}: empty input (expected Paybox Direct answers, one per line; give the requests with --question to have every lost answer reported)",
            paylot_cli::input::quote(name)
        )));
    }
    if let Some(q) = &qname {
        // A repeat without an answer is said above, once.
        let first = |i: usize| by_number.get(&key(sent[i].get("NUMQUESTION"))) == Some(&i);
        for (_, s) in sent
            .iter()
            .enumerate()
            .filter(|&(i, s)| !s.answered && first(i))
        {
            mismatch(
                &mut tally,
                format!(
                    "{q}:{}: question {} has no answer in {}: {UNKNOWN_STATE}",
                    s.line,
                    show(s.get("NUMQUESTION")),
                    paylot_cli::input::quote(name)
                ),
            );
        }
    }
    rec.finish()?;
    progress.done();
    Ok(tally)
}
