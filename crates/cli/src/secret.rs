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
    /// An environment variable, by name; its value is used exactly.
    Env { name: String, option: &'static str },
}

/// `--key-file PATH` / `--key-env NAME`: where a tool's secret key comes
/// from (never from a value on the command line).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct KeyArgs {
    /// Read the secret key from this file (one trailing newline is ignored)
    #[arg(long, value_name = "PATH", conflicts_with = "key_env")]
    pub key_file: Option<PathBuf>,
    /// Read the secret key from this environment variable
    #[arg(long, value_name = "VAR")]
    pub key_env: Option<String>,
}

impl KeyArgs {
    /// The source named on the command line, if any.
    pub fn source(&self) -> Option<SecretSource> {
        SecretSource::named(&self.key_file, &self.key_env, ("--key-file", "--key-env"))
    }

    /// Read the key, if one was named.
    pub fn read(&self, tool: &str) -> Result<Option<Secret>> {
        self.source()
            .map(|s| s.read("key", &mut |w| crate::warn(tool, w)))
            .transpose()
    }
}

/// `--passphrase-file PATH` / `--passphrase-env NAME`: the passphrase of a
/// protected secret key.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PassphraseArgs {
    /// Read the secret key's passphrase from FILE (one trailing newline is ignored)
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    pub passphrase_file: Option<PathBuf>,
    /// Read the secret key's passphrase from the environment variable NAME
    #[arg(long, value_name = "NAME")]
    pub passphrase_env: Option<String>,
}

impl PassphraseArgs {
    /// The source named on the command line, if any.
    pub fn source(&self) -> Option<SecretSource> {
        SecretSource::named(
            &self.passphrase_file,
            &self.passphrase_env,
            ("--passphrase-file", "--passphrase-env"),
        )
    }

    /// Read the passphrase, if one was named.
    pub fn read(&self, tool: &str) -> Result<Option<Secret>> {
        self.source()
            .map(|s| s.read("passphrase", &mut |w| crate::warn(tool, w)))
            .transpose()
    }
}

/// Treat `bytes` as a secret read by this process: no message repeats
/// it ([`scrub`]). For the secrets a tool holds without reading them
/// (the published test keys a sandbox defaults to).
pub fn hold(bytes: &[u8]) {
    remember(bytes);
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
        return Err(crate::Error::trouble(format!(
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
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = meta.permissions().mode();
                    if meta.is_file() && mode & 0o004 != 0 {
                        warn(format!(
                            "the {what} file {shown} is readable by every user of this machine \
                             (mode {:o}); run: chmod 600 {shown}",
                            mode & 0o777
                        ));
                    }
                }
                #[cfg(not(unix))]
                let _ = &meta;
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
                let (bytes, trailing) = split_line_ending(&raw);
                if bytes.is_empty() {
                    return Err(Error::trouble(format!("the {what} file {shown} is empty")));
                }
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
                if bytes.is_empty() {
                    return Err(Error::trouble(format!(
                        "the environment variable {shown} is empty: no {what}"
                    )));
                }
                Ok(Secret::new(
                    &bytes,
                    b"",
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

    /// The line ending that followed the secret in its file and was not
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
}
