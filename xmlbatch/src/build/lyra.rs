//! `xmlbatch build --format lyra`: the version-06 PAY REQ.

use std::fmt::Write as _;
use std::io::Write;

use gateways::calendar::{is_hhmmss, parse_day, utc_yyyymmdd_hhmmss, DAY_FORMS};
use gateways::currency::{parse_currency, parse_decimal_amount};
use gateways::lyra::file::{self as lyra, DETAIL_COLUMNS, RECOMMENDED_MAX_LINES, VERSION};
use gateways::lyra::names::{FileKind, HeaderDate, Name};
use gateways::show;
use paylot_cli::progress::{Progress, Unit};
use paylot_cli::{Access, Error, Input, Outcome, Output, Result};

use super::{usage, Args};
use crate::cli::TOOL;
use crate::csv_input::{decode, encoding, next_record, open_csv, Mapping, Vocabulary};
use crate::pipeline::{two_stages, Feed};

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
    /// How many there are (`Type` is the last).
    const COUNT: usize = LyraColumn::Type as usize + 1;

    /// Each column (in the enum's order) with the names it is read from
    /// (any case), its own first.
    const NAMES: [(LyraColumn, &'static [&'static str]); LyraColumn::COUNT] = {
        use LyraColumn::*;
        [
            (TransactionId, &["transaction_id", "trans_id"]),
            (Amount, &["amount"]),
            (Currency, &["currency"]),
            (Token, &["token", "identifier"]),
            (CaptureDate, &["capture_date"]),
            (ValidationMode, &["validation_mode"]),
            (Contract, &["contract"]),
            (Reference, &["reference", "order_id"]),
            (OrderInfo1, &["order_info1", "order_info"]),
            (OrderInfo2, &["order_info2"]),
            (OrderInfo3, &["order_info3"]),
            (Date, &["date"]),
            (Time, &["time"]),
            (Type, &["type"]),
        ]
    };

    // NAMES is in the enum's order: `readable` indexes it.
    const _IN_ORDER: () = {
        let mut i = 0;
        while i < LyraColumn::COUNT {
            assert!(LyraColumn::NAMES[i].0 as usize == i);
            i += 1;
        }
    };

    fn from_name(name: &str) -> Option<LyraColumn> {
        let name = name.trim();
        LyraColumn::NAMES
            .iter()
            .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
            .map(|(c, _)| *c)
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
        LyraColumn::NAMES[self as usize].1[0]
    }

    /// The Lyra column names, for the mapping and its messages.
    fn vocabulary() -> Vocabulary<LyraColumn> {
        Vocabulary {
            format: "Lyra",
            columns: LyraColumn::NAMES
                .iter()
                .map(|(c, names)| (*c, names.to_vec()))
                .collect(),
            column: LyraColumn::from_name,
        }
    }
}

