//! What the networks read: spectral features from a [`FeatureSpec`], or the
//! hidden states of a pretrained speech encoder (WavLM, wav2vec2, HuBERT)
//! that the user brings as a Hugging Face model folder.
//!
//! A [`FeatureSource`] is the serialisable description (kept in every model
//! folder, so `emoshift predict` computes what training saw); a
//! [`FeatureComputer`] is the same with the encoder loaded, ready to fill
//! the feature cache. Encoder features are the frames of one hidden layer,
//! `[hidden][frames]` at the encoder's frame rate (50 per second); crops and
//! the probe's averaging work on them as on mel frames.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use std::time::Instant;

use emoshift_audio::{
    extract_each, Audio, AudioError, CacheHit, ExtractSummary, FeatureSpec, FeatureStore, Features,
    LoadOptions, QualityGates,
};
use emoshift_learn::encoders::{Pooling, SpeechEncoder, WEIGHTS_FILE};
use serde::{Deserialize, Serialize};
use tch::Device;

/// A pretrained encoder's layer as features: which folder, which weights
/// (by hash, so a changed file is noticed), which layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderRef {
    /// The Hugging Face model folder.
    pub encoder: PathBuf,
    /// BLAKE3 of its `model.safetensors`.
    pub weights_blake3: String,
    /// Hidden state used: 0 is the input of the first transformer layer.
    pub layer: usize,
    /// Width of the hidden states (feature rows).
    pub hidden_size: usize,
    /// Frames per second of audio.
    pub frames_per_second: f32,
    /// Sample rate the encoder reads.
    pub sample_rate: u32,
}

/// The features a run or a model uses. Serialised untagged, so model
/// folders written before encoders existed (a bare feature spec) still load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FeatureSource {
    /// Spectrogram, log-mel or MFCC features.
    Spectral(FeatureSpec),
    /// Hidden states of a pretrained encoder.
    Encoder(EncoderRef),
}

impl FeatureSource {
    /// A spectral preset by name.
    pub fn preset(name: &str) -> Result<Self> {
        Ok(FeatureSource::Spectral(FeatureSpec::preset(name)?))
    }

    /// Layer `layer` (the last when `None`) of the encoder in `dir`, loaded
    /// onto `device` and ready to compute.
    pub fn encoder(dir: &Path, layer: Option<usize>, device: Device) -> Result<FeatureComputer> {
        let encoder = SpeechEncoder::load(dir, device)?;
        let layer = layer.unwrap_or(encoder.num_layers());
        if layer > encoder.num_layers() {
            bail!(
                "encoder layer {layer}: {} has hidden states 0 to {}",
                dir.display(),
                encoder.num_layers()
            );
        }
        let reference = EncoderRef {
            encoder: dir.to_path_buf(),
            weights_blake3: weights_hash(dir)?,
            layer,
            hidden_size: encoder.hidden_size(),
            frames_per_second: encoder.frames_per_second() as f32,
            sample_rate: encoder.sample_rate(),
        };
        Ok(FeatureComputer::Encoder(reference, Box::new(encoder)))
    }

    /// Cache folder name: changes whenever the computed values would.
    pub fn id(&self) -> String {
        match self {
            FeatureSource::Spectral(spec) => spec.id(),
            FeatureSource::Encoder(r) => {
                let key = format!("{}\n{}", r.weights_blake3, r.layer);
                format!("encoder-{}", &blake3::hash(key.as_bytes()).to_hex()[..16])
            }
        }
    }

    /// Feature frames per second of audio.
    pub fn frames_per_second(&self) -> f32 {
        match self {
            FeatureSource::Spectral(spec) => spec.frames_per_second(),
            FeatureSource::Encoder(r) => r.frames_per_second,
        }
    }

    /// Rows of every feature matrix.
    pub fn n_bins(&self) -> usize {
        match self {
            FeatureSource::Spectral(spec) => spec.n_bins(),
            FeatureSource::Encoder(r) => r.hidden_size,
        }
    }

    /// A short description for reports and logs.
    pub fn describe(&self) -> String {
        match self {
            FeatureSource::Spectral(spec) => format!("spectral features {}", spec.id()),
            FeatureSource::Encoder(r) => format!(
                "layer {} of the encoder {} ({} dimensions, {} frames/s)",
                r.layer,
                r.encoder.display(),
                r.hidden_size,
                r.frames_per_second
            ),
        }
    }

    /// Ready to compute: spectral specs as they are, encoders loaded onto
    /// `device` after checking that their weights are the ones recorded.
    pub fn computer(&self, device: Device) -> Result<FeatureComputer> {
        Ok(match self {
            FeatureSource::Spectral(spec) => FeatureComputer::Spectral(spec.clone()),
            FeatureSource::Encoder(r) => {
                let now = weights_hash(&r.encoder)?;
                if now != r.weights_blake3 {
                    bail!(
                        "{}: the encoder's weights changed since this model was trained \
                         (BLAKE3 {} then, {now} now); use the folder it was trained with",
                        r.encoder.join(WEIGHTS_FILE).display(),
                        r.weights_blake3
                    );
                }
                let encoder = SpeechEncoder::load(&r.encoder, device)?;
                FeatureComputer::Encoder(r.clone(), Box::new(encoder))
            }
        })
    }
}

/// BLAKE3 of the encoder folder's weights file.
fn weights_hash(dir: &Path) -> Result<String> {
    let path = dir.join(WEIGHTS_FILE);
    let bytes = std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(blake3::hash(&bytes).to_hex().to_string())
}

