//! Input: a named file, or standard input when no file (or `-`) is named.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// An open input and the name to use for it in messages (`"x.csv"` or
/// `<stdin>`).
pub struct Input {
    name: String,
    reader: Box<dyn BufRead>,
}

impl Input {
    /// Open `path`, or standard input for `None` and `-`.
    pub fn open(path: Option<&Path>) -> Result<Input> {
        match path {
            None => Ok(Input::stdin()),
            Some(p) if p.as_os_str() == "-" => Ok(Input::stdin()),
            Some(p) => {
                let name = p.display().to_string();
                let file =
                    File::open(p).map_err(|e| Error::io(format!("cannot open \"{name}\""), e))?;
                if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                    return Err(Error::trouble(format!("\"{name}\" is a directory")));
                }
                Ok(Input {
                    name,
                    reader: Box::new(BufReader::with_capacity(64 * 1024, file)),
                })
            }
        }
    }

    fn stdin() -> Input {
        Input {
            name: "<stdin>".to_string(),
            reader: Box::new(BufReader::with_capacity(64 * 1024, io::stdin())),
        }
    }

    /// Wrap any reader (tests, in-memory data).
    pub fn from_reader(name: impl Into<String>, reader: impl Read + 'static) -> Input {
        Input {
            name: name.into(),
            reader: Box::new(BufReader::new(reader)),
        }
    }

    /// The name for messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Read everything, as bytes.
    pub fn read_all(mut self) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.reader
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(format!("reading {}", quote(&self.name)), e))?;
        Ok(buf)
    }

    /// The buffered reader, for streaming.
    pub fn reader(&mut self) -> &mut dyn BufRead {
        &mut *self.reader
    }

    /// Give up the name and take the reader.
    pub fn into_reader(self) -> Box<dyn BufRead> {
        self.reader
    }
}

/// `"name"` for files, `<stdin>` as is: how messages name an input.
pub fn quote(name: &str) -> String {
    if name.starts_with('<') {
        name.to_string()
    } else {
        format!("\"{name}\"")
    }
}
