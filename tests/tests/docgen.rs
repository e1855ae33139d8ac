//! Man pages and completions come from the tools' own clap definitions.

#[test]
fn man_pages_and_completions_for_every_tool_and_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let files = paylot_tests::generate(dir.path()).unwrap();
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
