//! Any bytes, read as a message in every input mode, analysed with every
//! scheme: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seal::analysis::{Analysis, Choice};
use seal::message::{self, InputKind};
use gateways::schemes::Scheme;

fuzz_target!(|data: &[u8]| {
    for kind in [InputKind::Auto, InputKind::Json, InputKind::Form] {
        let Ok(msg) = message::parse(data, kind, 1) else { continue };
        for scheme in [None, Some(Scheme::SipsJson), Some(Scheme::SipsPost), Some(Scheme::Paybox), Some(Scheme::Lyra)] {
            let choice = Choice { scheme, ..Default::default() };
            if let Ok(a) = Analysis::of(&msg, &choice) {
                let _ = seal::diagnose::diagnose(&msg, &a, b"0123456789abcdef", b"\n");
            }
        }
    }
});
