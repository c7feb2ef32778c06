//! Each corpus' recording chain: equalisation (RBJ-cookbook biquads), optional room
//! reverberation, level, hum and noise floor, then 16-bit quantisation and a WAV file.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::f32::consts::PI;
use std::io::Cursor;

/// One equaliser stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Eq {
    /// Second-order high-pass at Hz.
    HighPass(f32),
    /// Second-order low-pass at Hz.
    LowPass(f32),
    /// Low shelf at Hz with gain in dB.
    LowShelf(f32, f32),
    /// High shelf at Hz with gain in dB.
    HighShelf(f32, f32),
    /// Peaking bell at Hz with gain in dB and Q.
    Peak(f32, f32, f32),
}

/// A recording chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// Sample rate of the files, Hz.
    pub sample_rate: u32,
    /// Equaliser stages in order.
    pub eq: Vec<Eq>,
    /// Room reverberation: decay time in seconds and wet mix (0 = dry).
    pub reverb: Option<(f32, f32)>,
    /// RMS level of speech in dBFS before emotion gain.
    pub level_dbfs: f32,
    /// Noise floor RMS in dBFS.
    pub noise_dbfs: f32,
    /// Mains hum (Hz, dBFS), if any.
    pub hum: Option<(f32, f32)>,
}

#[derive(Debug, Clone, Copy)]
struct Biquad {
    b: [f32; 3],
    a: [f32; 2],
    x: [f32; 2],
    y: [f32; 2],
}

