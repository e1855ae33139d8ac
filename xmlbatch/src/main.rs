use std::process::ExitCode;

fn main() -> ExitCode {
    paylot_cli::run(xmlbatch::TOOL, xmlbatch::main)
}
