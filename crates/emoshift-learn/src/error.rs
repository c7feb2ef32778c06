//! Errors of the learning engine; each names the file or setting and the reason.

use std::path::PathBuf;

/// An error from model building, training, checkpoints or methods.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    /// A checkpoint or weights file does not fit the model.
    #[error("{path}: checkpoint does not fit the model: {reason}")]
    Checkpoint { path: PathBuf, reason: String },
    /// A configuration value is not allowed.
    #[error("invalid setting `{key}` = `{value}`: {allowed}")]
    Config {
        key: String,
        value: String,
        allowed: String,
    },
    /// Training data cannot be used as given.
    #[error("data: {0}")]
    Data(String),
    /// The training loss stopped being a finite number.
    #[error("training diverged: the loss is {loss} at step {step}; lower the learning rate")]
    Diverged { step: usize, loss: f64 },
    /// An error raised by libtorch.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}
