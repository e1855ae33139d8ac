//! The Paybox Question file (`PayboxBatch`): written one question at a
//! time, read streaming. The layout keeps the batch number, date, site and
//! rank outside the `Merchant` element's content, so that they stay
//! readable when that content is encrypted.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};

use paylot_cli::{Error, Result};
use quick_xml::escape::escape;
use quick_xml::events::BytesStart;
use quick_xml::Writer;

use super::fields::Field;
use super::operation::Operation;
use crate::xml::{self, XmlEvent};

pub const QUESTION_NS: &str = "http://www.paybox.com/PayboxBatch";

/// The card element for a card number: `Amex` for 34/37, else `CB`.
pub fn card_brand(pan: &str, token: bool) -> &'static str {
    if !token && (pan.starts_with("34") || pan.starts_with("37")) {
        "Amex"
    } else {
        "CB"
    }
}

/// Writes a Question file, one question at a time.
pub struct QuestionWriter<W: Write> {
    w: Writer<W>,
    /// One question's bytes, reused.
    buf: Vec<u8>,
}

/// The indentation of each depth (two spaces a level), the deepest a
/// question goes being 5 (`PAN` in `Card`/`CB` in `Question` in `Merchant`
/// in the root).
const INDENT: &[u8; 10] = b"          ";

impl<W: Write> QuestionWriter<W> {
    pub fn start(out: W, batch: u64, created_on: &str, site: &str, rank: &str) -> io::Result<Self> {
        let batch = batch.to_string();
        let w = xml::start_document(
            out,
            BytesStart::new("PayboxBatch").with_attributes([
                ("xmlns", QUESTION_NS),
                ("BatchNumber", batch.as_str()),
                ("CreatedOn", created_on),
            ]),
            BytesStart::new("Merchant").with_attributes([("Site", site), ("Rank", rank)]),
        )?;
        Ok(QuestionWriter {
            w,
            buf: Vec::with_capacity(1024),
        })
    }

    /// Write one question. Its shape is fixed, so it is written from its
    /// parts rather than as quick-xml events (which cost three quarters
    /// of a build's writing): the same bytes the indenting writer makes,
    /// each value escaped by quick-xml's own `escape`, as the writer
    /// escapes text and attributes. A test holds the two to each other.
    pub fn question(&mut self, op: &Operation, default_date: &str) -> io::Result<()> {
        let b = &mut self.buf;
        b.clear();
        b.extend_from_slice(b"\n    <Question Number=\"");
        put_number(b, u64::from(op.number), 10);
        b.extend_from_slice(b"\" Type=\"");
        b.extend_from_slice(escape(op.op.code).as_bytes());
        b.extend_from_slice(b"\">");
        if let Some(a) = op.amount {
            put_tag(b, 3, "", "Amount");
            put_number(b, a, 1);
            b.extend_from_slice(b"</Amount>");
        }
        if let Some(c) = op.currency {
            put_leaf(b, 3, "Currency", c.numeric);
        }
        for (name, value) in text_leaves(op, default_date) {
            if let Some(v) = value {
                put_leaf(b, 3, name, v);
            }
        }
        if let Some(pan) = &op.pan {
            let brand = card_brand(pan, op.op.token);
            put_tag(b, 3, "", "Card");
            put_tag(b, 4, "", brand);
            put_leaf(b, 5, if op.op.token { "PaymentHandle" } else { "PAN" }, pan);
            if let Some(e) = &op.expiry {
                put_leaf(b, 5, "Expiry", e);
            }
            if let Some(c) = &op.cvv {
                put_leaf(b, 5, "CVV", c);
            }
            put_tag(b, 4, "/", brand);
            put_tag(b, 3, "/", "Card");
        }
        put_tag(b, 2, "/", "Question");
        self.w.get_mut().write_all(b)
    }

    pub fn finish(self) -> io::Result<W> {
        xml::end_document(self.w, "PayboxBatch")
    }
}

/// The text elements of a question between its currency and its card, in
/// the gateway's order, each with its value when the operation has one.
fn text_leaves<'a>(
    op: &'a Operation,
    default_date: &'a str,
) -> [(&'static str, Option<&'a str>); 7] {
    [
        ("Reference", op.reference.as_deref()),
        ("Activity", op.activity),
        ("Date", Some(op.date.as_deref().unwrap_or(default_date))),
        ("Subscriber", op.subscriber.as_deref()),
        ("Authorization", op.authorization.as_deref()),
        ("CallId", op.call_id.as_deref()),
        ("TransactionId", op.transaction_id.as_deref()),
    ]
}

