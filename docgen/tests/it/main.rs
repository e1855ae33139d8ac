//! paylot-docgen's tests: one test binary, a module per subject.

mod docgen;
