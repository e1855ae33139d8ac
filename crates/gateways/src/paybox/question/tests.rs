use std::io::{self, Write};

use quick_xml::events::BytesStart;
use quick_xml::Writer;

use super::write::text_leaves;
use super::*;
use crate::currency::CURRENCIES;

use crate::paybox::codes::OP_TYPES;
use crate::paybox::operation::Operation;
use crate::xml::{self, close, leaf, open};
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
