//! Two-dimensional convolution, named like `nn.Conv2d`.

use tch::Tensor;

use super::{join, Init, Pass};
use crate::params::ParamStore;

/// Settings of a [`Conv2d`] beyond its channel counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conv2dConfig {
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// Zero padding along height and width.
    pub padding: [usize; 2],
    /// Whether the layer has a bias.
    pub bias: bool,
    /// How the weight and bias start.
    pub init: Init,
}

impl Conv2dConfig {
    /// A square `k×k` kernel with stride 1, padding `k/2` ("same" for odd
    /// `k`), a bias and PyTorch's default init.
    pub fn square(k: usize) -> Self {
        Self {
            kernel: [k, k],
            stride: [1, 1],
            padding: [k / 2, k / 2],
            bias: true,
            init: Init::Default,
        }
    }

    /// The same settings with stride `s` along both axes.
    pub fn stride(mut self, s: usize) -> Self {
        self.stride = [s, s];
        self
    }

    /// The same settings with padding `p` along both axes.
    pub fn padding(mut self, p: usize) -> Self {
        self.padding = [p, p];
        self
    }

    /// The same settings without a bias.
    pub fn no_bias(mut self) -> Self {
        self.bias = false;
        self
    }

    /// The same settings with another init.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
}

/// A 2-D convolution over `[N, C, H, W]`: parameters `{prefix}.weight`
/// `[out, in, kh, kw]` and, if configured, `{prefix}.bias` `[out]`.
#[derive(Debug, Clone)]
pub struct Conv2d {
    weight: usize,
    bias: Option<usize>,
    stride: [i64; 2],
    padding: [i64; 2],
}

impl Conv2d {
    /// Registers the layer's parameters in `store` under `prefix`.
    pub fn new(
        store: &mut ParamStore,
        prefix: &str,
        in_ch: usize,
        out_ch: usize,
        cfg: Conv2dConfig,
    ) -> Self {
        let shape = [
            out_ch as i64,
            in_ch as i64,
            cfg.kernel[0] as i64,
            cfg.kernel[1] as i64,
        ];
        let device = store.device();
        let weight = store.add(join(prefix, "weight"), cfg.init.weight(&shape, device));
        let bias = cfg
            .bias
            .then(|| store.add(join(prefix, "bias"), cfg.init.bias(&shape, device)));
        Self {
            weight,
            bias,
            stride: cfg.stride.map(|s| s as i64),
            padding: cfg.padding.map(|p| p as i64),
        }
    }

    /// Applies the convolution to `x` of shape `[N, in, H, W]`.
    pub fn forward(&self, pass: &Pass, x: &Tensor) -> Tensor {
        x.conv2d(
            pass.param(self.weight),
            self.bias.map(|b| pass.param(b)),
            self.stride,
            self.padding,
            [1, 1],
            1,
        )
    }
}
