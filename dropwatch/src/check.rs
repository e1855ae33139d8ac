//! `dropwatch check`: what the gateway's validation would say before upload.

use std::fs;
use std::path::{Path, PathBuf};

use gateways::drop::Reason;
use gateways::lyra::drop as lyra_drop;
use gateways::lyra::names::{strip_decorations, FileKind, Name};
use gateways::lyra::schedule::rfc3339;
use gateways::paybox::drop as paybox_drop;
use gateways::paybox::drop::{routing, Routing};
use gateways::paybox::names::{
    error_file_name, question_name_of, question_stem, status_name, Template,
};
use gateways::paybox::question::read_sealed;
use gateways::Gateway;
use paylot_cli::json::{Lines, Record};
use paylot_cli::{Error, Outcome, Result};

use crate::cli::NamingOpts;
use crate::fsutil::{self, process_name, quote_path, Use};
use crate::name::{collect_dir, collect_sent};

mod reused;
use reused::reused_ids;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which gateway's naming rules apply
    #[arg(long, alias = "scheme", value_enum, default_value = "lyra")]
    pub gateway: Gateway,
    #[command(flatten)]
    pub naming: NamingOpts,
    /// Directory holding names already used (repeatable) [default: each
    /// file's own directory, with its sibling result_ips / out]
    #[arg(long, value_name = "DIR")]
    pub known: Vec<PathBuf>,
    /// File listing names already sent, one a line (repeatable)
    #[arg(long, value_name = "FILE")]
    pub sent: Vec<PathBuf>,
    /// Paybox: the download directory where status files arrive, to warn
    /// when the previous batch has no status yet [default: the sibling
    /// out/ of a file in in/]
    #[arg(long, value_name = "DIR")]
    pub answers: Option<PathBuf>,
    /// One JSON line per file on stdout instead of "FILE: ok" lines
    #[arg(long)]
    pub json: bool,
    /// Lyra: when the file is uploaded, RFC 3339, for when it is read and
    /// answered [default: now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[command(flatten)]
    pub schedule: crate::cli::ScheduleOpts,
    /// Files to check
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// One problem: a stable code and a message saying what would be right.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

pub fn run(a: Args) -> Result<Outcome> {
    let schedule = a.schedule.schedule()?;
    let uploaded = match &a.at {
        Some(t) => t.parse::<jiff::Timestamp>().map_err(|_| {
            Error::usage(format!(
                "--at {}: expected an RFC 3339 time such as 2026-11-23T04:01:00+01:00",
                paylot_cli::safe(t)
            ))
        })?,
        None => jiff::Timestamp::now(),
    };
    let mut sent = Vec::new();
    for s in &a.sent {
        collect_sent(s, &mut sent)?;
    }
    // What stdout gets, held until every file is checked: a run that ends
    // in trouble leaves nothing there (docs/conventions.md).
    let mut held: Vec<std::result::Result<Record, String>> = Vec::new();
    let mut all_ok = true;
    // Files that could not be checked, each said as it came (with its
    // detail lines, as the run's last error would be).
    let mut trouble = 0usize;
    for f in &a.files {
        let (problems, warnings) = match check_one(&a, f, &sent) {
            Ok(p) => p,
            Err(e) => {
                paylot_cli::error::report(crate::cli::TOOL, &e);
                trouble += 1;
                continue;
            }
        };
        for p in &problems {
            paylot_cli::say(
                crate::cli::TOOL,
                format_args!("{}: {}", quote_path(f), p.message),
            );
        }
        for w in &warnings {
            paylot_cli::warn(
                crate::cli::TOOL,
                format_args!("{}: {}", quote_path(f), w.message),
            );
        }
        // When the gateway reads a file it takes, and answers it.
        let when = (a.gateway == Gateway::Lyra && problems.is_empty())
            .then(|| f.file_name().and_then(|n| n.to_str()).and_then(Name::parse))
            .flatten()
            .and_then(|n| Some((n.mode, schedule.when(n.mode, uploaded)?)));
        if let Some((mode, w)) = &when {
            paylot_cli::say(
                crate::cli::TOOL,
                format_args!(
                    "{}: uploaded at {}, it is read by the {} scan of {}; its answer should appear between {} and {} (schedule in {}: see --test-scans, --production-scans)",
                    quote_path(f),
                    rfc3339(&schedule.local(uploaded)),
                    mode.word(),
                    rfc3339(&w.scan),
                    rfc3339(&w.answer_from),
                    rfc3339(&w.answer_by),
                    schedule.zone()
                ),
            );
        }
        if a.json {
            let list = |v: &[Problem]| -> Vec<serde_json::Value> {
                v.iter()
                    .map(|p| serde_json::json!({"code": p.code, "message": p.message}))
                    .collect()
            };
            let mut record = Record::new("check")
                .with_path(f)
                .with("ok", problems.is_empty())
                .with("problems", list(&problems))
                .with("warnings", list(&warnings));
            if let Some((_, w)) = &when {
                record = record
                    .with("uploaded", rfc3339(&schedule.local(uploaded)))
                    .with("scan", rfc3339(&w.scan))
                    .with("answer_from", rfc3339(&w.answer_from))
                    .with("answer_by", rfc3339(&w.answer_by));
            }
            held.push(Ok(record));
        } else if problems.is_empty() {
            held.push(Err(format!("{}: ok", f.display())));
        }
        all_ok &= problems.is_empty();
    }
    // Each was said above: the last one was said again as the run's
    // error, behind "(the other files were checked…)" even when there
    // was no other file. Said once; with other files, what became of them.
    if trouble > 0 {
        let n = a.files.len();
        if n == 1 {
            return Err(Error::reported());
        }
        return Err(Error::trouble(format!(
            "{trouble} of {n} files could not be checked (said above); the others were, their problems said above; nothing was written on standard output"
        )));
    }
    let mut out = Lines::stdout();
    for line in held {
        match line {
            Ok(record) => out.emit(&record)?,
            Err(text) => out.human(&text)?,
        }
    }
    Ok(Outcome::from_bool(all_ok))
}

