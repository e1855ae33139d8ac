//! Property tests: no parser panics on arbitrary input, and values survive
//! the trip through the XML writer and reader.

use std::io::Cursor;

use gateways::lyra::file as lyra;
use gateways::paybox::fields::Field;
use gateways::paybox::question::{read_questions, QuestionItem};
use gateways::paybox::status::read_status;
use paylot_cli::records::OutputFormat as OutFormat;
use paylot_cli::Input;
use proptest::prelude::*;
use xmlbatch::build::{write_lyra, write_paybox, LyraOpts, PayboxOpts};
use xmlbatch::respond;
use xmlbatch::status::{status_lyra, status_paybox};

fn reader(data: &[u8]) -> Box<dyn std::io::BufRead + Send> {
    Box::new(Cursor::new(data.to_vec()))
}

/// A card expiry (MMYY) three years from now: the build judges an expiry
/// against today's month, and a fixed one would fail the month it passes.
fn expiry() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!("05{:02}", (1970 + secs / 31_556_952 + 3) % 100)
}

fn opts() -> PayboxOpts {
    PayboxOpts {
        site: "1999888".into(),
        rank: "032".into(),
        batch: 1,
        created_on: "2026-11-22T10:15:00+01:00".into(),
        default_date: "22112026101500".into(),
        first_question: 1,
        decimal_amounts: true,
        delim: b',',
        encoding: None,
        columns: Default::default(),
    }
}

/// Bytes that look a little like the format, so the parsers get past the
/// first line: a prefix from the real format, then anything.
fn with_prefix(prefixes: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(prefixes),
        prop::collection::vec(any::<u8>(), 0..400),
    )
        .prop_map(|(p, rest)| {
            let mut v = p.as_bytes().to_vec();
            v.extend(rest);
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn csv_rows_never_panic(data in with_prefix(&["", "type,amount,currency,reference,pan,expiry,cvv,question\n", "TYPE,MONTANT,DEVISE\n3,"])) {
        let mut out = Vec::new();
        let _ = write_paybox(&opts(), Input::from_reader("fuzz", Cursor::new(data.clone())), &mut out);
        let lopts = LyraOpts { shop: "12345678".into(), mode: "TEST", date: "20261123".into(), time: "101500".into(), decimal_amounts: false, delim: b',', encoding: None, columns: Default::default() };
        let _ = write_lyra(&lopts, Input::from_reader("fuzz", Cursor::new(data)), &mut Vec::new());
    }

    #[test]
    fn question_xml_never_panics(data in with_prefix(&["", "<PayboxBatch xmlns=\"http://www.paybox.com/PayboxBatch\" BatchNumber=\"1\" CreatedOn=\"2026-11-22T10:15:00Z\"><Merchant Site=\"1999888\" Rank=\"032\"><Question Number=\"1\" Type=\"00003\">"])) {
        let _ = read_questions(reader(&data), "fuzz", |_| Ok(()));
        let _ = respond::paybox::respond_paybox(0, "fuzz", reader(&data), &mut Vec::new());
    }

    #[test]
    fn status_xml_never_panics(data in with_prefix(&["", "<PayboxBatchStatus xmlns=\"http://www.paybox.com/PayboxBatchStatus\" BatchNumber=\"1\"><Merchant Site=\"1\"><Answer Number=\"1\">"])) {
        let _ = read_status(reader(&data), "fuzz", |_| Ok(()));
        let _ = status_paybox(None, OutFormat::Jsonl, "fuzz", reader(&data), &mut Vec::new());
    }

    #[test]
    fn req_never_panics(data in with_prefix(&["", "00;PAY;06;12345678;TEST;20261123;101500;\n02;1;"])) {
        let mut shape = lyra::ReqShape::default();
        let _ = lyra::each_req_line(reader(&data), "fuzz", |line, kind, rec| {
            shape.take(line, kind, rec);
            Ok(())
        });
        let _ = lyra::check_trailer(&shape);
        let _ = respond::lyra::respond_lyra(0, None, "fuzz", reader(&data), &Default::default(), &mut Vec::new());
    }

    #[test]
    fn ans_never_panics(data in with_prefix(&["", "00;PAY;06;0;;12345678;TEST;20261123;101500;20261123;111500\n02;1;"])) {
        let _ = status_lyra(None, OutFormat::Csv, "fuzz", reader(&data), &mut Vec::new());
    }

    /// Any reference and subscriber text (no control characters) comes back
    /// from the Question XML exactly as given: quick-xml escapes and
    /// unescapes, nothing is lost.
    #[test]
    fn text_survives_the_question_xml(reference in "[^\\p{Cc}]{1,60}", subscriber in "[^\\p{Cc}]{1,60}") {
        let reference = reference.trim().to_string();
        let subscriber = subscriber.trim().to_string();
        prop_assume!(!reference.is_empty() && !subscriber.is_empty());
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["type", "amount", "currency", "reference", "subscriber", "pan", "expiry"]).unwrap();
        w.write_record(["subscriber_register", "100", "978", &reference, &subscriber, "1111222233334444", &expiry()]).unwrap();
        let csv = w.into_inner().unwrap();
        let mut out = Vec::new();
        let mut o = opts();
        o.decimal_amounts = false;
        write_paybox(&o, Input::from_reader("t", Cursor::new(csv)), &mut out).unwrap();
        let mut got = Vec::new();
        read_questions(reader(&out), "t", |item| {
            if let QuestionItem::Question(q) = item {
                got.push((q.get(Field::Reference).unwrap().to_string(), q.get(Field::Subscriber).unwrap().to_string()));
            }
            Ok(())
        }).unwrap();
        prop_assert_eq!(got, vec![(reference, subscriber)]);
    }

    /// Valid amounts and card numbers are accepted by build and answered
    /// 00000 by respond.
    #[test]
    fn valid_rows_are_accepted(amount in 0u64..10_000_000_000, n in 1usize..5) {
        let mut csv = String::from("type,amount,currency,reference,pan,expiry\n");
        for i in 0..n {
            csv.push_str(&format!("authorize_capture,{amount},EUR,R{i},1111222233334444,{}\n", expiry()));
        }
        let mut o = opts();
        o.decimal_amounts = false;
        let mut q = Vec::new();
        write_paybox(&o, Input::from_reader("t", Cursor::new(csv.into_bytes())), &mut q).unwrap();
        let mut s = Vec::new();
        respond::paybox::respond_paybox(3, "q", reader(&q), &mut s).unwrap();
        let mut codes = Vec::new();
        read_status(reader(&s), "s", |item| {
            if let gateways::paybox::status::StatusItem::Answer(a) = item {
                codes.push(a.response_code.clone());
            }
            Ok(())
        }).unwrap();
        prop_assert_eq!(codes, vec!["00000".to_string(); n]);
    }
}
