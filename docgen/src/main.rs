//! `paylot-docgen OUTDIR`: man pages (OUTDIR/man/man1) and bash, zsh and
//! fish completions (OUTDIR/completions/SHELL) for every paylot tool,
//! generated from the clap definitions the tools run.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use paylot_cli::{Error, Outcome, Output, Result};

/// Man pages and shell completions for every paylot tool
#[derive(Debug, Parser)]
#[command(
    name = "paylot-docgen",
    version = paylot_cli::VERSION,
    after_help = "Examples:\n  $ paylot-docgen target/doc\n  $ man -l target/doc/man/man1/seal.1\n\nExit status: 0 written, 2 trouble (usage, I/O)."
)]
struct Args {
    /// Where to write: OUTDIR/man/man1/*.1 and OUTDIR/completions/{bash,zsh,fish}/
    #[arg(value_name = "OUTDIR")]
    out: PathBuf,
}

fn main() -> ExitCode {
    paylot_cli::run("paylot-docgen", || {
        let args: Args = paylot_cli::args::parse()?;
        generate(&args)
    })
}

fn generate(args: &Args) -> Result<Outcome> {
    let files = paylot_docgen::generate(&args.out).map_err(|e| {
        Error::io(
            format!(
                "writing under {}",
                paylot_cli::quote(&args.out.to_string_lossy())
            ),
            e,
        )
    })?;
    let mut out = Output::stdout();
    for f in files {
        writeln!(out, "{}", f.display()).map_err(|e| Error::io("writing <stdout>", e))?;
    }
    out.commit()?;
    Ok(Outcome::Yes)
}