/// What the gateway would refuse about a file (problems), and what it
/// would answer badly without refusing it (warnings).
type Findings = (Vec<Problem>, Vec<Problem>);

fn check_one(a: &Args, f: &Path, sent: &[String]) -> Result<Findings> {
    let known = known_names(a, f, sent)?;
    let rules = Rules {
        gateway: a.gateway,
        template: &a.naming.template,
    };
    let (problems, routing) = rules.judge(f, &known)?;
    let name = f.file_name().and_then(|n| n.to_str());
    if let (Some(r), Some(n)) = (routing, name) {
        warn_unanswered(a, f, n, &r, &known);
    }
    // Lyra: a file the gateway takes, whose lines reuse an id of the day.
    let mut warnings = Vec::new();
    if let (Gateway::Lyra, true, Some(n)) = (a.gateway, problems.is_empty(), name) {
        warnings.extend(reused_ids(a, f, n)?);
    }
    Ok((problems, warnings))
}

/// The rules a file is judged by before it leaves: `dropwatch check`'s,
/// and `dropwatch upload`'s, which runs the same check first.
pub struct Rules<'a> {
    pub gateway: Gateway,
    pub template: &'a Template,
}

impl Rules<'_> {
    /// Every problem the gateway would find with the local file `f`,
    /// given the names already used (`known`), in the gateway's order, and
    /// whether some process still has it open, or may have
    /// ([`fsutil::in_use`]); with a Paybox Question's
    /// routing data when it has none.
    pub fn judge(&self, f: &Path, known: &[String]) -> Result<(Vec<Problem>, Option<Routing>)> {
        let meta = fs::symlink_metadata(f).map_err(|e| Error::io(quote_path(f), e))?;
        let mut problems = Vec::new();
        if meta.file_type().is_symlink() {
            problems.push(Problem {
                code: "symlink",
                message: "is a symbolic link: gateways refuse links, upload the file itself".into(),
            });
            return Ok((problems, None));
        }
        if !meta.is_file() {
            problems.push(Problem {
                code: "not_a_file",
                message: "is not a regular file".into(),
            });
            return Ok((problems, None));
        }
        let name = f.file_name().and_then(|n| n.to_str());
        // The gateway's checks, in its order.
        let found = match self.gateway {
            Gateway::Lyra => {
                lyra_drop::problems(name, meta.len(), |n| used_lyra(known, n).is_some())
            }
            Gateway::Paybox => paybox_drop::problems(name, meta.len(), self.template),
        };
        for reason in found {
            problems.push(self.describe(name.unwrap_or_default(), &reason, known));
        }
        // Paybox: the routing data in the file, against its name, and its
        // protection; the batch number, against the names already used.
        let mut routed = None;
        if self.gateway == Gateway::Paybox && problems.is_empty() {
            if let Some(n) = name {
                let content = self.paybox_content(f, n)?;
                let order = self.batch_problem(n, known);
                match (content, order) {
                    (Ok(routing), None) => routed = Some(routing),
                    (content, order) => {
                        problems.extend(content.err().into_iter().flatten().chain(order))
                    }
                }
            }
        }
        // Still open by some process? What cannot be told may be.
        let wait =
            "wait until the writer has closed it, or write under a temporary name and rename";
        let holder = match fsutil::in_use_named(f, &meta) {
            Use::Free => None,
            Use::Open(Some(pid)) => Some(format!(
                "is still open by process {pid} ({})",
                process_name(pid)
            )),
            Use::Open(None) => Some("is still open by another process".to_string()),
            Use::Unknown => Some(
                "may still be open by another process (this user cannot tell: see the warning \
                 above)"
                    .to_string(),
            ),
        };
        if let Some(holder) = holder {
            problems.push(Problem {
                code: "open",
                message: format!("{holder}: {wait}"),
            });
        }
        Ok((problems, routed))
    }

    /// For a name refused by this gateway's rule that the other gateway's
    /// rule takes, which `--gateway` that is: `--gateway` defaults to
    /// lyra, and a Paybox Question checked (or uploaded) without
    /// `--gateway paybox` was told only that it has "4 dot-separated parts
    /// instead of 6".
    fn other_gateway(&self, name: &str) -> &'static str {
        match self.gateway {
            Gateway::Lyra if self.template.parse_name(name).is_some() => {
                " (it is named as a Paybox Question: add --gateway paybox)"
            }
            Gateway::Paybox if gateways::lyra::names::request_problem(name).is_none() => {
                " (it is named as a Lyra request: --gateway lyra)"
            }
            _ => "",
        }
    }

    /// A reason of the gateway's, as this check says it.
    fn describe(&self, name: &str, reason: &Reason, known: &[String]) -> Problem {
        let fate = match self.gateway {
            Gateway::Lyra => format!(
                "the gateway would rename it {name}{}",
                lyra_drop::rejection(reason).suffix()
            ),
            Gateway::Paybox => format!("the gateway would answer with {}.err", question_stem(name)),
        };
        match reason {
        Reason::BadName(m) => Problem {
            code: "name",
            message: format!("{m}; {fate}{}", self.other_gateway(name)),
        },
        Reason::Empty => Problem {
            code: "empty",
            message: format!("is empty (0 bytes); {fate}"),
        },
        Reason::Duplicate => Problem {
            code: "duplicate",
            message: format!(
                "name already used (found \"{}\"); {fate}: take the next sequence number (dropwatch name)",
                used_lyra(known, name).map(String::as_str).unwrap_or_default()
            ),
        },
    }
    }

    /// The routing data of a Paybox Question, read from the file as the
    /// gateway reads it, or the problems the gateway would refuse it for: its
    /// routing data, and a Merchant element left in clear.
    fn paybox_content(
        &self,
        f: &Path,
        name: &str,
    ) -> Result<std::result::Result<Routing, Vec<Problem>>> {
        let err_file = format!("the gateway would answer with {}.err", question_stem(name));
        let Some(q) = self.template.parse_name(name) else {
            return Ok(Err(vec![Problem {
                code: "name",
                message: format!("does not follow the naming template; {err_file}"),
            }]));
        };
        let file = fs::File::open(f).map_err(|e| Error::reading_path(f, e))?;
        let (header, sealing) = match read_sealed(std::io::BufReader::new(file), name) {
            Ok(h) => h,
            Err(e) if e.is_io() => return Err(e),
            Err(e) => {
                return Ok(Err(vec![Problem {
                    code: "content",
                    message: format!(
                        "is not a Question file the gateway can route: {}; {err_file}",
                        e.message()
                    ),
                }]))
            }
        };
        let mut found: Vec<Problem> = paybox_drop::protection_problem(&sealing)
            .map(|why| Problem {
                code: "clear",
                message: format!("{why}; {err_file}"),
            })
            .into_iter()
            .collect();
        match routing(&header, &q) {
            Ok(r) if found.is_empty() => Ok(Ok(r)),
            Ok(_) => Ok(Err(found)),
            Err(why) => {
                found.push(Problem {
                    code: "content",
                    message: format!("{}; {err_file}", why.join("; ")),
                });
                Ok(Err(found))
            }
        }
    }

    fn batch_problem(&self, name: &str, known: &[String]) -> Option<Problem> {
        let t = self.template;
        let me = t.parse_name(name)?;
        let hit = known
            .iter()
            .filter_map(|k| t.question_of(k).map(|q| (k, q)))
            .filter(|(_, q)| q.site == me.site && q.rank == me.rank)
            .max_by_key(|(_, q)| q.batch);
        let (found, last) = hit?;
        paybox_drop::batch_problem(me.batch, last.batch).map(|_| Problem {
        code: "batch",
        message: format!(
            "batch number {} is not greater than {} (found \"{found}\"): the gateway would answer with {}.err; take the next number (dropwatch name --gateway paybox)",
            me.batch,
            last.batch,
            question_stem(name)
        ),
    })
    }
}

