//! The compiled form of a [`FeatureSpec`]: FFT plan, window, mel filterbank
//! and DCT matrix built once, then applied to any number of signals.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::mel::MelFilterbank;
use crate::spec::{DbRef, FeatureKind, MelParams, PadMode, Scale, SpectrumPower};
use crate::window::padded_window;
use crate::{FeatureError, FeatureSpec, Features};

/// Extractors cached per thread, keyed by spec id.
type ExtractorCache = HashMap<String, Rc<Extractor>>;

thread_local! {
    static EXTRACTORS: RefCell<ExtractorCache> = RefCell::new(HashMap::new());
}

/// A [`FeatureSpec`] prepared for computation.
pub struct Extractor {
    spec: FeatureSpec,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    /// Non-zero span of the padded window: only these samples are read.
    window_span: std::ops::Range<usize>,
    /// Magnitude (`|X|`) instead of power (`|X|²`) spectrum.
    magnitude: bool,
    mel: Option<MelFilterbank>,
    /// What happens to the frame-major (mel) spectrogram.
    output: Output,
    n_bins: usize,
}

/// The last stage of an extractor.
enum Output {
    /// Element-wise compression of the (mel) spectrogram.
    Scaled(Scale),
    /// dB mel spectrogram, then DCT-II.
    Mfcc {
        /// Row-major `[n_mfcc][n_mels]` orthonormal DCT-II matrix.
        dct: Vec<f32>,
        top_db: Option<f32>,
    },
}

/// Per-call working buffers, sized once per signal (never per frame).
struct Scratch {
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    fft_scratch: Vec<Complex<f32>>,
    power: Vec<f32>,
}

impl Extractor {
    /// Validates `spec` and builds its FFT plan, window, filterbank and DCT.
    pub fn new(spec: &FeatureSpec) -> Result<Self, FeatureError> {
        spec.validate()?;
        let s = &spec.stft;
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(s.n_fft);
        let window = padded_window(s.window, s.win_length, s.n_fft);
        let left = (s.n_fft - s.win_length) / 2;
        let sr = spec.load.sample_rate;
        let make_mel = |mel: &MelParams| {
            MelFilterbank::new(
                sr,
                s.n_fft,
                mel.n_mels,
                f64::from(mel.fmin),
                f64::from(mel.fmax.unwrap_or(sr as f32 / 2.0)),
                mel.scale,
                mel.norm,
            )
        };
        let (magnitude, mel, output) = match &spec.kind {
            FeatureKind::Spectrogram { power, scale, .. } => (
                *power == SpectrumPower::Magnitude,
                None,
                Output::Scaled(*scale),
            ),
            FeatureKind::Mel { mel, power, scale } => (
                *power == SpectrumPower::Magnitude,
                Some(make_mel(mel)),
                Output::Scaled(*scale),
            ),
            FeatureKind::Mfcc {
                mel,
                n_mfcc,
                top_db,
            } => (
                false,
                Some(make_mel(mel)),
                Output::Mfcc {
                    dct: dct_matrix(*n_mfcc, mel.n_mels),
                    top_db: *top_db,
                },
            ),
        };
        Ok(Extractor {
            spec: spec.clone(),
            fft,
            window,
            window_span: left..left + s.win_length,
            magnitude,
            mel,
            output,
            n_bins: spec.n_bins(),
        })
    }

    /// Runs `f` with this thread's cached extractor for `spec`, building it on first use.
    pub fn with_cached<T>(
        spec: &FeatureSpec,
        f: impl FnOnce(&Extractor) -> Result<T, FeatureError>,
    ) -> Result<T, FeatureError> {
        let id = spec.id();
        let cached = EXTRACTORS.with(|cell| cell.borrow().get(&id).cloned());
        let extractor = match cached {
            Some(e) => e,
            None => {
                let e = Rc::new(Extractor::new(spec)?);
                EXTRACTORS.with(|cell| cell.borrow_mut().insert(id, Rc::clone(&e)));
                e
            }
        };
        f(&extractor)
    }

