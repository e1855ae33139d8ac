//! `dropwatch purge`: remove from the account what the merchant must
//! remove, once it has been fetched. Paybox: the download directory has a
//! quota and its purge is the merchant's (`.status.xml`, `.err`). Lyra:
//! rejected requests (`_ERROR`, `_DUPLICATE`) stay in request_ips until the
//! merchant deletes them; result_ips is the gateway's (the merchant cannot
//! delete there, and the gateway's retention does).
//!
//! Nothing is lost: a file is removed only when `--local` holds a copy of
//! the same name and size (`dropwatch fetch` put it there).

use paylot_cli::{Error, Outcome, Result};

use super::answer::{fetched_before, LocalArg};
use super::{join, meaning, runtime, Account, RemoteArgs};
use crate::file_kind::{self, Kind};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub remote: RemoteArgs,
    #[command(flatten)]
    pub local: LocalArg,
    /// Only the answers of these requests [default: every answer fetched]
    #[arg(value_name = "NAME")]
    pub requests: Vec<String>,
}

pub fn run(a: Args) -> Result<Outcome> {
    runtime()?.block_on(purge(&a))
}

async fn purge(a: &Args) -> Result<Outcome> {
    let acc = Account::connect(&a.remote).await?;
    let mut out = paylot_cli::json::Lines::stdout();
    let mut kept = 0usize;
    // A file that cannot be purged (its local copy differs, the server
    // refuses to remove it) does not stop the others: the account has a
    // quota, and what can be removed is. Each failure is said as it comes;
    // the run ends in trouble (exit 2) when there was one (attack M6).
    let mut failed = 0usize;
    for (dir, entry) in acc.files().await? {
        if !merchants_to_purge(a, &acc, &dir, &entry.name) {
            continue;
        }
        if !a.requests.is_empty()
            && !a
                .requests
                .iter()
                .any(|r| meaning(&a.remote, &entry.name, r).is_some())
        {
            continue;
        }
        let path = join(&dir, &entry.name);
        match fetched_before(&a.local.local.join(&entry.name), &entry) {
            Ok(Some(_)) => {}
            Ok(None) => {
                kept += 1;
                continue;
            }
            Err(e) => {
                paylot_cli::say(
                    crate::cli::TOOL,
                    e.within(format!("purge: {} kept", a.remote.remote.show(&path))),
                );
                failed += 1;
                continue;
            }
        }
        let mut fs = acc.sftp().fs();
        match acc
            .ask_if_there("removing", &path, fs.remove_file(&path))
            .await
        {
            Ok(_) => out.human(&entry.name)?,
            Err(e) => {
                paylot_cli::say(crate::cli::TOOL, &e);
                failed += 1;
            }
        }
    }
    acc.close().await;
    if kept > 0 {
        paylot_cli::say(
            crate::cli::TOOL,
            format_args!(
                "purge: {kept} file(s) kept on the server: not fetched into {} yet (dropwatch fetch)",
                crate::fsutil::quote_path(&a.local.local)
            ),
        );
    }
    if failed > 0 {
        paylot_cli::say(
            crate::cli::TOOL,
            format_args!(
                "purge: {failed} file(s) could not be purged (said above); the others were"
            ),
        );
        return Err(Error::reported());
    }
    Ok(Outcome::Yes)
}

/// Whether the file `name` of `dir` is one the merchant purges: by the
/// gateway's rules above.
fn merchants_to_purge(a: &Args, acc: &Account<'_>, dir: &str, name: &str) -> bool {
    let Some((_, kind)) = file_kind::classify(name, &[a.remote.gateway], &a.remote.naming.template)
    else {
        return false;
    };
    match kind {
        Kind::Rejected { .. } => dir == acc.upload,
        Kind::Status { .. } | Kind::ErrorFile { .. } => true,
        _ => false,
    }
}