impl Biquad {
    /// RBJ Audio-EQ-Cookbook coefficients.
    fn new(eq: Eq, sr: f32) -> Biquad {
        let (f, gain_db, q) = match eq {
            Eq::HighPass(f) | Eq::LowPass(f) => (f, 0.0, std::f32::consts::FRAC_1_SQRT_2),
            Eq::LowShelf(f, g) | Eq::HighShelf(f, g) => (f, g, std::f32::consts::FRAC_1_SQRT_2),
            Eq::Peak(f, g, q) => (f, g, q),
        };
        let f = f.min(0.45 * sr);
        let w = 2.0 * PI * f / sr;
        let (sin, cos) = w.sin_cos();
        let alpha = sin / (2.0 * q);
        let amp = 10f32.powf(gain_db / 40.0);
        let (b, a) = match eq {
            Eq::HighPass(_) => (
                [(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0],
                [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
            ),
            Eq::LowPass(_) => (
                [(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0],
                [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
            ),
            Eq::Peak(..) => (
                [1.0 + alpha * amp, -2.0 * cos, 1.0 - alpha * amp],
                [1.0 + alpha / amp, -2.0 * cos, 1.0 - alpha / amp],
            ),
            Eq::LowShelf(..) => {
                let s = 2.0 * amp.sqrt() * alpha;
                (
                    [
                        amp * ((amp + 1.0) - (amp - 1.0) * cos + s),
                        2.0 * amp * ((amp - 1.0) - (amp + 1.0) * cos),
                        amp * ((amp + 1.0) - (amp - 1.0) * cos - s),
                    ],
                    [
                        (amp + 1.0) + (amp - 1.0) * cos + s,
                        -2.0 * ((amp - 1.0) + (amp + 1.0) * cos),
                        (amp + 1.0) + (amp - 1.0) * cos - s,
                    ],
                )
            }
            Eq::HighShelf(..) => {
                let s = 2.0 * amp.sqrt() * alpha;
                (
                    [
                        amp * ((amp + 1.0) + (amp - 1.0) * cos + s),
                        -2.0 * amp * ((amp - 1.0) + (amp + 1.0) * cos),
                        amp * ((amp + 1.0) + (amp - 1.0) * cos - s),
                    ],
                    [
                        (amp + 1.0) - (amp - 1.0) * cos + s,
                        2.0 * ((amp - 1.0) - (amp + 1.0) * cos),
                        (amp + 1.0) - (amp - 1.0) * cos - s,
                    ],
                )
            }
        };
        Biquad {
            b: [b[0] / a[0], b[1] / a[0], b[2] / a[0]],
            a: [a[1] / a[0], a[2] / a[0]],
            x: [0.0; 2],
            y: [0.0; 2],
        }
    }

    fn tick(&mut self, x: f32) -> f32 {
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

/// A small Schroeder reverberator: four parallel feedback combs, two all-passes.
fn reverb(signal: &[f32], sr: f32, decay_s: f32, wet: f32) -> Vec<f32> {
    let comb_ms = [29.7f32, 37.1, 41.1, 43.7];
    let mut acc = vec![0.0f32; signal.len()];
    for ms in comb_ms {
        let d = ((ms / 1000.0) * sr) as usize;
        let g = 10f32.powf(-3.0 * (ms / 1000.0) / decay_s);
        let mut buf = vec![0.0f32; d.max(1)];
        for (i, x) in signal.iter().enumerate() {
            let k = i % buf.len();
            let y = buf[k];
            buf[k] = x + g * y;
            acc[i] += y / comb_ms.len() as f32;
        }
    }
    for (ms, g) in [(5.0f32, 0.7f32), (1.7, 0.7)] {
        let d = ((ms / 1000.0) * sr) as usize;
        let mut buf = vec![0.0f32; d.max(1)];
        for (i, v) in acc.iter_mut().enumerate() {
            let k = i % buf.len();
            let delayed = buf[k];
            let w = *v + g * delayed;
            buf[k] = w;
            *v = delayed - g * w;
        }
    }
    signal
        .iter()
        .zip(&acc)
        .map(|(d, w)| (1.0 - wet) * d + wet * w)
        .collect()
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

impl Chain {
    /// Runs `speech` through the chain with `gain_db` on top of the chain's level and
    /// returns 16-bit samples.
    pub fn record(&self, speech: &[f32], gain_db: f32, rng: &mut ChaCha8Rng) -> Vec<i16> {
        let sr = self.sample_rate as f32;
        let mut x = speech.to_vec();
        for eq in &self.eq {
            let mut bq = Biquad::new(*eq, sr);
            for v in x.iter_mut() {
                *v = bq.tick(*v);
            }
        }
        if let Some((decay, wet)) = self.reverb {
            x = reverb(&x, sr, decay, wet);
        }
        let active: Vec<f32> = x.iter().copied().filter(|v| v.abs() > 1e-4).collect();
        let level = rms(if active.is_empty() { &x } else { &active });
        let target = 10f32.powf((self.level_dbfs + gain_db) / 20.0);
        let g = if level > 0.0 { target / level } else { 0.0 };
        let noise = 10f32.powf(self.noise_dbfs / 20.0);
        let mut pink = 0.0f32;
        x.iter()
            .enumerate()
            .map(|(i, v)| {
                let white: f32 = StandardNormal.sample(rng);
                // One-pole coloured noise: a room/mic floor rather than pure white.
                pink = 0.9 * pink + 0.44 * white;
                let mut y = v * g + noise * pink;
                if let Some((hz, dbfs)) = self.hum {
                    y += 10f32.powf(dbfs / 20.0) * (2.0 * PI * hz * i as f32 / sr).sin();
                }
                // Soft limiter: tanh above 0.5 full scale.
                let y = if y.abs() > 0.5 {
                    y.signum() * (0.5 + 0.5 * ((y.abs() - 0.5) / 0.5).tanh())
                } else {
                    y
                };
                (y * 32767.0).round().clamp(-32768.0, 32767.0) as i16
            })
            .collect()
    }
}

/// `mono` repeated on each of `channels` interleaved channels (a stereo file whose
/// channels carry the same signal).
pub fn interleave(mono: &[i16], channels: u16) -> Vec<i16> {
    mono.iter()
        .flat_map(|&s| std::iter::repeat_n(s, usize::from(channels)))
        .collect()
}

/// A 16-bit PCM WAV file of `samples` with `channels` interleaved channels.
pub fn wav_bytes(
    samples: &[i16],
    sample_rate: u32,
    channels: u16,
) -> Result<Vec<u8>, hound::Error> {
    let spec = hound::WavSpec {
        channels,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = Cursor::new(Vec::new());
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec)?;
        for &s in samples {
            writer.write_sample(s)?;
        }
        writer.finalize()?;
    }
    Ok(cursor.into_inner())
}