pub(super) fn build_lyra(args: Args, delim: u8) -> Result<Outcome> {
    if let Some(opt) = args.paybox_shop.given().next() {
        return Err(usage(format!("{opt} is for --format paybox")));
    }
    for (given, opt) in [
        (args.batch.is_some(), "--batch"),
        (args.batch_state.is_some(), "--batch-state"),
    ] {
        if given {
            return Err(usage(format!("{opt} is for --format paybox")));
        }
    }
    let shop = args
        .shop
        .as_deref()
        .ok_or_else(|| usage("--shop is required with --format lyra (the 8-digit shop id)"))?;
    if !gateways::lyra::names::is_shop_id(shop) {
        return Err(usage(format!(
            "--shop {}: expected 8 digits, e.g. 12345678",
            show(shop)
        )));
    }
    let Some(mode_arg) = args.mode else {
        return Err(usage(
            "--mode test|production is required with --format lyra",
        ));
    };
    let mode = mode_arg.word();
    // The creation time, in UTC: the day of the transaction ids.
    let created = match &args.created_on {
        Some(_) if args.date.is_some() || args.time.is_some() => {
            return Err(usage(
                "--created-on gives the date and time: give it, or --date and --time",
            ))
        }
        Some(t) => gateways::calendar::rfc3339(t).ok_or_else(|| {
            usage(format!(
                "--created-on {}: expected an RFC 3339 time such as 2026-11-24T00:30:00+01:00",
                show(t)
            ))
        })?,
        None => time::OffsetDateTime::now_utc(),
    };
    let (now_date, now_time) = utc_yyyymmdd_hhmmss(created).ok_or_else(|| {
        usage(format!(
            "--created-on {}: its UTC time is not between the years 0 and 9999 (expected a time such as 2026-11-24T00:30:00+01:00)",
            show(args.created_on.as_deref().unwrap_or(""))
        ))
    })?;
    let date = match &args.date {
        Some(d) => parse_day(d).ok_or_else(|| {
            usage(format!(
                "--date {}: not a date (expected {DAY_FORMS})",
                show(d)
            ))
        })?,
        None => now_date,
    };
    let time_ = match &args.time {
        Some(t) if is_hhmmss(t) => t.clone(),
        Some(t) => return Err(usage(format!("--time {}: expected HHMMSS", show(t)))),
        None => now_time,
    };
    if let Some(out) = args.output.path() {
        if let Some(n) = Name::parse(&out.to_string_lossy()) {
            if n.kind != FileKind::Req || n.shop != shop || n.mode != mode_arg {
                return Err(usage(format!(
                    "-o {}: the name says {} for shop {} in mode {}, the header would say REQ for shop {shop} in mode {mode} (the gateway rejects a header that does not match the name)",
                    show(&out.to_string_lossy()),
                    n.kind.as_str(),
                    n.shop,
                    n.mode.letter()
                )));
            }
            // The help's example (-o 20261123.… without --date) wrote, on any
            // other day, a file `xmlbatch check` calls wrong, without a word.
            // Said, not refused: no source says the gateway compares the
            // dates, and a nightly job run for a past day names it so.
            if n.header_date(&date) == HeaderDate::Other {
                paylot_cli::warn(
                    TOOL,
                    format_args!(
                        "-o {}: the name's date is {}, the header's creation date {date} ({}, \
                         UTC): xmlbatch check calls that a problem; give --date {} (the day \
                         the file is named for), or name the file for {date} (dropwatch name \
                         --date {date})",
                        show(&out.to_string_lossy()),
                        n.date,
                        match (&args.date, &args.created_on) {
                            (Some(_), _) => "--date",
                            (None, Some(_)) => "--created-on's day",
                            (None, None) => "today",
                        },
                        n.date,
                    ),
                );
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
        columns: args.columns.mapping(&LyraColumn::vocabulary())?,
    };
    let input = Input::open(args.file.path())?;
    let mut out = Output::create_spooled(args.output.path(), Access::Private)?;
    let rows = write_lyra(&opts, input, &mut out)?;
    out.commit()?;
    super::summarize(rows, args.quiet.quiet);
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
    /// The CSV's headers read as Lyra names (`--column`, `--columns`).
    pub columns: Mapping,
}

/// Read the CSV and write the REQ to `out`; every bad row is reported and
/// an error returned.
/// Write the document; the number of rows read (each one written).
pub fn write_lyra(opts: &LyraOpts, input: Input, out: &mut dyn Write) -> Result<usize> {
    let (name, mut rdr, names) = open_csv(input, opts.delim, opts.encoding)?;
    // The columns given, in the header's order, and the CSV column of each
    // Lyra column, by the column's number.
    let mut given: Vec<(LyraColumn, usize)> = Vec::new();
    let mut slots = [None; LyraColumn::COUNT];
    let columns = opts
        .columns
        .columns(&name, &names, &LyraColumn::vocabulary())?;
    for (i, c) in columns.into_iter().enumerate() {
        given.push((c, i));
        slots[c as usize] = Some(i);
    }
    for c in [
        LyraColumn::TransactionId,
        LyraColumn::Amount,
        LyraColumn::Currency,
        LyraColumn::Token,
    ] {
        if slots[c as usize].is_none() {
            return Err(Error::trouble(format!(
                "{name}:1: no {} column (every Lyra payment needs transaction_id, amount, currency and token; map yours with --column 'HEADER=NAME')",
                c.readable()
            )));
        }
    }
    // The header's name of a Lyra column given.
    let header_name = |c: LyraColumn| {
        slots[c as usize].map_or_else(|| c.readable().to_string(), |i| names[i].clone())
    };
    let column_name = |pos: usize| -> String {
        match given.iter().find(|(c, _)| c.position() == pos) {
            Some(&(c, _)) => header_name(c),
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
        "00", "PAY", VERSION, &opts.shop, opts.mode, &opts.date, &opts.time, "",
    ])
    .map_err(werr)?;
    // The CSV is read and checked on a thread of its own while the lines
    // are written on this one.
    let read = |feed: &mut Feed<Vec<String>>| -> Result<(usize, usize)> {
        let mut rec = csv::ByteRecord::new();
        let mut progress = Progress::new(Unit::Records("rows"));
        let mut rows = 0usize;
        let mut bad_rows = 0usize;
        let mut seen = lyra::TransactionIds::default();
        // A payment line's columns, their buffers reused from row to row.
        let mut cols: Vec<String> = vec![String::new(); DETAIL_COLUMNS];
        while let Some(ok) = next_record(&mut rdr, &mut rec, &name, names.len(), &mut bad_rows)? {
            // A bad row stops the handing over, not the checking.
            feed.check()?;
            rows += 1;
            progress.update(rows as u64);
            if !ok {
                continue;
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            let vals = decode(&rec, &names, opts.encoding, &name)?;
            let mut msgs: Vec<(String, String)> = Vec::new();
            let get = |c: LyraColumn| {
                slots[c as usize]
                    .and_then(|i| vals.get(i).map(|v| v.as_ref()))
                    .unwrap_or("")
            };
            for c in cols.iter_mut() {
                c.clear();
            }
            cols[0].push_str("02");
            write!(cols[1], "{rows}")
                .map_err(|_| Error::trouble("formatting a sequence number"))?;
            cols[2].push_str(&opts.date);
            cols[3].push_str(&opts.time);
            cols[5].push_str("CD");
            for &(c, i) in &given {
                let raw = vals.get(i).map(|v| v.as_ref()).unwrap_or("");
                if memchr::memchr3(b';', b'\r', b'\n', raw.as_bytes()).is_some() {
                    msgs.push((
                        names[i].clone(),
                        format!(
                            "{} contains ;, CR or LF (not allowed in a Lyra file)",
                            show(raw)
                        ),
                    ));
                    continue;
                }
                if raw.is_empty()
                    && matches!(c, LyraColumn::Date | LyraColumn::Time | LyraColumn::Type)
                {
                    continue;
                }
                let col = &mut cols[c.position() - 1];
                col.clear();
                col.push_str(raw);
            }
            // Conversions: type names, alphabetic currencies, decimal
            // amounts, short transaction ids.
            let t = get(LyraColumn::Type);
            if !t.is_empty() {
                if t.eq_ignore_ascii_case("CD") || t.eq_ignore_ascii_case("debit") {
                    cols[5].clear();
                    cols[5].push_str("CD");
                } else {
                    msgs.push((
                        header_name(LyraColumn::Type),
                        format!(
                            "{} is not a Lyra transaction type (expected CD or debit)",
                            show(t)
                        ),
                    ));
                }
            }
            let cur_raw = get(LyraColumn::Currency);
            let currency = parse_currency(cur_raw, true);
            match &currency {
                Ok(c) => {
                    cols[7].clear();
                    cols[7].push_str(c.numeric);
                }
                Err(m) if !cur_raw.is_empty() => {
                    msgs.push((header_name(LyraColumn::Currency), m.to_string()))
                }
                Err(_) => {}
            }
            let amount_raw = get(LyraColumn::Amount);
            if opts.decimal_amounts {
                match (&currency, amount_raw.is_empty()) {
                    (_, true) => {}
                    (Ok(c), false) => match parse_decimal_amount(amount_raw, c) {
                        Ok(a) => {
                            cols[6].clear();
                            write!(cols[6], "{a}")
                                .map_err(|_| Error::trouble("formatting an amount"))?;
                        }
                        Err(m) => msgs.push((header_name(LyraColumn::Amount), m.to_string())),
                    },
                    (Err(_), false) => {}
                }
            }
            let tid = get(LyraColumn::TransactionId);
            if !tid.is_empty() && tid.len() < 6 && tid.bytes().all(|b| b.is_ascii_digit()) {
                let padded = format!("{tid:0>6}");
                cols[4] = padded;
            }
            let refs: [&str; DETAIL_COLUMNS] = std::array::from_fn(|i| cols[i].as_str());
            // The columns said wrong already, not said again by the check.
            let already = msgs.len();
            if rows > lyra::MAX_LINES {
                // The gateway's own limit, not ours: said as such, once a row.
                msgs.push((
                    "row".to_string(),
                    format!(
                        "a Lyra file holds at most {} payment lines (the gateway's sequence number is NUMERIC 6; it recommends at most {RECOMMENDED_MAX_LINES} a file): split the CSV",
                        lyra::MAX_LINES
                    ),
                ));
            }
            for (pos, msg) in lyra::check_detail(&refs, VERSION) {
                let col = column_name(pos);
                if msgs[..already].iter().any(|(c, _)| *c == col)
                    || (pos == 2 && rows > lyra::MAX_LINES)
                {
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
                let used = seen.record(&cols[2], &cols[4], line);
                if let Some(m) = lyra::TransactionIds::duplicate_message(used, &cols[2], &cols[4]) {
                    msgs.push((column_name(5), m));
                }
            }
            if msgs.is_empty() {
                if bad_rows == 0 {
                    // The line goes across; the slot's buffers come back.
                    std::mem::swap(feed.slot()?, &mut cols);
                    cols.resize(DETAIL_COLUMNS, String::new());
                }
            } else {
                bad_rows += 1;
                for (col, msg) in msgs {
                    paylot_cli::note(format_args!("{name}:{line}: column {}: {msg}", show(&col)));
                }
            }
        }
        Ok((rows, bad_rows))
    };
    let (rows, bad_rows) = two_stages(read, |cols| w.write_record(&*cols).map_err(werr))?;
    super::refuse_bad_or_no_rows(&name, rows as u64, bad_rows as u64, "payments")?;
    if rows > RECOMMENDED_MAX_LINES {
        paylot_cli::warn(
            TOOL,
            format!("{rows} payment lines; the gateway recommends at most 2,000 per file (split the CSV)"),
        );
    }
    w.write_record(["01", &rows.to_string()]).map_err(werr)?;
    w.flush().map_err(|e| Error::io("writing", e))?;
    drop(w);
    Ok(rows)
}
