//! `xmlbatch respond` for Paybox batches: a Question XML in, the status
//! XML the gateway would send back out, each question answered as the
//! platform does (its header checked first, a test card's forced code).

use std::collections::HashSet;
use std::io::{BufRead, Write};

use paylot_cli::{Error, Result};

use gateways::paybox::codes::{self, Kind};
use gateways::paybox::fields::Field;
use gateways::paybox::operation::parse_operation;
use gateways::paybox::question::{self, Header, QuestionItem, RawQuestion};
use gateways::paybox::status::{Answer, StatusWriter};
use gateways::paybox::values::{parse_question, parse_site, parse_written_rank, Rules, YearMonth};
use gateways::paybox::MAX_NUMBER;

use super::mix;

/// What an answer depends on besides its question.
pub(crate) struct Ctx {
    pub seed: u64,
    pub batch: String,
    pub site: String,
    pub rank: String,
    /// A problem with the whole file: (code, comment).
    pub header_problem: Option<(&'static str, String)>,
    pub today: YearMonth,
    pub seen: HashSet<u32>,
}

fn status_header(h: &Header, seed: u64) -> Header {
    let created = h
        .created_on
        .as_deref()
        .and_then(|c| {
            time::OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339).ok()
        })
        // Checked: a date at the end of the calendar has no hour after it.
        .and_then(|t| t.checked_add(time::Duration::hours(1)))
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        });
    let site = h.site.clone().unwrap_or_default();
    let rank = h.rank.clone().unwrap_or_default();
    Header {
        batch: h.batch.clone(),
        created_on: created.or_else(|| h.created_on.clone()),
        namespace: None,
        paybox_id: Some(format!(
            "{:010}",
            mix(seed, &["payboxid", &site, &rank]) % 10_000_000_000
        )),
        site: Some(site),
        rank: Some(rank),
        line: 0,
        merchant_line: 0,
        encrypted: false,
    }
}

fn header_problem(h: &Header) -> Option<(&'static str, String)> {
    let batch_ok = h
        .batch
        .as_deref()
        .and_then(|b| b.parse::<u64>().ok())
        .is_some_and(|b| (1..=MAX_NUMBER).contains(&b));
    if !batch_ok {
        return Some((
            "00014",
            format!(
                "incoherent frame: BatchNumber is missing or not a number from 1 to {MAX_NUMBER}"
            ),
        ));
    }
    let created_ok = h.created_on.as_deref().is_some_and(|c| {
        time::OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339).is_ok()
    });
    if !created_ok {
        return Some((
            "00007",
            "invalid date: CreatedOn is missing or not an RFC 3339 time".into(),
        ));
    }
    match h.site.as_deref().map(parse_site) {
        Some(Ok(_)) => {}
        _ => {
            return Some((
                "00006",
                "access refused: the Merchant's Site is missing or not 7 digits".into(),
            ))
        }
    }
    if parse_written_rank(h.rank.as_deref().unwrap_or("")).is_err() {
        return Some((
            "00006",
            "access refused: the Merchant's Rank is missing or not 3 digits".into(),
        ));
    }
    None
}