    /// The spec this extractor computes.
    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// Computes the `[n_bins][n_frames]` features of a mono signal at the spec's rate.
    pub fn compute(&self, samples: &[f32]) -> Result<Features, FeatureError> {
        if let Some((index, value)) = crate::first_non_finite(samples) {
            return Err(FeatureError::NonFinite { index, value });
        }
        let s = &self.spec.stft;
        let padded: Cow<'_, [f32]> = if s.center {
            Cow::Owned(pad_signal(samples, s.n_fft / 2, s.pad_mode))
        } else {
            Cow::Borrowed(samples)
        };
        if padded.len() < s.n_fft {
            return Err(FeatureError::TooShort {
                samples: samples.len(),
                needed: s.n_fft,
            });
        }
        let n_frames = 1 + (padded.len() - s.n_fft) / s.hop_length;
        // Frame-major while computing (contiguous writes), transposed at the end.
        let width = self.mel.as_ref().map_or(self.n_bins, MelFilterbank::n_mels);
        let mut frame_major = vec![0.0f32; n_frames * width];
        let mut scratch = Scratch {
            frame: vec![0.0; s.n_fft],
            spectrum: self.fft.make_output_vec(),
            fft_scratch: self.fft.make_scratch_vec(),
            power: vec![0.0; s.n_fft / 2 + 1],
        };
        for (t, out) in frame_major.chunks_exact_mut(width).enumerate() {
            self.spectrum_frame(&padded[t * s.hop_length..], &mut scratch);
            match &self.mel {
                Some(mel) => mel.apply(&scratch.power, out),
                None => out.copy_from_slice(&scratch.power[..width]),
            }
        }
        let frame_major = match &self.output {
            Output::Scaled(scale) => {
                apply_scale(&mut frame_major, *scale, self.magnitude);
                frame_major
            }
            Output::Mfcc { dct, top_db } => {
                let db = Scale::Db {
                    reference: DbRef::Value(1.0),
                    amin: 1e-10,
                    top_db: *top_db,
                };
                apply_scale(&mut frame_major, db, false);
                apply_dct(&frame_major, width, dct)
            }
        };
        let mut features = Features::from_frame_major(self.n_bins, n_frames, &frame_major);
        if self.spec.per_bin_standardize {
            features.standardize_bins();
        }
        Ok(features)
    }

    /// Windows the frame starting at `signal[0]`, runs the FFT and writes the
    /// power (or magnitude) spectrum into `scratch.power`.
    fn spectrum_frame(&self, signal: &[f32], scratch: &mut Scratch) {
        let span = self.window_span.clone();
        for ((dst, &x), &w) in scratch.frame[span.clone()]
            .iter_mut()
            .zip(&signal[span.clone()])
            .zip(&self.window[span])
        {
            *dst = x * w;
        }
        self.fft
            .process_with_scratch(
                &mut scratch.frame,
                &mut scratch.spectrum,
                &mut scratch.fft_scratch,
            )
            .expect("FFT buffers are sized by the plan");
        // realfft may use the input as scratch: restore the zero padding.
        let span = self.window_span.clone();
        scratch.frame[..span.start].fill(0.0);
        scratch.frame[span.end..].fill(0.0);
        for (p, c) in scratch.power.iter_mut().zip(&scratch.spectrum) {
            let pow = c.re * c.re + c.im * c.im;
            *p = if self.magnitude { pow.sqrt() } else { pow };
        }
    }
}

/// Pads `samples` by `pad` on both sides (`numpy.pad` constant or reflect).
fn pad_signal(samples: &[f32], pad: usize, mode: PadMode) -> Vec<f32> {
    let n = samples.len();
    let mut out = Vec::with_capacity(n + 2 * pad);
    let reflect = |i: isize| -> f32 {
        if n == 1 {
            return samples[0];
        }
        // numpy's reflect repeats the mirror image for pads longer than the signal.
        let period = 2 * (n as isize - 1);
        let mut j = i.rem_euclid(period);
        if j >= n as isize {
            j = period - j;
        }
        samples[j as usize]
    };
    match mode {
        PadMode::Constant => out.resize(pad, 0.0),
        PadMode::Reflect if n == 0 => out.resize(pad, 0.0),
        PadMode::Reflect => out.extend((0..pad).map(|k| reflect(k as isize - pad as isize))),
    }
    out.extend_from_slice(samples);
    match mode {
        PadMode::Constant => out.resize(n + 2 * pad, 0.0),
        PadMode::Reflect if n == 0 => out.resize(2 * pad, 0.0),
        PadMode::Reflect => out.extend((0..pad).map(|k| reflect((n + k) as isize))),
    }
    out
}

/// Applies `scale` element-wise; `magnitude` selects the dB factor (20 vs 10).
fn apply_scale(values: &mut [f32], scale: Scale, magnitude: bool) {
    match scale {
        Scale::Linear => {}
        Scale::Log { eps } => values.iter_mut().for_each(|v| *v = (*v + eps).ln()),
        Scale::Db {
            reference,
            amin,
            top_db,
        } => {
            let factor = if magnitude { 20.0 } else { 10.0 };
            let reference = match reference {
                DbRef::Value(r) => r.abs(),
                DbRef::Max => values.iter().copied().fold(0.0f32, f32::max),
            };
            let offset = factor * reference.max(amin).log10();
            let mut max_db = f32::NEG_INFINITY;
            for v in values.iter_mut() {
                *v = factor * v.max(amin).log10() - offset;
                max_db = max_db.max(*v);
            }
            if let Some(top) = top_db {
                let floor = max_db - top;
                values.iter_mut().for_each(|v| *v = v.max(floor));
            }
        }
    }
}

/// Multiplies each frame (`n_in` values) of `frames` by the `[n_out][n_in]` matrix `dct`.
fn apply_dct(frames: &[f32], n_in: usize, dct: &[f32]) -> Vec<f32> {
    let n_out = dct.len() / n_in;
    let mut out = Vec::with_capacity(frames.len() / n_in * n_out);
    for frame in frames.chunks_exact(n_in) {
        out.extend(
            dct.chunks_exact(n_in)
                .map(|row| row.iter().zip(frame).map(|(a, b)| a * b).sum::<f32>()),
        );
    }
    out
}

/// Row-major `[n_out][n_in]` orthonormal DCT-II matrix (`scipy.fft.dct(norm="ortho")`).
fn dct_matrix(n_out: usize, n_in: usize) -> Vec<f32> {
    let n = n_in as f64;
    let mut m = Vec::with_capacity(n_out * n_in);
    for k in 0..n_out {
        let norm = if k == 0 {
            (1.0 / n).sqrt()
        } else {
            (2.0 / n).sqrt()
        };
        for i in 0..n_in {
            let angle = std::f64::consts::PI * k as f64 * (2.0 * i as f64 + 1.0) / (2.0 * n);
            m.push((norm * angle.cos()) as f32);
        }
    }
    m
}
