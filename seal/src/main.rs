use std::process::ExitCode;

fn main() -> ExitCode {
    paylot_cli::run(seal::TOOL, seal::main)
}
