//! Mel scales and mel filterbanks, computed as `librosa.filters.mel` does
//! (in `f64`, then rounded to `f32`), stored sparsely: each filter keeps only
//! the contiguous run of FFT bins where it is non-zero.

use serde::{Deserialize, Serialize};

/// Which Hz↔mel formula to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MelScale {
    /// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above (librosa's default).
    Slaney,
    /// HTK's scale: 2595·log10(1 + f/700).
    Htk,
}

/// How each mel filter is normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MelNorm {
    /// Peak 1 triangles.
    None,
    /// Divide each triangle by its width in Hz (area normalisation; librosa's default).
    Slaney,
}

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hz to mel on the given scale (`librosa.hz_to_mel`).
pub fn hz_to_mel(hz: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 2595.0 * (1.0 + hz / 700.0).log10(),
        MelScale::Slaney if hz >= MIN_LOG_HZ => MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step(),
        MelScale::Slaney => hz / F_SP,
    }
}

/// Mel to Hz on the given scale (`librosa.mel_to_hz`).
pub fn mel_to_hz(mel: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 700.0 * (10f64.powf(mel / 2595.0) - 1.0),
        MelScale::Slaney if mel >= MIN_LOG_MEL => {
            MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
        }
        MelScale::Slaney => F_SP * mel,
    }
}

/// One triangular filter: weights for FFT bins `start..start + weights.len()`.
#[derive(Debug, Clone)]
struct Filter {
    start: usize,
    weights: Vec<f32>,
}

/// A mel filterbank mapping `n_fft / 2 + 1` spectrum bins to `n_mels` bands.
#[derive(Debug, Clone)]
pub struct MelFilterbank {
    filters: Vec<Filter>,
    n_freqs: usize,
}

impl MelFilterbank {
    /// Builds the filterbank like `librosa.filters.mel(sr=…, n_fft=…, n_mels=…,
    /// fmin=…, fmax=…, htk=…, norm=…)`.
    pub fn new(
        sample_rate: u32,
        n_fft: usize,
        n_mels: usize,
        fmin: f64,
        fmax: f64,
        scale: MelScale,
        norm: MelNorm,
    ) -> Self {
        let n_freqs = n_fft / 2 + 1;
        let sr = f64::from(sample_rate);
        let fft_freqs: Vec<f64> = (0..n_freqs).map(|k| k as f64 * sr / n_fft as f64).collect();
        let (mel_min, mel_max) = (hz_to_mel(fmin, scale), hz_to_mel(fmax, scale));
        let mel_points = n_mels + 2;
        let mel_f: Vec<f64> = (0..mel_points)
            .map(|i| {
                let mel = mel_min + (mel_max - mel_min) * i as f64 / (mel_points - 1) as f64;
                mel_to_hz(mel, scale)
            })
            .collect();
        let filters = (0..n_mels)
            .map(|m| {
                let (lo, mid, hi) = (mel_f[m], mel_f[m + 1], mel_f[m + 2]);
                let enorm = match norm {
                    MelNorm::Slaney => 2.0 / (hi - lo),
                    MelNorm::None => 1.0,
                };
                let dense: Vec<f32> = fft_freqs
                    .iter()
                    .map(|&f| {
                        let lower = (f - lo) / (mid - lo);
                        let upper = (hi - f) / (hi - mid);
                        (lower.min(upper).max(0.0) * enorm) as f32
                    })
                    .collect();
                match dense.iter().position(|&w| w != 0.0) {
                    Some(start) => {
                        let end = dense.iter().rposition(|&w| w != 0.0).unwrap_or(start) + 1;
                        Filter {
                            start,
                            weights: dense[start..end].to_vec(),
                        }
                    }
                    None => Filter {
                        start: 0,
                        weights: Vec::new(),
                    },
                }
            })
            .collect();
        MelFilterbank { filters, n_freqs }
    }

    /// Number of mel bands.
    pub fn n_mels(&self) -> usize {
        self.filters.len()
    }

    /// Number of spectrum bins expected as input.
    pub fn n_freqs(&self) -> usize {
        self.n_freqs
    }

    /// Writes the mel band energies of one spectrum frame into `out`
    /// (`spectrum.len() == n_freqs`, `out.len() == n_mels`).
    pub fn apply(&self, spectrum: &[f32], out: &mut [f32]) {
        for (o, filter) in out.iter_mut().zip(&self.filters) {
            let bins = &spectrum[filter.start..filter.start + filter.weights.len()];
            *o = dot(bins, &filter.weights);
        }
    }

    /// The dense `[n_mels][n_freqs]` weight matrix (for inspection and tests).
    pub fn to_dense(&self) -> Vec<f32> {
        let mut dense = vec![0.0; self.filters.len() * self.n_freqs];
        for (m, filter) in self.filters.iter().enumerate() {
            let row = &mut dense[m * self.n_freqs..(m + 1) * self.n_freqs];
            row[filter.start..filter.start + filter.weights.len()].copy_from_slice(&filter.weights);
        }
        dense
    }
}

/// Dot product with eight independent partial sums, so the compiler can use
/// SIMD (a single running sum forces sequential scalar adds).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}
