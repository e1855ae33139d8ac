//! A Question file written one question at a time.

use std::io::{self, Write};

use quick_xml::escape::escape;
use quick_xml::events::BytesStart;
use quick_xml::Writer;

use super::super::operation::Operation;
use crate::xml;

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
pub(super) fn text_leaves<'a>(
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
