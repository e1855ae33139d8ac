//! The usage errors of xmlbatch's commands: the message, then the
//! command's usage line. Apart from the commands, so that what a command
//! reads through (`csv_input`, for build) says its usage errors without
//! reaching back into the command: modules depend one way.

use paylot_cli::Error;

/// A usage error of `xmlbatch build` (status 2).
pub(crate) fn build(msg: impl std::fmt::Display) -> Error {
    Error::usage(msg.to_string()).with_detail(vec!["Usage: xmlbatch build [OPTIONS] [FILE]".into()])
}
