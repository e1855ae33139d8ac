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

/// The kinds of escapes a secret may be written in.
#[derive(Clone, Copy)]
enum Escape {
    /// `%31`
    Percent,
    /// `\u0031`, `\/`
    Json,
}

/// The byte the `%XX` escape at the start of `bytes` stands for.
fn percent_escape(bytes: &[u8]) -> Option<u8> {
    let hex = |b: &u8| (*b as char).to_digit(16).map(|d| d as u8);
    Some(hex(bytes.get(1)?)? << 4 | hex(bytes.get(2)?)?)
}

/// `bytes` with every `%XX` escape decoded, and, into `origin`, where
/// each byte decoded starts in `bytes` (one more entry: its end).
/// Linear in `bytes`.
fn percent_decoded(bytes: &[u8], mut origin: Option<&mut Vec<usize>>) -> Zeroizing<Vec<u8>> {
    let mut decoded = Zeroizing::new(Vec::with_capacity(bytes.len()));
    if let Some(o) = origin.as_deref_mut() {
        o.reserve(bytes.len() + 1);
    }
    let mut i = 0;
    while i < bytes.len() {
        if let Some(o) = origin.as_deref_mut() {
            o.push(i);
        }
        let escape = match bytes[i] {
            b'%' => percent_escape(&bytes[i..]),
            _ => None,
        };
        match escape {
            Some(b) => {
                decoded.push(b);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    if let Some(o) = origin {
        o.push(bytes.len());
    }
    decoded
}

/// `bytes` with the escapes of a JSON string decoded, leniently, as any
/// JSON reader would give the text to whoever reads it: `\uXXXX` (either
/// case of hex; a surrogate pair as its one character), `\/ \\ \" \b \f
/// \n \r \t`; anything else (a lone surrogate, `\u` without four hex
/// digits, a backslash before another byte) kept as written, byte for
/// byte: the text need not be JSON (a quoted line, a cell, a form). Into
/// `origin`, where each byte decoded starts in `bytes` (those of a
/// character decoded from one escape all start at its backslash; one
/// more entry: the end). The stretches between backslashes are copied
/// whole. Linear in `bytes`.
fn json_unescaped(bytes: &[u8], mut origin: Option<&mut Vec<usize>>) -> Zeroizing<Vec<u8>> {
    let mut decoded = Zeroizing::new(Vec::with_capacity(bytes.len()));
    if let Some(o) = origin.as_deref_mut() {
        o.reserve(bytes.len() + 1);
    }
    let copy = |decoded: &mut Vec<u8>, origin: &mut Option<&mut Vec<usize>>, from, to| {
        decoded.extend_from_slice(&bytes[from..to]);
        if let Some(o) = origin.as_deref_mut() {
            o.extend(from..to);
        }
    };
    let mut at = 0;
    for i in memchr::memchr_iter(b'\\', bytes) {
        if i < at {
            // The second backslash of `\\`, decoded already.
            continue;
        }
        copy(&mut decoded, &mut origin, at, i);
        let mut utf8 = [0u8; 4];
        let (text, len): (&[u8], usize) = match crate::json_escape::decode_at(&bytes[i..]) {
            Some((c, len)) => (c.encode_utf8(&mut utf8).as_bytes(), len),
            // Kept as written: the backslash, then what follows it as text.
            None => (b"\\", 1),
        };
        decoded.extend_from_slice(text);
        if let Some(o) = origin.as_deref_mut() {
            o.extend(std::iter::repeat_n(i, text.len()));
        }
        at = i + len;
    }
    copy(&mut decoded, &mut origin, at, bytes.len());
    if let Some(o) = origin {
        o.push(bytes.len());
    }
    decoded
}

/// Whether the JSON escape at the start of `bytes` is a `\u` escape
/// that gives no byte of ASCII: one past `\u007F` (a surrogate, paired
/// or not, too), or none at all (kept as written: no byte is given).
fn past_ascii(bytes: &[u8]) -> bool {
    match bytes.get(1..5) {
        Some([b'u', b'0', b'0', d]) => !(b'0'..=b'7').contains(d),
        Some([b'u', ..]) => true,
        _ => false,
    }
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
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEX_KEY: &str = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";

    fn no_window_of(secret: &str, text: &str) -> bool {
        let text = text.to_ascii_lowercase();
        secret
            .to_ascii_lowercase()
            .as_bytes()
            .windows(WINDOW)
            .all(|w| !text.as_bytes().windows(WINDOW).any(|t| t == w))
    }

    /// A secret's characters percent-escaped at will (all, some, either
    /// case of hex) are no window of any one form: they were neither
    /// scrubbed nor found.
    #[test]
    fn a_secret_written_in_percent_escapes_is_found_and_scrubbed() {
        remember(b"1122334455667788");
        let all: String = "1122334455667788"
            .bytes()
            .map(|b| format!("%{b:02x}"))
            .collect();
        for text in [
            format!("info={all}&x=1"),
            "a%3122334%34556%3677b".to_string(),
            "%31%312%32%33%33%34%34%35%35%36%36".to_string(),
        ] {
            assert!(holds_secret(text.as_bytes()), "{text}");
            let out = scrub(&text);
            assert!(out.contains(SCRUBBED), "{text} -> {out}");
            assert!(!out.contains("%35"), "{text} -> {out}");
            assert!(!out.contains("4455"), "{text} -> {out}");
        }
        assert_eq!(scrub(&format!("x={all}&y=2")), "x=(a secret)&y=2");
        // 11 characters of it, escaped, are no fragment; a `%` alone is text.
        assert!(!holds_secret(b"%31%31%32%32%33%33%34%34%35%35%36 100% 4%"));
    }

    /// A secret's characters written as JSON escapes (`\u0031`, `\/`,
    /// a surrogate pair, some or all, in a JSON text or not) are no window
    /// of any one form: they were neither found nor scrubbed, and the
    /// key pasted that way into a field was sealed and written on.
    #[test]
    fn a_secret_written_in_json_escapes_is_found_and_scrubbed() {
        remember("Zq8/json-\"escaped\"-\u{1F600}-77".as_bytes());
        for text in [
            r#"{"note":"Zq8\/json-\"escaped\"-\ud83d\ude00-77"}"#,
            r#"{"note":"zQ8\u002Fjson-\u0022escaped\u0022-\uD83D\uDE00-77"}"#,
            r#"x Zq8\/json-\"esc y"#,
            r#"\u005A\u0071\u0038\u002f\u006a\u0073\u006f\u006e\u002d\u0022\u0065\u0073"#,
            // JSON escapes percent-encoded, and percent-escapes JSON-escaped.
            r#"p=Zq8%5C/json-%5C%22esc&q=1"#,
            r#"{"p":"Zq8\u002Fjson\u002D%22esc"}"#,
        ] {
            assert!(holds_secret(text.as_bytes()), "{text}");
            let out = scrub(text);
            assert!(out.contains(SCRUBBED), "{text} -> {out}");
            assert!(!holds_secret(out.as_bytes()), "{text} -> {out}");
            assert!(!out.contains("json"), "{text} -> {out}");
        }
        assert_eq!(
            scrub(r#"{"a":"Zq8\/json-\u0022esc","b":1}"#),
            r#"{"a":"(a secret)","b":1}"#
        );
        // 11 characters of it, escaped, are no fragment; a backslash
        // before anything else is text.
        for text in [
            r#"Zq8\/json-\"e"#,
            r#"\u005A\u0071\u0038\u002f\u006a\u0073\u006f\u006e\u002d\u0022\u0065"#,
            r#"Zq8\/json-\"e\sc \uZZ \ud83d \\"#,
        ] {
            assert!(!holds_secret(text.as_bytes()), "{text}");
            assert_eq!(scrub(text), text);
        }
    }

    #[test]
    fn json_escapes_are_decoded_leniently_and_said_where_they_stand() {
        let text = br#"a\u00e9\ud83d\ude00\ud800x\\u0030\/\z\u12\"\n"#;
        let mut origin = Vec::new();
        let decoded = json_unescaped(text, Some(&mut origin));
        assert_eq!(
            std::str::from_utf8(&decoded).unwrap(),
            "a\u{e9}\u{1F600}\\ud800x\\u0030/\\z\\u12\"\n"
        );
        assert_eq!(origin.len(), decoded.len() + 1);
        assert_eq!(&origin[..8], &[0, 1, 1, 7, 7, 7, 7, 19]);
        assert_eq!(origin.last(), Some(&text.len()));
        // The bytes of `é` end past its escape, not inside it.
        assert_eq!(end_in(&origin, 2), 7);
        assert_eq!(end_in(&origin, 3), 7);
        assert_eq!(end_in(&origin, decoded.len()), text.len());
        assert_eq!(&json_unescaped(b"\\", None)[..], b"\\");
        assert_eq!(&json_unescaped(b"\\u00", None)[..], b"\\u00");
        assert_eq!(&json_unescaped(b"\\u+041", None)[..], b"\\u+041");
        for (escape, past) in [
            (&b"\\u0041"[..], false),
            (b"\\u007F", false),
            (b"\\u0080", true),
            (b"\\u00e9", true),
            (b"\\uD83D\\uDE00", true),
            (b"\\u00", false),
            (b"\\/", false),
        ] {
            assert_eq!(past_ascii(escape), past, "{escape:?}");
        }
    }

    /// `text` with each character written as `how` says, in turn: as it
    /// is (a backslash and a quote escaped, as JSON needs them), `\uXXXX` in lower or
    /// upper case hex (a surrogate pair past the first plane), its short
    /// escape where it has one (`\/`, `\"`, `\\`), upper case, or with
    /// `percent` its bytes percent-escaped.
    fn escaped_at_will(text: &str, how: &[u8], percent: bool) -> String {
        let mut out = String::new();
        for (c, how) in text.chars().zip(how.iter().cycle()) {
            let unit = |upper: bool| -> String {
                c.encode_utf16(&mut [0u16; 2])
                    .iter()
                    .map(|u| match upper {
                        true => format!("\\u{u:04X}"),
                        false => format!("\\u{u:04x}"),
                    })
                    .collect()
            };
            match (how % if percent { 6 } else { 5 }, c) {
                (1, _) => out.push_str(&unit(false)),
                (2, _) => out.push_str(&unit(true)),
                (3, '/' | '"' | '\\') => {
                    out.push('\\');
                    out.push(c);
                }
                (4, _) if c != '\\' && c != '"' => out.push(c.to_ascii_uppercase()),
                (5, _) => {
                    let mut bytes = [0u8; 4];
                    for b in c.encode_utf8(&mut bytes).bytes() {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
                (_, '\\' | '"') => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
        out
    }

    proptest! {
        // Whatever is escaped, how it is escaped, a text of JSON escapes
        // decodes to what it says, as serde_json reads it.
        #[test]
        fn json_unescaped_reads_what_serde_json_reads(
            text in "\\PC{0,30}",
            how in prop::collection::vec(0u8..4, 1..8),
        ) {
            let escaped = escaped_at_will(&text, &how, false);
            let read: String = serde_json::from_str(&format!("\"{escaped}\"")).unwrap();
            prop_assert_eq!(&read, &text);
            let mut origin = Vec::new();
            let decoded = json_unescaped(escaped.as_bytes(), Some(&mut origin));
            prop_assert_eq!(std::str::from_utf8(&decoded).unwrap(), text.as_str());
            prop_assert_eq!(origin.len(), decoded.len() + 1);
            prop_assert!(origin.windows(2).all(|w| w[0] <= w[1]));
        }

        // Any bytes: decoded without a panic, every byte said where it
        // stands, in order.
        #[test]
        fn json_unescaped_takes_any_bytes(bytes in prop::collection::vec(
            prop::sample::select(b"\\u/\"nt0aAdDfF8%\xc3\xa9".to_vec()), 0..40,
        )) {
            let mut origin = Vec::new();
            let decoded = json_unescaped(&bytes, Some(&mut origin));
            prop_assert_eq!(origin.len(), decoded.len() + 1);
            prop_assert!(origin.windows(2).all(|w| w[0] <= w[1]));
            prop_assert_eq!(origin.last(), Some(&bytes.len()));
        }

        // A window of a secret written with its characters escaped at will
        // (JSON escapes, percent-escapes, raw, any case), among any text, is
        // found, and nothing of it is left once scrubbed.
        #[test]
        fn an_escaped_window_is_found_and_scrubbed(
            secret in "[a-zA-Z0-9/\"\\\\_ \u{e9}\u{20ac}\u{1F600}-]{12,30}",
            from in any::<prop::sample::Index>(),
            len in 12usize..30,
            how in prop::collection::vec(0u8..6, 1..30),
            before in "[a-z :,{}\"]{0,10}",
            after in "[a-z :,{}\"]{0,10}",
        ) {
            let w = Windows::of([secret.as_str()]).unwrap();
            let chars: Vec<char> = secret.chars().collect();
            let from = from.index(chars.len() - WINDOW + 1);
            let end = (from + len).min(chars.len());
            let piece: String = chars[from..end].iter().collect();
            let text = format!("{before}{}{after}", escaped_at_will(&piece, &how, true));
            prop_assert!(w.holds(text.as_bytes()), "{}", text);
            let out = scrub_by(&w, &text);
            prop_assert!(!w.holds(out.as_bytes()), "{} -> {}", text, out);
        }

        // Escapes that give no byte a window holds are not decoded: what
        // is found is what every form decoded, each then decoded the
        // other way, finds.
        #[test]
        fn escapes_left_alone_hide_nothing(
            secret in "[a-zA-Z0-9_/\u{e9}-]{12,24}",
            tokens in prop::collection::vec((0usize..24, 0usize..16, 0usize..14), 1..12),
            how in prop::collection::vec(0u8..6, 1..30),
        ) {
            let w = Windows::of([secret.as_str()]).unwrap();
            let chars: Vec<char> = secret.chars().collect();
            let noise = [
                "\\/", "\\u00e9", "%20", "%2F", "\\\\", "\\\"", "%5C", "\\u0025", "%",
                "\\", "u", "0", "%C3%A9", "\\uD83D\\uDE00",
            ];
            let mut text = String::new();
            for (from, len, n) in tokens {
                let from = from.min(chars.len());
                let end = (from + len).min(chars.len());
                let piece: String = chars[from..end].iter().collect();
                text.push_str(&escaped_at_will(&piece, &how, true));
                text.push_str(noise[n]);
            }
            let t = text.as_bytes();
            let p = percent_decoded(t, None);
            let j = json_unescaped(t, None);
            let every = [
                t,
                &p[..],
                &json_unescaped(&p, None)[..],
                &j[..],
                &percent_decoded(&j, None)[..],
            ]
            .iter()
            .any(|form| w.is_match(form));
            prop_assert_eq!(w.holds(t), every, "{}", text);
        }

        // Pieces of a secret of 11 characters at most, escaped at will,
        // apart: no window, found or scrubbed.
        #[test]
        fn pieces_shorter_than_a_window_are_not_found(
            secret in "[a-zA-Z0-9/_-]{12,30}",
            pieces in prop::collection::vec((0usize..30, 1usize..12, "[#|,:{} ]{1,3}"), 1..5),
            how in prop::collection::vec(0u8..5, 1..30),
        ) {
            let w = Windows::of([secret.as_str()]).unwrap();
            let mut text = String::new();
            for (from, len, apart) in pieces {
                let from = from.min(secret.len());
                let end = (from + len).min(secret.len());
                text.push_str(&escaped_at_will(&secret[from..end], &how, false));
                text.push_str(&apart);
            }
            prop_assert!(!w.holds(text.as_bytes()), "{}", text);
            prop_assert_eq!(scrub_by(&w, &text), text.as_str());
        }
    }

    #[test]
    fn fragments_in_any_case_and_encoding_are_scrubbed() {
        remember(HEX_KEY.as_bytes());
        remember("Tr0ub4dor&3-paylot pass".as_bytes());
        let lower = HEX_KEY.to_ascii_lowercase();
        for text in [
            format!("HASH is \"{}…\"", &HEX_KEY[..40]),
            format!("key {lower}"),
            format!("x{}y", &lower[7..21]),
            "p=Tr0ub4dor%263-paylot+pass".to_string(),
            "p=Tr0ub4dor%263%2Dpaylot%20pass".to_string(),
            "{\"p\":\"Tr0ub4dor&3-paylot pass\"}".to_string(),
        ] {
            let out = scrub(&text);
            assert!(out.contains(SCRUBBED), "{text} -> {out}");
            assert!(no_window_of(HEX_KEY, &out), "{text} -> {out}");
            assert!(!out.contains("paylot"), "{text} -> {out}");
        }
        let latin1 = [b"A\xe9".as_slice(), &lower.as_bytes()[3..20]].concat();
        assert_eq!(scrub_bytes(&latin1).as_ref(), b"A\xe9(a secret)");
        // 11 characters of it are not a fragment worth a scrub.
        assert_eq!(scrub("0123456789A"), "0123456789A");
        assert_eq!(scrub("nothing here"), "nothing here");
    }

    #[test]
    fn short_secrets_are_scrubbed_whole() {
        remember(b"1999888I");
        assert_eq!(
            scrub("SITE=1999888I&RANG=1999888"),
            "SITE=(a secret)&RANG=1999888"
        );
    }

    #[test]
    fn a_thread_sees_a_secret_read_after_its_copy_was_taken() {
        let text = b"x=Zq8-late-secret-77";
        let (asked, ask) = (std::sync::mpsc::channel(), std::sync::mpsc::channel());
        let thread = std::thread::spawn(move || {
            let before = holds_secret(text);
            asked.0.send(()).unwrap();
            ask.1.recv().unwrap();
            (before, holds_secret(text))
        });
        asked.1.recv().unwrap();
        remember(b"Zq8-late-secret-77");
        ask.0.send(()).unwrap();
        assert_eq!(thread.join().unwrap(), (false, true));
    }

    #[test]
    fn the_sieve_lowers_as_to_ascii_lowercase_does() {
        for a in 0..=255u8 {
            for b in [
                0u8, b'@', b'A', b'Z', b'[', b'`', b'a', b'z', 0x80, 0xc1, 0xda, 0xff,
            ] {
                let four = [a, b, b.wrapping_add(a), 0xff - a];
                let lowered = four.map(|c| c.to_ascii_lowercase());
                let h = (u32::from_le_bytes(lowered).wrapping_mul(0x9E37_79B1) >> (32 - GRAM_BITS))
                    as usize;
                assert_eq!(gram_bit(four), h, "{four:?}");
            }
        }
    }

    #[test]
    fn the_sieve_finds_a_window_wherever_it_stands() {
        let w = Windows::of(["secret123", HEX_KEY]).unwrap();
        let lower = HEX_KEY.to_ascii_lowercase();
        for text in [
            "SECRET123".to_string(),
            format!("{{\"a\":\"x{}\"}}", &HEX_KEY[5..17]),
            lower[50..62].to_string(),
            format!("ab{}", &lower[0..12]),
        ] {
            for pad in 0..8 {
                let t = format!("{}{text}", "x".repeat(pad));
                assert!(w.is_match(t.as_bytes()), "{t}");
            }
        }
        assert!(!w.is_match(b"secret12"));
        assert!(!w.is_match(&lower.as_bytes()[..11]));
        assert!(!w.is_match(b""));
    }

    proptest! {
        // The sieve says what the automaton says of the whole text, for
        // secrets of every length and texts holding pieces of them
        // anywhere, in any case.
        #[test]
        fn the_sieve_agrees_with_the_automaton(
            secret in "[a-zA-Z0-9&%+ _-]{6,40}",
            before in "[a-zA-Z0-9&%+ \"{}:,é]{0,30}",
            after in "[a-zA-Z0-9&%+ \"{}:,é]{0,30}",
            from in 0usize..40,
            len in 0usize..20,
            upper in any::<bool>(),
        ) {
            let w = Windows::of([secret.as_str()]).unwrap();
            let from = from.min(secret.len());
            let end = (from + len).min(secret.len());
            let mut piece = secret[from..end].to_string();
            if upper {
                piece = piece.to_ascii_uppercase();
            }
            let text = format!("{before}{piece}{after}");
            prop_assert_eq!(
                w.is_match(text.as_bytes()),
                w.automaton.is_match(text.as_bytes()),
                "{}", text
            );
        }
    }

    proptest! {
        // Wherever a fragment of 12 characters of a secret stands, in any
        // case, among any text (multi-byte characters included), none is
        // left.
        #[test]
        fn no_fragment_survives(
            before in "\\PC{0,20}",
            after in "\\PC{0,20}",
            from in 0usize..50,
            len in 12usize..64,
            lower in any::<bool>(),
        ) {
            let secret = "9F8E7D6C5B4A39281706F5E4D3C2B1A09F8E7D6C5B4A39281706F5E4D3C2B1A0";
            remember(secret.as_bytes());
            let end = (from + len).min(secret.len());
            prop_assume!(end - from >= WINDOW);
            let mut piece = secret[from..end].to_string();
            if lower {
                piece = piece.to_ascii_lowercase();
            }
            let text = format!("{before}{piece}{after}");
            let out = scrub(&text);
            prop_assert!(no_window_of(secret, &out), "{} -> {}", text, out);
        }
    }
}
