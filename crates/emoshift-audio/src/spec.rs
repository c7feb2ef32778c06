//! [`FeatureSpec`]: a complete, hashable description of how a file becomes a
//! feature matrix (loading, STFT, mel/MFCC, scaling), and the papers' presets.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::extractor::Extractor;
use crate::mel::{MelNorm, MelScale};
use crate::window::WindowKind;
use crate::{load, AudioError, FeatureError, Features, LoadOptions};

/// Version of the feature computation; part of every [`FeatureSpec::id`], so
/// bumping it invalidates cached features after a change in the maths.
const FEATURE_CODE_VERSION: u32 = 1;

/// Short-time Fourier transform parameters (librosa's names and meanings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StftParams {
    /// FFT length; the spectrum has `n_fft / 2 + 1` bins.
    pub n_fft: usize,
    /// Window length (≤ `n_fft`); the window is centred in the FFT frame.
    pub win_length: usize,
    /// Samples between successive frames.
    pub hop_length: usize,
    /// Analysis window.
    pub window: WindowKind,
    /// Pad `n_fft / 2` samples on both sides so frame `t` is centred on sample `t·hop`.
    pub center: bool,
    /// How the centring padding is filled.
    pub pad_mode: PadMode,
}

/// Padding used when `center` is on (`numpy.pad` modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PadMode {
    /// Zeros (librosa ≥ 0.10 default).
    Constant,
    /// Mirror without repeating the edge sample.
    Reflect,
}

/// Whether spectrum values are magnitudes `|X|` or powers `|X|²`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpectrumPower {
    /// `|X|` (librosa `power=1.0`).
    Magnitude,
    /// `|X|²` (librosa `power=2.0`).
    Power,
}

/// Mel filterbank parameters (`librosa.filters.mel`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MelParams {
    /// Number of mel bands.
    pub n_mels: usize,
    /// Lowest filter edge in Hz.
    pub fmin: f32,
    /// Highest filter edge in Hz; `None` is the Nyquist frequency.
    pub fmax: Option<f32>,
    /// Hz↔mel formula.
    pub scale: MelScale,
    /// Filter normalisation.
    pub norm: MelNorm,
}

/// Reference level of a dB conversion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DbRef {
    /// A fixed reference value (librosa `ref=1.0`).
    Value(f32),
    /// The largest value of the matrix (librosa `ref=np.max`).
    Max,
}

/// Element-wise compression of the (mel) spectrogram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Scale {
    /// No compression.
    Linear,
    /// Natural log: `ln(x + eps)`.
    Log {
        /// Offset that keeps the log finite.
        eps: f32,
    },
    /// Decibels as `librosa.power_to_db` (powers, factor 10) or
    /// `librosa.amplitude_to_db` (magnitudes, factor 20):
    /// `k·log10(max(amin, x)) − k·log10(max(amin, ref))`, then floored at
    /// `max − top_db`.
    Db {
        /// Reference level.
        reference: DbRef,
        /// Smallest value considered, in the units of `x`.
        amin: f32,
        /// Dynamic range kept below the maximum, if any.
        top_db: Option<f32>,
    },
}

/// What is computed from the STFT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeatureKind {
    /// Linear-frequency spectrogram.
    Spectrogram {
        /// Magnitude or power.
        power: SpectrumPower,
        /// Keep only the lowest `max_bins` bins (all when `None`).
        max_bins: Option<usize>,
        /// Compression.
        scale: Scale,
    },
    /// Mel spectrogram (`librosa.feature.melspectrogram`), optionally compressed
    /// (log-mel, dB).
    Mel {
        /// Filterbank.
        mel: MelParams,
        /// Spectrum fed to the filterbank (librosa's `power`).
        power: SpectrumPower,
        /// Compression.
        scale: Scale,
    },
    /// MFCC as `librosa.feature.mfcc`: DCT-II (orthonormal) of the power mel
    /// spectrogram in dB (`ref=1.0`, `amin=1e-10`, `top_db`).
    Mfcc {
        /// Filterbank.
        mel: MelParams,
        /// Number of coefficients kept.
        n_mfcc: usize,
        /// Dynamic range of the dB mel spectrogram (librosa's default is 80).
        top_db: Option<f32>,
    },
}

/// A complete, hashable description of a feature: how to load the audio and
/// how to turn it into a `[n_bins][n_frames]` matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    /// Decoding, resampling, trimming and level normalisation.
    pub load: LoadOptions,
    /// Framing and FFT.
    pub stft: StftParams,
    /// The quantity computed.
    pub kind: FeatureKind,
    /// Standardise each bin over time to zero mean and unit variance
    /// (VGGVox-style utterance normalisation), after scaling.
    #[serde(default)]
    pub per_bin_standardize: bool,
}

