//! End-to-end tests of the `seal` binary (published vectors, diagnosis,
//! exit statuses, masking and bad input) and its property tests: one test
//! binary, a module per subject; `util` is seal's runner.

mod util;

mod bad_input;
mod causes;
mod diagnosis;
mod explain;
mod properties;
mod vectors;
mod verify;
