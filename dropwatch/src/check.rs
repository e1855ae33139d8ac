//! `dropwatch check`: what the gateway's validation would say before upload.

use std::fs;
use std::path::{Path, PathBuf};

use paylot_cli::{Error, Outcome, Result};

use crate::events::{Event, Sink};
use crate::fsutil::{process_name, quote_path, OpenFiles};
use crate::name::{collect_dir, collect_sent, question_of};
use crate::names::{self, LyraName, Scheme};
use crate::NamingOpts;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Naming rules of the gateway
    #[arg(long, value_enum, default_value = "lyra")]
    pub scheme: Scheme,
    #[command(flatten)]
    pub naming: NamingOpts,
    /// Directory holding names already used (repeatable) [default: each
    /// file's own directory, with its sibling result_ips / out]
    #[arg(long, value_name = "DIR")]
    pub known: Vec<PathBuf>,
    /// File listing names already sent, one a line (repeatable)
    #[arg(long, value_name = "FILE")]
    pub sent: Vec<PathBuf>,
    /// One JSON line per file on stdout instead of "FILE: ok" lines
    #[arg(long)]
    pub json: bool,
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
    let open = OpenFiles::scan();
    let mut sent = Vec::new();
    for s in &a.sent {
        collect_sent(s, &mut sent)?;
    }
    let mut sink = Sink::new();
    let mut all_ok = true;
    let mut trouble: Option<Error> = None;
    for f in &a.files {
        let problems = match check_one(&a, f, &open, &sent) {
            Ok(p) => p,
            Err(e) => {
                paylot_cli::say(crate::TOOL, e.message());
                trouble = Some(e);
                continue;
            }
        };
        for p in &problems {
            paylot_cli::say(
                crate::TOOL,
                format_args!("{}: {}", quote_path(f), p.message),
            );
        }
        if a.json {
            let list: Vec<serde_json::Value> = problems
                .iter()
                .map(|p| serde_json::json!({"code": p.code, "message": p.message}))
                .collect();
            sink.emit(
                &Event::new("check")
                    .with_path(f)
                    .with("ok", problems.is_empty())
                    .with("problems", list),
            )?;
        } else if problems.is_empty() {
            sink.emit_human(&format!("{}: ok", f.display()))?;
        }
        all_ok &= problems.is_empty();
    }
    sink.flush()?;
    if let Some(e) = trouble {
        return Err(Error::trouble(format!(
            "{} (the other files were checked)",
            e.message()
        )));
    }
    Ok(Outcome::from_bool(all_ok))
}

fn check_one(a: &Args, f: &Path, open: &OpenFiles, sent: &[String]) -> Result<Vec<Problem>> {
    let meta = fs::symlink_metadata(f).map_err(|e| Error::io(quote_path(f), e))?;
    let mut problems = Vec::new();
    if meta.file_type().is_symlink() {
        problems.push(Problem {
            code: "symlink",
            message: "is a symbolic link: gateways refuse links, upload the file itself".into(),
        });
        return Ok(problems);
    }
    if !meta.is_file() {
        problems.push(Problem {
            code: "not_a_file",
            message: "is not a regular file".into(),
        });
        return Ok(problems);
    }
    let Some(name) = f.file_name().and_then(|n| n.to_str()) else {
        problems.push(Problem {
            code: "name",
            message: "bad name: not valid UTF-8".into(),
        });
        return Ok(problems);
    };
    // (1) naming rule
    let name_problem = match a.scheme {
        Scheme::Lyra => names::lyra_request_problem(name),
        Scheme::Paybox => a.naming.template.problem(name),
    };
    let name_ok = name_problem.is_none();
    if let Some(m) = name_problem {
        problems.push(Problem {
            code: "name",
            message: format!("{m}; the gateway would rename it {name}_ERROR"),
        });
    }
    // (2) empty file
    if meta.len() == 0 {
        problems.push(Problem {
            code: "empty",
            message: format!("is empty (0 bytes); the gateway would rename it {name}_ERROR"),
        });
    }
    // (3) name already used
    if name_ok {
        let mut known = sent.to_vec();
        let dirs: Vec<PathBuf> = if a.known.is_empty() {
            let parent = match f.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            vec![parent]
        } else {
            a.known.clone()
        };
        let own_dir = f
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .canonicalize()
            .ok();
        for d in &dirs {
            let mut names = Vec::new();
            collect_dir(d, &mut names)?;
            // Other requests waiting beside the file in its own directory
            // are not uses of a name yet (only their answers, rejections
            // and compressed copies are).
            let is_own = d.canonicalize().ok() == own_dir;
            for n in names {
                if is_own && is_bare_request(a, &n) {
                    continue;
                }
                known.push(n);
            }
        }
        if let Some(p) = used_problem(a, name, &known) {
            problems.push(p);
        }
    }
    // (4) still open by some process
    if let Some(pid) = open.holder(&meta) {
        problems.push(Problem {
            code: "open",
            message: format!(
                "is still open by process {pid} ({}): wait until the writer has closed it, or write under a temporary name and rename",
                process_name(pid)
            ),
        });
    }
    Ok(problems)
}

fn is_bare_request(a: &Args, n: &str) -> bool {
    match a.scheme {
        Scheme::Lyra => LyraName::parse(n)
            .map(|l| l.direction == names::Direction::Req)
            .unwrap_or(false),
        Scheme::Paybox => a.naming.template.parse_name(n).is_some(),
    }
}

fn used_problem(a: &Args, name: &str, known: &[String]) -> Option<Problem> {
    match a.scheme {
        Scheme::Lyra => {
            let me = LyraName::parse(name)?;
            let hit = known.iter().find(|k| {
                let (base, _, _) = names::strip_decorations(k);
                LyraName::parse(base)
                    .map(|n| n.with_direction(me.direction) == me)
                    .unwrap_or(false)
            })?;
            Some(Problem {
                code: "duplicate",
                message: format!(
                    "name already used (found \"{}\"); the gateway would rename it {name}_DUPLICATE: take the next sequence number (dropwatch name)",
                    hit
                ),
            })
        }
        Scheme::Paybox => {
            let t = &a.naming.template;
            let me = t.parse_name(name)?;
            let hit = known
                .iter()
                .filter_map(|k| question_of(k, t).map(|q| (k, q)))
                .filter(|(_, q)| q.site == me.site && q.rank == me.rank && q.batch >= me.batch)
                .max_by_key(|(_, q)| q.batch)?;
            Some(Problem {
                code: "batch",
                message: format!(
                    "batch number {} is not greater than {} (found \"{}\"): the gateway would answer with {}.err; take the next number (dropwatch name --scheme paybox)",
                    me.batch,
                    hit.1.batch,
                    hit.0,
                    names::question_stem(name)
                ),
            })
        }
    }
}
