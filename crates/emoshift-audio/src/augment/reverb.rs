//! Reverberation with a synthetic room impulse response: a direct path
//! followed by exponentially decaying Gaussian noise (the statistical model
//! of late reverberation), applied by FFT convolution.

use rand::Rng;
use rand::RngExt;
use rand_distr::StandardNormal;
use realfft::RealFftPlanner;

use super::noise::mean_square;

/// Gap between the direct path and the onset of reflections.
const PRE_DELAY_SECONDS: f32 = 0.005;

/// A synthetic room impulse response of `rt60` seconds (time for the energy
/// to fall by 60 dB): `h[0] = 1` (direct path), then after a 5 ms gap a
/// noise tail with envelope `exp(−6.91·t / rt60)`, scaled so that the
/// direct-to-reverberant energy ratio is `drr_db`. Length `rt60` seconds.
pub fn room_impulse_response<R: Rng + ?Sized>(
    sample_rate: u32,
    rt60: f32,
    drr_db: f32,
    rng: &mut R,
) -> Vec<f32> {
    let sr = sample_rate as f32;
    let len = ((rt60 * sr) as usize).max(2);
    let onset = ((PRE_DELAY_SECONDS * sr) as usize).clamp(1, len - 1);
    // Amplitude decays by 60 dB (factor 1000) over rt60: exp(−ln(1000)·t/rt60).
    let decay = 1000f32.ln() / (rt60 * sr);
    let mut h = vec![0.0f32; len];
    h[0] = 1.0;
    for (n, v) in h.iter_mut().enumerate().skip(onset) {
        let g: f32 = rng.sample(StandardNormal);
        *v = g * (-decay * n as f32).exp();
    }
    let tail_energy: f64 = h[onset..].iter().map(|v| f64::from(*v).powi(2)).sum();
    if tail_energy > 0.0 {
        let target = 10f64.powf(-f64::from(drr_db) / 10.0);
        let scale = (target / tail_energy).sqrt() as f32;
        h[onset..].iter_mut().for_each(|v| *v *= scale);
    }
    h
}

/// Convolves `samples` with `impulse` (output truncated to the input length)
/// and rescales to the input's RMS, so reverb changes colour, not level.
pub fn apply_impulse_response(samples: &mut [f32], impulse: &[f32]) {
    let n = samples.len();
    if n == 0 || impulse.is_empty() {
        return;
    }
    let before = mean_square(samples);
    let size = (n + impulse.len() - 1).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let forward = planner.plan_fft_forward(size);
    let inverse = planner.plan_fft_inverse(size);
    let mut x = vec![0.0f32; size];
    x[..n].copy_from_slice(samples);
    let mut h = vec![0.0f32; size];
    h[..impulse.len()].copy_from_slice(impulse);
    let mut xs = forward.make_output_vec();
    let mut hs = forward.make_output_vec();
    forward.process(&mut x, &mut xs).expect("sized by plan");
    forward.process(&mut h, &mut hs).expect("sized by plan");
    for (a, b) in xs.iter_mut().zip(&hs) {
        *a *= *b;
    }
    // realfft's inverse needs purely real DC and Nyquist bins.
    xs[0].im = 0.0;
    if let Some(last) = xs.last_mut() {
        last.im = 0.0;
    }
    inverse.process(&mut xs, &mut x).expect("sized by plan");
    let after = mean_square(&x[..n]) / (size as f64).powi(2);
    let scale = if after > 0.0 {
        ((before / after).sqrt() / size as f64) as f32
    } else {
        0.0
    };
    for (s, y) in samples.iter_mut().zip(&x) {
        *s = y * scale;
    }
}