/// Names accepted by [`FeatureSpec::preset`].
const PRESET_NAMES: &[&str] = &["da_mldg", "dann", "mmd", "voxceleb"];

impl FeatureSpec {
    /// The names of the built-in presets.
    pub fn preset_names() -> &'static [&'static str] {
        PRESET_NAMES
    }

    /// A built-in preset:
    ///
    /// - `da_mldg`: DA-MLDG's log-mel — 16 kHz, Hann window of 400 (25 ms),
    ///   hop 160 (10 ms), `n_fft` 1024, centred, 64 Slaney mels 60–7800 Hz on
    ///   the power spectrum, `ln(x + 1e-6)`.
    /// - `dann`: the DANN/centre-loss paper's spectrogram (16 kHz, 25 ms
    ///   frames, 265 ms segments of 32 × 129). 25 ms = 400 samples, so
    ///   `n_fft = win_length = 400`; the paper's 129 bins are the lowest 129
    ///   of the 201 (0–5.12 kHz, 40 Hz apart). Frames are not centred and the
    ///   hop is 124 samples (7.75 ms), so 32 frames span 400 + 31·124 = 4244
    ///   samples = 265.25 ms — the paper's 265 ms segment; cut segments with
    ///   [`Features::segments`]`(32, 32)`. Log power `ln(|X|² + 1e-6)`.
    /// - `mmd`: the MMD transfer paper's mel-spectrogram images, made "with
    ///   librosa" without further parameters, so librosa's defaults: 22.05 kHz,
    ///   `n_fft` 2048, hop 512, Hann, centred, 128 Slaney mels 0–11.025 kHz,
    ///   power, `power_to_db(ref=np.max)` with `top_db` 80.
    /// - `voxceleb`: the VGGVox spectrogram used for the VoxCeleb pre-training
    ///   in DA-MLDG — 16 kHz, Hamming window of 25 ms (400), hop 10 ms (160),
    ///   `n_fft` 512 (257 bins), not centred, magnitude, each bin standardised
    ///   over time.
    pub fn preset(name: &str) -> Result<FeatureSpec, FeatureError> {
        let slaney = |n_mels, fmin, fmax| MelParams {
            n_mels,
            fmin,
            fmax,
            scale: MelScale::Slaney,
            norm: MelNorm::Slaney,
        };
        let stft = |n_fft, win_length, hop_length, window, center| StftParams {
            n_fft,
            win_length,
            hop_length,
            window,
            center,
            pad_mode: PadMode::Constant,
        };
        let spec = match name {
            "da_mldg" => FeatureSpec {
                load: LoadOptions::at_rate(16_000),
                stft: stft(1024, 400, 160, WindowKind::Hann, true),
                kind: FeatureKind::Mel {
                    mel: slaney(64, 60.0, Some(7800.0)),
                    power: SpectrumPower::Power,
                    scale: Scale::Log { eps: 1e-6 },
                },
                per_bin_standardize: false,
            },
            "dann" => FeatureSpec {
                load: LoadOptions::at_rate(16_000),
                stft: stft(400, 400, 124, WindowKind::Hann, false),
                kind: FeatureKind::Spectrogram {
                    power: SpectrumPower::Power,
                    max_bins: Some(129),
                    scale: Scale::Log { eps: 1e-6 },
                },
                per_bin_standardize: false,
            },
            "mmd" => FeatureSpec {
                load: LoadOptions::at_rate(22_050),
                stft: stft(2048, 2048, 512, WindowKind::Hann, true),
                kind: FeatureKind::Mel {
                    mel: slaney(128, 0.0, None),
                    power: SpectrumPower::Power,
                    scale: Scale::Db {
                        reference: DbRef::Max,
                        amin: 1e-10,
                        top_db: Some(80.0),
                    },
                },
                per_bin_standardize: false,
            },
            "voxceleb" => FeatureSpec {
                load: LoadOptions::at_rate(16_000),
                stft: stft(512, 400, 160, WindowKind::Hamming, false),
                kind: FeatureKind::Spectrogram {
                    power: SpectrumPower::Magnitude,
                    max_bins: None,
                    scale: Scale::Linear,
                },
                per_bin_standardize: true,
            },
            _ => {
                return Err(FeatureError::UnknownPreset {
                    name: name.to_string(),
                    valid: PRESET_NAMES.join(", "),
                })
            }
        };
        Ok(spec)
    }

    /// A stable identifier: the first 16 hex digits of the BLAKE3 hash of the
    /// canonical JSON serialisation (plus the feature code version). Equal
    /// specs have equal ids across runs and machines.
    pub fn id(&self) -> String {
        let json = serde_json::to_string(self).expect("FeatureSpec always serialises to JSON");
        let mut hasher = blake3::Hasher::new();
        hasher.update(format!("emoshift-features-v{FEATURE_CODE_VERSION}\n").as_bytes());
        hasher.update(json.as_bytes());
        hasher.finalize().to_hex()[..16].to_string()
    }

    /// Frames per second of audio (`sample_rate / hop_length`).
    pub fn frames_per_second(&self) -> f32 {
        self.load.sample_rate as f32 / self.stft.hop_length as f32
    }

    /// Number of rows (frequency bins, mel bands or coefficients) of the output.
    pub fn n_bins(&self) -> usize {
        match &self.kind {
            FeatureKind::Spectrogram { max_bins, .. } => {
                let all = self.stft.n_fft / 2 + 1;
                max_bins.map_or(all, |m| m.min(all))
            }
            FeatureKind::Mel { mel, .. } => mel.n_mels,
            FeatureKind::Mfcc { n_mfcc, .. } => *n_mfcc,
        }
    }

    /// Number of frames produced from `n_samples` samples at the target rate
    /// (0 when too short for an uncentred frame).
    pub fn n_frames_for(&self, n_samples: usize) -> usize {
        let padded = if self.stft.center {
            n_samples + 2 * (self.stft.n_fft / 2)
        } else {
            n_samples
        };
        if padded < self.stft.n_fft {
            0
        } else {
            1 + (padded - self.stft.n_fft) / self.stft.hop_length
        }
    }

    /// Checks that the parameters are consistent (positive sizes, window no
    /// longer than the FFT, band edges inside the Nyquist range, …).
    pub fn validate(&self) -> Result<(), FeatureError> {
        let bad = |msg: String| Err(FeatureError::InvalidSpec(msg));
        let s = &self.stft;
        if self.load.sample_rate == 0 {
            return bad("sample_rate must be > 0".into());
        }
        if s.n_fft < 2 || s.hop_length == 0 || s.win_length == 0 {
            return bad("n_fft must be ≥ 2 and hop_length, win_length > 0".into());
        }
        if s.win_length > s.n_fft {
            return bad(format!(
                "win_length {} exceeds n_fft {}",
                s.win_length, s.n_fft
            ));
        }
        let nyquist = self.load.sample_rate as f32 / 2.0;
        let check_mel = |mel: &MelParams| {
            let fmax = mel.fmax.unwrap_or(nyquist);
            if mel.n_mels == 0 {
                return bad("n_mels must be > 0".into());
            }
            if !(mel.fmin >= 0.0 && mel.fmin < fmax && fmax <= nyquist) {
                return bad(format!(
                    "mel band {}–{} Hz must satisfy 0 ≤ fmin < fmax ≤ {nyquist} Hz",
                    mel.fmin, fmax
                ));
            }
            Ok(())
        };
        match &self.kind {
            FeatureKind::Spectrogram { max_bins, .. } => {
                if *max_bins == Some(0) {
                    return bad("max_bins must be > 0".into());
                }
            }
            FeatureKind::Mel { mel, .. } => check_mel(mel)?,
            FeatureKind::Mfcc { mel, n_mfcc, .. } => {
                check_mel(mel)?;
                if *n_mfcc == 0 || *n_mfcc > mel.n_mels {
                    return bad(format!("n_mfcc {n_mfcc} must be in 1..={}", mel.n_mels));
                }
            }
        }
        Ok(())
    }

    /// Computes the features of a mono signal already at `load.sample_rate`.
    ///
    /// The STFT plan, window and filterbank are built once per spec and
    /// thread and reused by later calls.
    pub fn compute(&self, samples: &[f32]) -> Result<Features, FeatureError> {
        Extractor::with_cached(self, |extractor| extractor.compute(samples))
    }

    /// Loads `path` with [`FeatureSpec::load`] options and computes its features.
    pub fn compute_file(&self, path: &Path) -> Result<Features, AudioError> {
        let audio = load::load(path, &self.load)?;
        self.compute(&audio.samples)
            .map_err(|cause| AudioError::Feature {
                path: path.to_path_buf(),
                cause,
            })
    }
}
