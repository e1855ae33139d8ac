//! End-to-end tests of the `pgpwrap` binary, against the real gpg: one
//! test binary, a module per subject; `util` is pgpwrap's runner and the
//! keys every test uses.

#[macro_use]
mod util;

mod cli;
mod envelope;
mod hostile;
mod interop;
