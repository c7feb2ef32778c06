//! Audio front end for emoshift: decoding, resampling, spectral features that
//! match librosa, the papers' augmentations and a content-addressed feature cache.
//!
//! The usual path is [`FeatureSpec::preset`] (or a spec read from an experiment
//! file) → [`FeatureStore::get_or_compute`] per file, or [`extract_all`] for a
//! whole list, in parallel. [`load`] and [`FeatureSpec::compute`] are the
//! separate steps.

pub mod decode;
mod error;
mod extract;
pub mod extractor;
mod features;
pub mod level;
mod load;
pub mod mel;
pub mod resample;
mod spec;
mod store;
pub mod window;

pub use error::{AudioError, FeatureError};
pub use extract::{extract_all, ExtractSummary};
pub use extractor::Extractor;
pub use features::Features;
pub use load::{load, prepare, LoadOptions};
pub use mel::{MelNorm, MelScale};
pub use spec::{
    DbRef, FeatureKind, FeatureSpec, MelParams, PadMode, Scale, SpectrumPower, StftParams,
};
pub use store::{CacheHit, FeatureStore};
pub use window::WindowKind;

/// A mono signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Samples, nominally in [-1, 1].
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
}

impl Audio {
    /// Duration in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate.max(1))
    }
}
