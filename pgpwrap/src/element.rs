//! Element mode: one XML element's content encrypted in place, the rest of
//! the document readable (the Paybox Question: batch number, date, site
//! and rank stay readable so that the gateway can route and order a file
//! before decrypting it).
//!
//! Readable is not unsigned. What is signed, then encrypted, and placed as
//! armor in the element's content is the whole clear document; the
//! readable copy around it is the same document with the element's
//! content replaced by that armor. Decrypting checks that the readable
//! copy and the signed document agree byte for byte outside the element's
//! content, so a file whose routing data (`BatchNumber`, `CreatedOn`,
//! `Site`, `Rank`, or anything else outside the element) was changed after
//! signing is refused. The gateway side does the same with
//! `gpg --decrypt` (docs/pgpwrap.md).
//!
//! The element is found by byte offsets, with quick-xml: everything
//! outside its content stays byte for byte.

use paylot_cli::armor::{Unsealed, BEGIN_MESSAGE as BEGIN};

use quick_xml::events::Event;
use quick_xml::Reader;

/// Why an element's content could not be located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindError {
    /// The input is empty (or white space): in a pipe, the step before
    /// failed and wrote nothing.
    Empty,
    /// The input is not well-formed XML.
    NotXml(String),
    /// No element of that name.
    Absent,
    /// The element appears more than once (lines of each).
    Repeated(Vec<usize>),
    /// The element is empty-tag (`<Merchant/>`): no content to replace.
    EmptyTag(usize),
}

