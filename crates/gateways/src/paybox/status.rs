//! The Paybox status file (`PayboxBatchStatus`): the answer to a Question,
//! signed by the gateway, not encrypted — so it never holds card data.

use std::io::{self, BufRead, Write};

use paylot_cli::{Error, Result};
use quick_xml::events::BytesStart;
use quick_xml::Writer;

use super::fields::vocabulary;
use super::question::Header;
use crate::xml::{self, close, leaf, open, XmlEvent};

pub const STATUS_NS: &str = "http://www.paybox.com/PayboxBatchStatus";

/// One answer of a status file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Answer {
    pub number: String,
    pub type_code: String,
    pub response_code: String,
    pub comment: String,
    pub reference: String,
    pub amount: String,
    pub currency: String,
    pub authorization: String,
    pub call_id: String,
    pub transaction_id: String,
    pub card_country: String,
    pub subscriber: String,
    pub line: u64,
}

impl Answer {
    /// The bytes its buffers hold.
    pub fn held(&self) -> usize {
        [
            &self.number,
            &self.type_code,
            &self.response_code,
            &self.comment,
            &self.reference,
            &self.amount,
            &self.currency,
            &self.authorization,
            &self.call_id,
            &self.transaction_id,
            &self.card_country,
            &self.subscriber,
        ]
        .iter()
        .map(|s| s.capacity())
        .sum()
    }

    /// Empty every field, keeping the buffers.
    pub fn clear(&mut self) {
        for s in [
            &mut self.number,
            &mut self.type_code,
            &mut self.response_code,
            &mut self.comment,
            &mut self.reference,
            &mut self.amount,
            &mut self.currency,
            &mut self.authorization,
            &mut self.call_id,
            &mut self.transaction_id,
            &mut self.card_country,
            &mut self.subscriber,
        ] {
            s.clear();
        }
        self.line = 0;
    }
}

/// Writes a status file, one answer at a time.
pub struct StatusWriter<W: Write> {
    w: Writer<W>,
}

impl<W: Write> StatusWriter<W> {
    pub fn start(out: W, header: &Header) -> io::Result<Self> {
        let w = xml::start_document(
            out,
            BytesStart::new("PayboxBatchStatus").with_attributes([
                ("xmlns", STATUS_NS),
                ("BatchNumber", header.batch.as_deref().unwrap_or("")),
                ("CreatedOn", header.created_on.as_deref().unwrap_or("")),
            ]),
            BytesStart::new("Merchant").with_attributes([
                ("Site", header.site.as_deref().unwrap_or("")),
                ("Rank", header.rank.as_deref().unwrap_or("")),
                ("PayboxId", header.paybox_id.as_deref().unwrap_or("")),
            ]),
        )?;
        Ok(StatusWriter { w })
    }

    /// Write one answer. A status file carries no card data (it is signed,
    /// not encrypted): every value is shown as its element's kind says
    /// (Paybox's vocabulary): the merchant's question number, reference,
    /// transaction and call numbers exactly as they came, any other text
    /// masked on its way in, so that a card number echoed from a bad
    /// question (a misplaced amount, a comment) never reaches it; and a
    /// control character echoed from one is shown escaped (XML 1.0
    /// cannot carry most of them, and a person may read the file on a
    /// terminal).
    pub fn answer(&mut self, a: &Answer) -> io::Result<()> {
        let show = |name: &str, value: &'_ str| vocabulary().of(name).show(value).into_owned();
        let w = &mut self.w;
        open(
            w,
            BytesStart::new("Answer").with_attributes([
                ("Number", show("Number", &a.number).as_str()),
                ("Type", show("Type", &a.type_code).as_str()),
            ]),
        )?;
        leaf(w, "ResponseCode", &show("ResponseCode", &a.response_code))?;
        leaf(w, "Comment", &show("Comment", &a.comment))?;
        for (name, value) in [
            ("Reference", &a.reference),
            ("Amount", &a.amount),
            ("Currency", &a.currency),
            ("Authorization", &a.authorization),
            ("CallId", &a.call_id),
            ("TransactionId", &a.transaction_id),
            ("CardCountryCode", &a.card_country),
            ("Subscriber", &a.subscriber),
        ] {
            if !value.is_empty() {
                leaf(w, name, &show(name, value))?;
            }
        }
        close(w, "Answer")
    }

    pub fn finish(self) -> io::Result<W> {
        xml::end_document(self.w, "PayboxBatchStatus")
    }
}

pub enum StatusItem<'a> {
    Header(Header),
    /// The answer just read (the same buffers are reused for the next one).
    Answer(&'a mut Answer),
}

