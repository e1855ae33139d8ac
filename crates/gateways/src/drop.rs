//! Why a gateway rejects a file put in its drop directory: the words
//! both families share (each family's module says what it then does with
//! the file, and in which order it checks).

/// Why a gateway rejects an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The name does not follow the naming rule (in words).
    BadName(String),
    /// The file is empty.
    Empty,
    /// The name was processed before (Lyra).
    Duplicate,
}
