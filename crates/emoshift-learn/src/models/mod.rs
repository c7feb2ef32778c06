//! The networks, each implementing [`crate::model::Model`], and a factory
//! that builds one from a serde [`ModelSpec`] (as written in an experiment
//! file: `name = "resnet18"` plus that model's hyperparameters).

pub mod cnn_blstm;
pub mod mlp;
pub mod resnet;
pub mod vgg;

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::Device;

use crate::data::InputLayout;
use crate::error::LearnError;
use crate::model::Model;

pub use cnn_blstm::{CnnBlstm, CnnBlstmConfig};
pub use mlp::Mlp;
pub use resnet::{ResNet18, ResNetConfig};
pub use vgg::{Vgg16, VggConfig};

/// Hyperparameters of the MLP and the linear probe over embedding vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpConfig {
    /// Hidden layer widths in order (the poster's MLP is `[128, 256]`).
    pub hidden: Vec<usize>,
    /// Dropout after each hidden layer.
    pub dropout: f64,
}

impl Default for MlpConfig {
    fn default() -> Self {
        Self {
            hidden: vec![128, 256],
            dropout: 0.0,
        }
    }
}

/// Which network to build, with its hyperparameters. Serialised with a
/// `name` tag: `{"name": "resnet18", "width": 0.25}`; an unknown name is an
/// error listing the valid ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum ModelSpec {
    /// [`ResNet18`] over spectrograms.
    Resnet18(ResNetConfig),
    /// [`Vgg16`] over spectrograms.
    Vgg16(VggConfig),
    /// [`CnnBlstm`] over spectrogram segments.
    CnnBlstm(CnnBlstmConfig),
    /// [`Mlp`] over embedding vectors.
    Mlp(MlpConfig),
    /// A linear probe over embedding vectors (an [`Mlp`] without hidden layers).
    Linear,
}

/// The names [`ModelSpec`] accepts.
pub const MODEL_NAMES: [&str; 5] = ["resnet18", "vgg16", "cnn_blstm", "mlp", "linear"];

impl ModelSpec {
    /// The spec's `name`.
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Resnet18(_) => "resnet18",
            ModelSpec::Vgg16(_) => "vgg16",
            ModelSpec::CnnBlstm(_) => "cnn_blstm",
            ModelSpec::Mlp(_) => "mlp",
            ModelSpec::Linear => "linear",
        }
    }

    /// The default hyperparameters of the model called `name`.
    pub fn default_for(name: &str) -> Result<Self, LearnError> {
        Ok(match name {
            "resnet18" => ModelSpec::Resnet18(ResNetConfig::default()),
            "vgg16" => ModelSpec::Vgg16(VggConfig::default()),
            "cnn_blstm" => ModelSpec::CnnBlstm(CnnBlstmConfig::default()),
            "mlp" => ModelSpec::Mlp(MlpConfig::default()),
            "linear" => ModelSpec::Linear,
            other => {
                return Err(LearnError::Config {
                    key: "model.name".into(),
                    value: other.into(),
                    allowed: format!("one of {}", MODEL_NAMES.join(", ")),
                })
            }
        })
    }

    /// The input layout the model expects by default (the probe method
    /// reads [`InputLayout::Sequence`] into an MLP instead).
    pub fn input_layout(&self) -> InputLayout {
        match self {
            ModelSpec::Resnet18(_) | ModelSpec::Vgg16(_) | ModelSpec::CnnBlstm(_) => {
                InputLayout::Spectrogram
            }
            ModelSpec::Mlp(_) | ModelSpec::Linear => InputLayout::Vector,
        }
    }
}

fn shape_error(spec: &ModelSpec, in_shape: &[usize], expected: &str) -> LearnError {
    LearnError::Config {
        key: "model input shape".into(),
        value: format!("{in_shape:?}"),
        allowed: format!("`{}` expects {expected}", spec.name()),
    }
}

/// Builds the network `spec` describes for examples of shape `in_shape`
/// (without the batch axis: `[channels, bins, frames]` for the spectrogram
/// models, `[dim]` or `[frames, dim]` for the vector models) and `num_classes` outputs, on
/// `device`. Weights are drawn from libtorch's generator (seed it first with
/// `tch::manual_seed`).
pub fn build(
    spec: &ModelSpec,
    in_shape: &[usize],
    num_classes: usize,
    device: Device,
) -> Result<Box<dyn Model>, LearnError> {
    if num_classes < 2 {
        return Err(LearnError::Config {
            key: "num_classes".into(),
            value: num_classes.to_string(),
            allowed: "at least 2".into(),
        });
    }
    if in_shape.contains(&0) {
        return Err(shape_error(spec, in_shape, "no empty axis"));
    }
    match (spec, in_shape) {
        (ModelSpec::Resnet18(cfg), &[channels, _, _]) => {
            Ok(Box::new(ResNet18::new(cfg, channels, num_classes, device)?))
        }
        (ModelSpec::Vgg16(cfg), &[channels, bins, frames]) => {
            if bins < 32 || frames < 32 {
                return Err(shape_error(
                    spec,
                    in_shape,
                    "at least 32 bins and 32 frames (five 2×2 max pools)",
                ));
            }
            Ok(Box::new(Vgg16::new(cfg, channels, num_classes, device)?))
        }
        (ModelSpec::CnnBlstm(cfg), &[channels, bins, _]) => Ok(Box::new(CnnBlstm::new(
            cfg,
            channels,
            bins,
            num_classes,
            device,
        )?)),
        (ModelSpec::Mlp(cfg), &[dim] | &[_, dim]) => {
            if !(0.0..1.0).contains(&cfg.dropout) {
                return Err(LearnError::Config {
                    key: "model.dropout".into(),
                    value: cfg.dropout.to_string(),
                    allowed: "a probability in [0, 1)".into(),
                });
            }
            Ok(Box::new(Mlp::new(
                device,
                dim,
                &cfg.hidden,
                num_classes,
                cfg.dropout,
            )))
        }
        (ModelSpec::Linear, &[dim] | &[_, dim]) => {
            Ok(Box::new(Mlp::new(device, dim, &[], num_classes, 0.0)))
        }
        (ModelSpec::Resnet18(_) | ModelSpec::Vgg16(_) | ModelSpec::CnnBlstm(_), _) => {
            Err(shape_error(spec, in_shape, "[channels, bins, frames]"))
        }
        (ModelSpec::Mlp(_) | ModelSpec::Linear, _) => {
            Err(shape_error(spec, in_shape, "[dim] or [frames, dim]"))
        }
    }
}

/// Loads initial weights (for example a user's pre-trained checkpoint) from
/// a safetensors file into `model`, strictly: every parameter and buffer
/// must be present with the model's shape and nothing else may be there;
/// the error names each offending tensor and the file.
pub fn load_weights(model: &dyn Model, path: &Path) -> Result<(), LearnError> {
    model.store().load(path)
}
