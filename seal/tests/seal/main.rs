//! End-to-end tests of the `seal` binary: published vectors, diagnosis,
//! exit statuses, masking and bad input.

mod util;

mod bad_input;
mod causes;
mod diagnosis;
mod explain;
mod vectors;
mod verify;
