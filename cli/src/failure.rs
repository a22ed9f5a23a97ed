//! Why a command could not do its work: each names the file and, where there is one, the place.

use std::fmt;
use std::path::Path;

/// An input the command cannot use (exit status 2).
#[derive(Debug)]
pub(crate) struct Failure(String);

impl Failure {
    /// A message of the command's own.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// `path` could not be read.
    pub(crate) fn read(path: &Path, err: &std::io::Error) -> Self {
        Self(format!("{}: cannot read: {err}", path.display()))
    }

    /// `path` could not be written.
    pub(crate) fn write(path: &Path, err: &std::io::Error) -> Self {
        Self(format!("{}: cannot write: {err}", path.display()))
    }

    /// `path` does not parse: at `line`:`column` (1-based; 0 when unknown).
    pub(crate) fn at(path: &Path, line: usize, column: usize, message: impl fmt::Display) -> Self {
        match (line, column) {
            (0, _) => Self(format!("{}: {message}", path.display())),
            (line, 0) => Self(format!("{}:{line}: {message}", path.display())),
            (line, column) => Self(format!("{}:{line}:{column}: {message}", path.display())),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<vss_sim::sim::ScenarioError> for Failure {
    fn from(err: vss_sim::sim::ScenarioError) -> Self {
        // ScenarioError's own text names file:line:col and the field.
        Self(err.to_string())
    }
}
