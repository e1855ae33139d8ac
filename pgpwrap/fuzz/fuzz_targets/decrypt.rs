//! `pgpwrap decrypt` on arbitrary input, with a fixed recipient key and a
//! fixed signer: never panics, never releases plaintext without a good
//! signature.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pgpwrap::keys::{self, Policies};
use pgpwrap::verdict::Helper;
use sequoia_openpgp::cert::prelude::*;
use sequoia_openpgp::types::Features;
use sequoia_openpgp::Cert;

fn certs() -> &'static (Cert, Cert) {
    static C: OnceLock<(Cert, Cert)> = OnceLock::new();
    C.get_or_init(|| {
        let gen = |uid: &str| {
            CertBuilder::general_purpose([uid])
                .set_features(Features::empty().set_seipdv1())
                .unwrap()
                .generate()
                .unwrap()
                .0
        };
        (gen("r@example.com"), gen("s@example.com"))
    })
}

fuzz_target!(|data: &[u8]| {
    let (recipient, signer) = certs();
    let policies = Policies::new(false);
    let pairs = keys::decryptors(
        std::slice::from_ref(recipient),
        "r",
        None,
        policies.active(),
    )
    .unwrap();
    let helper = Helper::new(vec![signer.clone()], pairs, true);
    let mut out = Vec::new();
    let r = pgpwrap::decrypt::open(
        Box::new(std::io::Cursor::new(data.to_vec())),
        "<fuzz>",
        helper,
        "r",
        policies.active(),
        &pgpwrap::io::Expansion::new(
            pgpwrap::io::ExpansionArg {
                max_expansion: pgpwrap::io::MAX_EXPANSION,
            },
            "<fuzz>",
        ),
        &mut out,
    );
    assert!(r.is_err(), "random input cannot carry a good signature");
});
