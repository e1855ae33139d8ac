//! `xmlbatch respond`: play the gateway. Question XML in, status XML out;
//! or Lyra REQ in, ANS out. Deterministic: the same input and seed give the
//! same answer, byte for byte.

use std::collections::HashSet;
use std::io::{BufRead, Write};

use clap::Args as ClapArgs;
use paylot_cli::output::Held;
use paylot_cli::{Access, Error, Input, Outcome, Output, Result};

use gateways::calendar::{is_hhmmss, is_yyyymmdd};
use gateways::lyra::file as lyra;
use gateways::lyra::ids::{self, DayId};
use gateways::lyra::names::{Mode, Name};
use gateways::paybox::codes::{self, Kind};
use gateways::paybox::fields::Field;
use gateways::paybox::operation::parse_operation;
use gateways::paybox::question::{self, Header, QuestionItem, RawQuestion};
use gateways::paybox::status::{Answer, StatusWriter};
use gateways::paybox::values::{parse_question, parse_site, parse_written_rank, Rules, YearMonth};
use gateways::paybox::MAX_NUMBER;

use crate::{sniff_or, Detected};

mod direct;
mod office_batch;
mod sips;

pub const ABOUT: &str = "Play the gateway: answer a Question XML (status XML), a Lyra REQ (ANS), Paybox Direct requests or a Sips Office Server request";

