//! Pretrained speech encoders from Hugging Face model folders: WavLM,
//! wav2vec2 and HuBERT, inference only, on tch.
//!
//! Nothing is downloaded: users bring a folder they downloaded themselves
//! (`config.json`, `model.safetensors`, optionally `preprocessor_config.json`),
//! and [`SpeechEncoder::load`] reads it. The network is transformers'
//! `WavLMModel` / `Wav2Vec2Model` / `HubertModel` in evaluation mode, with the
//! parameter names of its state dict; [`SpeechEncoder::hidden_states`]
//! returns what `model(x, output_hidden_states=True).hidden_states` does in
//! the pinned transformers release (see `scripts/requirements-dev.txt`),
//! checked against it by `tests/encoders.rs`.
//!
//! Inputs are 16 kHz mono samples. `do_normalize` of the preprocessor
//! configuration standardises each input to zero mean and unit variance
//! (`Wav2Vec2FeatureExtractor`). Inputs longer than the chunk length
//! (20 s unless [`SpeechEncoder::with_chunk_seconds`] says otherwise) are
//! encoded in windows of at most that length (see [`chunks`]): memory stays
//! bounded, and frames keep their time positions, but attention does not
//! cross window boundaries.

pub mod chunks;
mod config;
mod conv;
mod parts;
mod transformer;
mod weights;

use std::path::{Path, PathBuf};

use emoshift_audio::Features;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::error::LearnError;
pub use chunks::Chunk;
pub use config::{Activation, Architecture, ConvSpec, EncoderConfig, FeatureNorm, Preprocessing};
use conv::{FeatureEncoder, FeatureProjection};
use transformer::TransformerEncoder;
use weights::Weights;

/// The model configuration file of a model folder.
pub const CONFIG_FILE: &str = "config.json";
/// The weights file of a model folder.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The feature-extractor configuration of a model folder (optional).
pub const PREPROCESSOR_FILE: &str = "preprocessor_config.json";

/// Default longest window encoded at once, in seconds.
pub const DEFAULT_CHUNK_SECONDS: f64 = 20.0;

/// Added to the variance by `Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm`.
const NORMALIZE_EPS: f64 = 1e-7;

/// How frame embeddings become an utterance's features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// One vector: the mean over frames (`[hidden][1]`).
    #[default]
    Mean,
    /// Every frame (`[hidden][frames]`).
    Frames,
}

/// A loaded encoder.
pub struct SpeechEncoder {
    dir: PathBuf,
    config: EncoderConfig,
    preprocessing: Preprocessing,
    device: Device,
    features: FeatureEncoder,
    projection: FeatureProjection,
    transformer: TransformerEncoder,
    max_chunk_frames: usize,
}

impl std::fmt::Debug for SpeechEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeechEncoder")
            .field("dir", &self.dir)
            .field("architecture", &self.config.architecture)
            .field("hidden_size", &self.config.hidden_size)
            .field("num_layers", &self.config.num_layers)
            .finish()
    }
}

