use std::process::ExitCode;

fn main() -> ExitCode {
    paylot_cli::run("dropwatch", || {
        Err(paylot_cli::Error::trouble(
            "not implemented yet (see the project's issues)",
        ))
    })
}
