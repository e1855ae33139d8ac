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
//! no whole-secret search can find). A text with `%XX` escapes is also
//! looked at decoded (one more linear pass): a secret escaped at will,
//! character by character, is no window of any one form.

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
        Some(Windows {
            automaton,
            grams,
            stride: shortest.checked_sub(3).filter(|s| *s > 0)?,
            longest,
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
    windows: &AhoCorasick,
    haystack: &[u8],
    widen: impl Fn(&mut (usize, usize)),
) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = windows
        .find_overlapping_iter(haystack)
        .map(|m| (m.start(), m.end()))
        .collect();
    // A secret written with its characters percent-escaped at will
    // (`%31%31…`, each one or some, in either case of hex) is no window
    // of any one form: it is looked for in the text decoded, and said
    // where its escapes stand in the text.
    if let Some((decoded, origin)) = percent_decoded(haystack) {
        ranges.extend(
            windows
                .find_overlapping_iter(&decoded)
                .map(|m| (origin[m.start()], origin[m.end()])),
        );
    }
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

/// `bytes` with every `%XX` escape decoded, and where each byte decoded
/// starts in `bytes` (one more entry: its end); `None` without an escape.
/// Linear in `bytes`.
fn percent_decoded(bytes: &[u8]) -> Option<(Zeroizing<Vec<u8>>, Vec<usize>)> {
    memchr::memchr(b'%', bytes)?;
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut decoded = Zeroizing::new(Vec::with_capacity(bytes.len()));
    let mut origin = Vec::with_capacity(bytes.len() + 1);
    let mut i = 0;
    while i < bytes.len() {
        origin.push(i);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                decoded.push(hi << 4 | lo);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    origin.push(bytes.len());
    Some((decoded, origin))
}

/// `text` with every fragment of [`WINDOW`] characters (or more) of a
/// secret this process has read replaced by `(a secret)`, in any of its
/// forms and any ASCII case.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let Some(windows) = windows() else {
        return Cow::Borrowed(text);
    };
    // A window may start or end inside a character of the text.
    let found = fragments(&windows.automaton, text.as_bytes(), |r| {
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
    with_windows(|w| {
        let Some(w) = w else { return false };
        w.is_match(bytes) || percent_decoded(bytes).is_some_and(|(d, _)| w.is_match(&d[..]))
    })
}

/// [`scrub`] for bytes that may not be UTF-8 (an answer in Latin-1).
pub fn scrub_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let Some(windows) = windows() else {
        return Cow::Borrowed(bytes);
    };
    let found = fragments(&windows.automaton, bytes, |_| {});
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
