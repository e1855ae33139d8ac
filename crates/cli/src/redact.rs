//! The secrets this process has read, remembered until it ends, so that
//! no message repeats one: every message goes through [`scrub`] on its
//! way out ([`crate::say`]). It depends on nothing else here, so that
//! messages and the reading of secrets need not depend on each other.

use std::borrow::Cow;
use std::sync::Mutex;

use zeroize::Zeroizing;

/// The secrets read by this process, so that no message repeats them.
static READ: Mutex<Vec<Zeroizing<String>>> = Mutex::new(Vec::new());

/// Secrets shorter than this are too common as text to be scrubbed.
const SCRUB_MIN: usize = 6;

pub(crate) fn remember(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let text = text.trim();
    if text.len() < SCRUB_MIN {
        return;
    }
    if let Ok(mut read) = READ.lock() {
        if !read.iter().any(|s| s.as_str() == text) {
            read.push(Zeroizing::new(text.to_string()));
        }
    }
}

/// `text` with every secret this process has read replaced by
/// `(a secret)`.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let Ok(read) = READ.lock() else {
        return Cow::Borrowed(text);
    };
    let mut out = Cow::Borrowed(text);
    for s in read.iter() {
        if out.contains(s.as_str()) {
            out = Cow::Owned(out.replace(s.as_str(), "(a secret)"));
        }
    }
    out
}
