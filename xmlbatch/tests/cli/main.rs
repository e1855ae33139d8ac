//! End-to-end tests through the real `xmlbatch` binary.

mod build;
mod check;
mod columns;
mod line_ends;
mod lyra;
mod office_batch;
mod respond_status;
mod util;
