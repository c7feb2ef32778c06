//! [`AugmentConfig`]: which augmentations run, with which parameter ranges
//! and probabilities; presets and validation.

use serde::{Deserialize, Serialize};

use super::spectral::Fill;

/// An augmentation config that cannot be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid augmentation config: {0}")]
pub struct AugmentError(pub String);

fn one() -> f32 {
    1.0
}

/// Time stretch by a rate drawn uniformly from `[min_rate, max_rate]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StretchConfig {
    /// Smallest rate (< 1 lengthens).
    pub min_rate: f32,
    /// Largest rate (> 1 shortens).
    pub max_rate: f32,
    /// Probability of applying.
    #[serde(default = "one")]
    pub p: f32,
}

/// Circular time shift by a fraction drawn from `[-max_fraction, max_fraction]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftConfig {
    /// Largest shift as a fraction of the length.
    pub max_fraction: f32,
    /// Probability of applying.
    #[serde(default = "one")]
    pub p: f32,
}

/// Gain drawn from `[min_db, max_db]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GainConfig {
    /// Lowest gain in dB.
    pub min_db: f32,
    /// Highest gain in dB.
    pub max_db: f32,
    /// Probability of applying.
    #[serde(default = "one")]
    pub p: f32,
}

/// Linear fade-in and fade-out with lengths drawn from `[0, max_*]` × length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FadeConfig {
    /// Longest fade-in as a fraction of the length.
    pub max_in: f32,
    /// Longest fade-out as a fraction of the length.
    pub max_out: f32,
    /// Probability of applying.
    #[serde(default = "one")]
    pub p: f32,
}

/// Random EQ: `bands_min..=bands_max` bands of random kind, frequency
/// (log-uniform in `[min_hz, max_hz]`), gain (`±max_gain_db`) and Q.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EqConfig {
    /// Fewest bands.
    pub bands_min: usize,
    /// Most bands.
    pub bands_max: usize,
    /// Lowest band frequency in Hz.
    pub min_hz: f32,
    /// Highest band frequency in Hz (clamped below 0.45 × sample rate).
    pub max_hz: f32,
    /// Largest absolute band gain in dB.
    pub max_gain_db: f32,
    /// Smallest Q.
    pub min_q: f32,
    /// Largest Q.
    pub max_q: f32,
    /// Probability of applying.
    #[serde(default = "one")]
    pub p: f32,
}

/// Pink noise at an SNR drawn from `[min_snr_db, max_snr_db]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseConfig {
    /// Lowest SNR in dB.
    pub min_snr_db: f32,
    /// Highest SNR in dB.
    pub max_snr_db: f32,
    /// Probability of applying.
    #[serde(default = "one")]
    pub p: f32,
}

/// Reverb with a synthetic room: RT60 and direct-to-reverberant ratio drawn
/// from their ranges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReverbConfig {
    /// Shortest RT60 in seconds.
    pub min_rt60: f32,
    /// Longest RT60 in seconds.
    pub max_rt60: f32,
    /// Lowest direct-to-reverberant ratio in dB.
    pub min_drr_db: f32,
    /// Highest direct-to-reverberant ratio in dB.
    pub max_drr_db: f32,
    /// Probability of applying.
    #[serde(default = "one")]
    pub p: f32,
}

/// Crop or zero-pad the waveform to a fixed duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CropConfig {
    /// Target duration in seconds.
    pub seconds: f32,
    /// Random offset (training) instead of centred (evaluation).
    pub random: bool,
}

/// Crop or pad the feature matrix to a fixed number of frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameCropConfig {
    /// Target number of frames.
    pub frames: usize,
    /// Random offset (training) instead of centred (evaluation).
    pub random: bool,
    /// Value of padded frames.
    pub fill: Fill,
}

/// SpecAugment masks: `time_masks` masks of up to `max_time_width` frames and
/// `freq_masks` masks of up to `max_freq_width` bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecAugmentConfig {
    /// Number of time masks.
    pub time_masks: usize,
    /// Widest time mask in frames.
    pub max_time_width: usize,
    /// Number of frequency masks.
    pub freq_masks: usize,
    /// Widest frequency mask in bins.
    pub max_freq_width: usize,
    /// Value written into masks.
    pub fill: Fill,
    /// Probability of applying.
    #[serde(default = "one")]
    pub p: f32,
}

