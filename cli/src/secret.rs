//! Keys and passphrases. They come from a file or from an environment
//! variable named on the command line, never from a command-line value:
//! argv is visible to every user of the machine (`ps`, `/proc/*/cmdline`).
//! A file descriptor works as a file: `--key-file /dev/fd/3`.

use std::env;
use std::fmt;
use std::fs;
use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// A file; one trailing line ending is not part of the secret.
    File(PathBuf),
    /// An environment variable, by name; its value is used exactly.
    Env(String),
}

impl SecretSource {
    /// The source named by a pair of `--x-file PATH` / `--x-env NAME`
    /// options (clap makes them mutually exclusive), if any.
    pub fn from_options(file: Option<PathBuf>, env: Option<String>) -> Option<SecretSource> {
        match (file, env) {
            (Some(f), _) => Some(SecretSource::File(f)),
            (None, Some(e)) => Some(SecretSource::Env(e)),
            (None, None) => None,
        }
    }

    /// Read the secret. `what` names it in messages ("key",
    /// "passphrase"); warnings go through `warn`.
    pub fn read(&self, what: &str, warn: &mut dyn FnMut(String)) -> Result<Secret> {
        match self {
            SecretSource::File(path) => {
                let shown = path.display();
                let meta = fs::metadata(path).map_err(|e| {
                    Error::io(format!("cannot read the {what} file \"{shown}\""), e)
                })?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = meta.permissions().mode();
                    if meta.is_file() && mode & 0o004 != 0 {
                        warn(format!(
                            "the {what} file \"{shown}\" is readable by every user of this machine \
                             (mode {:o}); run: chmod 600 \"{shown}\"",
                            mode & 0o777
                        ));
                    }
                }
                #[cfg(not(unix))]
                let _ = &meta;
                let raw = Zeroizing::new(fs::read(path).map_err(|e| {
                    Error::io(format!("cannot read the {what} file \"{shown}\""), e)
                })?);
                let (bytes, trailing) = split_line_ending(&raw);
                if bytes.is_empty() {
                    return Err(Error::trouble(format!(
                        "the {what} file \"{shown}\" is empty"
                    )));
                }
                Ok(Secret {
                    bytes: Zeroizing::new(bytes.to_vec()),
                    trailing: trailing.to_vec(),
                    origin: format!("file \"{shown}\""),
                })
            }
            SecretSource::Env(name) => {
                let value = env::var_os(name).ok_or_else(|| {
                    Error::trouble(format!(
                        "the environment variable {name}, named by --{}-env, is not set",
                        what.split_whitespace().last().unwrap_or(what)
                    ))
                })?;
                #[cfg(unix)]
                let bytes = {
                    use std::os::unix::ffi::OsStrExt;
                    value.as_bytes().to_vec()
                };
                #[cfg(not(unix))]
                let bytes = value.to_string_lossy().into_owned().into_bytes();
                if bytes.is_empty() {
                    return Err(Error::trouble(format!(
                        "the environment variable {name} is empty: no {what}"
                    )));
                }
                Ok(Secret {
                    bytes: Zeroizing::new(bytes),
                    trailing: Vec::new(),
                    origin: format!("environment variable {name}"),
                })
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

    #[test]
    fn one_line_ending_is_not_part_of_the_secret() {
        assert_eq!(split_line_ending(b"abc\n"), (&b"abc"[..], &b"\n"[..]));
        assert_eq!(split_line_ending(b"abc\r\n"), (&b"abc"[..], &b"\r\n"[..]));
        assert_eq!(split_line_ending(b"abc\n\n"), (&b"abc\n"[..], &b"\n"[..]));
        assert_eq!(split_line_ending(b"abc "), (&b"abc "[..], &b""[..]));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        fs::write(&path, b"hunter2\n").unwrap();
        let s = SecretSource::File(path).read("key", &mut |_| {}).unwrap();
        assert_eq!(s.expose(), b"hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn empty_and_missing_files_are_trouble() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        fs::write(&empty, b"\n").unwrap();
        let mut warnings = Vec::new();
        let err = SecretSource::File(empty)
            .read("key", &mut |w| warnings.push(w))
            .unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert!(err.message().contains("is empty"), "{}", err.message());
        let err = SecretSource::File(dir.path().join("absent"))
            .read("key", &mut |w| warnings.push(w))
            .unwrap_err();
        assert!(err.message().contains("No such file"), "{}", err.message());
    }
}
