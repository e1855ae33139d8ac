#![no_main]
//! Lyra REQ → ANS (respond): never panics.
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    let _ = xmlbatch::respond::lyra::respond_lyra(
        0,
        None,
        "fuzz",
        Box::new(Cursor::new(data.to_vec())),
        &Default::default(),
        &mut Vec::new(),
    );
});