/// Waveform-domain augmentations (each off when `None`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WaveAugment {
    /// Pitch-preserving time stretch.
    pub time_stretch: Option<StretchConfig>,
    /// Circular time shift.
    pub time_shift: Option<ShiftConfig>,
    /// Gain.
    pub gain: Option<GainConfig>,
    /// Random peaking/shelf EQ.
    pub eq: Option<EqConfig>,
    /// Synthetic-room reverb.
    pub reverb: Option<ReverbConfig>,
    /// Pink noise at a given SNR.
    pub pink_noise: Option<NoiseConfig>,
    /// Fade in/out.
    pub fade: Option<FadeConfig>,
    /// Crop/pad to a fixed duration (last, so the output length is fixed).
    pub crop_or_pad: Option<CropConfig>,
}

/// Feature-domain augmentations (each off when `None`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureAugment {
    /// Time stretch by interpolating frames.
    pub time_stretch: Option<StretchConfig>,
    /// Circular shift of frames.
    pub time_shift: Option<ShiftConfig>,
    /// Crop/pad to a fixed number of frames.
    pub crop_or_pad: Option<FrameCropConfig>,
    /// SpecAugment time and frequency masks.
    pub spec_augment: Option<SpecAugmentConfig>,
}

/// Which augmentations run, with which parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AugmentConfig {
    /// Applied to the waveform.
    pub wave: WaveAugment,
    /// Applied to feature matrices.
    pub features: FeatureAugment,
}

/// Names accepted by [`AugmentConfig::preset`].
const PRESET_NAMES: &[&str] = &["none", "da_mldg", "cross_dataset"];

