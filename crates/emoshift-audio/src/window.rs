//! Analysis windows, periodic as `scipy.signal.get_window(…, fftbins=True)`
//! returns them (what librosa uses).

use serde::{Deserialize, Serialize};

/// The analysis window applied to each frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// Periodic Hann window (librosa's default).
    Hann,
    /// Periodic Hamming window (0.54 − 0.46·cos).
    Hamming,
}

impl WindowKind {
    /// The periodic window of `len` samples, computed in `f64` and rounded to `f32`.
    pub fn coefficients(self, len: usize) -> Vec<f32> {
        let (a0, a1) = match self {
            WindowKind::Hann => (0.5, 0.5),
            WindowKind::Hamming => (0.54, 0.46),
        };
        let n = len as f64;
        (0..len)
            .map(|i| (a0 - a1 * (2.0 * std::f64::consts::PI * i as f64 / n).cos()) as f32)
            .collect()
    }
}

/// The window of `win_length` samples centred in a frame of `n_fft` samples
/// (zeros either side), as `librosa.util.pad_center` places it.
pub fn padded_window(kind: WindowKind, win_length: usize, n_fft: usize) -> Vec<f32> {
    let mut out = vec![0.0; n_fft];
    let left = (n_fft - win_length) / 2;
    out[left..left + win_length].copy_from_slice(&kind.coefficients(win_length));
    out
}
