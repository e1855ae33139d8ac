#![no_main]
use gateways::paybox::names::Template;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(t) = Template::parse(&s) {
        let name = t.render("1999888", "032", 42);
        let _ = t.parse_name(&name);
        let _ = t.max_batch();
    }
});