/// `n` in decimal, with leading zeros to `width` digits (the formatting
/// machinery, for two numbers a question, cost more than the rest of it).
fn put_number(b: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = digits.len() - at;
    b.resize(b.len() + width.saturating_sub(len), b'0');
    b.extend_from_slice(&digits[at..]);
}

/// `<name>` (or `</name>` with `slash`), on a line of its own at `depth`.
fn put_tag(b: &mut Vec<u8>, depth: usize, slash: &str, name: &str) {
    b.push(b'\n');
    b.extend_from_slice(&INDENT[..2 * depth]);
    b.push(b'<');
    b.extend_from_slice(slash.as_bytes());
    b.extend_from_slice(name.as_bytes());
    b.push(b'>');
}

/// `<name>value</name>` on a line of its own at `depth`, the value escaped.
fn put_leaf(b: &mut Vec<u8>, depth: usize, name: &str, value: &str) {
    put_tag(b, depth, "", name);
    b.extend_from_slice(escape(value).as_bytes());
    b.extend_from_slice(b"</");
    b.extend_from_slice(name.as_bytes());
    b.push(b'>');
}

/// The root and Merchant of a batch document.
#[derive(Debug, Default, Clone)]
pub struct Header {
    pub batch: Option<String>,
    pub created_on: Option<String>,
    pub namespace: Option<String>,
    pub site: Option<String>,
    pub rank: Option<String>,
    pub paybox_id: Option<String>,
    /// The lines of the root and of the Merchant element.
    pub line: u64,
    pub merchant_line: u64,
    /// The Merchant element's content is an armored OpenPGP message:
    /// the Question as it is uploaded, encrypted for the gateway.
    pub encrypted: bool,
}

impl Header {
    /// The root's readable routing data (BatchNumber, CreatedOn, the
    /// namespace); a root that is not `PayboxBatch` is trouble.
    fn read_root(
        &mut self,
        el: &str,
        attrs: &[(String, String)],
        line: u64,
        name: &str,
    ) -> Result<()> {
        if el != "PayboxBatch" {
            return Err(Error::trouble(format!(
                "{name}:{line}: the root element is <{el}>, not <PayboxBatch> (expected a Paybox Question file)"
            )));
        }
        self.batch = xml::attr(attrs, "BatchNumber").map(str::to_string);
        self.created_on = xml::attr(attrs, "CreatedOn").map(str::to_string);
        self.namespace = attrs
            .iter()
            .find(|(k, _)| k == "xmlns")
            .map(|(_, v)| v.clone());
        self.line = line;
        Ok(())
    }

    /// The Merchant's readable routing data (Site, Rank).
    fn read_merchant(&mut self, attrs: &[(String, String)], line: u64) {
        self.site = xml::attr(attrs, "Site").map(str::to_string);
        self.rank = xml::attr(attrs, "Rank").map(str::to_string);
        self.merchant_line = line;
    }
}

/// The message for a Question whose Merchant element is encrypted, where
/// the clear questions are needed.
pub fn encrypted_merchant(name: &str, line: u64) -> Error {
    Error::trouble(format!(
        "{name}:{line}: the Merchant element is encrypted: decrypt it first with pgpwrap decrypt \
         --element Merchant (e.g. pgpwrap decrypt --element Merchant --key KEY --verify-with \
         SIGNER.pub FILE | xmlbatch ...)"
    ))
}

