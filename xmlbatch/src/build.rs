//! `xmlbatch build`: CSV in, Paybox Question XML or Lyra PAY REQ out.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args as ClapArgs, ValueEnum};
use paylot_cli::{Access, Error, Input, Outcome, Output, Result};

use crate::fields::{self, show, Field, Problem, Rules};
use crate::lyra;
use crate::paybox::QuestionWriter;
use crate::state::{BatchState, MAX_BATCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Paybox Question XML (PayboxBatch)
    Paybox,
    /// Lyra version-06 PAY REQ file
    Lyra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    Test,
    Production,
}

pub const ABOUT: &str =
    "Turn a CSV of operations into a Paybox Question XML or a Lyra PAY REQ file";

pub const LONG_ABOUT: &str = "\
Turn a CSV of operations (header row required) into a Paybox Question XML
(default) or, with --format lyra, a Lyra version-06 PAY REQ file.

Every row is checked; every bad row is reported on stderr as
FILE:LINE: column \"NAME\": what is wrong (what would be right), card numbers
masked. If any row is bad, nothing at all is written (not even on stdout)
and the exit status is 1.

Paybox columns (Direct or readable names, any case): TYPE/type,
MONTANT/amount, DEVISE/currency, REFERENCE/reference, PORTEUR/pan,
DATEVAL/expiry, CVV/cvv, NUMAPPEL/call_id, NUMTRANS/transaction_id,
ACTIVITE/activity, DATEQ/date, NUMQUESTION/question, REFABONNE/subscriber,
AUTORISATION/authorization, SITE/site, RANG/rank. Types as codes (00003) or
names (authorize, capture, authorize_capture, credit, cancel, check,
without_authorization, update_amount, refund, inquiry, subscriber_authorize,
subscriber_capture, subscriber_authorize_capture, subscriber_credit,
subscriber_cancel, subscriber_register, subscriber_update,
subscriber_delete, subscriber_without_authorization).

Lyra columns: transaction_id, amount, currency, token, capture_date,
validation_mode, contract, reference, order_info1, order_info2,
order_info3, date, time, type (CD only).";

pub const EXAMPLES: &str = "\
Examples:
  $ xmlbatch build --site 1999888 --rank 32 --batch 42 payments.csv > batch.xml
  $ xmlbatch build --site 1999888 --rank 32 --batch-state /var/lib/paylot/batch \\
        -d ';' --decimal-amounts -o batch.xml export.csv
  $ xmlbatch build --format lyra --shop 12345678 --mode test \\
        -o 20261123.12345678.PAY.REQ.T.01 payments.csv

Exit status: 0 written, 1 bad rows (nothing written), 2 trouble.";

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Paybox)]
    pub format: Format,
    /// Paybox site number (7 digits)
    #[arg(long, value_name = "N", help_heading = "Paybox")]
    pub site: Option<String>,
    /// Paybox rank (2 or 3 digits, written with 3)
    #[arg(long, value_name = "N", help_heading = "Paybox")]
    pub rank: Option<String>,
    /// Batch number to write (1 to 2147483647)
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "batch_state",
        help_heading = "Paybox"
    )]
    pub batch: Option<u64>,
    /// File holding the last batch number used: the next one is used and
    /// stored back, under a lock, only if the run succeeds
    #[arg(long, value_name = "FILE", help_heading = "Paybox")]
    pub batch_state: Option<PathBuf>,
    /// The file's CreatedOn time, RFC 3339 (default: now)
    #[arg(long, value_name = "TIME", help_heading = "Paybox")]
    pub created_on: Option<String>,
    /// First question number when the CSV has no question column
    #[arg(long, value_name = "N", default_value_t = 1, help_heading = "Paybox")]
    pub first_question: u64,
    /// Lyra shop id (8 digits)
    #[arg(long, value_name = "N", help_heading = "Lyra")]
    pub shop: Option<String>,
    /// Lyra mode
    #[arg(long, value_enum, help_heading = "Lyra")]
    pub mode: Option<Mode>,
    /// Lyra header creation date YYYYMMDD, UTC (default: today)
    #[arg(long, value_name = "YYYYMMDD", help_heading = "Lyra")]
    pub date: Option<String>,
    /// Lyra header creation time HHMMSS, UTC (default: now)
    #[arg(long, value_name = "HHMMSS", help_heading = "Lyra")]
    pub time: Option<String>,
    /// Amounts are decimal (12.50 or 12,50), converted with the currency's
    /// exponent (EUR 2, JPY 0, KWD 3)
    #[arg(long)]
    pub decimal_amounts: bool,
    /// CSV encoding: utf-8, windows-1252 (latin1) or iso-8859-15
    #[arg(long, value_name = "LABEL", default_value = "utf-8")]
    pub encoding: String,
    /// CSV field delimiter (one character; `tab` for a tab)
    #[arg(short = 'd', long, value_name = "DELIM", default_value = ",")]
    pub delimiter: String,
    /// Write to FILE (atomically) instead of stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CSV input (default: stdin)
    pub file: Option<PathBuf>,
}