impl SpeechEncoder {
    /// Loads the model folder `dir` onto `device`. Errors name the file and
    /// the reason: no folder, no `config.json`, an unknown `model_type`, a
    /// missing or mis-shaped tensor (with the shape expected).
    pub fn load(dir: &Path, device: Device) -> Result<Self, LearnError> {
        if !dir.is_dir() {
            return Err(LearnError::Io {
                path: dir.to_path_buf(),
                reason: "not a folder; give a Hugging Face model folder (config.json, model.safetensors)".into(),
            });
        }
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(LearnError::Io {
                path: config_path,
                reason: "missing: not a Hugging Face model folder".into(),
            });
        }
        let config = EncoderConfig::load(&config_path)?;
        let preprocessing = Preprocessing::load_or_default(&dir.join(PREPROCESSOR_FILE))?;
        let weights = Weights::load(
            &dir.join(WEIGHTS_FILE),
            config.architecture.weight_prefix(),
            device,
        )?;
        let features = FeatureEncoder::load(&weights, &config)?;
        let projection = FeatureProjection::load(&weights, &config)?;
        let transformer = TransformerEncoder::load(&weights, &config)?;
        let max_chunk_frames = chunk_frames(
            DEFAULT_CHUNK_SECONDS,
            preprocessing.sampling_rate,
            features.stride(),
        );
        Ok(Self {
            dir: dir.to_path_buf(),
            config,
            preprocessing,
            device,
            features,
            projection,
            transformer,
            max_chunk_frames,
        })
    }

    /// The same encoder, encoding at most `seconds` of audio at once
    /// (at least one frame).
    pub fn with_chunk_seconds(mut self, seconds: f64) -> Self {
        self.max_chunk_frames = chunk_frames(seconds, self.sample_rate(), self.features.stride());
        self
    }

    /// The model folder it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its configuration.
    pub fn config(&self) -> &EncoderConfig {
        &self.config
    }

    /// Whether inputs are standardised before the network.
    pub fn normalizes_input(&self) -> bool {
        self.preprocessing.do_normalize
    }

    /// Samples per second the encoder expects (16000).
    pub fn sample_rate(&self) -> u32 {
        self.preprocessing.sampling_rate
    }

    /// Width of every hidden state.
    pub fn hidden_size(&self) -> usize {
        self.config.hidden_size
    }

    /// Transformer layers; hidden states are numbered `0..=num_layers`.
    pub fn num_layers(&self) -> usize {
        self.config.num_layers
    }

    /// Frames per second of audio (50 for the standard feature encoder).
    pub fn frames_per_second(&self) -> f64 {
        f64::from(self.sample_rate()) / self.features.stride() as f64
    }

    /// Samples one frame sees (400, 25 ms, for the standard feature encoder).
    pub fn receptive_field(&self) -> usize {
        self.features.receptive_field()
    }

    /// Frames produced from `n_samples` samples.
    pub fn frames_for(&self, n_samples: usize) -> usize {
        self.features.frames_for(n_samples)
    }

    /// The windows an input of `n_samples` samples is encoded in.
    pub fn chunks(&self, n_samples: usize) -> Vec<Chunk> {
        chunks::plan(
            n_samples,
            self.features.receptive_field(),
            self.features.stride(),
            self.max_chunk_frames,
        )
    }

    /// Every hidden state of `samples_16k`, `num_layers + 1` tensors of
    /// shape `[frames, hidden]` on the encoder's device: the input of the
    /// first transformer layer, then each layer's output.
    pub fn hidden_states(&self, samples_16k: &[f32]) -> Result<Vec<Tensor>, LearnError> {
        self.states_upto(samples_16k, self.num_layers())
    }

    /// Hidden state `layer` (`0..=num_layers`) of `samples_16k`, `[frames,
    /// hidden]`; the layers above it are not computed.
    pub fn layer(&self, samples_16k: &[f32], layer: usize) -> Result<Tensor, LearnError> {
        self.check_layer(layer)?;
        let mut states = self.states_upto(samples_16k, layer)?;
        Ok(states.swap_remove(layer))
    }

    /// The features of hidden state `layer` (the last when `None`) of
    /// `samples_16k`: `[hidden][frames]`, or `[hidden][1]` mean-pooled.
    pub fn embed(
        &self,
        samples_16k: &[f32],
        layer: Option<usize>,
        pooling: Pooling,
    ) -> Result<Features, LearnError> {
        let states = self.layer(samples_16k, layer.unwrap_or(self.num_layers()))?;
        let states = match pooling {
            Pooling::Mean => states.mean_dim(&[0i64][..], true, Kind::Float),
            Pooling::Frames => states,
        };
        let (frames, hidden) = states.size2()?;
        let frame_major =
            Vec::<f32>::try_from(states.to_device(Device::Cpu).contiguous().view([-1]))?;
        Ok(Features::from_frame_major(
            hidden as usize,
            frames as usize,
            &frame_major,
        ))
    }

    fn check_layer(&self, layer: usize) -> Result<(), LearnError> {
        if layer > self.num_layers() {
            return Err(LearnError::Config {
                key: "encoder_layer".into(),
                value: layer.to_string(),
                allowed: format!(
                    "0 (the input of the first transformer layer) to {} (the last layer) for {}",
                    self.num_layers(),
                    self.dir.display()
                ),
            });
        }
        Ok(())
    }

    /// Hidden states `0..=upto` of the whole input, window by window.
    fn states_upto(&self, samples: &[f32], upto: usize) -> Result<Vec<Tensor>, LearnError> {
        if let Some((index, value)) = emoshift_audio::first_non_finite(samples) {
            return Err(LearnError::Data(format!(
                "sample {index} of the encoder input is not finite ({value})"
            )));
        }
        let chunks = self.chunks(samples.len());
        if chunks.is_empty() {
            return Err(LearnError::Data(format!(
                "{} samples are fewer than the {} one encoder frame needs ({:.0} ms at {} Hz)",
                samples.len(),
                self.receptive_field(),
                1000.0 * self.receptive_field() as f64 / f64::from(self.sample_rate()),
                self.sample_rate()
            )));
        }
        let prepared = if self.preprocessing.do_normalize {
            zero_mean_unit_var(samples)
        } else {
            samples.to_vec()
        };
        tch::no_grad(|| {
            let mut per_chunk: Vec<Vec<Tensor>> = Vec::with_capacity(chunks.len());
            for chunk in &chunks {
                let x = Tensor::from_slice(&prepared[chunk.samples.clone()])
                    .to_device(self.device)
                    .unsqueeze(0);
                let conv = self.features.forward(&x);
                let projected = self.projection.forward(&conv);
                let states = self.transformer.forward(&projected, upto);
                per_chunk.push(states.into_iter().map(|s| s.squeeze_dim(0)).collect());
            }
            if per_chunk.len() == 1 {
                return Ok(per_chunk.swap_remove(0));
            }
            Ok((0..=upto)
                .map(|l| {
                    let parts: Vec<&Tensor> = per_chunk.iter().map(|c| &c[l]).collect();
                    Tensor::cat(&parts, 0)
                })
                .collect())
        })
    }
}

/// Frames in `seconds` of audio at `sample_rate` and `stride` samples per
/// frame (at least 1).
fn chunk_frames(seconds: f64, sample_rate: u32, stride: usize) -> usize {
    let frames = seconds.max(0.0) * f64::from(sample_rate) / stride as f64;
    (frames.floor() as usize).max(1)
}

/// `(x − mean) / √(var + 1e-7)` over the whole input, as
/// `Wav2Vec2FeatureExtractor` with `do_normalize` (statistics in f64).
pub fn zero_mean_unit_var(samples: &[f32]) -> Vec<f32> {
    let n = samples.len().max(1) as f64;
    let mean = samples.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = samples
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    let scale = 1.0 / (var + NORMALIZE_EPS).sqrt();
    samples
        .iter()
        .map(|&v| ((f64::from(v) - mean) * scale) as f32)
        .collect()
}
