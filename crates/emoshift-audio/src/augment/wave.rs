//! Simple waveform augmentations: crop/pad, circular shift, gain, fades.

use rand::{Rng, RngExt};

/// Crops or zero-pads `samples` to exactly `target` samples. A longer signal
/// keeps a window starting at a random (or the centred) offset; a shorter one
/// is placed at a random (or the centred) offset inside zeros.
pub fn crop_or_pad<R: Rng + ?Sized>(
    samples: &mut Vec<f32>,
    target: usize,
    random: bool,
    rng: &mut R,
) {
    let len = samples.len();
    let pick = |rng: &mut R, slack: usize| {
        if random {
            rng.random_range(0..=slack)
        } else {
            slack / 2
        }
    };
    if len > target {
        let start = pick(rng, len - target);
        samples.truncate(start + target);
        samples.drain(..start);
    } else if len < target {
        let left = pick(rng, target - len);
        samples.splice(0..0, std::iter::repeat_n(0.0, left));
        samples.resize(target, 0.0);
    }
}

/// Rotates the signal by `round(fraction · len)` samples (positive: later),
/// like `numpy.roll`.
pub fn shift(samples: &mut [f32], fraction: f32) {
    let len = samples.len();
    if len == 0 {
        return;
    }
    let by = (fraction * len as f32).round() as isize;
    samples.rotate_right(by.rem_euclid(len as isize) as usize);
}

/// Multiplies by `10^(db / 20)`.
pub fn gain(samples: &mut [f32], db: f32) {
    let g = 10f32.powf(db / 20.0);
    samples.iter_mut().for_each(|s| *s *= g);
}

/// Linear fade-in over the first `fade_in` samples and fade-out over the last
/// `fade_out` samples (each clamped to the signal length).
pub fn fade(samples: &mut [f32], fade_in: usize, fade_out: usize) {
    let len = samples.len();
    let fade_in = fade_in.min(len);
    for (i, s) in samples[..fade_in].iter_mut().enumerate() {
        *s *= i as f32 / fade_in as f32;
    }
    let fade_out = fade_out.min(len);
    for (i, s) in samples[len - fade_out..].iter_mut().enumerate() {
        *s *= (fade_out - i - 1) as f32 / fade_out as f32;
    }
}
