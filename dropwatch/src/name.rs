//! `dropwatch name`: the next free request name.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use paylot_cli::{Error, Outcome, Result};

use crate::cli::NamingOpts;
use crate::fsutil::quote_path;
use gateways::calendar::{parse_day, DAY_FORMS};
use gateways::lyra::names::{strip_decorations, FileKind, Mode, Name};
use gateways::paybox::names::Template;
use gateways::paybox::values::{parse_rank, parse_site, parse_written_rank};
use gateways::Gateway;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which gateway's naming rules apply
    #[arg(long, alias = "scheme", value_enum, default_value = "lyra")]
    pub gateway: Gateway,
    /// Lyra shop identifier (8 digits)
    #[arg(long, value_name = "N")]
    pub shop: Option<String>,
    /// Lyra mode
    #[arg(long, value_enum, default_value_t = Mode::Test)]
    pub mode: Mode,
    /// Lyra file date, YYYYMMDD or YYYY-MM-DD [default: today, local time]
    #[arg(long, value_name = "D")]
    pub date: Option<String>,
    #[command(flatten)]
    pub paybox_shop: gateways::paybox::values::ShopArgs,
    /// Paybox: name this Question from its own BatchNumber, Site and Rank
    /// (the numbers the gateway acts on), checked against the names
    /// already used — so that name and content always agree
    #[arg(long, value_name = "FILE", conflicts_with_all = ["site", "rank"])]
    pub question: Option<PathBuf>,
    #[command(flatten)]
    pub naming: NamingOpts,
    /// File listing names already sent, one a line (repeatable)
    #[arg(long, value_name = "FILE")]
    pub sent: Vec<PathBuf>,
    /// Append the chosen name to the first --sent file (under a lock, so
    /// that two concurrent runs never get the same name)
    #[arg(long, requires = "sent")]
    pub record: bool,
    /// Directories holding the names already used (searched recursively;
    /// for request_ips / in, the sibling result_ips / out too)
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
}

pub fn run(a: Args) -> Result<Outcome> {
    misplaced(&a)?;
    // Take the lock first: the choice and the record are one step.
    let mut record = None;
    if a.record {
        let path = &a.sent[0];
        record = Some((path.clone(), open_sent(path)?));
    }
    let mut known = Vec::new();
    for d in &a.dirs {
        collect_dir(d, &mut known)?;
    }
    for s in &a.sent {
        collect_sent(s, &mut known)?;
    }
    let name = match a.gateway {
        Gateway::Lyra => next_lyra(&a, &known)?,
        Gateway::Paybox => next_paybox(&a, &known)?,
    };
    if let Some((path, mut f)) = record {
        append_sent(&mut f, &path, &name)?;
        let _ = f.unlock();
    }
    let mut out = paylot_cli::Output::stdout();
    writeln!(out, "{name}").map_err(|e| Error::io("writing to standard output", e))?;
    out.commit()?;
    Ok(Outcome::Yes)
}

/// An option of the other gateway's naming refused by name, with the
/// `--gateway` it is for: `--gateway` defaults to lyra, and a Paybox user
/// who left it out (`dropwatch name --site 1999888 --rank 32 DIR`) was
/// told that "--gateway lyra needs --shop", an option they never gave.
fn misplaced(a: &Args) -> Result<()> {
    let misplaced = match a.gateway {
        Gateway::Lyra => a
            .paybox_shop
            .given()
            .chain(a.question.is_some().then_some("--question"))
            .next()
            .map(|opt| {
                format!(
                    "name: {opt} is for --gateway paybox (a Question's name); without \
                     --gateway, the name is a Lyra file's (--shop)"
                )
            }),
        Gateway::Paybox => [(a.shop.is_some(), "--shop"), (a.date.is_some(), "--date")]
            .into_iter()
            .find(|(given, _)| *given)
            .map(|(_, opt)| format!("name: {opt} is for --gateway lyra (a Lyra file's name)")),
    };
    match misplaced {
        Some(message) => Err(Error::usage(message)),
        None => Ok(()),
    }
}

