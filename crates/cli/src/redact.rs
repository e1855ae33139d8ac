//! The secrets this process has read, remembered until it ends, so that
//! nothing it prints, logs or answers repeats one, whole or in part:
//! every message goes through [`scrub`] on its way out ([`crate::say`]),
//! and so do the JSON records, the quoted values and the HTTP sandbox's
//! answers. It depends on nothing else here, so that messages and the
//! reading of secrets need not depend on each other.
//!
//! The rule (conventions, "Card data and secrets"): no run of
//! [`WINDOW`] consecutive characters of a secret appears in an output,
//! in any encoding the tools write (raw, percent-encoded, form-encoded,
//! JSON-escaped), compared without regard to ASCII case (a hex key is
//! printed in lower case by openssl, xxd and Python). So every window of
//! that length of every form of every secret is looked for in one pass
//! ([`aho_corasick`]): linear in the text, whatever it holds, and a text
//! is scrubbed before it is cut, never after (a cut leaves a fragment
//! no whole-secret search can find). A text with `%XX` escapes or a
//! backslash is also looked at decoded ([`each_decoded`]: percent-escapes,
//! JSON escapes such as `\u0031` and `\/`, and each inside the other; a
//! linear pass each, only for the escapes the text holds): a secret
//! escaped at will, character by character, is no window of any one
//! form, and any reader of the text decodes it.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use aho_corasick::AhoCorasick;
use zeroize::Zeroizing;

mod decode;
use decode::{json_unescaped, past_ascii, percent_decoded, percent_escape, Escape};

/// The length of the fragments of a secret that never appear in an
/// output; a secret shorter than this is looked for whole.
pub const WINDOW: usize = 12;

/// Secrets shorter than this are too common as text to be scrubbed.
const SCRUB_MIN: usize = 6;

/// What replaces a fragment of a secret.
const SCRUBBED: &str = "(a secret)";

/// The secrets read by this process, and the automaton of their windows.
struct Read {
    secrets: Vec<Zeroizing<String>>,
    windows: Option<Arc<Windows>>,
}

static READ: RwLock<Read> = RwLock::new(Read {
    secrets: Vec::new(),
    windows: None,
});

/// The windows of the secrets read: the automaton that finds them, and a
/// sieve that tells at a glance where none can be.
struct Windows {
    automaton: AhoCorasick,
    /// A bit per hash of every four bytes (ASCII lower case) of every
    /// window: a window standing in a text holds four of its bytes at a
    /// sampled place, whose bit is then set.
    grams: Box<[u64; GRAM_WORDS]>,
    /// The distance between the sampled places: the shortest window's
    /// length less 3, so that every window standing in a text, however
    /// placed, holds the four bytes at one of them.
    stride: usize,
    /// The longest window's length: how far from a sampled place a
    /// window holding it may stand.
    longest: usize,
    /// The bytes an escape must give for a text decoded to hold a window
    /// the text as written does not ([`Windows::escapes_matter`]): those
    /// of the windows, in both ASCII cases, and those that make an escape
    /// of the other kind once decoded (`%`, a backslash, hex digits, the
    /// letters of JSON's escapes).
    decoded: [bool; 256],
    /// Whether one of those bytes is past ASCII (a window of a secret
    /// that holds a character past ASCII).
    decoded_past_ascii: bool,
}

/// The sieve's bits (2^16, 8 KiB: it stays in the first-level cache).
const GRAM_BITS: u32 = 16;
const GRAM_WORDS: usize = (1 << GRAM_BITS) / 64;

/// Four bytes, in ASCII lower case, hashed to a bit of the sieve.
#[inline(always)]
fn gram_bit(four: [u8; 4]) -> usize {
    // The four bytes lowered at once: 0x20 added to each of `A`..=`Z`
    // (a byte's high bit kept out of the sums, and bytes at or above
    // 0x80 left alone), as `to_ascii_lowercase` does byte by byte.
    let x = u32::from_le_bytes(four);
    let low = x & 0x7f7f_7f7f;
    let at_least_a = low.wrapping_add(0x3f3f_3f3f); // high bit: byte >= b'A'
    let past_z = low.wrapping_add(0x2525_2525); // high bit: byte > b'Z'
    let upper = (at_least_a & !past_z) & !x & 0x8080_8080;
    let lower = x | (upper >> 2);
    (lower.wrapping_mul(0x9E37_79B1) >> (32 - GRAM_BITS)) as usize
}

