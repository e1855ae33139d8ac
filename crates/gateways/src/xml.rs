//! The XML of the Paybox batch files: a small streaming walker over
//! quick-xml (start and end events with local names, unescaped attributes
//! and text, and the line they are on), used by the Question and status
//! readers, and the writer's small steps.

use std::io::{self, BufRead, Write};

use paylot_cli::{Error, Result};
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

/// One step of the walk (borrowed: copy what you keep).
#[derive(Debug)]
pub enum XmlEvent<'a> {
    Start {
        name: &'a str,
        attrs: &'a [(String, String)],
        line: u64,
    },
    End {
        name: &'a str,
        /// The element's own text (not its children's), trimmed.
        text: &'a str,
    },
    /// The element just started holds an armored OpenPGP message (its
    /// content was encrypted in place, `pgpwrap encrypt --element`). Sent
    /// after its `Start`, before any of its text is read: a reader that
    /// cannot use the content stops here, and the armor, which may be as
    /// large as the batch, is never held in memory. Looked for in the
    /// root and its children only, where a batch's encrypted content is
    /// (`Merchant`): deeper, an element's content is text like any other.
    Armored { name: &'a str, line: u64 },
}

/// The depth of the deepest elements whose content may be armored (the
/// root's children).
const ARMOR_DEPTH: usize = 1;

/// Whether the bytes at the start of an element's content are an armored
/// message (after white space).
fn starts_armored(bytes: &[u8]) -> Option<bool> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &bytes[start..];
    let begin = paylot_cli::armor::BEGIN_MESSAGE;
    if rest.len() < begin.len() {
        // Too few bytes at hand to tell, unless they already differ.
        return if begin.starts_with(rest) {
            None
        } else {
            Some(false)
        };
    }
    Some(rest.starts_with(begin))
}

/// A piece of the document past [`paylot_cli::limits::XML_PIECE`]: what
/// [`Pieces`] says instead of reading on (an I/O error of its own type,
/// told from any other by its type, not its text).
#[derive(Debug)]
struct PieceTooLong;

impl std::fmt::Display for PieceTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a piece of XML past its bound")
    }
}

impl std::error::Error for PieceTooLong {}

/// The reader under quick-xml: it hands out at most
/// [`paylot_cli::limits::XML_PIECE`] bytes from where the event being read
/// starts (quick-xml holds an event whole: a text, a tag or a comment of
/// a gigabyte would be held whole), and it can look a few bytes ahead
/// without taking them, whatever its buffer holds (the armor test).
pub(crate) struct Pieces<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    /// Bytes taken by quick-xml (consumed), and where the event at hand
    /// started among them.
    taken: u64,
    start: u64,
}

impl<R: io::Read> Pieces<R> {
    pub(crate) fn new(inner: R) -> Pieces<R> {
        Pieces {
            inner,
            buf: Vec::with_capacity(16 * 1024),
            pos: 0,
            taken: 0,
            start: 0,
        }
    }

    /// The next event starts here.
    pub(crate) fn event_start(&mut self) {
        self.start = self.taken;
    }

    /// Read more into the buffer (keeping what is not consumed); false
    /// at the end of the input.
    fn more(&mut self) -> io::Result<bool> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let have = self.buf.len();
        self.buf.resize(have.max(16 * 1024).max(have + 4096), 0);
        loop {
            match self.inner.read(&mut self.buf[have..]) {
                Ok(n) => {
                    self.buf.truncate(have + n);
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(have);
                    return Err(e);
                }
            }
        }
    }

    /// At least `n` bytes not yet taken, unless the input ends first.
    fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        while self.buf.len() - self.pos < n {
            if !self.more()? {
                break;
            }
        }
        Ok(&self.buf[self.pos..])
    }

    /// Take the bytes up to the next `<` (or the end) without keeping
    /// them: the content of an armored element, which may be as large as
    /// the batch. The newlines taken.
    fn skip_to_tag(&mut self) -> io::Result<u64> {
        self.skip(|rest| memchr::memchr(b'<', rest).unwrap_or(rest.len()))
    }

    /// Take the white space at hand; the newlines taken.
    fn skip_space(&mut self) -> io::Result<u64> {
        self.skip(|rest| {
            rest.iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(rest.len())
        })
    }

    /// Take bytes without keeping them: `take` says how many of the bytes
    /// at hand to take, and the skip goes on while it takes them all. The
    /// newlines taken.
    fn skip(&mut self, take: impl Fn(&[u8]) -> usize) -> io::Result<u64> {
        let mut newlines = 0;
        loop {
            if self.pos == self.buf.len() && !self.more()? {
                return Ok(newlines);
            }
            let rest = &self.buf[self.pos..];
            let end = take(rest);
            newlines += memchr::memchr_iter(b'\n', &rest[..end]).count() as u64;
            self.pos += end;
            self.taken += end as u64;
            if self.pos < self.buf.len() {
                return Ok(newlines);
            }
        }
    }
}

