//! Error types of the audio front end.
//!
//! [`AudioError`] is about one audio (or cache) file and always names it;
//! [`FeatureError`] is about a feature specification or a signal in memory.

use std::path::PathBuf;

/// Something went wrong with one audio file; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The file could not be opened or read (missing, permissions, I/O failure).
    #[error("{path}: cannot read file: {cause}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error (part of the message, not a separate
        /// source, so error chains do not print it twice).
        cause: std::io::Error,
    },
    /// The file has zero bytes.
    #[error("{path}: file is empty (0 bytes)")]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The container was recognised but holds no audio samples.
    #[error("{path}: no audio samples (zero-length audio)")]
    NoSamples {
        /// The file.
        path: PathBuf,
    },
    /// The file ends before the length its header announces.
    #[error("{path}: truncated: {reason}")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// What was expected and what was found.
        reason: String,
    },
    /// The container or codec is not one we can decode (or not audio at all).
    #[error("{path}: unsupported format or codec: {reason}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The decoder's explanation.
        reason: String,
    },
    /// The stream is recognised but its data is malformed.
    #[error("{path}: malformed audio data: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The decoder's explanation.
        reason: String,
    },
    /// A decoded sample is NaN or infinite.
    #[error("{path}: sample {index} is not finite ({value})")]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// Index of the first bad sample (in the mono signal).
        index: usize,
        /// The bad value.
        value: f32,
    },
    /// The recording fails a quality gate ([`crate::quality`]).
    #[error("{path}: rejected: {issue}")]
    Rejected {
        /// The file.
        path: PathBuf,
        /// Which gate, and by how much.
        issue: crate::quality::QualityIssue,
    },
    /// Resampling failed.
    #[error("{path}: cannot resample from {from} Hz to {to} Hz: {reason}")]
    Resample {
        /// The file.
        path: PathBuf,
        /// Source rate.
        from: u32,
        /// Target rate.
        to: u32,
        /// Why.
        reason: String,
    },
    /// Features could not be computed from the decoded signal.
    #[error("{path}: cannot compute features: {cause}")]
    Feature {
        /// The file.
        path: PathBuf,
        /// Why (part of the message, not a separate source).
        cause: FeatureError,
    },
    /// A computation outside this crate (a pretrained encoder) failed on
    /// the decoded signal.
    #[error("{path}: cannot compute features: {reason}")]
    Computation {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A feature-cache entry could not be written.
    #[error("{path}: cannot write cache entry: {reason}")]
    Cache {
        /// The cache entry (or its directory).
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl AudioError {
    /// The file this error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            AudioError::Unreadable { path, .. }
            | AudioError::EmptyFile { path }
            | AudioError::NoSamples { path }
            | AudioError::Truncated { path, .. }
            | AudioError::Unsupported { path, .. }
            | AudioError::Malformed { path, .. }
            | AudioError::NonFinite { path, .. }
            | AudioError::Rejected { path, .. }
            | AudioError::Resample { path, .. }
            | AudioError::Feature { path, .. }
            | AudioError::Computation { path, .. }
            | AudioError::Cache { path, .. } => path,
        }
    }

    /// The message without the leading file name: what is wrong with the
    /// file, for lists that already show the path.
    pub fn reason(&self) -> String {
        let message = self.to_string();
        let prefix = format!("{}: ", self.path().display());
        match message.strip_prefix(&prefix) {
            Some(reason) => reason.to_string(),
            None => message,
        }
    }
}

/// A feature specification is invalid or a signal cannot be turned into features.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeatureError {
    /// No preset of that name exists.
    #[error("unknown feature preset '{name}' (valid: {valid})")]
    UnknownPreset {
        /// The requested name.
        name: String,
        /// Comma-separated list of valid names.
        valid: String,
    },
    /// The specification's parameters are inconsistent.
    #[error("invalid feature spec: {0}")]
    InvalidSpec(String),
    /// The signal is too short to produce a single frame.
    #[error("signal of {samples} samples is shorter than one frame ({needed} samples) and centring is off")]
    TooShort {
        /// Samples given.
        samples: usize,
        /// Samples needed for one frame.
        needed: usize,
    },
    /// The signal contains NaN or infinite values.
    #[error("sample {index} is not finite ({value})")]
    NonFinite {
        /// Index of the first bad sample.
        index: usize,
        /// The bad value.
        value: f32,
    },
    /// Serialised features could not be read back.
    #[error("corrupt feature bytes: {0}")]
    Corrupt(String),
}
