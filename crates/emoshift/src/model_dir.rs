//! A trained model as a folder that prediction can trust: the network's
//! description, its weights, the class names and the exact feature spec it
//! was trained on, so `emoshift predict` always computes what training saw.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use emoshift_learn::data::InputLayout;
use emoshift_learn::models::ModelSpec;
use emoshift_learn::Model;
use serde::{Deserialize, Serialize};
use tch::Device;

use crate::feature_source::{FeatureComputer, FeatureSource};
use crate::normalize::BinNorm;

const CONFIG_FILE: &str = "model.json";
const WEIGHTS_FILE: &str = "weights.safetensors";

/// Everything but the weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelConfig {
    /// The network.
    pub model: ModelSpec,
    /// Class names in output order.
    pub classes: Vec<String>,
    /// Label set the classes come from.
    pub label_set: String,
    /// Features the network reads (a spectral spec, or an encoder's layer).
    pub features: FeatureSource,
    /// How feature matrices become the model's input tensors.
    pub layout: InputLayout,
    /// Frames per input window (the training crop).
    pub window_frames: usize,
    /// Per-bin standardisation fitted on the training data, applied before the network.
    pub normalization: BinNorm,
    /// Method that trained it (for the record).
    pub method: String,
}

/// Writes `model.json` and `weights.safetensors` into `dir`.
pub fn save(dir: &Path, config: &ModelConfig, model: &dyn Model) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create folder", dir.display()))?;
    let json = serde_json::to_vec_pretty(config)?;
    crate::experiment::results::write_atomic(&dir.join(CONFIG_FILE), &json)?;
    model.store().save(&dir.join(WEIGHTS_FILE))?;
    Ok(())
}

/// A model folder loaded for inference.
pub struct LoadedModel {
    /// Its configuration.
    pub config: ModelConfig,
    /// The network with trained weights.
    pub model: Box<dyn Model>,
    /// Computes the features the network reads (loads the encoder, if any).
    pub features: FeatureComputer,
}

/// Reads a model folder written by [`save`].
pub fn load(dir: &Path, device: Device) -> Result<LoadedModel> {
    let config_path: PathBuf = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&config_path).with_context(|| {
        format!(
            "{}: not a model folder (no readable {CONFIG_FILE})",
            dir.display()
        )
    })?;
    let config: ModelConfig = serde_json::from_str(&text)
        .with_context(|| format!("{}: invalid model description", config_path.display()))?;
    let in_shape = config
        .layout
        .example_shape(config.features.n_bins(), config.window_frames);
    let model =
        emoshift_learn::models::build(&config.model, &in_shape, config.classes.len(), device)?;
    model.store().load(&dir.join(WEIGHTS_FILE))?;
    let features = config
        .features
        .computer(device)
        .with_context(|| format!("{}: cannot prepare its features", dir.display()))?;
    Ok(LoadedModel {
        config,
        model,
        features,
    })
}