impl<R: io::Read> io::Read for Pieces<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let have = self.fill_buf()?;
            let n = have.len().min(out.len());
            out[..n].copy_from_slice(&have[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: io::Read> BufRead for Pieces<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let allowed = (self.start + paylot_cli::limits::XML_PIECE).saturating_sub(self.taken);
        if allowed == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, PieceTooLong));
        }
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            self.more()?;
        }
        let rest = &self.buf[self.pos..];
        Ok(&rest[..rest
            .len()
            .min(usize::try_from(allowed).unwrap_or(usize::MAX))])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        self.taken += n as u64;
    }
}

/// The next event of a document read through [`Pieces`], which starts on
/// `line`: a piece past its bound, a read that fails and malformed XML
/// said as every reading of Paybox XML says them.
pub(crate) fn next_event<'b, R: io::Read>(
    reader: &mut Reader<Pieces<R>>,
    buf: &'b mut Vec<u8>,
    name: &str,
    line: u64,
) -> Result<Event<'b>> {
    reader.get_mut().event_start();
    match reader.read_event_into(buf) {
        Ok(e) => Ok(e),
        Err(quick_xml::Error::Io(e)) if e.get_ref().is_some_and(|i| i.is::<PieceTooLong>()) => Err(
            too_long(name, line, "a piece of XML (a text, a tag or a comment)"),
        ),
        Err(quick_xml::Error::Io(e)) => {
            let e = std::sync::Arc::try_unwrap(e)
                .unwrap_or_else(|e| io::Error::new(e.kind(), e.to_string()));
            Err(Error::reading(paylot_cli::input::quote(name), e))
        }
        Err(e) => Err(malformed(name, line, e)),
    }
}

/// Malformed XML (`what`) on `line` of the document `name`: trouble.
/// At the end of a document: whole when every element was closed and
/// there was one; else malformed, for every reader of Paybox XML alike.
pub(crate) fn check_end(name: &str, line: u64, depth: usize, seen_root: bool) -> Result<()> {
    if depth != 0 {
        return Err(malformed(name, line, "the document ends inside an element"));
    }
    if !seen_root {
        return Err(malformed(name, line, "no root element"));
    }
    Ok(())
}

pub(crate) fn malformed(name: &str, line: u64, what: impl std::fmt::Display) -> Error {
    Error::trouble(format!(
        "{name}:{line}: malformed XML: {what} (expected a well-formed XML document)"
    ))
}

/// A piece (`what`) past [`paylot_cli::limits::XML_PIECE`], where it starts.
fn too_long(name: &str, line: u64, what: &str) -> Error {
    Error::past_bound(format!(
        "{name}:{line}: {what} of more than {}, the most a Paybox batch file holds (its longest value is 250 characters): not a Question or status file (is this the file meant?); nothing was read past it",
        paylot_cli::limits::show(paylot_cli::limits::XML_PIECE)
    ))
}

/// An element opened past [`paylot_cli::limits::XML_DEPTH`].
pub(crate) fn too_deep(name: &str, line: u64) -> Error {
    let depth = paylot_cli::limits::XML_DEPTH;
    Error::past_bound(format!(
        "{name}:{line}: elements nested more than {depth} deep (a Paybox batch file is 4 deep): not a Question or status file (is this the file meant?)"
    ))
}

