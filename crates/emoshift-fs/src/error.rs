//! [`FsError`]: a file-system operation that failed, with its path.

use std::path::{Path, PathBuf};

/// A file-system operation failed; the message names the path and what failed.
#[derive(Debug, thiserror::Error)]
#[error("{}: {what}: {cause}", path.display())]
pub struct FsError {
    /// The file or folder.
    pub path: PathBuf,
    /// What failed, such as "cannot create folder".
    pub what: &'static str,
    /// The underlying I/O error (part of the message, not a separate source,
    /// so error chains do not print it twice).
    pub cause: std::io::Error,
}

impl FsError {
    /// What failed and why, without the path (for errors that name it themselves).
    pub fn reason(&self) -> String {
        format!("{}: {}", self.what, self.cause)
    }

    /// A closure that wraps an I/O error about `path` as "`path`: `what`: …".
    pub(crate) fn at<'a>(
        path: &'a Path,
        what: &'static str,
    ) -> impl FnOnce(std::io::Error) -> FsError + 'a {
        move |cause| FsError {
            path: path.to_path_buf(),
            what,
            cause,
        }
    }
}