fn usage(msg: impl std::fmt::Display) -> Error {
    Error::trouble(format!(
        "{msg}\nTry 'xmlbatch build --help' for more information."
    ))
}

pub fn delimiter(d: &str) -> Result<u8> {
    match d {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if d.len() == 1 => Ok(d.as_bytes()[0]),
        _ => Err(usage(format!(
            "--delimiter {}: expected one ASCII character such as ; or , (or tab)",
            show(d)
        ))),
    }
}

/// Today as (year, month), in local time when known.
pub fn today() -> fields::YearMonth {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    fields::YearMonth {
        year: now.year(),
        month: now.month() as u8,
    }
}

type CsvReader = csv::Reader<Box<dyn std::io::BufRead + Send + Sync>>;

/// The CSV reader and its header, with the BOM stripped.
fn open_csv(
    input: Input,
    delim: u8,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<(String, CsvReader, Vec<String>)> {
    let name = input.name().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .flexible(false)
        .from_reader(input.into_reader());
    let headers = rdr
        .byte_headers()
        .map_err(|e| lyra::csv_error(&name, e))?
        .clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(Error::trouble(format!(
            "{}: empty input (expected a CSV with a header row)",
            paylot_cli::input::quote(&name)
        )));
    }
    let mut names = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let mut s = match encoding {
            Some(e) => e.decode_without_bom_handling(h).0.trim().to_string(),
            None => String::from_utf8_lossy(h).trim().to_string(),
        };
        if i == 0 {
            s = s.trim_start_matches('\u{feff}').to_string();
        }
        names.push(s);
    }
    Ok((name, rdr, names))
}

/// Decode a row's fields as trimmed UTF-8; report the bad ones.
fn decode<'a>(
    rec: &'a csv::ByteRecord,
    names: &[String],
    encoding: Option<&'static encoding_rs::Encoding>,
) -> (Vec<Cow<'a, str>>, Vec<(String, String)>) {
    let mut vals = Vec::with_capacity(rec.len());
    let mut bad = Vec::new();
    for (i, f) in rec.iter().enumerate() {
        if let Some(enc) = encoding {
            vals.push(match enc.decode_without_bom_handling(f).0 {
                Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
                Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
            });
            continue;
        }
        match std::str::from_utf8(f) {
            Ok(s) => vals.push(Cow::Borrowed(s.trim())),
            Err(_) => {
                vals.push(Cow::Borrowed(""));
                bad.push((
                    names.get(i).cloned().unwrap_or_default(),
                    "is not valid UTF-8 (expected UTF-8 text; for a Windows export use --encoding windows-1252)".into(),
                ));
            }
        }
    }
    (vals, bad)
}

