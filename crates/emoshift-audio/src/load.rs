//! One call from a file to the mono signal a feature extractor expects:
//! decode, mix down, resample, trim silence, normalise.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{decode, level, resample, Audio, AudioError};

/// How a file is turned into the signal that features are computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadOptions {
    /// Target sample rate in Hz; the decoded signal is resampled to it.
    pub sample_rate: u32,
    /// Trim leading/trailing silence quieter than this many dB below the
    /// loudest frame (`librosa.effects.trim(top_db=…)`); `None` keeps all.
    #[serde(default)]
    pub trim_top_db: Option<f32>,
    /// Scale the signal to a peak of 1 after trimming.
    #[serde(default)]
    pub normalize: bool,
}

impl LoadOptions {
    /// Resample to `sample_rate`, no trimming, no normalisation.
    pub fn at_rate(sample_rate: u32) -> Self {
        LoadOptions {
            sample_rate,
            trim_top_db: None,
            normalize: false,
        }
    }
}

/// Decodes `path`, mixes to mono, resamples to `opts.sample_rate`, then
/// optionally trims silence and normalises the peak level.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Audio, AudioError> {
    let audio = decode::decode_file(path)?;
    prepare(audio, path, opts)
}

/// Applies the steps after decoding (resample, trim, normalise) to `audio`
/// that came from `path`.
pub fn prepare(audio: Audio, path: &Path, opts: &LoadOptions) -> Result<Audio, AudioError> {
    let mut samples = if audio.sample_rate == opts.sample_rate {
        audio.samples
    } else {
        resample::resample(&audio.samples, audio.sample_rate, opts.sample_rate).map_err(
            |reason| AudioError::Resample {
                path: path.to_path_buf(),
                from: audio.sample_rate,
                to: opts.sample_rate,
                reason,
            },
        )?
    };
    if let Some(top_db) = opts.trim_top_db {
        level::trim_silence(&mut samples, top_db);
    }
    if opts.normalize {
        level::normalize_peak(&mut samples);
    }
    Ok(Audio {
        samples,
        sample_rate: opts.sample_rate,
    })
}
