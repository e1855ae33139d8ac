//! Lyra: a transaction id its shop already used that day, in a file
//! sent before or waiting beside the one checked (`dropwatch check`).

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use gateways::lyra::ids::{self, DayId, Side};
use gateways::lyra::names::{FileKind, Name};
use paylot_cli::{Error, Result};

use crate::fsutil::quote_path;
use crate::name::files_under;

use super::{known_dirs, Args, Problem};

/// Lyra: the lines of `f` whose transaction id its shop already uses in
/// the same mode (TEST and PRODUCTION are apart: `gateways::lyra::ids`) on
/// the same UTC day in a file sent before, or waiting beside it for the
/// same scan: the gateway would answer them `96 transaction.exist`
/// (`gateways::lyra::ids`). The files are those of the known
/// directories: each answer (ANS) for the lines it says used their id,
/// else its request (REQ); rejected (`_ERROR`, `_DUPLICATE`) files were
/// not processed; compressed ones (`.gz`, a week old) are not read.
pub(super) fn reused_ids(a: &Args, f: &Path, name: &str) -> Result<Vec<Problem>> {
    let shown = quote_path(f);
    let file = fs::File::open(f).map_err(|e| Error::reading_path(f, e))?;
    let mut mine: HashMap<DayId, u64> = HashMap::new();
    let mut found = Vec::new();
    // A file whose ids cannot be read is said, not judged: its content is
    // xmlbatch check's business.
    let unread = |what: &str, said: &str| Problem {
        code: "unread",
        message: format!(
            "the transaction ids of {what} could not be read ({said}): run xmlbatch check on it"
        ),
    };
    if let Err(e) = ids::each_use(
        std::io::BufReader::new(file),
        Side::Request,
        &shown,
        |line, u| {
            mine.entry(u).or_insert(line);
        },
    ) {
        // A line past its bound is refused here as the responder and the
        // gateway refuse it (docs/conventions.md, Limits), not left to a
        // warning.
        if e.is_past_bound() {
            return Err(e);
        }
        // Said of the file the warning names already: by its line
        // (`line 3: …`), not by its name again.
        let said = e.to_string();
        let at = said
            .strip_prefix(shown.as_str())
            .and_then(|rest| rest.strip_prefix(':'))
            .map_or(said.clone(), |rest| format!("line {rest}"));
        return Ok(vec![unread("this file", &at)]);
    }
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    // The files sent, by name: an answer stands for its request.
    let me = Name::parse(name);
    let mut sent: BTreeMap<String, (Option<PathBuf>, Option<PathBuf>)> = BTreeMap::new();
    let myself = f.canonicalize().ok();
    for d in known_dirs(a, f).0 {
        for p in files_under(&d)? {
            let Some(n) = p.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(parsed) = Name::parse(n) else {
                continue;
            };
            if n.starts_with('.') || p.canonicalize().ok() == myself {
                continue;
            }
            let req = parsed.with_kind(FileKind::Req);
            if me.as_ref() == Some(&req) {
                continue;
            }
            let slot = sent.entry(req.to_string()).or_default();
            match parsed.kind {
                FileKind::Req => slot.0 = Some(p),
                FileKind::Ans => slot.1 = Some(p),
            }
        }
    }
    let mut unreadable = Vec::new();
    for (req, ans) in sent.into_values() {
        let (path, side) = match (ans, req) {
            (Some(p), _) => (p, Side::Answer),
            (None, Some(p)) => (p, Side::Request),
            (None, None) => continue,
        };
        let other = quote_path(&path);
        let read = fs::File::open(&path)
            .map_err(|e| Error::reading_path(&path, e))
            .and_then(|read| {
                ids::each_use(std::io::BufReader::new(read), side, &other, |line, u| {
                    if let Some(at) = mine.get(&u) {
                        found.push((*at, u, other.clone(), line));
                    }
                })
            });
        if let Err(e) = read {
            unreadable.push(unread(&other, &e.to_string()));
        }
    }
    found.sort();
    Ok(unreadable
        .into_iter()
        .chain(found.into_iter()
        .map(|(at, u, other, line)| Problem {
            code: "transaction_exist",
            message: format!(
                "line {at}: transaction id {} of shop {} in {} is already used on {} (a UTC day) by {other} line {line}: the gateway would answer this line {} {} (an id is unique per shop and mode per UTC day, whatever the file); give it another id",
                u.id, u.shop, u.mode, u.day, ids::REUSED.0, ids::REUSED.1
            ),
        }))
        .collect())
}
