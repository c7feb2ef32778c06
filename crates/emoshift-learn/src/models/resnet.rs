//! ResNet-18 (He et al. 2016, torchvision's layout) for spectrogram input,
//! as the DA-MLDG paper uses it, with a width multiplier so that narrow
//! versions train on a CPU. Parameter names match torchvision's `resnet18`
//! (`conv1.weight`, `layer2.0.downsample.1.running_mean`, `fc.weight`), so a
//! torchvision checkpoint with a one-channel `conv1` loads as it is.

use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::error::LearnError;
use crate::model::Model;
use crate::nn::{self, BatchNorm, Conv2d, Conv2dConfig, Init, Linear, Pass};
use crate::params::ParamStore;

/// Hyperparameters of [`ResNet18`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResNetConfig {
    /// Channel multiplier: 1.0 gives torchvision's 64-128-256-512 channels,
    /// 0.25 gives 16-32-64-128.
    pub width: f64,
}

impl Default for ResNetConfig {
    fn default() -> Self {
        Self { width: 1.0 }
    }
}

/// One basic block: two 3×3 convolutions with batch norm and a shortcut
/// (a strided 1×1 convolution with batch norm when the shape changes).
#[derive(Debug)]
struct BasicBlock {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    downsample: Option<(Conv2d, BatchNorm)>,
}

/// torchvision's convolution settings: no bias, Kaiming-normal fan-out init.
fn conv(k: usize, stride: usize) -> Conv2dConfig {
    Conv2dConfig::square(k)
        .stride(stride)
        .no_bias()
        .init(Init::KaimingNormalFanOut)
}

impl BasicBlock {
    fn new(
        store: &mut ParamStore,
        prefix: &str,
        in_ch: usize,
        out_ch: usize,
        stride: usize,
    ) -> Self {
        let conv1 = Conv2d::new(
            store,
            &format!("{prefix}.conv1"),
            in_ch,
            out_ch,
            conv(3, stride),
        );
        let bn1 = BatchNorm::new(store, &format!("{prefix}.bn1"), out_ch);
        let conv2 = Conv2d::new(
            store,
            &format!("{prefix}.conv2"),
            out_ch,
            out_ch,
            conv(3, 1),
        );
        let bn2 = BatchNorm::new(store, &format!("{prefix}.bn2"), out_ch);
        let downsample = (stride != 1 || in_ch != out_ch).then(|| {
            (
                Conv2d::new(
                    store,
                    &format!("{prefix}.downsample.0"),
                    in_ch,
                    out_ch,
                    conv(1, stride),
                ),
                BatchNorm::new(store, &format!("{prefix}.downsample.1"), out_ch),
            )
        });
        Self {
            conv1,
            bn1,
            conv2,
            bn2,
            downsample,
        }
    }

    fn forward(&self, pass: &Pass, x: &Tensor) -> Tensor {
        let out = self.bn1.forward(pass, &self.conv1.forward(pass, x)).relu();
        let out = self.bn2.forward(pass, &self.conv2.forward(pass, &out));
        let identity = match &self.downsample {
            Some((conv, bn)) => bn.forward(pass, &conv.forward(pass, x)),
            None => x.shallow_clone(),
        };
        (out + identity).relu()
    }
}

/// ResNet-18 over `[N, C, H, W]` input. The feature map is the output of
/// `layer4`; features are its global average; the classifier is `fc`.
#[derive(Debug)]
pub struct ResNet18 {
    store: ParamStore,
    conv1: Conv2d,
    bn1: BatchNorm,
    blocks: Vec<BasicBlock>,
    fc: Linear,
    feature_dim: usize,
    num_classes: usize,
}

/// `round(base · width)`, at least 1.
pub(crate) fn scaled(base: usize, width: f64) -> usize {
    ((base as f64 * width).round() as usize).max(1)
}

impl ResNet18 {
    /// Builds the network for `in_channels` input planes and `num_classes`
    /// outputs, initialised like torchvision (Kaiming-normal convolutions,
    /// unit batch norm, PyTorch-default `fc`) from libtorch's generator.
    pub fn new(
        cfg: &ResNetConfig,
        in_channels: usize,
        num_classes: usize,
        device: Device,
    ) -> Result<Self, LearnError> {
        if !(cfg.width > 0.0 && cfg.width.is_finite()) {
            return Err(LearnError::Config {
                key: "model.width".into(),
                value: cfg.width.to_string(),
                allowed: "a positive number (1.0 = 64 base channels)".into(),
            });
        }
        let mut store = ParamStore::new(device);
        let base = scaled(64, cfg.width);
        let conv1 = Conv2d::new(
            &mut store,
            "conv1",
            in_channels,
            base,
            conv(7, 2).padding(3),
        );
        let bn1 = BatchNorm::new(&mut store, "bn1", base);
        let mut blocks = Vec::with_capacity(8);
        let mut in_ch = base;
        for (layer, (mult, stride)) in [(1, 1), (2, 2), (4, 2), (8, 2)].into_iter().enumerate() {
            let out_ch = base * mult;
            for block in 0..2 {
                let prefix = format!("layer{}.{block}", layer + 1);
                let s = if block == 0 { stride } else { 1 };
                blocks.push(BasicBlock::new(&mut store, &prefix, in_ch, out_ch, s));
                in_ch = out_ch;
            }
        }
        let fc = Linear::new(&mut store, "fc", in_ch, num_classes, true, Init::Default);
        Ok(Self {
            store,
            conv1,
            bn1,
            blocks,
            fc,
            feature_dim: in_ch,
            num_classes,
        })
    }
}

impl Model for ResNet18 {
    fn store(&self) -> &ParamStore {
        &self.store
    }

    fn feature_map(&self, params: &[Tensor], x: &Tensor, train: bool) -> Tensor {
        let pass = Pass::new(&self.store, params, train);
        let x = self
            .bn1
            .forward(&pass, &self.conv1.forward(&pass, x))
            .relu();
        let mut x = nn::max_pool2d(&x, [3, 3], [2, 2], [1, 1]);
        for block in &self.blocks {
            x = block.forward(&pass, &x);
        }
        x
    }

    fn pool(&self, map: &Tensor) -> Tensor {
        nn::adaptive_avg_pool2d(map, [1, 1]).flatten(1, -1)
    }

    fn classify(&self, params: &[Tensor], features: &Tensor, train: bool) -> Tensor {
        self.fc
            .forward(&Pass::new(&self.store, params, train), features)
    }

    fn feature_dim(&self) -> usize {
        self.feature_dim
    }

    fn num_classes(&self) -> usize {
        self.num_classes
    }
}
