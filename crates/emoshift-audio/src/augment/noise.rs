//! Pink (1/f) noise and mixing at a target signal-to-noise ratio.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

/// `len` samples of pink noise (power spectral density ∝ 1/f, no DC), unit RMS.
///
/// Made by shaping a white Gaussian spectrum by `1/√f` and inverting the FFT;
/// exact at every frequency, unlike IIR approximations.
pub fn pink_noise<R: Rng + ?Sized>(len: usize, rng: &mut R) -> Vec<f32> {
    if len < 2 {
        return vec![0.0; len];
    }
    let mut planner = RealFftPlanner::<f32>::new();
    let inverse = planner.plan_fft_inverse(len);
    let mut spectrum = inverse.make_input_vec();
    let last = spectrum.len() - 1;
    for (k, c) in spectrum.iter_mut().enumerate().skip(1) {
        let scale = 1.0 / (k as f32).sqrt();
        let re: f32 = rng.sample(StandardNormal);
        // The Nyquist bin of an even length must be real.
        let im: f32 = if k == last && len % 2 == 0 {
            0.0
        } else {
            rng.sample(StandardNormal)
        };
        *c = Complex::new(re * scale, im * scale);
    }
    let mut noise = inverse.make_output_vec();
    inverse
        .process(&mut spectrum, &mut noise)
        .expect("buffers are sized by the plan");
    let rms = (noise.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / len as f64).sqrt();
    if rms > 0.0 {
        let scale = (1.0 / rms) as f32;
        noise.iter_mut().for_each(|v| *v *= scale);
    }
    noise
}

/// Adds pink noise so that signal power / noise power = `snr_db`. A silent
/// signal (zero power) is left unchanged, since no SNR can be met.
pub fn add_pink_noise<R: Rng + ?Sized>(samples: &mut [f32], snr_db: f32, rng: &mut R) {
    let power = mean_square(samples);
    if power <= 0.0 {
        return;
    }
    let noise = pink_noise(samples.len(), rng);
    let scale = (power / 10f64.powf(f64::from(snr_db) / 10.0)).sqrt() as f32;
    for (s, n) in samples.iter_mut().zip(noise) {
        *s += scale * n;
    }
}

/// Mean of the squared samples (0 for an empty slice).
pub fn mean_square(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / samples.len() as f64
}