pub const LONG_ABOUT: &str = "\
Play the gateway, deterministically: read a Paybox Question XML and write
the status XML the gateway would send back, or read a Lyra PAY REQ and write
its PAY ANS, or answer Paybox Direct request lines (one answer line each,
Latin-1, as the gateway writes them) or a Sips Office Server JSON request
(the response object, unsealed: the HTTP sandbox, dropwatch gateway --http,
checks the request's seal and seals the response). The format is recognised
from the content (XML, a line starting 00;PAY;, Direct fields such as
VERSION= and TYPE=, or {).

Paybox: valid card operations are accepted (00000) with an authorisation
number, call and transaction numbers; invalid data gets the platform's code
(00004 bad card number or CVV, 00008 bad expiry, 00010 unknown currency,
00011 wrong amount, ...). Test cards 111122223333CCCx (CCC a code, x the
Luhn digit) force response code 00CCC: 1111222233331515 insufficient funds
(00151), 1111222233331549 expired (00154), 1111222233331598 suspected fraud
(00159), 1111222233331911 issuer unreachable (00191). The Paybox test card
1111222233334444 is accepted. Expiry is judged against the batch's CreatedOn.

Paybox Direct (fields in any order): the gateway's rules, the very code
of the HTTP sandbox (dropwatch gateway --http): the same test cards as the
batch; a request with neither CLE nor HMAC, or a bad SITE or RANG, gets
00006; a VERSION other than 00103 or 00104 gets 00013; the lines of one run
share a memory (a capture finds the authorisation of an earlier line; a
question number used twice gets 00039). Whether the HMAC or CLE is right is
the sandbox's check, with the shop's key. --seed applies to batch files.

Sips Office Server: responseCode 00; cards 111122223333 + 0NN + a Luhn digit
force responseCode NN (1111222233330343: 34); a missing
transactionReference or a card number that fails the Luhn check gets 30
with errorFieldName.

Lyra: header errors reject the whole file (result 1 or 2); a bad line gets
30 and the position of the bad field; a reused transaction id gets 96
transaction.exist; token TEST-REFUSE-NN forces the CB code NN (51, 54, 59,
91, ...); other lines are accepted (00).";

pub const EXAMPLES: &str = "\
Examples:
  $ xmlbatch respond batch.xml > batch.status.xml
  $ xmlbatch build --site 1999888 --rank 32 --batch 1 p.csv | xmlbatch respond | xmlbatch status
  $ xmlbatch respond 20261123.12345678.PAY.REQ.T.01 > 20261123.12345678.PAY.ANS.T.01
  $ xmlbatch respond --name 20261123.12345678.PAY.REQ.T.01 < req > ans
  $ xmlbatch respond requests.txt > answers.txt        # Paybox Direct lines

Exit status: 0 answered, 1 refused whole as the gateway would (a line or a
piece of XML past its bound: docs/conventions.md, Limits), 2 trouble (not a
request, malformed XML or JSON).";

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Seed for the authorisation, call and transaction numbers
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Lyra: the transaction ids the shop already used in earlier files,
    /// one `shop;YYYYMMDD;id` a line (the UTC day): a line reusing one is
    /// answered 96 transaction.exist. The sandbox (dropwatch gateway)
    /// hands its memory this way
    #[arg(long, value_name = "FILE", env = "DROPWATCH_USED_IDS")]
    pub used_ids: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub output: paylot_cli::args::OutputArg,
    #[command(flatten)]
    pub request: crate::RequestFile,
}

/// A request past one of its bounds (a line, a piece of XML) is refused
/// as the gateway refuses a file it cannot read: exit 1, so that the drop
/// sandbox writes the refusal (`.err`, `_ERROR`) where exit 2 would be
/// its own fault, the request left pending and tried again at each pass.
fn refused(e: Error) -> Error {
    e.refusal_if_past_bound()
}

pub fn run(args: Args) -> Result<Outcome> {
    let input = Input::open(args.request.file.path())?;
    let name = input.name().to_string();
    // A file named as a Lyra REQ is answered as one, whatever it holds.
    let named_req = args
        .request
        .name()
        .as_deref()
        .and_then(|n| Name::parse(n.rsplit('/').next().unwrap_or(n)))
        .is_some_and(|n| n.kind == gateways::lyra::names::FileKind::Req);
    let (detected, reader) = sniff_or(input, named_req.then_some(Detected::LyraReq))?;
    match detected {
        Detected::Xml => {
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            respond_paybox(args.seed, &name, reader, &mut out).map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::LyraReq => {
            let file_name = args.request.name().as_deref().and_then(Name::parse);
            let used = match &args.used_ids {
                Some(p) => {
                    let input = Input::open(Some(p))?;
                    let used_name = input.name().to_string();
                    ids::read_uses(input.into_reader(), &used_name)?
                }
                None => HashSet::new(),
            };
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            respond_lyra(
                args.seed,
                file_name.as_ref(),
                &name,
                reader,
                &used,
                &mut out,
            )
            .map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::DirectRequest => {
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            direct::respond_direct(&name, reader, &mut out).map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::SipsJson => {
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            let function = sips::function_of(args.request.name().as_deref()).to_string();
            sips::respond_sips(&function, &name, reader, &mut out).map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::OfficeBatchRequest => {
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            office_batch::respond_office_batch(&name, reader, &mut out).map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::LyraAns | Detected::DirectAnswer | Detected::OfficeBatchResponse => Err(Error::trouble(format!(
            "{}: this is an answer; respond reads a request: a Question XML, a Lyra REQ, Paybox Direct request lines or a Sips Office Server JSON request",
            paylot_cli::input::quote(&name)
        ))),
    }
}

/// A deterministic 64-bit mix of the seed and some values (SplitMix64).
pub fn mix(seed: u64, parts: &[&str]) -> u64 {
    let mut h: u64 = seed ^ 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        for b in p.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
        h ^= 0xFF;
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h = z ^ (z >> 31);
    }
    h
}

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
                if h.namespace.as_deref() != Some(question::QUESTION_NS) {
                    return Err(Error::trouble(format!(
                        "{name}:{}: the namespace is {}, not {} (expected a Paybox Question file)",
                        h.line,
                        h.namespace
                            .as_deref()
                            .map(gateways::show)
                            .unwrap_or_else(|| "missing".into()),
                        question::QUESTION_NS
                    )));
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

fn plus_hour(date: &str, time_: &str) -> Option<(String, String)> {
    if !is_yyyymmdd(date) || !is_hhmmss(time_) {
        return None;
    }
    let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
    let t = time::PrimitiveDateTime::parse(&format!("{date}{time_}"), &fmt)
        .ok()?
        .checked_add(time::Duration::hours(1))?;
    let s = t.format(&fmt).ok()?;
    Some((s[..8].to_string(), s[8..].to_string()))
}

/// What the answer's header says and every answer line repeats, from the
/// request's header.
#[derive(Default)]
struct AnsHeader {
    version: String,
    shop: String,
    mode: String,
    cdate: String,
    ctime: String,
    edate: String,
    etime: String,
}

impl AnsHeader {
    fn of(header: &[String]) -> AnsHeader {
        let get = |i: usize| header.get(i).map(String::as_str).unwrap_or("");
        let shop = if get(3).len() == 8 && get(3).bytes().all(|b| b.is_ascii_digit()) {
            get(3)
        } else {
            ""
        };
        let mode = if Mode::from_word(get(4)).is_some() {
            get(4)
        } else {
            ""
        };
        let (cdate, ctime) = if is_yyyymmdd(get(5)) && is_hhmmss(get(6)) {
            (get(5), get(6))
        } else {
            ("", "")
        };
        let (edate, etime) = plus_hour(cdate, ctime).unwrap_or_default();
        // The answer echoes the request's version (Lyra's published answers to
        // V2 files carry 02: lyra::VERSIONS); a version the gateway does not
        // know is rejected, and answered with the current one.
        let version = if lyra::VERSIONS.contains(&get(2)) {
            get(2)
        } else {
            lyra::VERSION
        };
        AnsHeader {
            version: version.into(),
            shop: shop.into(),
            mode: mode.into(),
            cdate: cdate.into(),
            ctime: ctime.into(),
            edate,
            etime,
        }
    }
}

/// Answer a REQ read from `reader` with an ANS on `out`. `file_name` is the
/// REQ's name, when it follows the naming rule: the header must agree;
/// `used` the ids the shop used in earlier files (answered 96).
///
/// The REQ is read line by line (`lyra::each_req_line`), of it kept only
/// its header, trailer and counts and the transaction ids seen; the answer
/// lines, written as each request line passes, are held back
/// ([`Held`]: past 64 KiB in a temporary file) until the trailer has said
/// whether the file is accepted and the header can be written: memory
/// does not grow with the file (a 310 MB REQ, read whole, aborted under a
/// 300 MB limit).
pub fn respond_lyra(
    seed: u64,
    file_name: Option<&Name>,
    name: &str,
    reader: Box<dyn BufRead>,
    used: &HashSet<DayId>,
    out: &mut dyn Write,
) -> Result<()> {
    let werr = |e: csv::Error| Error::trouble(format!("writing: {e}"));
    let mut req = lyra::ReqShape::default();
    let mut h = AnsHeader::default();
    // Whether the header rejects the file: its lines are then not answered.
    let mut header_rejects = false;
    let mut lines = lyra::writer(Held::new());
    let mut count = 0usize;
    let mut seen = lyra::TransactionIds::default();
    lyra::each_req_line(reader, name, |line_no, kind, rec| {
        req.take(line_no, kind, rec);
        match kind {
            lyra::ReqLine::Header => {
                let header: Vec<&str> = req.header.iter().map(String::as_str).collect();
                header_rejects = lyra::check_header(&header, file_name).is_some();
                h = AnsHeader::of(&req.header);
            }
            lyra::ReqLine::Detail if !header_rejects => {
                let c: Vec<&str> = rec.iter().collect();
                let line = answer_line(seed, &h, &c, line_no, &mut seen, used);
                // An ANS carries no card data: each column is shown as its
                // kind says (the merchant's identifiers exactly as they came,
                // a card number in a text column masked), a control character
                // shown escaped, as in the Paybox status file.
                let kinds = gateways::lyra::fields::ANS_KINDS;
                lines
                    .write_record(line.iter().zip(kinds).map(|(v, k)| k.show(v).into_owned()))
                    .map_err(werr)?;
                count += 1;
            }
            _ => {}
        }
        Ok(())
    })?;
    if req.header.is_empty() {
        // No line at all: answered as an empty header.
        h = AnsHeader::of(&[]);
    }
    let header: Vec<&str> = req.header.iter().map(String::as_str).collect();
    let rejection = lyra::check_header(&header, file_name).or_else(|| lyra::check_trailer(&req));

    let (result, message) = match &rejection {
        Some((r, m)) => (r.to_string(), m.clone()),
        None => ("0".to_string(), String::new()),
    };
    let ferr = |e| Error::io("writing the ANS", e);
    let mut w = lyra::writer(&mut *out);
    w.write_record([
        "00", "PAY", &h.version, &result, &message, &h.shop, &h.mode, &h.cdate, &h.ctime, &h.edate,
        &h.etime,
    ])
    .map_err(werr)?;
    w.flush().map_err(ferr)?;
    drop(w);
    if rejection.is_none() {
        let held = lines
            .into_inner()
            .map_err(|e| Error::io("holding the answer lines", e.into_error()))?;
        let mut held = held
            .into_reader()
            .map_err(|e| Error::io("reading the answer lines back", e))?;
        std::io::copy(&mut held, out).map_err(ferr)?;
    } else {
        count = 0;
    }
    let mut w = lyra::writer(out);
    w.write_record(["01", &count.to_string()]).map_err(werr)?;
    w.flush().map_err(ferr)?;
    Ok(())
}

/// The answer to one payment line `c` (its columns) at `line_no`, before
/// its columns are shown as their kinds say.
fn answer_line(
    seed: u64,
    h: &AnsHeader,
    c: &[&str],
    line_no: u64,
    seen: &mut lyra::TransactionIds,
    used: &HashSet<DayId>,
) -> Vec<String> {
    let shop = h.shop.as_str();
    let col = |i: usize| c.get(i - 1).copied().unwrap_or("");
    let mut line: Vec<String> = vec![String::new(); lyra::ANS_COLUMNS];
    for i in 1..=8 {
        line[i - 1] = col(i).to_string();
    }
    let problems = lyra::check_detail(c, &h.version);
    let (code, additional) = if let Some((pos, _)) = problems.first() {
        ("30".to_string(), pos.to_string())
    } else if seen.record(col(3), col(5), line_no) != lyra::Used::First
        || DayId::of_line(shop, &h.mode, col(3), col(5)).is_some_and(|u| used.contains(&u))
    {
        (ids::REUSED.0.to_string(), ids::REUSED.1.to_string())
    } else if let Some(code) = gateways::lyra::test_cards::forced_code(col(11)) {
        (code.to_string(), String::new())
    } else {
        ("00".to_string(), "00".to_string())
    };
    let hash = |salt: &str| mix(seed, &[salt, shop, col(3), col(5), col(2)]);
    if code != "30" {
        line[8] = col(7).to_string();
        line[9] = col(8).to_string();
        line[10] = if col(9).is_empty() {
            col(3).to_string()
        } else {
            col(9).to_string()
        };
        line[11] = col(10).to_string();
        line[12] = col(11).to_string();
        line[13] = col(12).to_string();
        line[14] = col(13).to_string();
    }
    if code == "00" {
        line[15] = format!("{:06}", hash("auth") % 1_000_000);
    }
    if code != "30" && code != "96" {
        line[16] = "CB".into();
    }
    line[18] = code.clone();
    line[19] = match code.as_str() {
        "00" => "AUTHORISED",
        "30" | "96" => "ERROR",
        _ => "REFUSED",
    }
    .into();
    line[20] = format!("{:016x}{:016x}", hash("uuid1"), hash("uuid2"));
    line[21] = h.edate.clone();
    line[22] = h.etime.clone();
    line[24] = additional;
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_deterministic_and_seed_dependent() {
        assert_eq!(mix(1, &["a", "b"]), mix(1, &["a", "b"]));
        assert_ne!(mix(1, &["a", "b"]), mix(2, &["a", "b"]));
        assert_ne!(mix(1, &["ab", ""]), mix(1, &["a", "b"]));
    }

    #[test]
    fn plus_hour_at_the_end_of_the_calendar_is_none() {
        assert_eq!(plus_hour("99991231", "235959"), None);
    }

    #[test]
    fn plus_hour_rolls_over_midnight() {
        assert_eq!(
            plus_hour("20261231", "233000"),
            Some(("20270101".into(), "003000".into()))
        );
        assert_eq!(plus_hour("2026123", "233000"), None);
    }
}