/// A [`FeatureSource`] ready to compute features.
pub enum FeatureComputer {
    /// Spectral features.
    Spectral(FeatureSpec),
    /// A loaded encoder.
    Encoder(EncoderRef, Box<SpeechEncoder>),
}

impl FeatureComputer {
    /// The description of what it computes.
    pub fn source(&self) -> FeatureSource {
        match self {
            FeatureComputer::Spectral(spec) => FeatureSource::Spectral(spec.clone()),
            FeatureComputer::Encoder(r, _) => FeatureSource::Encoder(r.clone()),
        }
    }

    /// How a decoded file becomes the signal the features are computed from.
    fn load_options(&self) -> LoadOptions {
        match self {
            FeatureComputer::Spectral(spec) => spec.load.clone(),
            FeatureComputer::Encoder(r, _) => LoadOptions::at_rate(r.sample_rate),
        }
    }

    /// The features of `path`, from `store` when cached, otherwise computed
    /// and cached.
    pub fn get_or_compute(
        &self,
        store: &FeatureStore,
        path: &Path,
    ) -> Result<(Features, CacheHit), AudioError> {
        match self {
            FeatureComputer::Spectral(spec) => store.get_or_compute(path, spec),
            FeatureComputer::Encoder(r, encoder) => {
                let source = FeatureSource::Encoder(r.clone());
                store.get_or_compute_with(path, &source.id(), r, &self.load_options(), |samples| {
                    embed(encoder, r, path, samples)
                })
            }
        }
    }

    /// Computes (or finds cached) the features of every file in `paths`
    /// into `store`; files whose audio fails are listed in the summary and
    /// the run goes on, an entry that cannot be stored is an error.
    /// Spectral features run in parallel on `threads` worker threads (0: one
    /// per core) and fail once every file has been tried; an encoder runs one
    /// file at a time (libtorch already uses every thread it is given), with
    /// a progress bar, and stops at the first entry it cannot store. Each
    /// file's features go to `each` with the file's index in `paths`.
    pub fn extract_all(
        &self,
        paths: &[PathBuf],
        store: &FeatureStore,
        threads: usize,
        each: impl Fn(usize, Features) + Sync,
    ) -> Result<ExtractSummary> {
        if let FeatureComputer::Spectral(spec) = self {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .context("cannot start worker threads")?;
            let each = &each;
            return Ok(pool.install(|| extract_each(paths, spec, store, true, each))?);
        }
        let start = Instant::now();
        let frames_per_second = f64::from(self.source().frames_per_second());
        let bar = indicatif::ProgressBar::new(paths.len() as u64);
        let mut summary = ExtractSummary::default();
        for (i, path) in paths.iter().enumerate() {
            match self.get_or_compute(store, path) {
                Ok((features, hit)) => {
                    match hit {
                        CacheHit::Computed => summary.computed += 1,
                        CacheHit::Reused => summary.reused += 1,
                    }
                    summary.seconds_of_audio += features.n_frames as f64 / frames_per_second;
                    each(i, features);
                }
                Err(e @ AudioError::Cache { .. }) => {
                    bar.finish_and_clear();
                    return Err(e.into());
                }
                Err(e) => summary.failures.push((path.clone(), e.reason())),
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        summary.wall_seconds = start.elapsed().as_secs_f64();
        Ok(summary)
    }

    /// The features of the audio file `path` if it passes `gates`, computed
    /// (not cached).
    pub fn compute_file(&self, path: &Path, gates: &QualityGates) -> Result<Features, AudioError> {
        let bytes = std::fs::read(path).map_err(|cause| AudioError::Unreadable {
            path: path.to_path_buf(),
            cause,
        })?;
        self.compute_bytes(&bytes, path, gates)
    }

    /// The same for an audio file held in memory; `name` names it in errors
    /// and its extension hints at the container. The header is checked
    /// before anything is decoded.
    pub fn compute_bytes(
        &self,
        bytes: &[u8],
        name: &Path,
        gates: &QualityGates,
    ) -> Result<Features, AudioError> {
        let (audio, _) = gates.decode(bytes, name)?;
        self.compute_prepared(audio, name)
    }

    /// The same for decoded audio at any sample rate: checked by `gates`,
    /// resampled and prepared as the feature source says, then computed
    /// (not cached); `name` names it in errors.
    pub fn compute_audio(
        &self,
        audio: Audio,
        name: &Path,
        gates: &QualityGates,
    ) -> Result<Features, AudioError> {
        gates.check_audio(&audio, name)?;
        self.compute_prepared(audio, name)
    }

    fn compute_prepared(&self, audio: Audio, name: &Path) -> Result<Features, AudioError> {
        let audio = emoshift_audio::prepare(audio, name, &self.load_options())?;
        match self {
            FeatureComputer::Spectral(spec) => {
                spec.compute(&audio.samples)
                    .map_err(|cause| AudioError::Feature {
                        path: name.to_path_buf(),
                        cause,
                    })
            }
            FeatureComputer::Encoder(r, encoder) => embed(encoder, r, name, &audio.samples),
        }
    }
}

/// The frames of layer `r.layer` of `samples`, with errors naming `path`.
fn embed(
    encoder: &SpeechEncoder,
    r: &EncoderRef,
    path: &Path,
    samples: &[f32],
) -> Result<Features, AudioError> {
    encoder
        .embed(samples, Some(r.layer), Pooling::Frames)
        .map_err(|e| AudioError::Computation {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}