/// Walk a whole document, calling `f` for each element start and end.
/// Malformed XML is trouble (exit 2), reported with its line. Memory is
/// bounded whatever the document: a piece of it (a text, a tag, a
/// comment) or an element's text past [`paylot_cli::limits::XML_PIECE`],
/// or elements nested past [`paylot_cli::limits::XML_DEPTH`], are refused
/// (exit 2) where they start.
pub fn walk<R: BufRead>(
    src: R,
    name: &str,
    mut f: impl FnMut(XmlEvent<'_>) -> Result<()>,
) -> Result<()> {
    use paylot_cli::limits::{XML_DEPTH, XML_PIECE};
    let mut reader = Reader::from_reader(Pieces::new(src));
    // Every byte of the document is in exactly one event, and `buf` holds
    // the event's bytes: counting the newlines there gives the line.
    let mut newlines = 0u64;
    let mut buf = Vec::new();
    // The text of each open element; buffers are reused from one element
    // to the next at the same depth.
    let mut texts: Vec<String> = Vec::new();
    let mut containers: Vec<bool> = Vec::new();
    // Whether each open element holds an armored message.
    let mut armored: Vec<bool> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    // The attributes of the tag at hand, their buffers reused from tag
    // to tag: `attrs[..used]` are this tag's.
    let mut attrs: Vec<(String, String)> = Vec::new();
    let mut depth = 0usize;
    let mut seen_root = false;
    let malformed = |line: u64, what: String| malformed(name, line, what);
    let utf8 =
        |line: u64| Error::trouble(format!("{name}:{line}: malformed XML: a name is not UTF-8"));
    let too_long = |line: u64, what: &str| too_long(name, line, what);
    loop {
        let line = newlines + 1;
        let event = next_event(&mut reader, &mut buf, name, line)?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                if depth == 0 && seen_root {
                    return Err(malformed(line, "more than one root element".into()));
                }
                seen_root = true;
                let local =
                    std::str::from_utf8(e.local_name().into_inner()).map_err(|_| utf8(line))?;
                // A hostile tag's many attributes are not kept for the
                // rest of the walk.
                attrs.truncate(16);
                let mut used = 0usize;
                // quick-xml's own duplicate test compares each attribute
                // with every earlier one: quadratic in a hostile tag. A
                // few attributes are compared in place; many, through a
                // set.
                let mut keys: Option<std::collections::HashSet<String>> = None;
                for a in e.attributes().with_checks(false) {
                    let a = a.map_err(|err| malformed(line, err.to_string()))?;
                    let key = String::from_utf8_lossy(a.key.as_ref());
                    let earlier = &attrs[..used];
                    let twice = match &mut keys {
                        Some(set) => !set.insert(key.to_string()),
                        None if used < 16 => earlier.iter().any(|(k, _)| *k == key),
                        None => {
                            let mut set: std::collections::HashSet<String> =
                                earlier.iter().map(|(k, _)| k.clone()).collect();
                            let twice = !set.insert(key.to_string());
                            keys = Some(set);
                            twice
                        }
                    };
                    if twice {
                        return Err(malformed(
                            line,
                            format!(
                                "attribute {} given twice in one tag",
                                paylot_cli::quote(&key)
                            ),
                        ));
                    }
                    let value = a
                        .unescape_value()
                        .map_err(|err| malformed(line, err.to_string()))?;
                    if used == attrs.len() {
                        attrs.push((String::new(), String::new()));
                    }
                    let (k, v) = &mut attrs[used];
                    k.clear();
                    k.push_str(&key);
                    v.clear();
                    v.push_str(&value);
                    used += 1;
                }
                let this_tag = &attrs[..used];
                // The parent holds elements: its own text (whitespace
                // between them) is not kept, so memory stays constant.
                if depth > 0 {
                    texts[depth - 1].clear();
                    containers[depth - 1] = true;
                }
                f(XmlEvent::Start {
                    name: local,
                    attrs: this_tag,
                    line,
                })?;
                if is_empty {
                    f(XmlEvent::End {
                        name: local,
                        text: "",
                    })?;
                } else {
                    if depth >= XML_DEPTH {
                        return Err(too_deep(name, line));
                    }
                    if texts.len() <= depth {
                        texts.push(String::new());
                        containers.push(false);
                        armored.push(false);
                        names.push(String::new());
                    }
                    // Kept for the armor found in the text (below).
                    if depth <= ARMOR_DEPTH {
                        names[depth].clear();
                        names[depth].push_str(local);
                    }
                    texts[depth].clear();
                    containers[depth] = false;
                    // A look at the next bytes, without taking them (the
                    // white space before them is taken: it is trimmed
                    // from the text and not kept between children).
                    armored[depth] = false;
                    if depth <= ARMOR_DEPTH {
                        let io = |e| Error::reading(paylot_cli::input::quote(name), e);
                        let pieces = reader.get_mut();
                        newlines += pieces.skip_space().map_err(io)?;
                        let begin = paylot_cli::armor::BEGIN_MESSAGE;
                        armored[depth] =
                            matches!(pieces.peek(begin.len()).map(starts_armored), Ok(Some(true)));
                    }
                    if armored[depth] {
                        f(XmlEvent::Armored { name: local, line })?;
                        // A reader that goes on past it does not want the
                        // armor, which is never held.
                        let io = |e| Error::reading(paylot_cli::input::quote(name), e);
                        newlines += reader.get_mut().skip_to_tag().map_err(io)?;
                    }
                    depth += 1;
                }
            }
            Event::End(ref e) => {
                let local =
                    std::str::from_utf8(e.local_name().into_inner()).map_err(|_| utf8(line))?;
                depth = depth.saturating_sub(1);
                let text = texts.get(depth).map(|t| t.trim()).unwrap_or("");
                f(XmlEvent::End { name: local, text })?;
            }
            // Whitespace between child elements is not kept: skip it
            // before decoding.
            Event::Text(_) if depth > 0 && containers[depth - 1] => {}
            Event::Text(ref t) => {
                let s = t
                    .xml_content()
                    .map_err(|err| malformed(line, err.to_string()))?;
                if depth == 0 {
                    if !s.trim().is_empty() {
                        return Err(malformed(line, "text outside the root element".into()));
                    }
                } else if !containers[depth - 1] {
                    let first = texts[depth - 1].is_empty();
                    texts[depth - 1].push_str(&s);
                    if texts[depth - 1].len() as u64 > XML_PIECE {
                        return Err(too_long(line, "an element's text"));
                    }
                    // The look ahead had too few bytes to tell.
                    if first
                        && depth - 1 <= ARMOR_DEPTH
                        && !armored[depth - 1]
                        && starts_armored(s.as_bytes()) == Some(true)
                    {
                        armored[depth - 1] = true;
                        let name = std::mem::take(&mut names[depth - 1]);
                        f(XmlEvent::Armored { name: &name, line })?;
                        names[depth - 1] = name;
                    }
                }
            }
            Event::CData(ref t) => {
                if depth == 0 {
                    return Err(malformed(line, "text outside the root element".into()));
                }
                texts[depth - 1].push_str(&String::from_utf8_lossy(t));
                if texts[depth - 1].len() as u64 > XML_PIECE {
                    return Err(too_long(line, "an element's text"));
                }
            }
            Event::GeneralRef(ref r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|err| malformed(line, err.to_string()))?
                } else {
                    let n = String::from_utf8_lossy(r).into_owned();
                    quick_xml::escape::resolve_predefined_entity(&n).and_then(|s| s.chars().next())
                };
                let c = resolved.ok_or_else(|| {
                    malformed(
                        line,
                        format!("unknown entity &{};", String::from_utf8_lossy(r)),
                    )
                })?;
                if depth == 0 {
                    return Err(malformed(line, "text outside the root element".into()));
                }
                texts[depth - 1].push(c);
                if texts[depth - 1].len() as u64 > XML_PIECE {
                    return Err(too_long(line, "an element's text"));
                }
            }
            Event::DocType(_) => return Err(malformed(line, "a DOCTYPE is not allowed".into())),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => return check_end(name, line, depth, seen_root),
        }
        // Events are short: a plain count, which the compiler makes wide,
        // beats a call per event.
        newlines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        buf.clear();
    }
}

