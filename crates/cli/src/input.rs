//! Input: a named file, or standard input when no file (or `-`) is named.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// An open input and the name to use for it in messages (`"x.csv"` or
/// `<stdin>`). It can move to another thread (the OpenPGP parser wants
/// `Send + Sync`).
pub struct Input {
    name: String,
    reader: Box<dyn BufRead + Send + Sync>,
}

impl Input {
    /// Open `path`, or standard input for `None` and `-`.
    pub fn open(path: Option<&Path>) -> Result<Input> {
        match path {
            None => Input::checked_stdin(),
            Some(p) if p.as_os_str() == "-" => Input::checked_stdin(),
            Some(p) => {
                let name = p.to_string_lossy().into_owned();
                let file = File::open(p).map_err(|e| {
                    Error::io(
                        format!("cannot open {}", crate::text::quote_unresolved(&name)),
                        e,
                    )
                })?;
                let meta = file.metadata().ok();
                if meta.as_ref().is_some_and(|m| m.is_dir()) {
                    return Err(Error::trouble(format!("{} is a directory", quote(&name))));
                }
                if meta.as_ref().is_some_and(crate::secret::is_secret_meta) {
                    return Err(secret_as_input(&quote(&name)));
                }
                Ok(Input {
                    name,
                    reader: Box::new(BufReader::with_capacity(64 * 1024, file)),
                })
            }
        }
    }

    /// Standard input, unless it is a file a secret was read from.
    fn checked_stdin() -> Result<Input> {
        use std::os::fd::AsFd;
        let meta = io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .and_then(|fd| File::from(fd).metadata().ok());
        if meta.as_ref().is_some_and(crate::secret::is_secret_meta) {
            return Err(secret_as_input("standard input"));
        }
        Ok(Input::stdin())
    }

    fn stdin() -> Input {
        Input {
            name: "<stdin>".to_string(),
            reader: Box::new(BufReader::with_capacity(64 * 1024, io::stdin())),
        }
    }

    /// Wrap any reader (tests, in-memory data).
    pub fn from_reader(
        name: impl Into<String>,
        reader: impl Read + Send + Sync + 'static,
    ) -> Input {
        Input {
            name: name.into(),
            reader: Box::new(BufReader::new(reader)),
        }
    }

    /// The name for messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name quoted for a message: `"x.csv"`, or `<stdin>`.
    pub fn quoted(&self) -> String {
        quote(&self.name)
    }

    /// The error for a failed read of this input.
    pub fn read_error(&self, err: io::Error) -> Error {
        Error::reading(self.quoted(), err)
    }

    /// Read everything, refusing an input of more than `max` bytes (at
    /// most `max + 1` are read): `what` names it in the message, with the
    /// option or fix that applies ("the document --element reads").
    pub fn read_all_at_most(mut self, max: u64, what: &str) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        let whole = crate::limits::read_at_most(&mut self.reader, &mut buf, max)
            .map_err(|e| self.read_error(e))?;
        if !whole {
            return Err(Error::trouble(format!(
                "{}: more than {}, the most {what}",
                self.quoted(),
                crate::limits::show(max)
            )));
        }
        Ok(buf)
    }

    /// Read into `buf` up to `max` bytes of what is left: the caller
    /// refuses an input that fills it (a bound on what one message may
    /// cost, whatever the input).
    pub fn read_at_most(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<()> {
        use std::io::Read;
        let limit = u64::try_from(max).unwrap_or(u64::MAX);
        match (&mut self.reader).take(limit).read_to_end(buf) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.read_error(e)),
        }
    }

    /// The buffered reader, for streaming.
    pub fn reader(&mut self) -> &mut (dyn BufRead + Send + Sync) {
        &mut *self.reader
    }

    /// Give up the name and take the reader.
    pub fn into_reader(self) -> Box<dyn BufRead + Send + Sync> {
        self.reader
    }
}

pub use crate::text::quote_input as quote;

/// The input is the file a secret was read from (`pgpwrap sign
/// --passphrase-file pass pass`, two names swapped): what a tool writes
/// of its input (a signed message carries it in clear) would carry the
/// secret, so it is refused before a byte is read.
fn secret_as_input(shown: &str) -> Error {
    Error::trouble(format!(
        "{shown} is the file a secret was read from (--key-file, --cle-file, --passphrase-file): \
         it is not read as the input; name the file to process"
    ))
}