/// The `--encoding` option: None for UTF-8 (checked strictly).
pub fn encoding(label: &str) -> Result<Option<&'static encoding_rs::Encoding>> {
    match encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
        Some(e) if e == encoding_rs::UTF_8 => Ok(None),
        Some(e) if e.is_single_byte() => Ok(Some(e)),
        _ => Err(usage(format!(
            "--encoding {}: expected utf-8, windows-1252 (latin1) or iso-8859-15",
            show(label)
        ))),
    }
}

/// Read the next record; a row with the wrong number of fields is a bad
/// row (reported, reading goes on), anything else is trouble.
fn next_record(
    rdr: &mut CsvReader,
    rec: &mut csv::ByteRecord,
    name: &str,
    columns: usize,
    bad_rows: &mut usize,
) -> Result<Option<bool>> {
    match rdr.read_byte_record(rec) {
        Ok(false) => Ok(None),
        Ok(true) => Ok(Some(true)),
        Err(e) => {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            if let csv::ErrorKind::UnequalLengths { len, .. } = e.kind() {
                paylot_cli::note(format_args!("{name}:{line}: the row has {len} fields, the header has {columns} (check the delimiter and quoting)"));
                *bad_rows += 1;
                Ok(Some(false))
            } else {
                Err(lyra::csv_error(name, e))
            }
        }
    }
}

pub fn run(args: Args) -> Result<Outcome> {
    let delim = delimiter(&args.delimiter)?;
    match args.format {
        Format::Paybox => build_paybox(args, delim),
        Format::Lyra => build_lyra(args, delim),
    }
}

fn build_paybox(args: Args, delim: u8) -> Result<Outcome> {
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
        .site
        .as_deref()
        .ok_or_else(|| usage("--site is required (the shop's 7-digit site number)"))?;
    let site = fields::parse_site(site).map_err(|m| usage(format!("--site: {m}")))?;
    let rank = args
        .rank
        .as_deref()
        .ok_or_else(|| usage("--rank is required (the shop's rank, e.g. 032)"))?;
    let rank = fields::parse_rank(rank).map_err(|m| usage(format!("--rank: {m}")))?;
    if args.batch.is_none() && args.batch_state.is_none() {
        return Err(usage("one of --batch N or --batch-state FILE is required"));
    }
    if let Some(b) = args.batch {
        if !(1..=MAX_BATCH).contains(&b) {
            return Err(usage(format!("--batch {b}: expected 1 to {MAX_BATCH}")));
        }
    }
    if !(1..=2_147_483_647).contains(&args.first_question) {
        return Err(usage(format!(
            "--first-question {}: expected 1 to 2147483647",
            args.first_question
        )));
    }
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

    // The batch number comes last among the checks of the options, so a
    // usage error takes no lock.
    let state = match &args.batch_state {
        Some(p) => Some(BatchState::open(p)?),
        None => None,
    };
    let batch = state.as_ref().map(|s| s.next).or(args.batch).unwrap_or(1);

    let opts = PayboxOpts {
        site,
        rank,
        batch,
        created_on,
        default_date,
        first_question: args.first_question,
        decimal_amounts: args.decimal_amounts,
        delim,
        encoding: encoding(&args.encoding)?,
    };
    let input = Input::open(args.file.as_deref())?;
    let mut out = Output::create_spooled(args.output.as_deref(), Access::Private)?;
    write_paybox(&opts, input, &mut out)?;
    if let Some(s) = &state {
        s.store()?;
    }
    out.commit()?;
    Ok(Outcome::Yes)
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
}

