//! Any text classified as a drop-tree file name: no panic.
#![no_main]
use dropwatch::file_kind::classify;
use gateways::paybox::names::{Template, DEFAULT_TEMPLATE};
use gateways::Gateway;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
    let _ = classify(&s, &[Gateway::Lyra, Gateway::Paybox], &t);
});
