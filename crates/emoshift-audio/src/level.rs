//! Silence trimming and level normalisation of a mono signal.

/// Frame length of the RMS envelope used by [`trim_silence`] (librosa's default).
pub const TRIM_FRAME_LENGTH: usize = 2048;
/// Hop of the RMS envelope used by [`trim_silence`] (librosa's default).
pub const TRIM_HOP_LENGTH: usize = 512;

/// The `[start, end)` sample range left after trimming leading and trailing
/// silence, as `librosa.effects.trim(y, top_db=top_db)` computes it.
///
/// The RMS of centred, zero-padded frames of 2048 samples every 512 is
/// compared, in dB, with the loudest frame; frames more than `top_db` below it
/// are silent. The range runs from the first non-silent frame's start to the
/// last one's end.
pub fn nonsilent_range(samples: &[f32], top_db: f32) -> (usize, usize) {
    if samples.is_empty() {
        return (0, 0);
    }
    let half = TRIM_FRAME_LENGTH / 2;
    let n_frames = 1 + samples.len() / TRIM_HOP_LENGTH;
    // Prefix sums of squares give each frame's energy in O(1).
    let mut cumulative = Vec::with_capacity(samples.len() + 1);
    let mut acc = 0.0f64;
    cumulative.push(0.0);
    for &s in samples {
        acc += f64::from(s) * f64::from(s);
        cumulative.push(acc);
    }
    let energy_db: Vec<f64> = (0..n_frames)
        .map(|t| {
            // Frame t covers padded[t*hop .. t*hop+frame], i.e. y[t*hop-half ..].
            let start = (t * TRIM_HOP_LENGTH)
                .saturating_sub(half)
                .min(samples.len());
            let end = (t * TRIM_HOP_LENGTH + half).min(samples.len());
            let mean_square = (cumulative[end] - cumulative[start]) / TRIM_FRAME_LENGTH as f64;
            10.0 * mean_square.max(1e-10).log10()
        })
        .collect();
    let max_db = energy_db.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let threshold = -f64::from(top_db);
    let loud = |db: &f64| db - max_db > threshold;
    match (
        energy_db.iter().position(loud),
        energy_db.iter().rposition(loud),
    ) {
        (Some(first), Some(last)) => (
            first * TRIM_HOP_LENGTH,
            ((last + 1) * TRIM_HOP_LENGTH).min(samples.len()),
        ),
        _ => (0, 0),
    }
}

/// Removes leading and trailing silence in place (see [`nonsilent_range`]).
pub fn trim_silence(samples: &mut Vec<f32>, top_db: f32) {
    let (start, end) = nonsilent_range(samples, top_db);
    samples.truncate(end);
    samples.drain(..start);
}

/// Scales the signal so that its largest absolute sample is 1 (like
/// `librosa.util.normalize`); an all-zero signal is left as is.
pub fn normalize_peak(samples: &mut [f32]) {
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    if peak > 0.0 {
        let scale = 1.0 / peak;
        samples.iter_mut().for_each(|s| *s *= scale);
    }
}
