//! Seeded data augmentation, in the waveform domain (before feature
//! extraction) and in the feature domain (on cached features, on the fly).
//!
//! An [`AugmentConfig`] (serde, e.g. from an experiment file) says which
//! augmentations run with which parameter ranges and probabilities;
//! [`apply_wave`] and [`apply_features`] draw every random choice from the
//! caller's RNG, so a seed reproduces the exact result.
//!
//! Waveform order: time stretch → time shift → gain → EQ → reverb → pink
//! noise → fade → crop/pad. Feature order: time stretch → time shift →
//! crop/pad → SpecAugment masks.

mod config;
pub mod eq;
pub mod noise;
pub mod reverb;
pub mod spectral;
pub mod stretch;
pub mod wave;

use rand::{Rng, RngExt};

pub use config::{
    AugmentConfig, AugmentError, CropConfig, EqConfig, FadeConfig, FeatureAugment, FrameCropConfig,
    GainConfig, NoiseConfig, ReverbConfig, ShiftConfig, SpecAugmentConfig, StretchConfig,
    WaveAugment,
};
pub use eq::{Band, BandKind};
pub use spectral::Fill;

use crate::Features;

/// A uniform draw from `[lo, hi]` (exactly `lo` when the range is empty).
fn uniform<R: Rng + ?Sized>(rng: &mut R, lo: f32, hi: f32) -> f32 {
    if hi > lo {
        rng.random_range(lo..=hi)
    } else {
        lo
    }
}

/// Whether an augmentation with probability `p` fires (always draws once,
/// so the random stream does not depend on earlier outcomes' parameters).
fn fires<R: Rng + ?Sized>(rng: &mut R, p: f32) -> bool {
    rng.random::<f32>() < p
}

/// Applies the waveform augmentations of `cfg` to `samples` (mono, at
/// `sample_rate`), drawing all randomness from `rng`.
pub fn apply_wave<R: Rng + ?Sized>(
    cfg: &AugmentConfig,
    samples: &mut Vec<f32>,
    sample_rate: u32,
    rng: &mut R,
) -> Result<(), AugmentError> {
    cfg.validate()?;
    let w = &cfg.wave;
    if let Some(s) = &w.time_stretch {
        if fires(rng, s.p) {
            let rate = uniform(rng, s.min_rate, s.max_rate);
            *samples = stretch::time_stretch(samples, rate);
        }
    }
    if let Some(s) = &w.time_shift {
        if fires(rng, s.p) {
            wave::shift(samples, uniform(rng, -s.max_fraction, s.max_fraction));
        }
    }
    if let Some(g) = &w.gain {
        if fires(rng, g.p) {
            wave::gain(samples, uniform(rng, g.min_db, g.max_db));
        }
    }
    if let Some(e) = &w.eq {
        if fires(rng, e.p) {
            let bands = random_bands(e, sample_rate, rng);
            eq::equalize(samples, &bands, sample_rate);
        }
    }
    if let Some(r) = &w.reverb {
        if fires(rng, r.p) {
            let rt60 = uniform(rng, r.min_rt60, r.max_rt60);
            let drr = uniform(rng, r.min_drr_db, r.max_drr_db);
            let rir = reverb::room_impulse_response(sample_rate, rt60, drr, rng);
            reverb::apply_impulse_response(samples, &rir);
        }
    }
    if let Some(n) = &w.pink_noise {
        if fires(rng, n.p) {
            let snr = uniform(rng, n.min_snr_db, n.max_snr_db);
            noise::add_pink_noise(samples, snr, rng);
        }
    }
    if let Some(fd) = &w.fade {
        if fires(rng, fd.p) {
            let len = samples.len() as f32;
            let fade_in = (uniform(rng, 0.0, fd.max_in) * len) as usize;
            let fade_out = (uniform(rng, 0.0, fd.max_out) * len) as usize;
            wave::fade(samples, fade_in, fade_out);
        }
    }
    if let Some(c) = &w.crop_or_pad {
        let target = (c.seconds * sample_rate as f32).round() as usize;
        wave::crop_or_pad(samples, target, c.random, rng);
    }
    Ok(())
}

/// Random EQ bands for [`EqConfig`].
fn random_bands<R: Rng + ?Sized>(cfg: &EqConfig, sample_rate: u32, rng: &mut R) -> Vec<Band> {
    let n = rng.random_range(cfg.bands_min..=cfg.bands_max);
    let top = cfg.max_hz.min(0.45 * sample_rate as f32);
    let bottom = cfg.min_hz.min(top);
    (0..n)
        .map(|_| Band {
            kind: match rng.random_range(0..3) {
                0 => BandKind::Peaking,
                1 => BandKind::LowShelf,
                _ => BandKind::HighShelf,
            },
            freq_hz: uniform(rng, bottom.ln(), top.ln()).exp(),
            gain_db: uniform(rng, -cfg.max_gain_db, cfg.max_gain_db),
            q: uniform(rng, cfg.min_q, cfg.max_q),
        })
        .collect()
}

/// Applies the feature-domain augmentations of `cfg` to `features`, drawing
/// all randomness from `rng`.
pub fn apply_features<R: Rng + ?Sized>(
    cfg: &AugmentConfig,
    features: &mut Features,
    rng: &mut R,
) -> Result<(), AugmentError> {
    cfg.validate()?;
    let f = &cfg.features;
    if let Some(s) = &f.time_stretch {
        if fires(rng, s.p) {
            *features = spectral::stretch_frames(features, uniform(rng, s.min_rate, s.max_rate));
        }
    }
    if let Some(s) = &f.time_shift {
        if fires(rng, s.p) {
            spectral::shift_frames(features, uniform(rng, -s.max_fraction, s.max_fraction));
        }
    }
    if let Some(c) = &f.crop_or_pad {
        *features = spectral::crop_or_pad_frames(features, c.frames, c.random, c.fill, rng);
    }
    if let Some(s) = &f.spec_augment {
        if fires(rng, s.p) {
            let value = s.fill.value_for(features);
            for _ in 0..s.time_masks {
                let (start, width) =
                    spectral::random_mask(features.n_frames, s.max_time_width, rng);
                spectral::mask_frames(features, start, width, value);
            }
            for _ in 0..s.freq_masks {
                let (start, width) = spectral::random_mask(features.n_bins, s.max_freq_width, rng);
                spectral::mask_bins(features, start, width, value);
            }
        }
    }
    Ok(())
}
