//! `xmlbatch build` for Paybox: the Question XML.

use std::collections::HashMap;
use std::io::Write;

use gateways::paybox::fields::Field;
use gateways::paybox::operation::{parse_operation, Operation, Problem};
use gateways::paybox::question::QuestionWriter;
use gateways::paybox::values::{parse_question, parse_rank, parse_site, Rules};
use gateways::paybox::MAX_NUMBER;
use gateways::show;
use paylot_cli::progress::{Progress, Unit};
use paylot_cli::{Access, Error, Input, Outcome, Output, Result};

use super::{usage, Args};
use crate::counter::Counter;
use crate::csv_input::{decode, encoding, next_record, open_csv, Mapping, Vocabulary};
use crate::pipeline::{two_stages, Feed, Item};

pub(super) fn build_paybox(args: Args, delim: u8) -> Result<Outcome> {
    let (site, rank) = shop(&args)?;
    if args.batch.is_none() && args.batch_state.is_none() {
        return Err(usage("one of --batch N or --batch-state FILE is required"));
    }
    if let Some(b) = args.batch {
        if !(1..=MAX_NUMBER).contains(&b) {
            return Err(usage(format!("--batch {b}: expected 1 to {MAX_NUMBER}")));
        }
    }
    for (given, opt) in [
        (args.question_state.is_some(), "--question-state"),
        (args.key.source().is_some(), "--key-file/--key-env"),
        (args.cle.source().is_some(), "--cle-file/--cle-env"),
    ] {
        if given {
            return Err(usage(format!("{opt} is for --format paybox-direct")));
        }
    }
    let first_question = first_question(&args)?.unwrap_or(1);
    let (created_on, default_date) = created(&args)?;
    let columns = args.columns.mapping(&vocabulary())?;

    // The batch number comes last among the checks of the options, so a
    // usage error takes no lock.
    let state = match &args.batch_state {
        Some(p) => Some(Counter::open(p, "batch number", MAX_NUMBER)?),
        None => None,
    };
    if let (Some(s), Some(p)) = (&state, &args.batch_state) {
        if s.last >= MAX_NUMBER {
            return Err(Error::trouble(format!(
                "{}: the last batch number is {MAX_NUMBER}, the highest allowed (ask the gateway how to restart the numbering)",
                paylot_cli::quote(&p.to_string_lossy())
            )));
        }
    }
    let batch = state
        .as_ref()
        .map(|s| s.last + 1)
        .or(args.batch)
        .unwrap_or(1);

    let opts = PayboxOpts {
        batch,
        created_on,
        first_question,
        ..PayboxOpts::new(&args, delim, (site, rank), default_date, columns)?
    };
    let input = Input::open(args.file.path())?;
    let mut out = Output::create_spooled(args.output.path(), Access::Private)?;
    let rows = write_paybox(&opts, input, &mut out)?;
    match &state {
        Some(s) => s.store_and_commit(batch, out)?,
        None => out.commit()?,
    }
    super::summarize(rows, args.quiet.quiet);
    Ok(Outcome::Yes)
}

/// The shop (`--site`, `--rank`), checked; the Lyra options refused.
pub(super) fn shop(args: &Args) -> Result<(String, String)> {
    for (given, opt) in [
        (args.shop.is_some(), "--shop"),
        (args.mode.is_some(), "--mode"),
        (args.date.is_some(), "--date"),
        (args.time.is_some(), "--time"),
    ] {
        if given {
            return Err(usage(format!("{opt} is for --format lyra")));
        }
    }
    let site = args
        .paybox_shop
        .site
        .as_deref()
        .ok_or_else(|| usage("--site is required (the shop's 7-digit site number)"))?;
    let site = parse_site(site).map_err(|m| usage(format!("--site: {m}")))?;
    let rank = args
        .paybox_shop
        .rank
        .as_deref()
        .ok_or_else(|| usage("--rank is required (the shop's rank, e.g. 032)"))?;
    let rank = parse_rank(rank).map_err(|m| usage(format!("--rank: {m}")))?;
    Ok((site, rank))
}

/// `--first-question`, checked.
pub(super) fn first_question(args: &Args) -> Result<Option<u64>> {
    match args.first_question {
        Some(n) if !(1..=MAX_NUMBER).contains(&n) => Err(usage(format!(
            "--first-question {n}: expected 1 to {MAX_NUMBER}"
        ))),
        n => Ok(n),
    }
}