/// The value of attribute `key` (local name) in `attrs`.
pub fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key || k.rsplit(':').next() == Some(key) && !k.starts_with("xmlns"))
        .map(|(_, v)| v.as_str())
}

/// Start a batch document: the XML declaration, then `root` (its
/// attributes given) and `Merchant` (its own), indented.
pub fn start_document<'a, W: Write>(
    out: W,
    root: BytesStart<'a>,
    merchant: BytesStart<'a>,
) -> io::Result<Writer<W>> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(quick_xml::events::BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        None,
    )))?;
    open(&mut w, root)?;
    open(&mut w, merchant)?;
    Ok(w)
}

/// End a batch document: close `Merchant` and `root`, and the last line.
pub fn end_document<W: Write>(mut w: Writer<W>, root: &str) -> io::Result<W> {
    close(&mut w, "Merchant")?;
    close(&mut w, root)?;
    w.get_mut().write_all(b"\n")?;
    Ok(w.into_inner())
}

/// Write `<name>value</name>` (the value escaped).
pub fn leaf<W: Write>(w: &mut Writer<W>, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

/// Write a start tag.
pub fn open<W: Write>(w: &mut Writer<W>, start: BytesStart<'_>) -> io::Result<()> {
    w.write_event(Event::Start(start))
}

/// Write an end tag.
pub fn close<W: Write>(w: &mut Writer<W>, name: &str) -> io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}
