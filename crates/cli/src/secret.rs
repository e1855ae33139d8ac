//! Keys and passphrases. They come from a file or from an environment
//! variable named on the command line, never from a command-line value:
//! argv is visible to every user of the machine (`ps`, `/proc/*/cmdline`).
//! A file descriptor works as a file: `--key-file /dev/fd/3`.
//!
//! The argument of a secret option is repeated in a message only once it
//! has proven to be a name: a file that could be opened, a variable that
//! is set. An argument that names nothing may be the secret itself, typed
//! where its file or variable was expected, so it is never shown. Every
//! secret read is also remembered until the process ends, and scrubbed
//! from every message the tool prints ([`scrub`]).

use std::env;
use std::fmt;
use std::fs;
use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::redact::remember;
pub use crate::redact::scrub;

/// Where a secret comes from, and the option that said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// A file; one trailing line ending is not part of the secret.
    File { path: PathBuf, option: &'static str },
    /// An environment variable, by name; one trailing line ending is not
    /// part of the secret, as in a file.
    Env { name: String, option: &'static str },
}

/// A secret's pair of options, `--X-file PATH` / `--X-env VAR`, as a clap
/// group to flatten where the secret is asked for: the one definition of
/// such a pair, so that every secret of every tool is named, conflicts,
/// is read ([`SecretSource::read`]: bounded, never repeated, its mode
/// checked) and is said in messages alike. A group per meaning: the same
/// secret under another prefix (the HTTP sandbox's `--paybox-key-file`
/// for what `xmlbatch build` calls `--key-file`) is another use of this.
///
/// ```ignore
/// paylot_cli::secret_options! {
///     /// `--cle-file PATH` / `--cle-env VAR`: the Direct password.
///     pub struct CleArgs {
///         file: cle_file = "cle-file",
///         env: cle_env = "cle-env",
///         what: "Direct password (CLE)",
///         file_help: "Read the Direct password (CLE) from this file",
///         env_help: "Read the Direct password (CLE) from this environment variable",
///         heading: "Paybox Direct",
///     }
/// }
/// ```
#[macro_export]
macro_rules! secret_options {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            file: $file:ident = $file_long:literal,
            env: $env:ident = $env_long:literal,
            what: $what:literal,
            file_help: $file_help:literal,
            env_help: $env_help:literal
            $(, heading: $heading:literal)?
            $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, clap::Args)]
        $vis struct $name {
            #[arg(
                long = $file_long,
                value_name = "PATH",
                conflicts_with = stringify!($env),
                help = $file_help
                $(, help_heading = $heading)?
            )]
            pub $file: Option<std::path::PathBuf>,
            // What every variable's help says of its line ending is said here,
            // once (`read` drops it).
            #[arg(
                long = $env_long,
                value_name = "VAR",
                help = concat!($env_help, " (one trailing newline is ignored)")
                $(, help_heading = $heading)?
            )]
            pub $env: Option<String>,
        }

        impl $name {
            /// What the secret is called in messages.
            pub const WHAT: &'static str = $what;

            /// The source named on the command line, if any.
            pub fn source(&self) -> Option<$crate::secret::SecretSource> {
                $crate::secret::SecretSource::named(
                    &self.$file,
                    &self.$env,
                    (concat!("--", $file_long), concat!("--", $env_long)),
                )
            }

            /// The option given, if any (for a message that says it
            /// means nothing here).
            pub fn given(&self) -> Option<&'static str> {
                self.source().map(|s| s.option())
            }

            /// Read the secret, if one was named; warnings (a file every
            /// user may read) said as `tool`'s.
            pub fn read(&self, tool: &str) -> $crate::error::Result<Option<$crate::secret::Secret>> {
                self.source()
                    .map(|s| s.read($what, &mut |w| $crate::error::warn(tool, w)))
                    .transpose()
            }
        }
    };
}

secret_options! {
    /// `--key-file PATH` / `--key-env VAR`: where a tool's secret key comes
    /// from (never from a value on the command line).
    pub struct KeyArgs {
        file: key_file = "key-file",
        env: key_env = "key-env",
        what: "key",
        file_help: "Read the secret key from this file (one trailing newline is ignored)",
        env_help: "Read the secret key from this environment variable",
    }
}

