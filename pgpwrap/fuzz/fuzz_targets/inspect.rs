//! `pgpwrap inspect` on arbitrary input: never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pgpwrap::inspect::describe(Box::new(std::io::Cursor::new(data.to_vec())), "<fuzz>");
});
