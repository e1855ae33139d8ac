//! The command line, read with clap, with one difference from clap's own
//! error messages: a usage error never repeats the argument of a secret
//! option ([`SECRET_OPTIONS`]), nor a value clap could not place. Either
//! may be a key or a passphrase typed in the wrong place
//! (`--key "$(cat shop.key)"`), so the message names the option and what
//! it expects, and shows `…` where clap would have quoted the value.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::Parser;

use crate::error::{Error, Result};

/// `-q`, `--quiet`: no summary line ([`crate::summary`]). The same option
/// in every tool.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct QuietArg {
    /// Print no summary line on stderr (every problem is still reported)
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
}

/// `-o FILE`: where the data goes, written atomically (standard output by
/// default, and for `-`). The same option in every tool.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OutputArg {
    /// Write to FILE (atomically) instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputArg {
    /// The file named, if any.
    pub fn path(&self) -> Option<&Path> {
        self.output.as_deref()
    }
}

/// `[FILE]`: the input (standard input by default, and for `-`). The same
/// argument in every tool.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct InputArg {
    /// Input file (default: standard input; - for stdin)
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

impl InputArg {
    /// The file named, if any.
    pub fn path(&self) -> Option<&Path> {
        self.file.as_deref()
    }
}

/// Parse the process's arguments. Help and version are printed and end
/// the run with status 0; a usage error ends it with status 2.
pub fn parse<C: Parser>() -> Result<C> {
    parse_from(std::env::args_os())
}

/// [`parse`] from given arguments (the first is the program name).
pub fn parse_from<C: Parser, I, T>(args: I) -> Result<C>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let err = match C::try_parse_from(&args) {
        Ok(c) => return Ok(c),
        Err(e) => e,
    };
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // A closed stdout (`seal --help | head -1`) is no error.
            let _ = err.print();
            Err(Error::done())
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            Err(Error::reported())
        }
        _ => {
            let rendered = err.render().to_string();
            let context = match err.kind() {
                ErrorKind::UnknownArgument => err.get(ContextKind::InvalidArg),
                ErrorKind::InvalidSubcommand => err.get(ContextKind::InvalidSubcommand),
                _ => None,
            };
            let unplaced = match context {
                Some(ContextValue::String(token)) => Some(token.clone()),
                _ => None,
            };
            let hidden = values(&args, unplaced.as_deref());
            let text = redact(&rendered, &hidden);
            let mut lines = text.lines().filter(|l| !l.trim().is_empty());
            let first = lines
                .next()
                .unwrap_or("bad usage")
                .trim_start_matches("error: ")
                .to_string();
            // Usage and tips follow, as clap prints them, made safe.
            let rest: Vec<String> = lines
                .filter(|l| !l.starts_with("For more information"))
                .map(|l| crate::text::safe(l).into_owned())
                .collect();
            let message = crate::text::safe(&first).into_owned();
            Err(Error::usage(message).with_detail(rest))
        }
    }
}

/// Whether `token` looks like an option's name (`-k`, `--key-file`), shown
/// in messages even when the command does not know it.
fn is_option_name(token: &str) -> bool {
    let name = token
        .strip_prefix("--")
        .or_else(|| token.strip_prefix('-'))
        .unwrap_or("");
    let name = name.split('=').next().unwrap_or("");
    !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The options whose argument names a secret (a key, a passphrase, a
/// secret key file), in every tool.
pub const SECRET_OPTIONS: [&str; 6] = [
    "--key-file",
    "--key-env",
    "--passphrase-file",
    "--passphrase-env",
    "--key",
    "--sign-with",
];

/// The command-line tokens that must not be shown: the argument of every
/// secret option, and `unplaced`, the token clap could not place (unless
/// it looks like an option's name).
fn values(args: &[OsString], unplaced: Option<&str>) -> Vec<String> {
    let mut hidden = Vec::new();
    let mut after_secret = false;
    for a in args.iter().skip(1) {
        let text = a.to_string_lossy().into_owned();
        if after_secret {
            hidden.push(text.clone());
        }
        after_secret = false;
        let (name, value) = match text.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (text.as_str(), None),
        };
        let secret = SECRET_OPTIONS.contains(&name) || (name == "-k");
        match (secret, value) {
            (true, Some(v)) => {
                hidden.push(v.to_string());
                hidden.push(text.clone());
            }
            (true, None) => after_secret = true,
            _ => {}
        }
    }
    if let Some(token) = unplaced {
        if !is_option_name(token) {
            hidden.push(token.to_string());
        }
    }
    // Longest first, so that a value holding another is hidden whole.
    hidden.sort_by_key(|h| std::cmp::Reverse(h.len()));
    hidden.dedup();
    hidden
}

/// `text` with each of `hidden` replaced by `…`: quoted (`'value'`, as
/// clap quotes) always, and anywhere else when longer than a few
/// characters.
fn redact(text: &str, hidden: &[String]) -> String {
    let mut out = text.to_string();
    for h in hidden {
        if h.is_empty() {
            continue;
        }
        out = out.replace(&format!("'{h}'"), "'…'");
        if h.chars().count() >= 6 {
            out = out.replace(h.as_str(), "…");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Parser)]
    #[command(name = "t")]
    struct Cli {
        #[command(subcommand)]
        cmd: Sub,
    }

    #[derive(Debug, clap::Subcommand)]
    enum Sub {
        Sign {
            #[arg(long)]
            key: String,
            #[arg(long, value_enum, default_value = "csv")]
            format: Format,
            file: Option<String>,
        },
    }

    #[derive(Debug, Clone, clap::ValueEnum)]
    enum Format {
        Csv,
        Jsonl,
    }

    fn usage(args: &[&str]) -> String {
        match parse_from::<Cli, _, _>(args.iter().copied()) {
            Err(e) => e.message(),
            Ok(c) => panic!("parsed: {c:?}"),
        }
    }

    #[test]
    fn usage_errors_never_repeat_values() {
        let armored = "-----BEGIN PGP PRIVATE KEY BLOCK-----\nxVgEaw6ItxYJKwYBBAHaRw8B\n-----END PGP PRIVATE KEY BLOCK-----";
        let m = usage(&["t", "sign", "--key", armored, "x"]);
        assert!(!m.contains("BEGIN") && !m.contains("xVgE"), "{m}");
        let m = usage(&["t", "sign", "--key", "k", "a.xml", "secret123"]);
        assert!(!m.contains("secret123"), "{m}");
        assert!(m.contains("unexpected argument"), "{m}");
        let m = usage(&["t", "sign", "--key=hunter2x", "--format", "cvs"]);
        assert!(!m.contains("hunter2x"), "{m}");
        // A value placed on an ordinary option is shown (masked).
        assert!(m.contains("'cvs'"), "{m}");
        let m = usage(&["t", "sign", "--key", "k", "--format", "1111222233334444"]);
        assert!(
            !m.contains("1111222233334444") && m.contains("--format"),
            "{m}"
        );
        let m = usage(&["t", "secret123"]);
        assert!(!m.contains("secret123"), "{m}");
        // Option names are shown, known or not.
        let m = usage(&["t", "sign", "--key", "k", "--bogus"]);
        assert!(m.contains("--bogus"), "{m}");
    }
}
