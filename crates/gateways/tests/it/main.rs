//! paylot-gateways' integration tests: one test binary, a module per
//! subject.

mod names;
mod seal_vectors;