fn next_lyra(a: &Args, known: &[String]) -> Result<String> {
    let shop = a.shop.as_deref().ok_or_else(|| {
        Error::trouble("name: --gateway lyra needs --shop (8 digits, e.g. --shop 12345678)")
    })?;
    if !gateways::lyra::names::is_shop_id(shop) {
        return Err(Error::trouble(format!(
            "name: --shop \"{shop}\" is not 8 digits (e.g. 12345678)"
        )));
    }
    let date = match &a.date {
        Some(given) => parse_day(given).ok_or_else(|| {
            // The value as the user wrote it (2026-13-01), not as read.
            Error::trouble(format!(
                "name: --date \"{}\" is not a date (expected {DAY_FORMS})",
                paylot_cli::safe(given)
            ))
        })?,
        None => today(),
    };
    let used = used_lyra(known, &date, shop, a.mode);
    let next = used.iter().next_back().map(|m| m + 1).unwrap_or(1);
    if next > 99 {
        return Err(Error::no(format!(
            "name: no free request name left for {date}, shop {shop}, mode {}: sequence 99 is already used (at most 99 files a day; use another --date)",
            a.mode.letter()
        )));
    }
    Ok(Name {
        date,
        shop: shop.to_string(),
        kind: FileKind::Req,
        mode: a.mode,
        seq: next as u8,
    }
    .to_string())
}

/// Sequence numbers used by known names for that day, shop and mode.
pub fn used_lyra(known: &[String], date: &str, shop: &str, mode: Mode) -> BTreeSet<u32> {
    known
        .iter()
        .filter_map(|n| {
            let (base, _, _) = strip_decorations(n);
            Name::parse(base)
        })
        .filter(|n| n.date == date && n.shop == shop && n.mode == mode)
        .map(|n| n.seq as u32)
        .collect()
}

fn next_paybox(a: &Args, known: &[String]) -> Result<String> {
    if let Some(q) = &a.question {
        return paybox_name_of(a, q, known);
    }
    let t = &a.naming.template;
    let site = match &a.paybox_shop.site {
        Some(s) => parse_site(s).map_err(|e| Error::trouble(format!("name: --site {e}")))?,
        None if t.uses_site() => {
            return Err(Error::trouble(
                "name: --gateway paybox needs --site (7 digits) and --rank",
            ))
        }
        None => String::new(),
    };
    let rank = match &a.paybox_shop.rank {
        Some(r) => parse_rank(r).map_err(|e| Error::trouble(format!("name: --rank {e}")))?,
        None if t.uses_rank() => {
            return Err(Error::trouble(
                "name: --gateway paybox needs --rank (e.g. 032)",
            ))
        }
        None => String::new(),
    };
    let last = last_batch(known, t, &site, &rank);
    let next = last + 1;
    if next > t.max_batch() {
        return Err(Error::no(format!(
            "name: no batch number left: {last} is the largest the template \"{}\" can hold (give a wider {{batch:N}})",
            t.text()
        )));
    }
    // A wide template holds more than the gateway takes: the name of a
    // Question that can never be built (xmlbatch build refuses the
    // number, the gateway too) was printed with status 0.
    if next > gateways::paybox::MAX_NUMBER {
        return Err(Error::no(format!(
            "name: no batch number left: {last} is the highest batch number the gateway takes \
             (ask the gateway how to restart the numbering)"
        )));
    }
    Ok(t.render(&site, &rank, next))
}

/// The name of the Question `file`, from its own routing data: the one
/// source of the batch number is the file (`xmlbatch build --batch-state`
/// counts), and the name follows it. A batch number not greater than the
/// last one used for that shop is refused, as the gateway would.
fn paybox_name_of(a: &Args, file: &Path, known: &[String]) -> Result<String> {
    use gateways::paybox::question::read_header;
    use gateways::paybox::values::parse_batch;
    let t = &a.naming.template;
    let shown = quote_path(file);
    let f = File::open(file).map_err(|e| Error::reading_path(file, e))?;
    let header = read_header(std::io::BufReader::new(f), &shown)?;
    let batch = parse_batch(header.batch.as_deref().unwrap_or(""))
        .map_err(|e| Error::no(format!("{shown}: BatchNumber {e}")))?;
    let site = parse_site(header.site.as_deref().unwrap_or(""))
        .map_err(|e| Error::no(format!("{shown}: Merchant Site {e}")))?;
    let rank = parse_written_rank(header.rank.as_deref().unwrap_or(""))
        .map_err(|e| Error::no(format!("{shown}: Merchant Rank {e}")))?;
    if batch > t.max_batch() {
        return Err(Error::no(format!(
            "{shown}: BatchNumber {batch} does not fit the template \"{}\" (give a wider {{batch:N}})",
            t.text()
        )));
    }
    let last = last_batch(known, t, &site, &rank);
    if batch <= last {
        return Err(Error::no(format!(
            "{shown}: BatchNumber {batch} is not greater than {last}, the last one used for site {site} rank {rank}: the gateway would answer with .err; build the Question with the next number (xmlbatch build --batch-state FILE counts them)"
        )));
    }
    Ok(t.render(&site, &rank, batch))
}

