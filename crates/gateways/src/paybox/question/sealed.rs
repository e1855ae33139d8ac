//! A Question as the gateway receives it: its routing data, and whether
//! all the rest is one armored encrypted message.

use std::io::{self, BufRead};

use paylot_cli::{Error, Result};

use super::header::Header;
use crate::xml;

/// How a Question's content stands as it leaves for the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealing {
    /// One Merchant element, whose content is exactly one armored,
    /// encrypted OpenPGP message; nothing else in the document but the
    /// routing attributes.
    Sealed,
    /// The Merchant's content is clear.
    Clear,
    /// Something else would be read in clear, or the armor is not an
    /// encrypted message: where (`line N: `) and what, in words.
    Unsealed(String),
}

/// Read a Question as the gateway receives it: its routing data (as
/// [`read_header`]), and whether everything in it but that routing data
/// is sealed — the one child of the root a `Merchant` element (no prefix,
/// no namespace of its own), its whole content one armored encrypted
/// OpenPGP message and white space (`paylot_cli::armor::SealedCheck`: no
/// text, markup, CDATA, comment or entity beside it), and no text or
/// other element elsewhere in the root. The armor is read in pieces as
/// it comes, never held: constant memory whatever its size. A document
/// that is not a Question file is trouble, as for `read_header`.
pub fn read_sealed<R: BufRead>(mut src: R, name: &str) -> Result<(Header, Sealing)> {
    use quick_xml::events::Event;
    super::header::whole_file_openpgp(&mut src, name)?;
    // The walker's reader and bounds: a piece past XML_PIECE, elements
    // past XML_DEPTH are refused where they start (the armor itself is
    // read in pieces below, never held).
    let mut reader = quick_xml::Reader::from_reader(xml::Pieces::new(src));
    let mut header = Header::default();
    let mut buf = Vec::new();
    let mut newlines = 0u64;
    let mut depth = 0usize;
    let mut seen_root = false;
    // The first problem found: the rest of the document is still walked,
    // so that a malformed one is trouble rather than a refusal.
    let mut verdict: Option<Sealing> = None;
    let mut merchants = 0;
    let malformed = |line: u64, what: String| xml::malformed(name, line, what);
    loop {
        let line = newlines + 1;
        let event = xml::next_event(&mut reader, &mut buf, name, line)?;
        let unsealed = |verdict: &mut Option<Sealing>, what: String| {
            verdict.get_or_insert(Sealing::Unsealed(format!("line {line}: {what}")));
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let local = String::from_utf8_lossy(e.local_name().into_inner()).into_owned();
                let qname = String::from_utf8_lossy(e.name().into_inner()).into_owned();
                if depth == 0 && seen_root {
                    return Err(malformed(line, "more than one root element".into()));
                }
                seen_root = true;
                let mut attrs: Vec<(String, String)> = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|err| malformed(line, err.to_string()))?;
                    let value = a
                        .unescape_value()
                        .map_err(|err| malformed(line, err.to_string()))?;
                    attrs.push((
                        String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                        value.into_owned(),
                    ));
                }
                match depth {
                    0 => header.read_root(&local, &attrs, line, name)?,
                    1 if local == "Merchant" => {
                        merchants += 1;
                        if merchants == 1 {
                            header.read_merchant(&attrs, line);
                        }
                        if merchants > 1 {
                            unsealed(
                                &mut verdict,
                                "a second <Merchant> element: the gateway reads one, and \
                                 whatever the other holds is sent as it is"
                                    .into(),
                            );
                        } else if qname != local
                            || attrs.iter().any(|(k, v)| {
                                k == "xmlns" && header.namespace.as_deref() != Some(v)
                            })
                        {
                            unsealed(
                                &mut verdict,
                                format!(
                                "the Merchant element is written <{qname}> with a namespace of \
                                 its own: the gateway reads <Merchant> in the root's namespace"
                            ),
                            );
                        } else if empty {
                            verdict.get_or_insert(Sealing::Clear);
                        } else {
                            // The content, read raw as it comes (quick-xml
                            // resumes at the next markup).
                            let (found, lines) = read_sealed_content(reader.get_mut(), name)?;
                            newlines += lines;
                            match found {
                                Ok(()) => {}
                                Err(paylot_cli::armor::Unsealed::NotArmored) => {
                                    verdict.get_or_insert(Sealing::Clear);
                                }
                                Err(u) => {
                                    // Counted from the start tag's line.
                                    let at = line + u.line().unwrap_or(1) - 1;
                                    verdict.get_or_insert(Sealing::Unsealed(format!(
                                        "line {at}: the Merchant element {}",
                                        u.describe()
                                    )));
                                }
                            }
                        }
                    }
                    1 => unsealed(
                        &mut verdict,
                        format!(
                            "element <{qname}> beside the Merchant element: everything but the \
                         routing attributes must be inside the encrypted Merchant"
                        ),
                    ),
                    2 => unsealed(
                        &mut verdict,
                        format!(
                            "element <{qname}> in the Merchant element, beside its encrypted \
                         message"
                        ),
                    ),
                    _ => {}
                }
                if !empty {
                    if depth >= paylot_cli::limits::XML_DEPTH {
                        return Err(xml::too_deep(name, line));
                    }
                    depth += 1;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(ref t) if !t.iter().all(u8::is_ascii_whitespace) => {
                if depth == 0 {
                    return Err(malformed(line, "text outside the root element".into()));
                }
                if depth == 1 {
                    unsealed(
                        &mut verdict,
                        "text in clear in the root, outside the Merchant element".into(),
                    );
                }
            }
            Event::CData(_) if depth == 0 => {
                return Err(malformed(line, "text outside the root element".into()))
            }
            Event::GeneralRef(_) if depth == 0 => {
                return Err(malformed(line, "text outside the root element".into()))
            }
            Event::CData(_) | Event::GeneralRef(_) if depth <= 2 => unsealed(
                &mut verdict,
                if depth == 1 {
                    "text in clear in the root, outside the Merchant element"
                } else {
                    "text or CDATA in the Merchant element, beside its encrypted message"
                }
                .into(),
            ),
            // What a comment says is sent as it is, wherever it stands.
            Event::Comment(_) => unsealed(
                &mut verdict,
                "a comment (<!-- -->), which is sent in clear: remove it".into(),
            ),
            Event::PI(_) if depth > 0 => unsealed(
                &mut verdict,
                "a processing instruction (<? ?>) inside the root, which is sent in clear".into(),
            ),
            Event::DocType(_) => return Err(malformed(line, "a DOCTYPE is not allowed".into())),
            Event::Eof => {
                xml::check_end(name, line, depth, seen_root)?;
                break;
            }
            _ => {}
        }
        newlines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        buf.clear();
    }
    if header.merchant_line == 0 {
        return Err(Error::no(format!(
            "{name}: no <Merchant> element (expected one, holding the questions)"
        )));
    }
    header.encrypted = verdict.is_none();
    Ok((header, verdict.unwrap_or(Sealing::Sealed)))
}

/// The raw content of an element up to its next markup (`<`), fed to the
/// sealed-message check as it is read: the verdict, and the newlines
/// read.
fn read_sealed_content<R: io::Read>(
    src: &mut xml::Pieces<R>,
    name: &str,
) -> Result<(std::result::Result<(), paylot_cli::armor::Unsealed>, u64)> {
    let mut check = paylot_cli::armor::SealedCheck::new();
    let mut newlines = 0u64;
    loop {
        // The armor may be as large as the batch: each chunk is checked
        // and let go, so no piece bound applies to it.
        src.event_start();
        let chunk = src
            .fill_buf()
            .map_err(|e| Error::reading(paylot_cli::input::quote(name), e))?;
        if chunk.is_empty() {
            break;
        }
        let (piece, more) = match memchr::memchr(b'<', chunk) {
            Some(i) => (&chunk[..i], false),
            None => (chunk, true),
        };
        check.feed(piece);
        newlines += memchr::memchr_iter(b'\n', piece).count() as u64;
        let n = piece.len();
        src.consume(n);
        if !more {
            check.markup();
            break;
        }
    }
    Ok((check.finish(), newlines))
}