/// The names already used, for `f`: the --sent lists, and the files of
/// the --known directories (default: the file's own directory). Other
/// requests waiting beside the file in its own directory are not uses of
/// a name yet (only their answers, rejections and compressed copies are).
fn known_names(a: &Args, f: &Path, sent: &[String]) -> Result<Vec<String>> {
    let mut known = sent.to_vec();
    let (dirs, own_dir) = known_dirs(a, f);
    for d in &dirs {
        let mut names = Vec::new();
        collect_dir(d, &mut names)?;
        let is_own = d.canonicalize().ok() == own_dir;
        known.extend(
            names
                .into_iter()
                .filter(|n| !(is_own && is_bare_request(a, n))),
        );
    }
    Ok(known)
}

/// The directories holding what was sent before `f`: the --known ones,
/// else `f`'s own; and `f`'s own, canonical.
fn known_dirs(a: &Args, f: &Path) -> (Vec<PathBuf>, Option<PathBuf>) {
    let own = f
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let dirs = if a.known.is_empty() {
        vec![own.clone()]
    } else {
        a.known.clone()
    };
    (dirs, own.canonicalize().ok())
}

fn is_bare_request(a: &Args, n: &str) -> bool {
    match a.gateway {
        Gateway::Lyra => Name::parse(n).is_some_and(|l| l.kind == FileKind::Req),
        Gateway::Paybox => a.naming.template.parse_name(n).is_some(),
    }
}

