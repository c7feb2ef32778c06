//! Equalisation with second-order IIR sections (biquads) from Robert
//! Bristow-Johnson's "Audio EQ Cookbook". Hand-written: the formulas are a
//! few lines and no maintained crate offers them for plain slices.

use serde::{Deserialize, Serialize};

/// Shape of an EQ band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandKind {
    /// Bell around the centre frequency.
    Peaking,
    /// Shelf below the corner frequency.
    LowShelf,
    /// Shelf above the corner frequency.
    HighShelf,
}

/// One EQ band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Shape.
    pub kind: BandKind,
    /// Centre or corner frequency in Hz (below Nyquist).
    pub freq_hz: f32,
    /// Gain in dB at the centre (peaking) or on the shelf.
    pub gain_db: f32,
    /// Quality factor (bandwidth for peaking, slope for shelves).
    pub q: f32,
}

/// Normalised biquad coefficients (`a0 = 1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
}

impl Biquad {
    /// The cookbook filter for `band` at `sample_rate`.
    pub fn new(band: &Band, sample_rate: u32) -> Biquad {
        let amp = 10f64.powf(f64::from(band.gain_db) / 40.0);
        let w0 = 2.0 * std::f64::consts::PI * f64::from(band.freq_hz) / f64::from(sample_rate);
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / (2.0 * f64::from(band.q));
        let sqrt_a2 = 2.0 * amp.sqrt() * alpha;
        let (b, a) = match band.kind {
            BandKind::Peaking => (
                [1.0 + alpha * amp, -2.0 * cos, 1.0 - alpha * amp],
                [1.0 + alpha / amp, -2.0 * cos, 1.0 - alpha / amp],
            ),
            BandKind::LowShelf => (
                [
                    amp * ((amp + 1.0) - (amp - 1.0) * cos + sqrt_a2),
                    2.0 * amp * ((amp - 1.0) - (amp + 1.0) * cos),
                    amp * ((amp + 1.0) - (amp - 1.0) * cos - sqrt_a2),
                ],
                [
                    (amp + 1.0) + (amp - 1.0) * cos + sqrt_a2,
                    -2.0 * ((amp - 1.0) + (amp + 1.0) * cos),
                    (amp + 1.0) + (amp - 1.0) * cos - sqrt_a2,
                ],
            ),
            BandKind::HighShelf => (
                [
                    amp * ((amp + 1.0) + (amp - 1.0) * cos + sqrt_a2),
                    -2.0 * amp * ((amp - 1.0) + (amp + 1.0) * cos),
                    amp * ((amp + 1.0) + (amp - 1.0) * cos - sqrt_a2),
                ],
                [
                    (amp + 1.0) - (amp - 1.0) * cos + sqrt_a2,
                    2.0 * ((amp - 1.0) - (amp + 1.0) * cos),
                    (amp + 1.0) - (amp - 1.0) * cos - sqrt_a2,
                ],
            ),
        };
        Biquad {
            b: [b[0] / a[0], b[1] / a[0], b[2] / a[0]],
            a: [a[1] / a[0], a[2] / a[0]],
        }
    }

    /// Filters `samples` in place (transposed direct form II, `f64` state).
    pub fn apply(&self, samples: &mut [f32]) {
        let (mut z1, mut z2) = (0.0f64, 0.0f64);
        for s in samples.iter_mut() {
            let x = f64::from(*s);
            let y = self.b[0] * x + z1;
            z1 = self.b[1] * x - self.a[0] * y + z2;
            z2 = self.b[2] * x - self.a[1] * y;
            *s = y as f32;
        }
    }
}

/// Applies every band in turn.
pub fn equalize(samples: &mut [f32], bands: &[Band], sample_rate: u32) {
    for band in bands {
        Biquad::new(band, sample_rate).apply(samples);
    }
}
