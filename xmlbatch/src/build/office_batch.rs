//! `xmlbatch build --format sips-office-batch`: a Sips Office Batch CSV
//! request file, from a CSV of operations (one record a row; the
//! function's columns are `gateways::sips::batch`'s tables).

use std::io::Write;

use gateways::show;
use gateways::sips::batch::{self, Column, Function};
use paylot_cli::{Access, Error, Input, Outcome, Output, Result};

use super::{usage, Args};
use crate::csv_input::{decode, encoding, next_record, open_csv, Mapping, Vocabulary};

/// The CSV column naming each row's function.
const FUNCTION_COLUMN: &str = "function";

/// The Office Batch column names: `function`, and every column of a
/// function the data dictionary publishes (`gateways::sips::batch`), a
/// column standing for its dictionary name.
fn vocabulary() -> Vocabulary<&'static str> {
    let mut columns: Vec<(&'static str, Vec<&'static str>)> =
        vec![(FUNCTION_COLUMN, vec![FUNCTION_COLUMN])];
    for c in batch::FUNCTIONS.iter().flat_map(|f| f.columns) {
        if !columns.iter().any(|(n, _)| n.eq_ignore_ascii_case(c.name)) {
            columns.push((c.name, vec![c.name]));
        }
    }
    Vocabulary {
        format: "Sips Office Batch",
        columns,
        column,
    }
}

/// The dictionary's name of a column (or `function`), any case.
fn column(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name.eq_ignore_ascii_case(FUNCTION_COLUMN) {
        return Some(FUNCTION_COLUMN);
    }
    batch::FUNCTIONS
        .iter()
        .find_map(|f| f.column(name).map(|(_, c)| c.name))
}

pub(super) fn build_office_batch(args: Args, delim: u8) -> Result<Outcome> {
    let others = [
        (args.batch.is_some(), "--batch"),
        (args.batch_state.is_some(), "--batch-state"),
        (args.shop.is_some(), "--shop"),
        (args.mode.is_some(), "--mode"),
        (args.date.is_some(), "--date"),
        (args.time.is_some(), "--time"),
        (args.decimal_amounts, "--decimal-amounts"),
    ];
    let others = others
        .into_iter()
        .filter(|(given, _)| *given)
        .map(|(_, opt)| opt);
    if let Some(opt) = args.paybox_shop.given().chain(others).next() {
        return Err(usage(format!(
            "{opt} is not an Office Batch option (amounts are in the smallest currency unit, e.g. 1050)"
        )));
    }
    let remitter = args.remitter.as_deref().ok_or_else(|| {
        usage("--remitter is required with --format sips-office-batch (the HEADER's remitterId, e.g. 023101122334455)")
    })?;
    if remitter.is_empty() || remitter.bytes().any(|b| b == b';' || b.is_ascii_control()) {
        return Err(usage(format!(
            "--remitter {}: expected the remitter id, without ; or control characters",
            show(remitter)
        )));
    }
    let created = match &args.created_on {
        Some(t) => gateways::calendar::rfc3339(t).ok_or_else(|| {
            usage(format!(
                "--created-on {}: expected an RFC 3339 time such as 2021-12-16T14:26:45+01:00",
                show(t)
            ))
        })?,
        None => {
            time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        }
    };
    let (date, time_) = batch::header_date_time(created);
    let version = args.office_version;
    let columns = args.columns.mapping(&vocabulary())?;
    let input = Input::open(args.file.path())?;
    let mut out = Output::create_spooled(args.output.path(), Access::Private)?;
    let header = Header {
        remitter,
        date: &date,
        time: &time_,
        sequence: args.sequence.unwrap_or(1),
        version,
    };
    let enc = encoding(&args.encoding)?;
    let rows = write_office_batch(&header, delim, enc, &columns, input, &mut out)?;
    out.commit()?;
    super::summarize(rows, args.quiet.quiet);
    Ok(Outcome::Yes)
}

/// The envelope's values.
pub struct Header<'a> {
    pub remitter: &'a str,
    pub date: &'a str,
    pub time: &'a str,
    pub sequence: u64,
    pub version: u32,
}