secret_options! {
    /// `--passphrase-file PATH` / `--passphrase-env VAR`: the passphrase of
    /// a protected secret key.
    pub struct PassphraseArgs {
        file: passphrase_file = "passphrase-file",
        env: passphrase_env = "passphrase-env",
        what: "passphrase",
        file_help: "Read the secret key's passphrase from this file (one trailing newline is ignored)",
        env_help: "Read the secret key's passphrase from this environment variable",
    }
}

/// Treat `bytes` as a secret read by this process: no message repeats
/// it ([`scrub`]). For the secrets a tool holds without reading them
/// (the published test keys a sandbox defaults to).
pub fn hold(bytes: &[u8]) {
    remember(bytes);
}

/// The files this run read a secret from, by device and inode (a link
/// or another spelling of the path is the same file).
static SECRET_FILES: std::sync::Mutex<Vec<(u64, u64)>> = std::sync::Mutex::new(Vec::new());

/// A file's device and inode, where the system has them.
#[cfg(unix)]
fn file_id(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

fn remember_file(meta: &fs::Metadata) {
    if let (Some(id), Ok(mut files)) = (file_id(meta), SECRET_FILES.lock()) {
        files.push(id);
    }
}

/// Whether `path` is a file this run read a secret from (`--key-file`,
/// `--cle-file`, `--passphrase-file`…): `-o` naming it is refused
/// ([`crate::output`]), where the output replaced the key.
pub fn is_secret_file(path: &std::path::Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| is_secret_meta(&meta))
}

/// Whether the file of `meta` (opened already: an input, standard
/// input) is one this run read a secret from.
pub fn is_secret_meta(meta: &fs::Metadata) -> bool {
    file_id(meta).is_some_and(|id| SECRET_FILES.lock().is_ok_and(|files| files.contains(&id)))
}

/// A secret pasted into a data field (the key as a reference, the CLE
/// in a CSV cell): trouble naming the field, never its value, so that
/// nothing is written that carries it on (a sealed message, a Question,
/// a Direct request). `value` is checked for any fragment of
/// [`crate::redact::WINDOW`] characters of a secret this run read, in
/// any case and form; `at` says where (`ops.csv:3`, `line 2`), made only
/// for the message (this is asked of every cell of a batch).
pub fn refuse_in_data(at: impl fmt::Display, field: &str, value: &str) -> Result<()> {
    if crate::redact::holds_secret(value.as_bytes()) {
        return Err(crate::error::Error::trouble(format!(
            "{at}: the field {} holds a secret this run read (a key or password pasted into the data?): nothing written; put the data's own value there",
            crate::text::quote(&crate::redact::scrub(field))
        )));
    }
    Ok(())
}

/// Whether two secrets are the same bytes, in time that does not depend
/// on where they differ (a password compared, not a seal: no case
/// folding, no trimming).
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why an argument is not shown in a message.
pub const NOT_REPEATED: &str = "the argument is not repeated, in case it is the secret itself";

