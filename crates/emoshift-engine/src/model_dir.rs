//! A trained model as a folder that prediction can trust: the network's
//! description and weights, the method that trained it, the class names and
//! the exact features it was trained on, so `emoshift predict` computes what
//! training saw and predicts through the method's own `predict`, as the
//! evaluation did.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use emoshift_audio::Features;
use emoshift_learn::data::InputLayout;
use emoshift_learn::methods::{self, DomainInfo, MethodConfig};
use emoshift_learn::models::ModelSpec;
use emoshift_learn::Method;
use serde::{Deserialize, Serialize};
use tch::Device;

use crate::feature_source::{FeatureComputer, FeatureSource};
use crate::normalize::{apply_own, BinNorm, NormScope};

const CONFIG_FILE: &str = "model.json";
const WEIGHTS_FILE: &str = "weights.safetensors";

/// Version of the folder layout; folders of another version are refused
/// with a message, never half-read.
pub const FORMAT: u32 = 2;

/// Everything but the weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Folder layout version ([`FORMAT`]); absent in the first layout.
    #[serde(default)]
    pub format: u32,
    /// The network.
    pub model: ModelSpec,
    /// Class names in output order.
    pub classes: Vec<String>,
    /// Label set the classes come from.
    pub label_set: String,
    /// Features the network reads (a spectral spec, or an encoder's layer).
    pub features: FeatureSource,
    /// The network's own input layout (its weights' shapes follow from it).
    pub layout: InputLayout,
    /// The layout the method's `predict` reads (frame sequences for the
    /// probe, which pools them itself; otherwise the network's layout).
    pub predict_layout: InputLayout,
    /// Frames per input window (the training crop).
    pub window_frames: usize,
    /// Per-bin standardisation fitted on the training data, applied before
    /// the network (unless the scope standardises each utterance by itself).
    pub normalization: BinNorm,
    /// The scope the model was trained with (see [`crate::normalize`]).
    #[serde(default)]
    pub normalization_scope: NormScope,
    /// The experiment's label for the method that trained it.
    pub method: String,
    /// That method's settings; prediction goes through its `predict`.
    pub method_config: MethodConfig,
    /// The training domains the method was built for.
    pub domains: DomainInfo,
    /// The quality gates of training, which prediction applies too.
    #[serde(default)]
    pub quality: emoshift_audio::QualityGates,
}

impl ModelConfig {
    /// `features` standardised as the model expects its input.
    pub fn normalize(&self, features: &Features) -> Features {
        match self.normalization_scope {
            NormScope::Utterance => apply_own(features),
            _ => self.normalization.apply(features),
        }
    }
}

/// The weights file of a model folder, or `path` itself when it is not a folder.
pub fn weights_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(WEIGHTS_FILE)
    } else {
        path.to_path_buf()
    }
}

/// Writes `model.json` and the trained network's `weights.safetensors` into
/// `dir`. A method's extra training heads and optimiser state are not kept:
/// `Method::predict` reads only the network.
pub fn save(dir: &Path, config: &ModelConfig, method: &dyn Method) -> Result<()> {
    let json = serde_json::to_vec_pretty(config)?;
    emoshift_fs::write_atomic(&dir.join(CONFIG_FILE), &json)?;
    method.model().store().save(&dir.join(WEIGHTS_FILE))?;
    Ok(())
}

/// A model folder loaded for inference.
pub struct LoadedModel {
    /// Its configuration.
    pub config: ModelConfig,
    /// The method that trained it, around the trained network.
    pub method: Box<dyn Method>,
    /// Computes the features the network reads (loads the encoder, if any).
    pub features: FeatureComputer,
    /// Where the network lives.
    pub device: Device,
}

/// Reads a model folder written by [`save`] onto `device`.
pub fn load(dir: &Path, device: Device) -> Result<LoadedModel> {
    let config_path: PathBuf = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&config_path).with_context(|| {
        format!(
            "{}: not a model folder (no readable {CONFIG_FILE})",
            dir.display()
        )
    })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", config_path.display()))?;
    let format = value.get("format").and_then(|f| f.as_u64()).unwrap_or(1);
    if format != u64::from(FORMAT) {
        bail!(
            "{}: model folder format {format}, this emoshift reads format {FORMAT}; \
             train the model again with this version (rerun its experiment into a new folder)",
            config_path.display()
        );
    }
    let config: ModelConfig = serde_json::from_value(value)
        .with_context(|| format!("{}: invalid model description", config_path.display()))?;
    let in_shape = config
        .layout
        .example_shape(config.features.n_bins(), config.window_frames);
    let model =
        emoshift_learn::models::build(&config.model, &in_shape, config.classes.len(), device)?;
    model.store().load(&dir.join(WEIGHTS_FILE))?;
    let method = methods::build(&config.method_config, model, config.domains.clone())
        .with_context(|| format!("{}: cannot rebuild its method", dir.display()))?;
    let features = config
        .features
        .computer(device)
        .with_context(|| format!("{}: cannot prepare its features", dir.display()))?;
    Ok(LoadedModel {
        config,
        method,
        features,
        device,
    })
}