/// Read only the readable routing data of a Question file — the root's
/// BatchNumber and CreatedOn, the Merchant's Site and Rank, and whether
/// the Merchant's content is encrypted — and stop there, without reading
/// the questions (or the encrypted content). What the gateway acts on
/// before it decrypts anything. A document that is not a Question file is
/// trouble.
pub fn read_header<R: BufRead>(src: R, name: &str) -> Result<Header> {
    let mut header = Header::default();
    let mut depth = 0usize;
    let mut in_merchant = false;
    let mut found = false;
    let walked = xml::walk(src, name, |ev| {
        match ev {
            XmlEvent::Start {
                name: el,
                attrs,
                line,
            } => {
                if depth == 0 {
                    header.read_root(el, attrs, line, name)?;
                } else if depth == 1 && el == "Merchant" {
                    header.read_merchant(attrs, line);
                    in_merchant = true;
                } else if in_merchant {
                    // A clear question: the header is complete.
                    found = true;
                    return Err(Error::done());
                }
                depth += 1;
            }
            XmlEvent::Armored { name: el, .. } if in_merchant && el == "Merchant" => {
                header.encrypted = true;
                found = true;
                return Err(Error::done());
            }
            XmlEvent::Armored { .. } => {}
            XmlEvent::End { name: el, .. } => {
                depth = depth.saturating_sub(1);
                if in_merchant && el == "Merchant" {
                    found = true;
                    return Err(Error::done());
                }
            }
        }
        Ok(())
    });
    match walked {
        Err(e) if found && e.is_done() => Ok(header),
        Err(e) => Err(e),
        Ok(()) if header.merchant_line == 0 => Err(Error::no(format!(
            "{name}: no <Merchant> element (expected one, holding the questions)"
        ))),
        Ok(()) => Ok(header),
    }
}

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
pub fn read_sealed<R: BufRead>(src: R, name: &str) -> Result<(Header, Sealing)> {
    use quick_xml::events::Event;
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

/// A question as found in a file: raw values, not yet checked.
#[derive(Debug, Default, Clone)]
pub struct RawQuestion {
    pub line: u64,
    pub number: Option<String>,
    pub type_code: Option<String>,
    pub values: HashMap<Field, String>,
    /// `PaymentHandle` was used instead of `PAN`.
    pub token: bool,
    /// Structure problems (unknown or repeated elements).
    pub structure: Vec<String>,
}

impl RawQuestion {
    pub fn get(&self, f: Field) -> Option<&str> {
        match f {
            Field::Question => self.number.as_deref(),
            Field::Type => self.type_code.as_deref(),
            _ => self.values.get(&f).map(String::as_str),
        }
    }
}

pub enum QuestionItem {
    /// The root and Merchant were read (sent once, before any question).
    Header(Header),
    Question(RawQuestion),
}

const QUESTION_LEAVES: &[(&str, Field)] = &[
    ("Amount", Field::Amount),
    ("Currency", Field::Currency),
    ("Reference", Field::Reference),
    ("Activity", Field::Activity),
    ("Date", Field::Date),
    ("Subscriber", Field::Subscriber),
    ("Authorization", Field::Authorization),
    ("CallId", Field::CallId),
    ("TransactionId", Field::TransactionId),
];

const CARD_BRANDS: &[&str] = &["CB", "Amex", "BaseCard", "Cofinoga", "Sofinco"];

/// Read a Question file, streaming: `f` gets the header, then each
/// question. A document that is not a Question file is trouble.
pub fn read_questions<R: BufRead>(
    src: R,
    name: &str,
    mut f: impl FnMut(QuestionItem) -> Result<()>,
) -> Result<()> {
    let mut path: Vec<String> = Vec::new();
    let mut header = Header::default();
    let mut header_sent = false;
    let mut current: Option<RawQuestion> = None;
    let mut merchants = 0;
    xml::walk(src, name, |ev| {
        match ev {
            XmlEvent::Start {
                name: el,
                attrs,
                line,
            } => {
                match path.len() {
                    0 => header.read_root(el, attrs, line, name)?,
                    1 if el == "Merchant" => {
                        merchants += 1;
                        if merchants > 1 {
                            return Err(Error::no(format!(
                                "{name}:{line}: a second <Merchant> element (one shop per file)"
                            )));
                        }
                        header.read_merchant(attrs, line);
                        f(QuestionItem::Header(header.clone()))?;
                        header_sent = true;
                    }
                    2 if el == "Question" && path[1] == "Merchant" => {
                        current = Some(RawQuestion {
                            line,
                            number: xml::attr(attrs, "Number").map(str::to_string),
                            type_code: xml::attr(attrs, "Type").map(str::to_string),
                            ..RawQuestion::default()
                        });
                    }
                    _ => {
                        if let Some(q) = current.as_mut() {
                            let parent = path.last().map(String::as_str).unwrap_or("");
                            let ok = match path.len() {
                                3 => el == "Card" || QUESTION_LEAVES.iter().any(|(n, _)| *n == el),
                                4 => parent == "Card" && CARD_BRANDS.contains(&el),
                                5 => ["PAN", "PaymentHandle", "Expiry", "CVV", "Authorization"]
                                    .contains(&el),
                                _ => false,
                            };
                            if !ok {
                                q.structure
                                    .push(format!("unexpected element <{el}> in <{parent}>"));
                            }
                        } else {
                            return Err(Error::no(format!(
                                "{name}:{line}: unexpected element <{el}> in <{}> (expected <Merchant> holding <Question> elements)",
                                path.last().map(String::as_str).unwrap_or("")
                            )));
                        }
                    }
                }
                path.push(el.to_string());
            }
            XmlEvent::Armored { name: el, line } if el == "Merchant" && path.len() == 2 => {
                return Err(encrypted_merchant(name, line));
            }
            XmlEvent::Armored { .. } => {}
            XmlEvent::End { name: el, text, .. } => {
                path.pop();
                if let Some(q) = current.as_mut() {
                    let field = match path.len() {
                        3 => QUESTION_LEAVES
                            .iter()
                            .find(|(n, _)| *n == el)
                            .map(|(_, f)| *f),
                        5 => match el {
                            "PAN" => Some(Field::Pan),
                            "PaymentHandle" => {
                                q.token = true;
                                Some(Field::Pan)
                            }
                            "Expiry" => Some(Field::Expiry),
                            "CVV" => Some(Field::Cvv),
                            "Authorization" => Some(Field::Authorization),
                            _ => None,
                        },
                        _ => None,
                    };
                    if let Some(field) = field {
                        if q.values.insert(field, text.to_string()).is_some() {
                            q.structure.push(format!("<{el}> given twice"));
                        }
                    }
                    if path.len() == 2 && el == "Question" {
                        if let Some(q) = current.take() {
                            f(QuestionItem::Question(q))?;
                        }
                    }
                }
            }
        }
        Ok(())
    })?;
    if !header_sent {
        return Err(Error::no(format!(
            "{name}: no <Merchant> element (expected one, holding the questions)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::CURRENCIES;
    use crate::paybox::codes::OP_TYPES;
    use crate::xml::{close, leaf, open};
    use proptest::prelude::*;

    /// A question as quick-xml's indenting writer writes it, event by
    /// event: what [`QuestionWriter::question`] must match.
    fn question_by_events<W: Write>(
        w: &mut Writer<W>,
        op: &Operation,
        default_date: &str,
    ) -> io::Result<()> {
        let number = format!("{:010}", op.number);
        open(
            w,
            BytesStart::new("Question")
                .with_attributes([("Number", number.as_str()), ("Type", op.op.code)]),
        )?;
        if let Some(a) = op.amount {
            leaf(w, "Amount", &a.to_string())?;
        }
        if let Some(c) = op.currency {
            leaf(w, "Currency", c.numeric)?;
        }
        for (name, value) in text_leaves(op, default_date) {
            if let Some(v) = value {
                leaf(w, name, v)?;
            }
        }
        if let Some(pan) = &op.pan {
            let brand = card_brand(pan, op.op.token);
            open(w, BytesStart::new("Card"))?;
            open(w, BytesStart::new(brand))?;
            leaf(w, if op.op.token { "PaymentHandle" } else { "PAN" }, pan)?;
            if let Some(e) = &op.expiry {
                leaf(w, "Expiry", e)?;
            }
            if let Some(c) = &op.cvv {
                leaf(w, "CVV", c)?;
            }
            close(w, brand)?;
            close(w, "Card")?;
        }
        close(w, "Question")
    }

    fn text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("([ -~]|[<>&'\"]|é|\u{a0}|\u{1F600}|\t){0,12}")
    }

    prop_compose! {
        fn operation()(
            number in any::<u32>(),
            op in 0..OP_TYPES.len(),
            amount in proptest::option::of(any::<u64>()),
            currency in proptest::option::of(0..CURRENCIES.len()),
            activity in proptest::option::of(prop_oneof![Just("024"), Just("027")]),
            fields in proptest::collection::vec(text(), 10),
            pan in proptest::option::of(prop_oneof![Just("34".to_string()), Just("1111222233334444".to_string()), "[0-9<&]{0,6}"]),
        ) -> Operation {
            Operation {
                number,
                op: &OP_TYPES[op],
                amount,
                currency: currency.map(|c| &CURRENCIES[c]),
                reference: fields[0].clone(),
                date: fields[1].clone(),
                activity,
                pan,
                expiry: fields[2].clone(),
                cvv: fields[3].clone(),
                call_id: fields[4].clone(),
                transaction_id: fields[5].clone(),
                subscriber: fields[6].clone(),
                authorization: fields[7].clone(),
                site: fields[8].clone(),
                rank: fields[9].clone(),
            }
        }
    }

    proptest! {
        #[test]
        fn questions_are_the_bytes_the_event_writer_makes(
            ops in proptest::collection::vec(operation(), 1..4),
        ) {
            let date = "22112026101500";
            let mut ours = QuestionWriter::start(Vec::new(), 7, "2026-11-22T10:15:00+01:00", "1999888", "032").unwrap();
            for op in &ops {
                ours.question(op, date).unwrap();
            }
            let ours = ours.finish().unwrap();
            let mut w = xml::start_document(
                Vec::new(),
                BytesStart::new("PayboxBatch").with_attributes([
                    ("xmlns", QUESTION_NS),
                    ("BatchNumber", "7"),
                    ("CreatedOn", "2026-11-22T10:15:00+01:00"),
                ]),
                BytesStart::new("Merchant").with_attributes([("Site", "1999888"), ("Rank", "032")]),
            ).unwrap();
            for op in &ops {
                question_by_events(&mut w, op, date).unwrap();
            }
            let theirs = xml::end_document(w, "PayboxBatch").unwrap();
            prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }
}
