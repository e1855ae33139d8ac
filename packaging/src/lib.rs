//! Nothing to build: this crate carries the description of the Debian
//! package `paylot` (`[package.metadata.deb]` in its Cargo.toml), which
//! `make deb` fills with the release binaries of the four tools, their
//! man pages and completions (paylot-docgen) and the docs.
