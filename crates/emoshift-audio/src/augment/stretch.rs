//! Pitch-preserving time stretch by phase vocoder, following
//! `librosa.effects.time_stretch` (STFT with `n_fft` 2048, hop 512, Hann,
//! centred; `librosa.phase_vocoder`; inverse STFT with window-sum
//! normalisation). Hand-written because no Rust crate provides it.

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

use crate::window::WindowKind;

const N_FFT: usize = 2048;
const HOP: usize = N_FFT / 4;

/// Stretches `samples` by `rate` (> 1 speeds up, < 1 slows down) keeping the
/// pitch; the result has `round(len / rate)` samples. Signals shorter than a
/// hop, or `rate` that is not positive and finite, leave the input unchanged.
pub fn time_stretch(samples: &[f32], rate: f32) -> Vec<f32> {
    if samples.len() < HOP || !(rate.is_finite() && rate > 0.0) {
        return samples.to_vec();
    }
    let out_len = (samples.len() as f64 / f64::from(rate)).round() as usize;
    let window = WindowKind::Hann.coefficients(N_FFT);
    let spectrum = stft(samples, &window);
    let stretched = phase_vocoder(&spectrum, f64::from(rate));
    istft(&stretched, &window, out_len)
}

/// Centred (zero-padded) STFT: one `n_fft/2 + 1` spectrum per frame.
fn stft(samples: &[f32], window: &[f32]) -> Vec<Vec<Complex<f32>>> {
    let pad = N_FFT / 2;
    let mut padded = vec![0.0f32; samples.len() + 2 * pad];
    padded[pad..pad + samples.len()].copy_from_slice(samples);
    let n_frames = 1 + (padded.len() - N_FFT) / HOP;
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
    let mut frame = vec![0.0f32; N_FFT];
    (0..n_frames)
        .map(|t| {
            for ((f, x), w) in frame.iter_mut().zip(&padded[t * HOP..]).zip(window) {
                *f = x * w;
            }
            let mut out = fft.make_output_vec();
            fft.process(&mut frame, &mut out).expect("sized by plan");
            out
        })
        .collect()
}

/// `librosa.phase_vocoder`: reads the input frames at steps of `rate`,
/// interpolating magnitudes and accumulating phase advances.
fn phase_vocoder(frames: &[Vec<Complex<f32>>], rate: f64) -> Vec<Vec<Complex<f32>>> {
    let n_bins = frames[0].len();
    let two_pi = 2.0 * std::f64::consts::PI;
    let phi_advance: Vec<f64> = (0..n_bins)
        .map(|k| two_pi * HOP as f64 * k as f64 / N_FFT as f64)
        .collect();
    let zeros = vec![Complex::new(0.0f32, 0.0); n_bins];
    let column = |i: usize| frames.get(i).unwrap_or(&zeros);
    let mut phase: Vec<f64> = frames[0].iter().map(|c| f64::from(c.arg())).collect();
    let n_steps = (frames.len() as f64 / rate).ceil() as usize;
    (0..n_steps)
        .map(|t| {
            let step = t as f64 * rate;
            let (c0, c1) = (column(step as usize), column(step as usize + 1));
            let alpha = step.fract();
            (0..n_bins)
                .map(|k| {
                    let mag =
                        (1.0 - alpha) * f64::from(c0[k].norm()) + alpha * f64::from(c1[k].norm());
                    let value = Complex::from_polar(mag, phase[k]);
                    let mut dphase =
                        f64::from(c1[k].arg()) - f64::from(c0[k].arg()) - phi_advance[k];
                    dphase -= two_pi * (dphase / two_pi).round();
                    phase[k] += phi_advance[k] + dphase;
                    Complex::new(value.re as f32, value.im as f32)
                })
                .collect()
        })
        .collect()
}

/// Inverse of [`stft`]: overlap-add of windowed inverse FFTs, divided by the
/// summed squared window, centre padding removed, fitted to `length`.
fn istft(frames: &[Vec<Complex<f32>>], window: &[f32], length: usize) -> Vec<f32> {
    let fft = RealFftPlanner::<f32>::new().plan_fft_inverse(N_FFT);
    let total = N_FFT + HOP * (frames.len().saturating_sub(1));
    let mut signal = vec![0.0f32; total];
    let mut norm = vec![0.0f32; total];
    let mut frame = vec![0.0f32; N_FFT];
    let scale = 1.0 / N_FFT as f32;
    for (t, spectrum) in frames.iter().enumerate() {
        let mut spectrum = spectrum.clone();
        spectrum[0].im = 0.0;
        if let Some(last) = spectrum.last_mut() {
            last.im = 0.0;
        }
        fft.process(&mut spectrum, &mut frame)
            .expect("sized by plan");
        let offset = t * HOP;
        for (i, (&x, &w)) in frame.iter().zip(window).enumerate() {
            signal[offset + i] += x * scale * w;
            norm[offset + i] += w * w;
        }
    }
    for (s, n) in signal.iter_mut().zip(&norm) {
        if *n > f32::MIN_POSITIVE {
            *s /= n;
        }
    }
    let start = N_FFT / 2;
    let mut out: Vec<f32> = signal.into_iter().skip(start).take(length).collect();
    out.resize(length, 0.0);
    out
}