/// Read the CSV and write the request file to `out`; every bad row is
/// reported and an error returned. The number of rows.
pub fn write_office_batch(
    h: &Header,
    delim: u8,
    enc: Option<&'static encoding_rs::Encoding>,
    mapping: &Mapping,
    input: Input,
    out: &mut dyn Write,
) -> Result<usize> {
    let (name, mut rdr, names) = open_csv(input, delim, enc)?;
    // The dictionary's name of each column; every header not one of them
    // (mapped or not) is reported here.
    let columns = mapping.columns(&name, &names, &vocabulary())?;
    let Some(fcol) = columns.iter().position(|c| *c == FUNCTION_COLUMN) else {
        return Err(Error::trouble(format!(
            "{name}:1: no function column (each row names its function: cardOrder, walletOrder, walletCredit, acceptChallenge, refuseChallenge, cancel, validate, refund; map yours with --column 'HEADER=function')"
        )));
    };
    let mut w = batch::writer(out);
    let werr = |e: csv::Error| Error::trouble(format!("writing: {e}"));
    w.write_record(["FILE", "request", "office", &format!("v{}", h.version)])
        .map_err(werr)?;
    w.write_record([
        "HEADER",
        h.remitter,
        h.date,
        h.time,
        &h.sequence.to_string(),
    ])
    .map_err(werr)?;
    let mut rec = csv::ByteRecord::new();
    let mut rows = 0usize;
    let mut bad_rows = 0usize;
    while let Some(ok) = next_record(&mut rdr, &mut rec, &name, names.len(), &mut bad_rows)? {
        rows += 1;
        if !ok {
            continue;
        }
        let line = rec.position().map_or(0, |p| p.line());
        let vals = decode(&rec, &names, enc, &name)?;
        match record(&names, &columns, fcol, &vals, rows, h.version) {
            Ok(cols) => {
                if bad_rows == 0 {
                    w.write_record(&cols).map_err(werr)?;
                }
            }
            Err(msgs) => {
                bad_rows += 1;
                // No message quotes a card field's value
                // (gateways::sips::batch::value_problem).
                for (col, msg) in msgs {
                    paylot_cli::note(format_args!("{name}:{line}: column {}: {msg}", show(&col)));
                }
            }
        }
    }
    super::refuse_bad_or_no_rows(&name, rows as u64, bad_rows as u64, "operations")?;
    w.write_record(["END", &rows.to_string()]).map_err(werr)?;
    w.flush().map_err(|e| Error::io("writing", e))?;
    Ok(rows)
}

/// One row as a record: the keyword, then the function's columns in
/// Order; or what is wrong, per column (named as the CSV's header, in
/// `names`; `columns` the dictionary's name of each).
fn record(
    names: &[String],
    columns_given: &[&'static str],
    fcol: usize,
    vals: &[std::borrow::Cow<'_, str>],
    row: usize,
    version: u32,
) -> std::result::Result<Vec<String>, Vec<(String, String)>> {
    let fname = vals.get(fcol).map(|v| v.as_ref()).unwrap_or("");
    let f: &Function = match batch::function(fname) {
        Some(f) => f,
        None => {
            return Err(vec![(
                names[fcol].clone(),
                format!(
                    "{} is not a function whose columns are published (cardOrder, walletOrder, walletCredit, acceptChallenge, refuseChallenge, cancel, validate, refund; credit and directDebitOrder have none published)",
                    show(fname)
                ),
            )])
        }
    };
    if let Some(why) = f.unbuildable {
        return Err(vec![(
            names[fcol].clone(),
            format!("{} cannot be built: {why}", f.name),
        )]);
    }
    let columns: &[Column] =
        batch::columns_for(f, version).map_err(|m| vec![(names[fcol].clone(), m)])?;
    let mut msgs = Vec::new();
    let mut cols: Vec<String> = vec![String::new(); columns.len() + 1];
    cols[0] = f.keyword.to_string();
    for (i, (n, c)) in names.iter().zip(columns_given).enumerate() {
        let v = vals.get(i).map(|v| v.as_ref()).unwrap_or("");
        if i == fcol || v.is_empty() {
            continue;
        }
        match f.column(c) {
            Some((order, _)) if order <= columns.len() => cols[order] = v.to_string(),
            Some(_) => msgs.push((
                n.clone(),
                format!("not a column of CSV interface version {version} (give --office-version)"),
            )),
            None => msgs.push((
                n.clone(),
                format!("not a column of {} (leave it empty on its rows)", f.name),
            )),
        }
    }
    if cols[1].is_empty() {
        // The samples number records freely; 1..n is the writer's choice.
        cols[1] = row.to_string();
    }
    let refs: Vec<&str> = cols[1..].iter().map(String::as_str).collect();
    for (_, cname, m) in batch::check_record(f, &refs) {
        let given = columns_given
            .iter()
            .position(|c| c.eq_ignore_ascii_case(cname))
            .map_or_else(|| cname.to_string(), |i| names[i].clone());
        if !msgs.iter().any(|(c, _)| *c == given) {
            msgs.push((given, m));
        }
    }
    if msgs.is_empty() {
        Ok(cols)
    } else {
        Err(msgs)
    }
}
