//! Errors of the evaluation crate; each names the input, file or setting and the reason.

use std::path::PathBuf;

/// An error from metrics, aggregation, t-SNE or report writing.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Inputs that cannot be evaluated (lengths, ranges, non-finite values …).
    #[error("invalid input: {0}")]
    Input(String),
    /// A setting is outside its allowed range or unknown.
    #[error("invalid setting `{key}` = `{value}`: {allowed}")]
    Config {
        /// The setting's name.
        key: String,
        /// The value given.
        value: String,
        /// What is allowed.
        allowed: String,
    },
    /// A file or folder could not be written.
    #[error("{path}: {reason}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why it failed.
        reason: String,
    },
    /// A figure could not be drawn.
    #[error("figure `{figure}`: {reason}")]
    Plot {
        /// The figure's title.
        figure: String,
        /// Why drawing failed.
        reason: String,
    },
}

impl EvalError {
    /// Shorthand for [`EvalError::Input`].
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self::Input(message.into())
    }

    /// Shorthand for [`EvalError::Config`].
    pub(crate) fn config(key: &str, value: impl ToString, allowed: &str) -> Self {
        Self::Config {
            key: key.to_string(),
            value: value.to_string(),
            allowed: allowed.to_string(),
        }
    }

    /// Shorthand for [`EvalError::Io`].
    pub(crate) fn io(path: impl Into<PathBuf>, error: impl ToString) -> Self {
        Self::Io {
            path: path.into(),
            reason: error.to_string(),
        }
    }
}
