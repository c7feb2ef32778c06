//! Augmentations of cached feature matrices (`[n_bins][n_frames]`), applied
//! on the fly by the trainer: crop/pad, frame-interpolating time stretch,
//! circular time shift and SpecAugment masks.

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::Features;

/// Value written into padded frames and masked regions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fill {
    /// 0 (right for standardised features and linear spectrograms).
    Zero,
    /// The matrix minimum (the "silence" level of log/dB features).
    Min,
    /// The matrix mean (SpecAugment's original choice).
    Mean,
    /// A fixed value.
    Value(f32),
}

impl Fill {
    /// The concrete value for `features`.
    pub fn value_for(self, features: &Features) -> f32 {
        match self {
            Fill::Zero => 0.0,
            Fill::Value(v) => v,
            _ if features.data.is_empty() => 0.0,
            Fill::Min => features.data.iter().copied().fold(f32::INFINITY, f32::min),
            Fill::Mean => {
                (features.data.iter().map(|&v| f64::from(v)).sum::<f64>()
                    / features.data.len() as f64) as f32
            }
        }
    }
}

/// Crops or pads to `target` frames: a longer matrix keeps a window at a
/// random (or the centred) offset; a shorter one is placed at a random (or
/// the centred) offset inside `fill`.
pub fn crop_or_pad_frames<R: Rng + ?Sized>(
    features: &Features,
    target: usize,
    random: bool,
    fill: Fill,
    rng: &mut R,
) -> Features {
    let n = features.n_frames;
    let slack = n.abs_diff(target);
    let offset = if random {
        rng.random_range(0..=slack)
    } else {
        slack / 2
    } as isize;
    let start = if n >= target { offset } else { -offset };
    features.window(start, target, fill.value_for(features))
}

/// Stretches the time axis by `rate` (> 1 shortens): `round(n / rate)`
/// frames, each linearly interpolated between the two nearest source frames.
pub fn stretch_frames(features: &Features, rate: f32) -> Features {
    let n = features.n_frames;
    if n == 0 || !(rate.is_finite() && rate > 0.0) {
        return features.clone();
    }
    let out_n = ((n as f64 / f64::from(rate)).round() as usize).max(1);
    let mut out = Features::filled(features.n_bins, out_n, 0.0);
    for t in 0..out_n {
        let src = (t as f64 * f64::from(rate)).min((n - 1) as f64);
        let (i0, alpha) = (src.floor() as usize, (src - src.floor()) as f32);
        let i1 = (i0 + 1).min(n - 1);
        for b in 0..features.n_bins {
            let row = &features.data[b * n..(b + 1) * n];
            out.data[b * out_n + t] = (1.0 - alpha) * row[i0] + alpha * row[i1];
        }
    }
    out
}

/// Rolls every row by `round(fraction · n_frames)` frames (positive: later).
pub fn shift_frames(features: &mut Features, fraction: f32) {
    let n = features.n_frames;
    if n == 0 {
        return;
    }
    let by = ((fraction * n as f32).round() as isize).rem_euclid(n as isize) as usize;
    for row in features.data.chunks_exact_mut(n) {
        row.rotate_right(by);
    }
}

/// Sets frames `start .. start + width` of every bin to `value`.
pub fn mask_frames(features: &mut Features, start: usize, width: usize, value: f32) {
    let n = features.n_frames;
    let end = (start + width).min(n);
    for row in features.data.chunks_exact_mut(n.max(1)) {
        row[start.min(end)..end].fill(value);
    }
}

/// Sets bins `start .. start + width` of every frame to `value`.
pub fn mask_bins(features: &mut Features, start: usize, width: usize, value: f32) {
    let n = features.n_frames;
    let end = (start + width).min(features.n_bins);
    features.data[start.min(end) * n..end * n].fill(value);
}

/// A mask of random width in `0..=max_width` (clamped to `len`) at a random
/// start: returns `(start, width)`.
pub fn random_mask<R: Rng + ?Sized>(len: usize, max_width: usize, rng: &mut R) -> (usize, usize) {
    let width = rng.random_range(0..=max_width.min(len));
    let start = rng.random_range(0..=len - width);
    (start, width)
}
