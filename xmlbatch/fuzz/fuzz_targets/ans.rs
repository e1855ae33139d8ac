#![no_main]
//! Lyra ANS → CSV: never panics.
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use paylot_cli::records::OutputFormat as OutFormat;
use xmlbatch::status::status_lyra;

fuzz_target!(|data: &[u8]| {
    let _ = status_lyra(
        None,
        OutFormat::Csv,
        "fuzz",
        Box::new(Cursor::new(data.to_vec())),
        &mut Vec::new(),
    );
});
