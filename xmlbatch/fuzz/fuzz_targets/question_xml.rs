#![no_main]
//! Question XML → status XML (respond): never panics.
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    let _ = xmlbatch::respond::paybox::respond_paybox(
        0,
        "fuzz",
        Box::new(Cursor::new(data.to_vec())),
        &mut Vec::new(),
    );
});
