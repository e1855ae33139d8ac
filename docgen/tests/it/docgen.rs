//! Man pages and completions come from the tools' own clap definitions.

#[test]
fn man_pages_and_completions_for_every_tool_and_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let files = paylot_docgen::generate(dir.path()).unwrap();
    let man = dir.path().join("man/man1");
    for page in [
        "seal.1",
        "seal-compute.1",
        "seal-verify.1",
        "seal-explain.1",
        "xmlbatch.1",
        "xmlbatch-build.1",
        "pgpwrap.1",
        "pgpwrap-encrypt.1",
        "dropwatch.1",
        "dropwatch-gateway.1",
    ] {
        let text =
            std::fs::read_to_string(man.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page} is not a man page"
        );
    }
    // The exit-status contract is in the pages, as in --help.
    let verify = std::fs::read_to_string(man.join("seal-verify.1")).unwrap();
    assert!(verify.contains("Exit status"), "{verify}");
    for (shell, file) in [
        ("bash", "seal.bash"),
        ("zsh", "_seal"),
        ("fish", "seal.fish"),
    ] {
        let path = dir.path().join("completions").join(shell).join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            text.contains("verify"),
            "{shell} completion lacks subcommands"
        );
    }
    assert!(files.len() >= 4 * 3 + 10);
}

/// Every page a page points to exists (`seal.1` once named a
/// `seal-help(1)` that was never written).
#[test]
fn every_page_named_in_see_also_exists() {
    let dir = tempfile::tempdir().unwrap();
    paylot_docgen::generate(dir.path()).unwrap();
    let man = dir.path().join("man/man1");
    let mut checked = 0;
    for entry in std::fs::read_dir(&man).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for word in text.split_whitespace() {
            let Some(page) = word.strip_suffix("(1)") else {
                continue;
            };
            let page = page
                .replace("\\-", "-")
                .replace("\\fB", "")
                .replace("\\fR", "");
            assert!(
                man.join(format!("{page}.1")).exists(),
                "{page}(1) is named but missing"
            );
            checked += 1;
        }
    }
    assert!(checked > 10, "{checked}");
}

/// `--scheme`'s values complete, in every shell.
#[test]
fn scheme_values_complete() {
    let dir = tempfile::tempdir().unwrap();
    paylot_docgen::generate(dir.path()).unwrap();
    for file in ["bash/seal.bash", "zsh/_seal", "fish/seal.fish"] {
        let text = std::fs::read_to_string(dir.path().join("completions").join(file)).unwrap();
        assert!(
            text.contains("sips-json") && text.contains("paybox-ipn"),
            "{file}"
        );
    }
}

/// Every page points to the guides the package installs.
#[test]
fn every_page_sees_also_the_docs() {
    let dir = tempfile::tempdir().unwrap();
    paylot_docgen::generate(dir.path()).unwrap();
    for entry in std::fs::read_dir(dir.path().join("man/man1")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(".SH \"SEE ALSO\"") && text.contains("/usr/share/doc/paylot/docs/"),
            "{}",
            path.display()
        );
    }
}

/// `paylot-docgen --help` helps; it does not make a directory named
/// `--help`.
#[test]
fn docgen_help_is_help() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paylot-docgen"))
        .arg("--help")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples:"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "it wrote something"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paylot-docgen"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Every example of every `--help` is a command that can be copied from
/// an 80-column terminal: clap wraps help text to the terminal's width,
/// and an example line longer than that came out cut in two, the second
/// half looking like output (`dropwatch check --at … --known archive/`,
/// then `outbox/20261123.12345678.PAY.REQ.P.01` on a line of its own, a
/// command without its FILE). Long examples go on with ` \` lines, and
/// every example starts with its `$ ` prompt (seal's had none: they went
/// unchecked, two of them past 80 columns).
#[test]
fn every_example_fits_an_80_column_terminal() {
    fn lines(cmd: &clap::Command, width: usize) -> Vec<String> {
        let mut cmd = cmd.clone().term_width(width).max_term_width(width);
        cmd.render_long_help()
            .to_string()
            .lines()
            .map(str::to_string)
            .collect()
    }
    fn check(cmd: &clap::Command, path: &str, checked: &mut usize, cut: &mut Vec<String>) {
        let narrow = lines(cmd, 80);
        let wide = lines(cmd, 10_000);
        // Examples are told by their prompt, in every tool alike.
        if wide.iter().any(|l| l.starts_with("Examples:")) {
            assert!(
                wide.iter().any(|l| l.trim_start().starts_with("$ ")),
                "{path}: examples without their \"$ \" prompt"
            );
        }
        let mut in_example = false;
        for line in wide {
            let example = line.trim_start().starts_with("$ ");
            if example || in_example {
                *checked += 1;
                if !narrow.contains(&line) {
                    cut.push(format!("{path}: {line}"));
                }
            }
            // A line ending with a backslash or a pipe goes on on the next one.
            in_example = (example || in_example) && line.ends_with(['\\', '|']);
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            check(sub, &format!("{path} {}", sub.get_name()), checked, cut);
        }
    }
    let (mut checked, mut cut) = (0, Vec::new());
    for (name, cmd) in paylot_docgen::tools() {
        check(&cmd, name, &mut checked, &mut cut);
    }
    assert!(checked > 40, "{checked}");
    assert!(
        cut.is_empty(),
        "examples cut by an 80-column terminal:\n{}",
        cut.join("\n")
    );
}
