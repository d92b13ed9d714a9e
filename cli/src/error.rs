//! What the binary's modules share of their errors: a file or folder that could not be
//! read, written or created, named.

use std::path::PathBuf;

/// A file or folder the command could not read, write or create.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct FileError {
    /// The file or folder.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

impl FileError {
    /// A `map_err` for an io error on `path`.
    pub fn at(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self { path, source }
    }
}