impl Windows {
    /// The windows of these secrets: every window of [`WINDOW`]
    /// characters of every form of each (a shorter form whole), in lower
    /// case, each once.
    fn of<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Option<Windows> {
        let mut windows: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        for secret in secrets {
            for form in forms(secret) {
                if form.len() < WINDOW {
                    windows.push(Zeroizing::new(form.to_ascii_lowercase()));
                    continue;
                }
                for w in form.windows(WINDOW) {
                    windows.push(Zeroizing::new(w.to_ascii_lowercase()));
                }
            }
        }
        windows.sort_unstable_by(|a, b| a.as_slice().cmp(b.as_slice()));
        windows.dedup_by(|a, b| a.as_slice() == b.as_slice());
        Windows::new(&windows)
    }

    fn new(windows: &[Zeroizing<Vec<u8>>]) -> Option<Windows> {
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(windows.iter().map(|w| w.as_slice()))
            .ok()?;
        let mut grams = Box::new([0u64; GRAM_WORDS]);
        for w in windows {
            for four in w.windows(4) {
                let bit = gram_bit([four[0], four[1], four[2], four[3]]);
                grams[bit / 64] |= 1 << (bit % 64);
            }
        }
        // Every window is at least `SCRUB_MIN` (6) long: the stride is 3
        // or more.
        let shortest = windows.iter().map(|w| w.len()).min()?;
        let longest = windows.iter().map(|w| w.len()).max()?;
        let mut decoded = [false; 256];
        let escapes = b"%\\0123456789abcdefABCDEF\"/bfnrtu";
        for b in windows.iter().flat_map(|w| w.iter()).chain(escapes) {
            decoded[usize::from(b.to_ascii_lowercase())] = true;
            decoded[usize::from(b.to_ascii_uppercase())] = true;
        }
        Some(Windows {
            automaton,
            grams,
            stride: shortest.checked_sub(3).filter(|s| *s > 0)?,
            longest,
            decoded_past_ascii: decoded[128..].contains(&true),
            decoded,
        })
    }

    /// Whether a window stands in `bytes`, as the automaton says over the
    /// whole text, asked only where the sieve lets one be. A window at
    /// `p` (length `shortest` or more) covers the sampled places from `p`
    /// to `p + shortest - 4`, one of which is a multiple of the stride:
    /// the four bytes there are four of the window's, whose bit is set.
    /// Around such a place `q`, a window holding them starts at
    /// `q + 4 - longest` or later and ends by `q + longest`: the
    /// automaton is asked of that stretch alone. Linear in `bytes`, and
    /// about a lookup every `stride` bytes where no secret is.
    fn is_match(&self, bytes: &[u8]) -> bool {
        let Some(last) = bytes.len().checked_sub(4) else {
            return false;
        };
        let mut q = 0;
        while q <= last {
            let four = [bytes[q], bytes[q + 1], bytes[q + 2], bytes[q + 3]];
            let bit = gram_bit(four);
            if self.grams[bit / 64] & (1 << (bit % 64)) != 0 && self.around(bytes, q) {
                return true;
            }
            q += self.stride;
        }
        false
    }

    /// Whether a window stands in `bytes` as written or in a form decoded
    /// ([`each_decoded`]: percent-escapes, JSON escapes), each decoded
    /// only if one of its escapes gives a byte that matters and no form
    /// before it matched.
    fn holds(&self, bytes: &[u8]) -> bool {
        self.is_match(bytes) || each_decoded(self, bytes, false, |d, _| self.is_match(d))
    }

    /// Whether an escape of this kind in `text` gives a byte a window
    /// holds (or one that makes an escape of the other kind): if none
    /// does, a window in the text decoded holds no byte an escape gave,
    /// so it stands in one stretch copied as written, and in the text:
    /// decoding it would find nothing more (`\/` in a URL or `\u00e9` in
    /// a name, against a key of letters, digits and `_`, is not decoded).
    /// No allocation; a look at each `%` or backslash.
    fn escapes_matter(&self, text: &[u8], kind: Escape) -> bool {
        let matters = |b: u8| self.decoded[usize::from(b)];
        match kind {
            Escape::Percent => memchr::memchr_iter(b'%', text)
                .filter_map(|i| percent_escape(&text[i..]))
                .any(matters),
            // Every backslash is looked at, the second of a `\\` too:
            // one more escape said to matter, none missed.
            Escape::Json => memchr::memchr_iter(b'\\', text).any(|i| {
                let escape = &text[i..];
                if !self.decoded_past_ascii && past_ascii(escape) {
                    // `\u00e9` in a name against a key of ASCII: told
                    // from its first digits, nothing read.
                    return false;
                }
                crate::json_escape::decode_at(escape)
                    .is_some_and(|(c, _)| c.encode_utf8(&mut [0; 4]).bytes().any(matters))
            }),
        }
    }

