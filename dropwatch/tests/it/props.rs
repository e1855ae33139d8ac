//! Property tests: the classification of names and the state files never
//! panic on arbitrary input.

use dropwatch::file_kind::classify;
use gateways::paybox::names::{Template, DEFAULT_TEMPLATE};
use gateways::Gateway;
use paylot_cli::time::parse_duration;
use proptest::prelude::*;

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let s = String::from_utf8_lossy(&bytes);
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let _ = classify(&s, &[Gateway::Lyra, Gateway::Paybox], &t);
        let _ = parse_duration(&s);
    }

    #[test]
    fn state_files_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        std::fs::write(&p, &bytes).unwrap();
        let _ = dropwatch::state::load::<dropwatch::state::GatewayState>(&p);
        let _ = dropwatch::state::load::<dropwatch::state::WatchState>(&p);
    }
}
