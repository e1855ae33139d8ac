//! Finding one element's content in an XML document, by byte offsets, with
//! quick-xml: everything outside the content stays byte for byte.

use quick_xml::events::Event;
use quick_xml::Reader;

/// Why an element's content could not be located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindError {
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
    let mut reader = Reader::from_reader(doc);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut lines = Vec::new(); // the line of each occurrence
    let mut open_at: Option<(usize, usize)> = None; // (content start, depth)
    let mut range = None;
    let mut empty_line = None;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let at = reader.error_position() as usize;
            FindError::NotXml(format!("line {}: {e}", line_of(doc, at)))
        })?;
        let after = reader.buffer_position() as usize;
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
            b"",
            b"\x00\xff<<",
        ] {
            assert!(
                matches!(find_content(bad, "M"), Err(FindError::NotXml(_))),
                "{bad:?}"
            );
        }
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
    fn splice_replaces_only_the_range() {
        let r = find_content(DOC, "Merchant").unwrap();
        let out = splice(DOC, r.clone(), b"X");
        assert_eq!(out, b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Batch num=\"1\">\n  <Date>2026-11-23</Date>\n  <Merchant id=\"x\">X</Merchant>\n</Batch>\n");
    }
}
