//! `dropwatch upload`: put request files on the gateway's account so
//! that the gateway never sees a half file and nothing is overwritten.
//!
//! Each file is first judged as `dropwatch check` judges it (the same
//! `check::Rules`), against the names the account already holds; then it
//! is written under a temporary name the gateway does not take, checked
//! for size, and linked into place under its own name (a hard link fails
//! when the name is taken: never an overwrite), the temporary name
//! removed.
//!
//! Where the temporary name goes is the gateway's rule: Lyra renames
//! anything misnamed in `request_ips` to `_ERROR` at its next scan, so it
//! is written outside it (the shop's directory); Paybox advises a
//! temporary name in the upload directory itself, and takes only the
//! agreed extension (`.xml`): ours ends in `.paylot-tmp`, hidden.

use std::io::Read;
use std::path::{Path, PathBuf};

use gateways::Gateway;
use paylot_cli::cleanup::{left_by_gone_run, temp_prefix, TEMP_SUFFIX};
use paylot_cli::{Error, Outcome, Result};

use super::{join, runtime, Account, RemoteArgs};
use crate::check::Rules;
use crate::fsutil::quote_path;
use crate::name::{append_sent, collect_sent, open_sent};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Directory on the server where a file is written under a temporary
    /// name before it is linked into place [default: Lyra: the account's
    /// directory, since a temporary name in request_ips would be renamed
    /// _ERROR; Paybox: in, as the gateway advises]
    #[arg(long, value_name = "DIR")]
    pub staging: Option<String>,
    /// File listing names already sent, one a line (repeatable)
    #[arg(long, value_name = "FILE")]
    pub sent: Vec<PathBuf>,
    /// Append each name uploaded to the first --sent file
    #[arg(long, requires = "sent")]
    pub record: bool,
    /// Files to upload, each under its own name
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(a: Args) -> Result<Outcome> {
    runtime()?.block_on(upload(&a))
}

async fn upload(a: &Args) -> Result<Outcome> {
    let mut known = Vec::new();
    for s in &a.sent {
        collect_sent(s, &mut known)?;
    }
    let acc = Account::connect(&a.remote).await?;
    // The names the gateway knows: whatever its directories hold.
    known.extend(acc.files().await?.into_iter().map(|(_, e)| e.name));
    let rules = Rules {
        gateway: a.remote.gateway,
        template: &a.remote.naming.template,
    };
    let mut refused = 0;
    for f in &a.files {
        let (problems, _) = rules.judge(f, &known)?;
        for p in &problems {
            paylot_cli::say(
                crate::cli::TOOL,
                format_args!("{}: {}", quote_path(f), p.message),
            );
        }
        refused += usize::from(!problems.is_empty());
        // A name given twice in one run is used by its first upload.
        if let Some(n) = f.file_name().and_then(|n| n.to_str()) {
            known.push(n.to_string());
        }
    }
    if refused > 0 {
        acc.close().await;
        paylot_cli::say(
            crate::cli::TOOL,
            format_args!(
                "upload: nothing was uploaded: {refused} file(s) would be refused by the gateway (see above)"
            ),
        );
        return Ok(Outcome::No);
    }
    let mut record = match (a.record, a.sent.first()) {
        (true, Some(path)) => Some((path, open_sent(path)?)),
        _ => None,
    };
    let mut out = paylot_cli::json::Lines::stdout();
    for f in &a.files {
        let name = put(&acc, a, f).await?;
        if let Some((path, file)) = &mut record {
            append_sent(file, path, &name)?;
        }
        out.human(&name)?;
    }
    acc.close().await;
    Ok(Outcome::Yes)
}

/// Upload one file (already judged); its name.
async fn put(acc: &Account<'_>, a: &Args, f: &Path) -> Result<String> {
    let name = f
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::trouble(format!("{}: not a file name", quote_path(f))))?
        .to_string();
    let staging = a.staging.clone().unwrap_or_else(|| match a.remote.gateway {
        Gateway::Lyra => a.remote.remote.dir.clone(),
        Gateway::Paybox => acc.upload.clone(),
    });
    // Temporary copies of this name left by uploads that were cut.
    let prefix = format!(".{name}.");
    for e in acc.list(&staging).await? {
        if e.name.starts_with(&prefix) && left_by_gone_run(&e.name) {
            let old = join(&staging, &e.name);
            let mut fs = acc.sftp().fs();
            acc.ask_if_there("removing", &old, fs.remove_file(&old))
                .await?;
        }
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let temp = join(
        &staging,
        &format!("{}{nanos:08x}{TEMP_SUFFIX}", temp_prefix(&name)),
    );
    let target = join(&acc.upload, &name);
    let mut local = std::fs::File::open(f).map_err(|e| Error::reading_path(f, e))?;
    let mut remote = acc
        .ask(
            "creating",
            &temp,
            acc.sftp()
                .options()
                .write(true)
                .create_new(true)
                .open(&temp),
        )
        .await?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = local
            .read(&mut buf)
            .map_err(|e| Error::reading_path(f, e))?;
        if n == 0 {
            break;
        }
        acc.ask("writing", &temp, remote.write_all(&buf[..n]))
            .await?;
        size += n as u64;
    }
    if acc.sftp().support_fsync() {
        acc.ask("syncing", &temp, remote.sync_all()).await?;
    }
    acc.ask("closing", &temp, remote.close()).await?;
    let staged = acc.stat(&temp).await?.map(|e| e.size);
    if staged != Some(size) {
        return Err(Error::trouble(format!(
            "{}: the copy on the server holds {} bytes, not {size}: not moved into place (try again)",
            a.remote.remote.show(&temp),
            staged.unwrap_or(0)
        )));
    }
    into_place(acc, a, &temp, &target).await?;
    let landed = acc.stat(&target).await?.map(|e| e.size);
    if landed != Some(size) {
        return Err(Error::trouble(format!(
            "{}: holds {} bytes after the move, not {size}: look at it before anything else",
            a.remote.remote.show(&target),
            landed.unwrap_or(0)
        )));
    }
    paylot_cli::say(
        crate::cli::TOOL,
        format_args!(
            "uploaded {} as {} ({size} bytes)",
            quote_path(f),
            a.remote.remote.show(&target)
        ),
    );
    Ok(name)
}

/// Give the temporary copy its name, never over an existing file: a hard
/// link, which fails when the name is taken, then the temporary name
/// removed; a server without hard links renames, after looking.
async fn into_place(acc: &Account<'_>, a: &Args, temp: &str, target: &str) -> Result<()> {
    let taken = || {
        Error::trouble(format!(
            "{}: a file of that name is already there: not overwritten (the temporary copy {} is removed)",
            a.remote.remote.show(target),
            a.remote.remote.show(temp)
        ))
    };
    let mut fs = acc.sftp().fs();
    if acc.stat(target).await?.is_some() {
        acc.ask_if_there("removing", temp, fs.remove_file(temp))
            .await?;
        return Err(taken());
    }
    if acc.sftp().support_hardlink() {
        let linked = acc
            .ask("moving into place", target, fs.hard_link(temp, target))
            .await;
        if let Err(e) = linked {
            let there = acc.stat(target).await?.is_some();
            acc.ask_if_there("removing", temp, fs.remove_file(temp))
                .await?;
            return Err(if there { taken() } else { e });
        }
        acc.ask("removing", temp, fs.remove_file(temp)).await
    } else {
        acc.ask("moving into place", target, fs.rename(temp, target))
            .await
    }
}
