//! The XML element locator used by `--element`: never panics, and a found
//! range is inside the document.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = pgpwrap::element::find_content(data, "Merchant") {
        assert!(r.start <= r.end && r.end <= data.len());
    }
});
