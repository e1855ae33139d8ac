#![no_main]
use paylot_cli::time::parse_duration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_duration(&String::from_utf8_lossy(data));
});