pub(crate) fn answer_for(q: &RawQuestion, ctx: &mut Ctx) -> Answer {
    let raw = |f: Field| q.get(f).unwrap_or("").to_string();
    let mut a = Answer {
        number: raw(Field::Question),
        type_code: raw(Field::Type),
        reference: raw(Field::Reference),
        amount: raw(Field::Amount),
        currency: raw(Field::Currency),
        subscriber: raw(Field::Subscriber),
        ..Answer::default()
    };
    let refuse = |a: &mut Answer, code: &str, comment: String| {
        a.response_code = code.to_string();
        a.comment = comment;
    };
    if let Some((code, comment)) = &ctx.header_problem {
        refuse(&mut a, code, comment.clone());
        return a;
    }
    if let Some(s) = q.structure.first() {
        refuse(&mut a, "00014", format!("incoherent frame: {s}"));
        return a;
    }
    if let Some(n) = q.number.as_deref().and_then(|n| parse_question(n).ok()) {
        if !ctx.seen.insert(n) {
            refuse(
                &mut a,
                "00005",
                "invalid question number: already used in this file".into(),
            );
            return a;
        }
    }
    let rules = Rules {
        allow_names: false,
        decimal_amounts: false,
        today: ctx.today,
    };
    let op = match parse_operation(|f| q.get(f), None, &rules) {
        Ok(op) => op,
        Err(problems) => {
            let p = &problems[0];
            let code = p.field.error_code();
            refuse(
                &mut a,
                code,
                format!(
                    "{}: {}: {}",
                    codes::meaning(code),
                    p.field.element(),
                    p.message
                ),
            );
            return a;
        }
    };
    let num = format!("{:010}", op.number);
    let h = |salt: &str| mix(ctx.seed, &[salt, &ctx.site, &ctx.rank, &ctx.batch, &num]);
    let card_kind = matches!(op.op.kind, Kind::Card | Kind::SubscriberCard);
    let forced = op
        .pan
        .as_deref()
        .filter(|_| !op.op.token)
        .and_then(gateways::paybox::test_cards::forced_code);
    if let Some(code) = forced {
        refuse(&mut a, code, codes::meaning(code).to_string());
        if code.starts_with("001") {
            a.call_id = format!("{:010}", h("call") % 100_000_000);
            a.transaction_id = format!("{:010}", h("trans") % 100_000_000);
            a.card_country = "250".into();
        }
        return a;
    }
    a.response_code = "00000".into();
    a.comment = codes::meaning("00000").into();
    if op.op.authorizes {
        a.authorization = format!("{:06}", h("auth") % 1_000_000);
    }
    match op.op.kind {
        Kind::FollowUp | Kind::SubscriberFollowUp | Kind::Check | Kind::Inquiry => {
            a.call_id = op
                .call_id
                .clone()
                .unwrap_or_else(|| format!("{:010}", h("call") % 100_000_000));
            a.transaction_id = op.transaction_id.clone().unwrap_or_default();
        }
        _ => {
            a.call_id = format!("{:010}", h("call") % 100_000_000);
            a.transaction_id = format!("{:010}", h("trans") % 100_000_000);
        }
    }
    if card_kind {
        a.card_country = "250".into();
    }
    if let Some(c) = op.currency {
        a.currency = c.numeric.into();
    }
    a
}

/// Answer a Question XML read from `reader` with a status XML on `out`.
pub fn respond_paybox(
    seed: u64,
    name: &str,
    reader: Box<dyn BufRead>,
    out: &mut dyn Write,
) -> Result<()> {
    let werr = |e: std::io::Error| Error::io("writing the status XML", e);
    let mut writer: Option<StatusWriter<&mut dyn Write>> = None;
    let mut ctx: Option<Ctx> = None;
    let mut out_slot = Some(out);
    question::read_questions(reader, name, |item| {
        match item {
            QuestionItem::Header(h) => {
                if let Some(why) = h.namespace_problem() {
                    return Err(Error::trouble(format!("{name}:{}: {why}", h.line)));
                }
                let today = h
                    .created_on
                    .as_deref()
                    .and_then(|c| {
                        time::OffsetDateTime::parse(
                            c,
                            &time::format_description::well_known::Rfc3339,
                        )
                        .ok()
                    })
                    .map(|t| YearMonth::of(t.date()))
                    .unwrap_or_else(YearMonth::today);
                ctx = Some(Ctx {
                    seed,
                    batch: h.batch.clone().unwrap_or_default(),
                    site: h.site.clone().unwrap_or_default(),
                    rank: h.rank.clone().unwrap_or_default(),
                    header_problem: header_problem(&h),
                    today,
                    seen: HashSet::new(),
                });
                let out = out_slot
                    .take()
                    .ok_or_else(|| Error::trouble("two headers"))?;
                writer = Some(StatusWriter::start(out, &status_header(&h, seed)).map_err(werr)?);
            }
            QuestionItem::Question(q) => {
                if let (Some(w), Some(ctx)) = (writer.as_mut(), ctx.as_mut()) {
                    let a = answer_for(&q, ctx);
                    w.answer(&a).map_err(werr)?;
                }
            }
        }
        Ok(())
    })?;
    if let Some(w) = writer {
        w.finish().map_err(werr)?;
    }
    Ok(())
}
