//! End-to-end tests of the `dropwatch` binary on real trees, a real sshd
//! and real processes, and its property tests: one test binary, a module
//! per subject; `util` is dropwatch's runner.

mod util;

mod crash;
mod gateway;
mod name_check;
mod props;
mod sftp;
mod sweep;
mod unprivileged;
mod watch;