/// Read the CSV and write the Question XML to `out`. On any bad row,
/// every bad row is reported and an error returned: the caller then drops
/// its (spooled) output.
pub fn write_paybox(opts: &PayboxOpts, input: Input, out: &mut dyn Write) -> Result<()> {
    let site = &opts.site;
    let rank = &opts.rank;
    let (name, mut rdr, names) = open_csv(input, opts.delim, opts.encoding)?;
    let mut columns: Vec<Option<Field>> = Vec::new();
    let mut index: HashMap<Field, usize> = HashMap::new();
    for (i, h) in names.iter().enumerate() {
        match Field::from_column(h) {
            Some(f) => {
                if let Some(prev) = index.insert(f, i) {
                    return Err(Error::trouble(format!(
                        "{name}:1: columns {} and {} both give the {} (keep one)",
                        show(&names[prev]),
                        show(h),
                        f.readable()
                    )));
                }
                columns.push(Some(f));
            }
            None => {
                return Err(Error::trouble(format!(
                    "{name}:1: unknown column {} (expected Paybox Direct names such as MONTANT or readable names such as amount; see xmlbatch build --help)",
                    show(h)
                )))
            }
        }
    }
    if !index.contains_key(&Field::Type) {
        return Err(Error::trouble(format!(
            "{name}:1: no TYPE (or type) column (every operation needs a type)"
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
        today: today(),
    };
    let write_err = |e: std::io::Error| Error::io("writing the Question XML", e);
    // Many small writes: buffer them before they reach the output.
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut writer = QuestionWriter::start(&mut buffered, opts.batch, &opts.created_on, site, rank)
        .map_err(write_err)?;
    let mut rec = csv::ByteRecord::new();
    let mut progress = crate::Progress::new("rows");
    let mut rows = 0u64;
    let mut bad_rows = 0usize;
    let mut seen_questions: HashMap<u32, u64> = HashMap::new();
    let has_question = index.contains_key(&Field::Question);
    // The column of each field, by the field's position in `Field::ALL`.
    let slots: [Option<usize>; 16] = Field::ALL.map(|f| index.get(&f).copied());
    while let Some(ok) = next_record(&mut rdr, &mut rec, &name, names.len(), &mut bad_rows)? {
        rows += 1;
        progress.tick(rows);
        if !ok {
            continue;
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let (vals, utf8) = decode(&rec, &names, opts.encoding);
        let mut msgs: Vec<(String, String)> = utf8;
        let assigned = opts.first_question + rows - 1;
        let number = if has_question {
            None
        } else if assigned > 2_147_483_647 {
            msgs.push((column_name(Field::Question), format!("the assigned question number {assigned} is above 2147483647 (lower --first-question)")));
            None
        } else {
            Some(assigned as u32)
        };
        let get = |f: Field| slots[f as usize].and_then(|i| vals.get(i).map(|v| v.as_ref()));
        // Numbers are unique among all rows, good or bad.
        if let Some(n) = get(Field::Question).and_then(|q| fields::parse_question(q).ok()) {
            if let Some(first) = seen_questions.insert(n, line) {
                msgs.push((
                    column_name(Field::Question),
                    format!("question number {n} is already used on line {first} (numbers must be unique in a file)"),
                ));
            }
        }
        match fields::parse_operation(get, number, &rules) {
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
                if msgs.is_empty() && bad_rows == 0 {
                    writer
                        .question(&op, &opts.default_date)
                        .map_err(write_err)?;
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
            for (col, msg) in msgs {
                paylot_cli::note(format_args!("{name}:{line}: column {}: {msg}", show(&col)));
            }
        }
    }
    if bad_rows > 0 {
        return Err(Error::no(format!(
            "{} of {rows} rows rejected in {}; nothing written",
            bad_rows,
            paylot_cli::input::quote(&name)
        )));
    }
    if rows == 0 {
        return Err(Error::no(format!(
            "{}: no operations (expected at least one row after the header); nothing written",
            paylot_cli::input::quote(&name)
        )));
    }
    writer.finish().map_err(write_err)?;
    buffered.flush().map_err(write_err)?;
    Ok(())
}

/// The Lyra CSV columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LyraColumn {
    TransactionId,
    Amount,
    Currency,
    Token,
    CaptureDate,
    ValidationMode,
    Contract,
    Reference,
    OrderInfo1,
    OrderInfo2,
    OrderInfo3,
    Date,
    Time,
    Type,
}

impl LyraColumn {
    fn from_name(name: &str) -> Option<LyraColumn> {
        use LyraColumn::*;
        let n = name.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "transaction_id" | "trans_id" => TransactionId,
            "amount" => Amount,
            "currency" => Currency,
            "token" | "identifier" => Token,
            "capture_date" => CaptureDate,
            "validation_mode" => ValidationMode,
            "contract" => Contract,
            "reference" | "order_id" => Reference,
            "order_info1" | "order_info" => OrderInfo1,
            "order_info2" => OrderInfo2,
            "order_info3" => OrderInfo3,
            "date" => Date,
            "time" => Time,
            "type" => Type,
            _ => return None,
        })
    }

    /// The REQ position this column fills.
    fn position(self) -> usize {
        use LyraColumn::*;
        match self {
            Date => 3,
            Time => 4,
            TransactionId => 5,
            Type => 6,
            Amount => 7,
            Currency => 8,
            CaptureDate => 9,
            ValidationMode => 10,
            Token => 11,
            Contract => 12,
            Reference => 13,
            OrderInfo1 => 14,
            OrderInfo2 => 15,
            OrderInfo3 => 16,
        }
    }

    fn readable(self) -> &'static str {
        use LyraColumn::*;
        match self {
            TransactionId => "transaction_id",
            Amount => "amount",
            Currency => "currency",
            Token => "token",
            CaptureDate => "capture_date",
            ValidationMode => "validation_mode",
            Contract => "contract",
            Reference => "reference",
            OrderInfo1 => "order_info1",
            OrderInfo2 => "order_info2",
            OrderInfo3 => "order_info3",
            Date => "date",
            Time => "time",
            Type => "type",
        }
    }
}

fn build_lyra(args: Args, delim: u8) -> Result<Outcome> {
    for (given, opt) in [
        (args.site.is_some(), "--site"),
        (args.rank.is_some(), "--rank"),
        (args.batch.is_some(), "--batch"),
        (args.batch_state.is_some(), "--batch-state"),
        (args.created_on.is_some(), "--created-on"),
    ] {
        if given {
            return Err(usage(format!("{opt} is for --format paybox")));
        }
    }
    let shop = args
        .shop
        .as_deref()
        .ok_or_else(|| usage("--shop is required with --format lyra (the 8-digit shop id)"))?;
    if shop.len() != 8 || !shop.bytes().all(|b| b.is_ascii_digit()) {
        return Err(usage(format!(
            "--shop {}: expected 8 digits, e.g. 12345678",
            show(shop)
        )));
    }
    let mode = match args.mode {
        Some(Mode::Test) => "TEST",
        Some(Mode::Production) => "PRODUCTION",
        None => {
            return Err(usage(
                "--mode test|production is required with --format lyra",
            ))
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let date = match &args.date {
        Some(d) if lyra::valid_date(d) => d.clone(),
        Some(d) => return Err(usage(format!("--date {}: expected YYYYMMDD", show(d)))),
        None => format!("{:04}{:02}{:02}", now.year(), now.month() as u8, now.day()),
    };
    let time_ = match &args.time {
        Some(t) if lyra::valid_time(t) => t.clone(),
        Some(t) => return Err(usage(format!("--time {}: expected HHMMSS", show(t)))),
        None => format!("{:02}{:02}{:02}", now.hour(), now.minute(), now.second()),
    };
    if let Some(out) = &args.output {
        if let Some(n) = lyra::parse_file_name(&out.to_string_lossy()) {
            if n.kind != "REQ" || n.shop != shop || Some(n.mode) != lyra::mode_letter(mode) {
                return Err(usage(format!(
                    "-o {}: the name says {} for shop {} in mode {}, the header would say REQ for shop {shop} in mode {mode} (the gateway rejects a header that does not match the name)",
                    show(&out.to_string_lossy()),
                    n.kind,
                    n.shop,
                    n.mode
                )));
            }
        }
    }

    let opts = LyraOpts {
        shop: shop.to_string(),
        mode,
        date,
        time: time_,
        decimal_amounts: args.decimal_amounts,
        delim,
        encoding: encoding(&args.encoding)?,
    };
    let input = Input::open(args.file.as_deref())?;
    let mut out = Output::create_spooled(args.output.as_deref(), Access::Private)?;
    write_lyra(&opts, input, &mut out)?;
    out.commit()?;
    Ok(Outcome::Yes)
}

/// What a Lyra REQ is built with.
#[derive(Debug, Clone)]
pub struct LyraOpts {
    pub shop: String,
    /// TEST or PRODUCTION.
    pub mode: &'static str,
    pub date: String,
    pub time: String,
    pub decimal_amounts: bool,
    pub delim: u8,
    /// The CSV's encoding, None for UTF-8.
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// Read the CSV and write the REQ to `out`; every bad row is reported and
/// an error returned.
pub fn write_lyra(opts: &LyraOpts, input: Input, out: &mut dyn Write) -> Result<()> {
    let (name, mut rdr, names) = open_csv(input, opts.delim, opts.encoding)?;
    let mut index: HashMap<LyraColumn, usize> = HashMap::new();
    for (i, h) in names.iter().enumerate() {
        match LyraColumn::from_name(h) {
            Some(c) => {
                if index.insert(c, i).is_some() {
                    return Err(Error::trouble(format!("{name}:1: column {} given twice", show(h))));
                }
            }
            None => {
                return Err(Error::trouble(format!(
                    "{name}:1: unknown column {} (expected transaction_id, amount, currency, token, capture_date, validation_mode, contract, reference, order_info1, order_info2, order_info3, date, time or type)",
                    show(h)
                )))
            }
        }
    }
    for c in [
        LyraColumn::TransactionId,
        LyraColumn::Amount,
        LyraColumn::Currency,
        LyraColumn::Token,
    ] {
        if !index.contains_key(&c) {
            return Err(Error::trouble(format!(
                "{name}:1: no {} column (every Lyra payment needs transaction_id, amount, currency and token)",
                c.readable()
            )));
        }
    }
    let by_position: HashMap<usize, LyraColumn> =
        index.keys().map(|c| (c.position(), *c)).collect();
    let column_name = |pos: usize| -> String {
        match by_position.get(&pos) {
            Some(c) => names[index[c]].clone(),
            None => match pos {
                3 => "date".into(),
                4 => "time".into(),
                _ => format!("position {pos}"),
            },
        }
    };

    let mut w = lyra::writer(out);
    let werr = |e: csv::Error| Error::trouble(format!("writing: {e}"));
    w.write_record([
        "00",
        "PAY",
        lyra::VERSION,
        &opts.shop,
        opts.mode,
        &opts.date,
        &opts.time,
        "",
    ])
    .map_err(werr)?;
    let mut rec = csv::ByteRecord::new();
    let mut progress = crate::Progress::new("rows");
    let mut rows = 0usize;
    let mut bad_rows = 0usize;
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    while let Some(ok) = next_record(&mut rdr, &mut rec, &name, names.len(), &mut bad_rows)? {
        rows += 1;
        progress.tick(rows as u64);
        if !ok {
            continue;
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let (vals, mut msgs) = decode(&rec, &names, opts.encoding);
        let get = |c: LyraColumn| {
            index
                .get(&c)
                .and_then(|i| vals.get(*i).map(|v| v.as_ref()))
                .unwrap_or("")
        };
        let mut cols: Vec<String> = vec![String::new(); lyra::DETAIL_COLUMNS];
        cols[0] = "02".into();
        cols[1] = rows.to_string();
        cols[2] = opts.date.clone();
        cols[3] = opts.time.clone();
        cols[5] = "CD".into();
        for (&c, &i) in &index {
            let raw = vals.get(i).map(|v| v.as_ref()).unwrap_or("");
            if raw.contains([';', '\r', '\n']) {
                msgs.push((
                    names[i].clone(),
                    format!(
                        "{} contains ;, CR or LF (not allowed in a Lyra file)",
                        show(raw)
                    ),
                ));
                continue;
            }
            if raw.is_empty() && matches!(c, LyraColumn::Date | LyraColumn::Time | LyraColumn::Type)
            {
                continue;
            }
            cols[c.position() - 1] = raw.to_string();
        }
        // Conversions: type names, alphabetic currencies, decimal
        // amounts, short transaction ids.
        let t = get(LyraColumn::Type);
        if !t.is_empty() {
            if t.eq_ignore_ascii_case("CD") || t.eq_ignore_ascii_case("debit") {
                cols[5] = "CD".into();
            } else {
                msgs.push((
                    names[index[&LyraColumn::Type]].clone(),
                    format!(
                        "{} is not a Lyra transaction type (expected CD or debit)",
                        show(t)
                    ),
                ));
            }
        }
        let cur_raw = get(LyraColumn::Currency);
        let currency = fields::parse_currency(cur_raw, true);
        match &currency {
            Ok(c) => cols[7] = c.numeric.to_string(),
            Err(m) if !cur_raw.is_empty() => {
                msgs.push((names[index[&LyraColumn::Currency]].clone(), m.clone()))
            }
            Err(_) => {}
        }
        let amount_raw = get(LyraColumn::Amount);
        if opts.decimal_amounts {
            match (&currency, amount_raw.is_empty()) {
                (_, true) => {}
                (Ok(c), false) => match fields::parse_decimal_amount(amount_raw, c) {
                    Ok(a) => cols[6] = a.to_string(),
                    Err(m) => msgs.push((names[index[&LyraColumn::Amount]].clone(), m)),
                },
                (Err(_), false) => {}
            }
        }
        let tid = get(LyraColumn::TransactionId);
        if !tid.is_empty() && tid.len() < 6 && tid.bytes().all(|b| b.is_ascii_digit()) {
            cols[4] = format!("{tid:0>6}");
        }
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        let already: Vec<String> = msgs.iter().map(|(c, _)| c.clone()).collect();
        for (pos, msg) in lyra::check_detail(&refs) {
            let col = column_name(pos);
            if already.contains(&col) {
                continue;
            }
            let msg = if matches!(pos, 5 | 7 | 8 | 11) && refs[pos - 1].is_empty() {
                "missing (every Lyra payment needs it)".to_string()
            } else if pos == 7 && !opts.decimal_amounts && amount_raw.contains(['.', ',']) {
                format!("{msg}; use --decimal-amounts to read 12.50 as 1250")
            } else {
                msg
            };
            msgs.push((col, msg));
        }
        if msgs.is_empty() {
            let key = (cols[2].clone(), cols[4].clone());
            if let Some(first) = seen.insert(key, line) {
                msgs.push((column_name(5), format!("transaction id {} is already used on line {first} for {} (ids must be unique per shop per day)", cols[4], cols[2])));
            }
        }
        if msgs.is_empty() {
            if bad_rows == 0 {
                w.write_record(&cols).map_err(werr)?;
            }
        } else {
            bad_rows += 1;
            for (col, msg) in msgs {
                paylot_cli::note(format_args!("{name}:{line}: column {}: {msg}", show(&col)));
            }
        }
    }
    if bad_rows > 0 {
        return Err(Error::no(format!(
            "{bad_rows} of {rows} rows rejected in {}; nothing written",
            paylot_cli::input::quote(&name)
        )));
    }
    if rows == 0 {
        return Err(Error::no(format!(
            "{}: no payments (expected at least one row after the header); nothing written",
            paylot_cli::input::quote(&name)
        )));
    }
    if rows > lyra::RECOMMENDED_MAX_LINES {
        paylot_cli::warn(
            "xmlbatch",
            format!("{rows} payment lines; the gateway recommends at most 2,000 per file (split the CSV)"),
        );
    }
    w.write_record(["01", &rows.to_string()]).map_err(werr)?;
    w.flush().map_err(|e| Error::io("writing", e))?;
    drop(w);
    Ok(())
}