    /// Whether a window stands around the sampled place `q`.
    #[cold]
    #[inline(never)]
    fn around(&self, bytes: &[u8], q: usize) -> bool {
        let from = (q + 4).saturating_sub(self.longest);
        let to = (q + self.longest).min(bytes.len());
        self.automaton.is_match(&bytes[from..to])
    }
}

pub(crate) fn remember(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let text = text.trim();
    if text.len() < SCRUB_MIN {
        return;
    }
    let Ok(mut read) = READ.write() else {
        return;
    };
    if read.secrets.iter().any(|s| s.as_str() == text) {
        return;
    }
    read.secrets.push(Zeroizing::new(text.to_string()));
    read.windows = Windows::of(read.secrets.iter().map(|s| s.as_str())).map(Arc::new);
    // Still under the lock: a thread that sees the new count reads the
    // new windows.
    SECRETS_READ.fetch_add(1, Ordering::Release);
}

/// The forms a secret takes in the tools' outputs: as it is,
/// percent-encoded (every byte but letters and digits, as a form body
/// or a URL may carry it), form-encoded (`application/x-www-form-urlencoded`:
/// spaces as `+`), and escaped in a JSON string.
fn forms(secret: &str) -> Vec<Zeroizing<Vec<u8>>> {
    let percent = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(secret);
    [secret, percent.as_str(), form.as_str(), json]
        .into_iter()
        .map(|f| Zeroizing::new(f.as_bytes().to_vec()))
        .collect()
}

/// How many times the secrets read have changed.
static SECRETS_READ: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's copy of the windows, and the count it was taken at.
    static WINDOWS: RefCell<(usize, Option<Arc<Windows>>)> = const { RefCell::new((0, None)) };
}

/// The automaton of the windows of the secrets read, if any. Each thread
/// keeps its own handle, taken again only when a secret has been read
/// since: `holds_secret` runs on every line of every thread, and a lock
/// and a count shared by all of them, written at every call, kept the
/// cores waiting on each other.
fn windows() -> Option<Arc<Windows>> {
    with_windows(|w| w.cloned())
}

/// `f` of this thread's windows, without touching what other threads
/// share (the handle is not even cloned).
fn with_windows<R>(f: impl Fn(Option<&Arc<Windows>>) -> R) -> R {
    let now = SECRETS_READ.load(Ordering::Acquire);
    let shared = || READ.read().ok().and_then(|read| read.windows.clone());
    // `try_with`: at a thread's end its copy may be gone already.
    WINDOWS
        .try_with(|cell| {
            if !cell.try_borrow().is_ok_and(|c| c.0 == now) {
                if let Ok(mut cached) = cell.try_borrow_mut() {
                    *cached = (now, shared());
                }
            }
            match cell.try_borrow() {
                Ok(cached) if cached.0 == now => f(cached.1.as_ref()),
                // Being renewed up the stack: the shared handle.
                _ => f(shared().as_ref()),
            }
        })
        .unwrap_or_else(|_| f(shared().as_ref()))
}

/// Where the fragments of secrets stand in `haystack`: byte ranges,
/// sorted, each widened by `widen` (to whole characters in a text), the
/// ranges that overlap or touch joined (the windows overlap: a fragment
/// is the union of those it holds).
fn fragments(
    windows: &Windows,
    haystack: &[u8],
    widen: impl Fn(&mut (usize, usize)),
) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = windows
        .automaton
        .find_overlapping_iter(haystack)
        .map(|m| (m.start(), m.end()))
        .collect();
    // A secret written with its characters escaped at will (`%31%31…`,
    // `\u0031…`, each one or some) is no window of any one form: it is
    // looked for in the text decoded, and said where its escapes stand
    // in the text.
    each_decoded(windows, haystack, true, |decoded, origin| {
        ranges.extend(
            windows
                .automaton
                .find_overlapping_iter(decoded)
                .map(|m| (origin[m.start()], end_in(origin, m.end()))),
        );
        false
    });
    ranges.iter_mut().for_each(widen);
    ranges.sort_unstable();
    let mut joined: Vec<(usize, usize)> = Vec::new();
    for (start, end) in ranges {
        match joined.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => joined.push((start, end)),
        }
    }
    joined
}

/// Where in the text a piece of its decoded form that ends at `end`
/// ends: past the whole escape its last byte came from (the bytes of a
/// character decoded from one `\uXXXX` all start at the escape).
fn end_in(origin: &[usize], mut end: usize) -> usize {
    // The last entry (the text's end) is past every byte's start: the
    // loop stops there at the latest.
    while end > 0 && end < origin.len() - 1 && origin[end] == origin[end - 1] {
        end += 1;
    }
    origin[end]
}

