//! The audio crate's feature-domain augmentations (time stretch, time
//! shift, SpecAugment masks …) as a batcher [`Augment`], applied on the fly
//! to each cropped training example.

use emoshift_audio::augment::{apply_features, AugmentConfig};
use emoshift_audio::Features;
use rand_chacha::ChaCha8Rng;

use crate::batcher::Augment;
use crate::error::LearnError;

/// Feature-domain augmentations that keep every example's frame count.
#[derive(Debug, Clone)]
pub struct FeatureAugment {
    cfg: AugmentConfig,
}

impl FeatureAugment {
    /// Checks `cfg` once, so applying it never fails.
    pub fn new(cfg: AugmentConfig) -> Result<Self, LearnError> {
        cfg.validate().map_err(|e| LearnError::Config {
            key: "features.augment".into(),
            value: format!("{cfg:?}"),
            allowed: e.to_string(),
        })?;
        Ok(Self { cfg })
    }
}

impl Augment for FeatureAugment {
    fn apply(&self, features: &mut Features, rng: &mut ChaCha8Rng) {
        let frames = features.n_frames;
        apply_features(&self.cfg, features, rng)
            .expect("configuration validated in FeatureAugment::new");
        // A time stretch changes the length: cut or pad back so the batch stacks.
        if features.n_frames != frames {
            let floor = features.data.iter().copied().fold(f32::INFINITY, f32::min);
            *features = features.window(0, frames, floor);
        }
    }
}
