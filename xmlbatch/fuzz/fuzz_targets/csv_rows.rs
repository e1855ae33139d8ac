#![no_main]
//! CSV rows → Question XML and Lyra REQ: never panics.
use libfuzzer_sys::fuzz_target;
use paylot_cli::Input;
use std::io::Cursor;
use xmlbatch::build::{write_lyra, write_paybox, LyraOpts, PayboxOpts};

fuzz_target!(|data: &[u8]| {
    let opts = PayboxOpts {
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
    };
    let _ = write_paybox(
        &opts,
        Input::from_reader("fuzz", Cursor::new(data.to_vec())),
        &mut Vec::new(),
    );
    let lopts = LyraOpts {
        shop: "12345678".into(),
        mode: "TEST",
        date: "20261123".into(),
        time: "101500".into(),
        decimal_amounts: true,
        delim: b',',
        encoding: None,
        columns: Default::default(),
    };
    let _ = write_lyra(
        &lopts,
        Input::from_reader("fuzz", Cursor::new(data.to_vec())),
        &mut Vec::new(),
    );
});