/// `f` of each decoded form of `bytes` in which a secret may stand that
/// is no window of its forms as written, and, with `with_origin`, where
/// each of its bytes starts in `bytes` (one more entry: its end; empty
/// without): percent-decoded, JSON-unescaped, each of them then decoded
/// the other way when it holds the other's escapes (`%5Cu0031`,
/// `\u002531`). Stops at the first `f` that says true, and says whether
/// one did. A text holding neither `%` nor a backslash (nearly every line
/// `seal compute --jsonl` reads) costs one `memchr2`; a form is decoded
/// only when the text holds one of its escapes that gives a byte that
/// matters ([`Windows::escapes_matter`]), and no form before it said
/// true. Linear in `bytes`.
fn each_decoded(
    windows: &Windows,
    bytes: &[u8],
    with_origin: bool,
    mut f: impl FnMut(&[u8], &[usize]) -> bool,
) -> bool {
    let Some(first) = memchr::memchr2(b'%', b'\\', bytes) else {
        return false;
    };
    let holds = |b: u8, text: &[u8], from: usize| memchr::memchr(b, &text[from..]).is_some();
    fn sink(with_origin: bool, v: &mut Vec<usize>) -> Option<&mut Vec<usize>> {
        with_origin.then_some(v)
    }
    // The origin of a form decoded from a decoded form, in `bytes`.
    let compose = |inner: &mut Vec<usize>, outer: &[usize]| {
        if with_origin {
            inner.iter_mut().for_each(|o| *o = outer[*o]);
        }
    };
    let mut origin = Vec::new();
    let mut again = Vec::new();
    let matters = |text: &[u8], kind| windows.escapes_matter(text, kind);
    if holds(b'%', bytes, first) && matters(bytes, Escape::Percent) {
        let decoded = percent_decoded(bytes, sink(with_origin, &mut origin));
        if f(&decoded, &origin) {
            return true;
        }
        if holds(b'\\', &decoded, 0) && matters(&decoded, Escape::Json) {
            let twice = json_unescaped(&decoded, sink(with_origin, &mut again));
            compose(&mut again, &origin);
            if f(&twice, &again) {
                return true;
            }
        }
    }
    if holds(b'\\', bytes, first) && matters(bytes, Escape::Json) {
        origin.clear();
        again.clear();
        let decoded = json_unescaped(bytes, sink(with_origin, &mut origin));
        if f(&decoded, &origin) {
            return true;
        }
        if holds(b'%', &decoded, 0) && matters(&decoded, Escape::Percent) {
            let twice = percent_decoded(&decoded, sink(with_origin, &mut again));
            compose(&mut again, &origin);
            if f(&twice, &again) {
                return true;
            }
        }
    }
    false
}

/// `text` with every fragment of [`WINDOW`] characters (or more) of a
/// secret this process has read replaced by `(a secret)`, in any of its
/// forms and any ASCII case.
pub fn scrub(text: &str) -> Cow<'_, str> {
    match windows() {
        Some(windows) => scrub_by(&windows, text),
        None => Cow::Borrowed(text),
    }
}

/// [`scrub`] by these windows.
fn scrub_by<'a>(windows: &Windows, text: &'a str) -> Cow<'a, str> {
    // A window may start or end inside a character of the text.
    let found = fragments(windows, text.as_bytes(), |r| {
        while !text.is_char_boundary(r.0) {
            r.0 -= 1;
        }
        while !text.is_char_boundary(r.1) {
            r.1 += 1;
        }
    });
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in found {
        out.push_str(&text[at..start]);
        out.push_str(SCRUBBED);
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Whether `bytes` hold a fragment of [`WINDOW`] characters (or more) of
/// a secret this process has read, in any of its forms and any case.
pub fn holds_secret(bytes: &[u8]) -> bool {
    with_windows(|w| w.is_some_and(|w| w.holds(bytes)))
}

/// [`scrub`] for bytes that may not be UTF-8 (an answer in Latin-1).
pub fn scrub_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let Some(windows) = windows() else {
        return Cow::Borrowed(bytes);
    };
    let found = fragments(&windows, bytes, |_| {});
    if found.is_empty() {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for (start, end) in found {
        out.extend_from_slice(&bytes[at..start]);
        out.extend_from_slice(SCRUBBED.as_bytes());
        at = end;
    }
    out.extend_from_slice(&bytes[at..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests;