impl AugmentConfig {
    /// The names of the built-in presets.
    pub fn preset_names() -> &'static [&'static str] {
        PRESET_NAMES
    }

    /// A built-in preset:
    /// - `none`: nothing.
    /// - `da_mldg`: DA-MLDG's training augmentation — random 2 s crops,
    ///   time stretch by a rate in [0.8, 1.25] and time shift in ±0.1.
    /// - `cross_dataset`: the acoustic-mismatch set of the cross-dataset
    ///   embeddings study (SpecAugment, time stretching and shifting, fading,
    ///   equalisation, pink noise, reverberation), each with p = 0.5.
    pub fn preset(name: &str) -> Result<AugmentConfig, AugmentError> {
        let stretch = |p| StretchConfig {
            min_rate: 0.8,
            max_rate: 1.25,
            p,
        };
        let shift = |p| ShiftConfig {
            max_fraction: 0.1,
            p,
        };
        match name {
            "none" => Ok(AugmentConfig::default()),
            "da_mldg" => Ok(AugmentConfig {
                wave: WaveAugment {
                    time_stretch: Some(stretch(1.0)),
                    time_shift: Some(shift(1.0)),
                    crop_or_pad: Some(CropConfig {
                        seconds: 2.0,
                        random: true,
                    }),
                    ..WaveAugment::default()
                },
                features: FeatureAugment::default(),
            }),
            "cross_dataset" => Ok(AugmentConfig {
                wave: WaveAugment {
                    time_stretch: Some(stretch(0.5)),
                    time_shift: Some(shift(0.5)),
                    eq: Some(EqConfig {
                        bands_min: 1,
                        bands_max: 3,
                        min_hz: 100.0,
                        max_hz: 6000.0,
                        max_gain_db: 9.0,
                        min_q: 0.5,
                        max_q: 2.0,
                        p: 0.5,
                    }),
                    reverb: Some(ReverbConfig {
                        min_rt60: 0.2,
                        max_rt60: 0.8,
                        min_drr_db: 0.0,
                        max_drr_db: 12.0,
                        p: 0.5,
                    }),
                    pink_noise: Some(NoiseConfig {
                        min_snr_db: 10.0,
                        max_snr_db: 30.0,
                        p: 0.5,
                    }),
                    fade: Some(FadeConfig {
                        max_in: 0.1,
                        max_out: 0.1,
                        p: 0.5,
                    }),
                    ..WaveAugment::default()
                },
                features: FeatureAugment {
                    spec_augment: Some(SpecAugmentConfig {
                        time_masks: 2,
                        max_time_width: 20,
                        freq_masks: 2,
                        max_freq_width: 8,
                        fill: Fill::Mean,
                        p: 0.5,
                    }),
                    ..FeatureAugment::default()
                },
            }),
            _ => Err(AugmentError(format!(
                "unknown augmentation preset '{name}' (valid: {})",
                PRESET_NAMES.join(", ")
            ))),
        }
    }

    /// Checks probabilities and fractions (in [0, 1]) and ranges (finite,
    /// min ≤ max; rates, frequencies, Q, RT60 and durations > 0).
    pub fn validate(&self) -> Result<(), AugmentError> {
        let (w, f) = (&self.wave, &self.features);
        let mut c = Checks::default();
        for (name, s) in [
            ("wave.time_stretch", &w.time_stretch),
            ("features.time_stretch", &f.time_stretch),
        ] {
            if let Some(s) = s {
                c.probability(name, s.p);
                c.range(name, s.min_rate, s.max_rate, true);
            }
        }
        for (name, s) in [
            ("wave.time_shift", &w.time_shift),
            ("features.time_shift", &f.time_shift),
        ] {
            if let Some(s) = s {
                c.probability(name, s.p);
                c.fraction(name, s.max_fraction);
            }
        }
        if let Some(g) = &w.gain {
            c.probability("wave.gain", g.p);
            c.range("wave.gain", g.min_db, g.max_db, false);
        }
        if let Some(e) = &w.eq {
            c.probability("wave.eq", e.p);
            c.require(e.bands_min >= 1 && e.bands_min <= e.bands_max, || {
                "wave.eq: need 1 ≤ bands_min ≤ bands_max".into()
            });
            c.range("wave.eq frequency", e.min_hz, e.max_hz, true);
            c.range("wave.eq Q", e.min_q, e.max_q, true);
            c.range("wave.eq gain", 0.0, e.max_gain_db, false);
        }
        if let Some(r) = &w.reverb {
            c.probability("wave.reverb", r.p);
            c.range("wave.reverb rt60", r.min_rt60, r.max_rt60, true);
            c.range("wave.reverb drr", r.min_drr_db, r.max_drr_db, false);
        }
        if let Some(n) = &w.pink_noise {
            c.probability("wave.pink_noise", n.p);
            c.range("wave.pink_noise snr", n.min_snr_db, n.max_snr_db, false);
        }
        if let Some(fd) = &w.fade {
            c.probability("wave.fade", fd.p);
            c.fraction("wave.fade max_in", fd.max_in);
            c.fraction("wave.fade max_out", fd.max_out);
        }
        if let Some(crop) = &w.crop_or_pad {
            c.range("wave.crop_or_pad seconds", crop.seconds, crop.seconds, true);
        }
        if let Some(s) = &f.spec_augment {
            c.probability("features.spec_augment", s.p);
        }
        c.finish()
    }
}

/// Collects the first failed check of a config.
#[derive(Default)]
struct Checks(Option<String>);

impl Checks {
    fn require(&mut self, ok: bool, msg: impl FnOnce() -> String) {
        if !ok && self.0.is_none() {
            self.0 = Some(msg());
        }
    }

    fn probability(&mut self, name: &str, p: f32) {
        self.require((0.0..=1.0).contains(&p), || {
            format!("{name}.p = {p} must be in [0, 1]")
        });
    }

    fn fraction(&mut self, name: &str, x: f32) {
        self.require((0.0..=1.0).contains(&x), || {
            format!("{name} = {x} must be a fraction in [0, 1]")
        });
    }

    fn range(&mut self, name: &str, lo: f32, hi: f32, positive: bool) {
        let ok = lo.is_finite() && hi.is_finite() && lo <= hi && (!positive || lo > 0.0);
        self.require(ok, || {
            let extra = if positive { " with min > 0" } else { "" };
            format!("{name}: range [{lo}, {hi}] must be finite and ordered{extra}")
        });
    }

    fn finish(self) -> Result<(), AugmentError> {
        self.0.map_or(Ok(()), |msg| Err(AugmentError(msg)))
    }
}
