//! Any query string through the Paybox return-signature path: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use gateways::paybox::ipn;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let key = ipn::public_key(ipn::PAYBOX_PUBLIC_KEY).unwrap();
    for field in [None, Some("Sign"), Some("K")] {
        if let Ok(split) = ipn::split(text, field) {
            if let Ok(sig) = ipn::decode_signature(split.raw_signature) {
                let _ = ipn::verifies(&key, split.signed.as_bytes(), &sig);
            }
            // What seal verify says of it, its diagnosis included.
            let _ = seal::ipn::check(&key, text, &split);
        }
    }
});
