use std::process::ExitCode;

fn main() -> ExitCode {
    paylot_cli::run(seal::cli::TOOL, seal::cli::main)
}