/// A known name that is a use of the Lyra name `name` (its REQ or ANS, in
/// any state).
fn used_lyra<'a>(known: &'a [String], name: &str) -> Option<&'a String> {
    let me = Name::parse(name)?;
    known.iter().find(|k| {
        let (base, _, _) = strip_decorations(k);
        Name::parse(base).is_some_and(|n| n.with_kind(me.kind) == me)
    })
}

/// The gateway advises sending a Question only once the previous one's
/// answer has arrived: say so (a warning, not a problem) when the shop's
/// previous batch has no status or `.err` file in the answer directory.
fn warn_unanswered(a: &Args, f: &Path, name: &str, me: &Routing, known: &[String]) {
    let answers = a.answers.clone().or_else(|| {
        let dir = f
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let canonical = dir.canonicalize().ok()?;
        let (upload, answer) = gateways::paybox::drop::LAYOUT;
        (canonical.file_name()? == upload)
            .then(|| canonical.parent().map(|p| p.join(answer)))
            .flatten()
            .filter(|o| o.is_dir())
    });
    let Some(answers) = answers else { return };
    // The batches sent or about to be: the names known, the Questions
    // beside this one, and the answers themselves.
    let mut names: Vec<String> = known.to_vec();
    let own = f
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    for dir in [own, answers.as_path()] {
        if let Ok(rd) = fs::read_dir(dir) {
            names.extend(
                rd.flatten()
                    .filter_map(|e| e.file_name().into_string().ok()),
            );
        }
    }
    let t = &a.naming.template;
    let previous = names
        .iter()
        .map(|n| question_name_of(n))
        .filter(|n| n != name)
        .filter_map(|n| t.question_of(&n).map(|q| (n, q)))
        .filter(|(_, q)| {
            q.site.as_deref().is_none_or(|s| s == me.site)
                && q.rank.as_deref().is_none_or(|r| r == me.rank)
                && q.batch < me.batch
        })
        .max_by_key(|(_, q)| q.batch);
    let Some((prev, q)) = previous else { return };
    let answered =
        answers.join(status_name(&prev)).exists() || answers.join(error_file_name(&prev)).exists();
    if !answered {
        paylot_cli::warn(
            crate::cli::TOOL,
            format_args!(
                "{}: the previous batch, {} (\"{prev}\"), has no status file in {} yet: the gateway advises sending a Question only once the previous one's status has arrived",
                quote_path(f),
                q.batch,
                quote_path(&answers)
            ),
        );
    }
}
