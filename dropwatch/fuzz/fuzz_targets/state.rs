#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("dropwatch-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join("state.json");
    if std::fs::write(&p, data).is_ok() {
        let _ = dropwatch::state::load::<dropwatch::state::GatewayState>(&p);
        let _ = dropwatch::state::load::<dropwatch::state::WatchState>(&p);
    }
});
