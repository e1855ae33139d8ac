//! paylot-tests: pipelines across the paylot binaries, as merchants run
//! them (bash scripts with the tools on PATH), and the project's own
//! scripts (the Debian changelog, the version stamp). One test binary, a
//! module per subject; `util` is the pipelines' runner.

mod util;

mod batches;
mod bounds;
mod clients;
mod deb_changelog;
mod kills;
mod leaks;
mod lyra_days;
mod masking;
mod nightly;
mod office_batch;
mod outputs;
mod pipeline;
mod sandbox_http;
mod sandbox_memory;
mod server_to_server;
mod version;