/// `--created-on` (default now) as RFC 3339, and as DDMMYYYYHHMMSS for
/// the questions without a date.
pub(super) fn created(args: &Args) -> Result<(String, String)> {
    let created = match &args.created_on {
        Some(t) => time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map_err(|_| {
            usage(format!(
                "--created-on {}: expected an RFC 3339 time such as 2026-11-22T10:15:00+01:00",
                show(t)
            ))
        })?,
        None => time::OffsetDateTime::now_local()
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
            .replace_nanosecond(0)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
    };
    let created_on = created
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Error::trouble(format!("--created-on: {e}")))?;
    let default_date = created
        .format(time::macros::format_description!(
            "[day][month][year][hour][minute][second]"
        ))
        .map_err(|e| Error::trouble(format!("--created-on: {e}")))?;
    Ok((created_on, default_date))
}

/// An operation on its way to the question writer.
#[derive(Default)]
pub(super) struct Question(Option<Operation>);

impl Item for Question {
    fn held(&self) -> usize {
        // Its fields' lengths are bounded by their checks (250 at most).
        self.0.as_ref().map_or(0, |op| {
            [&op.reference, &op.subscriber, &op.pan, &op.date]
                .iter()
                .map(|f| f.as_ref().map_or(0, String::len))
                .sum()
        })
    }
}

/// What a Paybox Question file is built with.
#[derive(Debug, Clone)]
pub struct PayboxOpts {
    pub site: String,
    pub rank: String,
    pub batch: u64,
    pub created_on: String,
    /// DATEQ for questions without a date column (DDMMYYYYHHMMSS).
    pub default_date: String,
    pub first_question: u64,
    pub decimal_amounts: bool,
    pub delim: u8,
    /// The CSV's encoding, None for UTF-8.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// The CSV's headers read as Paybox names (`--column`, `--columns`).
    pub columns: Mapping,
}

impl PayboxOpts {
    /// The options the Question XML and the Direct requests read alike
    /// from the command line: the shop, the CSV's shape (delimiter,
    /// encoding, columns, amounts) and DATEQ's default; no batch, no
    /// creation time, no first question (the caller sets its own).
    pub(super) fn new(
        args: &Args,
        delim: u8,
        (site, rank): (String, String),
        default_date: String,
        columns: Mapping,
    ) -> Result<PayboxOpts> {
        Ok(PayboxOpts {
            site,
            rank,
            batch: 0,
            created_on: String::new(),
            default_date,
            first_question: 0,
            decimal_amounts: args.decimal_amounts,
            delim,
            encoding: encoding(&args.encoding)?,
            columns,
        })
    }
}

/// The Paybox column names: the gateway's Direct names and this
/// project's readable ones (`gateways::paybox::fields`).
pub(super) fn vocabulary() -> Vocabulary<Field> {
    Vocabulary {
        format: "Paybox",
        columns: Field::ALL
            .iter()
            .map(|f| (*f, vec![f.direct(), f.readable()]))
            .collect(),
        column: Field::from_column,
    }
}

/// Read the CSV and write the Question XML to `out`. On any bad row,
/// every bad row is reported and an error returned: the caller then drops
/// its (spooled) output. The number of rows read (each one written).
pub fn write_paybox(opts: &PayboxOpts, input: Input, out: &mut dyn Write) -> Result<usize> {
    let write_err = |e: std::io::Error| Error::io("writing the Question XML", e);
    // Many small writes: buffer them before they reach the output.
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut writer = QuestionWriter::start(
        &mut buffered,
        opts.batch,
        &opts.created_on,
        &opts.site,
        &opts.rank,
    )
    .map_err(write_err)?;
    // The CSV is read and checked on a thread of its own while the
    // questions are written on this one.
    let read = |feed: &mut Feed<Question>| {
        let stop = feed.stop();
        read_operations(
            opts,
            input,
            |op, _, write| {
                if write {
                    *feed.slot()? = Question(Some(op));
                }
                Ok(Vec::new())
            },
            // A bad row stops the handing over, not the checking.
            &|| stop.check(),
        )
    };
    // Each operation is left in its slot, to be dropped where it was made
    // (a free on another thread costs the allocator more than the copy).
    let rows = two_stages(read, |q| match &q.0 {
        Some(op) => writer.question(op, &opts.default_date).map_err(write_err),
        None => Ok(()),
    })?;
    writer.finish().map_err(write_err)?;
    buffered.flush().map_err(write_err)?;
    Ok(rows)
}