/// The largest batch number among known names for this site and rank
/// (0 if none).
pub fn last_batch(known: &[String], t: &Template, site: &str, rank: &str) -> u64 {
    known
        .iter()
        .filter_map(|n| t.question_of(n))
        .filter(|q| {
            (q.site.is_none() || q.site.as_deref() == Some(site))
                && (q.rank.is_none() || q.rank.as_deref() == Some(rank))
        })
        .map(|q| q.batch)
        .max()
        .unwrap_or(0)
}

fn today() -> String {
    let now = paylot_cli::time::local_now();
    format!(
        "{:04}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

/// Every file name under `dir` (recursively, symlinks not followed), and
/// under the sibling answer directory of an upload directory.
pub fn collect_dir(dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for p in files_under(dir)? {
        if let Some(n) = p.file_name() {
            out.push(n.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

/// The files [`collect_dir`] names, as paths.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(Error::trouble(format!(
            "{}: not a directory (give the directory holding your request files)",
            quote_path(dir)
        )));
    }
    let mut dirs = vec![dir.to_path_buf()];
    if let Some(last) = dir.file_name().and_then(|n| n.to_str()) {
        if let (Some(s), Some(parent)) = (gateways::answer_dir_beside(last), dir.parent()) {
            let p = parent.join(s);
            if crate::fsutil::is_real_dir(&p) {
                dirs.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        for e in walkdir::WalkDir::new(&d).follow_links(false) {
            let e = e.map_err(|e| crate::fsutil::unreadable(e, &d))?;
            if !e.file_type().is_dir() {
                out.push(e.into_path());
            }
        }
    }
    Ok(out)
}

/// Open (creating it) and lock a sent file, for [`append_sent`].
pub fn open_sent(path: &Path) -> Result<File> {
    let f = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| Error::io(format!("opening {}", quote_path(path)), e))?;
    f.lock()
        .map_err(|e| Error::io(format!("locking {}", quote_path(path)), e))?;
    Ok(f)
}

/// Add `name` to the sent file `f` (open and locked by [`open_sent`]),
/// durably, on a line of its own: a list edited by hand often ends
/// without its last newline, and a name glued to the last one would make
/// both unknown, so the next run would hand out a name already sent.
pub fn append_sent(f: &mut File, path: &Path, name: &str) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let mut record = || -> std::io::Result<()> {
        let len = f.seek(SeekFrom::End(0))?;
        let mut last = [b'\n'];
        if len > 0 {
            f.read_exact_at(&mut last, len - 1)?;
        }
        let sep = if matches!(last[0], b'\n' | b'\r') {
            ""
        } else {
            "\n"
        };
        f.write_all(format!("{sep}{name}\n").as_bytes())?;
        f.sync_all()
    };
    record().map_err(|e| Error::io(format!("recording in {}", quote_path(path)), e))
}

/// Names listed in a sent file (a missing file lists none), its lines
/// ended by LF, CRLF or a bare CR, a UTF-8 BOM skipped. Read line by
/// line, each at most [`paylot_cli::limits::STATE_LINE`] bytes: a file
/// named here by mistake (`/dev/zero`, a large file) is refused at the
/// first line past the bound, not read whole.
pub fn collect_sent(path: &Path, out: &mut Vec<String>) -> Result<()> {
    use paylot_cli::limits::{self, Line, STATE_LINE};
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::reading_path(path, e)),
    };
    let mut reader = std::io::BufReader::new(f);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        n += 1;
        match limits::read_line(&mut reader, &mut buf, STATE_LINE)
            .map_err(|e| Error::reading_path(path, e))?
        {
            Line::End => return Ok(()),
            Line::TooLong => {
                return Err(Error::trouble(format!(
                    "{}:{n}: a line of more than {}, the most a --sent line may hold (a file name): not a list of names sent (is it the right file?)",
                    quote_path(path),
                    limits::show(STATE_LINE)
                )))
            }
            Line::Read => {}
        }
        let text = String::from_utf8_lossy(&buf);
        // A list saved by Windows Notepad starts with a BOM, one saved by
        // an old Mac editor ends its lines with a bare CR: a name missed
        // here would be handed out again.
        let text = if n == 1 {
            text.trim_start_matches('\u{feff}')
        } else {
            &text
        };
        for l in text.split('\r').map(str::trim) {
            if !l.is_empty() && !l.starts_with('#') {
                // A line may be a path: keep its last component.
                out.push(l.rsplit('/').next().unwrap_or(l).to_string());
            }
        }
    }
}
