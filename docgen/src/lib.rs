//! The man pages and shell completions of every tool, generated from the
//! same clap definitions the tools run: `paylot-docgen OUTDIR` (src/main.rs)
//! writes them for `make man` and for the Debian package (`make deb`).

use std::fs;
use std::io;
use std::path::Path;

use clap_complete::Shell;

/// Every tool's name and clap definition.
pub fn tools() -> Vec<(&'static str, clap::Command)> {
    vec![
        ("seal", seal::command()),
        ("xmlbatch", xmlbatch::command()),
        ("pgpwrap", pgpwrap::command()),
        ("dropwatch", dropwatch::command()),
    ]
}

/// Write `man/man1/TOOL.1` and `TOOL-SUBCOMMAND.1` for every tool, and
/// completions for bash, zsh and fish, under `out`. Returns the files
/// written.
pub fn generate(out: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    let man = out.join("man/man1");
    fs::create_dir_all(&man)?;
    for (name, cmd) in tools() {
        // The pages document the subcommands; `TOOL help` is no page of
        // its own (a SEE ALSO to seal-help(1) would name a missing page).
        let mut pages = cmd.clone().name(name).disable_help_subcommand(true);
        pages.build();
        let mut cmd = cmd.name(name);
        cmd.build();
        written.extend(man_pages(&pages, name, &man)?);
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let dir = out.join("completions").join(shell.to_string());
            fs::create_dir_all(&dir)?;
            let path = clap_complete::generate_to(shell, &mut cmd.clone(), name, &dir)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Every page ends with the other tools and where the guides are, as the
/// Debian package installs them.
const SEE_ALSO: &str = ".SH \"SEE ALSO\"\n\
\\fBseal\\fR(1), \\fBxmlbatch\\fR(1), \\fBpgpwrap\\fR(1), \\fBdropwatch\\fR(1)\n\
.PP\n\
The guides, a page per tool with recipes and troubleshooting: \\fI/usr/share/doc/paylot/docs/\\fR \
(TOOL.md, recipes.md, seal\\-troubleshooting.md); the nightly scripts: \\fI/usr/share/doc/paylot/recipes/\\fR.\n";

fn man_pages(cmd: &clap::Command, page: &str, dir: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    let path = dir.join(format!("{page}.1"));
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone().name(page.to_string())).render(&mut buf)?;
    buf.extend_from_slice(SEE_ALSO.as_bytes());
    fs::write(&path, buf)?;
    written.push(path);
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" || sub.is_hide_set() {
            continue;
        }
        let sub_page = format!("{page}-{}", sub.get_name());
        written.extend(man_pages(sub, &sub_page, dir)?);
    }
    Ok(written)
}
