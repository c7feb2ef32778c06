//! Errors of the corpus layer; each names the file, folder or name at fault and the reason.

use std::path::PathBuf;

/// An error from scanning corpora, reading or writing manifests, building splits or
/// looking up label sets and protocols.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A file or folder could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A file's contents could not be parsed.
    #[error("{path}: {reason}")]
    Parse {
        /// The file (with `:line` where known).
        path: PathBuf,
        /// What could not be parsed.
        reason: String,
    },
    /// A folder given to scan is not a folder.
    #[error("{path}: not a folder")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// A folder does not hold the corpus its adapter expects.
    #[error("{path}: not a {corpus} corpus root: {reason}")]
    NotThisCorpus {
        /// The corpus the adapter reads.
        corpus: String,
        /// The folder given.
        path: PathBuf,
        /// What the adapter expected to find.
        reason: String,
    },
    /// A name (corpus, label set, protocol, …) is unknown.
    #[error("unknown {kind} `{name}`; valid names: {valid}")]
    UnknownName {
        /// What kind of name (`corpus`, `label set`, …).
        kind: &'static str,
        /// The name given.
        name: String,
        /// The valid names, comma-separated.
        valid: String,
    },
    /// A split cannot be made from the given utterances.
    #[error("split: {0}")]
    Split(String),
    /// A setting is not allowed.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// The setting.
        what: String,
        /// Why it is not allowed.
        reason: String,
    },
}

impl CorpusError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Self {
        CorpusError::Io {
            path: path.into(),
            reason: err.to_string(),
        }
    }

    /// A parse error in `path`.
    pub fn parse(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        CorpusError::Parse {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// An unknown name of `kind`, listing the valid ones.
    pub fn unknown<S: AsRef<str>>(kind: &'static str, name: &str, valid: &[S]) -> Self {
        CorpusError::UnknownName {
            kind,
            name: name.to_string(),
            valid: valid
                .iter()
                .map(|s| s.as_ref())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = CorpusError> = std::result::Result<T, E>;
