//! VGG-16 (Simonyan & Zisserman 2015, torchvision's layout, configuration
//! "D") for spectrogram input, as the MMD transfer paper uses it. The output
//! of the first fully connected layer (after its ReLU) is the feature
//! vector, so the MMD loss reads it; the rest of the classifier classifies.
//! Parameter names match torchvision's `vgg16` / `vgg16_bn`
//! (`features.0.weight`, `classifier.0.weight`, `classifier.6.bias`).

use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use super::resnet::scaled;
use crate::error::LearnError;
use crate::model::Model;
use crate::nn::{self, BatchNorm, Conv2d, Conv2dConfig, Init, Linear, Pass};
use crate::params::ParamStore;

/// Convolution widths of VGG-16 at width 1.0; `None` is a 2×2 max pool.
const CONFIG_D: [Option<usize>; 18] = [
    Some(64),
    Some(64),
    None,
    Some(128),
    Some(128),
    None,
    Some(256),
    Some(256),
    Some(256),
    None,
    Some(512),
    Some(512),
    Some(512),
    None,
    Some(512),
    Some(512),
    Some(512),
    None,
];

/// Hyperparameters of [`Vgg16`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VggConfig {
    /// Channel multiplier of the convolutions (1.0 = 64…512).
    pub width: f64,
    /// Width of the two hidden fully connected layers; by default
    /// `4096 · width`.
    pub fc_dim: Option<usize>,
    /// Batch norm after every convolution (torchvision's `vgg16_bn`).
    pub batch_norm: bool,
    /// Dropout probability in the classifier.
    pub dropout: f64,
    /// Output size of the adaptive average pool before the classifier.
    pub pool: [usize; 2],
}

impl Default for VggConfig {
    fn default() -> Self {
        Self {
            width: 1.0,
            fc_dim: None,
            batch_norm: false,
            dropout: 0.5,
            pool: [7, 7],
        }
    }
}

/// One entry of the `features` sequence.
#[derive(Debug)]
enum Stage {
    Conv(Conv2d, Option<BatchNorm>),
    Pool,
}

/// VGG-16 over `[N, C, H, W]`. Feature map and features are the first FC
/// layer's output `[N, fc_dim]`.
#[derive(Debug)]
pub struct Vgg16 {
    store: ParamStore,
    stages: Vec<Stage>,
    pool: [usize; 2],
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
    dropout: f64,
    feature_dim: usize,
    num_classes: usize,
}

impl Vgg16 {
    /// Builds the network for `in_channels` input planes and `num_classes`
    /// outputs, initialised like torchvision (Kaiming-normal fan-out
    /// convolutions, normal(0, 0.01) linear layers, zero biases).
    pub fn new(
        cfg: &VggConfig,
        in_channels: usize,
        num_classes: usize,
        device: Device,
    ) -> Result<Self, LearnError> {
        if !(cfg.width > 0.0 && cfg.width.is_finite()) {
            return Err(config_error("model.width", cfg.width, "a positive number"));
        }
        if !(0.0..1.0).contains(&cfg.dropout) {
            return Err(config_error(
                "model.dropout",
                cfg.dropout,
                "a probability in [0, 1)",
            ));
        }
        if cfg.pool.contains(&0) || cfg.fc_dim == Some(0) {
            return Err(config_error(
                "model.pool / model.fc_dim",
                format!("{:?} / {:?}", cfg.pool, cfg.fc_dim),
                "positive sizes",
            ));
        }
        let mut store = ParamStore::new(device);
        let mut stages = Vec::with_capacity(CONFIG_D.len());
        let mut index = 0;
        let mut in_ch = in_channels;
        let conv_cfg = Conv2dConfig::square(3).init(Init::KaimingNormalFanOut);
        for entry in CONFIG_D {
            match entry {
                Some(base) => {
                    // Sequence positions as in torchvision: conv, [bn], ReLU.
                    let out_ch = scaled(base, cfg.width);
                    let conv = Conv2d::new(
                        &mut store,
                        &format!("features.{index}"),
                        in_ch,
                        out_ch,
                        conv_cfg,
                    );
                    let bn = cfg.batch_norm.then(|| {
                        BatchNorm::new(&mut store, &format!("features.{}", index + 1), out_ch)
                    });
                    index += if cfg.batch_norm { 3 } else { 2 };
                    stages.push(Stage::Conv(conv, bn));
                    in_ch = out_ch;
                }
                None => {
                    index += 1;
                    stages.push(Stage::Pool);
                }
            }
        }
        let fc_dim = cfg.fc_dim.unwrap_or_else(|| scaled(4096, cfg.width));
        let flat = in_ch * cfg.pool[0] * cfg.pool[1];
        let init = Init::Normal(0.01);
        let fc1 = Linear::new(&mut store, "classifier.0", flat, fc_dim, true, init);
        let fc2 = Linear::new(&mut store, "classifier.3", fc_dim, fc_dim, true, init);
        let fc3 = Linear::new(&mut store, "classifier.6", fc_dim, num_classes, true, init);
        Ok(Self {
            store,
            stages,
            pool: cfg.pool,
            fc1,
            fc2,
            fc3,
            dropout: cfg.dropout,
            feature_dim: fc_dim,
            num_classes,
        })
    }
}

fn config_error(key: &str, value: impl ToString, allowed: &str) -> LearnError {
    LearnError::Config {
        key: key.into(),
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

impl Model for Vgg16 {
    fn store(&self) -> &ParamStore {
        &self.store
    }

    fn feature_map(&self, params: &[Tensor], x: &Tensor, train: bool) -> Tensor {
        let pass = Pass::new(&self.store, params, train);
        let mut x = x.shallow_clone();
        for stage in &self.stages {
            x = match stage {
                Stage::Conv(conv, bn) => {
                    let y = conv.forward(&pass, &x);
                    match bn {
                        Some(bn) => bn.forward(&pass, &y),
                        None => y,
                    }
                    .relu()
                }
                Stage::Pool => nn::max_pool2d(&x, [2, 2], [2, 2], [0, 0]),
            };
        }
        let x = nn::adaptive_avg_pool2d(&x, self.pool).flatten(1, -1);
        self.fc1.forward(&pass, &x).relu()
    }

    fn classify(&self, params: &[Tensor], features: &Tensor, train: bool) -> Tensor {
        let pass = Pass::new(&self.store, params, train);
        let x = nn::dropout(features, self.dropout, train);
        let x = nn::dropout(&self.fc2.forward(&pass, &x).relu(), self.dropout, train);
        self.fc3.forward(&pass, &x)
    }

    fn feature_dim(&self) -> usize {
        self.feature_dim
    }

    fn num_classes(&self) -> usize {
        self.num_classes
    }
}
