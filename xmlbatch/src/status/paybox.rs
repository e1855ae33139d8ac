//! `xmlbatch status` for Paybox: a status XML, matched to its Question.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

use gateways::paybox::codes;
use gateways::paybox::fields::{self, Field};
use gateways::paybox::question::{self, Header, QuestionItem};
use gateways::paybox::status::{read_status, Answer, StatusItem};
use gateways::show;
use paylot_cli::limits::{self, MATCHED_REQUEST};
use paylot_cli::progress::{Progress, Unit};
use paylot_cli::records::{OutputFormat, RecordWriter};
use paylot_cli::{Error, Input, Result};

use super::{mismatch, Tally};
use crate::pipeline::{two_stages, Feed, Item};

/// What crosses from the reading stage to the writing one.
enum Part {
    Header(Header),
    Answer(Answer),
}

impl Default for Part {
    fn default() -> Part {
        Part::Answer(Answer::default())
    }
}

impl Item for Part {
    fn held(&self) -> usize {
        match self {
            Part::Header(_) => 0,
            Part::Answer(a) => a.held(),
        }
    }
}

/// What a question's entry costs besides its values' text (its strings'
/// and the map's bookkeeping), counted against
/// [`paylot_cli::limits::MATCHED_REQUEST`].
const QUESTION_INFO: usize = 160;

struct QuestionInfo {
    type_code: String,
    reference: String,
    amount: String,
    currency: String,
    line: u64,
}

