//! `TOOL --version` says exactly what ran: the workspace's version and,
//! built from a git checkout, the commit (`paylot_cli::VERSION`).

use crate::util;

use std::process::Command;

/// This checkout's commit as the build stamps it, or `None` outside git.
fn head() -> Option<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("git")
        .args(["rev-parse", "--show-prefix"])
        .current_dir(dir)
        .output()
        .ok()?;
    // The stamp is taken only when the workspace is the repository's root.
    if !out.status.success() || String::from_utf8_lossy(&out.stdout).trim() != "tests/" {
        return None;
    }
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap().trim().to_string())
}

#[test]
fn every_tool_names_its_version_and_commit() {
    let bin = util::bin_dir();
    let version = env!("CARGO_PKG_VERSION");
    let commit = if std::env::var_os("PAYLOT_BUILD_COMMIT").is_some() {
        None // stamped by hand: nothing to compare with
    } else {
        head()
    };
    for tool in ["seal", "xmlbatch", "pgpwrap", "dropwatch"] {
        for flag in ["--version", "-V"] {
            let out = Command::new(bin.join(tool)).arg(flag).output().unwrap();
            assert!(out.status.success(), "{tool} {flag}: {}", out.status);
            assert!(
                out.stderr.is_empty(),
                "{tool} {flag}: stderr {:?}",
                out.stderr
            );
            let line = String::from_utf8(out.stdout).unwrap();
            let line = line.trim_end();
            match &commit {
                Some(c) => {
                    let stamp = format!("{tool} {version} (git {c}");
                    assert!(
                        line == format!("{stamp})") || line == format!("{stamp}-dirty)"),
                        "{tool} {flag} says {line:?}, not {stamp}): rebuild the tools \
                         (cargo build --workspace --bins) after a commit"
                    );
                }
                None if std::env::var_os("PAYLOT_BUILD_COMMIT").is_some() => {
                    assert!(
                        line.starts_with(&format!("{tool} {version} (git ")),
                        "{line:?}"
                    );
                }
                None => assert_eq!(line, format!("{tool} {version}"), "{tool} {flag}"),
            }
        }
    }
}