impl FindError {
    /// A message for `name` (the element) in `input` (quoted file name).
    pub fn message(&self, element: &str, input: &str) -> String {
        match self {
            FindError::Empty => format!(
                "{input}: empty input: nothing to protect (in a pipe, the command before \
                 pgpwrap failed and wrote nothing: see its message above)"
            ),
            FindError::NotXml(why) => format!(
                "{input}: not an XML document ({why}); --element needs a well-formed XML file"
            ),
            FindError::Absent => format!(
                "{input}: no element <{element}> (--element names the element whose content is \
                 encrypted, e.g. --element Merchant; the name is case-sensitive)"
            ),
            FindError::Repeated(lines) => format!(
                "{input}: element <{element}> appears {} times (lines {}); --element needs \
                 exactly one",
                lines.len(),
                lines
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            FindError::EmptyTag(line) => format!(
                "{input}:{line}: element <{element}/> is empty: there is no content to process"
            ),
        }
    }
}

fn line_of(doc: &[u8], offset: usize) -> usize {
    1 + doc[..offset.min(doc.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The byte range of the content of the one element named `name`
/// (between the end of its start tag and the start of its end tag).
/// The whole document is checked for well-formedness.
pub fn find_content(doc: &[u8], name: &str) -> Result<std::ops::Range<usize>, FindError> {
    if doc.iter().all(u8::is_ascii_whitespace) {
        return Err(FindError::Empty);
    }
    // quick-xml skips a UTF-8 BOM and counts its positions from after
    // it: read from after the BOM here, and count it back in, or the
    // range would start and end three bytes early (the armor written
    // over the end of the start tag, the content's last bytes left in
    // clear).
    let skip = if doc.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let mut reader = Reader::from_reader(&doc[skip..]);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut lines = Vec::new(); // the line of each occurrence
    let mut open_at: Option<(usize, usize)> = None; // (content start, depth)
    let mut range = None;
    let mut empty_line = None;
    loop {
        let before = skip + reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let at = skip + reader.error_position() as usize;
            FindError::NotXml(format!("line {}: {e}", line_of(doc, at)))
        })?;
        let after = skip + reader.buffer_position() as usize;
        match event {
            Event::Start(e) => {
                if depth == 0 {
                    roots += 1;
                    if roots > 1 {
                        return Err(FindError::NotXml(format!(
                            "line {}: a second root element",
                            line_of(doc, before)
                        )));
                    }
                }
                depth += 1;
                if e.name().as_ref() == name.as_bytes() {
                    lines.push(line_of(doc, before));
                    if open_at.is_none() {
                        open_at = Some((after, depth));
                    }
                }
            }
            Event::Empty(e) => {
                if depth == 0 {
                    roots += 1;
                    // `<a>…</a><b/>`: an empty second root is one too.
                    if roots > 1 {
                        return Err(FindError::NotXml(format!(
                            "line {}: a second root element",
                            line_of(doc, before)
                        )));
                    }
                }
                if e.name().as_ref() == name.as_bytes() {
                    lines.push(line_of(doc, before));
                    empty_line.get_or_insert(line_of(doc, before));
                }
            }
            Event::End(_) => {
                if let Some((start, d)) = open_at {
                    if d == depth && range.is_none() {
                        range = Some(start..before);
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if depth == 0 && t.iter().any(|b| !b.is_ascii_whitespace()) => {
                return Err(FindError::NotXml(format!(
                    "line {}: text outside the root element",
                    line_of(doc, before)
                )));
            }
            Event::CData(_) | Event::GeneralRef(_) if depth == 0 => {
                return Err(FindError::NotXml(format!(
                    "line {}: content outside the root element",
                    line_of(doc, before)
                )));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err(FindError::NotXml(
            "the document ends inside an element".to_string(),
        ));
    }
    if roots == 0 {
        return Err(FindError::NotXml("no root element".to_string()));
    }
    match lines.len() {
        0 => Err(FindError::Absent),
        1 => match (range, empty_line) {
            (Some(r), _) => Ok(r),
            (None, Some(line)) => Err(FindError::EmptyTag(line)),
            (None, None) => Err(FindError::Absent),
        },
        _ => Err(FindError::Repeated(lines)),
    }
}

/// Why a decrypted element does not vouch for the readable document
/// around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unbound {
    /// What was signed is not a whole document holding the element: only
    /// the element's content was signed (an older pgpwrap, or
    /// `gpg --sign --encrypt` of the content alone), so nothing vouches for
    /// the readable routing data.
    ContentOnly,
    /// The readable document differs from the signed one outside the
    /// element's content: each difference in words (an attribute), or the
    /// line where the texts part.
    Altered(Vec<String>),
}

impl Unbound {
    /// The message for `input`, whose element `element` was decrypted.
    pub fn message(&self, element: &str, input: &str) -> String {
        match self {
            Unbound::ContentOnly => format!(
                "{input}: what was signed is only the content of <{element}>, not the document \
                 around it, so nothing vouches for its readable routing data (batch number, \
                 date, site, rank); refused. Ask the sender to encrypt with pgpwrap encrypt \
                 --element {element}, which signs the whole document"
            ),
            Unbound::Altered(diffs) => format!(
                "{input}: the readable part of the document was altered after signing: {}; \
                 refused, nothing was written",
                diffs.join("; ")
            ),
        }
    }
}

/// The first element of `doc` whose content is an armored message, and
/// that content's range: what `pgpwrap inspect` describes in an envelope.
pub fn find_armored(doc: &[u8]) -> Option<(String, std::ops::Range<usize>)> {
    let at = find(doc, BEGIN)?;
    // The start tag before it: `<Name ...>`.
    let open = doc[..at].iter().rposition(|b| *b == b'<')?;
    let tag = &doc[open + 1..at];
    if tag.first().is_none_or(|b| matches!(b, b'/' | b'!' | b'?')) {
        return None;
    }
    let end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
        .unwrap_or(tag.len());
    let element = std::str::from_utf8(&tag[..end]).ok()?.to_string();
    let range = find_content(doc, &element).ok()?;
    range.contains(&at).then_some((element, range))
}

/// What an element's content holds, as far as decryption is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// One armored, encrypted OpenPGP message and white space around it:
    /// the envelope `pgpwrap encrypt --element` writes.
    Armored,
    /// Not an armored message at all (a clear element).
    NotArmored,
    /// An armored message with something more: text, markup or a second
    /// message that nothing signed; or an armor that is not well formed.
    /// Where it is, in words.
    Extra(String),
    /// A well-formed armor whose packets are not an encrypted message.
    NotEncrypted(String),
}

/// Judge an element's content before it is decrypted: exactly one
/// armored encrypted message, white space around it, nothing else
/// (`paylot_cli::armor::sealed`, the test dropwatch check makes before an
/// upload). Anything more in the element was put there unsigned, and a
/// reader of the document (a gateway's parser) could take it for the real
/// content.
pub fn judge_content(content: &[u8]) -> Content {
    match paylot_cli::armor::sealed(content) {
        Ok(()) => Content::Armored,
        Err(Unsealed::NotArmored) => Content::NotArmored,
        Err(Unsealed::Armor { line, what }) => {
            Content::Extra(format!("{what} (line {line} of the element)"))
        }
        Err(Unsealed::NotEncrypted(what)) => Content::NotEncrypted(what),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Check that `envelope` (whose element content is at `range`) and the
/// signed document `signed` agree everywhere outside the element's
/// content.
pub fn check_binding(
    envelope: &[u8],
    range: std::ops::Range<usize>,
    signed: &[u8],
    element: &str,
) -> Result<(), Unbound> {
    let signed_range = find_content(signed, element).map_err(|_| Unbound::ContentOnly)?;
    let same = envelope[..range.start] == signed[..signed_range.start]
        && envelope[range.end..] == signed[signed_range.end..];
    if same {
        return Ok(());
    }
    let outside = attributes(envelope, element);
    let inside = attributes(signed, element);
    let mut diffs = Vec::new();
    for (el, name, value) in &inside {
        match outside.iter().find(|(e, n, _)| e == el && n == name) {
            Some((_, _, v)) if v != value => diffs.push(format!(
                "{el} {name} is {} in the readable part, {} in the signed document",
                quote(v),
                quote(value)
            )),
            None => diffs.push(format!(
                "{el} {name} ({} in the signed document) is missing from the readable part",
                quote(value)
            )),
            _ => {}
        }
    }
    for (el, name, value) in &outside {
        if !inside.iter().any(|(e, n, _)| e == el && n == name) {
            diffs.push(format!(
                "{el} {name}={} is in the readable part, not in the signed document",
                quote(value)
            ));
        }
    }
    if diffs.is_empty() {
        let (a, b) = if envelope[..range.start] != signed[..signed_range.start] {
            (&envelope[..range.start], &signed[..signed_range.start])
        } else {
            (&envelope[range.end..], &signed[signed_range.end..])
        };
        let at = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        let base = if a.as_ptr() == envelope.as_ptr() {
            0
        } else {
            range.end
        };
        diffs.push(format!(
            "the text differs from the signed document from line {}",
            line_of(envelope, base + at)
        ));
    }
    Err(Unbound::Altered(diffs))
}

fn quote(v: &str) -> String {
    paylot_cli::quote(v)
}

/// The attributes of the start tags of `element` and of every element
/// around it, as (element, attribute, value), in document order.
fn attributes(doc: &[u8], element: &str) -> Vec<(String, String, String)> {
    let mut reader = Reader::from_reader(doc);
    let mut open: Vec<Vec<(String, String, String)>> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let el = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attrs: Vec<(String, String, String)> = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .map(|a| {
                        (
                            el.clone(),
                            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                            String::from_utf8_lossy(&a.value).into_owned(),
                        )
                    })
                    .collect();
                let found = el == element;
                open.push(attrs);
                if found {
                    return open.into_iter().flatten().collect();
                }
            }
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Eof) | Err(_) => return Vec::new(),
            _ => {}
        }
    }
}

/// `doc` with the bytes in `range` replaced by `with`.
pub fn splice(doc: &[u8], range: std::ops::Range<usize>, with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(doc.len() - range.len() + with.len());
    out.extend_from_slice(&doc[..range.start]);
    out.extend_from_slice(with);
    out.extend_from_slice(&doc[range.end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Batch num=\"1\">\n  <Date>2026-11-23</Date>\n  <Merchant id=\"x\"><Row a=\"1\">caf\xc3\xa9 &amp; co</Row>\n  </Merchant>\n</Batch>\n";

    #[test]
    fn finds_the_content_between_the_tags() {
        let r = find_content(DOC, "Merchant").unwrap();
        assert_eq!(&DOC[r], &b"<Row a=\"1\">caf\xc3\xa9 &amp; co</Row>\n  "[..]);
    }

    #[test]
    fn absent_repeated_empty_and_not_xml() {
        assert_eq!(find_content(DOC, "merchant"), Err(FindError::Absent));
        let twice = b"<a><M>1</M>\n<M>2</M></a>";
        assert_eq!(
            find_content(twice, "M"),
            Err(FindError::Repeated(vec![1, 2]))
        );
        let nested = b"<a><M><M>1</M></M></a>";
        assert!(matches!(
            find_content(nested, "M"),
            Err(FindError::Repeated(_))
        ));
        assert_eq!(
            find_content(b"<a><M/></a>", "M"),
            Err(FindError::EmptyTag(1))
        );
        for bad in [
            &b"id;amount\n1;1250\n"[..],
            b"<a><M>1</a>",
            b"<a><M>1</M>",
            b"<a><M>1</M></a><b/>",
            b"<b/><a><M>1</M></a>",
            b"\x00\xff<<",
        ] {
            assert!(
                matches!(find_content(bad, "M"), Err(FindError::NotXml(_))),
                "{bad:?}"
            );
        }
        // What a failed step before pgpwrap leaves in the pipe.
        assert_eq!(find_content(b"", "M"), Err(FindError::Empty));
        assert_eq!(find_content(b" \n", "M"), Err(FindError::Empty));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_ranges_are_in_bounds(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1024)) {
            if let Ok(r) = find_content(&bytes, "M") {
                proptest::prop_assert!(r.start <= r.end && r.end <= bytes.len());
            }
        }

        #[test]
        fn round_trips_any_content(text in "[a-z<>/ &;=\"']{0,40}") {
            let doc = format!("<?xml version=\"1.0\"?><a x=\"1\"><M k='v'>{text}</M></a>");
            if let Ok(r) = find_content(doc.as_bytes(), "M") {
                let inner = &doc.as_bytes()[r.clone()];
                proptest::prop_assert_eq!(inner, text.as_bytes());
                let back = splice(doc.as_bytes(), r, inner);
                proptest::prop_assert_eq!(back, doc.as_bytes());
            }
        }
    }

    #[test]
    fn the_readable_copy_must_match_what_was_signed() {
        let signed = b"<B n=\"42\" d=\"x\"><M s=\"1999888\" r=\"032\"><Q/></M></B>\n";
        let r = find_content(signed, "M").unwrap();
        let envelope = splice(signed, r, b"ARMOR");
        let er = find_content(&envelope, "M").unwrap();
        assert_eq!(check_binding(&envelope, er.clone(), signed, "M"), Ok(()));
        let altered = String::from_utf8(envelope.clone())
            .unwrap()
            .replace("42", "999");
        let ar = find_content(altered.as_bytes(), "M").unwrap();
        let Err(Unbound::Altered(d)) = check_binding(altered.as_bytes(), ar, signed, "M") else {
            panic!("accepted");
        };
        assert_eq!(
            d,
            vec!["B n is \"999\" in the readable part, \"42\" in the signed document"]
        );
        let moved = String::from_utf8(envelope.clone())
            .unwrap()
            .replace("</B>\n", "</B>\n<!-- -->");
        let mr = find_content(moved.as_bytes(), "M").unwrap();
        assert!(matches!(
            check_binding(moved.as_bytes(), mr, signed, "M"),
            Err(Unbound::Altered(_))
        ));
        assert_eq!(
            check_binding(&envelope, er, b"<Q/>", "M"),
            Err(Unbound::ContentOnly)
        );
    }

    #[test]
    fn only_one_armored_message_may_stand_in_the_element() {
        // What pgpwrap encrypt --element writes.
        let block = include_str!("../../crates/cli/testdata/encrypted.asc");
        assert_eq!(
            judge_content(format!("\n{block}").as_bytes()),
            Content::Armored
        );
        assert_eq!(
            judge_content(format!("\r\n  {block}\r\n ").as_bytes()),
            Content::Armored
        );
        assert_eq!(judge_content(b"<Question/>"), Content::NotArmored);
        assert_eq!(judge_content(b"  "), Content::NotArmored);
        for extra in [
            format!("\n{block}<Question Number=\"1\"/>"),
            format!("\n{block}<!-- x -->"),
            format!("\n{block}&e;"),
            format!("\n{block}{block}"),
            format!("\n{}", &block[..40]),
            // An armor line over clear data.
            "\n-----BEGIN PGP MESSAGE-----\n\n<PAN>1111222233334444</PAN>\n-----END PGP MESSAGE-----\n"
                .to_string(),
        ] {
            assert!(
                matches!(judge_content(extra.as_bytes()), Content::Extra(_)),
                "{extra}"
            );
        }
        // Armor over a message that is signed, not encrypted.
        let signed = "-----BEGIN PGP MESSAGE-----\n\nxA0DAAgWEhPS9YOBetsBywxiAAAAAABoZWxsbwrCvQQAFggAbwWCaxWJOgkQEhPS\n9YOBettHFAAAAAAAHgAgc2FsdEBub3RhdGlvbnMuc2VxdW9pYS1wZ3Aub3Jnb1Ve\neSUvwCOUpb3xYtSUATqjshZoLXUdlOOFA5iTs3UWIQQEsWa1TakfDAxM54YSE9L1\ng4F62wAAP3cBAJeF7iuCcHg6OB1rmHKlCdEzBJOkbDcEeuV60/H1R8Y0AP97Q52w\n6Gg3pAM+ARxU5SW/VHQJhK8dId5Y9IvZwLnlBw==\n=xnn2\n-----END PGP MESSAGE-----\n";
        assert!(matches!(
            judge_content(signed.as_bytes()),
            Content::NotEncrypted(_)
        ));
    }

    #[test]
    fn splice_replaces_only_the_range() {
        let r = find_content(DOC, "Merchant").unwrap();
        let out = splice(DOC, r.clone(), b"X");
        assert_eq!(out, b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Batch num=\"1\">\n  <Date>2026-11-23</Date>\n  <Merchant id=\"x\">X</Merchant>\n</Batch>\n");
    }
}
