//! End-to-end pipelines across the paylot binaries live in `tests/`.
