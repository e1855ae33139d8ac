//! What the subcommands' command lines share, below them all: the tool's
//! name, the request file `check` and `respond` read, and the name it
//! goes by.

/// The tool's name, as its messages start.
pub const TOOL: &str = "xmlbatch";

/// `--name NAME` and `[FILE]`: a request file, and the name it has (or will
/// have) in the drop directory, for the naming rule and the check that a
/// Lyra header agrees with its name.
#[derive(Debug, clap::Args)]
pub struct RequestFile {
    /// The request's file name, when it comes on stdin (default: FILE's name)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    #[command(flatten)]
    pub file: paylot_cli::args::InputArg,
}

impl RequestFile {
    /// The name the file goes by: `--name`, else FILE's.
    pub fn name(&self) -> Option<String> {
        self.name
            .clone()
            .or_else(|| self.file.path().map(|p| p.to_string_lossy().into_owned()))
    }
}
