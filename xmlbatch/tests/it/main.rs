//! End-to-end tests through the real `xmlbatch` binary, and its property
//! tests: one test binary, a module per subject; `util` is xmlbatch's
//! runner.

mod build;
mod check;
mod columns;
mod line_ends;
mod lyra;
mod office_batch;
mod props;
mod respond_status;
mod util;
