//! Stamps the git commit the tools are built from into `paylot_cli::VERSION`
//! (`0.1.0 (git 1a2b3c4d5e6f)`, `-dirty` when the work tree had changes),
//! so that `TOOL --version` says exactly what ran.
//!
//! Nothing is stamped when the source is not a git checkout of paylot (a
//! source tarball, even one unpacked inside another repository) or git is
//! missing. `PAYLOT_BUILD_COMMIT`, when set, is used instead of asking git
//! (a build from a tarball that knows its commit).
//!
//! The stamp is renewed when HEAD moves (a commit, a checkout): not on every
//! edit, which would rebuild the whole workspace each time. `-dirty` tells
//! what the work tree was when the stamp was taken.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PAYLOT_BUILD_COMMIT");
    let commit = match std::env::var("PAYLOT_BUILD_COMMIT") {
        Ok(c) => Some(c.trim().to_string()).filter(|c| !c.is_empty()),
        Err(_) => from_git(),
    };
    let suffix = match commit {
        Some(c) => format!(" (git {c})"),
        None => String::new(),
    };
    println!("cargo:rustc-env=PAYLOT_GIT_SUFFIX={suffix}");
}

/// The short commit of HEAD, with `-dirty`; `None` when this crate is not
/// `crates/cli` of a git work tree, or git cannot tell.
fn from_git() -> Option<String> {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    // This crate must sit at crates/cli of the repository: a tarball
    // unpacked inside some other repository gets no stamp of that one.
    if git(&dir, &["rev-parse", "--show-prefix"])? != "crates/cli/" {
        return None;
    }
    watch(&dir);
    let commit = git(&dir, &["rev-parse", "--short=12", "HEAD"])?;
    // Tracked files whose content differs from HEAD (a file only touched
    // is not a change); --no-optional-locks: the index is not rewritten.
    let changes = git(&dir, &["status", "--porcelain", "--untracked-files=no"])?;
    if changes.is_empty() {
        Some(commit)
    } else {
        Some(format!("{commit}-dirty"))
    }
}

/// Ask cargo to rerun this script when HEAD or the branch it names moves.
/// Only files that exist are named: cargo reruns a script whose file is
/// missing on every build, which would rebuild the whole workspace.
fn watch(dir: &Path) {
    let path = |p: &str| {
        let p = PathBuf::from(git(dir, &["rev-parse", "--git-path", p])?);
        let p = if p.is_absolute() { p } else { dir.join(p) };
        p.exists().then_some(p)
    };
    // A linked work tree has its own HEAD and reflog; refs live in the
    // common dir, loose or packed. The reflog moves with every commit,
    // even one on a branch that was only packed so far.
    let mut files = vec![path("HEAD"), path("logs/HEAD"), path("packed-refs")];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        files.push(path(&branch));
    }
    for f in files.into_iter().flatten() {
        println!("cargo:rerun-if-changed={}", f.display());
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("--no-optional-locks")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    Some(s.trim_end_matches('\n').to_string())
}