impl SecretSource {
    /// The option that named this source (`--key-file`).
    pub fn option(&self) -> &'static str {
        match self {
            SecretSource::File { option, .. } | SecretSource::Env { option, .. } => option,
        }
    }

    /// The source a pair of options names (`--X-file PATH`, `--X-env
    /// VAR`): the file, else the variable, else none.
    pub fn named(
        file: &Option<PathBuf>,
        env: &Option<String>,
        options: (&'static str, &'static str),
    ) -> Option<SecretSource> {
        match (file, env) {
            (Some(path), _) => Some(SecretSource::File {
                path: path.clone(),
                option: options.0,
            }),
            (None, Some(name)) => Some(SecretSource::Env {
                name: name.clone(),
                option: options.1,
            }),
            (None, None) => None,
        }
    }

    /// Read the secret. `what` names it in messages ("key",
    /// "passphrase"); warnings go through `warn`.
    pub fn read(&self, what: &str, warn: &mut dyn FnMut(String)) -> Result<Secret> {
        match self {
            SecretSource::File { path, option } => {
                let mut file = fs::File::open(path).map_err(|e| {
                    // A path into a directory that exists is a path: a
                    // secret pasted in its place has no such directory.
                    let named = path
                        .parent()
                        .filter(|d| !d.as_os_str().is_empty() && d.is_dir())
                        .map(|_| crate::text::quote(&path.to_string_lossy()));
                    match named {
                        Some(shown) => {
                            Error::io(format!("{option}: cannot open the {what} file {shown}"), e)
                        }
                        None => Error::io(
                            format!("{option}: cannot open the {what} file ({NOT_REPEATED})"),
                            e,
                        ),
                    }
                })?;
                // Opened: the argument is a path, not the secret.
                let shown = crate::text::quote(&path.to_string_lossy());
                let meta = file
                    .metadata()
                    .map_err(|e| Error::io(format!("reading the {what} file {shown}"), e))?;
                if meta.is_dir() {
                    return Err(Error::trouble(format!(
                        "{option}: {shown} is a directory, not a {what} file"
                    )));
                }
                // Said once the file is known to hold a secret: a chmod is
                // no advice for another file given in its place.
                #[cfg(unix)]
                let world_readable = {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = meta.permissions().mode();
                    (meta.is_file() && mode & 0o004 != 0).then_some(mode & 0o777)
                };
                #[cfg(not(unix))]
                let world_readable: Option<u32> = None;
                // Bounded: a file named here by mistake (a log, a device,
                // `/dev/zero`) is refused at the bound, not read whole.
                let max = crate::limits::SECRET_FILE;
                let mut raw = Zeroizing::new(Vec::new());
                let whole = crate::limits::read_at_most(&mut file, &mut raw, max)
                    .map_err(|e| Error::io(format!("reading the {what} file {shown}"), e))?;
                if !whole {
                    return Err(Error::trouble(format!(
                        "{option}: the {what} file {shown} holds more than {}, the most a {what} file may hold (a {what} is at most a few hundred bytes): is it the right file?",
                        crate::limits::show(max)
                    )));
                }
                // Notepad's "UTF-8" (a byte order mark first): the BOM
                // was read as the secret's first character ("the character
                // at position 1 is not hex", a wrong seal or passphrase).
                // Refused rather than dropped: whatever else reads this
                // file (the shop's own code, gpg --passphrase-file) takes
                // it in, and the two would disagree without a word.
                if raw.starts_with(crate::text::BOM) {
                    return Err(Error::trouble(format!(
                        "{option}: the {what} file {shown} starts with a byte order mark (BOM): save it without one (in Notepad: \"UTF-8\", not \"UTF-8 with BOM\")"
                    )));
                }
                let (bytes, trailing) = split_line_ending(&raw);
                if bytes.is_empty() {
                    return Err(Error::trouble(format!("the {what} file {shown} is empty")));
                }
                // A secret is one line. A file of several is another file
                // given in its place — the input given as --key-file and
                // the key as the input, an armored OpenPGP key as
                // --passphrase-file —, which was taken whole as the
                // secret: a wrong seal, a "wrong passphrase", or the input
                // said malformed, with nothing said of the swap. Only the
                // count is said, never a byte of it. Lines of text: a blank
                // line more at the end is an editor's, and stays the
                // secret's (see docs/conventions.md, "Secrets"). Only a
                // text (UTF-8) has lines: a binary secret (`head -c 32
                // /dev/urandom`, taken whole as ever, a key made with it)
                // holds a 0x0A or 0x0D byte one time in five, and was
                // refused by a count of lines it does not have.
                let lines = if std::str::from_utf8(bytes).is_ok() {
                    bytes
                        .split(|&b| b == b'\n' || b == b'\r')
                        .filter(|l| !l.is_empty())
                        .count()
                } else {
                    1
                };
                if lines > 1 {
                    return Err(Error::trouble(format!(
                        "{option}: the {what} file {shown} holds {lines} lines, where a {what} \
                         is one: is it the right file (another file named in its place, or two \
                         arguments swapped)?"
                    )));
                }
                if let Some(mode) = world_readable {
                    warn(format!(
                        "the {what} file {shown} is readable by every user of this machine \
                         (mode {mode:o}); run: chmod 600 {shown}"
                    ));
                }
                remember_file(&meta);
                Ok(Secret::new(bytes, trailing, format!("file {shown}")))
            }
            SecretSource::Env { name, option } => {
                let value = env::var_os(name).ok_or_else(|| {
                    Error::trouble(format!(
                        "{option}: no environment variable of that name is set ({NOT_REPEATED})"
                    ))
                })?;
                #[cfg(unix)]
                let bytes = {
                    use std::os::unix::ffi::OsStringExt;
                    Zeroizing::new(value.into_vec())
                };
                #[cfg(not(unix))]
                let bytes = Zeroizing::new(value.to_string_lossy().into_owned().into_bytes());
                // Set: the argument is a variable's name.
                let shown = crate::text::sanitize(name).into_owned();
                // One trailing line ending is not part of the secret, as in
                // a file: `K=$(cat key)` drops it, `K=$(printf 'k\n')`,
                // `K=$(cat key; echo)` or a systemd/compose env file with
                // CRLF keep it, and the key with its newline gave a wrong
                // seal or "wrong passphrase" with nothing said.
                let (secret, trailing) = split_line_ending(&bytes);
                if secret.is_empty() {
                    let but = if trailing.is_empty() {
                        ""
                    } else {
                        " (but for a line ending)"
                    };
                    return Err(Error::trouble(format!(
                        "the environment variable {shown} is empty{but}: no {what}"
                    )));
                }
                Ok(Secret::new(
                    secret,
                    trailing,
                    format!("environment variable {shown}"),
                ))
            }
        }
    }
}