/// Write one record per answer of the status XML in `reader` to `out`.
pub fn status_paybox(
    question: Option<&Path>,
    format: OutputFormat,
    name: &str,
    reader: Box<dyn BufRead + Send>,
    out: &mut dyn Write,
) -> Result<Tally> {
    // The questions, when asked to match.
    let mut questions: Option<(String, Header, HashMap<String, QuestionInfo>)> = None;
    // Questions whose number an earlier question has: each said as a
    // mismatch once the tally is made.
    let mut repeated = Vec::new();
    if let Some(qpath) = question {
        let qin = Input::open(Some(qpath))?;
        let qname = qin.name().to_string();
        let mut header = Header::default();
        let mut map: HashMap<String, QuestionInfo> = HashMap::new();
        // What the map holds, bounded as a Lyra request's index is: the
        // questions were kept whatever their number and size, so a large
        // enough file took the memory (240 MB for 176 MB of questions).
        let mut kept = 0u64;
        question::read_questions(qin.into_reader(), &qname, |item| {
            match item {
                QuestionItem::Header(h) => header = h,
                QuestionItem::Question(q) => {
                    let number = q.number.clone().unwrap_or_default();
                    let key = number.trim_start_matches('0').to_string();
                    kept += (QUESTION_INFO
                        + key.len()
                        + [Field::Reference, Field::Amount, Field::Currency]
                            .iter()
                            .map(|f| q.get(*f).map_or(0, str::len))
                            .sum::<usize>()
                        + q.type_code.as_ref().map_or(0, String::len))
                        as u64;
                    if kept > MATCHED_REQUEST {
                        return Err(Error::past_bound(format!(
                            "{qname}:{}: what answers are matched on (each question's number, type, \
                             reference, amount and currency) passes {} over the questions, the \
                             most a batch needs: not a Question of this gateway (is this the file \
                             meant?); nothing was read past it",
                            q.line,
                            limits::show(MATCHED_REQUEST)
                        )));
                    }
                    // The first is kept: replaced, it was matched to the
                    // other's answer and never said unanswered, so a
                    // question was lost with status 0.
                    if let Some(first) = map.get(&key) {
                        repeated.push(format!(
                            "{qname}:{}: question {}: Number is already used on line {}: \
                             its answer cannot be told from that one's (numbers must be \
                             unique in a file: see xmlbatch check)",
                            q.line,
                            show(&number),
                            first.line
                        ));
                        return Ok(());
                    }
                    map.insert(
                        key,
                        QuestionInfo {
                            type_code: q.type_code.clone().unwrap_or_default(),
                            reference: q.get(Field::Reference).unwrap_or("").to_string(),
                            amount: q.get(Field::Amount).unwrap_or("").to_string(),
                            currency: q.get(Field::Currency).unwrap_or("").to_string(),
                            line: q.line,
                        },
                    );
                }
            }
            Ok(())
        })?;
        questions = Some((qname, header, map));
    }

    let mut rec = RecordWriter::new(
        out,
        format,
        "answer",
        &fields::answer_column_names()[..fields::QUESTION_ANSWER_COLUMNS],
        fields::answer_column_kind,
    )?;
    let mut tally = Tally::new(question.is_some());
    for msg in repeated {
        mismatch(&mut tally, msg);
    }
    let mut progress = Progress::new(Unit::Records("answers"));
    // The questions answered: by number, the answer's line and the
    // question's, to say a second answer as one.
    let mut answered: HashMap<String, (u64, u64)> = HashMap::new();
    // The XML is read on a thread of its own while the answers are
    // matched, masked and written on this one.
    let read = |feed: &mut Feed<Part>| {
        read_status(reader, name, |item| {
            let slot = feed.slot()?;
            match (item, slot) {
                // The answer's buffers go across; the slot's come back
                // to be filled by the next answer.
                (StatusItem::Answer(a), Part::Answer(buf)) => std::mem::swap(a, buf),
                (StatusItem::Answer(a), slot) => *slot = Part::Answer(std::mem::take(a)),
                (StatusItem::Header(h), slot) => *slot = Part::Header(h),
            }
            Ok(())
        })
    };
    two_stages(read, |item| {
        match item {
            Part::Header(h) => {
                if let Some((qname, qh, _)) = &questions {
                    for (what, a, q, line) in [
                        ("BatchNumber", &h.batch, &qh.batch, h.line),
                        ("Site", &h.site, &qh.site, h.merchant_line),
                        ("Rank", &h.rank, &qh.rank, h.merchant_line),
                    ] {
                        if a != q {
                            mismatch(
                                &mut tally,
                                format!(
                                    "{name}:{line}: {what} is {}, the question file {} says {}",
                                    show(a.as_deref().unwrap_or("")),
                                    paylot_cli::input::quote(qname),
                                    show(q.as_deref().unwrap_or(""))
                                ),
                            );
                        }
                    }
                }
            }
            Part::Answer(a) => {
                let code = a.response_code.clone();
                if let Some((qname, _, map)) = questions.as_mut() {
                    let key = a.number.trim_start_matches('0').to_string();
                    match map.remove(&key) {
                        // A question answered already: said as such, not
                        // as a number the question file lacks.
                        None => match answered.get(&key) {
                            Some(&(first, question_line)) => mismatch(
                                &mut tally,
                                format!(
                                    "{name}:{}: answer {} is a second answer to the question on line {} of {}: the first is on line {}",
                                    a.line,
                                    show(&a.number),
                                    question_line,
                                    paylot_cli::input::quote(qname),
                                    first
                                ),
                            ),
                            None => mismatch(
                                &mut tally,
                                format!(
                                    "{name}:{}: answer {} is unexpected: no such question in {}",
                                    a.line,
                                    show(&a.number),
                                    paylot_cli::input::quote(qname)
                                ),
                            ),
                        },
                        Some(q) => {
                            // No more than the question it replaces.
                            answered.insert(key, (a.line, q.line));
                            if !a.type_code.is_empty() && a.type_code != q.type_code {
                                mismatch(
                                    &mut tally,
                                    format!(
                                        "{name}:{}: answer {}: Type is {}, the question (line {}) says {}",
                                        a.line,
                                        show(&a.number),
                                        show(&a.type_code),
                                        q.line,
                                        show(&q.type_code)
                                    ),
                                );
                            }
                            if a.type_code.is_empty() {
                                a.type_code = q.type_code;
                            }
                            if a.reference.is_empty() {
                                a.reference = q.reference;
                            }
                            if a.amount.is_empty() {
                                a.amount = q.amount;
                            }
                            if a.currency.is_empty() {
                                a.currency = q.currency;
                            }
                        }
                    }
                }
                let outcome = codes::decision(&code);
                tally.add(outcome);
                progress.update(tally.answers());
                let op_name = codes::op_by_code(&a.type_code)
                    .filter(|_| a.type_code.len() == 5)
                    .map(|t| t.name)
                    .unwrap_or("");
                rec.write(&[
                    &a.number,
                    &a.type_code,
                    op_name,
                    &a.reference,
                    &a.amount,
                    &a.currency,
                    &code,
                    codes::meaning(&code),
                    outcome.as_str(),
                    &a.authorization,
                    &a.call_id,
                    &a.transaction_id,
                    &a.card_country,
                    &a.comment,
                ])?;
            }
        }
        Ok(())
    })?;
    if let Some((qname, _, map)) = questions {
        let mut missing: Vec<(u64, String)> = map.into_iter().map(|(k, q)| (q.line, k)).collect();
        missing.sort();
        for (line, number) in missing {
            mismatch(
                &mut tally,
                format!(
                    "{qname}:{line}: question {number} has no answer in {}",
                    paylot_cli::input::quote(name)
                ),
            );
        }
    }
    rec.finish()?;
    progress.done();
    Ok(tally)
}