/// Read a status file, streaming.
pub fn read_status<R: BufRead>(
    src: R,
    name: &str,
    mut f: impl FnMut(StatusItem<'_>) -> Result<()>,
) -> Result<()> {
    let mut depth = 0usize;
    let mut header = Header::default();
    let mut header_sent = false;
    let mut answer = Answer::default();
    let mut in_answer = false;
    // The answer's elements read so far (a bit each, in the order of the
    // match below), and the line where the last one started.
    let mut seen = 0u16;
    let mut field_line = 0;
    xml::walk(src, name, |ev| {
        match ev {
            XmlEvent::Start {
                name: el,
                attrs,
                line,
            } => {
                match depth {
                    0 => {
                        // The Question where its answer was expected: the
                        // two given the wrong way round, said as such.
                        if el == "PayboxBatch" {
                            return Err(Error::trouble(format!(
                                "{name}:{line}: a Paybox Question (the request, root \
                                 <PayboxBatch>), where the gateway's status file (the answer, \
                                 root <PayboxBatchStatus>) is expected: give the status file, \
                                 and the Question with --question"
                            )));
                        }
                        if el != "PayboxBatchStatus" {
                            return Err(Error::trouble(format!(
                                "{name}:{line}: the root element is <{el}>, not <PayboxBatchStatus> (expected a Paybox status file)"
                            )));
                        }
                        let ns = attrs.iter().find(|(k, _)| k == "xmlns").map(|(_, v)| v.as_str());
                        if ns != Some(STATUS_NS) {
                            return Err(Error::trouble(format!(
                                "{name}:{line}: the namespace is {}, not {STATUS_NS}",
                                ns.map(crate::invalid::show).unwrap_or_else(|| "missing".into())
                            )));
                        }
                        header.batch = xml::attr(attrs, "BatchNumber").map(str::to_string);
                        header.created_on = xml::attr(attrs, "CreatedOn").map(str::to_string);
                        header.line = line;
                    }
                    1 if el == "Merchant" && !header_sent => {
                        header.site = xml::attr(attrs, "Site").map(str::to_string);
                        header.rank = xml::attr(attrs, "Rank").map(str::to_string);
                        header.merchant_line = line;
                        header.paybox_id = xml::attr(attrs, "PayboxId").map(str::to_string);
                        header_sent = true;
                        f(StatusItem::Header(header.clone()))?;
                    }
                    2 if header_sent => {
                        answer.clear();
                        answer.number.push_str(xml::attr(attrs, "Number").unwrap_or(""));
                        answer.type_code.push_str(xml::attr(attrs, "Type").unwrap_or(""));
                        answer.line = line;
                        in_answer = true;
                        seen = 0;
                    }
                    3 if in_answer => field_line = line,
                    d if d >= 3 && in_answer => {}
                    _ => {
                        return Err(Error::trouble(format!(
                            "{name}:{line}: unexpected element <{el}> (expected <Merchant> holding answer elements)"
                        )))
                    }
                }
                depth += 1;
            }
            XmlEvent::Armored { .. } => {}
            XmlEvent::End { name: el, text, .. } => {
                depth -= 1;
                if depth == 3 {
                    if in_answer {
                        let a = &mut answer;
                        let slot = match el {
                            "ResponseCode" => Some((0, &mut a.response_code)),
                            "Comment" => Some((1, &mut a.comment)),
                            "Reference" => Some((2, &mut a.reference)),
                            "Amount" => Some((3, &mut a.amount)),
                            "Currency" => Some((4, &mut a.currency)),
                            "Authorization" => Some((5, &mut a.authorization)),
                            "CallId" => Some((6, &mut a.call_id)),
                            "TransactionId" => Some((7, &mut a.transaction_id)),
                            "CardCountryCode" => Some((8, &mut a.card_country)),
                            "Subscriber" => Some((9, &mut a.subscriber)),
                            _ => None,
                        };
                        if let Some((bit, slot)) = slot {
                            // Two ResponseCodes (00151, then 00000): which
                            // did the gateway mean? The last one was taken,
                            // and a refusal read as accepted, said nowhere.
                            // The gateway writes each element once; a file
                            // that does not is not read on a guess.
                            if seen & (1 << bit) != 0 {
                                return Err(Error::trouble(format!(
                                    "{name}:{field_line}: answer {}: <{el}> is given twice: \
                                     which value did the gateway mean? Not read on a guess \
                                     (the gateway writes each element of an answer once: \
                                     ask it for the status file again)",
                                    crate::invalid::show(&a.number)
                                )));
                            }
                            seen |= 1 << bit;
                            slot.clear();
                            slot.push_str(text);
                        }
                    }
                } else if depth == 2 && in_answer {
                    in_answer = false;
                    f(StatusItem::Answer(&mut answer))?;
                }
            }
        }
        Ok(())
    })?;
    if !header_sent {
        return Err(Error::trouble(format!(
            "{name}: no <Merchant> element (expected one, holding the answers)"
        )));
    }
    Ok(())
}
