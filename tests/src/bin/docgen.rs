//! `paylot-docgen OUTDIR`: man pages (OUTDIR/man/man1) and bash, zsh and
//! fish completions (OUTDIR/completions/SHELL) for every paylot tool,
//! generated from the clap definitions the tools run.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: paylot-docgen OUTDIR");
        return ExitCode::from(2);
    };
    match paylot_tests::generate(&out) {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("paylot-docgen: {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}