/// Read the CSV's operations, each checked whole, and hand every good one
/// to `sink` with the column name of each field; `sink` returns what else
/// is wrong with it (as (column, message)), and writes it when told
/// (`true` while no row has been bad: a bad row means nothing is
/// written). Every bad row is reported; any makes the result an error.
/// The number of rows read.
pub(super) fn read_operations(
    opts: &PayboxOpts,
    input: Input,
    mut sink: impl FnMut(Operation, &dyn Fn(Field) -> String, bool) -> Result<Vec<(String, String)>>,
    keep_going: &dyn Fn() -> Result<()>,
) -> Result<usize> {
    let site = &opts.site;
    let rank = &opts.rank;
    let (name, mut rdr, names) = open_csv(input, opts.delim, opts.encoding)?;
    let fields = opts.columns.columns(&name, &names, &vocabulary())?;
    let index: HashMap<Field, usize> = fields.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    if !index.contains_key(&Field::Type) {
        return Err(Error::trouble(format!(
            "{name}:1: no TYPE (or type) column (every operation needs a type; map yours with --column 'HEADER=type')"
        )));
    }
    let column_name = |f: Field| {
        index
            .get(&f)
            .map(|i| names[*i].clone())
            .unwrap_or_else(|| f.readable().to_string())
    };

    let rules = Rules {
        allow_names: true,
        decimal_amounts: opts.decimal_amounts,
        today: gateways::calendar::YearMonth::today(),
    };
    let mut rec = csv::ByteRecord::new();
    let mut progress = Progress::new(Unit::Records("rows"));
    let mut rows = 0u64;
    let mut bad_rows = 0usize;
    let mut seen_questions: HashMap<u32, u64> = HashMap::new();
    let has_question = index.contains_key(&Field::Question);
    if !has_question && opts.first_question == 0 {
        return Err(usage(format!(
            "{}: no NUMQUESTION (or question) column: give --question-state FILE (numbers unique per day per shop, never reused) or --first-question N",
            paylot_cli::input::quote(&name)
        )));
    }
    // The column of each field, by the field's position in `Field::ALL`.
    let slots: [Option<usize>; 16] = Field::ALL.map(|f| index.get(&f).copied());
    while let Some(ok) = next_record(&mut rdr, &mut rec, &name, names.len(), &mut bad_rows)? {
        rows += 1;
        progress.update(rows);
        keep_going()?;
        if !ok {
            continue;
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let vals = decode(&rec, &names, opts.encoding, &name)?;
        // A secret pasted into a cell (the HMAC key, the CLE) is refused,
        // never written on in a Direct request (secret::refuse_in_data).
        // The shop's name is spared (gateways::kinds::refuse_pasted_secret).
        for (column, value) in names.iter().zip(&vals) {
            gateways::kinds::refuse_pasted_secret(format_args!("{name}:{line}"), column, value)?;
        }
        let mut msgs: Vec<(String, String)> = Vec::new();
        let assigned = opts.first_question + rows - 1;
        let number = if has_question {
            None
        } else if assigned > MAX_NUMBER {
            msgs.push((column_name(Field::Question), format!("the assigned question number {assigned} is above {MAX_NUMBER}, the highest the gateway takes (lower --first-question; with --question-state, the counter is at its end: ask the gateway how to restart the numbering)")));
            // Said above: not "missing" too.
            Some(0)
        } else {
            Some(assigned as u32)
        };
        let get = |f: Field| slots[f as usize].and_then(|i| vals.get(i).map(|v| v.as_ref()));
        // Numbers are unique among all rows, good or bad.
        if let Some(n) = get(Field::Question).and_then(|q| parse_question(q).ok()) {
            if let Some(first) = seen_questions.insert(n, line) {
                msgs.push((
                    column_name(Field::Question),
                    format!("question number {n} is already used on line {first} (numbers must be unique in a file)"),
                ));
            }
        }
        match parse_operation(get, number, &rules) {
            Ok(op) => {
                if let Some(s) = &op.site {
                    if *s != *site {
                        msgs.push((column_name(Field::Site), format!("{} is not this file's shop (expected {site}, as given by --site; one shop per file)", show(s))));
                    }
                }
                if let Some(r) = &op.rank {
                    if *r != *rank {
                        msgs.push((column_name(Field::Rank), format!("{} is not this file's rank (expected {rank}, as given by --rank; one shop per file)", show(r))));
                    }
                }
                if msgs.is_empty() {
                    msgs = sink(op, &column_name, bad_rows == 0)?;
                }
            }
            Err(problems) => {
                for Problem { field, message } in problems {
                    msgs.push((column_name(field), message));
                }
            }
        }
        if !msgs.is_empty() {
            bad_rows += 1;
            // The row's card number is card data wherever a message
            // quotes it (a column that repeats it), Luhn-valid or not.
            let card: Vec<&str> = get(Field::Pan).into_iter().collect();
            for (col, msg) in msgs {
                let msg = paylot_cli::text::hide_card_values(&msg, &card);
                paylot_cli::note(format_args!("{name}:{line}: column {}: {msg}", show(&col)));
            }
        }
    }
    super::refuse_bad_or_no_rows(&name, rows, bad_rows as u64, "operations")?;
    Ok(rows as usize)
}
