//! The Debian package's changelog comes from CHANGELOG.md
//! (scripts/deb-changelog.sh, run by `make deb`).

use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn script(changelog: &Path) -> Output {
    Command::new(Path::new(ROOT).join("scripts/deb-changelog.sh"))
        .arg(changelog)
        .output()
        .unwrap()
}

#[test]
fn the_workspace_version_is_the_first_entry_in_debian_format() {
    let out = script(&Path::new(ROOT).join("CHANGELOG.md"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("paylot ({version}-1) unstable; urgency=medium")
    );
    assert_eq!(lines.next().unwrap(), "");
    let mut trailers = 0;
    for line in lines {
        if line.starts_with("paylot (") {
            assert!(line.ends_with(") unstable; urgency=medium"), "{line:?}");
        } else if let Some(rest) = line.strip_prefix(" -- ") {
            // " -- NAME <EMAIL>  Tue, 01 Dec 2026 00:00:00 +0000"
            let (who, date) = rest.split_once(">  ").expect(line);
            assert!(who.contains(" <"), "{line:?}");
            assert!(date.ends_with(" 00:00:00 +0000"), "{line:?}");
            trailers += 1;
        } else {
            assert!(line.is_empty() || line.starts_with("  "), "{line:?}");
        }
        assert!(line.chars().count() <= 80, "longer than 80: {line:?}");
    }
    assert!(trailers >= 1);
    // No entry for what is not released.
    assert!(!text.contains("Unreleased"), "{text}");
    // dpkg reads it as Debian does, where dpkg-dev is installed.
    if let Ok(out) = Command::new("dpkg-parsechangelog")
        .args(["-l", "-", "-S", "Version"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(text.as_bytes())?;
            child.wait_with_output()
        })
    {
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{version}-1")
        );
    }
}

#[test]
fn a_version_with_no_release_section_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let cases = [
        // only unreleased changes
        "# Changelog\n\n## Unreleased\n\n- something\n".to_string(),
        // the newest release is another version
        "# Changelog\n\n## Unreleased\n\n## 0.0.1 — 2020-01-01\n\n- first\n".to_string(),
        // a release section with no date is no release
        format!("# Changelog\n\n## {version}\n\n- first\n"),
    ];
    for (i, md) in cases.iter().enumerate() {
        let path = dir.path().join(format!("CHANGELOG-{i}.md"));
        std::fs::write(&path, md).unwrap();
        let out = script(&path);
        assert_eq!(out.status.code(), Some(1), "case {i}: {md}");
        assert!(out.stdout.is_empty(), "case {i}: {:?}", out.stdout);
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(version), "case {i}: {err}");
    }
}