/// A secret's bytes. Never printed: `Debug` and `Display` show only where
/// it came from. Zeroed when dropped.
#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<Vec<u8>>,
    trailing: Vec<u8>,
    origin: String,
}

impl Secret {
    fn new(bytes: &[u8], trailing: &[u8], origin: String) -> Secret {
        remember(bytes);
        Secret {
            bytes: Zeroizing::new(bytes.to_vec()),
            trailing: trailing.to_vec(),
            origin,
        }
    }

    /// The secret's bytes, exactly.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// The line ending that followed the secret in its file (or variable) and was not
    /// taken as part of it (empty if none). Diagnosis uses it: a key with
    /// its newline is a classic integration bug.
    pub fn trailing_line_ending(&self) -> &[u8] {
        &self.trailing
    }

    /// Where the secret came from, for messages.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Secret(from {}, {} bytes)",
            self.origin,
            self.bytes.len()
        )
    }
}

fn split_line_ending(raw: &[u8]) -> (&[u8], &[u8]) {
    if let Some(rest) = raw.strip_suffix(b"\r\n") {
        (rest, &raw[rest.len()..])
    } else if let Some(rest) = raw.strip_suffix(b"\n") {
        (rest, &raw[rest.len()..])
    } else {
        (raw, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: PathBuf) -> SecretSource {
        SecretSource::File {
            path,
            option: "--key-file",
        }
    }

    #[test]
    fn one_line_ending_is_not_part_of_the_secret() {
        assert_eq!(split_line_ending(b"abc\n"), (&b"abc"[..], &b"\n"[..]));
        assert_eq!(split_line_ending(b"abc\r\n"), (&b"abc"[..], &b"\r\n"[..]));
        assert_eq!(split_line_ending(b"abc\n\n"), (&b"abc\n"[..], &b"\n"[..]));
        assert_eq!(split_line_ending(b"abc "), (&b"abc "[..], &b""[..]));
    }

    #[test]
    fn debug_never_shows_the_secret_and_messages_are_scrubbed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        fs::write(&path, b"hunter2-secret\n").unwrap();
        let s = file(path).read("key", &mut |_| {}).unwrap();
        assert_eq!(s.expose(), b"hunter2-secret");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(
            scrub("cannot open \"hunter2-secret\""),
            "cannot open \"(a secret)\""
        );
    }

    #[test]
    fn arguments_that_name_nothing_are_not_repeated() {
        let err = file(PathBuf::from("secret123"))
            .read("key", &mut |_| {})
            .unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert!(!err.message().contains("secret123"), "{}", err.message());
        assert!(
            err.message().starts_with("--key-file: cannot open"),
            "{}",
            err.message()
        );
        let env = SecretSource::Env {
            name: "PAYLOT_TEST_NOT_SET_secret123".into(),
            option: "--key-env",
        };
        let err = env.read("key", &mut |_| {}).unwrap_err();
        assert!(!err.message().contains("secret123"), "{}", err.message());
        // A base64 secret has slashes: its "directory" is no directory.
        let err = file(PathBuf::from("S9i8qClCnb2C/U3y3Vn0toIOgz3z"))
            .read("key", &mut |_| {})
            .unwrap_err();
        assert!(!err.message().contains("U3y3Vn0"), "{}", err.message());
    }

    #[test]
    fn a_missing_file_in_a_directory_that_exists_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sips.key");
        let err = file(path.clone()).read("key", &mut |_| {}).unwrap_err();
        assert!(
            err.message().contains(&*path.to_string_lossy()),
            "{}",
            err.message()
        );
    }

    #[test]
    fn empty_files_are_trouble() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        fs::write(&empty, b"\n").unwrap();
        let err = file(empty).read("key", &mut |_| {}).unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert!(err.message().contains("is empty"), "{}", err.message());
    }

    #[test]
    fn a_secret_option_pair_is_one_group_however_prefixed() {
        use clap::{Args, FromArgMatches};
        crate::secret_options! {
            pub struct ShopKeyArgs {
                file: shop_key_file = "shop-key-file",
                env: shop_key_env = "shop-key-env",
                what: "shop's key",
                file_help: "Read the shop's key from this file",
                env_help: "Read the shop's key from this environment variable",
                heading: "Shop",
            }
        }
        let command = || ShopKeyArgs::augment_args(clap::Command::new("t"));
        let parse = |args: &[&str]| {
            command()
                .try_get_matches_from(args)
                .map(|m| ShopKeyArgs::from_arg_matches(&m).unwrap())
        };
        let f = parse(&["t", "--shop-key-file", "/k"]).unwrap();
        assert_eq!(f.given(), Some("--shop-key-file"));
        assert_eq!(
            f.source(),
            Some(SecretSource::File {
                path: "/k".into(),
                option: "--shop-key-file"
            })
        );
        let e = parse(&["t", "--shop-key-env", "K"]).unwrap();
        assert_eq!(
            e.source(),
            Some(SecretSource::Env {
                name: "K".into(),
                option: "--shop-key-env"
            })
        );
        assert_eq!(parse(&["t"]).unwrap().given(), None);
        // The two ways are one secret: not both.
        let both = parse(&["t", "--shop-key-file", "/k", "--shop-key-env", "K"]).unwrap_err();
        assert_eq!(both.kind(), clap::error::ErrorKind::ArgumentConflict);
        let help = command().render_long_help().to_string();
        for line in ["Shop:", "--shop-key-file <PATH>", "--shop-key-env <VAR>"] {
            assert!(help.contains(line), "{line}:\n{help}");
        }
        assert_eq!(ShopKeyArgs::WHAT, "shop's key");
        // Read as every secret is: one trailing newline is not part of it.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.key");
        fs::write(&path, "0123456789ABCDEF\n").unwrap();
        let args = parse(&["t", "--shop-key-file", path.to_str().unwrap()]).unwrap();
        let secret = args.read("t").unwrap().unwrap();
        assert_eq!(secret.expose(), b"0123456789ABCDEF");
        assert_eq!(
            parse(&["t"])
                .unwrap()
                .read("t")
                .unwrap()
                .map(|s| s.expose().len()),
            None
        );
    }
}
