//! Audio front end for emoshift: decoding, resampling, spectral features that
//! match librosa, the papers' augmentations and a content-addressed feature cache.
//!
//! The usual path is [`FeatureSpec::preset`] (or a spec read from an experiment
//! file) → [`FeatureStore::get_or_compute`] per file, or [`extract_all`] for a
//! whole list, in parallel. [`load`] and [`FeatureSpec::compute`] are the
//! separate steps.

pub mod augment;
mod checked_wav;
mod container;
pub mod decode;
mod error;
mod extract;
pub mod extractor;
mod features;
pub mod level;
mod load;
pub mod mel;
pub mod probe;
pub mod quality;
pub mod resample;
mod spec;
mod store;
pub mod window;

pub use augment::{apply_features, apply_wave, AugmentConfig, AugmentError};
pub use error::{AudioError, FeatureError};
pub use extract::{extract_all, extract_each, ExtractSummary};
pub use extractor::Extractor;
pub use features::Features;
pub use load::{load, prepare, LoadOptions};
pub use mel::{MelNorm, MelScale};
pub use quality::{AudioStats, QualityGates, QualityIssue};
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

/// The index and value of the first NaN or infinite sample, if any.
///
/// Scans eight lanes at a time (`x · 0` is 0 for finite `x` and NaN
/// otherwise), so the common all-finite case runs at SIMD speed.
pub fn first_non_finite(samples: &[f32]) -> Option<(usize, f32)> {
    let mut lanes = [0.0f32; 8];
    for chunk in samples.chunks_exact(8) {
        for i in 0..8 {
            lanes[i] += chunk[i] * 0.0;
        }
    }
    let tail = samples.chunks_exact(8).remainder();
    if lanes.iter().all(|v| *v == 0.0) && tail.iter().all(|v| v.is_finite()) {
        return None;
    }
    samples
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite())
        .map(|(i, &v)| (i, v))
}
