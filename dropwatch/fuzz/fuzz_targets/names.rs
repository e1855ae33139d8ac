#![no_main]
use dropwatch::names::{classify, lyra_request_problem, Scheme, Template, DEFAULT_PAYBOX_TEMPLATE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let t = Template::parse(DEFAULT_PAYBOX_TEMPLATE).unwrap();
    let _ = lyra_request_problem(&s);
    let _ = classify(&s, &[Scheme::Lyra, Scheme::Paybox], &t);
    let _ = t.problem(&s);
});
