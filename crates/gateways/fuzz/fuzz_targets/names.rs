//! Any text through the gateways' file-name rules: no panic.
#![no_main]
use gateways::lyra::names::{request_problem, strip_decorations, Name};
use gateways::paybox::names::{Template, DEFAULT_TEMPLATE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
    let _ = Name::parse(&s);
    let _ = request_problem(&s);
    let _ = strip_decorations(&s);
    let _ = t.problem(&s);
    let _ = t.question_of(&s);
});
